// Summary arithmetic over a run's results: counts, bytes, latency percentiles, rates, speedup.
#pragma once

#include "asyncfetch/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// Latency figures of a set of samples (milliseconds).
struct latency_stats
{
    std::size_t count = 0;
    double min = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
    double mean = 0;
};

/// The p-th percentile (0..100) of sorted samples, interpolating linearly between the two closest
/// ranks (NumPy's default); 0 for no samples.
double percentile(const std::vector<double>& sorted, double p) noexcept;

/// min, p50, p90, p99, max and mean of unsorted samples.
latency_stats summarize_latencies(std::vector<double> samples);

/// A run's latencies (milliseconds) in bounded memory: every sample while there are at most
/// exact_limit, then a log-linear histogram of 256 buckets per power of two (a value is known within
/// 0.2%), however many URLs run. min, max and mean stay exact. Non-finite samples are left out.
class latency_samples
{
public:
    /// Samples kept as they are; beyond this the histogram takes over (88 KB, allocated once).
    static constexpr std::size_t exact_limit = 10'000;

    latency_samples() = default;
    latency_samples(std::initializer_list<double> samples);

    void add(double ms);

    /// Finite samples added.
    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

    /// The smallest and largest sample (exact); 0 when there are none.
    double min() const noexcept { return min_; }
    double max() const noexcept { return max_; }

    /// Every sample is still kept: stats() is exact.
    bool exact() const noexcept { return buckets_.empty(); }

    /// The samples in the order added, while exact(); empty afterwards.
    const std::vector<double>& samples() const noexcept { return exact_; }

    /// min, p50, p90, p99, max and mean; percentiles as summarize_latencies() computes them while
    /// exact(), from the histogram's bucket midpoints (clamped to min and max) afterwards.
    latency_stats stats() const;

    /// Calls f(value, n) for every distinct sample, or every non-empty bucket's midpoint, ascending.
    void for_each(const std::function<void(double value, std::size_t n)>& f) const;

private:
    double value_at_rank(std::size_t rank) const;

    std::vector<double> exact_;
    std::vector<std::uint64_t> buckets_;
    std::size_t count_ = 0;
    double min_ = 0;
    double max_ = 0;
    double sum_ = 0;
};

/// Mean, standard deviation (sample, n-1), min and max of repeated measurements, as hyperfine shows.
struct timing_stats
{
    std::size_t runs = 0;
    double mean = 0;
    double stddev = 0;  ///< 0 for a single run
    double min = 0;
    double max = 0;
};

/// timing_stats of the samples (e.g. wall times of --runs passes).
timing_stats summarize_runs(const std::vector<double>& samples);

/// "scheme://host:port" of a URL text, or "" when it has no "://". Cheap: no full parse.
std::string origin_of(std::string_view url_text);

/// Per-origin figures for --stats.
struct host_summary
{
    std::size_t count = 0;
    std::size_t ok = 0;
    std::size_t failed = 0;
    std::uint64_t bytes = 0;
    latency_samples latencies_ms;
};

/// Totals of one pass over the URLs.
struct run_summary
{
    std::size_t count = 0;                            ///< results seen
    std::size_t ok = 0;                               ///< results with ok()
    std::size_t failed = 0;                           ///< results with failed()
    std::size_t skipped = 0;                          ///< results skipped (--no-clobber), not fetched
    std::uint64_t bytes = 0;                          ///< body bytes over all results
    double elapsed_ms = 0;                            ///< wall time of the pass
    std::size_t connections_opened = 0;               ///< new connections the pass made
    std::size_t connections_reused = 0;               ///< requests that went over a pooled connection
    std::size_t tls_handshakes = 0;                   ///< TLS handshakes the pass made
    std::size_t dns_lookups = 0;                      ///< DNS queries the pass sent (cache hits not counted)
    double total_request_ms = 0;                      ///< sum of every result's time_ms
    latency_samples latencies_ms;                     ///< time_ms of every result
    std::map<unsigned, std::size_t> status_counts;    ///< final HTTP status -> results (no 0 entry)
    std::map<std::string, std::size_t> error_counts;  ///< error_kind token -> failed results
    std::map<std::string, host_summary, std::less<>> hosts;  ///< origin_of(url) -> figures
    std::chrono::system_clock::time_point started_at{};      ///< wall-clock start of the pass
    std::uint64_t run_id = 0;                                ///< the run's id (run_config::run_id)

    /// Adds one result to the counts.
    void add(const fetch_result& r);

    /// Requests per second over the elapsed time; 0 when no time elapsed.
    double requests_per_second() const noexcept;

    /// Body bytes per second over the elapsed time; 0 when no time elapsed.
    double bytes_per_second() const noexcept;

    /// Sum of per-request times divided by wall time: how many requests were in flight on average.
    double effective_parallelism() const noexcept;

    /// Latency figures over latencies_ms.
    latency_stats latency() const;
};

/// The two passes of --compare (with --runs, every run of each).
struct compare_summary
{
    run_summary sequential;                  ///< the last sequential run
    run_summary concurrent;                  ///< the last concurrent run
    std::vector<double> sequential_runs_ms;  ///< wall time of each sequential run (at least one)
    std::vector<double> concurrent_runs_ms;  ///< wall time of each concurrent run (at least one)

    /// Mean sequential wall time divided by mean concurrent wall time (a single run's times when
    /// the run vectors are empty); 0 when the concurrent time is 0.
    double speedup() const noexcept;
};

}  // namespace asyncfetch
