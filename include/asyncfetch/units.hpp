// Numbers for people: fixed-point decimals, byte counts and rates in binary units, durations.
#pragma once

#include <cstdint>
#include <string>

namespace asyncfetch {

/// v with exactly `decimals` digits after the point; never "nan", "inf" or "-0.0" (those print as 0).
std::string fixed_point(double v, int decimals);
/// fixed_point() appended to out.
void append_fixed_point(std::string& out, double v, int decimals);

/// "512 B" below 1024 bytes, then "1.0 KiB", "1.5 MiB", "2.0 GiB": one decimal, the next unit as soon
/// as the value would print as 1024.0, GiB the largest ("5120.0 GiB").
std::string human_bytes(std::uint64_t bytes);

/// "512 B/s" below what prints as 1.0 KiB/s, then the units of human_bytes ("12.3 MiB/s"); negative
/// and non-finite rates are 0.
std::string human_rate(double bytes_per_second);

/// A latency: "850 µs" below a millisecond, "12.3 ms" below ten seconds, then "12.3 s"; "0.0 ms" for
/// zero, negative or non-finite.
std::string human_latency(double ms);

/// A wall time in seconds with three decimals: "1.004 s".
std::string seconds_text(double ms);

/// An elapsed time or ETA: "2.0 s" below a minute, then "2 min 5 s"; negative or non-finite is 0.
std::string human_elapsed(double seconds);

}  // namespace asyncfetch
