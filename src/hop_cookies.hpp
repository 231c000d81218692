// The cookie engine at one hop: the jar's Cookie value for its request, its Set-Cookie fields into the jar.
#pragma once

#include "session.hpp"
#include "trace_text.hpp"

#include <string>

namespace asyncfetch {
class cookie_jar;
struct url;
}  // namespace asyncfetch

namespace asyncfetch::detail {

/// The jar's "a=1; b=2" for a request to to, now.
std::string cookies_for(const cookie_jar& jar, const url& to);

/// Stores a hop's Set-Cookie fields in the jar, matched by the hop's own URL (so a redirect's cookies
/// belong to the site that set them); under -v, names the refused ones (never a value).
void keep_cookies(cookie_jar& jar, const response_head& resp, const url& from, fetch_trace* trace);

}  // namespace asyncfetch::detail
