// The cookie engine at one hop: the jar's Cookie value for its request, its Set-Cookie fields into the jar.
#include "hop_cookies.hpp"

#include "asyncfetch/cookie_jar.hpp"
#include "asyncfetch/url.hpp"
#include "text.hpp"

#include <algorithm>

namespace asyncfetch::detail {

std::string cookies_for(const cookie_jar& jar, const url& to)
{
    return jar.header_for(to, cookie_clock_now());
}

void keep_cookies(cookie_jar& jar, const response_head& resp, const url& from, fetch_trace* trace)
{
    const std::int64_t now = cookie_clock_now();
    bool noted = false;
    for (const auto& f : resp.fields)
    {
        if (!iequals(f.name, "set-cookie"))
            continue;
        const auto outcome = jar.store(from, f.value, now);
        if (!trace || !trace->verbose || outcome == cookie_outcome::stored ||
            outcome == cookie_outcome::removed)
            continue;
        // The name only, and not all of a long one: a field without '=' before its first ';' has
        // no name, and its text may be the value itself, which is not shown.
        const std::size_t equals = f.value.find('=');
        const bool named = equals != std::string_view::npos && equals < f.value.find(';');
        const std::string name = named ? std::string(
                                             trim_ows(f.value.substr(0, std::min<std::size_t>(equals, 64))))
                                       : "(no name)";
        trace_line(trace->lines, trace->index, '*', "Cookie " + name + " " + std::string(to_string(outcome)));
        noted = true;
    }
    if (noted)
        trace->flush();
}

}  // namespace asyncfetch::detail
