// --waterfall: phase spans of a record, and the picture's frame (title, legend, panels of either view).
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

constexpr double panel_gap = 18;

constexpr std::array<waterfall_phase, waterfall_phase_count> all_phases = {waterfall_phase::queued,
                                                                           waterfall_phase::dns,
                                                                           waterfall_phase::connect,
                                                                           waterfall_phase::tls,
                                                                           waterfall_phase::waiting,
                                                                           waterfall_phase::receiving};

// Where a pass's records end: the latest end, or the wall time when that is later.
double pass_end_ms(const waterfall_pass& p)
{
    double end = finite_nonnegative(p.wall_ms);
    for (const auto& r : p.records)
        end = std::max(end, finite_nonnegative(r.start_ms) + finite_nonnegative(r.time_ms));
    return end;
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
