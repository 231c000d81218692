// The SOCKS5 client handshake (RFC 1928, username/password auth RFC 1929): messages, reply parsing and the
// exchange over a connected socket.
#pragma once

#include "failure.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asyncfetch {
struct url;
}

namespace asyncfetch::detail {

/// RFC 1928 authentication methods.
inline constexpr std::uint8_t socks5_no_auth = 0x00;
inline constexpr std::uint8_t socks5_user_pass = 0x02;
inline constexpr std::uint8_t socks5_no_acceptable = 0xff;

/// The greeting: version 5 and the methods offered (no authentication; also username/password when
/// credentials are given).
std::string socks5_greeting(bool with_credentials);

/// Why user and password cannot go in an RFC 1929 request (each must be 1 to 255 bytes), naming
/// which one but never its value; nothing when they can.
std::optional<std::string> socks5_credentials_problem(std::string_view user, std::string_view password);

/// The RFC 1929 sub-negotiation for user and password; empty when socks5_credentials_problem finds one.
std::string socks5_auth_request(std::string_view user, std::string_view password);

/// The CONNECT request for host:port: an IPv4 or IPv6 literal goes as an address (ATYP 1 or 4), a
/// name as a domain name (ATYP 3); empty when a name is longer than 255 bytes.
std::string socks5_connect_request(std::string_view host, std::uint16_t port);

/// What a reply says: ok, or why not (a message naming the fault).
struct socks5_verdict
{
    bool ok = false;
    std::string problem;  ///< empty when ok
};

/// Checks the server's method choice (2 bytes); offered_credentials says whether 0x02 was offered.
socks5_verdict check_method_reply(std::string_view reply, bool offered_credentials);

/// Checks the RFC 1929 status reply (2 bytes).
socks5_verdict check_auth_reply(std::string_view reply);

/// The whole length of a CONNECT reply from its first 5 bytes (VER REP RSV ATYP and the first address
/// byte), or 0 when those bytes already show it is malformed (check_connect_reply names why).
std::size_t connect_reply_size(std::string_view head);

/// Checks a CONNECT reply (at least its first 4 bytes): the version, the reply code (RFC 1928 codes 1-8
/// by name) and the address type.
socks5_verdict check_connect_reply(std::string_view reply);

/// The RFC 1928 name of a reply code ("general SOCKS server failure", ... "address type not
/// supported"), or "unknown reply code N".
std::string socks5_reply_name(std::uint8_t code);

/// Runs the handshake on a connected stream: greeting, authentication with the proxy URL's user-info
/// when it has one, CONNECT to host:port (host an address for socks5://, the name for socks5h://), all
/// before deadline. A failure has phase::proxy; errc::proxy_failed with a message naming the cause
/// (never the credentials), or the socket's error.
boost::asio::awaitable<failure> socks5_handshake(boost::beast::tcp_stream& stream,
                                                 const url& proxy,
                                                 const std::string& host,
                                                 std::uint16_t port,
                                                 std::chrono::steady_clock::time_point deadline);

}  // namespace asyncfetch::detail
