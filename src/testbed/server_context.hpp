// The testbed's shared server state: config, counters, the request log and the open connections.
#pragma once

#include "asyncfetch/testbed.hpp"
#include "request_log.hpp"
#include "routes.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_set>

namespace asyncfetch::detail::testbed_parts {

/// What the connection does once a response is written.
enum class after_response
{
    keep_alive,       ///< read the next request
    close_graceful,   ///< TLS close_notify (bounded), then close
    close_abrupt,     ///< close the TCP socket, no close_notify
    close_lingering,  ///< like close_graceful, but first drain what the client still sends (bounded), so
                      ///< that unread request bytes do not turn the close into a reset that loses the answer
    drop_when_idle,   ///< keep alive, but close silently if the client stays idle for 20 ms
};

/// One open connection, as the endpoints and the session loops share it.
struct connection
{
    explicit connection(boost::asio::ip::tcp::socket& lowest) : socket_(lowest), timer_(lowest.get_executor())
    {
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Closes the TCP socket: no close_notify, pending operations fail, the timer is cancelled.
    void close();

    boost::asio::ip::tcp::socket& socket_;
    boost::asio::steady_timer
        timer_;         ///< HTTP/1.1: /delay, /drop, close bounds; HTTP/2: the writer's wake-up
    bool tls_ = false;  ///< the TLS handshake completed
    std::optional<std::string> server_name_;  ///< the SNI the client sent, if any
};

/// Everything the connections of one testbed share; io thread only unless atomic.
struct server_context
{
    explicit server_context(testbed_config config) : config_(std::move(config)) {}

    /// Adds a request read on conn to the log, unless the log is off.
    void record(const boost::beast::http::request<boost::beast::http::string_body>& request,
                const connection& conn)
    {
        if (config_.record_requests)
            log_.add(request, conn.tls_, conn.server_name_);
    }

    /// One more request being answered.
    void begin_request()
    {
        auto now = ++in_flight_;
        if (now > peak_in_flight_.load(std::memory_order_relaxed))
            peak_in_flight_.store(now, std::memory_order_relaxed);
    }
    /// One request fewer being answered.
    void end_request() { --in_flight_; }

    testbed_config config_;
    std::atomic<std::size_t> connections_accepted_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::size_t> peak_connections_{0};
    std::atomic<std::size_t> peak_in_flight_{0};
    std::atomic<std::size_t> http2_connections_{0};
    std::atomic<std::size_t> ping_acks_{0};
    std::size_t in_flight_ = 0;

    std::unordered_set<connection*> connections_;
    bool stopping_ = false;
    route_state routes_;
    request_log log_;
};

/// An open connection, registered so that stop() can close it.
struct live_connection : connection
{
    live_connection(server_context& owner, boost::asio::ip::tcp::socket& lowest)
        : connection(lowest), owner_(owner)
    {
        owner_.connections_.insert(this);
        auto open = owner_.connections_.size();
        if (open > owner_.peak_connections_.load(std::memory_order_relaxed))
            owner_.peak_connections_.store(open, std::memory_order_relaxed);
    }
    ~live_connection() { owner_.connections_.erase(this); }
    live_connection(const live_connection&) = delete;
    live_connection& operator=(const live_connection&) = delete;

    server_context& owner_;
};

// Instantiated for tcp::socket and ssl::stream<tcp::socket> in http1_server.cpp and h2_server.cpp.

/// Serves HTTP/1.1 on `stream` until the connection ends; `buffer` holds bytes already read.
template <class Stream>
boost::asio::awaitable<void> serve_http1(Stream& stream,
                                         live_connection& conn,
                                         boost::beast::flat_buffer buffer);

/// Ends a connection as `how` says (bounded close_notify, lingering drain), then closes it.
template <class Stream>
boost::asio::awaitable<void> finish(Stream& stream, connection& conn, after_response how);

/// Discards whatever arrives until the client goes away or stop() closes the socket.
template <class Stream>
boost::asio::awaitable<void> wait_for_close(Stream& stream);

/// Serves HTTP/2 on `stream` until the connection ends; `initial` holds bytes already read (the preface
/// or part of it).
template <class Stream>
boost::asio::awaitable<void> serve_http2(Stream& stream, live_connection& conn, std::string initial);

}  // namespace asyncfetch::detail::testbed_parts
