// What the report's files share: one-line text, column padding and layout, runs, latency fields.
#pragma once

#include "asyncfetch/stats.hpp"
#include "json_text.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch::detail {

/// Control characters (tabs, CR, LF, escapes) become spaces so that a record stays on one line.
std::string one_line(std::string_view s);

/// Appends one_line(s) to out without a string of its own.
void append_one_line(std::string& out, std::string_view s);

/// Columns a UTF-8 text takes on a terminal: one per code point (all our symbols are narrow).
std::size_t display_width(std::string_view s) noexcept;

/// Appends s to out, right-aligned in `width` display columns.
void pad_left(std::string& out, std::string_view s, std::size_t width);

/// Appends s to out, left-aligned in `width` display columns.
void pad_right(std::string& out, std::string_view s, std::size_t width);

/// Ends a text line: no trailing spaces, then '\n'.
std::string& end_line(std::string& line);

/// "1 URL", "3 URLs".
std::string count_of(std::size_t n, std::string_view singular, std::string_view plural);

/// Aligned columns: each cell padded to its column's widest cell plus `gap`; the last column is not
/// padded, and lines carry no trailing spaces.
std::string columns(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<bool>& right_aligned,
                    std::size_t gap,
                    std::size_t min_width = 0);

/// The wall times of a pass: every run's, or the single run's elapsed time without --runs.
std::vector<double> runs_of(const std::vector<double>& runs_ms, const run_summary& last);

/// min, p50, p90, p99, max and mean in milliseconds, as JSON fields.
json_fields latency_fields(const latency_stats& l);

}  // namespace asyncfetch::detail
