// Per-URL records: a TSV line, an aligned table row and its header, an NDJSON object.
#include "asyncfetch/report.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/units.hpp"
#include "report_text.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <string>
#include <string_view>

namespace asyncfetch {

using namespace detail;

namespace {

// Table columns: status left-aligned, then bytes and time right-aligned, then the URL.
constexpr std::size_t status_width = 6;
constexpr std::size_t bytes_width = 12;
constexpr std::size_t time_width = 10;  // including " ms"
constexpr std::string_view column_gap = "  ";

/// The most digits an unsigned has, and the room write_status() may use (up to two leading zeros
/// come only before fewer digits).
constexpr std::size_t status_digits = std::numeric_limits<unsigned>::digits10 + 1;
constexpr std::size_t status_room = status_digits + 2;

/// Writes status at p with at least three digits ("007", "200"); returns the end.
char* write_status(char* p, unsigned status) noexcept
{
    for (unsigned below = 100; below > 1 && status < below; below /= 10)
        *p++ = '0';
    return std::to_chars(p, p + status_digits, status).ptr;
}

std::string three_digit_status(unsigned status)
{
    std::array<char, status_room> text;
    return {text.data(), write_status(text.data(), status)};
}

}  // namespace

std::string format_tsv(const fetch_result& r)
{
    std::string line;
    line.reserve(48 + r.url.size() + r.error.size());
    append_tsv(line, r);
    return line;
}

void append_tsv(std::string& line, const fetch_result& r)
{
    // Appended in place: a record is written for every URL, into the printer's batch.
    // Status and bytes written into one buffer.
    std::array<char, status_room + 22> head;
    char* p = write_status(head.data(), r.status);
    *p++ = '\t';
    p = std::to_chars(p, head.data() + head.size() - 1, r.bytes).ptr;
    *p++ = '\t';
    line.append(head.data(), p);
    append_fixed_point(line, r.time_ms, 1);
    line += '\t';
    append_one_line(line, r.url);
    line += '\t';
    if (!r.error.empty())
        append_one_line(line, r.error);
    else if (!r.ok())
        line += to_string(r.kind);
    else
        line += '-';
    line += '\n';
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
    line += R"(,"queue_ms":)";
    line += json_number(r.queue_ms, 3);
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
    line += R"(,"remote_ip":)";
    line += r.remote_ip.empty() ? "null" : json_string(r.remote_ip);
    line += R"(,"remote_port":)";
    line += r.remote_ip.empty() ? "null" : std::to_string(r.remote_port);
    line += R"(,"start_ms":)";
    line += json_number(r.start_ms, 3);
    line += R"(,"run":)";
    line += json_string(format_run_id(r.run_id));
    line += R"(,"not_modified":)";
    line += r.not_modified ? "true" : "false";
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

void append_record(std::string& out, output_format f, const fetch_result& r)
{
    if (f == output_format::tsv)
        append_tsv(out, r);
    else
        out += format_record(f, r);
}

}  // namespace asyncfetch
