// Proxy selection as curl does it: explicit -x first, then the scheme's environment variable,
// both subject to the no_proxy list.
#include "asyncfetch/proxy.hpp"

#include "asyncfetch/error.hpp"
#include "socks5.hpp"
#include "text.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cstdlib>

namespace asyncfetch {

namespace {

std::string env(const char* lower, const char* upper)
{
    if (const char* v = std::getenv(lower); v && *v)
        return v;
    if (const char* v = std::getenv(upper); v && *v)
        return v;
    return {};
}

}  // namespace

proxy_settings proxy_settings::from_environment()
{
    proxy_settings s;
    s.env_http_proxy = env("http_proxy", "HTTP_PROXY");
    s.env_https_proxy = env("https_proxy", "HTTPS_PROXY");
    s.env_all_proxy = env("all_proxy", "ALL_PROXY");
    s.env_no_proxy = env("no_proxy", "NO_PROXY");
    return s;
}

boost::system::result<url> parse_proxy_url(std::string_view text)
{
    std::string full(detail::trim_ows(text));
    if (full.find("://") == std::string::npos)
        full = "http://" + full;
    // A SOCKS5 URL parses as an http one would; its scheme is put back after.
    std::string scheme = detail::ascii_lower(std::string_view(full).substr(0, full.find("://")));
    if (scheme == "socks5" || scheme == "socks5h")
        full.replace(0, scheme.size(), "http");
    else if (scheme != "http")
        return errc::invalid_proxy;
    auto u = parse_url(full);
    if (!u || u->scheme != "http")
        return errc::invalid_proxy;
    u->scheme = scheme;
    // No explicit port: curl's default proxy port.
    const auto after_scheme = full.find("://") + 3;
    auto authority_end = full.find('/', after_scheme);
    if (authority_end == std::string::npos)
        authority_end = full.size();
    const std::string authority = full.substr(after_scheme, authority_end - after_scheme);
    const auto host_start = authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1;
    const std::string hostport = authority.substr(host_start);
    const auto bracket = hostport.rfind(']');
    const auto colon = hostport.rfind(':');
    if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
        u->port = 1080;
    return u;
}

std::optional<std::string> proxy_url_problem(std::string_view text)
{
    const auto proxy = parse_proxy_url(text);
    if (!proxy)
        return "invalid proxy URL '" + redact_userinfo(text) +
               "' (expected http://, socks5:// or socks5h:// with HOST[:PORT])";
    if (!is_socks_proxy(*proxy) || proxy->userinfo.empty())
        return std::nullopt;
    if (auto problem = detail::socks5_credentials_problem(proxy->user(), proxy->password()))
        return "proxy '" + redact_userinfo(text) + "': " + *problem;
    return std::nullopt;
}

bool no_proxy_matches(std::string_view list, std::string_view host)
{
    const std::string h = detail::ascii_lower(host);
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(h, not_ip);
    const bool ip_literal = !not_ip;  // addresses match exactly, never by suffix
    std::size_t pos = 0;
    while (pos <= list.size())
    {
        auto comma = list.find(',', pos);
        if (comma == std::string_view::npos)
            comma = list.size();
        std::string entry = detail::ascii_lower(detail::trim_ows(list.substr(pos, comma - pos)));
        pos = comma + 1;
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;
        if (entry.front() == '.')
            entry.erase(0, 1);
        if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']')
            entry = entry.substr(1, entry.size() - 2);
        if (h == entry)
            return true;
        if (!ip_literal && h.size() > entry.size() &&
            h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
            h[h.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

std::string proxy_for(const url& target, const proxy_settings& s)
{
    const std::string& no_proxy = s.noproxy ? *s.noproxy : s.env_no_proxy;
    if (!no_proxy.empty() && no_proxy_matches(no_proxy, target.host))
        return {};
    if (!s.proxy.empty())
        return s.proxy;
    const std::string& by_scheme = target.tls() ? s.env_https_proxy : s.env_http_proxy;
    return by_scheme.empty() ? s.env_all_proxy : by_scheme;
}

bool is_socks_proxy(const url& proxy) noexcept
{
    return proxy.scheme == "socks5" || proxy.scheme == "socks5h";
}

}  // namespace asyncfetch
