// The live progress line on stderr: the snapshot a pass reports, what the line says and how it redraws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace asyncfetch {

/// What a progress display needs, sampled while a pass runs.
struct progress_snapshot
{
    std::size_t done = 0;              ///< results delivered
    std::optional<std::size_t> total;  ///< done + in flight + not started, when the input size is known
    std::size_t in_flight = 0;         ///< fetches started and not finished
    std::size_t failed = 0;            ///< results without ok()
    std::uint64_t bytes = 0;           ///< body bytes so far
    double elapsed_s = 0;              ///< since the pass started
    bool final = false;                ///< the last call: the pass is over
};

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
