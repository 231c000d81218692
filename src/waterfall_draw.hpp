// What the --waterfall views share: escaping, numbers, the time axis, colours, layout sizes.
#pragma once

#include "asyncfetch/waterfall.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch::detail {

/// Layout of the picture, in pixels.
struct waterfall_layout
{
    double width = 1200;
    double margin = 16;
    double label_width = 360;  ///< the URL column left of the plot
    double plot_x() const noexcept { return margin + label_width + 14; }
    double plot_width() const noexcept { return width - plot_x() - 24; }
};

/// A time axis: milliseconds from a pass's start to x positions in the plot.
struct time_axis
{
    double x0 = 0;       ///< x of 0 ms
    double width = 1;    ///< pixels from 0 to axis_ms
    double axis_ms = 1;  ///< the time at the right end (a whole number of steps)
    double step_ms = 1;  ///< between ticks

    double x(double ms) const noexcept { return x0 + ms * width / axis_ms; }
    double length(double ms) const noexcept { return ms * width / axis_ms; }
};

/// A round step (1, 2 or 5 times a power of ten) that splits range into about `target` parts.
double nice_step(double range, double target) noexcept;

/// A time axis from 0 to at least max_ms, ending on a round step, over [x0, x0 + width].
time_axis make_time_axis(double max_ms, double x0, double width, double target_ticks = 8) noexcept;

/// A tick label: "200 ms" (or "0.5 ms") below 2 s of axis, else seconds with as many decimals as the
/// step needs ("1.5 s"); 0 is "0".
std::string tick_label(double ms, double step_ms, double axis_ms);

/// A number for an SVG attribute: at most two decimals, no trailing zeros, never "nan" or "-0".
std::string num(double v);

/// "1,000".
std::string thousands(std::size_t n);

/// Text safe inside an XML element or a quoted attribute: ill-formed UTF-8 and code points XML 1.0
/// forbids become U+FFFD (controls become spaces, but line feeds stay with keep_newlines: a hover
/// text's lines), then & < > " ' become entities.
std::string xml_text(std::string_view s, bool keep_newlines = false);

/// At most max_chars code points of s, the last being "…" when cut.
std::string shorten(std::string_view s, std::size_t max_chars);

/// About how wide a text is at a font size, in pixels (sans-serif, proportional).
double text_width(std::string_view s, double font_size) noexcept;

/// The fill colour of a phase.
const char* phase_colour(waterfall_phase p) noexcept;

/// Outline and label colour of failures.
inline constexpr const char* failure_colour = "#d00000";

/// Heights both views share: a panel's heading line, and a time axis with its labels.
inline constexpr double heading_height = 26;
inline constexpr double axis_height = 26;

/// Vertical grid lines from y_top to y_bottom at each tick, labels under y_bottom.
void draw_time_axis(std::string& svg, const time_axis& axis, double y_top, double y_bottom);

/// Appends <text> at (x, y); anchor "start", "middle" or "end"; extra attributes as they are.
void draw_text(std::string& svg,
               double x,
               double y,
               std::string_view text,
               double font_size,
               std::string_view anchor = "start",
               std::string_view extra = {});

/// "1.004 s" for a wall time.
std::string wall_text(double ms);

/// v when it is a finite positive number, else 0.
inline double finite_nonnegative(double v) noexcept { return std::isfinite(v) && v > 0 ? v : 0.0; }

/// Appends one pass's view with a row per URL at y (waterfall_rows.cpp). Returns the height used.
double draw_rows_panel(std::string& svg,
                       const waterfall_pass& pass,
                       const time_axis& axis,
                       const waterfall_layout& layout,
                       double y);

/// Appends one pass's aggregate view (requests in flight per phase, latency histogram) at y;
/// hist_axis_ms is the latency axis all passes share. Returns the height used.
double draw_aggregate_panel(std::string& svg,
                            const waterfall_pass& pass,
                            const time_axis& axis,
                            const time_axis& hist_axis,
                            const waterfall_layout& layout,
                            double y,
                            std::size_t buckets);

}  // namespace asyncfetch::detail
