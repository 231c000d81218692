// Unit tests for the TSV, table and NDJSON records and the summaries.
#include "asyncfetch/report.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

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
    r.dns_ms = 1.5;
    r.connect_ms = 0.25;
    r.tls_ms = 2;
    r.http_version = "1.1";
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
    EXPECT_EQ(format_json(success()),
              R"({"type":"result","index":2,"url":"http://example.com/","status":200,"bytes":1234,)"
              R"("time_ms":12.346,"ttfb_ms":3.0,"reused":true,"error":null,"error_kind":null,)"
              R"("final_url":"http://example.com/final","redirects":1,"wire_bytes":600,"file":"out/final",)"
              R"("attempts":2,"dns_ms":1.5,"connect_ms":0.25,"tls_ms":2.0,"total_ms":12.346,"http_version":"1.1"})"
              "\n");
}

TEST(format_json, failure_exact)
{
    EXPECT_EQ(
        format_json(dns_failure()),
        R"({"type":"result","index":0,"url":"http://x.invalid/","status":null,"bytes":0,)"
        R"("time_ms":5.0,"ttfb_ms":0.0,"reused":false,"error":"could not resolve host","error_kind":"dns",)"
        R"("final_url":"http://x.invalid/","redirects":0,"wire_bytes":0,"file":null,"attempts":0,)"
        R"("dns_ms":0.0,"connect_ms":0.0,"tls_ms":0.0,"total_ms":5.0,"http_version":null})"
        "\n");
}

TEST(format_json, success_fields)
{
    json::object o = parse_line(format_json(success()));
    ASSERT_EQ(o.size(), 20u);
    EXPECT_EQ(o.at("final_url").as_string(), "http://example.com/final");
    EXPECT_EQ(o.at("redirects").as_int64(), 1);
    EXPECT_EQ(o.at("wire_bytes").as_int64(), 600);
    EXPECT_EQ(o.at("file").as_string(), "out/final");
    EXPECT_EQ(o.at("attempts").as_int64(), 2);
    EXPECT_DOUBLE_EQ(o.at("dns_ms").as_double(), 1.5);
    EXPECT_DOUBLE_EQ(o.at("connect_ms").as_double(), 0.25);
    EXPECT_DOUBLE_EQ(o.at("tls_ms").as_double(), 2.0);
    EXPECT_DOUBLE_EQ(o.at("total_ms").as_double(), 12.346);
    EXPECT_EQ(o.at("http_version").as_string(), "1.1");
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
    ASSERT_EQ(o.size(), 20u);
    EXPECT_TRUE(o.at("file").is_null());
    EXPECT_TRUE(o.at("http_version").is_null());
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

TEST(format_json, keys_in_order)
{
    const std::string line = format_json(dns_failure());
    const char* keys[] =
        {"type",      "index",     "url",      "status", "bytes",  "time_ms", "ttfb_ms",
         "reused",    "error",     "error_kind", "final_url", "redirects", "wire_bytes", "file",
         "attempts",  "dns_ms",    "connect_ms", "tls_ms", "total_ms", "http_version"};
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

TEST(format_summary_text, plural)
{
    EXPECT_EQ(format_summary_text(summary(3, 3, 3072, 1004)),
              "3 URLs: 3 ok, 0 failed, 3.0 KiB in 1.004 s (2.99 req/s)\n");
}

TEST(format_summary_text, singular)
{
    EXPECT_EQ(format_summary_text(summary(1, 0, 512, 100)),
              "1 URL: 0 ok, 1 failed, 512 B in 0.100 s (10.00 req/s)\n");
}

TEST(format_summary_text, empty_run)
{
    EXPECT_EQ(format_summary_text(run_summary{}), "0 URLs: 0 ok, 0 failed, 0 B in 0.000 s (0.00 req/s)\n");
}

std::string bytes_text(std::uint64_t bytes)
{
    const std::string line = format_summary_text(summary(2, 2, bytes, 1000));
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

TEST(format_summary_json, without_compare)
{
    run_summary s = summary(3, 2, 3072, 1004);
    s.connections_opened = 3;
    s.connections_reused = 1;
    const std::string line = format_summary_json(s);
    EXPECT_EQ(line,
              R"({"type":"summary","count":3,"ok":2,"failed":1,"bytes":3072,"elapsed_ms":1004.0,)"
              R"("requests_per_second":2.988,"connections_opened":3,"connections_reused":1})"
              "\n");
    json::object o = parse_line(line);
    EXPECT_EQ(o.size(), 9u);
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
              R"("sequential_connections":1,"concurrent_connections":3})"
              "\n");
    json::object o = parse_line(line);
    EXPECT_EQ(o.size(), 14u);
    EXPECT_DOUBLE_EQ(o.at("speedup").as_double(), 2.73);
    EXPECT_EQ(o.at("sequential_connections").as_int64(), 1);
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

compare_summary make_compare(std::size_t count, double sequential_ms, double concurrent_ms)
{
    compare_summary c;
    c.sequential = summary(count, count, 0, sequential_ms);
    c.sequential.connections_opened = 1;
    c.concurrent = summary(count, count, 0, concurrent_ms);
    c.concurrent.connections_opened = count;
    return c;
}

TEST(format_compare_text, faster)
{
    EXPECT_EQ(format_compare_text(make_compare(3, 3012, 1004)),
              "sequential:  3 URLs in 3.012 s, 1 connection opened\n"
              "concurrent:  3 URLs in 1.004 s, 3 connections opened\n"
              "speedup:     3.00x faster concurrently\n");
}

TEST(format_compare_text, singular_and_zero_connections)
{
    compare_summary c = make_compare(1, 50, 40);
    c.sequential.connections_opened = 0;
    EXPECT_EQ(format_compare_text(c),
              "sequential:  1 URL in 0.050 s, 0 connections opened\n"
              "concurrent:  1 URL in 0.040 s, 1 connection opened\n"
              "speedup:     1.25x faster concurrently\n");
}

TEST(format_compare_text, slower)
{
    EXPECT_EQ(format_compare_text(make_compare(2, 1000, 2000)),
              "sequential:  2 URLs in 1.000 s, 1 connection opened\n"
              "concurrent:  2 URLs in 2.000 s, 2 connections opened\n"
              "speedup:     0.50x (2.00x slower concurrently)\n");
}

TEST(format_compare_text, same_speed)
{
    EXPECT_EQ(format_compare_text(make_compare(2, 1000, 1001)),
              "sequential:  2 URLs in 1.000 s, 1 connection opened\n"
              "concurrent:  2 URLs in 1.001 s, 2 connections opened\n"
              "speedup:     1.00x (same speed)\n");
}

TEST(format_compare_text, no_concurrent_time)
{
    EXPECT_EQ(format_compare_text(make_compare(2, 1000, 0)),
              "sequential:  2 URLs in 1.000 s, 1 connection opened\n"
              "concurrent:  2 URLs in 0.000 s, 2 connections opened\n"
              "speedup:     n/a\n");
}

}  // namespace
}  // namespace asyncfetch
