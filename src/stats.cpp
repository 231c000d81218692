// Summary arithmetic over a run's results: counts, bytes, latency percentiles, rates, speedup.
#include "asyncfetch/stats.hpp"

#include "asyncfetch/error.hpp"
#include "text.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

namespace {

// num / den for rates and ratios; 0 unless both are finite, den > 0 and num >= 0 (also rejects NaN),
// so a figure over no measurable time is reported as 0, never as inf.
double ratio(double num, double den) noexcept
{
    if (!(den > 0) || !std::isfinite(den) || !(num >= 0) || !std::isfinite(num))
        return 0;
    return num / den;
}

// The samples without NaN and infinities, which cannot be sorted or averaged meaningfully.
std::vector<double> finite_only(std::vector<double> samples)
{
    std::erase_if(samples, [](double v) { return !std::isfinite(v); });
    return samples;
}

// The mean of the finite samples, as summarize_runs counts them; 0 when there are none.
double mean_of(const std::vector<double>& samples) noexcept
{
    double sum = 0;
    std::size_t n = 0;
    for (double v : samples)
    {
        if (std::isfinite(v))
        {
            sum += v;
            ++n;
        }
    }
    return n == 0 ? 0 : sum / static_cast<double>(n);
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view s) noexcept
{
    if (s.empty())
        return false;
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!alpha(s.front()))
        return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    });
}

}  // namespace

double percentile(const std::vector<double>& sorted, double p) noexcept
{
    if (sorted.empty())
        return 0;
    if (!(p > 0))  // also NaN
        p = 0;
    if (p > 100)
        p = 100;
    const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(rank));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    return std::lerp(sorted[below], sorted[above], rank - static_cast<double>(below));
}

latency_stats summarize_latencies(std::vector<double> samples)
{
    samples = finite_only(std::move(samples));
    latency_stats s;
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    s.count = samples.size();
    s.min = samples.front();
    s.p50 = percentile(samples, 50);
    s.p90 = percentile(samples, 90);
    s.p99 = percentile(samples, 99);
    s.max = samples.back();
    s.mean = mean_of(samples);
    return s;
}

timing_stats summarize_runs(const std::vector<double>& samples)
{
    const std::vector<double> finite = finite_only(samples);
    timing_stats s;
    if (finite.empty())
        return s;
    s.runs = finite.size();
    s.mean = mean_of(finite);
    const auto [min, max] = std::minmax_element(finite.begin(), finite.end());
    s.min = *min;
    s.max = *max;
    if (finite.size() > 1)
    {
        double squares = 0;
        for (double v : finite)
            squares += (v - s.mean) * (v - s.mean);
        s.stddev = std::sqrt(squares / static_cast<double>(finite.size() - 1));
    }
    return s;
}

std::string origin_of(std::string_view url_text)
{
    const auto separator = url_text.find("://");
    // Without a valid scheme in front, a "://" further on belongs to a path or query.
    if (separator == std::string_view::npos || !is_scheme(url_text.substr(0, separator)))
        return {};
    std::string_view authority = url_text.substr(separator + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority.remove_prefix(at + 1);

    std::string origin;
    origin.reserve(separator + 3 + authority.size());
    for (char c : url_text.substr(0, separator))
        origin += detail::ascii_lower(c);
    origin += "://";
    for (char c : authority)
        origin += detail::ascii_lower(c);
    return origin;
}

void run_summary::add(const fetch_result& r)
{
    ++count;
    if (r.ok())
        ++ok;
    else
        ++failed;
    bytes += r.bytes;
    if (std::isfinite(r.time_ms))
        total_request_ms += r.time_ms;
    latencies_ms.push_back(r.time_ms);
    if (r.status != 0)
        ++status_counts[r.status];
    if (!r.ok())
        ++error_counts[std::string(to_string(r.kind))];

    host_summary& host = hosts[origin_of(r.url)];
    ++host.count;
    if (r.ok())
        ++host.ok;
    else
        ++host.failed;
    host.bytes += r.bytes;
    host.latencies_ms.push_back(r.time_ms);
}

double run_summary::requests_per_second() const noexcept
{
    return ratio(static_cast<double>(count), elapsed_ms / 1000.0);
}

double run_summary::bytes_per_second() const noexcept
{
    return ratio(static_cast<double>(bytes), elapsed_ms / 1000.0);
}

double run_summary::effective_parallelism() const noexcept { return ratio(total_request_ms, elapsed_ms); }

latency_stats run_summary::latency() const { return summarize_latencies(latencies_ms); }

double compare_summary::speedup() const noexcept
{
    if (!sequential_runs_ms.empty() && !concurrent_runs_ms.empty())
    {
        // The same means as summarize_runs, without its allocation, so this stays noexcept.
        return ratio(mean_of(sequential_runs_ms), mean_of(concurrent_runs_ms));
    }
    return ratio(sequential.elapsed_ms, concurrent.elapsed_ms);
}

}  // namespace asyncfetch
