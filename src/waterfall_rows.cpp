// --waterfall for up to max_rows URLs: one row per URL in start order, its phases as a bar, failed
// URLs outlined with their error kind, reused connections hatched, a hover text per row.
#include "asyncfetch/error.hpp"
#include "asyncfetch/units.hpp"
#include "waterfall_draw.hpp"

#include <algorithm>

namespace asyncfetch::detail {

namespace {

constexpr double row_height = 20;
constexpr double bar_height = 12;
constexpr std::size_t label_chars = 56;

// Records by start time, ties by input index.
std::vector<const fetch_result*> in_start_order(const std::vector<fetch_result>& records)
{
    std::vector<const fetch_result*> order;
    order.reserve(records.size());
    for (const auto& r : records)
        order.push_back(&r);
    std::stable_sort(order.begin(), order.end(), [](const fetch_result* a, const fetch_result* b) {
        return a->start_ms != b->start_ms ? a->start_ms < b->start_ms : a->index < b->index;
    });
    return order;
}

std::size_t failed_count(const waterfall_pass& p)
{
    return static_cast<std::size_t>(
        std::count_if(p.records.begin(), p.records.end(), [](const fetch_result& r) { return !r.ok(); }));
}

// The hover text of a row: the URL, its outcome, its start and its phases.
std::string row_title(const fetch_result& r, const std::vector<phase_span>& spans)
{
    std::string t = "#" + std::to_string(r.index) + " " + strip_userinfo(r.url) + "\n";
    t += r.status == 0 ? std::string("no response") : "HTTP " + std::to_string(r.status);
    t += ", " + human_latency(r.time_ms) + ", started at " + human_latency(r.start_ms);
    if (r.reused)
        t += ", reused connection";
    for (const auto& s : spans)
        t += "\n" + std::string(to_string(s.phase)) + " " + human_latency(s.ms);
    if (!r.ok())
        t += "\nfailed: " + std::string(to_string(r.kind)) +
             (r.error.empty() ? "" : ": " + strip_userinfo(r.error));
    return t;
}

// A panel's heading: "concurrent: 1.004 s wall time, 3 URLs, 1 failed, 2 reused".
std::string heading_of(const waterfall_pass& p)
{
    std::string h = p.name.empty() ? std::string("wall time ") : p.name + ": ";
    h += wall_text(p.wall_ms);
    if (!p.name.empty())
        h += " wall time";
    h += ", " + thousands(p.records.size()) + (p.records.size() == 1 ? " URL" : " URLs");
    h += ", " + thousands(failed_count(p)) + " failed";
    const auto reused = std::count_if(p.records.begin(), p.records.end(), [](const fetch_result& r) {
        return r.reused;
    });
    h += ", " + thousands(static_cast<std::size_t>(reused)) + " reused";
    return h;
}

// The error label of a failed row: right of the bar when it fits, else left of it, else inside.
void draw_failure_label(std::string& svg,
                        const fetch_result& r,
                        double x_start,
                        double x_end,
                        double y,
                        const waterfall_layout& layout)
{
    const std::string label = "✕ " + std::string(to_string(r.kind));
    const double w = text_width(label, 10);
    const std::string attrs = std::string("class=\"error-kind\" fill=\"") + failure_colour + "\"";
    if (x_end + 4 + w <= layout.width - 4)
        draw_text(svg, x_end + 4, y, label, 10, "start", attrs);
    else if (x_start - 4 - w >= layout.plot_x())
        draw_text(svg, x_start - 4, y, label, 10, "end", attrs);
    else
        draw_text(svg, x_end - 4, y, label, 10, "end", attrs);
}

}  // namespace

double draw_rows_panel(std::string& svg,
                       const waterfall_pass& pass,
                       const time_axis& axis,
                       const waterfall_layout& layout,
                       double y)
{
    const double rows_top = y + heading_height;
    const double rows_bottom = rows_top + row_height * static_cast<double>(pass.records.size());
    svg += "<g class=\"panel\" data-pass=\"" + xml_text(pass.name) + "\" data-wall-ms=\"" +
           num(pass.wall_ms) + "\" data-view=\"rows\" data-rows=\"" + std::to_string(pass.records.size()) +
           "\">\n";
    draw_text(svg, layout.margin, y + 16, heading_of(pass), 13, "start", "font-weight=\"bold\"");
    draw_time_axis(svg, axis, rows_top, rows_bottom);
    std::size_t row = 0;
    for (const fetch_result* r : in_start_order(pass.records))
    {
        const double top = rows_top + row_height * static_cast<double>(row);
        const double bar_y = top + (row_height - bar_height) / 2;
        const auto spans = phase_spans(*r);
        svg += "<g class=\"row";
        svg += r->ok() ? "" : " failed";
        svg += r->reused ? " reused" : "";
        svg += "\" data-index=\"" + std::to_string(r->index) + "\">\n<title>" +
               xml_text(row_title(*r, spans), true) + "</title>\n";
        if (row % 2 == 1)
            svg += "<rect x=\"" + num(layout.margin) + "\" y=\"" + num(top) + "\" width=\"" +
                   num(layout.width - 2 * layout.margin) + "\" height=\"" + num(row_height) +
                   "\" fill=\"#f4f4f4\"/>\n";
        draw_text(svg,
                  layout.margin + 2,
                  top + 14,
                  shorten(strip_userinfo(r->url), label_chars),
                  11,
                  "start",
                  "class=\"url\"");
        for (const auto& s : spans)
            svg += "<rect class=\"bar\" data-index=\"" + std::to_string(r->index) + "\" data-phase=\"" +
                   std::string(to_string(s.phase)) + "\" data-start-ms=\"" + num(s.start_ms) +
                   "\" data-ms=\"" + num(s.ms) + "\" x=\"" + num(axis.x(s.start_ms)) + "\" y=\"" +
                   num(bar_y) + "\" width=\"" + num(axis.length(s.ms)) + "\" height=\"" + num(bar_height) +
                   "\" fill=\"" + phase_colour(s.phase) + "\"/>\n";
        const double x_start = axis.x(finite_nonnegative(r->start_ms));
        // At least a hairline, so a URL that failed at once still shows where it started.
        const double bar_width = std::max(axis.length(finite_nonnegative(r->time_ms)), 1.5);
        const std::string box = "x=\"" + num(x_start) + "\" y=\"" + num(bar_y) + "\" width=\"" +
                                num(bar_width) + "\" height=\"" + num(bar_height) + "\"";
        if (spans.empty())
            svg += "<rect class=\"tick-mark\" " + box + " fill=\"#666\"/>\n";
        if (r->reused)
            svg += "<rect class=\"reused-mark\" " + box + " fill=\"url(#reused)\"/>\n";
        if (!r->ok())
        {
            svg += "<rect class=\"failed-mark\" " + box + " fill=\"none\" stroke=\"" + failure_colour +
                   "\" stroke-width=\"2\"/>\n";
            draw_failure_label(svg, *r, x_start, x_start + bar_width, top + 14, layout);
        }
        svg += "</g>\n";
        ++row;
    }
    // The pass's wall time as a dashed line across its rows.
    const double wx = axis.x(finite_nonnegative(pass.wall_ms));
    svg += "<line class=\"wall\" x1=\"" + num(wx) + "\" y1=\"" + num(rows_top - 4) + "\" x2=\"" + num(wx) +
           "\" y2=\"" + num(rows_bottom) + "\" stroke=\"#333\" stroke-dasharray=\"4 3\"><title>wall time " +
           xml_text(wall_text(pass.wall_ms)) + "</title></line>\n";
    svg += "</g>\n";
    return rows_bottom - y + axis_height;
}

}  // namespace asyncfetch::detail
