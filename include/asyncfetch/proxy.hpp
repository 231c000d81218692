// Proxy selection: -x/--proxy (http, socks5, socks5h), the http_proxy/https_proxy/all_proxy/no_proxy
// environment and --noproxy.
#pragma once

#include "asyncfetch/url.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace asyncfetch {

/// Where proxies come from, as curl reads them.
struct proxy_settings
{
    std::string proxy;  ///< -x/--proxy, --socks5, --socks5-hostname: for every URL (unless no_proxy matches)
    std::optional<std::string> noproxy;  ///< --noproxy: replaces the no_proxy environment variable
    std::string env_http_proxy;          ///< http_proxy (or HTTP_PROXY)
    std::string env_https_proxy;         ///< https_proxy (or HTTPS_PROXY)
    std::string env_all_proxy;           ///< all_proxy (or ALL_PROXY): when the scheme's variable is unset
    std::string env_no_proxy;            ///< no_proxy (or NO_PROXY)

    /// Whether some URL may go through a proxy: one is set by an option or in the environment.
    bool any() const noexcept
    {
        return !proxy.empty() || !env_http_proxy.empty() || !env_https_proxy.empty() ||
               !env_all_proxy.empty();
    }

    /// Reads the environment variables, the lower-case spelling first.
    static proxy_settings from_environment();
};

/// Parses a proxy URL: "SCHEME://[user:pw@]host[:port]" with SCHEME http, socks5 (the client resolves
/// the target's name) or socks5h (the proxy does); a missing scheme means http and a missing port 1080,
/// as in curl. Other schemes are errc::invalid_proxy. The url's scheme is the proxy's, lower case.
boost::system::result<url> parse_proxy_url(std::string_view text);

/// Why a proxy URL given on the command line cannot be used: it does not parse, or a SOCKS5 proxy's
/// user name or password is not 1 to 255 bytes (RFC 1929). The message never shows the credentials;
/// nothing when the proxy can be used.
std::optional<std::string> proxy_url_problem(std::string_view text);

/// True for a socks5:// or socks5h:// proxy (a tunnel for every URL), false for an http:// one.
bool is_socks_proxy(const url& proxy) noexcept;

/// True when host matches a no_proxy list: comma-separated names (a name matches itself and its
/// subdomains; a leading dot is ignored), IP literals matched exactly, and "*" matching all.
bool no_proxy_matches(std::string_view list, std::string_view host);

/// The proxy URL text for target, or an empty string for a direct connection: -x, else the scheme's
/// variable, else all_proxy; none when no_proxy (or --noproxy) matches.
std::string proxy_for(const url& target, const proxy_settings& settings);

}  // namespace asyncfetch
