// Tunnels through proxies: an HTTP CONNECT for https through an HTTP proxy, SOCKS5 for every URL.
#pragma once

#include "failure.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>

namespace asyncfetch {
struct url;
}

namespace asyncfetch::detail {

/// Opens the tunnel through proxy to target on a connected stream, when one is needed, before
/// deadline: a SOCKS5 CONNECT for every URL when socks_host is set (the target's address, or its name
/// for socks5h://), an HTTP CONNECT (with user_agent and the proxy's credentials) for https through an
/// HTTP proxy; nothing for plain http through an HTTP proxy or without one. Failures have phase::proxy.
boost::asio::awaitable<failure> open_proxy_tunnel(boost::beast::tcp_stream& tcp,
                                                  const url& target,
                                                  const url* proxy,
                                                  const std::string& socks_host,
                                                  const std::string& user_agent,
                                                  std::chrono::steady_clock::time_point deadline);

}  // namespace asyncfetch::detail
