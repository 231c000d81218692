// A small HTTP forward proxy for tests: forwards absolute-form requests and tunnels CONNECT, loopback only.
#pragma once

#include "asyncfetch/server_thread.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace asyncfetch::test {

/// An HTTP/1.1 forward proxy on 127.0.0.1 with a port of its own, serving on a thread of its own.
///
/// - Absolute-form requests ("GET http://127.0.0.1:PORT/path HTTP/1.1", any method) are read whole (body
///   included, up to 64 MiB; "Expect: 100-continue" is answered by the proxy itself), rewritten to
///   origin-form and sent to the origin over one upstream connection per client connection, reused while
///   the origin stays the same. Forwarded headers: all but Proxy-*, hop-by-hop ones (Connection and what
///   it lists, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade), Expect and Content-Length; a body is
///   sent with a fresh Content-Length. The response comes back byte for byte (status line, headers,
///   framing, body), 1xx included. Client connections are kept alive across requests.
/// - "CONNECT host:port" opens a TCP tunnel: "HTTP/1.1 200 Connection established", then bytes both ways;
///   an end of stream on one side is passed on as a half-close, an error closes both.
/// - Only 127.0.0.1 and localhost are reachable (403 otherwise); https:// and origin-form targets get
///   400, an unreachable origin 502. With required_authorization set, a request whose Proxy-Authorization
///   differs gets 407 with `Proxy-Authenticate: Basic realm="test-proxy"`.
/// - delay_tunnels(d) holds each CONNECT's answer back for d once the upstream is connected: a slow proxy.
class test_proxy
{
public:
    /// Listens and starts serving. Throws on bind failure.
    explicit test_proxy(std::string required_authorization = {})
        : required_authorization_(std::move(required_authorization))
    {
        server_.listen();
        port_ = server_.port();
        server_.start(accept_loop());
    }

    /// Closes every connection, open tunnels included, and joins the thread.
    ~test_proxy()
    {
        server_.stop([this] { close_everything(); });
    }

    test_proxy(const test_proxy&) = delete;
    test_proxy& operator=(const test_proxy&) = delete;

    /// The bound port.
    std::uint16_t port() const { return port_; }

    /// "http://127.0.0.1:PORT".
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    /// The request line of every request received, in order, as "METHOD TARGET HTTP/1.1".
    std::vector<std::string> request_lines() const
    {
        std::lock_guard lock(mutex_);
        return request_lines_;
    }

    /// The Proxy-Authorization value of every request received, aligned with request_lines() ("" when
    /// the request had none).
    std::vector<std::string> proxy_authorizations() const
    {
        std::lock_guard lock(mutex_);
        return proxy_authorizations_;
    }

    /// Client connections accepted.
    std::size_t connections() const { return connections_.load(); }

    /// Answers each later CONNECT only d after its upstream connection is made.
    void delay_tunnels(std::chrono::milliseconds d) { tunnel_delay_ms_ = d.count(); }

private:
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::system::error_code;
    template <class T>
    using awaitable = boost::asio::awaitable<T>;

    static constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    static constexpr std::size_t max_body = std::size_t{64} << 20;
    static constexpr std::uint32_t max_header = 64 * 1024;

    /// Finds where a response ends without keeping any of it: the bytes it consumed are relayed as they are.
    class response_framer : public boost::beast::http::basic_parser<false>
    {
    public:
        int status = 0;

    private:
        void on_request_impl(boost::beast::http::verb,
                             boost::beast::string_view,
                             boost::beast::string_view,
                             int,
                             error_code&) override
        {
        }
        void on_response_impl(int code, boost::beast::string_view, int, error_code&) override
        {
            status = code;
        }
        void on_field_impl(boost::beast::http::field,
                           boost::beast::string_view,
                           boost::beast::string_view,
                           error_code&) override
        {
        }
        void on_header_impl(error_code&) override {}
        void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
        std::size_t on_body_impl(boost::beast::string_view body, error_code&) override { return body.size(); }
        void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
        std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) override
        {
            return body.size();
        }
        void on_finish_impl(error_code&) override {}
    };

    /// Where an absolute-form or authority-form target points.
    struct origin
    {
        std::string host;
        std::uint16_t port = 80;
        std::string path;  ///< origin-form, "/" at least
    };

    /// How relaying one response went.
    struct relay_result
    {
        bool ok = false;             ///< the whole response reached the client
        bool sent_anything = false;  ///< some of it did
        bool close = false;          ///< the connection must end after it
    };

    /// Keeps a socket known to close_everything() for the lifetime of the registration.
    struct registration
    {
        registration(test_proxy& owner, tcp::socket& socket) : owner_(owner), socket_(socket)
        {
            owner_.sockets_.insert(&socket_);
        }
        ~registration() { owner_.sockets_.erase(&socket_); }
        registration(const registration&) = delete;
        registration& operator=(const registration&) = delete;

        test_proxy& owner_;
        tcp::socket& socket_;
    };

    static bool allowed_host(std::string_view host)
    {
        return host == "127.0.0.1" || boost::beast::iequals(host, "localhost");
    }

    /// "host:port" (port required when default_port is 0); the host may be a bracketed IPv6 literal.
    static std::optional<origin> parse_authority(std::string_view authority, std::uint16_t default_port)
    {
        authority = authority.substr(
            authority.rfind('@') == std::string_view::npos ? 0 : authority.rfind('@') + 1);
        origin result;
        std::string_view port_text;
        if (!authority.empty() && authority.front() == '[')
        {
            auto close = authority.find(']');
            if (close == std::string_view::npos)
                return std::nullopt;
            result.host = std::string(authority.substr(1, close - 1));
            auto rest = authority.substr(close + 1);
            if (!rest.empty() && rest.front() != ':')
                return std::nullopt;
            port_text = rest.empty() ? rest : rest.substr(1);
        }
        else
        {
            auto colon = authority.rfind(':');
            result.host = std::string(authority.substr(0, colon));
            port_text = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
        }
        if (result.host.empty())
            return std::nullopt;
        if (port_text.empty())
        {
            if (default_port == 0)
                return std::nullopt;
            result.port = default_port;
            return result;
        }
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535)
            return std::nullopt;
        result.port = static_cast<std::uint16_t>(value);
        return result;
    }

    /// "http://host[:port][/path][?query]", fragment dropped.
    static std::optional<origin> parse_absolute(std::string_view target)
    {
        constexpr std::string_view scheme = "http://";
        if (target.size() < scheme.size() || !boost::beast::iequals(target.substr(0, scheme.size()), scheme))
            return std::nullopt;
        target.remove_prefix(scheme.size());
        target = target.substr(0, target.find('#'));
        const auto end = target.find_first_of("/?");
        auto result = parse_authority(target.substr(0, end), 80);
        if (!result)
            return std::nullopt;
        const std::string_view rest = end == std::string_view::npos ? std::string_view() : target.substr(end);
        result->path = (rest.empty() || rest.front() != '/') ? "/" + std::string(rest) : std::string(rest);
        return result;
    }

    static std::string short_response(unsigned code,
                                      std::string_view reason,
                                      bool close,
                                      std::string_view extra = {})
    {
        std::string body = std::to_string(code) + " " + std::string(reason) + "\n";
        return "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) +
               "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
               std::string(extra) + (close ? "Connection: close\r\n" : "") + "\r\n" + body;
    }

    /// The request as the origin gets it: origin-form, end-to-end headers, body with Content-Length.
    static std::string upstream_request(
        const boost::beast::http::request<boost::beast::http::string_body>& request,
        const origin& where)
    {
        // Tokens listed in Connection name more hop-by-hop headers.
        std::vector<std::string> listed;
        for (const auto& field : request)
        {
            if (!boost::beast::iequals(field.name_string(), "connection"))
                continue;
            std::string_view value = field.value();
            while (!value.empty())
            {
                auto comma = value.find(',');
                std::string_view token = value.substr(0, comma);
                value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
                while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
                    token.remove_prefix(1);
                while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
                    token.remove_suffix(1);
                if (!token.empty())
                    listed.emplace_back(token);
            }
        }
        auto dropped = [&](std::string_view name) {
            static constexpr std::string_view hop_by_hop[] = {"connection",
                                                              "keep-alive",
                                                              "te",
                                                              "trailer",
                                                              "transfer-encoding",
                                                              "upgrade",
                                                              "expect",
                                                              "content-length"};
            if (name.size() >= 6 && boost::beast::iequals(name.substr(0, 6), "proxy-"))
                return true;
            for (auto hop : hop_by_hop)
            {
                if (boost::beast::iequals(name, hop))
                    return true;
            }
            for (const auto& token : listed)
            {
                if (boost::beast::iequals(name, token))
                    return true;
            }
            return false;
        };

        std::string out = std::string(request.method_string()) + " " + where.path + " HTTP/1.1\r\n";
        bool has_host = false;
        for (const auto& field : request)
        {
            if (dropped(field.name_string()))
                continue;
            has_host = has_host || boost::beast::iequals(field.name_string(), "host");
            out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
        }
        if (!has_host)
            out += "Host: " + where.host + ":" + std::to_string(where.port) + "\r\n";
        if (request.has_content_length() || request.chunked())
            out += "Content-Length: " + std::to_string(request.body().size()) + "\r\n";
        out += "\r\n";
        out += request.body();
        return out;
    }

    awaitable<void> accept_loop()
    {
        auto& acceptor = server_.acceptor();
        while (acceptor.is_open())
        {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec)
            {
                if (!acceptor.is_open())
                    break;
                continue;
            }
            ++connections_;
            boost::asio::co_spawn(server_.context(), session(std::move(socket)), boost::asio::detached);
        }
    }

    awaitable<void> session(tcp::socket client)
    {
        try
        {
            // Accepted just before close_everything() ran: it could not see this socket.
            if (stopping_)
                co_return;
            tcp::socket upstream(server_.context());
            registration client_registration(*this, client);
            registration upstream_registration(*this, upstream);
            co_await serve(client, upstream);
        }
        catch (const std::exception&)
        {
            // One connection failing must not take the proxy down.
        }
    }

    awaitable<void> serve(tcp::socket& client, tcp::socket& upstream)
    {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        boost::beast::flat_buffer upstream_buffer;
        std::string upstream_origin;  ///< "host:port" upstream is connected to, "" when closed
        for (;;)
        {
            http::request_parser<http::string_body> parser;
            parser.header_limit(max_header);
            parser.body_limit(max_body);
            auto [ec, n] = co_await http::async_read_header(client, buffer, parser, use_tuple);
            if (ec)
            {
                if (ec != http::error::end_of_stream && ec != http::error::partial_message)
                    co_await write(client, short_response(400, "Bad Request", true));
                co_return;
            }
            const auto& head = parser.get();
            {
                std::lock_guard lock(mutex_);
                request_lines_.push_back(
                    std::string(head.method_string()) + " " + std::string(head.target()) + " HTTP/" +
                    std::to_string(head.version() / 10) + "." + std::to_string(head.version() % 10));
                proxy_authorizations_.emplace_back(head[http::field::proxy_authorization]);
            }
            if (!required_authorization_.empty() &&
                head[http::field::proxy_authorization] != required_authorization_)
            {
                // The body, if any, is still unread: answering and closing is the simple way out.
                co_await write(client,
                               short_response(407,
                                              "Proxy Authentication Required",
                                              true,
                                              "Proxy-Authenticate: Basic realm=\"test-proxy\"\r\n"));
                co_return;
            }
            if (head.method() == http::verb::connect)
            {
                co_await tunnel(client, buffer, upstream, head.target());
                co_return;
            }

            if (!parser.is_done())
            {
                // The whole body is read before forwarding, so the proxy answers the expectation itself.
                if (boost::beast::iequals(head[http::field::expect], "100-continue"))
                {
                    if (!co_await write(client, "HTTP/1.1 100 Continue\r\n\r\n"))
                        co_return;
                }
                std::tie(ec, n) = co_await http::async_read(client, buffer, parser, use_tuple);
                if (ec)
                {
                    if (ec == http::error::body_limit)
                        co_await write(client, short_response(413, "Payload Too Large", true));
                    co_return;
                }
            }
            const auto& request = parser.get();
            const bool client_keep_alive = request.keep_alive();
            const auto where = parse_absolute(request.target());
            if (!where)
            {
                co_await write(client, short_response(400, "Bad Request", true));
                co_return;
            }
            if (!allowed_host(where->host))
            {
                if (!co_await write(client, short_response(403, "Forbidden", !client_keep_alive)) ||
                    !client_keep_alive)
                    co_return;
                continue;
            }

            const std::string wanted = "127.0.0.1:" + std::to_string(where->port);
            const std::string bytes = upstream_request(request, *where);
            const bool head_request = request.method() == http::verb::head;
            relay_result relayed;
            for (int attempt = 0; attempt < 2; ++attempt)
            {
                // A reused upstream connection may have been closed by the origin meanwhile: retry once
                // on a fresh one, as long as nothing reached the client yet.
                const bool reused = upstream_origin == wanted && upstream.is_open();
                if (!reused)
                {
                    error_code ignored;
                    upstream.close(ignored);
                    upstream_buffer.clear();
                    upstream_origin.clear();
                    if (stopping_)
                        co_return;
                    tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), where->port);
                    auto [connect_ec] = co_await upstream.async_connect(endpoint, use_tuple);
                    if (connect_ec)
                    {
                        co_await write(client, short_response(502, "Bad Gateway", true));
                        co_return;
                    }
                    upstream_origin = wanted;
                }
                relayed = {};
                if (co_await write(upstream, bytes))
                    relayed = co_await relay_response(upstream, upstream_buffer, client, head_request);
                if (relayed.ok || relayed.sent_anything || !reused)
                    break;
                error_code ignored;
                upstream.close(ignored);
            }
            if (!relayed.ok && !relayed.sent_anything)
                co_await write(client, short_response(502, "Bad Gateway", true));
            if (!relayed.ok || relayed.close)
            {
                error_code ignored;
                upstream.close(ignored);
                upstream_origin.clear();
            }
            if (!relayed.ok || relayed.close || !client_keep_alive)
            {
                error_code ignored;
                client.shutdown(tcp::socket::shutdown_send, ignored);
                co_return;
            }
        }
    }

    /// Relays one response (and the 1xx before it) from upstream to the client, byte for byte.
    awaitable<relay_result> relay_response(tcp::socket& upstream,
                                           boost::beast::flat_buffer& upstream_buffer,
                                           tcp::socket& client,
                                           bool head_request)
    {
        namespace http = boost::beast::http;
        relay_result result;
        for (;;)
        {
            response_framer framer;
            framer.eager(true);
            framer.skip(head_request);
            framer.header_limit(max_header);
            framer.body_limit(boost::none);
            while (!framer.is_done())
            {
                // Hand the parser what is buffered; whatever it consumed goes to the client unchanged.
                std::string ready;
                while (upstream_buffer.size() > 0 && !framer.is_done())
                {
                    error_code ec;
                    const std::size_t used = framer.put(upstream_buffer.data(), ec);
                    if (ec && ec != http::error::need_more)
                        co_return result;
                    const auto* data = static_cast<const char*>(upstream_buffer.data().data());
                    ready.append(data, used);
                    upstream_buffer.consume(used);
                    if (used == 0)
                        break;
                }
                if (!ready.empty())
                {
                    result.sent_anything = true;
                    if (!co_await write(client, ready))
                        co_return result;
                }
                if (framer.is_done())
                    break;
                auto [ec, n] = co_await upstream.async_read_some(upstream_buffer.prepare(64 * 1024),
                                                                 use_tuple);
                upstream_buffer.commit(n);
                if (ec == boost::asio::error::eof)
                {
                    // Fine only for a body that runs until the connection closes.
                    error_code eof_ec;
                    framer.put_eof(eof_ec);
                    if (eof_ec)
                        co_return result;
                    result.ok = true;
                    result.close = true;
                    co_return result;
                }
                if (ec)
                    co_return result;
            }
            if (framer.status >= 200 || framer.status == 101)
            {
                result.ok = true;
                result.close = !framer.keep_alive() || framer.status == 101;
                co_return result;
            }
        }
    }

    awaitable<void> tunnel(tcp::socket& client,
                           boost::beast::flat_buffer& buffer,
                           tcp::socket& upstream,
                           std::string_view authority)
    {
        using namespace boost::asio::experimental::awaitable_operators;
        const auto where = parse_authority(authority, 0);
        if (!where)
        {
            co_await write(client, short_response(400, "Bad Request", true));
            co_return;
        }
        if (!allowed_host(where->host))
        {
            co_await write(client, short_response(403, "Forbidden", true));
            co_return;
        }
        error_code ignored;
        upstream.close(ignored);
        if (stopping_)
            co_return;
        tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), where->port);
        auto [ec] = co_await upstream.async_connect(endpoint, use_tuple);
        if (ec)
        {
            co_await write(client, short_response(502, "Bad Gateway", true));
            co_return;
        }
        if (const auto delay = tunnel_delay_ms_.load(); delay > 0)
        {
            boost::asio::steady_timer wait(client.get_executor(), std::chrono::milliseconds(delay));
            co_await wait.async_wait(use_tuple);
            if (stopping_)
                co_return;
        }
        if (!co_await write(client, "HTTP/1.1 200 Connection established\r\n\r\n"))
            co_return;
        // Bytes the client sent right behind the CONNECT request belong to the tunnel.
        if (buffer.size() > 0)
        {
            const auto* data = static_cast<const char*>(buffer.data().data());
            if (!co_await write(upstream, std::string(data, buffer.size())))
                co_return;
            buffer.clear();
        }
        co_await (pump(client, upstream) && pump(upstream, client));
    }

    /// Copies from one side to the other until the end of the stream, which it passes on as a half-close.
    awaitable<void> pump(tcp::socket& from, tcp::socket& to)
    {
        std::vector<char> piece(64 * 1024);
        for (;;)
        {
            auto [ec, n] = co_await from.async_read_some(boost::asio::buffer(piece), use_tuple);
            if (n > 0)
            {
                auto [write_ec, written] = co_await boost::asio::async_write(
                    to,
                    boost::asio::buffer(piece.data(), n),
                    use_tuple);
                (void)written;
                if (write_ec)
                    ec = write_ec;
            }
            if (ec == boost::asio::error::eof)
            {
                error_code ignored;
                to.shutdown(tcp::socket::shutdown_send, ignored);
                co_return;
            }
            if (ec)
            {
                // Anything but a clean end: take both directions down so the other pump ends too.
                error_code ignored;
                from.close(ignored);
                to.close(ignored);
                co_return;
            }
        }
    }

    /// Writes all of text; false on failure.
    static awaitable<bool> write(tcp::socket& socket, std::string text)
    {
        auto [ec, n] = co_await boost::asio::async_write(socket,
                                                         boost::asio::buffer(text.data(), text.size()),
                                                         use_tuple);
        (void)n;
        co_return !ec;
    }

    void close_everything()
    {
        stopping_ = true;
        error_code ignored;
        server_.acceptor().close(ignored);
        for (auto* socket : sockets_)
            socket->close(ignored);
    }

    std::string required_authorization_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::chrono::milliseconds::rep> tunnel_delay_ms_{0};

    mutable std::mutex mutex_;
    std::vector<std::string> request_lines_;         ///< guarded by mutex_
    std::vector<std::string> proxy_authorizations_;  ///< guarded by mutex_

    std::unordered_set<tcp::socket*> sockets_;  ///< io thread only
    bool stopping_ = false;                     ///< io thread only

    // Declared after everything the coroutines touch: destroying the io_context destroys any coroutine
    // frame still pending, and those frames unregister their sockets from sockets_.
    server_thread server_;
};

}  // namespace asyncfetch::test
