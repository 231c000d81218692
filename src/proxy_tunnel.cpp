// Tunnels through proxies: an HTTP CONNECT for https through an HTTP proxy, SOCKS5 for every URL.
#include "proxy_tunnel.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/url.hpp"
#include "socks5.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

/// Asks an HTTP proxy for a tunnel to target (CONNECT host:port).
net::awaitable<failure> open_connect_tunnel(beast::tcp_stream& tcp,
                                            const url& target,
                                            const url& proxy,
                                            const std::string& user_agent,
                                            std::chrono::steady_clock::time_point deadline)
{
    const std::string authority = target.host_and_port();
    std::string req = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!user_agent.empty())
        req += "User-Agent: " + user_agent + "\r\n";
    if (!proxy.userinfo.empty())
        req += "Proxy-Authorization: " + proxy.basic_authorization() + "\r\n";
    req += "\r\n";
    tcp.expires_at(deadline);
    auto [wec, written] = co_await net::async_write(tcp, net::buffer(req), token);
    if (wec)
        co_return failure{wec, phase::proxy};

    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> p;
    p.skip(true);  // a 2xx answer to CONNECT has no body; the tunnel starts right after it
    tcp.expires_at(deadline);
    auto [ec, n] = co_await http::async_read_header(tcp, buffer, p, token);
    if (ec)
        co_return failure{ec, phase::proxy};
    if (p.get().result_int() / 100 != 2)
    {
        failure f{errc::proxy_refused, phase::proxy};
        f.detail = "proxy answered CONNECT with " + std::to_string(p.get().result_int());
        co_return f;
    }
    co_return failure{};
}

}  // namespace

net::awaitable<failure> open_proxy_tunnel(beast::tcp_stream& tcp,
                                          const url& target,
                                          const url* proxy,
                                          const std::string& socks_host,
                                          const std::string& user_agent,
                                          std::chrono::steady_clock::time_point deadline)
{
    if (!socks_host.empty())
        co_return co_await socks5_handshake(tcp, *proxy, socks_host, target.port, deadline);
    if (proxy && target.tls())
        co_return co_await open_connect_tunnel(tcp, target, *proxy, user_agent, deadline);
    co_return failure{};
}

}  // namespace asyncfetch::detail
