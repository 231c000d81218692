// NDJSON records read back (asyncfetch report): the result and summary lines of one run or many, merged.
#pragma once

#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// What a run's summary line says about it (without one, only its records are known).
struct run_facts
{
    bool summarized = false;  ///< a summary line of the run was read
    std::chrono::system_clock::time_point started_at{};
    double elapsed_ms = 0;
    std::size_t connections_opened = 0;
    std::size_t connections_reused = 0;
    std::size_t tls_handshakes = 0;
    std::size_t dns_lookups = 0;
};

/// Records of any number of runs, in the order read; runs told apart by their "run" id.
struct record_set
{
    std::vector<fetch_result> results;
    std::map<std::uint64_t, run_facts> runs;
};

/// Reads one NDJSON line (a "result" or "summary" object, as --json writes them) into set. Blank
/// lines are skipped. The message on a line that is not such a record.
std::optional<std::string> read_record_line(std::string_view line, record_set& set);

/// "2026-01-02T03:04:05.678Z" (format_utc_time's form); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text);

/// The summary one run over all the records would have: counts, bytes, statuses, errors and exact
/// latency percentiles from the records; connection counts summed from the summary lines (reused
/// requests counted from the records when a run has none); the wall time from the earliest start
/// to the latest end over the runs, a run spanning [started_at, started_at + elapsed_ms] when its
/// summary line was read, else its records' first start to last end (start_ms, time_ms); started_at
/// the earliest start; run_id the run's id when there is one run, else 0.
run_summary merge_records(const record_set& set);

/// The records on one time axis, the earliest run's start at 0: start_ms moved by each run's start
/// (runs without a summary line are taken to start with the earliest).
std::vector<fetch_result> records_on_one_axis(const record_set& set);

}  // namespace asyncfetch
