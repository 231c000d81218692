// Reading one HTTP/1.1 response: the parser limits and the read loop. The same code runs on
// sockets (http1_session.cpp) and on bytes from memory (fuzz/fuzz_response.cpp).
#pragma once

#include "asyncfetch/error.hpp"
#include "body_sink.hpp"
#include "response_parser.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace asyncfetch::detail {

/// Response headers larger than this are a protocol error (curl allows 100 KB; Beast's default is 8 KB).
inline constexpr std::uint32_t response_header_limit = 128 * 1024;

/// More header fields than this in one response are a protocol error. Real servers send a few
/// dozen; the size limit alone would allow about 30,000 one-letter fields.
inline constexpr std::size_t response_field_limit = 1000;

/// Interim (1xx) responses before the final one share one budget with it: at most this many of
/// them, and their fields and the final one's within response_header_limit and response_field_limit.
inline constexpr std::size_t interim_response_limit = 100;

/// Beast's parser needs a whole chunk-size line, and a last chunk with its whole trailer section, in
/// the buffer before it takes any of it: past these sizes such bytes are a protocol error instead
/// of more memory.
inline constexpr std::size_t chunk_line_limit = 64 * 1024;
inline constexpr std::size_t trailer_limit = response_header_limit;

/// A connection's read buffer never holds more than this (bodies are streamed through it).
inline constexpr std::size_t response_buffer_limit = 1024 * 1024;

/// The most one read asks the stream for (Beast's own read loop uses the same).
inline constexpr std::size_t response_read_size = 64 * 1024;

/// Bodies known to be larger than this are read large_read_size at a time: a quarter of the
/// system calls for a few hundred KiB more memory while the body lasts.
inline constexpr std::uint64_t large_body_size = 1024 * 1024;
inline constexpr std::size_t large_read_size = 256 * 1024;

/// Starts a new message in p with the client's limits: one parser per message, so an interim
/// (1xx) response is a whole message of its own. A HEAD response has no body. The fields go to
/// arena when there is one (emptied first). plain_heads false sends every head through Beast's
/// parser (see response_parser).
void start_response(std::optional<response_parser>& p,
                    bool head_method,
                    field_arena* arena = nullptr,
                    bool plain_heads = true);

/// Parses the bytes b holds into p, consuming them, until the header (header_only) or the whole
/// message is complete: then returns success. Returns http::error::need_more when more input is
/// needed; any other error ends the response.
boost::system::error_code parse_buffered(response_parser& p, boost::beast::flat_buffer& b, bool header_only);

/// After parse_buffered() asked for more: an error naming what the unparsed bytes b holds begin
/// (a status or header line, a chunk-size line, a trailer section) when they are more than that
/// part may be.
boost::system::error_code check_unparsed(const response_parser& p, const boost::beast::flat_buffer& b);

/// The input ended. Success only when that completes the message (a body that runs until close).
boost::system::error_code parse_eof(response_parser& p);

/// Whether a final response has arrived: 1xx responses other than 101 are interim.
inline bool is_final_status(unsigned status) noexcept { return status >= 200 || status == 101; }

/// A request's whole deadline, as the read loop checks it; none by default.
using read_deadline = std::chrono::steady_clock::time_point;

/// The read loop's step before a read: parses what b holds into p. Returns need_more with room set
/// to the most the next read may take when the header (header_only) or message needs more bytes;
/// any other value ends the loop (success: that part is complete). The deadline is checked here, so
/// a server whose bytes are always ready to read cannot hold the request past it.
boost::system::error_code before_read(response_parser& p,
                                      boost::beast::flat_buffer& b,
                                      bool header_only,
                                      std::size_t max_read,
                                      read_deadline deadline,
                                      std::size_t& room);

/// The read loop's step after a read that gave n bytes and rec: commits them to b; need_more to
/// read again, else how the loop ends (the end of the input completes the message or not).
boost::system::error_code after_read(response_parser& p,
                                     boost::beast::flat_buffer& b,
                                     bool header_only,
                                     const boost::system::error_code& rec,
                                     std::size_t n);

/// Reads from stream into b and p until the header (header_only) or the whole message is done.
/// The stream's expiry bounds each read; the deadline is checked before every read as well.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> read_response_part(
    Stream& stream,
    boost::beast::flat_buffer& b,
    response_parser& p,
    bool header_only,
    std::size_t max_read = response_read_size,
    read_deadline deadline = read_deadline::max())
{
    for (;;)
    {
        std::size_t room = 0;
        if (auto ec = before_read(p, b, header_only, max_read, deadline, room);
            ec != boost::beast::http::error::need_more)
            co_return ec;
        auto [rec, n] = co_await stream.async_read_some(b.prepare(room),
                                                        boost::asio::as_tuple(boost::asio::use_awaitable));
        if (auto ec = after_read(p, b, header_only, rec, n); ec != boost::beast::http::error::need_more)
            co_return ec;
    }
}

/// Fields in p's header.
inline std::size_t field_count(const response_parser& p) noexcept { return p.field_count(); }

/// What interim responses leave of a request's header budget.
struct interim_budget
{
    std::size_t count = 0;
    std::uint32_t bytes_left = response_header_limit;
    std::size_t fields_left = response_field_limit;

    /// Takes an interim response's share: its fields' bytes (as on the wire: name, ": ", value,
    /// CRLF) plus its status line. Past the budget, a protocol error.
    boost::system::error_code spend(const response_parser& p) noexcept
    {
        std::size_t bytes = 16;
        for (const auto& [name, value] : p.fields())
            bytes += name.size() + value.size() + 4;
        const std::size_t fields = field_count(p);
        if (++count > interim_response_limit || bytes >= bytes_left || fields > fields_left)
            return errc::too_many_interim_responses;
        bytes_left -= static_cast<std::uint32_t>(bytes);
        fields_left -= fields;
        return {};
    }
};

/// Reads the final response's header, skipping interim 1xx responses within one header budget;
/// p holds it afterwards.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> read_final_header(
    Stream& stream,
    boost::beast::flat_buffer& b,
    std::optional<response_parser>& p,
    bool head_method,
    field_arena* arena = nullptr,
    read_deadline deadline = read_deadline::max())
{
    interim_budget budget;
    for (;;)
    {
        start_response(p, head_method, arena);
        p->header_limit(budget.bytes_left);
        // read_response_part()'s loop, written out: a coroutine less for every response.
        for (;;)
        {
            std::size_t room = 0;
            auto ec = before_read(*p, b, true, response_read_size, deadline, room);
            if (ec == boost::beast::http::error::need_more)
            {
                auto [rec, n] = co_await stream.async_read_some(
                    b.prepare(room),
                    boost::asio::as_tuple(boost::asio::use_awaitable));
                ec = after_read(*p, b, true, rec, n);
                if (ec == boost::beast::http::error::need_more)
                    continue;
            }
            if (ec)
                co_return ec;
            break;
        }
        if (is_final_status(p->status()))
            co_return budget.fields_left < field_count(*p)
                ? boost::system::error_code(errc::too_many_header_fields)
                : boost::system::error_code{};
        if (!p->is_done())
            co_return boost::beast::http::error::bad_status;
        if (auto ec = budget.spend(*p))
            co_return ec;
    }
}

/// Reads the rest of the message whose header p holds, giving its body to sink.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> read_response_body(
    Stream& stream,
    boost::beast::flat_buffer& b,
    response_parser& p,
    body_sink* sink,
    read_deadline deadline = read_deadline::max())
{
    p.sink(sink);
    if (p.is_done())
        co_return boost::system::error_code{};
    const auto length = p.content_length_remaining();
    const bool large = length && *length > large_body_size;
    co_return co_await read_response_part(stream,
                                          b,
                                          p,
                                          false,
                                          large ? large_read_size : response_read_size,
                                          deadline);
}

}  // namespace asyncfetch::detail
