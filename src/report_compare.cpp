// --compare for people and files: both passes side by side, the speedup, --export-json and -markdown.
#include "asyncfetch/report.hpp"
#include "asyncfetch/units.hpp"
#include "report_text.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

using namespace detail;

namespace {

// "1.00x (same speed)", "3.00x faster concurrently", "0.50x (2.00x slower concurrently)", "n/a";
// `note` (e.g. "3 runs each") goes into the parentheses.
std::string speedup_text(double speedup, const std::string& note)
{
    if (!(speedup > 0) || !std::isfinite(speedup))
        return "n/a";
    const std::string times = fixed_point(speedup, 2);
    const std::string more = note.empty() ? "" : ", " + note;
    if (times == "1.00")
        return "1.00x (same speed" + more + ")";
    if (speedup > 1)
        return times + "x faster concurrently" + (note.empty() ? "" : " (" + note + ")");
    return times + "x (" + fixed_point(1 / speedup, 2) + "x slower concurrently" + more + ")";
}

// "3 runs each", "1 sequential run, 2 concurrent runs", or "" when each pass ran once.
std::string runs_note(std::size_t sequential_runs, std::size_t concurrent_runs)
{
    if (sequential_runs <= 1 && concurrent_runs <= 1)
        return {};
    if (sequential_runs == concurrent_runs)
        return std::to_string(sequential_runs) + " runs each";
    return count_of(sequential_runs, "sequential run", "sequential runs") + ", " +
           count_of(concurrent_runs, "concurrent run", "concurrent runs");
}

}  // namespace

std::string format_compare_text(const compare_summary& c)
{
    const timing_stats sequential = summarize_runs(runs_of(c.sequential_runs_ms, c.sequential));
    const timing_stats concurrent = summarize_runs(runs_of(c.concurrent_runs_ms, c.concurrent));
    const std::size_t sequential_runs = std::max<std::size_t>(c.sequential_runs_ms.size(), 1);
    const std::size_t concurrent_runs = std::max<std::size_t>(c.concurrent_runs_ms.size(), 1);
    const auto range = [](const timing_stats& t) {
        return fixed_point(t.min / 1000.0, 3) + " … " + fixed_point(t.max / 1000.0, 3) + " s";
    };

    std::vector<std::vector<std::string>> rows = {
        {"", "sequential", "concurrent"},
        {"wall time", seconds_text(sequential.mean), seconds_text(concurrent.mean)},
    };
    if (sequential_runs > 1 || concurrent_runs > 1)
    {
        rows.push_back({"  ± σ", seconds_text(sequential.stddev), seconds_text(concurrent.stddev)});
        rows.push_back({"  range", range(sequential), range(concurrent)});
    }
    rows.push_back({"parallelism",
                    fixed_point(c.sequential.effective_parallelism(), 2),
                    fixed_point(c.concurrent.effective_parallelism(), 2)});
    rows.push_back({"connections",
                    std::to_string(c.sequential.connections_opened),
                    std::to_string(c.concurrent.connections_opened)});
    rows.push_back({"TLS handshakes",
                    std::to_string(c.sequential.tls_handshakes),
                    std::to_string(c.concurrent.tls_handshakes)});

    std::string text = columns(rows, {}, 3, 15);
    text += "speedup: ";
    text += speedup_text(c.speedup(), runs_note(sequential_runs, concurrent_runs));
    text += '\n';
    return text;
}

std::string format_compare_export_json(const compare_summary& c)
{
    const auto pass = [](const run_summary& s, const std::vector<double>& runs_ms) {
        const std::vector<double> runs = runs_of(runs_ms, s);
        const timing_stats t = summarize_runs(runs);
        return pretty_object(
            {
                {"runs_ms", json_array(runs, 3, ", ")},
                {"mean_ms", json_number(t.mean, 3)},
                {"stddev_ms", json_number(t.stddev, 3)},
                {"min_ms", json_number(t.min, 3)},
                {"max_ms", json_number(t.max, 3)},
                {"count", std::to_string(s.count)},
                {"ok", std::to_string(s.ok)},
                {"failed", std::to_string(s.failed)},
                {"bytes", std::to_string(s.bytes)},
                {"connections_opened", std::to_string(s.connections_opened)},
                {"tls_handshakes", std::to_string(s.tls_handshakes)},
                {"parallelism", json_number(s.effective_parallelism(), 3)},
                {"latency_ms", pretty_object(latency_fields(s.latency()), 4)},
            },
            2);
    };
    const double speedup = c.speedup();
    return pretty_object(
               {
                   {"sequential", pass(c.sequential, c.sequential_runs_ms)},
                   {"concurrent", pass(c.concurrent, c.concurrent_runs_ms)},
                   {"speedup", speedup > 0 ? json_number(speedup, 2) : "null"},
               },
               0) +
           '\n';
}

std::string format_compare_export_markdown(const compare_summary& c)
{
    const auto row = [](std::string_view name, const run_summary& s, const std::vector<double>& runs_ms) {
        const timing_stats t = summarize_runs(runs_of(runs_ms, s));
        std::string line = "| ";
        line += name;
        for (const std::string& cell : {fixed_point(t.mean, 1),
                                        fixed_point(t.stddev, 1),
                                        fixed_point(t.min, 1),
                                        fixed_point(t.max, 1),
                                        fixed_point(s.effective_parallelism(), 2),
                                        std::to_string(s.connections_opened)})
        {
            line += " | ";
            line += cell;
        }
        line += " |\n";
        return line;
    };
    std::string text = "| pass | mean (ms) | σ (ms) | min (ms) | max (ms) | parallelism | connections |\n";
    text += "|:---|---:|---:|---:|---:|---:|---:|\n";
    text += row("sequential", c.sequential, c.sequential_runs_ms);
    text += row("concurrent", c.concurrent, c.concurrent_runs_ms);
    const double speedup = c.speedup();
    text += "\n**Speedup: ";
    text += speedup > 0 && std::isfinite(speedup) ? fixed_point(speedup, 2) + "x" : "n/a";
    text += "**\n";
    return text;
}

}  // namespace asyncfetch
