// The testbed's endpoints: handle_request answers one request that a session has read.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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

/// One open connection, as the endpoints and the session loop share it.
struct connection
{
    explicit connection(boost::asio::ip::tcp::socket& lowest) : socket_(lowest), timer_(lowest.get_executor())
    {
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Closes the TCP socket: no close_notify, pending operations fail.
    void close();

    boost::asio::ip::tcp::socket& socket_;
    boost::asio::steady_timer timer_;         ///< for /delay, /drop and the TLS shutdown bound
    bool tls_ = false;                        ///< the TLS handshake completed
    std::optional<std::string> server_name_;  ///< the SNI the client sent, if any
};

/// What the endpoints remember from one request to the next; io thread only.
struct route_state
{
    std::unordered_map<std::string, std::uint64_t> flaky_counts_;  ///< /flaky requests seen per key
};

/// A whole error response, body included, announcing that the connection ends.
std::string closing_error(unsigned code, std::string_view body);

// The templates below are instantiated in routes.cpp for tcp::socket and ssl::stream<tcp::socket>.

/// Discards whatever arrives until the client goes away or stop() closes the socket.
template <class Stream>
boost::asio::awaitable<void> wait_for_close(Stream& stream);

/// Answers `request`, read on `conn`, on `stream` (see the endpoint list in asyncfetch/testbed.hpp) and
/// says what the connection does next.
template <class Stream>
boost::asio::awaitable<after_response> handle_request(
    Stream& stream,
    connection& conn,
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    route_state& state);

}  // namespace asyncfetch::detail::testbed_parts
