// ASCII text helpers shared by the protocol code: case folding and HTTP whitespace, locale-free.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace asyncfetch::detail {

/// c in lower case when it is an ASCII capital letter; any other byte unchanged.
constexpr char ascii_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// s with its ASCII capitals in lower case (scheme, host and header names are ASCII-case-insensitive).
inline std::string ascii_lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ascii_lower(c); });
    return out;
}

/// Word-at-a-time byte tests (eight bytes per word, little-endian). Each returns the high bit of
/// every byte of w that passes, and possibly (through a borrow) of bytes above the lowest one that
/// does: the lowest flagged byte is always exact, so a search takes countr_zero(flags) / 8.
inline constexpr std::uint64_t word_ones = 0x0101010101010101;
inline constexpr std::uint64_t word_highs = 0x8080808080808080;

/// Bytes of w equal to c.
constexpr std::uint64_t bytes_equal_to(std::uint64_t w, char c) noexcept
{
    const std::uint64_t x = w ^ (static_cast<unsigned char>(c) * word_ones);
    return (x - word_ones) & ~x & word_highs;
}

/// Bytes of w below n (n at most 0x80).
constexpr std::uint64_t bytes_below(std::uint64_t w, unsigned char n) noexcept
{
    return (w - n * word_ones) & ~w & word_highs;
}

/// The eight bytes at p as a word.
inline std::uint64_t load_word(const char* p) noexcept
{
    std::uint64_t w = 0;
    std::memcpy(&w, p, sizeof w);
    return w;
}

/// The first position at or after from where s holds one of the bytes in set; npos when none does.
/// std::string_view::find_first_of calls memchr over the set once per byte of s, which shows in
/// profiles of the per-request paths; this looks at eight bytes at a time.
constexpr std::size_t find_any(std::string_view s, std::string_view set, std::size_t from = 0) noexcept
{
    std::size_t i = from;
    if (!std::is_constant_evaluated() && std::endian::native == std::endian::little)
    {
        for (; i + 8 <= s.size(); i += 8)
        {
            const std::uint64_t w = load_word(s.data() + i);
            std::uint64_t flagged = 0;
            for (char c : set)
                flagged |= bytes_equal_to(w, c);
            if (flagged != 0)
                return i + static_cast<std::size_t>(std::countr_zero(flagged)) / 8;
        }
    }
    for (; i < s.size(); ++i)
        for (char c : set)
            if (s[i] == c)
                return i;
    return std::string_view::npos;
}

/// Whether c may be in an RFC 9110 token (a header name, a method): letters, digits and
/// !#$%&'*+-.^_`|~.
constexpr bool is_token_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// a and b are equal ignoring ASCII case. Bytes that are equal as they are (most of a header name
/// compared with its spelling in lower case) are not folded.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return x == y || ascii_lower(x) == ascii_lower(y);
           });
}

/// s without leading and trailing spaces and tabs (HTTP's optional whitespace).
constexpr std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/// The value of a hexadecimal digit; -1 for any other byte.
constexpr int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// text with its %XX escapes decoded; anything else, a malformed escape included, stays as it is
/// ('+' is not a space).
inline std::string percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        if (text[i] == '%' && i + 2 < text.size())
        {
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0)
            {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

}  // namespace asyncfetch::detail
