// The testbed's HTTP/1.1 side: the session loop of a connection and the framing of each response plan.
#include "encoders.hpp"
#include "routes.hpp"
#include "server_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <tuple>
#include <utility>

namespace asyncfetch::detail::testbed_parts {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr auto tls_shutdown_timeout = 500ms;
constexpr auto drop_idle_delay = 20ms;
constexpr auto linger_timeout = 500ms;
constexpr std::uint64_t max_request_body = std::uint64_t{16} << 20;
constexpr std::uint32_t max_request_header = 64 * 1024;

bool is_parse_error(const error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
constexpr bool is_tls_stream = false;

template <class Next>
constexpr bool is_tls_stream<ssl::stream<Next>> = true;

std::string status_line(unsigned code)
{
    return "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason_of(code)) + "\r\n";
}

net::awaitable<void> sleep(connection& conn, std::chrono::steady_clock::duration how_long)
{
    // A closed socket means stop() already ran and cancelled the timer: do not start a new wait.
    if (!conn.socket_.is_open())
        co_return;
    conn.timer_.expires_after(how_long);
    co_await conn.timer_.async_wait(use_tuple);
}

/// Writes `plan` as the answer to a request on `stream` and says what the connection does next.
template <class Stream>
net::awaitable<after_response> write_plan(Stream& stream,
                                          connection& conn,
                                          const response_plan& plan,
                                          bool keep_alive,
                                          unsigned version)
{
    using body_type = response_plan::body_type;
    using ending = response_plan::ending;
    if (plan.end == ending::silent)
    {
        co_await wait_for_close(stream);
        co_return after_response::close_abrupt;
    }
    if (plan.delay.count() > 0)
        co_await sleep(conn, plan.delay);

    const bool delimited_by_close = plan.end == ending::until_close || plan.end == ending::cut;
    // HTTP/1.1 is persistent by default; an HTTP/1.0 client that asked for keep-alive gets it confirmed.
    std::string connection_field;
    if (delimited_by_close || !keep_alive)
        connection_field = "Connection: close\r\n";
    else if (version < 11)
        connection_field = "Connection: keep-alive\r\n";

    std::string head = status_line(plan.status) + "Server: asyncfetch-testbed\r\n";
    if (!plan.content_type.empty())
        head += "Content-Type: " + plan.content_type + "\r\n";
    std::optional<std::string> compressed;
    std::uint64_t body_bytes = plan.head_only ? 0 : plan.length;
    if (plan.body == body_type::encoded_whole)
    {
        // Compressed whole first, so that Content-Length can give the encoded size.
        compressed = co_await encode_whole(conn.socket_, plan.encoding, plan.length);
        if (!compressed)
            co_return after_response::close_abrupt;
    }
    if (plan.body == body_type::text)
        head += "Content-Length: " + std::to_string(plan.text.size()) + "\r\n";
    else if (plan.body == body_type::encoded_whole)
        head += "Content-Length: " + std::to_string(compressed->size()) + "\r\n";
    else if (plan.body == body_type::filler && !plan.chunked && !delimited_by_close)
        head += "Content-Length: " +
                std::to_string(plan.end == ending::truncate ? 2 * plan.length : plan.length) + "\r\n";
    for (const auto& [name, value] : plan.fields)
        head.append(name).append(": ").append(value).append("\r\n");
    if (plan.chunked)
        head += "Transfer-Encoding: chunked\r\n";
    head += connection_field + "\r\n";

    const after_response persistent = connection_field == "Connection: close\r\n"
                                          ? after_response::close_graceful
                                          : after_response::keep_alive;
    error_code ec;
    std::size_t written = 0;
    if (plan.interim)
    {
        static constexpr std::string_view interim =
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\n"
            "Link: </style.css>; rel=preload\r\n\r\n";
        std::tie(ec, written) = co_await net::async_write(stream,
                                                          net::buffer(interim.data(), interim.size()),
                                                          use_tuple);
        if (ec)
            co_return after_response::close_abrupt;
    }

    if (plan.body == body_type::none || plan.body == body_type::text)
    {
        if (!plan.head_only)
            head += plan.text;
        ec = co_await write_fixed(stream, std::move(head), 0);
    }
    else if (plan.body == body_type::encoded_whole)
    {
        std::array<net::const_buffer, 2> buffers{
            net::buffer(head),
            net::buffer(*compressed, plan.head_only ? 0 : compressed->size())};
        std::tie(ec, written) = co_await net::async_write(stream, buffers, use_tuple);
    }
    else if (plan.head_only)
        ec = co_await write_fixed(stream, std::move(head), 0);
    else if (plan.body == body_type::encoded_stream)
    {
        // Zeros: run-length matching at the best level gives deflate's ceiling of about 1000:1, fast.
        auto compress = plan.zeros ? std::make_unique<encoder>(plan.encoding, Z_BEST_COMPRESSION, Z_RLE)
                                   : std::make_unique<encoder>(plan.encoding);
        ec = co_await write_encoded_chunked(stream,
                                            conn.socket_,
                                            std::move(head),
                                            *compress,
                                            plan.length,
                                            plan.zeros);
    }
    else if (plan.chunked)
        ec = co_await write_chunked(stream, std::move(head), body_bytes);
    else
        ec = co_await write_fixed(stream, std::move(head), body_bytes);

    if (ec)
        co_return after_response::close_abrupt;
    switch (plan.end)
    {
    case ending::until_close: co_return after_response::close_graceful;
    case ending::cut:
    case ending::truncate: co_return after_response::close_abrupt;
    case ending::drop: co_return keep_alive ? after_response::drop_when_idle : after_response::close_graceful;
    default: co_return persistent;
    }
}

}  // namespace

void connection::close()
{
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
}

template <class Stream>
net::awaitable<void> wait_for_close(Stream& stream)
{
    std::array<char, 1024> sink;
    for (;;)
    {
        auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
        (void)n;
        if (ec)
            co_return;
    }
}

template <class Stream>
net::awaitable<void> serve_http1(Stream& stream, live_connection& conn, beast::flat_buffer buffer)
{
    using namespace net::experimental::awaitable_operators;

    server_context& server = conn.owner_;
    bool drop_when_idle = false;
    for (;;)
    {
        if (drop_when_idle && buffer.size() == 0)
        {
            // /drop: close without a word unless the client starts a request within 20 ms.
            conn.timer_.expires_after(drop_idle_delay);
            auto which = co_await (conn.socket_.async_wait(tcp::socket::wait_read, use_tuple) ||
                                   conn.timer_.async_wait(use_tuple));
            // The timer won, or the wait failed because stop() closed the socket.
            if (which.index() == 1 || std::get<0>(std::get<0>(which)))
            {
                conn.close();
                co_return;
            }
        }

        http::request_parser<http::string_body> parser;
        parser.header_limit(max_request_header);
        parser.body_limit(max_request_body);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        (void)n;
        if (!ec)
        {
            ++server.requests_;
            // A client that sent "Expect: 100-continue" may wait for this before sending the body.
            const auto& head = parser.get();
            if (!parser.is_done() && head.version() >= 11 &&
                beast::iequals(head[http::field::expect], "100-continue"))
            {
                static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
                std::tie(ec, n) = co_await net::async_write(stream,
                                                            net::buffer(go_on.data(), go_on.size()),
                                                            use_tuple);
                if (ec)
                    co_return;
            }
            if (!parser.is_done())
                std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_tuple);
        }
        if (ec)
        {
            if (ec == http::error::body_limit)
            {
                // A Content-Length over the limit fails while reading the header, so count it here.
                if (!parser.is_header_done())
                    ++server.requests_;
                server.record(parser.get(), conn);
                co_await write_fixed(stream, closing_error(413, "request body over 16 MiB\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            else if (ec == http::error::header_limit)
            {
                co_await write_fixed(stream, closing_error(431, "request header over 64 KiB\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            else if (is_parse_error(ec))
            {
                co_await write_fixed(stream, closing_error(400, "bad request\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            co_return;
        }
        const auto& request = parser.get();
        server.record(request, conn);

        server.begin_request();
        const auto plan = plan_response(request, server.routes_, false);
        after_response how = co_await write_plan(stream, conn, plan, request.keep_alive(), request.version());
        server.end_request();
        if (how == after_response::keep_alive || how == after_response::drop_when_idle)
        {
            drop_when_idle = how == after_response::drop_when_idle;
            continue;
        }
        co_await finish(stream, conn, how);
        co_return;
    }
}

template <class Stream>
net::awaitable<void> finish(Stream& stream, connection& conn, after_response how)
{
    using namespace net::experimental::awaitable_operators;

    const bool graceful = how == after_response::close_graceful || how == after_response::close_lingering;
    if (graceful && conn.socket_.is_open())
    {
        if constexpr (is_tls_stream<Stream>)
        {
            // close_notify, bounded: a peer that never answers it must not hold the connection.
            conn.timer_.expires_after(tls_shutdown_timeout);
            co_await (stream.async_shutdown(use_tuple) || conn.timer_.async_wait(use_tuple));
        }
        else
        {
            error_code ignored;
            conn.socket_.shutdown(tcp::socket::shutdown_send, ignored);
            if (how == after_response::close_lingering)
            {
                // Closing with unread bytes sends a reset, which can destroy the answer before it is read.
                conn.timer_.expires_after(linger_timeout);
                co_await (wait_for_close(stream) || conn.timer_.async_wait(use_tuple));
            }
        }
    }
    conn.close();
}

template net::awaitable<void> wait_for_close(tcp::socket&);
template net::awaitable<void> wait_for_close(ssl::stream<tcp::socket>&);
template net::awaitable<void> serve_http1(tcp::socket&, live_connection&, beast::flat_buffer);
template net::awaitable<void> serve_http1(ssl::stream<tcp::socket>&, live_connection&, beast::flat_buffer);
template net::awaitable<void> finish(tcp::socket&, connection&, after_response);
template net::awaitable<void> finish(ssl::stream<tcp::socket>&, connection&, after_response);

}  // namespace asyncfetch::detail::testbed_parts
