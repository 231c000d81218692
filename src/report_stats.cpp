// --stats: the per-host table and the latency histogram drawn with block characters.
#include "asyncfetch/report.hpp"
#include "asyncfetch/units.hpp"
#include "report_text.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace asyncfetch {

using namespace detail;

namespace {

// One histogram bar of eighths of a column: full blocks, then one of U+2589..U+258F for the rest.
std::string bar(std::size_t eighths)
{
    std::string out;
    for (std::size_t i = 0; i < eighths / 8; ++i)
        out += "\u2588";
    if (const std::size_t rest = eighths % 8; rest != 0)
    {
        out += "\xE2\x96";
        out += static_cast<char>(0x90 - rest);  // U+2590 - rest: ▉ for 7/8 down to ▏ for 1/8
    }
    return out;
}

// The latency histogram's lines: up to 10 equal-width buckets between the fastest and slowest
// request, fewer when there are fewer samples or when adjacent bucket edges would print the same.
std::string histogram(const latency_samples& latencies, std::size_t width)
{
    if (latencies.empty())
        return {};
    const double min = latencies.min();
    const double max = latencies.max();
    const double range = max - min;

    const auto edge = [&](std::size_t i, std::size_t buckets) {
        return i == buckets ? max : min + range * static_cast<double>(i) / static_cast<double>(buckets);
    };
    const auto edges_distinct = [&](std::size_t buckets) {
        for (std::size_t i = 0; i < buckets; ++i)
            if (human_latency(edge(i, buckets)) == human_latency(edge(i + 1, buckets)))
                return false;
        return true;
    };
    std::size_t buckets = range > 0 ? std::min<std::size_t>(10, latencies.size()) : 1;
    while (buckets > 1 && !edges_distinct(buckets))
        --buckets;

    std::vector<std::size_t> counts(buckets, 0);
    latencies.for_each([&](double v, std::size_t n) {
        std::size_t i = 0;
        if (buckets > 1)
            i = std::min(buckets - 1,
                         static_cast<std::size_t>((v - min) / range * static_cast<double>(buckets)));
        counts[i] += n;
    });

    std::vector<std::string> lows;
    std::vector<std::string> highs;
    std::size_t low_width = 0;
    std::size_t high_width = 0;
    for (std::size_t i = 0; i < buckets; ++i)
    {
        lows.push_back(human_latency(edge(i, buckets)));
        highs.push_back(human_latency(edge(i + 1, buckets)));
        low_width = std::max(low_width, display_width(lows.back()));
        high_width = std::max(high_width, display_width(highs.back()));
    }
    // A single bucket whose edges print the same is one value.
    const bool single_value = buckets == 1 && lows[0] == highs[0];
    const std::size_t label_width = single_value ? low_width : low_width + 3 + high_width;

    const std::size_t most = *std::max_element(counts.begin(), counts.end());
    const std::size_t count_width = std::to_string(most).size();
    // "  " label "  " bar " " count
    const std::size_t used = 2 + label_width + 2 + 1 + count_width;
    const std::size_t bar_columns = width > used ? width - used : 0;

    std::string text;
    for (std::size_t i = 0; i < buckets; ++i)
    {
        std::string line = "  ";
        pad_left(line, lows[i], low_width);
        if (!single_value)
        {
            line += " … ";
            pad_left(line, highs[i], high_width);
        }
        line += "  ";
        // Rounded to eighths of a column; a bucket with any sample shows at least one eighth.
        std::size_t eighths = static_cast<std::size_t>(
            std::lround(static_cast<double>(counts[i]) * static_cast<double>(bar_columns * 8) /
                        static_cast<double>(most)));
        if (counts[i] > 0 && eighths == 0 && bar_columns > 0)
            eighths = 1;
        if (eighths > 0)
        {
            line += bar(eighths);
            line += ' ';
        }
        line += std::to_string(counts[i]);
        text += end_line(line);
    }
    return text;
}

}  // namespace

std::string format_stats_text(const run_summary& s, std::size_t width)
{
    if (s.count == 0)
        return "no results\n";

    struct host_row
    {
        std::string name;
        const host_summary* figures;
    };
    std::vector<host_row> hosts;
    for (const auto& [origin, figures] : s.hosts)
        hosts.push_back({origin.empty() ? "(invalid)" : one_line(origin), &figures});
    std::sort(hosts.begin(), hosts.end(), [](const host_row& a, const host_row& b) {
        if (a.figures->count != b.figures->count)
            return a.figures->count > b.figures->count;
        return a.name < b.name;
    });

    std::vector<std::vector<std::string>> rows = {
        {"HOST", "REQUESTS", "OK", "FAILED", "BYTES", "P50", "P99"}};
    for (const host_row& h : hosts)
    {
        const latency_stats l = h.figures->latencies_ms.stats();
        rows.push_back({h.name,
                        std::to_string(h.figures->count),
                        std::to_string(h.figures->ok),
                        std::to_string(h.figures->failed),
                        human_bytes(h.figures->bytes),
                        l.count > 0 ? human_latency(l.p50) : "-",
                        l.count > 0 ? human_latency(l.p99) : "-"});
    }
    std::string text = columns(rows, {false, true, true, true, true, true, true}, 2);

    if (std::string bars = histogram(s.latencies_ms, width); !bars.empty())
    {
        text += "\nlatency histogram:\n";
        text += bars;
    }
    return text;
}

}  // namespace asyncfetch
