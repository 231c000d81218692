// Reading one HTTP/1.1 response: parser limits and the parsing steps of the read loop.
#include "response.hpp"

#include <iterator>
#include <string_view>
#include <tuple>

namespace asyncfetch::detail {

namespace http = boost::beast::http;
using boost::system::error_code;

void start_response(std::optional<response_parser>& p, bool head_method, field_arena* arena)
{
    p.reset();  // before the arena is emptied: the old parser's fields live there
    if (arena)
        p.emplace(std::piecewise_construct,
                  std::make_tuple(),
                  std::make_tuple(field_allocator(arena->reset())));
    else
        p.emplace();
    p->get().body() = nullptr;
    p->header_limit(response_header_limit);
    p->body_limit(boost::none);
    if (head_method)
        p->skip(true);
}

error_code parse_buffered(response_parser& p, boost::beast::flat_buffer& b, bool header_only)
{
    // As Beast's read: only the header, or everything buffered once the body is wanted.
    p.eager(!header_only);
    const bool had_header = p.is_header_done();
    for (;;)
    {
        if (header_only ? p.is_header_done() : p.is_done())
            return {};
        if (b.size() == 0)
            return http::error::need_more;
        error_code ec;
        const std::size_t used = p.put(b.data(), ec);
        b.consume(used);
        if (!had_header && p.is_header_done() &&
            static_cast<std::size_t>(std::distance(p.get().begin(), p.get().end())) > response_field_limit)
            return errc::too_many_header_fields;
        if (ec)
            return ec;
        if (used == 0)
            return http::error::need_more;
    }
}

error_code parse_eof(response_parser& p)
{
    if (!p.got_some())
        return http::error::end_of_stream;
    error_code ec;
    p.put_eof(ec);
    return ec;
}

}  // namespace asyncfetch::detail
