// Numbers for people: the edges of the byte units, rates, durations and fixed-point decimals.
#include "asyncfetch/units.hpp"

#include <gtest/gtest.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = kib * 1024;
constexpr std::uint64_t gib = mib * 1024;

TEST(human_bytes, bytes_below_1024)
{
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1), "1 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
}

TEST(human_bytes, kib_from_1024)
{
    EXPECT_EQ(human_bytes(1024), "1.0 KiB");
    EXPECT_EQ(human_bytes(1025), "1.0 KiB");
    EXPECT_EQ(human_bytes(1536), "1.5 KiB");
}

// The next unit as soon as the value would print as 1024.0: 1023.95 KiB is 1048524.8 bytes.
TEST(human_bytes, next_unit_where_one_decimal_would_show_1024)
{
    EXPECT_EQ(human_bytes(1048524), "1023.9 KiB");
    EXPECT_EQ(human_bytes(1048525), "1.0 MiB");
    EXPECT_EQ(human_bytes(mib - 1), "1.0 MiB");
    EXPECT_EQ(human_bytes(mib), "1.0 MiB");
    EXPECT_EQ(human_bytes(gib - 1), "1.0 GiB");
    EXPECT_EQ(human_bytes(1023 * mib), "1023.0 MiB");
}

TEST(human_bytes, gib_is_the_largest_unit)
{
    EXPECT_EQ(human_bytes(3 * gib), "3.0 GiB");
    EXPECT_EQ(human_bytes(1024 * gib - 1), "1024.0 GiB");
    EXPECT_EQ(human_bytes(1024 * gib), "1024.0 GiB");
    EXPECT_EQ(human_bytes(5 * 1024 * gib), "5120.0 GiB");
    EXPECT_EQ(human_bytes(std::numeric_limits<std::uint64_t>::max()), "17179869184.0 GiB");
}

TEST(human_rate, bytes_per_second_until_it_prints_as_one_kib)
{
    EXPECT_EQ(human_rate(0), "0 B/s");
    EXPECT_EQ(human_rate(1023.4), "1023 B/s");
    EXPECT_EQ(human_rate(1023.5), "1.0 KiB/s");
    EXPECT_EQ(human_rate(1024), "1.0 KiB/s");
    EXPECT_EQ(human_rate(12.5 * mib), "12.5 MiB/s");
    EXPECT_EQ(human_rate(2048.0 * gib), "2048.0 GiB/s");
}

TEST(human_rate, negative_and_non_finite_are_zero)
{
    EXPECT_EQ(human_rate(-5), "0 B/s");
    EXPECT_EQ(human_rate(std::nan("")), "0 B/s");
    EXPECT_EQ(human_rate(std::numeric_limits<double>::infinity()), "0 B/s");
}

TEST(human_latency, microseconds_milliseconds_seconds)
{
    EXPECT_EQ(human_latency(0), "0.0 ms");
    EXPECT_EQ(human_latency(-1), "0.0 ms");
    EXPECT_EQ(human_latency(0.85), "850 µs");
    EXPECT_EQ(human_latency(0.9994), "999 µs");
    EXPECT_EQ(human_latency(0.9996), "1.0 ms");
    EXPECT_EQ(human_latency(12.34), "12.3 ms");
    EXPECT_EQ(human_latency(9999.94), "9999.9 ms");
    EXPECT_EQ(human_latency(9999.95), "10.0 s");
    EXPECT_EQ(human_latency(12345), "12.3 s");
}

TEST(seconds_text, three_decimals)
{
    EXPECT_EQ(seconds_text(1004), "1.004 s");
    EXPECT_EQ(seconds_text(0), "0.000 s");
    EXPECT_EQ(seconds_text(std::nan("")), "0.000 s");
}

TEST(human_elapsed, seconds_then_minutes)
{
    EXPECT_EQ(human_elapsed(0), "0.0 s");
    EXPECT_EQ(human_elapsed(2), "2.0 s");
    EXPECT_EQ(human_elapsed(59.9), "59.9 s");
    EXPECT_EQ(human_elapsed(60), "1 min 0 s");
    EXPECT_EQ(human_elapsed(125.7), "2 min 5 s");
    EXPECT_EQ(human_elapsed(-3), "0.0 s");
    EXPECT_EQ(human_elapsed(std::nan("")), "0.0 s");
}

TEST(fixed_point, exact_decimals_and_no_negative_zero)
{
    EXPECT_EQ(fixed_point(2.0, 1), "2.0");
    EXPECT_EQ(fixed_point(2.99, 2), "2.99");
    EXPECT_EQ(fixed_point(1234.5678, 0), "1235");
    EXPECT_EQ(fixed_point(-1.5, 1), "-1.5");
    EXPECT_EQ(fixed_point(-0.04, 1), "0.0");
    EXPECT_EQ(fixed_point(std::nan(""), 3), "0.000");
    EXPECT_EQ(fixed_point(-std::numeric_limits<double>::infinity(), 1), "0.0");
}

// fixed_point's short way (0 to 3 decimals, 0 <= v < 1e15) must print what std::to_chars prints.
std::string to_chars_fixed(double v, int decimals)
{
    std::array<char, 400> buf{};
    auto [end,
          ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, decimals);
    EXPECT_EQ(ec, std::errc{});
    return std::string(buf.data(), end);
}

TEST(fixed_point, prints_what_to_chars_prints)
{
    std::vector<double> values = {0.0,
                                  -0.0,
                                  0.05,
                                  0.15,
                                  0.25,
                                  0.35,
                                  0.45,
                                  0.5,
                                  1.5,
                                  2.5,
                                  0.125,
                                  0.375,
                                  0.0005,
                                  0.0015,
                                  0.0025,
                                  9.95,
                                  9.995,
                                  99.9999,
                                  1023.95,
                                  999999.95,
                                  4503599627370495.5 / 8,
                                  1e15 - 0.5,
                                  1e15 - 1,
                                  123456789.123456789,
                                  std::nextafter(0.25, 0.0),
                                  std::nextafter(0.25, 1.0),
                                  std::numeric_limits<double>::denorm_min(),
                                  std::numeric_limits<double>::min()};
    // Every tie a time in ms can be (k / 2000 for 3 decimals), and their neighbours.
    for (int k = 0; k < 20000; ++k)
    {
        const double tie = k / 2000.0;
        values.insert(values.end(), {tie, std::nextafter(tie, 0.0), std::nextafter(tie, 1e300)});
    }
    // Values spread over every magnitude the short way takes, bit patterns from a fixed seed.
    std::mt19937_64 gen(20261203);
    for (int i = 0; i < 100000; ++i)
    {
        const double unit = std::ldexp(static_cast<double>(gen() >> 11), -53);  // [0, 1)
        values.push_back(unit * std::pow(10.0, static_cast<double>(i % 16)));
    }
    int checked = 0;
    for (double v : values)
        for (int decimals = 0; decimals <= 3; ++decimals)
        {
            if (v < 0 || v >= 1e15)
                continue;
            std::string want = to_chars_fixed(v, decimals);
            if (want.front() == '-')
                want.erase(0, 1);  // -0.0: fixed_point never prints a negative zero
            ASSERT_EQ(fixed_point(v, decimals), want) << "v=" << v << " decimals=" << decimals;
            ++checked;
        }
    EXPECT_GT(checked, 600000);
}

}  // namespace
}  // namespace asyncfetch
