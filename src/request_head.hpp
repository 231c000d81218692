// The request head a fetch sends: default and user header fields, and the credential rules across origins.
#pragma once

#include "session.hpp"

#include <boost/system/error_code.hpp>

#include <string>

namespace asyncfetch {
struct url;
struct request_options;
struct validators;
}  // namespace asyncfetch

namespace asyncfetch::detail {

/// What build_request_head() needs besides the client's request options.
struct request_target
{
    const std::string& method;
    const url& current;          ///< the URL of this hop
    const url& original;         ///< the URL the fetch started with (its credentials)
    const url* proxy = nullptr;  ///< the proxy this hop goes through, if any
    const request_body* body = nullptr;
    bool compressed = false;            ///< --compressed: ask for gzip, deflate and br
    std::string_view jar_cookies = {};  ///< the cookie jar's "a=1; b=2" for this hop
    /// Sent as If-None-Match and If-Modified-Since (each unless empty or given with -H); may be null.
    const validators* conditions = nullptr;
};

/// Fills out (cleared first) for one hop: Host, User-Agent, Accept and Accept-Encoding unless the
/// user gave or removed them, the URL's credentials as Basic auth, the proxy's credentials on
/// absolute-form requests, the user's fields, and the body's type and length. Authorization and
/// Cookie never go to another origin than the original's (curl CVE-2018-1000007, CVE-2022-27776).
/// One Cookie field: the user's -H Cookie value if any (else the -b pairs, as curl), with the jar's
/// cookies for this hop; -H 'Cookie:' (removed) sends none.
/// Fails with errc::invalid_request_field when a method, target or field holds CR, LF or NUL.
boost::system::error_code build_request_head(const request_options& req,
                                             const request_target& t,
                                             request_head& out);

/// Fields that belong to an HTTP/1.1 connection and are not sent over HTTP/2 (RFC 9113, 8.2.2);
/// Host becomes :authority.
bool is_connection_specific(std::string_view name) noexcept;

}  // namespace asyncfetch::detail
