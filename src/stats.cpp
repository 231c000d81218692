// Summary arithmetic over a run's results: counts, bytes, elapsed time, rates, speedup.
#include "asyncfetch/stats.hpp"

#include <cmath>

namespace asyncfetch {

void run_summary::add(const fetch_result& r) noexcept
{
    ++count;
    if (r.ok())
        ++ok;
    else
        ++failed;
    bytes += r.bytes;
}

double run_summary::requests_per_second() const noexcept
{
    // Also rejects NaN: a rate over no measurable time is reported as 0, never as inf.
    if (!(elapsed_ms > 0) || !std::isfinite(elapsed_ms))
        return 0;
    return static_cast<double>(count) / (elapsed_ms / 1000.0);
}

double compare_summary::speedup() const noexcept
{
    if (!(concurrent.elapsed_ms > 0) || !std::isfinite(concurrent.elapsed_ms) ||
        !std::isfinite(sequential.elapsed_ms))
        return 0;
    return sequential.elapsed_ms / concurrent.elapsed_ms;
}

}  // namespace asyncfetch
