// One kept-alive HTTP/1.1 connection: a plain or TLS stream and the read buffer its responses share.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>

namespace asyncfetch::detail {

/// A connection the pool owns between requests. Exactly one of plain_ and secure_ is set.
class connection
{
public:
    /// A plain TCP connection.
    explicit connection(boost::asio::any_io_executor ex)
    {
        plain_.emplace(std::move(ex));
        reserve_buffer();
    }

    /// A TLS connection using the shared client context.
    connection(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls)
    {
        secure_.emplace(std::move(ex), tls);
        reserve_buffer();
    }

    ~connection()
    {
        // OpenSSL marks the session of a connection freed without a shutdown as not resumable.
        // A connection whose last response ended cleanly is closed quietly instead, which keeps
        // its session good for the next connection to the origin.
        if (secure_ && clean)
            SSL_set_shutdown(secure_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    bool tls() const noexcept { return secure_.has_value(); }

    /// The TCP layer, where timeouts are set.
    boost::beast::tcp_stream& tcp() noexcept
    {
        return secure_ ? boost::beast::get_lowest_layer(*secure_) : *plain_;
    }

    boost::beast::tcp_stream& plain() noexcept { return *plain_; }
    boost::beast::ssl_stream<boost::beast::tcp_stream>& secure() noexcept { return *secure_; }

    /// Bytes read past the end of the last response belong to the next one.
    boost::beast::flat_buffer& buffer() noexcept { return buffer_; }

    /// Requests this connection has carried.
    std::size_t uses = 0;
    /// The last response on it was read completely and cleanly.
    bool clean = false;
    /// The session cache key of a TLS connection (origin and SNI); new tickets are filed under it.
    std::string session_key;
    /// When it last went back to the pool idle.
    std::chrono::steady_clock::time_point idle_since;

private:
    /// Beast reads as much as the buffer has room for, at least 512 bytes: without room reserved,
    /// a large body arrives 512 bytes per system call.
    void reserve_buffer() { buffer_.reserve(read_buffer_size); }

    static constexpr std::size_t read_buffer_size = 64 * 1024;

    std::optional<boost::beast::tcp_stream> plain_;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace asyncfetch::detail
