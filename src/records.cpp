// Reading NDJSON result and summary lines back, and merging the records of many runs into one summary.
#include "asyncfetch/records.hpp"

#include "asyncfetch/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace asyncfetch {

namespace json = boost::json;

namespace {

double number_of(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (!v)
        return 0;
    if (v->is_double())
        return v->get_double();
    if (v->is_int64())
        return static_cast<double>(v->get_int64());
    if (v->is_uint64())
        return static_cast<double>(v->get_uint64());
    return 0;
}

std::uint64_t count_of(const json::object& o, std::string_view key)
{
    const double v = number_of(o, key);
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

std::string text_of(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<error_kind> kind_of(std::string_view token)
{
    if (token.empty())
        return error_kind::none;
    for (int k = 0; k <= static_cast<int>(error_kind::skipped); ++k)
        if (to_string(static_cast<error_kind>(k)) == token)
            return static_cast<error_kind>(k);
    return std::nullopt;
}

std::optional<std::uint64_t> run_id_of(const json::object& o)
{
    const std::string text = text_of(o, "run");
    if (text.empty() || text.size() > 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos)
        return std::nullopt;
    return std::stoull(text, nullptr, 16);
}

std::optional<std::string> read_result(const json::object& o, std::uint64_t run, record_set& set)
{
    fetch_result r;
    const auto kind = kind_of(text_of(o, "error_kind"));
    if (!kind)
        return "unknown error_kind '" + text_of(o, "error_kind") + "'";
    r.kind = *kind;
    r.index = count_of(o, "index");
    r.url = text_of(o, "url");
    r.status = static_cast<unsigned>(count_of(o, "status"));
    r.bytes = count_of(o, "bytes");
    r.time_ms = number_of(o, "time_ms");
    r.ttfb_ms = number_of(o, "ttfb_ms");
    r.reused = o.if_contains("reused") && o.at("reused").is_bool() && o.at("reused").get_bool();
    r.error = text_of(o, "error");
    r.final_url = text_of(o, "final_url");
    r.redirects = static_cast<unsigned>(count_of(o, "redirects"));
    r.wire_bytes = count_of(o, "wire_bytes");
    r.file = text_of(o, "file");
    r.attempts = static_cast<unsigned>(count_of(o, "attempts"));
    r.queue_ms = number_of(o, "queue_ms");
    r.dns_ms = number_of(o, "dns_ms");
    r.connect_ms = number_of(o, "connect_ms");
    r.tls_ms = number_of(o, "tls_ms");
    r.http_version = text_of(o, "http_version");
    r.remote_ip = text_of(o, "remote_ip");
    r.remote_port = static_cast<std::uint16_t>(count_of(o, "remote_port"));
    r.start_ms = number_of(o, "start_ms");
    r.run_id = run;
    set.runs.try_emplace(run);
    set.results.push_back(std::move(r));
    return std::nullopt;
}

std::optional<std::string> read_summary(const json::object& o, std::uint64_t run, record_set& set)
{
    auto at = parse_utc_time(text_of(o, "started_at"));
    if (!at)
        return std::string("summary without a started_at time");
    run_facts& f = set.runs[run];
    // Two summary lines of one run (a --compare line after a record stream): the last one counts.
    f.summarized = true;
    f.started_at = *at;
    f.elapsed_ms = number_of(o, "elapsed_ms");
    f.connections_opened = count_of(o, "connections_opened");
    f.connections_reused = count_of(o, "connections_reused");
    f.tls_handshakes = count_of(o, "tls_handshakes");
    f.dns_lookups = count_of(o, "dns_lookups");
    return std::nullopt;
}

/// A run's span on the wall clock, in ms from `origin`.
struct span
{
    double begin = std::numeric_limits<double>::infinity();
    double end = -std::numeric_limits<double>::infinity();
};

double offset_of(const run_facts& f, std::chrono::system_clock::time_point origin)
{
    return f.summarized ? std::chrono::duration<double, std::milli>(f.started_at - origin).count() : 0;
}

std::chrono::system_clock::time_point earliest_start(const record_set& set)
{
    std::optional<std::chrono::system_clock::time_point> first;
    for (const auto& [id, f] : set.runs)
        if (f.summarized && (!first || f.started_at < *first))
            first = f.started_at;
    return first.value_or(std::chrono::system_clock::time_point{});
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text)
{
    int y = 0;
    unsigned mo = 0;
    unsigned d = 0;
    int h = 0;
    int mi = 0;
    int s = 0;
    int ms = 0;
    char z = 0;
    const std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z) != 8 ||
        z != 'Z' || copy.size() != 24)
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day date{year(y), month(mo), day(d)};
    if (!date.ok() || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0 || ms < 0)
        return std::nullopt;
    return sys_days(date) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
}

std::optional<std::string> read_record_line(std::string_view line, record_set& set)
{
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
        return std::nullopt;
    boost::system::error_code ec;
    const json::value v = json::parse(json::string_view(line.data(), line.size()), ec);
    if (ec || !v.is_object())
        return std::string("not a JSON object (records come from --json or --format ndjson)");
    const json::object& o = v.get_object();
    const std::string type = text_of(o, "type");
    const auto run = run_id_of(o);
    if (type != "result" && type != "summary")
        return "not a result or summary record (type '" + type + "')";
    if (!run)
        return std::string("record without a run id");
    return type == "result" ? read_result(o, *run, set) : read_summary(o, *run, set);
}

run_summary merge_records(const record_set& set)
{
    run_summary s;
    const auto origin = earliest_start(set);
    s.started_at = origin;
    s.run_id = set.runs.size() == 1 ? set.runs.begin()->first : 0;
    std::map<std::uint64_t, span> spans;
    for (const auto& r : set.results)
    {
        s.add(r);
        span& sp = spans[r.run_id];
        sp.begin = std::min(sp.begin, r.start_ms);
        sp.end = std::max(sp.end, r.start_ms + r.time_ms);
    }
    span all;
    for (const auto& [id, f] : set.runs)
    {
        const double offset = offset_of(f, origin);
        span sp = spans[id];
        if (f.summarized)
            sp = {0, f.elapsed_ms};
        if (sp.begin > sp.end)
            continue;
        all.begin = std::min(all.begin, offset + sp.begin);
        all.end = std::max(all.end, offset + sp.end);
        s.connections_opened += f.connections_opened;
        s.tls_handshakes += f.tls_handshakes;
        s.dns_lookups += f.dns_lookups;
        if (f.summarized)
            s.connections_reused += f.connections_reused;
    }
    for (const auto& r : set.results)
        if (r.reused && !set.runs.at(r.run_id).summarized)
            ++s.connections_reused;
    s.elapsed_ms = all.begin <= all.end ? all.end - all.begin : 0;
    return s;
}

std::vector<fetch_result> records_on_one_axis(const record_set& set)
{
    const auto origin = earliest_start(set);
    std::vector<fetch_result> out = set.results;
    for (auto& r : out)
        r.start_ms += offset_of(set.runs.at(r.run_id), origin);
    return out;
}

}  // namespace asyncfetch
