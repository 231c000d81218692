// The testbed's endpoints: handle_request answers one request that a session has read.
#include "routes.hpp"

#include "encoders.hpp"
#include "text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <memory>
#include <system_error>
#include <tuple>
#include <utility>

namespace asyncfetch::detail::testbed_parts {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::uint64_t max_length = std::uint64_t{1} << 40;
constexpr std::uint64_t max_delay_ms = 24ULL * 3600 * 1000;
constexpr std::uint64_t max_encoded_length = std::uint64_t{64} << 20;

/// A decimal number, all of `text`, at most `limit`.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t limit)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value > limit)
        return std::nullopt;
    return value;
}

std::string status_line(unsigned code)
{
    std::string_view reason = http::obsolete_reason(http::int_to_status(code));
    if (reason.empty() || reason.front() == '<')
        reason = "Unknown";
    return "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
}

/// The endpoint name and its argument: "/bytes/10?x" gives {"bytes", "10", true}.
struct route
{
    std::string_view name;
    std::string_view arg;
    bool has_arg = false;
};

route split_target(std::string_view target)
{
    target = target.substr(0, target.find('?'));
    // Absolute-form, as sent to a proxy: serve the path.
    for (std::string_view scheme : {"http://", "https://"})
    {
        if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme))
        {
            target.remove_prefix(scheme.size());
            auto slash = target.find('/');
            target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
            break;
        }
    }
    if (target.empty() || target.front() != '/')
        return {};
    // /redirect-to answers under any prefix too, so that relative references have a base to climb.
    constexpr std::string_view redirect_to = "/redirect-to";
    if (target.size() >= redirect_to.size() &&
        target.substr(target.size() - redirect_to.size()) == redirect_to)
        return {redirect_to.substr(1), {}, false};
    target.remove_prefix(1);
    route result;
    auto slash = target.find('/');
    result.name = target.substr(0, slash);
    if (slash != std::string_view::npos)
    {
        result.arg = target.substr(slash + 1);
        result.has_arg = true;
    }
    return result;
}

/// The percent-decoded value of the first `name=` parameter in the target's query; nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name)
{
    auto question = target.find('?');
    if (question == std::string_view::npos)
        return std::nullopt;
    std::string_view query = target.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty())
    {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals)) != name)
            continue;
        return equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1));
    }
    return std::nullopt;
}

/// A value that would break the header it goes into.
bool has_control_characters(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

/// The text of an /echo answer.
std::string echo_text(const http::request<http::string_body>& request)
{
    std::string out;
    out.reserve(256 + request.body().size());
    out.append(request.method_string()).append(" ").append(request.target()).append("\n");
    for (const auto& field : request)
        out.append(field.name_string()).append(": ").append(field.value()).append("\n");
    out += '\n';
    out += request.body();
    return out;
}

net::awaitable<void> sleep(connection& conn, std::chrono::steady_clock::duration how_long)
{
    // A closed socket means stop() already ran and cancelled the timer: do not start a new wait.
    if (!conn.socket_.is_open())
        co_return;
    conn.timer_.expires_after(how_long);
    co_await conn.timer_.async_wait(use_tuple);
}

}  // namespace

void connection::close()
{
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
}

std::string closing_error(unsigned code, std::string_view body)
{
    return status_line(code) + "Server: asyncfetch-testbed\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
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
net::awaitable<after_response> handle_request(Stream& stream,
                                              connection& conn,
                                              const http::request<http::string_body>& request,
                                              route_state& state)
{
    const bool head_only = request.method() == http::verb::head;
    const bool keep_alive = request.keep_alive();
    const std::string_view target = request.target();
    const route where = split_target(target);

    // HTTP/1.1 is persistent by default; an HTTP/1.0 client that asked for keep-alive gets it confirmed.
    std::string connection_field;
    if (!keep_alive)
        connection_field = "Connection: close\r\n";
    else if (request.version() < 11)
        connection_field = "Connection: keep-alive\r\n";
    const after_response persistent = keep_alive ? after_response::keep_alive
                                                 : after_response::close_graceful;
    auto finished = [&](const error_code& ec) { return ec ? after_response::close_abrupt : persistent; };

    const std::string server_field = "Server: asyncfetch-testbed\r\n";
    auto fixed_head =
        [&](unsigned code, std::string_view type, std::uint64_t length, std::string_view extra) {
            return status_line(code) + server_field + "Content-Type: " + std::string(type) + "\r\n" +
                   "Content-Length: " + std::to_string(length) + "\r\n" + std::string(extra) +
                   connection_field + "\r\n";
        };

    // Small text answers: the body is appended to the head, which is written alone.
    std::string text_head;
    auto text = [&](unsigned code, std::string_view body, std::string_view extra = {}) {
        text_head = fixed_head(code, "text/plain", body.size(), extra);
        if (!head_only)
            text_head += body;
    };
    // A status with its number as the body, or no body at all where the status forbids one.
    auto status_text = [&](unsigned code, std::string_view extra = {}) {
        if (code == 204 || code == 304)
            text_head = status_line(code) + server_field + std::string(extra) + connection_field + "\r\n";
        else
            text(code, std::to_string(code) + "\n", extra);
    };

    const std::string_view name = where.name;
    if (name == "silent" && !where.has_arg)
    {
        co_await wait_for_close(stream);
        co_return after_response::close_abrupt;
    }
    if (name == "echo")
    {
        text(200, echo_text(request));
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "redirect-to" && !where.has_arg)
    {
        const auto url = query_param(target, "url");
        std::optional<std::uint64_t> code = 302;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 999);
        const bool redirect_code = code && (*code == 301 || *code == 302 || *code == 303 || *code == 307 ||
                                            *code == 308);
        if (!url || !redirect_code || has_control_characters(*url))
            text(400, "bad request\n");
        else
            text(static_cast<unsigned>(*code), "redirecting to " + *url + "\n", "Location: " + *url + "\r\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }

    const auto encoded = coding_of(name);
    const bool takes_number = name == "bytes" || name == "delay" || name == "status" || name == "chunked" ||
                              name == "redirect" || name == "close" || name == "truncate" || name == "cut" ||
                              name == "interim" || name == "drop" || name == "bomb" || name == "flaky" ||
                              encoded.has_value();
    if (!takes_number || !where.has_arg)
    {
        text(404, "not found\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }

    std::uint64_t limit = max_length;
    if (name == "delay")
        limit = max_delay_ms;
    else if (encoded && !encoded->chunked)
        limit = max_encoded_length;
    const auto value = parse_number(where.arg, limit);
    if (!value || (name == "status" && (*value < 200 || *value > 599)))
    {
        text(400, "bad request\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    const std::uint64_t n = *value;
    const std::uint64_t body = head_only ? 0 : n;
    error_code ec;

    if (name == "bytes")
    {
        ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
        co_return finished(ec);
    }
    if (name == "delay")
    {
        co_await sleep(conn, std::chrono::milliseconds(n));
        text(200, "ok\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "status")
    {
        status_text(static_cast<unsigned>(n));
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "chunked")
    {
        std::string head = status_line(200) + server_field +
                           "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n" +
                           connection_field + "\r\n";
        if (head_only)
            ec = co_await write_fixed(stream, head, 0);
        else
            ec = co_await write_chunked(stream, head, n);
        co_return finished(ec);
    }
    if (name == "redirect")
    {
        if (n == 0)
            text(200, "ok\n");
        else
            text(302, "", "Location: /redirect/" + std::to_string(n - 1) + "\r\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "close" || name == "cut")
    {
        // No Content-Length: the end of the connection ends the body.
        std::string head = status_line(200) + server_field +
                           "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
        ec = co_await write_fixed(stream, head, body);
        if (ec)
            co_return after_response::close_abrupt;
        co_return name == "close" ? after_response::close_graceful : after_response::close_abrupt;
    }
    if (name == "truncate")
    {
        // Announces 2N, sends N, then closes without close_notify: the client sees a short body.
        co_await write_fixed(stream, fixed_head(200, "application/octet-stream", 2 * n, {}), body);
        co_return after_response::close_abrupt;
    }
    if (name == "interim")
    {
        static constexpr std::string_view interim =
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\n"
            "Link: </style.css>; rel=preload\r\n\r\n";
        std::size_t written = 0;
        std::tie(ec, written) = co_await net::async_write(stream,
                                                          net::buffer(interim.data(), interim.size()),
                                                          use_tuple);
        if (!ec)
            ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
        co_return finished(ec);
    }
    if (name == "flaky")
    {
        const std::string key = query_param(target, "key").value_or(std::string());
        std::optional<std::uint64_t> code = 503;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 599);
        const auto retry_after = query_param(target, "retry-after");
        if (!code || *code < 200 || (retry_after && has_control_characters(*retry_after)))
        {
            text(400, "bad request\n");
        }
        else if (state.flaky_counts_[key]++ < n)
        {
            status_text(static_cast<unsigned>(*code),
                        retry_after ? "Retry-After: " + *retry_after + "\r\n" : std::string());
        }
        else
        {
            text(200, "ok\n");
        }
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (encoded && !encoded->chunked)
    {
        // Compressed whole first, so that Content-Length can give the encoded size.
        auto compressed = co_await encode_whole(conn.socket_, encoded->kind, n);
        if (!compressed)
            co_return after_response::close_abrupt;
        const std::string extra = "Content-Encoding: " + std::string(coding_name(encoded->kind)) + "\r\n";
        std::string head = fixed_head(200, "text/plain", compressed->size(), extra);
        std::array<net::const_buffer, 2> buffers{
            net::buffer(head),
            net::buffer(*compressed, head_only ? 0 : compressed->size())};
        std::size_t written = 0;
        std::tie(ec, written) = co_await net::async_write(stream, buffers, use_tuple);
        co_return finished(ec);
    }
    if (encoded || name == "bomb")
    {
        const coding kind = encoded ? encoded->kind : coding::gzip;
        const std::string type = encoded ? "text/plain" : "application/octet-stream";
        std::string head = status_line(200) + server_field + "Content-Type: " + type + "\r\n" +
                           "Content-Encoding: " + std::string(coding_name(kind)) +
                           "\r\nTransfer-Encoding: chunked\r\n" + connection_field + "\r\n";
        if (head_only)
            co_return finished(co_await write_fixed(stream, head, 0));
        // Zeros: run-length matching at the best level gives deflate's ceiling of about 1000:1, fast.
        auto compress = encoded ? std::make_unique<encoder>(kind)
                                : std::make_unique<encoder>(kind, Z_BEST_COMPRESSION, Z_RLE);
        ec = co_await write_encoded_chunked(stream, conn.socket_, std::move(head), *compress, n, !encoded);
        co_return finished(ec);
    }
    // drop
    ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
    if (ec)
        co_return after_response::close_abrupt;
    co_return keep_alive ? after_response::drop_when_idle : after_response::close_graceful;
}

template net::awaitable<void> wait_for_close(tcp::socket&);
template net::awaitable<void> wait_for_close(ssl::stream<tcp::socket>&);
template net::awaitable<after_response> handle_request(tcp::socket&,
                                                       connection&,
                                                       const http::request<http::string_body>&,
                                                       route_state&);
template net::awaitable<after_response> handle_request(ssl::stream<tcp::socket>&,
                                                       connection&,
                                                       const http::request<http::string_body>&,
                                                       route_state&);

}  // namespace asyncfetch::detail::testbed_parts
