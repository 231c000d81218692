// The transport: one byte stream over plain TCP, TLS, or TLS inside a proxy tunnel, as a session sees it.
#pragma once

#include "connection_info.hpp"
#include "descriptor_gate.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace asyncfetch::detail {

/// A connected (or connecting) stream. Exactly one of plain_ and secure_ is set. Reads and writes
/// dispatch to the right stream and return the same awaitable type for both.
class transport
{
public:
    /// A plain TCP stream.
    explicit transport(boost::asio::any_io_executor ex) : deadline_(std::make_shared<deadline_state>(ex))
    {
        plain_.emplace(std::move(ex));
    }

    /// A TLS stream using the shared client context.
    transport(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls)
        : deadline_(std::make_shared<deadline_state>(ex))
    {
        secure_.emplace(std::move(ex), tls);
    }

    ~transport()
    {
        // OpenSSL marks the session of a connection freed without a shutdown as not resumable.
        // A connection whose last response ended cleanly is closed quietly instead, which keeps
        // its session good for the next connection to the origin.
        if (secure_ && clean)
            SSL_set_shutdown(secure_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        deadline_->owner = nullptr;  // a deadline already due does nothing now
        deadline_->timer.cancel();
        if (gate)
            gate->closed();  // its waiters resume after the socket below is closed
    }
    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    bool tls() const noexcept { return secure_.has_value(); }

    /// The TCP layer: connect, socket options, expiry.
    boost::beast::tcp_stream& tcp() noexcept
    {
        return secure_ ? boost::beast::get_lowest_layer(*secure_) : *plain_;
    }

    /// The TLS layer of a TLS transport.
    boost::beast::ssl_stream<boost::beast::tcp_stream>& secure() noexcept { return *secure_; }

    /// An exchange's deadline: once t has passed, the transport is shut down (its pending and later
    /// operations fail) and timed_out() is true; time_point::max() disarms it. One timer for the
    /// connection, where Beast's expiry (tcp().expires_at, used while connecting) arms and cancels
    /// one for every read and write. The timer is not cancelled when a deadline is disarmed or
    /// pushed back, only when one comes sooner: a wait that ends early finds the deadline of now
    /// (none, or a later one it waits for again). Exchanges one after another on a kept-alive
    /// connection, each with a later deadline, therefore touch the timer once per timeout.
    void expires_at(std::chrono::steady_clock::time_point t);

    /// With no deadline armed, ends a wait still pending for an earlier one (see expires_at): an
    /// idle connection then keeps no operation pending in the io_context.
    void stop_deadline_wait() noexcept;

    /// The exchange deadline passed and shut the transport down.
    bool timed_out() const noexcept { return deadline_->fired; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& b, Token&& token)
    {
        if (secure_)
            return secure_->async_read_some(b, std::forward<Token>(token));
        // The socket itself: Beast's per-operation wrapper only serves its expiry, which an
        // exchange does not use (expires_at above).
        return plain_->socket().async_read_some(b, std::forward<Token>(token));
    }

    /// Writes every byte of b.
    template <class ConstBuffers, class Token>
    auto async_write(const ConstBuffers& b, Token&& token)
    {
        if (secure_)
            return boost::asio::async_write(*secure_, b, std::forward<Token>(token));
        return boost::asio::async_write(plain_->socket(), b, std::forward<Token>(token));
    }

    /// Plain TCP only: writes what the socket takes now, without waiting (sendmsg, MSG_DONTWAIT),
    /// and returns how many bytes that was; would_block when it takes none. A TLS transport writes
    /// nothing and says operation_not_supported: its bytes go through async_write.
    std::size_t write_now(const std::array<boost::asio::const_buffer, 2>& b,
                          boost::system::error_code& ec) noexcept;

    /// Plain TCP only: drops up to room.size() received bytes without copying them (recv with
    /// MSG_TRUNC; room is never written), waiting for some until deadline (beast::error::timeout).
    /// eof once the peer has closed.
    boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> discard_some(
        boost::asio::mutable_buffer room,
        std::chrono::steady_clock::time_point deadline);

    /// Ends pending reads and writes at once (socket::cancel() did not reach Beast's reads here).
    void shut_down() noexcept;

    /// Nothing unread and no EOF on an idle socket: it can carry another request.
    bool idle_and_quiet() noexcept;

    /// The last response on it was read completely and cleanly (see the destructor).
    bool clean = false;
    /// The TLS session cache key (origin and SNI); new tickets are filed under it.
    std::string session_key;
    /// The protocol ALPN chose ("h2", "http/1.1"), empty when none was negotiated.
    std::string alpn;
    /// The address connected to, set by the connector.
    peer_address peer;

    /// For -v: the TLS version, cipher, ALPN, resumption and peer certificate of a TLS transport;
    /// false for a plain one.
    bool describe_tls(tls_details& out) const;

    /// Told when this connection closes (connects waiting for a file descriptor), if set.
    std::shared_ptr<descriptor_gate> gate;

private:
    /// The exchange deadline's timer, shared with its pending wait so that a wait that completes
    /// after the transport is gone finds owner null.
    struct deadline_state
    {
        explicit deadline_state(const boost::asio::any_io_executor& ex) : timer(ex) {}
        boost::asio::steady_timer timer;
        transport* owner = nullptr;
        std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();
        std::chrono::steady_clock::time_point waiting_until;  // the pending wait's expiry
        unsigned generation = 0;                              // a wait of an earlier arming does nothing
        bool waiting = false;                                 // a wait is pending
        bool fired = false;
    };
    std::shared_ptr<deadline_state> deadline_;

    /// Starts a wait on d's timer until t, replacing (cancelling) a pending one.
    static void wait_for_deadline(const std::shared_ptr<deadline_state>& d,
                                  std::chrono::steady_clock::time_point t);

    std::optional<boost::beast::tcp_stream> plain_;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
};

}  // namespace asyncfetch::detail
