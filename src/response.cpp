// Reading one HTTP/1.1 response: parser limits and the parsing steps of the read loop.
#include "response.hpp"

#include <iterator>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace asyncfetch::detail {

namespace http = boost::beast::http;
using boost::system::error_code;

void start_response(std::optional<response_parser>& p, bool head_method, field_arena* arena, bool plain_heads)
{
    p.reset();  // before the arena is emptied: the old parser's fields live there
    p.emplace(arena, plain_heads);
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
        if (!had_header && p.is_header_done() && p.field_count() > response_field_limit)
            return errc::too_many_header_fields;
        if (ec)
            return ec;
        if (used == 0)
            return http::error::need_more;
    }
}

error_code before_read(response_parser& p,
                       boost::beast::flat_buffer& b,
                       bool header_only,
                       std::size_t max_read,
                       read_deadline deadline,
                       std::size_t& room)
{
    auto ec = parse_buffered(p, b, header_only);
    if (ec != http::error::need_more)
        return ec;
    if ((ec = check_unparsed(p, b)))
        return ec;
    room = boost::beast::read_size(b, max_read);
    if (room == 0)
        return errc::response_buffer_full;
    if (deadline != read_deadline::max() && std::chrono::steady_clock::now() >= deadline)
        return boost::beast::error::timeout;
    return http::error::need_more;
}

error_code after_read(response_parser& p,
                      boost::beast::flat_buffer& b,
                      bool header_only,
                      const error_code& rec,
                      std::size_t n)
{
    b.commit(n);
    if (rec == boost::asio::error::eof)
    {
        if (n > 0)
            if (auto ec = parse_buffered(p, b, header_only); ec != http::error::need_more)
                return ec;
        return parse_eof(p);
    }
    if (rec)
        return rec;
    return http::error::need_more;
}

error_code check_unparsed(const response_parser& p, const boost::beast::flat_buffer& b)
{
    const std::size_t n = b.size();
    if (n == 0)
        return {};
    if (!p.is_header_done())  // the parser's own header_limit stops it first
        return n > response_header_limit ? error_code(http::error::header_limit) : error_code{};
    if (!p.chunked())  // a body is taken as it comes
        return {};
    // What is left begins a chunk-size line (after the CRLF ending the previous chunk's data). A
    // whole line stays only for the last chunk, which waits for the end of its trailer section.
    std::string_view rest(static_cast<const char*>(b.cdata().data()), n);
    if (rest.substr(0, 2) == "\r\n")
        rest.remove_prefix(2);
    if (rest.find("\r\n") == std::string_view::npos)
        return n > chunk_line_limit ? error_code(errc::chunk_line_too_long) : error_code{};
    return n > trailer_limit ? error_code(errc::trailer_too_large) : error_code{};
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
