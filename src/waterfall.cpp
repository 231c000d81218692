// --waterfall: phase spans of a record, the picture's frame (title, legend, panels), one row per URL.
#include "asyncfetch/waterfall.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/units.hpp"
#include "waterfall_draw.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace asyncfetch {

using namespace detail;

namespace {

constexpr double row_height = 20;
constexpr double bar_height = 12;
constexpr double panel_gap = 18;
constexpr std::size_t label_chars = 56;

constexpr std::array<waterfall_phase, waterfall_phase_count> all_phases = {waterfall_phase::queued,
                                                                           waterfall_phase::dns,
                                                                           waterfall_phase::connect,
                                                                           waterfall_phase::tls,
                                                                           waterfall_phase::waiting,
                                                                           waterfall_phase::receiving};

double finite_nonnegative(double v) noexcept { return std::isfinite(v) && v > 0 ? v : 0.0; }

// Where a pass's records end: the latest end, or the wall time when that is later.
double pass_end_ms(const waterfall_pass& p)
{
    double end = finite_nonnegative(p.wall_ms);
    for (const auto& r : p.records)
        end = std::max(end, finite_nonnegative(r.start_ms) + finite_nonnegative(r.time_ms));
    return end;
}

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

// A wall time in the title: "3.01 s", or "12.3 ms" below a tenth of a second.
std::string short_time(double ms)
{
    return ms >= 100 ? fixed_point(ms / 1000.0, 2) + " s" : human_latency(ms);
}

// "3 URLs: sequential 3.01 s, concurrent 1.00 s, 3.00x faster" or "3 URLs: concurrent 1.00 s".
std::string title_of(const std::vector<waterfall_pass>& passes, const waterfall_options& opts)
{
    std::size_t urls = 0;
    for (const auto& p : passes)
        urls = std::max(urls, p.records.size());
    std::string title = thousands(urls) + (urls == 1 ? " URL:" : " URLs:");
    for (std::size_t i = 0; i < passes.size(); ++i)
    {
        title += i == 0 ? " " : ", ";
        if (!passes[i].name.empty())
            title += passes[i].name + " ";
        title += short_time(passes[i].wall_ms);
    }
    if (passes.size() == 2 && passes[0].wall_ms > 0 && passes[1].wall_ms > 0)
    {
        const double speedup = passes[0].wall_ms / passes[1].wall_ms;
        title += ", ";
        title += speedup >= 1 ? fixed_point(speedup, 2) + "x faster"
                              : fixed_point(1 / speedup, 2) + "x slower";
    }
    if (!opts.note.empty())
        title += " (" + opts.note + ")";
    return title;
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

void draw_legend(std::string& svg, const waterfall_layout& layout, double y, bool rows_view)
{
    svg += "<g class=\"legend\">\n";
    double x = layout.margin;
    const auto swatch = [&](std::string_view attrs, std::string_view label) {
        svg += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 10) + "\" width=\"12\" height=\"12\" " +
               std::string(attrs) + "/>\n";
        draw_text(svg, x + 16, y, label, 11);
        x += 16 + text_width(label, 11) + 16;
    };
    for (const auto p : all_phases)
    {
        const std::string phase(to_string(p));
        swatch("fill=\"" + std::string(phase_colour(p)) + "\" data-phase=\"" + phase + "\"",
               p == waterfall_phase::waiting ? "waiting for the first byte" : phase);
    }
    if (rows_view)
    {
        // The hatch over a bar's colour, as on the rows.
        svg += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 10) +
               "\" width=\"12\" height=\"12\" fill=\"#56b4e9\"/>\n";
        swatch("fill=\"url(#reused)\"", "reused connection");
    }
    swatch(std::string("fill=\"none\" stroke=\"") + failure_colour + "\" stroke-width=\"2\"", "failed");
    svg += "</g>\n";
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

// One pass with a row per URL. Returns the height used.
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

constexpr const char* hatch_pattern =
    "<defs><pattern id=\"reused\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.35\"/>"
    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ffffff\" stroke-width=\"3\"/></pattern></defs>\n";

}  // namespace

std::string_view to_string(waterfall_phase p) noexcept
{
    switch (p)
    {
    case waterfall_phase::queued: return "queued";
    case waterfall_phase::dns: return "dns";
    case waterfall_phase::connect: return "connect";
    case waterfall_phase::tls: return "tls";
    case waterfall_phase::waiting: return "waiting";
    case waterfall_phase::receiving: return "receiving";
    }
    return "unknown";
}

std::vector<phase_span> phase_spans(const fetch_result& r)
{
    const double total = finite_nonnegative(r.time_ms);
    const double first_byte = r.ttfb_ms > 0 ? std::min(finite_nonnegative(r.ttfb_ms), total) : total;
    std::vector<phase_span> spans;
    double at = 0;
    const auto add = [&](waterfall_phase p, double ms, double limit) {
        ms = std::min(finite_nonnegative(ms), limit - at);
        if (ms > 0)
        {
            spans.push_back({p, finite_nonnegative(r.start_ms) + at, ms});
            at += ms;
        }
    };
    add(waterfall_phase::queued, r.queue_ms, first_byte);
    add(waterfall_phase::dns, r.dns_ms, first_byte);
    add(waterfall_phase::connect, r.connect_ms, first_byte);
    add(waterfall_phase::tls, r.tls_ms, first_byte);
    add(waterfall_phase::waiting, first_byte - at, first_byte);
    add(waterfall_phase::receiving, total - at, total);
    return spans;
}

std::string strip_userinfo(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    for (std::size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", from))
    {
        const std::size_t host = sep + 3;
        out.append(text.substr(from, host - from));
        // The authority ends at the path, query, fragment or anything that cannot be in a URL.
        std::size_t end = host;
        while (end < text.size() &&
               std::string_view("/?#\\ \t\r\n\"'<>").find(text[end]) == std::string_view::npos)
            ++end;
        const std::size_t at = text.substr(host, end - host).rfind('@');
        from = at == std::string_view::npos ? host : host + at + 1;
    }
    out.append(text.substr(from));
    return out;
}

std::optional<waterfall_format> waterfall_format_of(std::string_view path) noexcept
{
    const std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos)
        return std::nullopt;
    std::string ext;
    for (char c : path.substr(dot + 1))
        ext += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "svg")
        return waterfall_format::svg;
    if (ext == "html" || ext == "htm")
        return waterfall_format::html;
    return std::nullopt;
}

std::string render_waterfall_svg(const std::vector<waterfall_pass>& passes, const waterfall_options& opts)
{
    waterfall_layout layout;
    layout.width = std::max(opts.width, 600.0);
    double end_ms = 0;
    std::size_t most_rows = 0;
    double max_latency = 0;
    for (const auto& p : passes)
    {
        end_ms = std::max(end_ms, pass_end_ms(p));
        most_rows = std::max(most_rows, p.records.size());
        for (const auto& r : p.records)
            max_latency = std::max(max_latency, finite_nonnegative(r.time_ms));
    }
    const bool aggregate = most_rows > opts.max_rows;
    const time_axis axis = make_time_axis(end_ms, layout.plot_x(), layout.plot_width());
    const time_axis hist_axis = make_time_axis(max_latency, layout.plot_x(), layout.plot_width());

    std::string body;
    const std::string title = title_of(passes, opts);
    double y = layout.margin;
    draw_text(body, layout.margin, y + 16, title, 16, "start", "class=\"title\" font-weight=\"bold\"");
    y += 26;
    if (aggregate)
    {
        draw_text(
            body,
            layout.margin,
            y + 12,
            thousands(most_rows) +
                " URLs: too many for one row each; showing requests in flight and the latency histogram",
            12,
            "start",
            "class=\"subtitle\" fill=\"#444\"");
        y += 20;
    }
    draw_legend(body, layout, y + 14, !aggregate);
    y += 26;
    for (const auto& p : passes)
    {
        y += aggregate ? draw_aggregate_panel(body,
                                              p,
                                              axis,
                                              hist_axis,
                                              layout,
                                              y,
                                              std::max<std::size_t>(opts.buckets, 1))
                       : draw_rows_panel(body, p, axis, layout, y);
        y += panel_gap;
    }
    const double height = std::ceil(y + layout.margin - panel_gap);

    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(layout.width) +
                      "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(layout.width) + " " +
                      num(height) + "\" font-family=\"sans-serif\" data-plot-x=\"" + num(axis.x0) +
                      "\" data-plot-width=\"" + num(axis.width) + "\" data-axis-ms=\"" + num(axis.axis_ms) +
                      "\" data-view=\"" + (aggregate ? "aggregate" : "rows") + "\">\n";
    svg += "<title>" + xml_text(title) + "</title>\n";
    svg += hatch_pattern;
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    svg += body;
    svg += "</svg>\n";
    return svg;
}

std::string render_waterfall_html(const std::vector<waterfall_pass>& passes, const waterfall_options& opts)
{
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                       xml_text(title_of(passes, opts)) +
                       "</title>\n<style>body{margin:16px;font-family:sans-serif}</style>\n</head>\n<body>\n";
    page += render_waterfall_svg(passes, opts);
    page += "</body>\n</html>\n";
    return page;
}

std::string render_waterfall(waterfall_format format,
                             const std::vector<waterfall_pass>& passes,
                             const waterfall_options& opts)
{
    return format == waterfall_format::html ? render_waterfall_html(passes, opts)
                                            : render_waterfall_svg(passes, opts);
}

}  // namespace asyncfetch
