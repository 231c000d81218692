// Runs many fetches over one client: at most -j at once, or one at a time, results streamed to a sink.
#pragma once

#include "asyncfetch/fetch.hpp"
#include "asyncfetch/progress.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"
#include "asyncfetch/url_source.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace asyncfetch {

/// How one pass runs.
struct run_config
{
    std::size_t concurrency = 50;  ///< most fetches in flight; 1 is the sequential baseline
    bool keep_order = false;       ///< deliver results in input order
    client_config client;          ///< settings for the pass's client
    std::size_t max_failures = 0;  ///< --fail-fast (1) / --max-failures N: stop after N failures; 0 never
    double rate = 0;               ///< --rate: most request starts per second over all hosts; 0 no limit
    double rate_per_host = 0;      ///< --rate-per-host: most request starts per second to one origin
    /// SIGINT or SIGTERM stops the pass: the fetches in flight end as interrupted, each with its
    /// record; a second signal exits at once (128 + the signal's number).
    bool stop_on_interrupt = false;
    /// Called every progress_interval after progress_delay while the pass runs, and once at its end
    /// when it was called before.
    std::function<void(const progress_snapshot&)> on_progress;
    std::chrono::milliseconds progress_delay{500};
    std::chrono::milliseconds progress_interval{100};
    /// Called every flush_interval while the pass runs, for a sink that batches its output; false
    /// means the reader went away (as a false from the sink).
    std::function<bool()> on_flush;
    std::chrono::milliseconds flush_interval{20};
    /// Written into every result and the summary, so records of different runs can be told apart.
    std::uint64_t run_id = 0;
};

/// Receives each result when it is ready; returns false to stop the pass (the reader went away).
using result_sink = std::function<bool(const fetch_result&)>;

/// What a pass ended with.
struct pass_outcome
{
    run_summary summary;       ///< totals, connection counts and wall time
    bool stopped = false;      ///< the sink asked to stop; in-flight fetches were cancelled
    bool interrupted = false;  ///< SIGINT or SIGTERM stopped the pass; every started URL has its result
    int signal = 0;            ///< the signal that interrupted it (SIGINT or SIGTERM), 0 if none
    bool gave_up = false;      ///< max_failures was reached; in-flight fetches were cancelled
};

/// A random run id (never 0) for run_config::run_id.
std::uint64_t new_run_id();

/// The --rate-per-host bucket of a URL: url::origin() of the parsed URL, the connection pool's key,
/// so spellings of one origin ("http://h/", "http://h:80/", "http://127.1/" for 127.0.0.1) share a
/// bucket; origin_of(text) for a URL that does not parse.
std::string rate_bucket_of(std::string_view url_text);

/// Runs one pass over src with a fresh client (fresh DNS cache and pool) on ioc, which must not be
/// running. Every URL gets exactly one result, delivered to sink, unless the pass is stopped (the
/// sink returned false, SIGINT, or max_failures).
pass_outcome run_pass(boost::asio::io_context& ioc,
                      tls_source tls,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink);

/// The same over an existing client (--warm keeps one across passes). config.client is not used;
/// the connection counts in the summary are this pass's share of the client's.
pass_outcome run_pass(boost::asio::io_context& ioc,
                      client& shared,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink);

}  // namespace asyncfetch
