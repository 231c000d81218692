// libFuzzer target: the cookie jar (asyncfetch::cookie_jar): Set-Cookie fields and Netscape cookie files.
// Input: the URL of a response on the first line (a fixed one when it does not parse), then one Set-Cookie
// value per line; the whole input is also read as a cookie file.
#include "asyncfetch/cookie_jar.hpp"
#include "asyncfetch/url.hpp"
#include "url_invariants.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

/// What goes into a Cookie field must not break it: no control character but tab.
void check_header(const std::string& header, std::string_view input)
{
    for (unsigned char c : header)
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            asyncfetch::fuzz::fail("control character in a Cookie value", input);
    if (header.size() > asyncfetch::cookie_jar::max_header_size)
        asyncfetch::fuzz::fail("Cookie value over its limit", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    constexpr std::int64_t now = 1'700'000'000;
    auto nl = input.find('\n');
    auto from = asyncfetch::parse_url(input.substr(0, nl));
    if (!from)
        from = asyncfetch::parse_url("https://www.example.co.uk/a/b?q");
    asyncfetch::cookie_jar jar;
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    while (!rest.empty())
    {
        nl = rest.find('\n');
        jar.store(*from, rest.substr(0, nl), now);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    jar.load_netscape(input, now);
    check_header(jar.header_for(*from, now), input);
    // The file the jar writes reads back as the same jar.
    const std::string text = jar.netscape_text(now);
    asyncfetch::cookie_jar again;
    if (again.load_netscape(text, now) != 0)
        asyncfetch::fuzz::fail("a written cookie file has a malformed line", input);
    if (again.netscape_text(now) != text)
        asyncfetch::fuzz::fail("a cookie file does not round-trip", input);
    check_header(again.header_for(*from, now), input);
    return 0;
}
