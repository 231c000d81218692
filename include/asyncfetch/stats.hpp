// Summary arithmetic over a run's results: counts, bytes, elapsed time, rates, speedup.
#pragma once

#include "asyncfetch/result.hpp"

#include <cstddef>
#include <cstdint>

namespace asyncfetch {

/// Totals of one pass over the URLs.
struct run_summary
{
    std::size_t count = 0;               ///< results seen
    std::size_t ok = 0;                  ///< results with ok()
    std::size_t failed = 0;              ///< results without ok()
    std::uint64_t bytes = 0;             ///< body bytes over all results
    double elapsed_ms = 0;               ///< wall time of the pass
    std::size_t connections_opened = 0;  ///< new connections the pass made
    std::size_t connections_reused = 0;  ///< requests that went over a pooled connection

    /// Adds one result to the counts.
    void add(const fetch_result& r) noexcept;

    /// Requests per second over the elapsed time; 0 when no time elapsed.
    double requests_per_second() const noexcept;
};

/// The two passes of --compare.
struct compare_summary
{
    run_summary sequential;
    run_summary concurrent;

    /// sequential wall time divided by concurrent wall time; 0 when the concurrent time is 0.
    double speedup() const noexcept;
};

}  // namespace asyncfetch
