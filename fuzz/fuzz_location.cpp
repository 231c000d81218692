// libFuzzer target: asyncfetch::resolve_location (a redirect's Location against the URL it came from).
// Input: a base URL on the first line (a fixed one when it does not parse), the Location after it.
#include "asyncfetch/url.hpp"
#include "url_invariants.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    const std::string_view first = input.substr(0, nl);
    const std::string_view location = nl == std::string_view::npos ? std::string_view()
                                                                   : input.substr(nl + 1);

    std::string base = "http://example.com/a/b/c?q=1";
    if (auto u = asyncfetch::parse_url(first))
        base = u->scheme + "://" + u->host_header() + u->target;

    auto resolved = asyncfetch::resolve_location(base, location);
    if (!resolved)
        return 0;
    const std::string& r = *resolved;
    for (unsigned char c : r)
        if (c <= 0x20 || c >= 0x7f)
            asyncfetch::fuzz::fail("control, space or non-ASCII byte in a resolved Location", input);
    if (r.find('#') != std::string::npos)
        asyncfetch::fuzz::fail("fragment kept in a resolved Location", input);
    // What fetch does next: parse the result as the next URL to request.
    asyncfetch::fuzz::check_parse(r);
    return 0;
}
