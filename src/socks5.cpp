// The SOCKS5 client handshake: greeting, RFC 1929 authentication and CONNECT, each reply checked and named.
#include "socks5.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <utility>

namespace asyncfetch::detail {

namespace net = boost::asio;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);
constexpr std::uint8_t version = 0x05;
constexpr std::uint8_t command_connect = 0x01;
constexpr std::uint8_t atyp_ipv4 = 0x01;
constexpr std::uint8_t atyp_name = 0x03;
constexpr std::uint8_t atyp_ipv6 = 0x04;

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

socks5_verdict fault(std::string problem) { return {false, std::move(problem)}; }

std::string hex_byte(std::uint8_t b)
{
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[b >> 4] + digits[b & 0x0f];
}

std::string wrong_version(std::uint8_t got, std::uint8_t wanted, const char* what)
{
    return std::string("bad ") + what + " reply: version " + hex_byte(got) + ", expected " +
           hex_byte(wanted) + " (is it a SOCKS5 proxy?)";
}

}  // namespace

std::string socks5_greeting(bool with_credentials)
{
    std::string out{static_cast<char>(version)};
    if (with_credentials)
        out += {static_cast<char>(2), static_cast<char>(socks5_no_auth), static_cast<char>(socks5_user_pass)};
    else
        out += {static_cast<char>(1), static_cast<char>(socks5_no_auth)};
    return out;
}

std::optional<std::string> socks5_credentials_problem(std::string_view user, std::string_view password)
{
    // RFC 1929: ULEN and PLEN are 1 to 255; a zero length is not a valid message.
    for (auto [part, name] : {std::pair{user, "user name"}, std::pair{password, "password"}})
        if (part.empty() || part.size() > 255)
            return std::string("SOCKS5 proxy ") + name +
                   (part.empty() ? " is empty" : " is longer than 255 bytes") +
                   " (RFC 1929: 1 to 255 bytes each)";
    return std::nullopt;
}

std::string socks5_auth_request(std::string_view user, std::string_view password)
{
    if (socks5_credentials_problem(user, password))
        return {};
    std::string out{static_cast<char>(0x01), static_cast<char>(user.size())};
    out += user;
    out += static_cast<char>(password.size());
    out += password;
    return out;
}

std::string socks5_connect_request(std::string_view host, std::uint16_t port)
{
    std::string out{static_cast<char>(version), static_cast<char>(command_connect), '\0'};
    boost::system::error_code not_ip;
    const auto address = net::ip::make_address(std::string(host), not_ip);
    if (!not_ip && address.is_v4())
    {
        out += static_cast<char>(atyp_ipv4);
        for (auto b : address.to_v4().to_bytes())
            out += static_cast<char>(b);
    }
    else if (!not_ip)
    {
        out += static_cast<char>(atyp_ipv6);
        for (auto b : address.to_v6().to_bytes())
            out += static_cast<char>(b);
    }
    else
    {
        if (host.empty() || host.size() > 255)
            return {};
        out += static_cast<char>(atyp_name);
        out += static_cast<char>(host.size());
        out += host;
    }
    out += static_cast<char>(port >> 8);
    out += static_cast<char>(port & 0xff);
    return out;
}

socks5_verdict check_method_reply(std::string_view reply, bool offered_credentials)
{
    if (reply.size() < 2)
        return fault("truncated method reply");
    if (byte_at(reply, 0) != version)
        return fault(wrong_version(byte_at(reply, 0), version, "method"));
    const std::uint8_t method = byte_at(reply, 1);
    if (method == socks5_no_auth || (method == socks5_user_pass && offered_credentials))
        return {true, {}};
    if (method == socks5_no_acceptable)
        return fault(offered_credentials ? "no acceptable authentication method"
                                         : "no acceptable authentication method (the proxy may want a user "
                                           "and password: socks5://USER:PASSWORD@HOST:PORT)");
    return fault("the proxy chose an authentication method not offered (" + hex_byte(method) + ")");
}

socks5_verdict check_auth_reply(std::string_view reply)
{
    if (reply.size() < 2)
        return fault("truncated authentication reply");
    if (byte_at(reply, 0) != 0x01)
        return fault(wrong_version(byte_at(reply, 0), 0x01, "authentication"));
    if (byte_at(reply, 1) != 0x00)
        return fault("authentication failed: the proxy rejected the user name and password");
    return {true, {}};
}

std::size_t connect_reply_size(std::string_view head)
{
    if (head.size() < 5 || byte_at(head, 0) != version)
        return 0;
    switch (byte_at(head, 3))
    {
    case atyp_ipv4: return 4 + 4 + 2;
    case atyp_ipv6: return 4 + 16 + 2;
    case atyp_name: return 4 + 1 + byte_at(head, 4) + 2;
    default: return 0;
    }
}

std::string socks5_reply_name(std::uint8_t code)
{
    switch (code)
    {
    case 0: return "succeeded";
    case 1: return "general SOCKS server failure";
    case 2: return "connection not allowed by ruleset";
    case 3: return "network unreachable";
    case 4: return "host unreachable";
    case 5: return "connection refused";
    case 6: return "TTL expired";
    case 7: return "command not supported";
    case 8: return "address type not supported";
    default: return "unknown reply code " + std::to_string(code);
    }
}

socks5_verdict check_connect_reply(std::string_view reply)
{
    if (reply.size() < 4)
        return fault("truncated CONNECT reply");
    if (byte_at(reply, 0) != version)
        return fault(wrong_version(byte_at(reply, 0), version, "CONNECT"));
    if (const std::uint8_t code = byte_at(reply, 1); code != 0)
        return fault(socks5_reply_name(code) + " (SOCKS5 reply " + std::to_string(code) + ")");
    const std::uint8_t atyp = byte_at(reply, 3);
    if (atyp != atyp_ipv4 && atyp != atyp_ipv6 && atyp != atyp_name)
        return fault("bad CONNECT reply: address type " + hex_byte(atyp));
    return {true, {}};
}

namespace {

/// Reads exactly n bytes into out; the error of a short read (end of stream: the proxy closed).
net::awaitable<boost::system::error_code> read_exactly(boost::beast::tcp_stream& stream,
                                                       std::string& out,
                                                       std::size_t n)
{
    const std::size_t start = out.size();
    out.resize(start + n);
    auto [ec, got] = co_await net::async_read(stream, net::buffer(out.data() + start, n), token);
    out.resize(start + got);
    co_return ec;
}

/// The failure for a reply that is wrong: errc::proxy_failed with the proxy named.
failure rejected(const url& proxy, const std::string& problem)
{
    failure f{errc::proxy_failed, phase::proxy};
    f.detail = "SOCKS5 proxy " + proxy.host_header() + ": " + problem;
    return f;
}

/// The failure for a read or write that did not complete: a closed connection is a truncated reply.
failure broken(const url& proxy, const boost::system::error_code& ec, const char* step)
{
    if (ec == net::error::eof || ec == net::error::connection_reset)
        return rejected(proxy, std::string("connection closed during the ") + step + " (truncated reply)");
    return failure{ec, phase::proxy};
}

}  // namespace

net::awaitable<failure> socks5_handshake(boost::beast::tcp_stream& stream,
                                         const url& proxy,
                                         const std::string& host,
                                         std::uint16_t port,
                                         std::chrono::steady_clock::time_point deadline)
{
    const bool credentials = !proxy.userinfo.empty();
    // Checked before any request for -x; a proxy from the environment is checked here.
    if (auto problem = credentials ? socks5_credentials_problem(proxy.user(), proxy.password())
                                   : std::nullopt)
        co_return rejected(proxy, *problem);
    const std::string connect = socks5_connect_request(host, port);
    if (connect.empty())
        co_return rejected(proxy, "host name too long for SOCKS5 (at most 255 bytes)");
    stream.expires_at(deadline);

    std::string reply;
    const std::string greeting = socks5_greeting(credentials);
    if (auto [ec, n] = co_await net::async_write(stream, net::buffer(greeting), token); ec)
        co_return broken(proxy, ec, "greeting");
    if (auto ec = co_await read_exactly(stream, reply, 2))
        co_return broken(proxy, ec, "greeting");
    if (auto v = check_method_reply(reply, credentials); !v.ok)
        co_return rejected(proxy, v.problem);

    if (byte_at(reply, 1) == socks5_user_pass)
    {
        const std::string auth = socks5_auth_request(proxy.user(), proxy.password());
        if (auto [ec, n] = co_await net::async_write(stream, net::buffer(auth), token); ec)
            co_return broken(proxy, ec, "authentication");
        reply.clear();
        if (auto ec = co_await read_exactly(stream, reply, 2))
            co_return broken(proxy, ec, "authentication");
        if (auto v = check_auth_reply(reply); !v.ok)
            co_return rejected(proxy, v.problem);
    }

    if (auto [ec, n] = co_await net::async_write(stream, net::buffer(connect), token); ec)
        co_return broken(proxy, ec, "CONNECT request");
    reply.clear();
    // VER REP RSV ATYP and one address byte tell how long the rest is; an error reply may stop short.
    auto ec = co_await read_exactly(stream, reply, 5);
    if (auto v = check_connect_reply(reply); !v.ok && (reply.size() >= 4 || !ec))
        co_return rejected(proxy, v.problem);
    if (ec)
        co_return broken(proxy, ec, "CONNECT reply");
    const std::size_t size = connect_reply_size(reply);
    if (size == 0)
        co_return rejected(proxy, "bad CONNECT reply");
    if (auto rest = co_await read_exactly(stream, reply, size - reply.size()))
        co_return broken(proxy, rest, "CONNECT reply");
    co_return failure{};
}

}  // namespace asyncfetch::detail
