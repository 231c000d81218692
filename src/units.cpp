// Numbers for people: one place for fixed-point decimals, byte units and durations.
#include "asyncfetch/units.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace asyncfetch {

namespace {

double finite_or_zero(double v) noexcept { return std::isfinite(v) ? v : 0.0; }

// At least 1023.5 bytes as "1.0 KiB", "1.5 MiB", "2.0 GiB".
std::string scaled_bytes(double bytes)
{
    constexpr std::array<std::string_view, 3> units = {"KiB", "MiB", "GiB"};
    double v = bytes / 1024.0;
    std::size_t unit = 0;
    // Moves up a unit when the value would print as 1024.0 or more.
    while (unit + 1 < units.size() && v >= 1023.95)
    {
        v /= 1024.0;
        ++unit;
    }
    std::string s = fixed_point(v, 1);
    s += ' ';
    s += units[unit];
    return s;
}

}  // namespace

std::string fixed_point(double v, int decimals)
{
    std::string s;
    append_fixed_point(s, v, decimals);
    return s;
}

void append_fixed_point(std::string& out, double v, int decimals)
{
    // The usual case (a time in ms, a size, a rate, with 0 to 3 decimals) without the general
    // conversion, which costs a few hundred instructions per record: v * 10^decimals is exact in
    // long double (a 53-bit significand times at most 125 * 2^3 fits its 64 bits), and rintl
    // rounds that exact value in the default mode, to nearest, ties to even, as to_chars does
    // (nearbyintl rounds the same, but saves and restores the floating-point environment around
    // it, which took 0.6% of a run of small files under perf).
    constexpr std::array<std::uint64_t, 4> scale = {1, 10, 100, 1000};
    if (decimals >= 0 && decimals <= 3 && v >= 0 && v < 1e15)
    {
        const auto d = static_cast<std::size_t>(decimals);
        const auto n = static_cast<std::uint64_t>(
            std::rintl(static_cast<long double>(v) * static_cast<long double>(scale.at(d))));
        // The whole part (at most 15 digits), then '.' and the decimals, written at once.
        std::array<char, 24> text;
        char* end = std::to_chars(text.data(), text.data() + 16, n / scale.at(d)).ptr;
        if (d > 0)
        {
            *end = '.';
            auto rest = n % scale.at(d);
            for (std::size_t i = d; i > 0; --i, rest /= 10)
                end[i] = static_cast<char>('0' + rest % 10);
            end += d + 1;
        }
        out.append(text.data(), end);
        return;
    }
    std::array<char, 400> buf;  // room for the largest double in fixed notation
    auto [end, ec] = std::to_chars(buf.data(),
                                   buf.data() + buf.size(),
                                   finite_or_zero(v),
                                   std::chars_format::fixed,
                                   decimals);
    if (ec != std::errc{})
    {
        out += '0';
        return;
    }
    std::string_view s(buf.data(), static_cast<std::size_t>(end - buf.data()));
    if (s.front() == '-' && s.find_first_not_of("-0.") == std::string_view::npos)
        s.remove_prefix(1);
    out += s;
}

std::string human_bytes(std::uint64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    return scaled_bytes(static_cast<double>(bytes));
}

std::string human_rate(double bytes_per_second)
{
    const double v = std::max(finite_or_zero(bytes_per_second), 0.0);
    if (v < 1023.5)
        return fixed_point(v, 0) + " B/s";
    return scaled_bytes(v) + "/s";
}

std::string human_latency(double ms)
{
    ms = std::max(finite_or_zero(ms), 0.0);
    if (ms == 0)
        return "0.0 ms";
    if (ms * 1000.0 < 999.5)
        return fixed_point(ms * 1000.0, 0) + " µs";
    if (ms < 9999.95)
        return fixed_point(ms, 1) + " ms";
    return fixed_point(ms / 1000.0, 1) + " s";
}

std::string seconds_text(double ms) { return fixed_point(finite_or_zero(ms) / 1000.0, 3) + " s"; }

std::string human_elapsed(double seconds)
{
    seconds = std::max(finite_or_zero(seconds), 0.0);
    if (seconds < 60)
        return fixed_point(seconds, 1) + " s";
    const auto total = static_cast<long long>(seconds);
    return std::to_string(total / 60) + " min " + std::to_string(total % 60) + " s";
}

}  // namespace asyncfetch
