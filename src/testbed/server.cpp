// The testbed's server: the accept loop, TLS with ALPN, the choice of protocol, the thread and stop().
#include "asyncfetch/server_thread.hpp"
#include "asyncfetch/testbed.hpp"
#include "server_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string_view>
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

constexpr auto stop_grace = 2s;
constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// ALPN: h2 when the client offers it, else http/1.1, else none (the handshake goes on without ALPN).
int select_alpn(SSL*,
                const unsigned char** out,
                unsigned char* out_length,
                const unsigned char* in,
                unsigned in_length,
                void*)
{
    for (std::string_view wanted : {"h2", "http/1.1"})
    {
        for (unsigned at = 0; at < in_length;)
        {
            const unsigned length = in[at];
            const std::string_view offered(reinterpret_cast<const char*>(in + at + 1),
                                           std::min(length, in_length - at - 1));
            if (offered == wanted)
            {
                *out = in + at + 1;
                *out_length = static_cast<unsigned char>(length);
                return SSL_TLSEXT_ERR_OK;
            }
            at += 1 + length;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

/// Asks every TLS client for a certificate signed by one of the CAs in ca_pem, and ends the handshake
/// of those without one.
void require_client_certificates(ssl::context& ctx, const std::string& ca_pem)
{
    try
    {
        ctx.add_certificate_authority(net::buffer(ca_pem));
    }
    catch (const boost::system::system_error& e)
    {
        throw std::runtime_error("testbed: cannot use the client CA: " + e.code().message());
    }
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // Without a session id context OpenSSL refuses to resume a session a client certificate verified
    // (the handshake ends in an internal_error alert), as nginx and every server with client
    // verification set one.
    static constexpr unsigned char session_context[] = "asyncfetch-testbed";
    SSL_CTX_set_session_id_context(ctx.native_handle(), session_context, sizeof session_context - 1);
    // The CA names go in the CertificateRequest, as a server that wants client certificates sends them.
    if (STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null())
    {
        BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
        while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr))
        {
            sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca)));
            X509_free(ca);
        }
        ERR_clear_error();
        BIO_free(bio);
        SSL_CTX_set_client_CA_list(ctx.native_handle(), names);
    }
}

}  // namespace

struct testbed::impl
{
    explicit impl(testbed_config config);
    ~impl();

    void stop();
    void close_everything();

    net::awaitable<void> accept_loop();
    net::awaitable<void> handle_connection(tcp::socket socket);
    /// Plain TCP: HTTP/1.1, or HTTP/2 when h2c is on and the client starts with the preface.
    net::awaitable<void> serve_plain(tcp::socket& socket);

    server_context context_;
    std::string cert_pem_;
    std::optional<ssl::context> ssl_ctx_;
    std::uint16_t port_ = 0;
    std::string base_url_;

    // Declared after everything the coroutines touch: destroying the io_context destroys any coroutine
    // frame still pending, and those frames unregister themselves from context_.connections_.
    server_thread server_;
};

testbed::impl::impl(testbed_config config) : context_(std::move(config))
{
    const auto& config_ = context_.config_;
    if (config_.h2_max_streams == 0)
        throw std::invalid_argument("testbed: h2_max_streams must be at least 1");
    if (config_.tls)
    {
        auto cert = make_self_signed_certificate(config_.cert_names);
        ssl_ctx_.emplace(ssl::context::tls_server);
        SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_2_VERSION);
        SSL_CTX_set_alpn_select_cb(ssl_ctx_->native_handle(), select_alpn, nullptr);
        ssl_ctx_->use_certificate_chain(net::buffer(cert.cert_pem));
        ssl_ctx_->use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
        cert_pem_ = std::move(cert.cert_pem);
        if (!config_.client_ca_pem.empty())
            require_client_certificates(*ssl_ctx_, config_.client_ca_pem);
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
    context_.stopping_ = true;
    error_code ignored;
    server_.acceptor().close(ignored);
    // close() only queues completions, so the set does not change under the loop.
    for (auto* conn : context_.connections_)
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
        ++context_.connections_accepted_;
        net::co_spawn(server_.context(), handle_connection(std::move(socket)), net::detached);
    }
}

net::awaitable<void> testbed::impl::handle_connection(tcp::socket socket)
{
    try
    {
        // Accepted just before stop() ran: it could not see this socket.
        if (context_.stopping_)
            co_return;
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (!ssl_ctx_)
        {
            co_await serve_plain(socket);
            co_return;
        }
        ssl::stream<tcp::socket> stream(std::move(socket), *ssl_ctx_);
        live_connection conn(context_, stream.next_layer());
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
        if (ec)
            co_return;
        conn.tls_ = true;
        // Null when the ClientHello had no server_name extension, as RFC 6066 asks for IP literals.
        if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name))
            conn.server_name_ = name;
        const unsigned char* protocol = nullptr;
        unsigned length = 0;
        SSL_get0_alpn_selected(stream.native_handle(), &protocol, &length);
        if (std::string_view(reinterpret_cast<const char*>(protocol), protocol ? length : 0) == "h2")
            co_await serve_http2(stream, conn, {});
        else
            co_await serve_http1(stream, conn, {});
    }
    catch (const std::exception&)
    {
        // One connection failing must not take the server down.
    }
}

net::awaitable<void> testbed::impl::serve_plain(tcp::socket& socket)
{
    live_connection conn(context_, socket);
    beast::flat_buffer buffer;
    if (context_.config_.h2c)
    {
        // Prior knowledge: an HTTP/2 client starts with the preface; anything else is HTTP/1.1.
        auto seen = [&] {
            const auto* data = static_cast<const char*>(buffer.data().data());
            return std::string_view(data, buffer.size());
        };
        while (buffer.size() < client_preface.size() && client_preface.starts_with(seen()))
        {
            auto [ec, n] = co_await socket.async_read_some(buffer.prepare(client_preface.size()), use_tuple);
            buffer.commit(n);
            if (ec)
                break;
        }
        if (seen().starts_with(client_preface))
        {
            co_await serve_http2(socket, conn, std::string(seen()));
            co_return;
        }
    }
    co_await serve_http1(socket, conn, std::move(buffer));
}

testbed::testbed(testbed_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

testbed::~testbed() { stop(); }

std::string testbed::base_url() const { return impl_->base_url_; }

std::uint16_t testbed::port() const { return impl_->port_; }

const std::string& testbed::cert_pem() const { return impl_->cert_pem_; }

testbed_counters testbed::counters() const
{
    const auto& c = impl_->context_;
    testbed_counters result;
    result.connections_accepted = c.connections_accepted_.load(std::memory_order_relaxed);
    result.requests = c.requests_.load(std::memory_order_relaxed);
    result.peak_connections = c.peak_connections_.load(std::memory_order_relaxed);
    result.peak_in_flight = c.peak_in_flight_.load(std::memory_order_relaxed);
    result.http2_connections = c.http2_connections_.load(std::memory_order_relaxed);
    result.ping_acks = c.ping_acks_.load(std::memory_order_relaxed);
    result.cond_bodies = c.routes_.cond_bodies_.load(std::memory_order_relaxed);
    return result;
}

std::vector<recorded_request> testbed::requests() const { return impl_->context_.log_.snapshot(); }

void testbed::clear_requests() { impl_->context_.log_.clear(); }

void testbed::stop() { impl_->stop(); }

}  // namespace asyncfetch
