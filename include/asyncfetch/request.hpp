// What each request sends, as the command line describes it: method, headers, body, pinned addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asyncfetch {

/// A request body: pieces sent one after another, each held in memory or read from a file while it
/// is sent (never held whole), so a body of any size takes little memory. A file is read again for
/// each request that sends it: retries, and 307 and 308 redirects.
struct request_body
{
    struct piece
    {
        std::string text;             ///< the bytes, or the file's path when file is set
        bool file = false;            ///< read from the file named by text while sending
        bool strip_newlines = false;  ///< -d @FILE: CR and LF are left out as the file is read
    };

    request_body() = default;
    /// A body held in memory (implicit: a body can be assigned from its text).
    request_body(std::string text) : size(text.size()) { pieces.push_back({std::move(text)}); }
    request_body(const char* text) : request_body(std::string(text)) {}

    /// The whole body when it is one piece held in memory, else null.
    const std::string* text() const noexcept
    {
        return pieces.size() == 1 && !pieces.front().file ? &pieces.front().text : nullptr;
    }

    std::vector<piece> pieces;
    std::uint64_t size = 0;  ///< bytes sent (Content-Length), counted when the body was built
};

/// What every request sends.
struct request_options
{
    std::string method = "GET";  ///< -X; "HEAD" (also -I) reads no body
    /// -H headers in order; an empty value with remove set ("Name:") removes a default header.
    struct header
    {
        std::string name;
        std::string value;
        bool remove = false;
    };
    std::vector<header> headers;
    std::string user_agent = "asyncfetch/" ASYNCFETCH_VERSION;  ///< -A
    std::optional<request_body> body;                           ///< -d / --data-binary
    bool form_body = false;  ///< -d: Content-Type application/x-www-form-urlencoded by default
    /// -u "user:password": Basic credentials for the URL's own origin, in place of the URL's
    /// user-info; an Authorization header of -H takes precedence.
    std::string user;
    /// -b "NAME=VALUE; ...": sent in the Cookie field of every request to a URL's own origin (not
    /// to another origin a redirect leads to), after the jar's cookies; not when -H gives a Cookie.
    std::string cookie;
};

/// Which HTTP versions connections speak (curl's --http1.1, --http2, --http2-prior-knowledge).
enum class http_versions
{
    http1_only,             ///< ALPN offers http/1.1 only
    http2,                  ///< ALPN offers h2 and http/1.1; plain http stays HTTP/1.1
    http2_prior_knowledge,  ///< as http2, and plain http speaks HTTP/2 at once (h2c)
};

/// --resolve host:port:address.
struct resolve_entry
{
    std::string host;
    std::uint16_t port = 0;
    std::string address;
};

}  // namespace asyncfetch
