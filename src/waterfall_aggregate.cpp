// --waterfall for many URLs: requests in flight per phase as stacked areas, and a latency histogram.
#include "asyncfetch/units.hpp"
#include "waterfall_draw.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace asyncfetch::detail {

namespace {

constexpr double area_height = 160;
constexpr double histogram_height = 110;
constexpr double gap = 14;

// Average requests in flight in each of `buckets` equal time buckets over [0, axis_ms), per phase:
// each span adds its overlap with a bucket divided by the bucket's width.
std::array<std::vector<double>, waterfall_phase_count> in_flight(const waterfall_pass& pass,
                                                                 double axis_ms,
                                                                 std::size_t buckets)
{
    std::array<std::vector<double>, waterfall_phase_count> level;
    std::array<std::vector<double>, waterfall_phase_count> full;  // difference array of whole buckets
    for (std::size_t p = 0; p < waterfall_phase_count; ++p)
    {
        level[p].assign(buckets, 0);
        full[p].assign(buckets + 1, 0);
    }
    const double width = axis_ms / static_cast<double>(buckets);
    const auto bucket_of = [&](double ms) {
        return std::min(buckets - 1, static_cast<std::size_t>(std::max(0.0, std::floor(ms / width))));
    };
    for (const auto& r : pass.records)
        for (const auto& s : phase_spans(r))
        {
            const auto p = static_cast<std::size_t>(s.phase);
            const double from = std::clamp(s.start_ms, 0.0, axis_ms);
            const double to = std::clamp(s.start_ms + s.ms, 0.0, axis_ms);
            if (!(to > from))
                continue;
            const std::size_t first = bucket_of(from);
            const std::size_t last = bucket_of(to);
            if (first == last)
            {
                level[p][first] += (to - from) / width;
                continue;
            }
            level[p][first] += (static_cast<double>(first + 1) * width - from) / width;
            level[p][last] += (to - static_cast<double>(last) * width) / width;
            full[p][first + 1] += 1;
            full[p][last] -= 1;
        }
    for (std::size_t p = 0; p < waterfall_phase_count; ++p)
    {
        double running = 0;
        for (std::size_t i = 0; i < buckets; ++i)
        {
            running += full[p][i];
            level[p][i] += running;
        }
    }
    return level;
}

// A horizontal grid line with its count label left of the plot.
void draw_count_tick(std::string& svg, const time_axis& axis, double y, double count)
{
    svg += "<line x1=\"" + num(axis.x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(axis.x0 + axis.width) +
           "\" y2=\"" + num(y) + "\" stroke=\"#e0e0e0\"/>\n";
    draw_text(svg, axis.x0 - 6, y + 4, num(count), 10, "end", "class=\"count-tick\" fill=\"#555\"");
}

// Count ticks 0, step, 2 step ... up to top over a chart from y_bottom up `height` pixels.
void draw_count_axis(std::string& svg, const time_axis& axis, double y_bottom, double height, double top)
{
    const double step = std::max(1.0, nice_step(top, 4));
    for (double c = step; c <= top * (1 + 1e-9); c += step)
        draw_count_tick(svg, axis, y_bottom - c * height / top, c);
    draw_count_tick(svg, axis, y_bottom, 0);
}

double draw_areas(std::string& svg,
                  const waterfall_pass& pass,
                  const time_axis& axis,
                  const waterfall_layout& layout,
                  double y,
                  std::size_t buckets)
{
    const auto level = in_flight(pass, axis.axis_ms, buckets);
    std::vector<double> total(buckets, 0);
    for (const auto& phase : level)
        for (std::size_t i = 0; i < buckets; ++i)
            total[i] += phase[i];
    const double peak = total.empty() ? 0 : *std::max_element(total.begin(), total.end());
    const double top = std::max(
        1.0,
        std::ceil(peak / nice_step(std::max(peak, 1.0), 4)) * nice_step(std::max(peak, 1.0), 4));
    const double bottom = y + area_height;
    const auto y_of = [&](double count) { return bottom - count * area_height / top; };
    const double bucket_ms = axis.axis_ms / static_cast<double>(buckets);

    svg += "<g class=\"in-flight\" data-buckets=\"" + std::to_string(buckets) + "\" data-peak=\"" +
           num(peak) + "\">\n";
    draw_text(svg, layout.margin, y + 12, "requests in flight", 11, "start", "font-weight=\"bold\"");
    draw_text(svg, layout.margin, y + 28, "average over each " + human_latency(bucket_ms), 10);
    draw_text(svg, layout.margin, y + 42, "peak " + num(peak), 10);
    draw_time_axis(svg, axis, y, bottom);
    draw_count_axis(svg, axis, bottom, area_height, top);
    std::vector<double> below(buckets, 0);
    for (std::size_t p = 0; p < waterfall_phase_count; ++p)
    {
        if (std::all_of(level[p].begin(), level[p].end(), [](double v) { return v <= 0; }))
            continue;
        // A step outline: along the top of this phase left to right, back along its bottom.
        std::string d;
        for (std::size_t i = 0; i < buckets; ++i)
        {
            const double h = y_of(below[i] + level[p][i]);
            d += (i == 0 ? "M" : "L") + num(axis.x(bucket_ms * static_cast<double>(i))) + " " + num(h);
            d += "L" + num(axis.x(bucket_ms * static_cast<double>(i + 1))) + " " + num(h);
        }
        for (std::size_t i = buckets; i-- > 0;)
        {
            const double h = y_of(below[i]);
            d += "L" + num(axis.x(bucket_ms * static_cast<double>(i + 1))) + " " + num(h);
            d += "L" + num(axis.x(bucket_ms * static_cast<double>(i))) + " " + num(h);
            below[i] += level[p][i];
        }
        const auto phase = static_cast<waterfall_phase>(p);
        svg += "<path class=\"area\" data-phase=\"" + std::string(to_string(phase)) + "\" d=\"" + d +
               "Z\" fill=\"" + phase_colour(phase) + "\"><title>" + std::string(to_string(phase)) +
               "</title></path>\n";
    }
    const double wx = axis.x(std::max(0.0, pass.wall_ms));
    svg += "<line class=\"wall\" x1=\"" + num(wx) + "\" y1=\"" + num(y) + "\" x2=\"" + num(wx) + "\" y2=\"" +
           num(bottom) + "\" stroke=\"#333\" stroke-dasharray=\"4 3\"><title>wall time " +
           xml_text(wall_text(pass.wall_ms)) + "</title></line>\n";
    svg += "</g>\n";
    return area_height + axis_height;
}

double draw_histogram(std::string& svg,
                      const waterfall_pass& pass,
                      const time_axis& axis,
                      const waterfall_layout& layout,
                      double y)
{
    const double bin_ms = nice_step(axis.axis_ms, 50);
    const auto bins = static_cast<std::size_t>(std::max(1.0, std::ceil(axis.axis_ms / bin_ms - 1e-9)));
    std::vector<std::size_t> ok(bins, 0);
    std::vector<std::size_t> failed(bins, 0);
    for (const auto& r : pass.records)
    {
        const double ms = std::isfinite(r.time_ms) ? std::max(0.0, r.time_ms) : 0.0;
        const auto bin = std::min(bins - 1, static_cast<std::size_t>(ms / bin_ms));
        ++(r.ok() ? ok : failed)[bin];
    }
    std::size_t most = 0;
    for (std::size_t i = 0; i < bins; ++i)
        most = std::max(most, ok[i] + failed[i]);
    const double most_count = std::max(static_cast<double>(most), 1.0);
    const double count_step = nice_step(most_count, 3);
    const double top = std::max(1.0, std::ceil(most_count / count_step) * count_step);
    const double bottom = y + histogram_height;
    const auto h_of = [&](std::size_t n) { return static_cast<double>(n) * histogram_height / top; };

    svg += "<g class=\"histogram\" data-bins=\"" + std::to_string(bins) + "\" data-bin-ms=\"" + num(bin_ms) +
           "\">\n";
    draw_text(svg, layout.margin, y + 12, "latency histogram", 11, "start", "font-weight=\"bold\"");
    draw_text(svg,
              layout.margin,
              y + 28,
              "requests by total time, " + tick_label(bin_ms, bin_ms, axis.axis_ms) + " bins",
              10);
    draw_time_axis(svg, axis, y, bottom);
    draw_count_axis(svg, axis, bottom, histogram_height, top);
    const double w = axis.length(bin_ms);
    for (std::size_t i = 0; i < bins; ++i)
    {
        if (ok[i] + failed[i] == 0)
            continue;
        const double x = axis.x(bin_ms * static_cast<double>(i));
        const std::string common = "data-bin=\"" + std::to_string(i) + "\" x=\"" + num(x) + "\" width=\"" +
                                   num(std::max(0.5, w - 1)) + "\"";
        svg += "<g><title>" +
               xml_text(tick_label(bin_ms * static_cast<double>(i), bin_ms, axis.axis_ms) + " to " +
                        tick_label(bin_ms * static_cast<double>(i + 1), bin_ms, axis.axis_ms) + ": " +
                        std::to_string(ok[i]) + " ok, " + std::to_string(failed[i]) + " failed") +
               "</title>\n";
        if (ok[i] > 0)
            svg += "<rect class=\"bin\" data-count=\"" + std::to_string(ok[i]) + "\" " + common + " y=\"" +
                   num(bottom - h_of(ok[i])) + "\" height=\"" + num(h_of(ok[i])) + "\" fill=\"#0072b2\"/>\n";
        if (failed[i] > 0)
            svg += "<rect class=\"bin failed\" data-count=\"" + std::to_string(failed[i]) + "\" " + common +
                   " y=\"" + num(bottom - h_of(ok[i] + failed[i])) + "\" height=\"" + num(h_of(failed[i])) +
                   "\" fill=\"" + failure_colour + "\"/>\n";
        svg += "</g>\n";
    }
    svg += "</g>\n";
    return histogram_height + axis_height;
}

}  // namespace

double draw_aggregate_panel(std::string& svg,
                            const waterfall_pass& pass,
                            const time_axis& axis,
                            const time_axis& hist_axis,
                            const waterfall_layout& layout,
                            double y,
                            std::size_t buckets)
{
    std::size_t failed = 0;
    for (const auto& r : pass.records)
        failed += r.ok() ? 0 : 1;
    std::string heading = pass.name.empty() ? std::string("wall time ") : pass.name + ": ";
    heading += wall_text(pass.wall_ms);
    if (!pass.name.empty())
        heading += " wall time";
    heading += ", " + thousands(pass.records.size()) + " URLs, " + thousands(failed) + " failed";

    svg += "<g class=\"panel\" data-pass=\"" + xml_text(pass.name) + "\" data-wall-ms=\"" +
           num(pass.wall_ms) + "\" data-view=\"aggregate\" data-rows=\"" +
           std::to_string(pass.records.size()) + "\">\n";
    draw_text(svg, layout.margin, y + 16, heading, 13, "start", "font-weight=\"bold\"");
    double at = y + heading_height;
    at += draw_areas(svg, pass, axis, layout, at, buckets);
    at += gap;
    at += draw_histogram(svg, pass, hist_axis, layout, at);
    svg += "</g>\n";
    return at - y;
}

}  // namespace asyncfetch::detail
