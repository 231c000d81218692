// HTTP dates (IMF-fixdate, RFC 9110 5.6.7) to and from seconds since the epoch, for validators.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace asyncfetch::detail {

/// "Sun, 06 Nov 1994 08:49:37 GMT" for t (UTC).
inline std::string format_http_date(std::time_t t)
{
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(text, n);
}

/// The time an IMF-fixdate names; nullopt for anything else (the obsolete formats included).
inline std::optional<std::time_t> parse_http_date(std::string_view value)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    std::tm tm{};
    const std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    return timegm(&tm);
}

}  // namespace asyncfetch::detail
