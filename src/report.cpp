// Renders results and summaries as text: TSV, an aligned table, NDJSON, and the stderr summary.
#include "asyncfetch/report.hpp"

#include "asyncfetch/error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace asyncfetch {

namespace {

// Table columns: status left-aligned, then bytes and time right-aligned, then the URL.
constexpr std::size_t status_width = 6;
constexpr std::size_t bytes_width = 12;
constexpr std::size_t time_width = 10;  // including " ms"
constexpr std::string_view column_gap = "  ";

double finite_or_zero(double v) noexcept { return std::isfinite(v) ? v : 0.0; }

// v with exactly `decimals` digits after the point; never "nan", "inf" or "-0.0".
std::string fixed(double v, int decimals)
{
    std::array<char, 400> buf;  // room for the largest double in fixed notation
    auto [end, ec] = std::to_chars(buf.data(),
                                   buf.data() + buf.size(),
                                   finite_or_zero(v),
                                   std::chars_format::fixed,
                                   decimals);
    if (ec != std::errc{})
        return "0";
    std::string s(buf.data(), end);
    if (s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos)
        s.erase(0, 1);
    return s;
}

// A JSON number rounded to at most `decimals` places, trailing zeros dropped but one kept ("12.0").
std::string json_number(double v, int decimals)
{
    std::string s = fixed(v, decimals);
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

void pad_left(std::string& out, std::string_view s, std::size_t width)
{
    if (s.size() < width)
        out.append(width - s.size(), ' ');
    out.append(s);
}

void pad_right(std::string& out, std::string_view s, std::size_t width)
{
    out.append(s);
    if (s.size() < width)
        out.append(width - s.size(), ' ');
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

// "512 B", "3.0 KiB", "1.5 MiB", "2.0 GiB".
std::string human_bytes(std::uint64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    constexpr std::array<std::string_view, 3> units = {"KiB", "MiB", "GiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    // Moves up a unit when the value would print as 1024.0 or more.
    while (unit + 1 < units.size() && v >= 1023.95)
    {
        v /= 1024.0;
        ++unit;
    }
    std::string s = fixed(v, 1);
    s += ' ';
    s += units[unit];
    return s;
}

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural)
{
    std::string s = std::to_string(n);
    s += ' ';
    s += n == 1 ? singular : plural;
    return s;
}

std::string seconds(double ms) { return fixed(finite_or_zero(ms) / 1000.0, 3) + " s"; }

std::string compare_line(std::string_view label, const run_summary& s)
{
    std::string line(label);
    line += count_of(s.count, "URL", "URLs");
    line += " in ";
    line += seconds(s.elapsed_ms);
    line += ", ";
    line += count_of(s.connections_opened, "connection", "connections");
    line += " opened\n";
    return line;
}

}  // namespace

std::string format_tsv(const fetch_result& r)
{
    std::string error = error_text(r);
    std::string line = three_digit_status(r.status);
    line += '\t';
    line += std::to_string(r.bytes);
    line += '\t';
    line += fixed(r.time_ms, 1);
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
    pad_left(line, fixed(r.time_ms, 1) + " ms", time_width);
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
    std::string line = R"({"type":"summary","count":)";
    line += std::to_string(s.count);
    line += R"(,"ok":)";
    line += std::to_string(s.ok);
    line += R"(,"failed":)";
    line += std::to_string(s.failed);
    line += R"(,"bytes":)";
    line += std::to_string(s.bytes);
    line += R"(,"elapsed_ms":)";
    line += json_number(s.elapsed_ms, 3);
    line += R"(,"requests_per_second":)";
    line += json_number(s.requests_per_second(), 3);
    line += R"(,"connections_opened":)";
    line += std::to_string(s.connections_opened);
    line += R"(,"connections_reused":)";
    line += std::to_string(s.connections_reused);
    if (compare != nullptr)
    {
        const double speedup = compare->speedup();
        line += R"(,"sequential_ms":)";
        line += json_number(compare->sequential.elapsed_ms, 3);
        line += R"(,"concurrent_ms":)";
        line += json_number(compare->concurrent.elapsed_ms, 3);
        line += R"(,"speedup":)";
        line += speedup > 0 ? json_number(speedup, 2) : "null";
        line += R"(,"sequential_connections":)";
        line += std::to_string(compare->sequential.connections_opened);
        line += R"(,"concurrent_connections":)";
        line += std::to_string(compare->concurrent.connections_opened);
    }
    line += "}\n";
    return line;
}

std::string format_summary_text(const run_summary& s)
{
    std::string line = count_of(s.count, "URL", "URLs");
    line += ": ";
    line += std::to_string(s.ok);
    line += " ok, ";
    line += std::to_string(s.failed);
    line += " failed, ";
    line += human_bytes(s.bytes);
    line += " in ";
    line += seconds(s.elapsed_ms);
    line += " (";
    line += fixed(s.requests_per_second(), 2);
    line += " req/s)\n";
    return line;
}

std::string format_compare_text(const compare_summary& c)
{
    std::string text = compare_line("sequential:  ", c.sequential);
    text += compare_line("concurrent:  ", c.concurrent);
    text += "speedup:     ";
    const double speedup = c.speedup();
    const std::string times = fixed(speedup, 2);
    if (!(speedup > 0) || !std::isfinite(speedup))
        text += "n/a";
    else if (times == "1.00")
        text += "1.00x (same speed)";
    else if (speedup > 1)
        text += times + "x faster concurrently";
    else
        text += times + "x (" + fixed(1 / speedup, 2) + "x slower concurrently)";
    text += '\n';
    return text;
}

}  // namespace asyncfetch
