// The testbed's server: the accept loop, the session loop of each connection, the thread and stop().
#include "asyncfetch/server_thread.hpp"
#include "asyncfetch/testbed.hpp"
#include "encoders.hpp"
#include "request_log.hpp"
#include "routes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace asyncfetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using namespace detail::testbed_parts;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr auto tls_shutdown_timeout = 500ms;
constexpr auto drop_idle_delay = 20ms;
constexpr auto stop_grace = 2s;
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

}  // namespace

struct testbed::impl
{
    /// An open connection, registered so that stop() can close it.
    struct live_connection : connection
    {
        live_connection(impl& owner, tcp::socket& lowest) : connection(lowest), owner_(owner)
        {
            owner_.connections_.insert(this);
            auto open = owner_.connections_.size();
            if (open > owner_.peak_connections_.load(std::memory_order_relaxed))
                owner_.peak_connections_.store(open, std::memory_order_relaxed);
        }

        ~live_connection() { owner_.connections_.erase(this); }

        live_connection(const live_connection&) = delete;
        live_connection& operator=(const live_connection&) = delete;

        impl& owner_;
    };

    /// Counts one request as in flight for its lifetime.
    struct in_flight_guard
    {
        explicit in_flight_guard(impl& owner) : owner_(owner)
        {
            auto now = ++owner_.in_flight_;
            if (now > owner_.peak_in_flight_.load(std::memory_order_relaxed))
                owner_.peak_in_flight_.store(now, std::memory_order_relaxed);
        }

        ~in_flight_guard() { --owner_.in_flight_; }

        in_flight_guard(const in_flight_guard&) = delete;
        in_flight_guard& operator=(const in_flight_guard&) = delete;

        impl& owner_;
    };

    explicit impl(testbed_config config);
    ~impl();

    void stop();
    void close_everything();

    net::awaitable<void> accept_loop();
    net::awaitable<void> handle_connection(tcp::socket socket);

    /// The session loop: reads requests and hands each to handle_request until the connection ends.
    template <class Stream>
    net::awaitable<void> serve(Stream& stream, live_connection& conn);

    template <class Stream>
    net::awaitable<void> finish(Stream& stream, live_connection& conn, after_response how);

    /// Adds a request read on conn to the log, unless the log is off.
    void record(const http::request<http::string_body>& request, const live_connection& conn)
    {
        if (config_.record_requests)
            log_.add(request, conn.tls_, conn.server_name_);
    }

    testbed_config config_;
    std::string cert_pem_;
    std::optional<ssl::context> ssl_ctx_;
    std::uint16_t port_ = 0;
    std::string base_url_;

    std::atomic<std::size_t> connections_accepted_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::size_t> peak_connections_{0};
    std::atomic<std::size_t> peak_in_flight_{0};
    std::size_t in_flight_ = 0;  ///< io thread only

    std::unordered_set<live_connection*> connections_;  ///< io thread only
    bool stopping_ = false;                             ///< io thread only
    route_state routes_;                                ///< io thread only
    request_log log_;

    // Declared after everything the coroutines touch: destroying the io_context destroys any coroutine
    // frame still pending, and those frames unregister themselves from connections_.
    server_thread server_;
};

testbed::impl::impl(testbed_config config) : config_(std::move(config))
{
    if (config_.tls)
    {
        auto cert = make_self_signed_certificate(config_.cert_names);
        ssl_ctx_.emplace(ssl::context::tls_server);
        SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_2_VERSION);
        ssl_ctx_->use_certificate_chain(net::buffer(cert.cert_pem));
        ssl_ctx_->use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
        cert_pem_ = std::move(cert.cert_pem);
    }

    // Bind synchronously so that port() is valid when the constructor returns.
    const std::string where = config_.address + " port " + std::to_string(config_.port);
    try
    {
        error_code ec;
        auto address = net::ip::make_address(config_.address, ec);
        tcp::endpoint endpoint(address, config_.port);
        if (ec)
        {
            // A name such as "localhost": take the first address it has.
            tcp::resolver resolver(server_.context());
            auto results = resolver.resolve(config_.address,
                                            std::to_string(config_.port),
                                            tcp::resolver::passive);
            endpoint = results.begin()->endpoint();
        }
        server_.listen(endpoint);
    }
    catch (const boost::system::system_error& e)
    {
        throw std::runtime_error("cannot listen on " + where + ": " + e.code().message());
    }

    auto local = server_.acceptor().local_endpoint();
    port_ = local.port();
    auto host = local.address().to_string();
    if (local.address().is_v6())
        host = "[" + host + "]";
    base_url_ = std::string(config_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_);

    server_.start(accept_loop());
}

testbed::impl::~impl() { stop(); }

void testbed::impl::stop()
{
    server_.stop([this] { close_everything(); }, stop_grace);
}

void testbed::impl::close_everything()
{
    stopping_ = true;
    error_code ignored;
    server_.acceptor().close(ignored);
    // close() only queues completions, so the set does not change under the loop.
    for (auto* conn : connections_)
        conn->close();
}

net::awaitable<void> testbed::impl::accept_loop()
{
    auto& acceptor = server_.acceptor();
    net::steady_timer backoff(server_.context());
    while (acceptor.is_open())
    {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec)
        {
            if (!acceptor.is_open() || ec == net::error::operation_aborted)
                break;
            // Out of descriptors or similar: wait a little instead of spinning.
            backoff.expires_after(50ms);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        ++connections_accepted_;
        net::co_spawn(server_.context(), handle_connection(std::move(socket)), net::detached);
    }
}

net::awaitable<void> testbed::impl::handle_connection(tcp::socket socket)
{
    try
    {
        // Accepted just before stop() ran: it could not see this socket.
        if (stopping_)
            co_return;
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (ssl_ctx_)
        {
            ssl::stream<tcp::socket> stream(std::move(socket), *ssl_ctx_);
            live_connection conn(*this, stream.next_layer());
            auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
            if (ec)
                co_return;
            conn.tls_ = true;
            // Null when the ClientHello had no server_name extension, as RFC 6066 asks for IP literals.
            if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name))
                conn.server_name_ = name;
            co_await serve(stream, conn);
        }
        else
        {
            live_connection conn(*this, socket);
            co_await serve(socket, conn);
        }
    }
    catch (const std::exception&)
    {
        // One connection failing must not take the server down.
    }
}

template <class Stream>
net::awaitable<void> testbed::impl::serve(Stream& stream, live_connection& conn)
{
    using namespace net::experimental::awaitable_operators;

    beast::flat_buffer buffer;
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
            ++requests_;
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
                    ++requests_;
                record(parser.get(), conn);
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
        record(parser.get(), conn);

        after_response how = after_response::close_graceful;
        {
            in_flight_guard guard(*this);
            how = co_await handle_request(stream, conn, parser.get(), routes_);
        }
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
net::awaitable<void> testbed::impl::finish(Stream& stream, live_connection& conn, after_response how)
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

testbed::testbed(testbed_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

testbed::~testbed() { stop(); }

std::string testbed::base_url() const { return impl_->base_url_; }

std::uint16_t testbed::port() const { return impl_->port_; }

const std::string& testbed::cert_pem() const { return impl_->cert_pem_; }

testbed_counters testbed::counters() const
{
    testbed_counters result;
    result.connections_accepted = impl_->connections_accepted_.load(std::memory_order_relaxed);
    result.requests = impl_->requests_.load(std::memory_order_relaxed);
    result.peak_connections = impl_->peak_connections_.load(std::memory_order_relaxed);
    result.peak_in_flight = impl_->peak_in_flight_.load(std::memory_order_relaxed);
    return result;
}

std::vector<recorded_request> testbed::requests() const { return impl_->log_.snapshot(); }

void testbed::clear_requests() { impl_->log_.clear(); }

void testbed::stop() { impl_->stop(); }

}  // namespace asyncfetch
