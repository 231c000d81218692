// Unit tests for the TSV, table and NDJSON records, the summaries, --compare, --stats and the exports.
#include "asyncfetch/report.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace asyncfetch {
namespace {

namespace json = boost::json;

fetch_result success()
{
    fetch_result r;
    r.index = 2;
    r.url = "http://example.com/";
    r.status = 200;
    r.bytes = 1234;
    r.time_ms = 12.3456;
    r.ttfb_ms = 3;
    r.reused = true;
    r.final_url = "http://example.com/final";
    r.redirects = 1;
    r.wire_bytes = 600;
    r.file = "out/final";
    r.attempts = 2;
    r.queue_ms = 0.5;
    r.dns_ms = 1.5;
    r.connect_ms = 0.25;
    r.tls_ms = 2;
    r.http_version = "1.1";
    r.remote_ip = "192.0.2.7";
    r.remote_port = 8443;
    return r;
}

fetch_result dns_failure()
{
    fetch_result r;
    r.index = 0;
    r.url = "http://x.invalid/";
    r.time_ms = 5;
    r.kind = error_kind::dns;
    r.error = "could not resolve host";
    return r;
}

// Parses one NDJSON line, which must end in exactly one '\n'.
json::object parse_line(const std::string& line)
{
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    EXPECT_FALSE(ec) << ec.message() << " in " << line;
    EXPECT_TRUE(v.is_object()) << line;
    return v.is_object() ? v.as_object() : json::object();
}

// ---- TSV

TEST(format_tsv, success)
{
    fetch_result r = success();
    r.time_ms = 12.36;
    EXPECT_EQ(format_tsv(r), "200\t1234\t12.4\thttp://example.com/\t-\n");
}

TEST(format_tsv, failure_without_status)
{
    EXPECT_EQ(format_tsv(dns_failure()), "000\t0\t5.0\thttp://x.invalid/\tcould not resolve host\n");
}

TEST(format_tsv, failure_with_status)
{
    fetch_result r = success();
    r.status = 503;
    r.bytes = 120;
    r.time_ms = 8;
    r.kind = error_kind::http;
    r.error = "HTTP 503";
    EXPECT_EQ(format_tsv(r), "503\t120\t8.0\thttp://example.com/\tHTTP 503\n");
}

TEST(append_record, appends_each_format_after_what_the_batch_holds)
{
    fetch_result r = success();
    r.time_ms = 12.36;
    for (auto f : {output_format::tsv, output_format::table, output_format::json})
    {
        std::string batch = "earlier records\n";
        append_record(batch, f, r);
        append_record(batch, f, dns_failure());
        EXPECT_EQ(batch, "earlier records\n" + format_record(f, r) + format_record(f, dns_failure()));
    }
    std::string batch = "x\n";
    append_tsv(batch, r);
    EXPECT_EQ(batch, "x\n200\t1234\t12.4\thttp://example.com/\t-\n");
}

TEST(format_tsv, failure_without_message_shows_kind)
{
    fetch_result r = dns_failure();
    r.error.clear();
    EXPECT_EQ(format_tsv(r), "000\t0\t5.0\thttp://x.invalid/\tdns\n");
}

TEST(format_tsv, tabs_and_line_breaks_become_spaces)
{
    fetch_result r = dns_failure();
    r.url = "http://example.com/a\tb";
    r.error = "line one\r\nline\ttwo";
    EXPECT_EQ(format_tsv(r), "000\t0\t5.0\thttp://example.com/a b\tline one  line two\n");
}

TEST(format_tsv, every_control_character_and_del_become_spaces_and_utf8_stays)
{
    fetch_result r = dns_failure();
    r.url = std::string("http://example.com/\x01\x1f\x7f\0z", 24);
    r.error = "caf\xc3\xa9 \xe2\x80\x94 done";
    EXPECT_EQ(format_tsv(r), "000\t0\t5.0\thttp://example.com/    z\tcaf\xc3\xa9 \xe2\x80\x94 done\n");
}

TEST(format_tsv, non_finite_time_is_zero)
{
    fetch_result r = success();
    r.time_ms = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(format_tsv(r), "200\t1234\t0.0\thttp://example.com/\t-\n");
}

// ---- table

TEST(format_table, header) { EXPECT_EQ(format_table_header(), "STATUS        BYTES        TIME  URL\n"); }

TEST(format_table, success_row)
{
    EXPECT_EQ(format_table_row(success()), "200            1234     12.3 ms  http://example.com/\n");
}

TEST(format_table, failure_row)
{
    EXPECT_EQ(format_table_row(dns_failure()),
              "000               0      5.0 ms  http://x.invalid/  dns: could not resolve host\n");
}

TEST(format_table, failure_without_message)
{
    fetch_result r = dns_failure();
    r.error.clear();
    EXPECT_EQ(format_table_row(r), "000               0      5.0 ms  http://x.invalid/  dns\n");
}

TEST(format_table, wide_numbers)
{
    fetch_result r = success();
    r.bytes = 123456789012;
    r.time_ms = 1234.56;
    EXPECT_EQ(format_table_row(r), "200    123456789012   1234.6 ms  http://example.com/\n");
}

TEST(format_table, columns_line_up_with_header)
{
    const std::string header = format_table_header();
    const std::string row = format_table_row(success());
    EXPECT_EQ(header.find("BYTES") + 5, row.find("1234") + 4);
    EXPECT_EQ(header.find("TIME") + 4, row.find(" ms") + 3);
    EXPECT_EQ(header.find("URL"), row.find("http://"));
}

TEST(format_table, no_trailing_spaces)
{
    fetch_result r = success();
    r.url.clear();
    EXPECT_EQ(format_table_row(r), "200            1234     12.3 ms\n");
    r = dns_failure();
    r.error = "refused \n";
    EXPECT_EQ(format_table_row(r), "000               0      5.0 ms  http://x.invalid/  dns: refused\n");
}

TEST(format_table, control_characters_become_spaces)
{
    fetch_result r = dns_failure();
    r.url = "http://x/\ta";
    r.error = "two\nlines";
    EXPECT_EQ(format_table_row(r), "000               0      5.0 ms  http://x/ a  dns: two lines\n");
}

// ---- JSON

TEST(format_json, success_exact)
{
    EXPECT_EQ(
        format_json(success()),
        R"({"type":"result","index":2,"url":"http://example.com/","status":200,"bytes":1234,)"
        R"("time_ms":12.346,"ttfb_ms":3.0,"reused":true,"error":null,"error_kind":null,)"
        R"("final_url":"http://example.com/final","redirects":1,"wire_bytes":600,"file":"out/final",)"
        R"("attempts":2,"queue_ms":0.5,"dns_ms":1.5,"connect_ms":0.25,"tls_ms":2.0,"total_ms":12.346,"http_version":"1.1",)"
        R"("remote_ip":"192.0.2.7","remote_port":8443,"start_ms":0.0,"run":"0000000000000000",)"
        R"("not_modified":false})"
        "\n");
}

TEST(format_json, failure_exact)
{
    EXPECT_EQ(
        format_json(dns_failure()),
        R"({"type":"result","index":0,"url":"http://x.invalid/","status":null,"bytes":0,)"
        R"("time_ms":5.0,"ttfb_ms":0.0,"reused":false,"error":"could not resolve host","error_kind":"dns",)"
        R"("final_url":"http://x.invalid/","redirects":0,"wire_bytes":0,"file":null,"attempts":0,)"
        R"("queue_ms":0.0,"dns_ms":0.0,"connect_ms":0.0,"tls_ms":0.0,"total_ms":5.0,"http_version":null,)"
        R"("remote_ip":null,"remote_port":null,"start_ms":0.0,"run":"0000000000000000",)"
        R"("not_modified":false})"
        "\n");
}

TEST(format_json, success_fields)
{
    json::object o = parse_line(format_json(success()));
    ASSERT_EQ(o.size(), 26u);
    EXPECT_TRUE(o.contains("start_ms"));
    EXPECT_TRUE(o.contains("run"));
    EXPECT_EQ(o.at("final_url").as_string(), "http://example.com/final");
    EXPECT_EQ(o.at("redirects").as_int64(), 1);
    EXPECT_EQ(o.at("wire_bytes").as_int64(), 600);
    EXPECT_EQ(o.at("file").as_string(), "out/final");
    EXPECT_EQ(o.at("attempts").as_int64(), 2);
    EXPECT_DOUBLE_EQ(o.at("queue_ms").as_double(), 0.5);
    EXPECT_DOUBLE_EQ(o.at("dns_ms").as_double(), 1.5);
    EXPECT_DOUBLE_EQ(o.at("connect_ms").as_double(), 0.25);
    EXPECT_DOUBLE_EQ(o.at("tls_ms").as_double(), 2.0);
    EXPECT_DOUBLE_EQ(o.at("total_ms").as_double(), 12.346);
    EXPECT_EQ(o.at("http_version").as_string(), "1.1");
    EXPECT_EQ(o.at("remote_ip").as_string(), "192.0.2.7");
    EXPECT_EQ(o.at("remote_port").as_int64(), 8443);
    EXPECT_EQ(o.at("type").as_string(), "result");
    EXPECT_EQ(o.at("index").as_int64(), 2);
    EXPECT_EQ(o.at("url").as_string(), "http://example.com/");
    EXPECT_EQ(o.at("status").as_int64(), 200);
    EXPECT_EQ(o.at("bytes").as_int64(), 1234);
    EXPECT_DOUBLE_EQ(o.at("time_ms").as_double(), 12.346);
    EXPECT_DOUBLE_EQ(o.at("ttfb_ms").as_double(), 3.0);
    EXPECT_TRUE(o.at("reused").as_bool());
    EXPECT_TRUE(o.at("error").is_null());
    EXPECT_TRUE(o.at("error_kind").is_null());
}

TEST(format_json, failure_fields)
{
    json::object o = parse_line(format_json(dns_failure()));
    ASSERT_EQ(o.size(), 26u);
    EXPECT_TRUE(o.contains("start_ms"));
    EXPECT_TRUE(o.contains("run"));
    EXPECT_TRUE(o.at("file").is_null());
    EXPECT_TRUE(o.at("http_version").is_null());
    EXPECT_TRUE(o.at("remote_ip").is_null());
    EXPECT_TRUE(o.at("remote_port").is_null());
    EXPECT_EQ(o.at("final_url").as_string(), "http://x.invalid/");
    EXPECT_EQ(o.at("type").as_string(), "result");
    EXPECT_EQ(o.at("index").as_int64(), 0);
    EXPECT_EQ(o.at("url").as_string(), "http://x.invalid/");
    EXPECT_TRUE(o.at("status").is_null());
    EXPECT_EQ(o.at("bytes").as_int64(), 0);
    EXPECT_DOUBLE_EQ(o.at("time_ms").as_double(), 5.0);
    EXPECT_DOUBLE_EQ(o.at("ttfb_ms").as_double(), 0.0);
    EXPECT_FALSE(o.at("reused").as_bool());
    EXPECT_EQ(o.at("error").as_string(), "could not resolve host");
    EXPECT_EQ(o.at("error_kind").as_string(), "dns");
}

TEST(format_json, start_and_run_come_last)
{
    fetch_result r = success();
    r.start_ms = 12.3456;
    r.run_id = 0x00ab'cdef'0123'4567ULL;
    json::object o = parse_line(format_json(r));
    EXPECT_DOUBLE_EQ(o.at("start_ms").as_double(), 12.346);
    EXPECT_EQ(o.at("run").as_string(), "00abcdef01234567");
    const std::string line = format_json(r);
    EXPECT_GT(line.find("\"run\":"), line.find("\"start_ms\":"));
    EXPECT_GT(line.find("\"start_ms\":"), line.find("\"http_version\":"));
}

TEST(format_json, keys_in_order)
{
    const std::string line = format_json(dns_failure());
    const char* keys[] = {
        "type",      "index",       "url",        "status",     "bytes",       "time_ms",    "ttfb_ms",
        "reused",    "error",       "error_kind", "final_url",  "redirects",   "wire_bytes", "file",
        "attempts",  "queue_ms",    "dns_ms",     "connect_ms", "tls_ms",      "total_ms",   "http_version",
        "remote_ip", "remote_port", "start_ms",   "run",        "not_modified"};
    std::size_t last = 0;
    for (const char* key : keys)
    {
        const std::size_t pos = line.find('"' + std::string(key) + "\":");
        ASSERT_NE(pos, std::string::npos) << key;
        EXPECT_GT(pos, last) << key;
        last = pos;
    }
}

TEST(format_json, numbers_round_to_three_decimals)
{
    fetch_result r = success();
    r.time_ms = 1234.5678;
    r.ttfb_ms = 0.0004;
    EXPECT_NE(format_json(r).find(R"("time_ms":1234.568,"ttfb_ms":0.0,)"), std::string::npos);
    r.time_ms = 2.25;
    r.ttfb_ms = -0.0001;
    EXPECT_NE(format_json(r).find(R"("time_ms":2.25,"ttfb_ms":0.0,)"), std::string::npos);
}

TEST(format_json, non_finite_numbers_become_zero)
{
    fetch_result r = success();
    r.time_ms = std::numeric_limits<double>::quiet_NaN();
    r.ttfb_ms = std::numeric_limits<double>::infinity();
    const std::string line = format_json(r);
    EXPECT_NE(line.find(R"("time_ms":0.0,"ttfb_ms":0.0,)"), std::string::npos) << line;
    parse_line(line);
}

TEST(format_json, escapes_quotes_backslashes_and_control_characters)
{
    fetch_result r = dns_failure();
    r.url = "http://x/\"q\"\\";
    r.error = "a\tb\x01z\n\x7fy";
    const std::string line = format_json(r);
    EXPECT_NE(line.find(R"("url":"http://x/\"q\"\\")"), std::string::npos) << line;
    EXPECT_NE(line.find("\"error\":\"a\\tb\\u0001z\\n\x7fy\""), std::string::npos) << line;
    json::object o = parse_line(line);
    EXPECT_EQ(o.at("url").as_string(), r.url);
    EXPECT_EQ(o.at("error").as_string(), r.error);
}

TEST(format_json, embedded_nul_is_escaped)
{
    fetch_result r = dns_failure();
    r.error = std::string("a\0b", 3);
    const std::string line = format_json(r);
    EXPECT_NE(line.find(R"("error":"a\u0000b")"), std::string::npos) << line;
    EXPECT_EQ(parse_line(line).at("error").as_string(), json::string_view("a\0b", 3));
}

TEST(format_json, invalid_utf8_becomes_replacement_characters)
{
    const std::string fffd = "\xEF\xBF\xBD";
    fetch_result r = dns_failure();
    // Stray bytes, a lead byte without its continuation, and a sequence cut at the end.
    r.url = "http://x/\xff\xfe/\xc3(/\xe2\x82";
    // An encoded surrogate and an overlong '/', then valid two-, three- and four-byte characters.
    r.error = "\xed\xa0\x80|\xc0\xaf|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

    // Boost.JSON's parser rejects the raw input, so the test would notice it passing through.
    boost::system::error_code ec;
    json::parse("\"" + r.url + "\"", ec);
    EXPECT_TRUE(ec);

    json::object o = parse_line(format_json(r));
    EXPECT_EQ(o.at("url").as_string(), "http://x/" + fffd + fffd + "/" + fffd + "(/" + fffd);
    EXPECT_EQ(o.at("error").as_string(),
              fffd + fffd + fffd + "|" + fffd + fffd + "|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(format_json, utf8_above_unicode_range_is_replaced)
{
    fetch_result r = dns_failure();
    r.error = "\xf4\x90\x80\x80.\xf5\x80";
    json::object o = parse_line(format_json(r));
    EXPECT_EQ(o.at("error").as_string(),
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.\xEF\xBF\xBD\xEF\xBF\xBD");
}

// ---- format_record

TEST(format_record, dispatches_on_format)
{
    const fetch_result r = dns_failure();
    EXPECT_EQ(format_record(output_format::tsv, r), format_tsv(r));
    EXPECT_EQ(format_record(output_format::table, r), format_table_row(r));
    EXPECT_EQ(format_record(output_format::json, r), format_json(r));
}

// ---- summaries

run_summary summary(std::size_t count, std::size_t ok, std::uint64_t bytes, double elapsed_ms)
{
    run_summary s;
    s.count = count;
    s.ok = ok;
    s.failed = count - ok;
    s.bytes = bytes;
    s.elapsed_ms = elapsed_ms;
    return s;
}

fetch_result result_at(std::string url,
                       unsigned status,
                       std::uint64_t bytes,
                       double time_ms,
                       error_kind kind = error_kind::none)
{
    fetch_result r;
    r.url = std::move(url);
    r.status = status;
    r.bytes = bytes;
    r.time_ms = time_ms;
    r.kind = kind;
    return r;
}

// Every line of human text ends in '\n' without a space before it.
void expect_clean_lines(const std::string& text)
{
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n') << text;
    EXPECT_EQ(text.find(" \n"), std::string::npos) << text;
}

// The line of `text` that starts with `prefix`, with its '\n'; "" when there is none.
std::string line_starting(const std::string& text, const std::string& prefix)
{
    std::size_t start = 0;
    while (start < text.size())
    {
        const std::size_t end = text.find('\n', start);
        const std::size_t next = end == std::string::npos ? text.size() : end + 1;
        if (text.compare(start, prefix.size(), prefix) == 0)
            return text.substr(start, next - start);
        start = next;
    }
    return {};
}

// Columns of a line on a terminal: one per UTF-8 code point.
std::size_t columns_of(const std::string& line)
{
    std::size_t n = 0;
    for (char c : line)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    return n;
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size())
    {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
        {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

TEST(format_summary_text, plural)
{
    EXPECT_EQ(format_summary_text(summary(3, 3, 3072, 1004)),
              "3 URLs: 3 ok, 0 failed, 3.0 KiB in 1.004 s (2.99 req/s)\n"
              "throughput: 3.0 KiB/s\n");
}

TEST(format_summary_text, singular)
{
    EXPECT_EQ(format_summary_text(summary(1, 0, 512, 100)),
              "1 URL: 0 ok, 1 failed, 512 B in 0.100 s (10.00 req/s)\n"
              "throughput: 5.0 KiB/s\n");
}

TEST(format_summary_text, empty_run)
{
    EXPECT_EQ(format_summary_text(run_summary{}), "0 URLs: 0 ok, 0 failed, 0 B in 0.000 s (0.00 req/s)\n");
}

std::string bytes_text(std::uint64_t bytes)
{
    const std::string text = format_summary_text(summary(2, 2, bytes, 1000));
    const std::string line = text.substr(0, text.find('\n') + 1);
    const std::string prefix = "2 URLs: 2 ok, 0 failed, ";
    const std::string suffix = " in 1.000 s (2.00 req/s)\n";
    EXPECT_EQ(line.substr(0, prefix.size()), prefix);
    EXPECT_GE(line.size(), prefix.size() + suffix.size());
    EXPECT_EQ(line.substr(line.size() - suffix.size()), suffix);
    return line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
}

TEST(format_summary_text, byte_units)
{
    constexpr std::uint64_t kib = 1024;
    constexpr std::uint64_t mib = kib * 1024;
    constexpr std::uint64_t gib = mib * 1024;
    EXPECT_EQ(bytes_text(0), "0 B");
    EXPECT_EQ(bytes_text(1023), "1023 B");
    EXPECT_EQ(bytes_text(kib), "1.0 KiB");
    EXPECT_EQ(bytes_text(1536), "1.5 KiB");
    EXPECT_EQ(bytes_text(mib - 1), "1.0 MiB");
    EXPECT_EQ(bytes_text(mib + mib / 4), "1.2 MiB");
    EXPECT_EQ(bytes_text(700 * mib), "700.0 MiB");
    EXPECT_EQ(bytes_text(3 * gib), "3.0 GiB");
    EXPECT_EQ(bytes_text(5 * 1024 * gib), "5120.0 GiB");
}

TEST(format_summary_text, every_line)
{
    run_summary s;
    s.add(result_at("http://a/", 200, 1000, 10));
    s.add(result_at("http://a/", 200, 1000, 20));
    s.add(result_at("http://a/", 404, 24, 30));
    s.add(result_at("http://b/", 0, 0, 5000, error_kind::timeout));
    s.elapsed_ms = 5000;
    s.connections_opened = 2;
    s.connections_reused = 2;
    const std::string text = format_summary_text(s);
    EXPECT_EQ(text,
              "4 URLs: 3 ok, 1 failed, 2.0 KiB in 5.000 s (0.80 req/s)\n"
              "latency: min 10.0 ms, p50 25.0 ms, p90 3509.0 ms, p99 4850.9 ms, max 5000.0 ms\n"
              "throughput: 405 B/s\n"
              "status: 200 ×2, 404 ×1\n"
              "errors: timeout ×1\n"
              "connections: 2 opened, 2 reused\n");
    expect_clean_lines(text);
}

TEST(format_summary_text, tallies_most_frequent_first)
{
    run_summary s;
    s.status_counts = {{200, 5}, {404, 5}, {500, 7}, {301, 0}};
    s.error_counts = {{"connect", 1}, {"timeout", 3}, {"dns", 1}};
    const std::string text = format_summary_text(s);
    EXPECT_EQ(line_starting(text, "status: "), "status: 500 ×7, 200 ×5, 404 ×5\n") << text;
    EXPECT_EQ(line_starting(text, "errors: "), "errors: timeout ×3, connect ×1, dns ×1\n") << text;
}

TEST(format_summary_text, tls_handshakes_singular_and_plural)
{
    run_summary s;
    s.connections_opened = 1;
    s.tls_handshakes = 1;
    EXPECT_EQ(line_starting(format_summary_text(s), "connections: "),
              "connections: 1 opened, 0 reused, 1 TLS handshake\n");
    s.connections_opened = 4;
    s.connections_reused = 96;
    s.tls_handshakes = 4;
    EXPECT_EQ(line_starting(format_summary_text(s), "connections: "),
              "connections: 4 opened, 96 reused, 4 TLS handshakes\n");
}

TEST(format_summary_text, dns_lookups_only_when_there_were_some)
{
    run_summary s;
    EXPECT_EQ(line_starting(format_summary_text(s), "dns: "), "");
    s.dns_lookups = 1;
    EXPECT_EQ(line_starting(format_summary_text(s), "dns: "), "dns: 1 lookup\n");
    s.dns_lookups = 1000;
    EXPECT_EQ(line_starting(format_summary_text(s), "dns: "), "dns: 1000 lookups\n");
}

TEST(format_summary_text, connections_without_tls)
{
    run_summary s;
    s.connections_reused = 3;
    EXPECT_EQ(line_starting(format_summary_text(s), "connections: "), "connections: 0 opened, 3 reused\n");
}

TEST(format_summary_text, optional_lines_left_out)
{
    // No latencies, no bytes, no statuses, no errors, no connections: only the first line.
    run_summary s = summary(2, 2, 0, 1000);
    EXPECT_EQ(format_summary_text(s), "2 URLs: 2 ok, 0 failed, 0 B in 1.000 s (2.00 req/s)\n");
    // Bytes without elapsed time have no rate.
    s.bytes = 100;
    s.elapsed_ms = 0;
    EXPECT_EQ(line_starting(format_summary_text(s), "throughput"), "");
}

TEST(format_summary_text, throughput_units)
{
    run_summary s = summary(1, 1, 25 * 1024 * 1024, 2000);
    EXPECT_EQ(line_starting(format_summary_text(s), "throughput: "), "throughput: 12.5 MiB/s\n");
    s.bytes = 1000;
    s.elapsed_ms = 1000;
    EXPECT_EQ(line_starting(format_summary_text(s), "throughput: "), "throughput: 1000 B/s\n");
}

// How the latency line shows a single sample of `ms`.
std::string shown(double ms)
{
    run_summary s;
    s.latencies_ms = {ms};
    const std::string line = line_starting(format_summary_text(s), "latency: ");
    const std::size_t start = std::string("latency: min ").size();
    const std::size_t end = line.find(',');
    if (line.empty() || end == std::string::npos)
        return "(no latency line)";
    const std::string v = line.substr(start, end - start);
    EXPECT_EQ(line, "latency: min " + v + ", p50 " + v + ", p90 " + v + ", p99 " + v + ", max " + v + "\n");
    return v;
}

TEST(format_summary_text, latency_units)
{
    EXPECT_EQ(shown(0), "0.0 ms");
    EXPECT_EQ(shown(0.0004), "0 µs");
    EXPECT_EQ(shown(0.25), "250 µs");
    EXPECT_EQ(shown(0.9994), "999 µs");
    EXPECT_EQ(shown(0.9996), "1.0 ms");
    EXPECT_EQ(shown(1), "1.0 ms");
    EXPECT_EQ(shown(12.34), "12.3 ms");
    EXPECT_EQ(shown(9999.9), "9999.9 ms");
    EXPECT_EQ(shown(9999.97), "10.0 s");
    EXPECT_EQ(shown(10000), "10.0 s");
    EXPECT_EQ(shown(12345), "12.3 s");
    EXPECT_EQ(shown(-5), "0.0 ms");
}

TEST(format_summary_text, non_finite_latencies_are_left_out)
{
    run_summary s;
    s.latencies_ms = {std::numeric_limits<double>::quiet_NaN()};
    EXPECT_EQ(line_starting(format_summary_text(s), "latency"), "");
    s.latencies_ms.add(3);
    EXPECT_EQ(line_starting(format_summary_text(s), "latency"),
              "latency: min 3.0 ms, p50 3.0 ms, p90 3.0 ms, p99 3.0 ms, max 3.0 ms\n");
}

constexpr const char*
    zero_latency_json = R"("latency_ms":{"min":0.0,"p50":0.0,"p90":0.0,"p99":0.0,"max":0.0,"mean":0.0})";

TEST(format_summary_json, started_at_is_rfc3339_utc_with_milliseconds_and_run_is_hex)
{
    using namespace std::chrono;
    EXPECT_EQ(format_utc_time(sys_days(year(2026) / 12 / 2) + hours(17) + minutes(20) + seconds(1) +
                              milliseconds(123) + microseconds(999)),
              "2026-12-02T17:20:01.123Z");
    EXPECT_EQ(format_run_id(0xffffffffffffffffULL), "ffffffffffffffff");
    EXPECT_EQ(format_run_id(1), "0000000000000001");
    run_summary s = summary(1, 1, 10, 5);
    s.started_at = sys_days(year(2000) / 1 / 31) + milliseconds(7);
    s.run_id = 0xdeadbeef;
    json::object o = parse_line(format_summary_json(s));
    EXPECT_EQ(o.at("started_at").as_string(), "2000-01-31T00:00:00.007Z");
    EXPECT_EQ(o.at("run").as_string(), "00000000deadbeef");
}

TEST(format_summary_json, without_compare)
{
    run_summary s = summary(3, 2, 3072, 1004);
    s.connections_opened = 3;
    s.connections_reused = 1;
    s.dns_lookups = 2;
    const std::string line = format_summary_json(s);
    EXPECT_EQ(line,
              R"({"type":"summary","count":3,"ok":2,"failed":1,"bytes":3072,"elapsed_ms":1004.0,)"
              R"("requests_per_second":2.988,"connections_opened":3,"connections_reused":1,)"
              R"("bytes_per_second":3059.761,"effective_parallelism":0.0,"tls_handshakes":0,)" +
                  std::string(zero_latency_json) +
                  R"(,"status_counts":{},"error_counts":{},"dns_lookups":2,)"
                  R"("started_at":"1970-01-01T00:00:00.000Z","run":"0000000000000000"})" +
                  "\n");
    json::object o = parse_line(line);
    EXPECT_EQ(o.size(), 18u);
    EXPECT_EQ(o.at("type").as_string(), "summary");
    EXPECT_EQ(o.at("failed").as_int64(), 1);
    EXPECT_DOUBLE_EQ(o.at("requests_per_second").as_double(), 2.988);
}

TEST(format_summary_json, with_compare)
{
    compare_summary c;
    c.sequential = summary(3, 3, 3072, 3000);
    c.sequential.connections_opened = 1;
    c.sequential.connections_reused = 2;
    c.concurrent = summary(3, 3, 3072, 1100);
    c.concurrent.connections_opened = 3;
    const std::string line = format_summary_json(c.concurrent, &c);
    EXPECT_EQ(line,
              R"({"type":"summary","count":3,"ok":3,"failed":0,"bytes":3072,"elapsed_ms":1100.0,)"
              R"("requests_per_second":2.727,"connections_opened":3,"connections_reused":0,)"
              R"("sequential_ms":3000.0,"concurrent_ms":1100.0,"speedup":2.73,)"
              R"("sequential_connections":1,"concurrent_connections":3,)"
              R"("bytes_per_second":2792.727,"effective_parallelism":0.0,"tls_handshakes":0,)" +
                  std::string(zero_latency_json) +
                  R"(,"status_counts":{},"error_counts":{},)"
                  R"("sequential_runs_ms":[3000.0],"concurrent_runs_ms":[1100.0],)"
                  R"("sequential_mean_ms":3000.0,"sequential_stddev_ms":0.0,)"
                  R"("concurrent_mean_ms":1100.0,"concurrent_stddev_ms":0.0,)"
                  R"("sequential_parallelism":0.0,"concurrent_parallelism":0.0,)"
                  R"("sequential_tls_handshakes":0,"concurrent_tls_handshakes":0,"dns_lookups":0,)"
                  R"("started_at":"1970-01-01T00:00:00.000Z","run":"0000000000000000"})" +
                  "\n");
    json::object o = parse_line(line);
    EXPECT_EQ(o.size(), 33u);
    EXPECT_DOUBLE_EQ(o.at("speedup").as_double(), 2.73);
    EXPECT_EQ(o.at("sequential_connections").as_int64(), 1);
}

TEST(format_summary_json, earlier_keys_come_first_in_their_order)
{
    compare_summary c;
    c.sequential = summary(1, 1, 10, 50);
    c.concurrent = summary(1, 1, 10, 25);
    const std::string line = format_summary_json(c.concurrent, &c);
    const char* keys[] = {"type",
                          "count",
                          "ok",
                          "failed",
                          "bytes",
                          "elapsed_ms",
                          "requests_per_second",
                          "connections_opened",
                          "connections_reused",
                          "sequential_ms",
                          "concurrent_ms",
                          "speedup",
                          "sequential_connections",
                          "concurrent_connections",
                          "bytes_per_second",
                          "effective_parallelism",
                          "tls_handshakes",
                          "latency_ms",
                          "status_counts",
                          "error_counts",
                          "sequential_runs_ms"};
    std::size_t last = 0;
    for (const char* key : keys)
    {
        const std::size_t pos = line.find('"' + std::string(key) + "\":");
        ASSERT_NE(pos, std::string::npos) << key;
        EXPECT_GT(pos, last) << key;
        last = pos;
    }
}

TEST(format_summary_json, counts_latencies_and_runs)
{
    compare_summary c;
    for (run_summary* s : {&c.sequential, &c.concurrent})
    {
        s->add(result_at("http://a/", 200, 100, 10));
        s->add(result_at("http://a/", 200, 100, 30));
        s->add(result_at("http://a/", 404, 5, 20));
        s->add(result_at("http://b/", 0, 0, 40, error_kind::timeout));
        s->add(result_at("http://b/", 0, 0, 0, error_kind::connect));
        s->add(result_at("http://b/", 0, 0, 50, error_kind::timeout));
    }
    c.sequential.elapsed_ms = 150;
    c.sequential.tls_handshakes = 1;
    c.concurrent.elapsed_ms = 50;
    c.concurrent.tls_handshakes = 3;
    c.sequential_runs_ms = {3001, 3003, 3005};
    c.concurrent_runs_ms = {1000, 1001, 1002};

    const std::string line = format_summary_json(c.concurrent, &c);
    EXPECT_NE(line.find(R"("status_counts":{"200":2,"404":1},"error_counts":{"connect":1,"timeout":2})"),
              std::string::npos)
        << line;
    json::object o = parse_line(line);
    EXPECT_DOUBLE_EQ(o.at("elapsed_ms").as_double(), 50);
    EXPECT_DOUBLE_EQ(o.at("sequential_ms").as_double(), 3003) << "the mean of the runs";
    EXPECT_DOUBLE_EQ(o.at("concurrent_ms").as_double(), 1001);
    EXPECT_DOUBLE_EQ(o.at("speedup").as_double(), 3.0);
    EXPECT_DOUBLE_EQ(o.at("sequential_mean_ms").as_double(), 3003);
    EXPECT_DOUBLE_EQ(o.at("sequential_stddev_ms").as_double(), 2);
    EXPECT_DOUBLE_EQ(o.at("concurrent_mean_ms").as_double(), 1001);
    EXPECT_DOUBLE_EQ(o.at("concurrent_stddev_ms").as_double(), 1);
    const json::array& seq_runs = o.at("sequential_runs_ms").as_array();
    ASSERT_EQ(seq_runs.size(), 3u);
    EXPECT_DOUBLE_EQ(seq_runs[0].as_double(), 3001);
    EXPECT_DOUBLE_EQ(seq_runs[2].as_double(), 3005);
    EXPECT_EQ(o.at("concurrent_runs_ms").as_array().size(), 3u);
    EXPECT_DOUBLE_EQ(o.at("sequential_parallelism").as_double(), 1.0);
    EXPECT_DOUBLE_EQ(o.at("concurrent_parallelism").as_double(), 3.0);
    EXPECT_DOUBLE_EQ(o.at("effective_parallelism").as_double(), 3.0);
    EXPECT_EQ(o.at("tls_handshakes").as_int64(), 3);
    EXPECT_EQ(o.at("sequential_tls_handshakes").as_int64(), 1);
    EXPECT_EQ(o.at("concurrent_tls_handshakes").as_int64(), 3);
    EXPECT_DOUBLE_EQ(o.at("bytes_per_second").as_double(), 4100);

    const json::object& latency = o.at("latency_ms").as_object();
    EXPECT_EQ(latency.size(), 6u);
    EXPECT_DOUBLE_EQ(latency.at("min").as_double(), 0);
    EXPECT_DOUBLE_EQ(latency.at("p50").as_double(), 25);
    EXPECT_DOUBLE_EQ(latency.at("p90").as_double(), 45);
    EXPECT_DOUBLE_EQ(latency.at("p99").as_double(), 49.5);
    EXPECT_DOUBLE_EQ(latency.at("max").as_double(), 50);
    EXPECT_DOUBLE_EQ(latency.at("mean").as_double(), 25);

    const json::object& statuses = o.at("status_counts").as_object();
    EXPECT_EQ(statuses.size(), 2u);
    EXPECT_EQ(statuses.at("200").as_int64(), 2);
    EXPECT_EQ(statuses.at("404").as_int64(), 1);
    const json::object& errors = o.at("error_counts").as_object();
    EXPECT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors.at("timeout").as_int64(), 2);
    EXPECT_EQ(errors.at("connect").as_int64(), 1);
}

TEST(format_summary_json, speedup_is_null_without_concurrent_time)
{
    compare_summary c;
    c.sequential = summary(1, 1, 10, 50);
    c.concurrent = summary(1, 1, 10, 0);
    const std::string line = format_summary_json(c.concurrent, &c);
    EXPECT_NE(line.find(R"("concurrent_ms":0.0,"speedup":null,)"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("requests_per_second":0.0,)"), std::string::npos) << line;
    EXPECT_TRUE(parse_line(line).at("speedup").is_null());
}

TEST(format_summary_json, non_finite_numbers_stay_valid_json)
{
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr double inf = std::numeric_limits<double>::infinity();
    compare_summary c;
    c.sequential.elapsed_ms = inf;
    c.sequential.total_request_ms = nan;
    c.sequential.latencies_ms = {nan, inf};
    c.concurrent.elapsed_ms = nan;
    c.concurrent.latencies_ms = {nan, 4};
    c.sequential_runs_ms = {nan, 5};
    c.concurrent_runs_ms = {inf};
    for (const std::string& line : {format_summary_json(c.concurrent, &c), format_summary_json(c.sequential)})
    {
        EXPECT_EQ(line.find("nan"), std::string::npos) << line;
        EXPECT_EQ(line.find("inf"), std::string::npos) << line;
        json::object o = parse_line(line);
        EXPECT_FALSE(o.empty());
    }
    json::object o = parse_line(format_summary_json(c.concurrent, &c));
    EXPECT_DOUBLE_EQ(o.at("sequential_ms").as_double(), 5);
    EXPECT_DOUBLE_EQ(o.at("concurrent_ms").as_double(), 0);
    EXPECT_TRUE(o.at("speedup").is_null());
    EXPECT_DOUBLE_EQ(o.at("latency_ms").as_object().at("max").as_double(), 4);
}

// ---- compare text

// count URLs, one sequential connection and one per URL concurrently; every request takes
// sequential_ms / count, so sequential parallelism is 1.
compare_summary make_compare(std::size_t count, double sequential_ms, double concurrent_ms)
{
    compare_summary c;
    c.sequential = summary(count, count, 0, sequential_ms);
    c.sequential.connections_opened = 1;
    c.sequential.total_request_ms = sequential_ms;
    c.concurrent = summary(count, count, 0, concurrent_ms);
    c.concurrent.connections_opened = count;
    c.concurrent.total_request_ms = sequential_ms;
    return c;
}

TEST(format_compare_text, faster)
{
    const std::string text = format_compare_text(make_compare(3, 3012, 1004));
    EXPECT_EQ(text,
              "                  sequential        concurrent\n"
              "wall time         3.012 s           1.004 s\n"
              "parallelism       1.00              3.00\n"
              "connections       1                 3\n"
              "TLS handshakes    0                 0\n"
              "speedup: 3.00x faster concurrently\n");
    expect_clean_lines(text);
}

TEST(format_compare_text, runs_show_deviation_and_range)
{
    compare_summary c = make_compare(3, 3005, 1002);
    c.sequential.tls_handshakes = 1;
    c.concurrent.tls_handshakes = 3;
    c.sequential_runs_ms = {3001, 3003, 3005};
    c.concurrent_runs_ms = {1000, 1001, 1002};
    const std::string text = format_compare_text(c);
    EXPECT_EQ(text,
              "                  sequential        concurrent\n"
              "wall time         3.003 s           1.001 s\n"
              "  ± σ             0.002 s           0.001 s\n"
              "  range           3.001 … 3.005 s   1.000 … 1.002 s\n"
              "parallelism       1.00              3.00\n"
              "connections       1                 3\n"
              "TLS handshakes    1                 3\n"
              "speedup: 3.00x faster concurrently (3 runs each)\n");
    expect_clean_lines(text);
}

TEST(format_compare_text, wide_values_widen_their_column)
{
    compare_summary c = make_compare(2, 1200000, 3000);
    c.sequential_runs_ms = {100000, 1200000};
    c.concurrent_runs_ms = {1000, 3000};
    EXPECT_EQ(format_compare_text(c),
              "                  sequential             concurrent\n"
              "wall time         650.000 s              2.000 s\n"
              "  ± σ             777.817 s              1.414 s\n"
              "  range           100.000 … 1200.000 s   1.000 … 3.000 s\n"
              "parallelism       1.00                   400.00\n"
              "connections       1                      2\n"
              "TLS handshakes    0                      0\n"
              "speedup: 325.00x faster concurrently (2 runs each)\n");
}

TEST(format_compare_text, different_run_counts)
{
    compare_summary c = make_compare(2, 400, 200);
    c.sequential_runs_ms = {400};
    c.concurrent_runs_ms = {100, 300};
    const std::string text = format_compare_text(c);
    EXPECT_EQ(line_starting(text, "  ± σ"), "  ± σ             0.000 s           0.141 s\n") << text;
    EXPECT_EQ(line_starting(text, "  range"), "  range           0.400 … 0.400 s   0.100 … 0.300 s\n")
        << text;
    EXPECT_EQ(line_starting(text, "speedup"),
              "speedup: 2.00x faster concurrently (1 sequential run, 2 concurrent runs)\n");
    c.sequential_runs_ms = {400, 400, 400};
    EXPECT_EQ(line_starting(format_compare_text(c), "speedup"),
              "speedup: 2.00x faster concurrently (3 sequential runs, 2 concurrent runs)\n");
}

TEST(format_compare_text, slower)
{
    EXPECT_EQ(format_compare_text(make_compare(2, 1000, 2000)),
              "                  sequential        concurrent\n"
              "wall time         1.000 s           2.000 s\n"
              "parallelism       1.00              0.50\n"
              "connections       1                 2\n"
              "TLS handshakes    0                 0\n"
              "speedup: 0.50x (2.00x slower concurrently)\n");
}

TEST(format_compare_text, slower_over_runs)
{
    compare_summary c = make_compare(2, 1000, 2000);
    c.sequential_runs_ms = {1000, 1000};
    c.concurrent_runs_ms = {2000, 2000};
    EXPECT_EQ(line_starting(format_compare_text(c), "speedup"),
              "speedup: 0.50x (2.00x slower concurrently, 2 runs each)\n");
}

TEST(format_compare_text, same_speed)
{
    EXPECT_EQ(line_starting(format_compare_text(make_compare(2, 1000, 1001)), "speedup"),
              "speedup: 1.00x (same speed)\n");
    compare_summary c = make_compare(2, 1000, 1001);
    c.sequential_runs_ms = {1000, 1000};
    c.concurrent_runs_ms = {1001, 1001};
    EXPECT_EQ(line_starting(format_compare_text(c), "speedup"), "speedup: 1.00x (same speed, 2 runs each)\n");
}

TEST(format_compare_text, no_concurrent_time)
{
    EXPECT_EQ(format_compare_text(make_compare(2, 1000, 0)),
              "                  sequential        concurrent\n"
              "wall time         1.000 s           0.000 s\n"
              "parallelism       1.00              0.00\n"
              "connections       1                 2\n"
              "TLS handshakes    0                 0\n"
              "speedup: n/a\n");
}

// ---- --stats

TEST(format_stats_text, empty_summary)
{
    EXPECT_EQ(format_stats_text(run_summary{}), "no results\n");
    EXPECT_EQ(format_stats_text(run_summary{}, 10), "no results\n");
}

run_summary stats_run()
{
    run_summary s;
    s.add(result_at("http://b/", 200, 1000, 10));
    s.add(result_at("http://b/x", 200, 1000, 30));
    s.add(result_at("http://a/", 200, 512, 20));
    s.add(result_at("http://a/", 0, 0, 40, error_kind::connect));
    s.add(result_at("junk", 0, 0, 0, error_kind::invalid_url));
    s.add(result_at("HTTPS://C/", 200, 5, 7));
    return s;
}

TEST(format_stats_text, hosts_and_histogram)
{
    const std::string text = format_stats_text(stats_run(), 40);
    EXPECT_EQ(text,
              "HOST       REQUESTS  OK  FAILED    BYTES      P50      P99\n"
              "http://a          2   1       1    512 B  30.0 ms  39.8 ms\n"
              "http://b          2   2       0  2.0 KiB  20.0 ms  29.8 ms\n"
              "(invalid)         1   0       1      0 B   0.0 ms   0.0 ms\n"
              "https://c         1   1       0      5 B   7.0 ms   7.0 ms\n"
              "\n"
              "latency histogram:\n"
              "   0.0 ms …  6.7 ms  ████████▌ 1\n"
              "   6.7 ms … 13.3 ms  █████████████████ 2\n"
              "  13.3 ms … 20.0 ms  0\n"
              "  20.0 ms … 26.7 ms  ████████▌ 1\n"
              "  26.7 ms … 33.3 ms  ████████▌ 1\n"
              "  33.3 ms … 40.0 ms  ████████▌ 1\n");
    expect_clean_lines(text);
}

TEST(format_stats_text, all_equal_samples_make_one_bucket)
{
    run_summary s;
    for (int i = 0; i < 5; ++i)
        s.add(result_at("http://x/", 200, 0, 12.34));
    EXPECT_EQ(format_stats_text(s, 30),
              "HOST      REQUESTS  OK  FAILED  BYTES      P50      P99\n"
              "http://x         5   5       0    0 B  12.3 ms  12.3 ms\n"
              "\n"
              "latency histogram:\n"
              "  12.3 ms  █████████████████ 5\n");
}

TEST(format_stats_text, edges_that_print_the_same_merge_buckets)
{
    run_summary s;
    s.add(result_at("http://x/", 200, 0, 1.0));
    s.add(result_at("http://x/", 200, 0, 1.04));
    const std::string text = format_stats_text(s, 20);
    EXPECT_EQ(text.substr(text.find("latency histogram:\n")),
              "latency histogram:\n"
              "  1.0 ms  ████████ 2\n");
}

// The histogram lines of --stats output.
std::vector<std::string> histogram_lines(const std::string& text)
{
    const std::string heading = "latency histogram:\n";
    const std::size_t at = text.find(heading);
    if (at == std::string::npos)
        return {};
    return lines_of(text.substr(at + heading.size()));
}

TEST(format_stats_text, at_most_ten_buckets_and_no_more_than_samples)
{
    run_summary s;
    for (int i = 1; i <= 100; ++i)
        s.add(result_at("http://x/", 200, 0, i));
    EXPECT_EQ(histogram_lines(format_stats_text(s)).size(), 10u);

    run_summary three;
    for (double ms : {1.0, 2.0, 3.0})
        three.add(result_at("http://x/", 200, 0, ms));
    const std::vector<std::string> lines = histogram_lines(format_stats_text(three, 40));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "  1.0 ms … 1.7 ms  ███████████████████ 1");
    EXPECT_EQ(lines[2], "  2.3 ms … 3.0 ms  ███████████████████ 1");
}

TEST(format_stats_text, lines_fit_the_width)
{
    run_summary s;
    for (int i = 0; i < 1000; ++i)
        s.add(result_at("http://x/", 200, 0, 0.5 + (i * 37 % 101) * (i % 3 + 1)));
    for (std::size_t width : {30u, 40u, 60u, 100u})
    {
        const std::vector<std::string> lines = histogram_lines(format_stats_text(s, width));
        ASSERT_FALSE(lines.empty());
        std::size_t widest = 0;
        for (const std::string& line : lines)
        {
            EXPECT_LE(columns_of(line), width) << line;
            widest = std::max(widest, columns_of(line));
        }
        EXPECT_EQ(widest, width) << "the fullest bucket's bar takes all the room";
    }
}

TEST(format_stats_text, partial_blocks_in_eighths)
{
    // With room for a two-column bar, a bucket of k samples next to one of 16 is k eighths wide.
    const char* eighths[] = {"▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    for (int k = 1; k <= 7; ++k)
    {
        run_summary s;
        for (int i = 0; i < 16; ++i)
            s.add(result_at("http://x/", 200, 0, 1));
        for (int i = 0; i < k; ++i)
            s.add(result_at("http://x/", 200, 0, 2));
        // "  1.9 ms … 2.0 ms  " is 19 columns, then the bar and " 16".
        const std::vector<std::string> lines = histogram_lines(format_stats_text(s, 24));
        ASSERT_EQ(lines.size(), 10u) << k;
        EXPECT_EQ(lines.front(), "  1.0 ms … 1.1 ms  ██ 16") << k;
        EXPECT_EQ(lines.back(),
                  "  1.9 ms … 2.0 ms  " + std::string(eighths[k - 1]) + " " + std::to_string(k));
    }
}

TEST(format_stats_text, small_counts_still_show_a_sliver)
{
    run_summary s;
    for (int i = 0; i < 1000; ++i)
        s.add(result_at("http://x/", 200, 0, 1));
    s.add(result_at("http://x/", 200, 0, 2));
    const std::vector<std::string> lines = histogram_lines(format_stats_text(s, 25));
    ASSERT_EQ(lines.size(), 10u);
    EXPECT_EQ(lines.front(), "  1.0 ms … 1.1 ms  █ 1000");
    EXPECT_EQ(lines[1], "  1.1 ms … 1.2 ms  0");
    EXPECT_EQ(lines.back(), "  1.9 ms … 2.0 ms  ▏ 1");
}

TEST(format_stats_text, sub_millisecond_buckets_in_microseconds)
{
    run_summary s;
    s.add(result_at("http://x/", 200, 0, 0.2));
    s.add(result_at("http://x/", 200, 0, 0.4));
    const std::vector<std::string> lines = histogram_lines(format_stats_text(s, 40));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "  200 µs … 300 µs  ███████████████████ 1");
    EXPECT_EQ(lines[1], "  300 µs … 400 µs  ███████████████████ 1");
}

TEST(format_stats_text, no_histogram_without_finite_latencies)
{
    run_summary s = summary(1, 1, 0, 10);
    s.hosts["http://x"].count = 1;
    s.hosts["http://x"].ok = 1;
    EXPECT_EQ(format_stats_text(s),
              "HOST      REQUESTS  OK  FAILED  BYTES  P50  P99\n"
              "http://x         1   1       0    0 B    -    -\n");
}

// ---- --export-json and --export-markdown

compare_summary exported()
{
    compare_summary c;
    for (run_summary* s : {&c.sequential, &c.concurrent})
    {
        s->add(result_at("http://a/", 200, 100, 100));
        s->add(result_at("http://a/", 200, 200, 110));
    }
    c.sequential.elapsed_ms = 210;
    c.sequential.connections_opened = 1;
    c.sequential.tls_handshakes = 1;
    c.concurrent.elapsed_ms = 100;
    c.concurrent.connections_opened = 2;
    c.concurrent.tls_handshakes = 2;
    c.sequential_runs_ms = {190, 200, 210};
    c.concurrent_runs_ms = {100, 100, 100};
    return c;
}

TEST(format_compare_export_json, exact)
{
    EXPECT_EQ(format_compare_export_json(exported()),
              "{\n"
              "  \"sequential\": {\n"
              "    \"runs_ms\": [190.0, 200.0, 210.0],\n"
              "    \"mean_ms\": 200.0,\n"
              "    \"stddev_ms\": 10.0,\n"
              "    \"min_ms\": 190.0,\n"
              "    \"max_ms\": 210.0,\n"
              "    \"count\": 2,\n"
              "    \"ok\": 2,\n"
              "    \"failed\": 0,\n"
              "    \"bytes\": 300,\n"
              "    \"connections_opened\": 1,\n"
              "    \"tls_handshakes\": 1,\n"
              "    \"parallelism\": 1.0,\n"
              "    \"latency_ms\": {\n"
              "      \"min\": 100.0,\n"
              "      \"p50\": 105.0,\n"
              "      \"p90\": 109.0,\n"
              "      \"p99\": 109.9,\n"
              "      \"max\": 110.0,\n"
              "      \"mean\": 105.0\n"
              "    }\n"
              "  },\n"
              "  \"concurrent\": {\n"
              "    \"runs_ms\": [100.0, 100.0, 100.0],\n"
              "    \"mean_ms\": 100.0,\n"
              "    \"stddev_ms\": 0.0,\n"
              "    \"min_ms\": 100.0,\n"
              "    \"max_ms\": 100.0,\n"
              "    \"count\": 2,\n"
              "    \"ok\": 2,\n"
              "    \"failed\": 0,\n"
              "    \"bytes\": 300,\n"
              "    \"connections_opened\": 2,\n"
              "    \"tls_handshakes\": 2,\n"
              "    \"parallelism\": 2.1,\n"
              "    \"latency_ms\": {\n"
              "      \"min\": 100.0,\n"
              "      \"p50\": 105.0,\n"
              "      \"p90\": 109.0,\n"
              "      \"p99\": 109.9,\n"
              "      \"max\": 110.0,\n"
              "      \"mean\": 105.0\n"
              "    }\n"
              "  },\n"
              "  \"speedup\": 2.0\n"
              "}\n");
}

json::object parse_document(const std::string& text)
{
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    EXPECT_FALSE(ec) << ec.message() << " in " << text;
    EXPECT_TRUE(v.is_object()) << text;
    return v.is_object() ? v.as_object() : json::object();
}

TEST(format_compare_export_json, parses_back)
{
    compare_summary c = exported();
    c.concurrent.add(result_at("http://a/", 0, 0, 5, error_kind::timeout));
    json::object o = parse_document(format_compare_export_json(c));
    ASSERT_EQ(o.size(), 3u);
    EXPECT_DOUBLE_EQ(o.at("speedup").as_double(), 2.0);
    const json::object& seq = o.at("sequential").as_object();
    EXPECT_EQ(seq.size(), 13u);
    EXPECT_EQ(seq.at("runs_ms").as_array().size(), 3u);
    EXPECT_DOUBLE_EQ(seq.at("stddev_ms").as_double(), 10);
    EXPECT_DOUBLE_EQ(seq.at("parallelism").as_double(), 1.0);
    const json::object& conc = o.at("concurrent").as_object();
    EXPECT_EQ(conc.at("count").as_int64(), 3);
    EXPECT_EQ(conc.at("failed").as_int64(), 1);
    EXPECT_DOUBLE_EQ(conc.at("latency_ms").as_object().at("min").as_double(), 5);
    EXPECT_DOUBLE_EQ(conc.at("parallelism").as_double(), 2.15);
}

TEST(format_compare_export_json, single_run_and_no_speedup)
{
    compare_summary c = make_compare(2, 1000, 0);
    json::object o = parse_document(format_compare_export_json(c));
    EXPECT_TRUE(o.at("speedup").is_null());
    const json::object& seq = o.at("sequential").as_object();
    const json::array& runs = seq.at("runs_ms").as_array();
    ASSERT_EQ(runs.size(), 1u) << "without --runs, the one run's elapsed time";
    EXPECT_DOUBLE_EQ(runs[0].as_double(), 1000);
    EXPECT_DOUBLE_EQ(seq.at("mean_ms").as_double(), 1000);
    EXPECT_DOUBLE_EQ(seq.at("stddev_ms").as_double(), 0);
    EXPECT_DOUBLE_EQ(o.at("concurrent").as_object().at("mean_ms").as_double(), 0);
}

TEST(format_compare_export_json, non_finite_numbers_stay_valid_json)
{
    compare_summary c;
    c.sequential.elapsed_ms = std::numeric_limits<double>::infinity();
    c.sequential.latencies_ms = {std::numeric_limits<double>::quiet_NaN()};
    c.concurrent_runs_ms = {std::numeric_limits<double>::quiet_NaN()};
    const std::string text = format_compare_export_json(c);
    EXPECT_EQ(text.find("nan"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos) << text;
    EXPECT_EQ(parse_document(text).size(), 3u);
}

TEST(format_compare_export_markdown, exact)
{
    EXPECT_EQ(format_compare_export_markdown(exported()),
              "| pass | mean (ms) | σ (ms) | min (ms) | max (ms) | parallelism | connections |\n"
              "|:---|---:|---:|---:|---:|---:|---:|\n"
              "| sequential | 200.0 | 10.0 | 190.0 | 210.0 | 1.00 | 1 |\n"
              "| concurrent | 100.0 | 0.0 | 100.0 | 100.0 | 2.10 | 2 |\n"
              "\n"
              "**Speedup: 2.00x**\n");
}

TEST(format_compare_export_markdown, single_run_and_no_speedup)
{
    EXPECT_EQ(format_compare_export_markdown(make_compare(2, 1000, 0)),
              "| pass | mean (ms) | σ (ms) | min (ms) | max (ms) | parallelism | connections |\n"
              "|:---|---:|---:|---:|---:|---:|---:|\n"
              "| sequential | 1000.0 | 0.0 | 1000.0 | 1000.0 | 1.00 | 1 |\n"
              "| concurrent | 0.0 | 0.0 | 0.0 | 0.0 | 0.00 | 2 |\n"
              "\n"
              "**Speedup: n/a**\n");
}

}  // namespace
}  // namespace asyncfetch
