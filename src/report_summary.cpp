// The summary of a pass: the {"type":"summary"} NDJSON line and the human text for stderr.
#include "asyncfetch/report.hpp"
#include "asyncfetch/units.hpp"
#include "report_text.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncfetch {

using namespace detail;

namespace {

// "200 ×95, 404 ×5": most frequent first, ties in the map's order; empty entries left out.
template <class Key>
std::string tally(const std::map<Key, std::size_t>& counts)
{
    std::vector<std::pair<std::string, std::size_t>> entries;
    for (const auto& [key, n] : counts)
    {
        if (n == 0)
            continue;
        if constexpr (std::is_same_v<Key, std::string>)
            entries.emplace_back(one_line(key), n);
        else
            entries.emplace_back(std::to_string(key), n);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second > b.second;
    });
    std::string text;
    for (const auto& [key, n] : entries)
    {
        if (!text.empty())
            text += ", ";
        text += key;
        text += " ×";
        text += std::to_string(n);
    }
    return text;
}

template <class Key>
json_fields count_fields(const std::map<Key, std::size_t>& counts)
{
    json_fields fields;
    for (const auto& [key, n] : counts)
    {
        if constexpr (std::is_same_v<Key, std::string>)
            fields.emplace_back(key, std::to_string(n));
        else
            fields.emplace_back(std::to_string(key), std::to_string(n));
    }
    return fields;
}

}  // namespace

std::string format_run_id(std::uint64_t id)
{
    std::array<char, 17> text{};
    std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(id));
    return text.data();
}

std::string format_utc_time(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t).time_since_epoch().count();
    const auto day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
    const year_month_day date(day);
    const hh_mm_ss<milliseconds> time(milliseconds(ms) - day.time_since_epoch());
    std::array<char, 32> text{};
    std::snprintf(text.data(),
                  text.size(),
                  "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()),
                  static_cast<int>(time.subseconds().count()));
    return text.data();
}

std::string format_summary_json(const run_summary& s, const compare_summary* compare)
{
    json_fields fields = {
        {"type", json_string("summary")},
        {"count", std::to_string(s.count)},
        {"ok", std::to_string(s.ok)},
        {"failed", std::to_string(s.failed)},
        {"bytes", std::to_string(s.bytes)},
        {"elapsed_ms", json_number(s.elapsed_ms, 3)},
        {"requests_per_second", json_number(s.requests_per_second(), 3)},
        {"connections_opened", std::to_string(s.connections_opened)},
        {"connections_reused", std::to_string(s.connections_reused)},
    };
    timing_stats sequential;
    timing_stats concurrent;
    std::vector<double> sequential_runs;
    std::vector<double> concurrent_runs;
    if (compare != nullptr)
    {
        sequential_runs = runs_of(compare->sequential_runs_ms, compare->sequential);
        concurrent_runs = runs_of(compare->concurrent_runs_ms, compare->concurrent);
        sequential = summarize_runs(sequential_runs);
        concurrent = summarize_runs(concurrent_runs);
        const double speedup = compare->speedup();
        fields.insert(fields.end(),
                      {
                          {"sequential_ms", json_number(sequential.mean, 3)},
                          {"concurrent_ms", json_number(concurrent.mean, 3)},
                          {"speedup", speedup > 0 ? json_number(speedup, 2) : "null"},
                          {"sequential_connections", std::to_string(compare->sequential.connections_opened)},
                          {"concurrent_connections", std::to_string(compare->concurrent.connections_opened)},
                      });
    }
    // Keys added later come after all earlier ones, so the older line stays a prefix of the new.
    fields.insert(fields.end(),
                  {
                      {"bytes_per_second", json_number(s.bytes_per_second(), 3)},
                      {"effective_parallelism", json_number(s.effective_parallelism(), 3)},
                      {"tls_handshakes", std::to_string(s.tls_handshakes)},
                      {"latency_ms", compact_object(latency_fields(s.latency()))},
                      {"status_counts", compact_object(count_fields(s.status_counts))},
                      {"error_counts", compact_object(count_fields(s.error_counts))},
                  });
    if (compare != nullptr)
    {
        fields.insert(
            fields.end(),
            {
                {"sequential_runs_ms", json_array(sequential_runs, 3, ",")},
                {"concurrent_runs_ms", json_array(concurrent_runs, 3, ",")},
                {"sequential_mean_ms", json_number(sequential.mean, 3)},
                {"sequential_stddev_ms", json_number(sequential.stddev, 3)},
                {"concurrent_mean_ms", json_number(concurrent.mean, 3)},
                {"concurrent_stddev_ms", json_number(concurrent.stddev, 3)},
                {"sequential_parallelism", json_number(compare->sequential.effective_parallelism(), 3)},
                {"concurrent_parallelism", json_number(compare->concurrent.effective_parallelism(), 3)},
                {"sequential_tls_handshakes", std::to_string(compare->sequential.tls_handshakes)},
                {"concurrent_tls_handshakes", std::to_string(compare->concurrent.tls_handshakes)},
            });
    }
    fields.emplace_back("dns_lookups", std::to_string(s.dns_lookups));
    // Only --no-clobber skips URLs: the line of every other run stays as it was.
    if (s.skipped > 0)
        fields.emplace_back("skipped", std::to_string(s.skipped));
    fields.emplace_back("started_at", json_string(format_utc_time(s.started_at)));
    fields.emplace_back("run", json_string(format_run_id(s.run_id)));
    return compact_object(fields) + '\n';
}

std::string format_summary_text(const run_summary& s)
{
    std::string text = count_of(s.count, "URL", "URLs");
    text += ": ";
    text += std::to_string(s.ok);
    text += " ok, ";
    text += std::to_string(s.failed);
    text += " failed, ";
    if (s.skipped > 0)
        text += std::to_string(s.skipped) + " skipped, ";
    text += human_bytes(s.bytes);
    text += " in ";
    text += seconds_text(s.elapsed_ms);
    text += " (";
    text += fixed_point(s.requests_per_second(), 2);
    text += " req/s)\n";

    if (const latency_stats l = s.latency(); l.count > 0)
    {
        text += "latency: min " + human_latency(l.min) + ", p50 " + human_latency(l.p50) + ", p90 " +
                human_latency(l.p90) + ", p99 " + human_latency(l.p99) + ", max " + human_latency(l.max) +
                "\n";
    }
    // Without elapsed time there is no rate to show, only a misleading 0 B/s.
    if (const double rate = s.bytes_per_second(); s.bytes > 0 && rate > 0)
        text += "throughput: " + human_rate(rate) + "\n";
    if (std::string statuses = tally(s.status_counts); !statuses.empty())
        text += "status: " + statuses + "\n";
    if (std::string errors = tally(s.error_counts); !errors.empty())
        text += "errors: " + errors + "\n";
    if (s.connections_opened > 0 || s.connections_reused > 0 || s.tls_handshakes > 0)
    {
        text += "connections: " + std::to_string(s.connections_opened) + " opened, " +
                std::to_string(s.connections_reused) + " reused";
        if (s.tls_handshakes > 0)
            text += ", " + count_of(s.tls_handshakes, "TLS handshake", "TLS handshakes");
        text += '\n';
    }
    if (s.dns_lookups > 0)
        text += "dns: " + count_of(s.dns_lookups, "lookup", "lookups") + "\n";
    return text;
}

}  // namespace asyncfetch
