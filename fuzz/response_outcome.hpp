// What the client's response parser makes of a server's bytes, as one comparable value: the fuzz
// target and the unit tests check that a head read by parse_plain_head() comes out as Beast's
// parser reads it.
#pragma once

#include "body_sink.hpp"
#include "response.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncfetch::fuzz {

struct response_outcome
{
    boost::system::error_code head_error;
    unsigned status = 0;
    unsigned version = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> fields;
    bool keep_alive = false;
    std::optional<std::uint64_t> content_length;
    boost::system::error_code body_error;
    bool done = false;
    std::uint64_t body_bytes = 0;
    std::string left;  ///< bytes after the message, unparsed
    bool read_plainly = false;

    /// Equal apart from which parser read the head.
    bool same_as(const response_outcome& o) const
    {
        return head_error == o.head_error && status == o.status && version == o.version &&
               reason == o.reason && fields == o.fields && keep_alive == o.keep_alive &&
               content_length == o.content_length && body_error == o.body_error && done == o.done &&
               body_bytes == o.body_bytes && left == o.left;
    }
};

/// Reads one response from wire as the session does (its head, then its body into a sink), with the
/// first split bytes arriving before the rest and the input ending after them.
inline response_outcome read_one_response(std::string_view wire,
                                          std::size_t split,
                                          bool plain_heads,
                                          bool head_method)
{
    namespace http = boost::beast::http;
    split = split < wire.size() ? split : wire.size();
    const std::string_view pieces[2] = {wire.substr(0, split), wire.substr(split)};
    std::size_t next = 0;
    boost::beast::flat_buffer buffer;
    detail::field_arena arena;
    std::optional<detail::response_parser> p;
    detail::start_response(p, head_method, &arena, plain_heads);
    auto read = [&](bool header_only) {
        for (;;)
        {
            auto ec = detail::parse_buffered(*p, buffer, header_only);
            if (ec != http::error::need_more)
                return ec;
            if (next == 2)
                return detail::parse_eof(*p);
            const auto piece = pieces[next++];
            if (piece.empty())
                continue;
            auto room = buffer.prepare(piece.size());
            std::memcpy(room.data(), piece.data(), piece.size());
            buffer.commit(piece.size());
        }
    };
    response_outcome out;
    out.head_error = read(true);
    out.read_plainly = p->read_plainly();
    if (!out.head_error)
    {
        out.status = p->status();
        out.version = p->version();
        out.reason = p->reason();
        for (const auto& [name, value] : p->fields())
            out.fields.emplace_back(name, value);
        out.keep_alive = p->keep_alive();
        if (auto n = p->content_length())
            out.content_length = *n;
        detail::body_sink sink;
        p->sink(&sink);
        out.body_error = p->is_done() ? boost::system::error_code{} : read(false);
        out.body_bytes = sink.wire();
        out.done = p->is_done();
    }
    const auto data = buffer.cdata();
    out.left.assign(static_cast<const char*>(data.data()), data.size());
    for (; next < 2; ++next)
        out.left.append(pieces[next]);
    return out;
}

}  // namespace asyncfetch::fuzz
