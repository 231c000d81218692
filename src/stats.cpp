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

namespace {

constexpr int sub_bucket_bits = 8;
constexpr std::size_t sub_buckets = std::size_t{1} << sub_bucket_bits;
// Bucket 0 holds everything below 1 µs; then 256 buckets per power of two of microseconds up to
// 2^43 µs (about 100 days), where the last bucket also holds anything longer.
constexpr int max_exponent = 43;
constexpr std::size_t bucket_count = 1 + max_exponent * sub_buckets;

std::size_t bucket_of(double ms) noexcept
{
    const double us = ms * 1000.0;
    if (!(us >= 1.0))
        return 0;
    int e = 0;
    const double m = std::frexp(us, &e);  // us = m * 2^e, m in [0.5, 1), e >= 1
    if (e > max_exponent)
        return bucket_count - 1;
    const auto sub = static_cast<std::size_t>((m * 2.0 - 1.0) * static_cast<double>(sub_buckets));
    return 1 + static_cast<std::size_t>(e - 1) * sub_buckets + std::min(sub, sub_buckets - 1);
}

double bucket_midpoint_ms(std::size_t bucket) noexcept
{
    if (bucket == 0)
        return 0.0005;
    const std::size_t e = (bucket - 1) / sub_buckets;
    const std::size_t sub = (bucket - 1) % sub_buckets;
    const double scale = std::ldexp(1.0, static_cast<int>(e)) / 1000.0;
    return scale * (1.0 + (static_cast<double>(sub) + 0.5) / static_cast<double>(sub_buckets));
}

}  // namespace

latency_samples::latency_samples(std::initializer_list<double> samples)
{
    for (double v : samples)
        add(v);
}

void latency_samples::add(double ms)
{
    if (!std::isfinite(ms))
        return;
    min_ = count_ == 0 ? ms : std::min(min_, ms);
    max_ = count_ == 0 ? ms : std::max(max_, ms);
    sum_ += ms;
    ++count_;
    if (buckets_.empty() && exact_.size() < exact_limit)
    {
        exact_.push_back(ms);
        return;
    }
    if (buckets_.empty())
    {
        buckets_.assign(bucket_count, 0);
        for (double v : exact_)
            ++buckets_[bucket_of(v)];
        std::vector<double>().swap(exact_);
    }
    ++buckets_[bucket_of(ms)];
}

double latency_samples::value_at_rank(std::size_t rank) const
{
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < buckets_.size(); ++b)
    {
        seen += buckets_[b];
        if (seen > rank)
            return std::clamp(bucket_midpoint_ms(b), min_, max_);
    }
    return max_;
}

latency_stats latency_samples::stats() const
{
    if (exact())
        return summarize_latencies(exact_);
    latency_stats s;
    s.count = count_;
    s.min = min_;
    s.max = max_;
    s.mean = sum_ / static_cast<double>(count_);
    // The same ranks and interpolation as percentile(), over bucket midpoints.
    const auto at = [&](double p) {
        const double rank = p / 100.0 * static_cast<double>(count_ - 1);
        const auto below = static_cast<std::size_t>(std::floor(rank));
        const std::size_t above = std::min(below + 1, count_ - 1);
        return std::lerp(value_at_rank(below), value_at_rank(above), rank - static_cast<double>(below));
    };
    s.p50 = at(50);
    s.p90 = at(90);
    s.p99 = at(99);
    return s;
}

void latency_samples::for_each(const std::function<void(double value, std::size_t n)>& f) const
{
    if (exact())
    {
        std::vector<double> sorted = exact_;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < sorted.size();)
        {
            std::size_t j = i;
            while (j < sorted.size() && sorted[j] == sorted[i])
                ++j;
            f(sorted[i], j - i);
            i = j;
        }
        return;
    }
    for (std::size_t b = 0; b < buckets_.size(); ++b)
        if (buckets_[b] != 0)
            f(std::clamp(bucket_midpoint_ms(b), min_, max_), static_cast<std::size_t>(buckets_[b]));
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

namespace {

/// The scheme and authority of url_text (without user-info) as they are written: text's prefix
/// when it holds no user-info, else its two parts. Empty when url_text has no valid scheme.
struct origin_parts
{
    std::string_view scheme;
    std::string_view authority;
    bool contiguous = false;  ///< scheme + "://" + authority is a prefix of url_text
};

origin_parts split_origin(std::string_view url_text) noexcept
{
    const auto separator = url_text.find("://");
    // Without a valid scheme in front, a "://" further on belongs to a path or query.
    if (separator == std::string_view::npos || !is_scheme(url_text.substr(0, separator)))
        return {};
    std::string_view authority = url_text.substr(separator + 3);
    authority = authority.substr(0, detail::find_any(authority, "/?#"));
    bool contiguous = true;
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    {
        authority.remove_prefix(at + 1);
        contiguous = false;
    }
    return {url_text.substr(0, separator), authority, contiguous};
}

bool has_upper(std::string_view s) noexcept
{
    return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

std::string origin_of(std::string_view url_text)
{
    const auto parts = split_origin(url_text);
    if (parts.scheme.empty())
        return {};
    std::string origin;
    origin.reserve(parts.scheme.size() + 3 + parts.authority.size());
    origin += parts.scheme;
    origin += "://";
    origin += parts.authority;
    for (char& c : origin)
        c = detail::ascii_lower(c);
    return origin;
}

namespace {

host_summary& host_of(std::map<std::string, host_summary, std::less<>>& hosts, std::string_view url_text)
{
    // Every record passes here: an origin written in lower case without user-info is the URL's
    // own prefix, looked up without building a string.
    if (const auto parts = split_origin(url_text); parts.contiguous)
    {
        const auto origin = url_text.substr(0, parts.scheme.size() + 3 + parts.authority.size());
        if (!has_upper(origin))
        {
            if (auto it = hosts.find(origin); it != hosts.end())
                return it->second;
            return hosts.emplace(std::string(origin), host_summary{}).first->second;
        }
    }
    return hosts[origin_of(url_text)];
}

}  // namespace

void run_summary::add(const fetch_result& r)
{
    ++count;
    if (r.kind == error_kind::skipped)
    {
        // Not fetched: no time, bytes or status to count.
        ++skipped;
        return;
    }
    if (r.ok())
        ++ok;
    else
        ++failed;
    bytes += r.bytes;
    if (std::isfinite(r.time_ms))
        total_request_ms += r.time_ms;
    latencies_ms.add(r.time_ms);
    if (r.status != 0)
        ++status_counts[r.status];
    if (!r.ok())
        ++error_counts[std::string(to_string(r.kind))];

    host_summary& host = host_of(hosts, r.url);
    ++host.count;
    if (r.ok())
        ++host.ok;
    else
        ++host.failed;
    host.bytes += r.bytes;
    host.latencies_ms.add(r.time_ms);
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

latency_stats run_summary::latency() const { return latencies_ms.stats(); }

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
