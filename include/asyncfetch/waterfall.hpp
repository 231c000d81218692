// The --waterfall picture: records in, a self-contained SVG (or an HTML page holding it) out. Pure.
#pragma once

#include "asyncfetch/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// One pass to draw: its records (in any order) and its wall time.
struct waterfall_pass
{
    std::string name;                   ///< "sequential", "concurrent" (the panel's heading)
    std::vector<fetch_result> records;  ///< one per URL; start_ms places each on the time axis
    double wall_ms = 0;                 ///< the pass's wall time
};

/// The phases a bar is split into, in the order they happen.
enum class waterfall_phase
{
    queued,     ///< queue_ms: waiting for a connection or stream slot
    dns,        ///< dns_ms
    connect,    ///< connect_ms
    tls,        ///< tls_ms
    waiting,    ///< the rest until the first byte of the final response (redirect hops included)
    receiving,  ///< from the first byte to the end (time_ms - ttfb_ms)
};

inline constexpr std::size_t waterfall_phase_count = 6;

/// "queued", "dns", "connect", "tls", "waiting", "receiving".
std::string_view to_string(waterfall_phase p) noexcept;

/// One phase of one record on the pass's time axis.
struct phase_span
{
    waterfall_phase phase = waterfall_phase::queued;
    double start_ms = 0;  ///< from the start of the pass
    double ms = 0;        ///< length, > 0
};

/// The non-empty phases of a record, one after another from its start_ms and ending at
/// start_ms + time_ms: queued, dns, connect and tls first (cut short if they add up to more than the
/// time before the first byte), waiting up to ttfb_ms, receiving to the end. Without a response
/// (ttfb_ms 0), everything after the setup phases counts as waiting.
std::vector<phase_span> phase_spans(const fetch_result& r);

/// The URL text without user-info ("https://user:pw@host/" becomes "https://host/"), also for URLs
/// inside a longer text (an error message naming a redirect target).
std::string strip_userinfo(std::string_view text);

/// How the picture is drawn.
struct waterfall_options
{
    std::size_t max_rows = 200;  ///< more records than this in a pass: the aggregate view
    std::size_t buckets = 200;   ///< time buckets of the aggregate view's requests in flight
    double width = 1200;         ///< of the picture, in pixels
    std::string note;            ///< added to the title, e.g. "last of 3 runs"
};

/// The file formats --waterfall writes.
enum class waterfall_format
{
    svg,
    html,
};

/// The format named by a path's extension (.svg, .html or .htm, any case); nullopt for others.
std::optional<waterfall_format> waterfall_format_of(std::string_view path) noexcept;

/// The SVG document. Up to max_rows records per pass: one row per URL in start order, bars split
/// by phase on one time axis shared by all panels (one panel per pass, in the order given; with
/// two passes the title has the speedup of the first's wall time over the second's), failed rows
/// outlined and labelled with their error kind, rows over a reused connection hatched. Above
/// max_rows: per pass, the requests in flight per phase as stacked areas and a latency histogram.
/// No scripts, no external resources; every text escaped; hover texts as <title> elements.
/// Bars carry data-index, data-phase, data-start-ms and data-ms; the root carries data-plot-x,
/// data-plot-width and data-axis-ms (x = plot-x + ms * plot-width / axis-ms), and each panel
/// data-pass, data-wall-ms and data-view ("rows" or "aggregate").
std::string render_waterfall_svg(const std::vector<waterfall_pass>& passes,
                                 const waterfall_options& opts = {});

/// The same SVG inside a minimal HTML page.
std::string render_waterfall_html(const std::vector<waterfall_pass>& passes,
                                  const waterfall_options& opts = {});

/// render_waterfall_svg or render_waterfall_html.
std::string render_waterfall(waterfall_format format,
                             const std::vector<waterfall_pass>& passes,
                             const waterfall_options& opts = {});

}  // namespace asyncfetch
