// Renders results and summaries as text: TSV, an aligned table, NDJSON, and the stderr summary.
#pragma once

#include "asyncfetch/output_format.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace asyncfetch {

/// One TSV line with its '\n': status (000 when none), bytes, time in ms, URL, error ("-" when none).
std::string format_tsv(const fetch_result& r);

/// format_tsv(r) appended to line.
void append_tsv(std::string& line, const fetch_result& r);

/// The table's header line with its '\n'.
std::string format_table_header();

/// One aligned table row with its '\n'.
std::string format_table_row(const fetch_result& r);

/// One NDJSON object {"type":"result",...} with its '\n'.
std::string format_json(const fetch_result& r);

/// A record in the given format (the table's header is separate).
std::string format_record(output_format f, const fetch_result& r);

/// format_record(f, r) appended to out (a TSV record without a string of its own).
void append_record(std::string& out, output_format f, const fetch_result& r);

/// The {"type":"summary",...} NDJSON line; compare adds sequential_ms, concurrent_ms and speedup.
std::string format_summary_json(const run_summary& s, const compare_summary* compare = nullptr);

/// A run id as in the records and the summary: 16 lower-case hex digits.
std::string format_run_id(std::uint64_t id);

/// RFC 3339 UTC time with milliseconds: "2026-12-02T17:20:01.123Z".
std::string format_utc_time(std::chrono::system_clock::time_point t);

/// The human summary for stderr: URLs, ok and failed, bytes, elapsed time, requests per second.
std::string format_summary_text(const run_summary& s);

/// The human comparison report for stderr: both passes side by side (wall time, with --runs as
/// "mean ± σ" and "min … max" like hyperfine; effective parallelism; connections and TLS handshakes),
/// then the speedup.
std::string format_compare_text(const compare_summary& c);

/// --stats for stderr: a per-host table (requests, ok, failed, bytes, p50, p99) and a latency
/// histogram drawn with block characters, `width` columns wide at most.
std::string format_stats_text(const run_summary& s, std::size_t width = 60);

/// --export-json: one pretty JSON document with both passes' figures and the speedup.
std::string format_compare_export_json(const compare_summary& c);

/// --export-markdown: a Markdown table of both passes and the speedup.
std::string format_compare_export_markdown(const compare_summary& c);

}  // namespace asyncfetch
