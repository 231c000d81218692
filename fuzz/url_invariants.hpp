// Checks shared by the fuzz targets: what every URL parse_url accepts must satisfy.
#pragma once

#include "asyncfetch/url.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace asyncfetch::fuzz {

/// Stops the fuzzer with a message: libFuzzer saves the input that got here as a crash.
[[noreturn]] inline void fail(const char* what, std::string_view input)
{
    std::fprintf(stderr,
                 "invariant broken: %s\ninput (%zu bytes): %.*s\n",
                 what,
                 input.size(),
                 static_cast<int>(input.size()),
                 input.data());
    std::abort();
}

inline bool has_forbidden_char(std::string_view s)
{
    return s.find_first_of(std::string_view("\r\n\0 ", 4)) != std::string_view::npos;
}

/// parse_url on text, then the invariants of an accepted URL, including that the request line and
/// Host header built from it parse back to the same origin and target.
inline void check_parse(std::string_view text)
{
    auto parsed = parse_url(text);
    auto general = detail::parse_url_general(text);
    if (parsed.has_value() != general.has_value())
        fail("parse_url and parse_url_general disagree on acceptance", text);
    if (!parsed)
    {
        if (parsed.error() != general.error())
            fail("parse_url and parse_url_general give different errors", text);
        return;
    }
    if (parsed->scheme != general->scheme || parsed->host != general->host || parsed->port != general->port ||
        parsed->target != general->target || parsed->ip_literal != general->ip_literal ||
        parsed->userinfo != general->userinfo || parsed->user_length != general->user_length)
        fail("parse_url's fast path and parse_url_general give different URLs", text);
    const url& u = *parsed;
    if (u.scheme != "http" && u.scheme != "https")
        fail("scheme is neither http nor https", text);
    if (u.host.empty())
        fail("empty host", text);
    if (u.port == 0)
        fail("port 0", text);
    if (u.target.empty() || u.target.front() != '/')
        fail("target does not start with '/'", text);
    if (has_forbidden_char(u.host))
        fail("CR, LF, NUL or space in host", text);
    if (has_forbidden_char(u.target))
        fail("CR, LF, NUL or space in target", text);
    if (has_forbidden_char(u.host_header()))
        fail("CR, LF, NUL or space in Host header", text);

    const std::string again_text = u.scheme + "://" + u.host_header() + u.target;
    auto again = parse_url(again_text);
    if (!again)
        fail("scheme://host_header()target does not parse", text);
    if (again->host != u.host || again->port != u.port || again->target != u.target ||
        again->scheme != u.scheme || again->ip_literal != u.ip_literal)
        fail("scheme://host_header()target parses to another URL", text);
}

}  // namespace asyncfetch::fuzz
