// The cookie engine (-b, -c): Set-Cookie parsing, the jar's RFC 6265 rules, and the Netscape cookie file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace asyncfetch {

struct url;

/// One cookie as the jar holds it.
struct cookie
{
    std::string name;
    std::string value;
    std::string domain;         ///< lower case, no leading dot: the host for a host-only cookie
    std::string path;           ///< starts with '/'
    bool host_only = true;      ///< sent to domain only, not to its subdomains
    bool persistent = false;    ///< has an expiry; false: a session cookie (0 in the cookie file)
    std::int64_t expires = 0;   ///< Unix seconds, when persistent
    bool secure = false;        ///< sent over https only
    bool http_only = false;     ///< kept (and written as #HttpOnly_) for the file; HTTP sends it anyway
    std::uint64_t created = 0;  ///< the jar's creation order: older cookies go first and are evicted first
};

/// A Set-Cookie field value as parsed (RFC 6265, 5.2), before it is checked against the request's URL.
/// Attribute values over 1024 bytes are ignored, as RFC 6265bis says.
struct set_cookie
{
    std::string name;
    std::string value;
    std::optional<std::string> domain;    ///< lower case, leading dot removed; absent when empty
    std::optional<std::string> path;      ///< only a value starting with '/'
    std::optional<std::int64_t> max_age;  ///< seconds, may be zero or negative
    std::optional<std::int64_t> expires;  ///< Unix seconds
    bool secure = false;
    bool http_only = false;
};

/// Parses a Set-Cookie field's value. Empty when the cookie is to be ignored: no '=', an empty name,
/// name and value over 4096 bytes, or a control character in either.
std::optional<set_cookie> parse_set_cookie(std::string_view field);

/// An Expires date (RFC 6265, 5.1.1: "Wed, 21 Oct 2015 07:28:00 GMT" and the older forms) in Unix
/// seconds; empty when it is not a date.
std::optional<std::int64_t> parse_cookie_date(std::string_view text);

/// Whether domain (lower case, no leading dot) is a public suffix ("com", "co.uk", "github.io"), as
/// the Public Suffix List in libpsl says; names it does not know have the implicit "*" rule.
bool is_public_suffix(std::string_view domain);

/// What the jar did with a Set-Cookie field.
enum class cookie_outcome
{
    stored,          ///< added, or replaced one of the same name, domain and path
    removed,         ///< already expired (Max-Age <= 0, a past Expires): one it replaces was deleted
    bad_syntax,      ///< parse_set_cookie() refused it
    public_suffix,   ///< Domain is a public suffix other than the host (a supercookie)
    foreign_domain,  ///< Domain does not domain-match the host, or the host is an IP address
    not_secure,      ///< Secure set over http, or over http it would replace a Secure cookie
    bad_prefix,      ///< __Secure- without Secure, or __Host- with Domain, a path other than /, or no Secure
};

/// A short phrase for an outcome, for -v.
std::string_view to_string(cookie_outcome o) noexcept;

/// One run's cookies, shared by every fetch of the run (redirect hops included). Thread-safe.
class cookie_jar
{
public:
    /// Most cookies per domain (browsers keep about 50): past it the oldest of that domain goes.
    static constexpr std::size_t max_per_domain = 50;
    /// Most cookies in all: past it the oldest of the jar goes.
    static constexpr std::size_t max_cookies = 3000;
    /// name and value together at most this many bytes.
    static constexpr std::size_t max_cookie_size = 4096;
    /// The Cookie field a hop gets stops before this size (curl's 8190).
    static constexpr std::size_t max_header_size = 8190;

    /// Stores what a response to `from` sets (RFC 6265, 5.3), at time now (Unix seconds).
    cookie_outcome store(const url& from, std::string_view set_cookie_field, std::int64_t now);

    /// The Cookie field value for a request to `to`, "a=1; b=2", or "" (RFC 6265, 5.4): cookies whose
    /// domain and path match, Secure ones over https only, unexpired, longer paths first, then older.
    std::string header_for(const url& to, std::int64_t now) const;

    /// Adds the cookies of a Netscape cookie file's text (curl's format: tab-separated domain,
    /// subdomains TRUE/FALSE, path, secure TRUE/FALSE, expiry, name, value; "#HttpOnly_" before the
    /// domain for HttpOnly ones; other '#' lines are comments). Malformed lines and expired cookies
    /// are skipped, as curl does; returns how many lines were skipped as malformed.
    std::size_t load_netscape(std::string_view text, std::int64_t now);

    /// The jar as a Netscape cookie file with curl's header comment; expired cookies left out,
    /// session cookies with expiry 0.
    std::string netscape_text(std::int64_t now) const;

    /// A copy of every unexpired cookie, oldest first.
    std::vector<cookie> cookies(std::int64_t now) const;

private:
    void insert(cookie c, std::int64_t now);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<cookie>> by_domain_;
    std::size_t count_ = 0;
    std::uint64_t next_created_ = 0;
};

/// The current time in Unix seconds, as the jar takes it.
std::int64_t cookie_clock_now() noexcept;

}  // namespace asyncfetch
