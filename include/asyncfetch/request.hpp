// What each request sends, as the command line describes it: method, headers, body, pinned addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {

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
    std::optional<std::string> body;                            ///< -d / --data-binary
    bool form_body = false;  ///< -d: Content-Type application/x-www-form-urlencoded by default
    /// -u "user:password": Basic credentials for the URL's own origin, in place of the URL's
    /// user-info; an Authorization header of -H takes precedence.
    std::string user;
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
