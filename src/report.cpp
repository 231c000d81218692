// Renders results and summaries as text: TSV, an aligned table, NDJSON, and the stderr summary.
#include "asyncfetch/report.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/units.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncfetch {

namespace {

// Table columns: status left-aligned, then bytes and time right-aligned, then the URL.
constexpr std::size_t status_width = 6;
constexpr std::size_t bytes_width = 12;
constexpr std::size_t time_width = 10;  // including " ms"
constexpr std::string_view column_gap = "  ";

// A JSON number rounded to at most `decimals` places, trailing zeros dropped but one kept ("12.0").
std::string json_number(double v, int decimals)
{
    std::string s = fixed_point(v, decimals);
    auto point = s.find('.');
    if (point == std::string::npos)
        return s;
    auto last = s.find_last_not_of('0');
    s.erase(last == point ? point + 2 : last + 1);
    return s;
}

std::string three_digit_status(unsigned status)
{
    std::string s = std::to_string(status);
    if (s.size() < 3)
        s.insert(0, 3 - s.size(), '0');
    return s;
}

// Control characters (tabs, CR, LF, escapes) become spaces so that a record stays on one line.
std::string one_line(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
    {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = ' ';
    }
    return out;
}

// A UTF-8 sequence as its lead byte announces it: length (0 for a byte that cannot start one) and the
// range its second byte must be in (Unicode table 3-7); later bytes are always 80..BF.
struct utf8_shape
{
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
};

utf8_shape shape_of(unsigned char lead) noexcept
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return {2};
    if (lead == 0xE0)
        return {3, 0xA0, 0xBF};
    if (lead == 0xED)
        return {3, 0x80, 0x9F};  // no surrogates
    if (lead >= 0xE1 && lead <= 0xEF)
        return {3};
    if (lead == 0xF0)
        return {4, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3)
        return {4};
    if (lead == 0xF4)
        return {4, 0x80, 0x8F};  // nothing above U+10FFFF
    return {};
}

// Replaces each maximal ill-formed subsequence with U+FFFD, as Unicode recommends.
// Boost.JSON copies bytes >= 0x80 to its output unchecked, which would make the line invalid JSON.
std::string valid_utf8(std::string_view in)
{
    constexpr std::string_view replacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size())
    {
        const auto lead = static_cast<unsigned char>(in[i]);
        if (lead < 0x80)
        {
            out += in[i++];
            continue;
        }
        const utf8_shape shape = shape_of(lead);
        std::size_t n = 1;
        while (n < shape.length && i + n < in.size())
        {
            const auto c = static_cast<unsigned char>(in[i + n]);
            const unsigned char min = n == 1 ? shape.second_min : 0x80;
            const unsigned char max = n == 1 ? shape.second_max : 0xBF;
            if (c < min || c > max)
                break;
            ++n;
        }
        if (shape.length != 0 && n == shape.length)
            out.append(in.substr(i, n));
        else
            out.append(replacement);
        i += n;
    }
    return out;
}

std::string json_string(std::string_view s)
{
    const std::string utf8 = valid_utf8(s);
    return boost::json::serialize(boost::json::string_view(utf8.data(), utf8.size()));
}

// Columns a UTF-8 text takes on a terminal: one per code point (all our symbols are narrow).
std::size_t display_width(std::string_view s) noexcept
{
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    return n;
}

void pad_left(std::string& out, std::string_view s, std::size_t width)
{
    if (const std::size_t w = display_width(s); w < width)
        out.append(width - w, ' ');
    out.append(s);
}

void pad_right(std::string& out, std::string_view s, std::size_t width)
{
    out.append(s);
    if (const std::size_t w = display_width(s); w < width)
        out.append(width - w, ' ');
}

// Ends a text line: no trailing spaces, then '\n'.
std::string& end_line(std::string& line)
{
    auto last = line.find_last_not_of(' ');
    line.erase(last == std::string::npos ? 0 : last + 1);
    line += '\n';
    return line;
}

// The error column: the message, or the kind's token when a failure has no message.
std::string error_text(const fetch_result& r)
{
    if (!r.error.empty())
        return one_line(r.error);
    if (!r.ok())
        return std::string(to_string(r.kind));
    return {};
}

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural)
{
    std::string s = std::to_string(n);
    s += ' ';
    s += n == 1 ? singular : plural;
    return s;
}

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

// JSON objects are written from (key, serialized value) pairs, compact on the NDJSON line and
// indented in --export-json. Boost.JSON 1.81 has no pretty printer and prints doubles as "2.99E0".
using json_fields = std::vector<std::pair<std::string, std::string>>;

std::string compact_object(const json_fields& fields)
{
    std::string out = "{";
    for (const auto& [key, value] : fields)
    {
        if (out.size() > 1)
            out += ',';
        out += json_string(key);
        out += ':';
        out += value;
    }
    out += '}';
    return out;
}

// An object whose closing brace is at `indent` spaces; nested values must be made for indent + 2.
std::string pretty_object(const json_fields& fields, std::size_t indent)
{
    if (fields.empty())
        return "{}";
    std::string out = "{\n";
    for (std::size_t i = 0; i < fields.size(); ++i)
    {
        out.append(indent + 2, ' ');
        out += json_string(fields[i].first);
        out += ": ";
        out += fields[i].second;
        out += i + 1 < fields.size() ? ",\n" : "\n";
    }
    out.append(indent, ' ');
    out += '}';
    return out;
}

std::string json_array(const std::vector<double>& values, int decimals, std::string_view separator)
{
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        if (i > 0)
            out += separator;
        out += json_number(values[i], decimals);
    }
    out += ']';
    return out;
}

json_fields latency_fields(const latency_stats& l)
{
    return {
        {"min", json_number(l.min, 3)},
        {"p50", json_number(l.p50, 3)},
        {"p90", json_number(l.p90, 3)},
        {"p99", json_number(l.p99, 3)},
        {"max", json_number(l.max, 3)},
        {"mean", json_number(l.mean, 3)},
    };
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

// The wall times of a pass: every run's, or the single run's elapsed time without --runs.
std::vector<double> runs_of(const std::vector<double>& runs_ms, const run_summary& last)
{
    return runs_ms.empty() ? std::vector<double>{last.elapsed_ms} : runs_ms;
}

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

// Aligned columns: each cell padded to its column's widest cell plus `gap`; the last column is not
// padded, and lines carry no trailing spaces.
std::string columns(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<bool>& right_aligned,
                    std::size_t gap,
                    std::size_t min_width = 0)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
    {
        widths.resize(std::max(widths.size(), row.size()), min_width);
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    }
    std::string text;
    for (const auto& row : rows)
    {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
        {
            const bool right = i < right_aligned.size() && right_aligned[i];
            if (i > 0)
                line.append(gap, ' ');
            if (right)
                pad_left(line, row[i], widths[i]);
            else
                pad_right(line, row[i], widths[i]);
        }
        text += end_line(line);
    }
    return text;
}

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

std::string format_tsv(const fetch_result& r)
{
    std::string error = error_text(r);
    std::string line = three_digit_status(r.status);
    line += '\t';
    line += std::to_string(r.bytes);
    line += '\t';
    line += fixed_point(r.time_ms, 1);
    line += '\t';
    line += one_line(r.url);
    line += '\t';
    line += error.empty() ? "-" : error;
    line += '\n';
    return line;
}

std::string format_table_header()
{
    std::string line;
    pad_right(line, "STATUS", status_width);
    line += ' ';
    pad_left(line, "BYTES", bytes_width);
    line += column_gap;
    pad_left(line, "TIME", time_width);
    line += column_gap;
    line += "URL";
    return end_line(line);
}

std::string format_table_row(const fetch_result& r)
{
    std::string line;
    pad_right(line, three_digit_status(r.status), status_width);
    line += ' ';
    pad_left(line, std::to_string(r.bytes), bytes_width);
    line += column_gap;
    pad_left(line, fixed_point(r.time_ms, 1) + " ms", time_width);
    line += column_gap;
    line += one_line(r.url);
    if (!r.ok())
    {
        line += column_gap;
        line += to_string(r.kind);
        if (!r.error.empty())
        {
            line += ": ";
            line += one_line(r.error);
        }
    }
    return end_line(line);
}

std::string format_json(const fetch_result& r)
{
    std::string line = R"({"type":"result","index":)";
    line += std::to_string(r.index);
    line += R"(,"url":)";
    line += json_string(r.url);
    line += R"(,"status":)";
    line += r.status == 0 ? "null" : std::to_string(r.status);
    line += R"(,"bytes":)";
    line += std::to_string(r.bytes);
    line += R"(,"time_ms":)";
    line += json_number(r.time_ms, 3);
    line += R"(,"ttfb_ms":)";
    line += json_number(r.ttfb_ms, 3);
    line += R"(,"reused":)";
    line += r.reused ? "true" : "false";
    line += R"(,"error":)";
    line += r.error.empty() ? "null" : json_string(r.error);
    line += R"(,"error_kind":)";
    line += r.ok() ? "null" : json_string(to_string(r.kind));
    line += R"(,"final_url":)";
    line += json_string(r.final_url.empty() ? r.url : r.final_url);
    line += R"(,"redirects":)";
    line += std::to_string(r.redirects);
    line += R"(,"wire_bytes":)";
    line += std::to_string(r.wire_bytes);
    line += R"(,"file":)";
    line += r.file.empty() ? "null" : json_string(r.file);
    line += R"(,"attempts":)";
    line += std::to_string(r.attempts);
    line += R"(,"dns_ms":)";
    line += json_number(r.dns_ms, 3);
    line += R"(,"connect_ms":)";
    line += json_number(r.connect_ms, 3);
    line += R"(,"tls_ms":)";
    line += json_number(r.tls_ms, 3);
    line += R"(,"total_ms":)";
    line += json_number(r.time_ms, 3);
    line += R"(,"http_version":)";
    line += r.http_version.empty() ? "null" : json_string(r.http_version);
    line += "}\n";
    return line;
}

std::string format_record(output_format f, const fetch_result& r)
{
    switch (f)
    {
    case output_format::tsv: return format_tsv(r);
    case output_format::table: return format_table_row(r);
    case output_format::json: return format_json(r);
    }
    return format_tsv(r);
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
    return text;
}

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
