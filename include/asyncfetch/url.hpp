// URL parsing for fetch targets: only absolute http and https URLs are accepted.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace asyncfetch {

/// A parsed http or https URL, split into what a request needs.
struct url
{
    std::string scheme;       ///< "http" or "https", lower case
    std::string host;         ///< lower-case name or IP literal, IPv6 without brackets
    std::uint16_t port = 0;   ///< explicit port or the scheme's default
    std::string target;       ///< origin-form request target: path (at least "/") and query
    bool ip_literal = false;  ///< host is an IPv4 or IPv6 address (no SNI, IP SAN check)

    /// True for https.
    bool tls() const noexcept { return scheme == "https"; }

    /// The Host header value: host, bracketed for IPv6, with ":port" unless it is the default.
    std::string host_header() const;

    /// The connection pool key: scheme, host and port.
    std::string origin() const;
};

/// Parses one URL. Leading and trailing blanks are trimmed; a fragment is dropped.
/// Errors are asyncfetch::errc values, never exceptions.
boost::system::result<url> parse_url(std::string_view text);

}  // namespace asyncfetch
