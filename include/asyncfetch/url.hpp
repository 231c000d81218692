// URL parsing for fetch targets: only absolute http and https URLs are accepted.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
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
    std::string userinfo;     ///< decoded "user:password" from the URL, empty when none
    /// Bytes of userinfo that are the user name: it was split before decoding, so a "%3A" in the
    /// name stays in the name. npos: up to the first ':'.
    std::size_t user_length = std::string::npos;

    /// The decoded user name of the user-info ("us:er" from "us%3Aer:pw@").
    std::string_view user() const noexcept;

    /// The decoded password of the user-info, empty when there is none.
    std::string_view password() const noexcept;

    /// The URL rebuilt without user-info or fragment: scheme://host[:port]/target.
    std::string absolute() const;

    /// "Basic ..." credentials from the user-info, empty when there is none.
    std::string basic_authorization() const;

    /// True for https.
    bool tls() const noexcept { return scheme == "https"; }

    /// The Host header value: host, bracketed for IPv6, with ":port" unless it is the default.
    std::string host_header() const;
    /// host_header() into out, replacing what it held and keeping its memory.
    void host_header_into(std::string& out) const;

    /// host:port with the port always written, host bracketed for IPv6 (a CONNECT request's target).
    std::string host_and_port() const;

    /// The connection pool key: scheme, host and port.
    std::string origin() const;
    /// origin() into out, replacing what it held and keeping its memory.
    void origin_into(std::string& out) const;
};

/// The longest URL accepted, as curl's: longer input lines are that line's invalid_url error.
inline constexpr std::size_t max_url_length = 8'000'000;

/// Parses one URL. Leading and trailing blanks are trimmed; a fragment is dropped. A host name in
/// UTF-8, raw or percent-encoded, becomes its A-label ("bücher.example" is "xn--bcher-kva.example").
/// Errors are asyncfetch::errc values, never exceptions.
boost::system::result<url> parse_url(std::string_view text);

namespace detail {
/// parse_url without its fast path for plain URLs: every URL through Boost.URL's grammar. The
/// fuzzers check that both give the same answer.
boost::system::result<url> parse_url_general(std::string_view text);
}  // namespace detail

/// Resolves a redirect's Location against the URL it came from (RFC 3986 section 5.2) and drops
/// the fragment. Spaces and non-ASCII bytes, which servers send unencoded, are percent-encoded
/// first. Fails with errc::redirect_invalid.
boost::system::result<std::string> resolve_location(std::string_view base, std::string_view location);

/// True when a and b have the same scheme, host and port.
bool same_origin(const url& a, const url& b) noexcept;

/// Standard base64 with padding.
std::string base64_encode(std::string_view in);

/// text with the user-info ("user:password@") of every "scheme://" URL in it dropped, so a URL,
/// or a message quoting one, can be printed without its credentials. Works on any text, also on
/// URLs that do not parse.
std::string redact_userinfo(std::string_view text);

}  // namespace asyncfetch
