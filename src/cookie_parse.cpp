// Set-Cookie parsing and cookie dates (RFC 6265, 5.1.1 and 5.2), pure functions the jar builds on.
#include "asyncfetch/cookie_jar.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <limits>

namespace asyncfetch {

namespace {

using detail::iequals;

/// Attribute values past this size are ignored (RFC 6265bis, 5.6).
constexpr std::size_t max_attribute_size = 1024;

/// Seconds far enough ahead for any cookie, and small enough to add to now without overflow.
constexpr std::int64_t max_seconds = std::int64_t{400} * 366 * 24 * 3600 * 100;

bool is_date_delimiter(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return u == 0x09 || (u >= 0x20 && u <= 0x2f) || (u >= 0x3b && u <= 0x40) || (u >= 0x5b && u <= 0x60) ||
           (u >= 0x7b && u <= 0x7e);
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Control characters, which no cookie name, value or attribute may hold (RFC 6265bis, 5.6); tab too,
/// as curl: it separates the fields of the cookie file.
bool has_control(std::string_view s) noexcept
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

/// Reads 1 to max_digits digits at s[pos]; the value, or -1 when there is no digit or too many.
int read_digits(std::string_view s, std::size_t& pos, std::size_t min_digits, std::size_t max_digits)
{
    std::size_t start = pos;
    int value = 0;
    while (pos < s.size() && is_digit(s[pos]) && pos - start < max_digits + 1)
        value = value * 10 + (s[pos++] - '0');
    const std::size_t n = pos - start;
    if (n < min_digits || n > max_digits)
        return -1;
    return value;
}

/// A token "1*2DIGIT ( non-digit *OCTET )": the number, or -1.
int leading_number(std::string_view token, std::size_t min_digits, std::size_t max_digits)
{
    std::size_t pos = 0;
    return read_digits(token, pos, min_digits, max_digits);
}

/// A token "hh:mm:ss" (each 1 or 2 digits, anything after the seconds not a digit).
bool parse_time(std::string_view token, int& h, int& m, int& s)
{
    std::size_t pos = 0;
    h = read_digits(token, pos, 1, 2);
    if (h < 0 || pos >= token.size() || token[pos++] != ':')
        return false;
    m = read_digits(token, pos, 1, 2);
    if (m < 0 || pos >= token.size() || token[pos++] != ':')
        return false;
    s = read_digits(token, pos, 1, 2);
    return s >= 0;
}

int parse_month(std::string_view token)
{
    static constexpr std::array<std::string_view, 12> months =
        {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (token.size() < 3)
        return 0;
    for (std::size_t i = 0; i < months.size(); ++i)
        if (iequals(token.substr(0, 3), months[i]))
            return static_cast<int>(i) + 1;
    return 0;
}

/// A signed decimal Max-Age, clamped to +-max_seconds; empty when it is not one.
std::optional<std::int64_t> parse_max_age(std::string_view v)
{
    const bool negative = !v.empty() && v.front() == '-';
    std::string_view digits = negative ? v.substr(1) : v;
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit))
        return std::nullopt;
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc::result_out_of_range || n > max_seconds)
        n = max_seconds;
    return negative ? -n : n;
}

void apply_attribute(set_cookie& c, std::string_view name, std::string_view value)
{
    if (value.size() > max_attribute_size || has_control(value))
        return;
    if (iequals(name, "expires"))
    {
        if (auto t = parse_cookie_date(value))
            c.expires = *t;
    }
    else if (iequals(name, "max-age"))
    {
        if (auto n = parse_max_age(value))
            c.max_age = *n;
    }
    else if (iequals(name, "domain"))
    {
        if (!value.empty() && value.front() == '.')
            value.remove_prefix(1);
        if (value.empty())
            c.domain.reset();
        else
            c.domain = detail::ascii_lower(value);
    }
    else if (iequals(name, "path"))
    {
        if (!value.empty() && value.front() == '/')
            c.path = std::string(value);
        else
            c.path.reset();
    }
    else if (iequals(name, "secure"))
        c.secure = true;
    else if (iequals(name, "httponly"))
        c.http_only = true;
}

}  // namespace

std::optional<std::int64_t> parse_cookie_date(std::string_view text)
{
    int hour = -1, minute = -1, second = -1, day = -1, month = 0, year = -1;
    bool found_time = false;
    std::size_t pos = 0;
    while (pos < text.size())
    {
        while (pos < text.size() && is_date_delimiter(text[pos]))
            ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && !is_date_delimiter(text[pos]))
            ++pos;
        const std::string_view token = text.substr(start, pos - start);
        if (token.empty())
            continue;
        // Each token is the first of time, day, month and year it can be (RFC 6265, 5.1.1).
        int h = 0, m = 0, s = 0;
        if (!found_time && parse_time(token, h, m, s))
        {
            found_time = true;
            hour = h;
            minute = m;
            second = s;
            continue;
        }
        if (day < 0 && (day = leading_number(token, 1, 2)) >= 0)
            continue;
        if (month == 0 && (month = parse_month(token)) != 0)
            continue;
        if (year < 0)
            year = leading_number(token, 2, 4);
    }
    if (year >= 70 && year <= 99)
        year += 1900;
    else if (year >= 0 && year <= 69)
        year += 2000;
    if (!found_time || day < 1 || day > 31 || month == 0 || year < 1601 || hour > 23 || minute > 59 ||
        second > 59)
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(year),
                                          std::chrono::month(static_cast<unsigned>(month)),
                                          std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok())
        return std::nullopt;
    const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
    return std::int64_t{days} * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<set_cookie> parse_set_cookie(std::string_view field)
{
    const auto semicolon = field.find(';');
    const std::string_view pair = field.substr(0, semicolon);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos)
        return std::nullopt;
    set_cookie c;
    const std::string_view name = detail::trim_ows(pair.substr(0, equals));
    const std::string_view value = detail::trim_ows(pair.substr(equals + 1));
    if (name.empty() || name.size() + value.size() > cookie_jar::max_cookie_size || has_control(name) ||
        has_control(value))
        return std::nullopt;
    c.name = name;
    c.value = value;
    std::string_view rest = semicolon == std::string_view::npos ? std::string_view()
                                                                : field.substr(semicolon);
    while (!rest.empty())
    {
        rest.remove_prefix(1);  // the ';'
        const auto next = rest.find(';');
        const std::string_view av = rest.substr(0, next);
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
        const auto eq = av.find('=');
        const std::string_view attr = detail::trim_ows(av.substr(0, eq));
        const std::string_view attr_value = eq == std::string_view::npos
                                                ? std::string_view()
                                                : detail::trim_ows(av.substr(eq + 1));
        apply_attribute(c, attr, attr_value);
    }
    return c;
}

std::int64_t cookie_clock_now() noexcept
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view to_string(cookie_outcome o) noexcept
{
    switch (o)
    {
    case cookie_outcome::stored: return "stored";
    case cookie_outcome::removed: return "removed (expired)";
    case cookie_outcome::bad_syntax: return "ignored: malformed";
    case cookie_outcome::public_suffix: return "refused: Domain is a public suffix";
    case cookie_outcome::foreign_domain: return "refused: Domain does not match the host";
    case cookie_outcome::not_secure: return "refused: Secure needs https";
    case cookie_outcome::bad_prefix: return "refused: __Secure-/__Host- prefix rules";
    }
    return "unknown";
}

}  // namespace asyncfetch
