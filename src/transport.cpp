// The transport's socket-level operations: shutting it down, peeking at an idle socket, writing what
// the socket takes at once, and dropping received bytes unread.
#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <variant>

namespace asyncfetch::detail {

namespace {

/// What print writes into a memory BIO (true when it succeeded), as a string; empty on failure.
template <class Print>
std::string printed(Print print)
{
    std::string out;
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio)
        return out;
    if (print(bio))
    {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        if (n > 0)
            out.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
    return out;
}

/// A certificate name as one line: "CN=localhost, O=Example".
std::string name_text(const X509_NAME* name)
{
    return printed([name](BIO* bio) {
        return X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0;
    });
}

/// A certificate time as OpenSSL prints it: "Jan  1 00:00:00 2030 GMT".
std::string time_text(const ASN1_TIME* t)
{
    return printed([t](BIO* bio) { return ASN1_TIME_print(bio, t) == 1; });
}

}  // namespace

bool transport::describe_tls(tls_details& out) const
{
    if (!secure_)
        return false;
    // native_handle() is not const in Beast; reading the connection's state does not change it.
    SSL* handle = const_cast<boost::beast::ssl_stream<boost::beast::tcp_stream>&>(*secure_).native_handle();
    out.version = SSL_get_version(handle);
    if (const char* cipher = SSL_get_cipher_name(handle))
        out.cipher = cipher;
    out.alpn = alpn;
    out.resumed = SSL_session_reused(handle) == 1;
    if (const X509* cert = SSL_get0_peer_certificate(handle))
    {
        out.subject = name_text(X509_get_subject_name(cert));
        out.issuer = name_text(X509_get_issuer_name(cert));
        out.expiry = time_text(X509_get0_notAfter(cert));
    }
    return true;
}

void transport::expires_at(std::chrono::steady_clock::time_point t)
{
    auto& d = *deadline_;
    if (t == d.at)
        return;  // send() and read_body() of one exchange set the same deadline
    d.at = t;
    d.fired = false;
    d.owner = this;
    if (t == std::chrono::steady_clock::time_point::max() || (d.waiting && d.waiting_until <= t))
        return;  // the pending wait ends first and finds the deadline of then
    wait_for_deadline(deadline_, t);
}

void transport::stop_deadline_wait() noexcept
{
    auto& d = *deadline_;
    if (!d.waiting || d.at != std::chrono::steady_clock::time_point::max())
        return;
    ++d.generation;  // the cancelled wait's handler does nothing
    d.waiting = false;
    d.timer.cancel();
}

void transport::wait_for_deadline(const std::shared_ptr<deadline_state>& d,
                                  std::chrono::steady_clock::time_point t)
{
    ++d->generation;
    d->waiting = true;
    d->waiting_until = t;
    d->timer.expires_at(t);
    d->timer.async_wait([state = d, generation = d->generation](const boost::system::error_code& ec) {
        if (!state->owner || state->generation != generation)
            return;  // the transport is gone, or a sooner deadline replaced this wait
        state->waiting = false;
        if (ec || state->at == std::chrono::steady_clock::time_point::max())
            return;
        if (std::chrono::steady_clock::now() < state->at)
        {
            wait_for_deadline(state, state->at);  // pushed back while this wait was pending
            return;
        }
        state->fired = true;
        state->owner->shut_down();
    });
}

void transport::shut_down() noexcept
{
    boost::system::error_code ignored;
    tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
}

bool transport::idle_and_quiet() noexcept
{
    char byte;
    const ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::size_t transport::write_now(const std::array<boost::asio::const_buffer, 2>& b,
                                 boost::system::error_code& ec) noexcept
{
    if (secure_)
    {
        ec = boost::asio::error::operation_not_supported;
        return 0;
    }
    std::array<iovec, 2> parts{};
    for (std::size_t i = 0; i < b.size(); ++i)
        parts[i] = {const_cast<void*>(b[i].data()), b[i].size()};
    msghdr message{};
    message.msg_iov = parts.data();
    message.msg_iovlen = parts.size();
    for (;;)
    {
        // MSG_NOSIGNAL: a peer that has closed gives EPIPE, not SIGPIPE (as Asio's own writes).
        const ssize_t n = ::sendmsg(tcp().socket().native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0)
        {
            ec = {};
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR)
            continue;
        ec = errno == EAGAIN || errno == EWOULDBLOCK
                 ? boost::system::error_code(boost::asio::error::would_block)
                 : boost::system::error_code(errno, boost::asio::error::get_system_category());
        return 0;
    }
}

boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> transport::discard_some(
    boost::asio::mutable_buffer room,
    std::chrono::steady_clock::time_point deadline)
{
    namespace net = boost::asio;
    using namespace net::experimental::awaitable_operators;
    constexpr auto token = net::as_tuple(net::use_awaitable);
    auto& socket = tcp().socket();
    for (;;)
    {
        // MSG_TRUNC on TCP drops the bytes in the kernel: nothing is copied into room.
        const ssize_t n = ::recv(socket.native_handle(), room.data(), room.size(), MSG_TRUNC | MSG_DONTWAIT);
        if (n > 0)
            co_return std::pair{boost::system::error_code{}, static_cast<std::size_t>(n)};
        if (n == 0)
            co_return std::pair{boost::system::error_code{net::error::eof}, std::size_t{0}};
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            co_return std::pair{boost::system::error_code(errno, boost::system::system_category()),
                                std::size_t{0}};
        net::steady_timer timer(socket.get_executor(), deadline);
        auto ready = co_await (socket.async_wait(net::socket_base::wait_read, token) ||
                               timer.async_wait(token));
        if (ready.index() == 1)
            co_return std::pair{boost::system::error_code{boost::beast::error::timeout}, std::size_t{0}};
        if (auto [ec] = std::get<0>(ready); ec)
            co_return std::pair{ec, std::size_t{0}};
    }
}

}  // namespace asyncfetch::detail
