// Summary arithmetic over a run's results: counts, bytes, latency percentiles, rates, speedup.
#pragma once

#include "asyncfetch/result.hpp"

#include <cstddef>
#include <cstdint>
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
    std::vector<double> latencies_ms;
};

/// Totals of one pass over the URLs.
struct run_summary
{
    std::size_t count = 0;                            ///< results seen
    std::size_t ok = 0;                               ///< results with ok()
    std::size_t failed = 0;                           ///< results without ok()
    std::uint64_t bytes = 0;                          ///< body bytes over all results
    double elapsed_ms = 0;                            ///< wall time of the pass
    std::size_t connections_opened = 0;               ///< new connections the pass made
    std::size_t connections_reused = 0;               ///< requests that went over a pooled connection
    std::size_t tls_handshakes = 0;                   ///< TLS handshakes the pass made
    double total_request_ms = 0;                      ///< sum of every result's time_ms
    std::vector<double> latencies_ms;                 ///< time_ms of every result, in completion order
    std::map<unsigned, std::size_t> status_counts;    ///< final HTTP status -> results (no 0 entry)
    std::map<std::string, std::size_t> error_counts;  ///< error_kind token -> failed results
    std::map<std::string, host_summary> hosts;        ///< origin_of(url) -> figures

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
