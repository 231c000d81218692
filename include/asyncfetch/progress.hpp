// The live progress line on stderr: what it says and how it redraws in place.
#pragma once

#include "asyncfetch/runner.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace asyncfetch {

/// One progress line without control characters, at most `width` columns, e.g.
/// "[=====>    ] 120/300 done · 50 in flight · 2 failed · 812.3 req/s · 1.2 MiB · 0.1 s · ETA 0.2 s".
/// Without a known total: "120 done · 50 in flight · ...".
std::string format_progress(const progress_snapshot& p, std::size_t width = 100);

/// The bytes that redraw the line in place on a terminal: carriage return, clear line, the line.
/// For the final snapshot, only the clearing, so the terminal is left clean.
std::string progress_redraw(const progress_snapshot& p, std::size_t width = 100);

/// Terminal width of fd, or nothing when it is not a terminal.
std::optional<std::size_t> terminal_width(int fd);

}  // namespace asyncfetch
