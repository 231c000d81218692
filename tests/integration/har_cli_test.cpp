// --har and `asyncfetch report` end to end: the binary against the testbed, archives checked by
// har-validator.
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using test::run_cli;
using test::run_process;
using test::temp_dir;

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

/// Why har-validator cannot run here; empty when it can.
std::string validator_missing()
{
    if (std::system("command -v node >/dev/null 2>&1") != 0)
        return "node is not installed (scripts/setup.sh installs nodejs and npm)";
    if (!fs::exists(fs::path(ASYNCFETCH_HAR_VALIDATOR_DIR) / "har-validator"))
        return std::string("har-validator is not installed: npm install --prefix ") +
               ASYNCFETCH_HAR_VALIDATOR_DIR + "/.. har-validator (scripts/setup.sh does it)";
    return {};
}

/// har-validator's verdict on a file: empty when valid, else its complaints.
std::string har_problems(const std::string& path)
{
    const auto p = run_process({"/usr/bin/env",
                                "node",
                                ASYNCFETCH_SOURCE_DIR "/tests/support/validate_har.js",
                                ASYNCFETCH_HAR_VALIDATOR_DIR,
                                path});
    return p.exit_code == 0 ? std::string() : "exit " + std::to_string(p.exit_code) + ": " + p.err;
}

json::array entries_of(const std::string& path)
{
    return json::parse(read_file(path)).at("log").at("entries").as_array();
}

std::string text(const json::value& v) { return std::string(v.as_string()); }

/// The entries whose request URL ends with suffix.
std::vector<json::object> entries_for(const json::array& entries, const std::string& suffix)
{
    std::vector<json::object> out;
    for (const auto& e : entries)
    {
        const std::string url = text(e.at("request").at("url"));
        if (url.size() >= suffix.size() &&
            url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.push_back(e.as_object());
    }
    return out;
}

class har_cli : public ::testing::TestWithParam<bool>
{
};

TEST_P(har_cli, successes_failures_and_redirects_are_entries_that_validate)
{
    // Without the validator every check but the validation still runs (the redaction ones too).
    const std::string validator_absent = validator_missing();
    testbed server;
    temp_dir dir;
    const std::string har = (dir.path() / "run.har").string();
    const std::string base = server.base_url();
    const std::string with_password = "http://user:hunter2@" + base.substr(7) + "/bytes/5?q=a%20b&x";
    std::vector<std::string> args{"-q", "--har", har, "-H", "Cookie: session=s3cret"};
    if (GetParam())
        args.push_back("--sequential");
    for (const std::string& u : {base + "/bytes/10",
                                 base + "/redirect/2",
                                 base + "/status/404",
                                 std::string("http://127.0.0.1:1/"),
                                 std::string("not a url"),
                                 with_password})
        args.push_back(u);
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 1) << p.err;

    if (validator_absent.empty())
    {
        EXPECT_EQ(har_problems(har), "");
    }
    const std::string raw = read_file(har);
    EXPECT_EQ(raw.find("s3cret"), std::string::npos);
    EXPECT_EQ(raw.find("hunter2"), std::string::npos);
    const auto doc = json::parse(raw);
    EXPECT_EQ(text(doc.at("log").at("version")), "1.2");
    EXPECT_EQ(text(doc.at("log").at("creator").at("name")), "asyncfetch");
    EXPECT_EQ(doc.at("log").as_object().count("pages"), 0U);
    const auto entries = doc.at("log").at("entries").as_array();
    // bytes, three hops of the redirect, 404, refused, invalid, the password URL.
    ASSERT_EQ(entries.size(), 8U) << raw;

    const auto hops = entries_for(entries, "/redirect/0");
    ASSERT_EQ(hops.size(), 1U);
    const auto first = entries_for(entries, "/redirect/2");
    ASSERT_EQ(first.size(), 1U);
    EXPECT_EQ(first[0].at("response").at("status").as_int64(), 302);
    EXPECT_EQ(text(first[0].at("response").at("redirectURL")), "/redirect/1");
    // The chain rides one keep-alive connection: the later hops share its id and connect nothing.
    EXPECT_EQ(text(first[0].at("connection")), text(hops[0].at("connection")));
    EXPECT_EQ(hops[0].at("timings").at("connect").to_number<double>(), -1);
    EXPECT_EQ(hops[0].at("response").at("status").as_int64(), 200);
    EXPECT_EQ(text(hops[0].at("serverIPAddress")), "127.0.0.1");

    const auto refused = entries_for(entries, "127.0.0.1:1/");
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_EQ(refused[0].at("response").at("status").as_int64(), 0);
    EXPECT_EQ(text(refused[0].at("_error_kind")), "connect");
    EXPECT_NE(text(refused[0].at("_error")).find("refused"), std::string::npos);

    const auto invalid = entries_for(entries, "about:blank");
    ASSERT_EQ(invalid.size(), 1U);
    EXPECT_EQ(text(invalid[0].at("_url")), "not a url");
    EXPECT_EQ(text(invalid[0].at("_error_kind")), "invalid_url");

    const auto found = entries_for(entries, "/status/404");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].at("response").at("status").as_int64(), 404);
    EXPECT_EQ(found[0].count("_error"), 0U);

    const auto bytes = entries_for(entries, "/bytes/10");
    ASSERT_EQ(bytes.size(), 1U);
    EXPECT_EQ(bytes[0].at("response").at("content").at("size").as_int64(), 10);
    EXPECT_EQ(bytes[0].at("response").at("bodySize").as_int64(), 10);
    bool cookie_redacted = false;
    for (const auto& h : bytes[0].at("request").at("headers").as_array())
        if (text(h.at("name")) == "Cookie")
            cookie_redacted = text(h.at("value")) == "[redacted]";
    EXPECT_TRUE(cookie_redacted);
    EXPECT_TRUE(bytes[0].at("request").at("cookies").as_array().empty());

    const auto query = entries_for(entries, "/bytes/5?q=a%20b&x");
    ASSERT_EQ(query.size(), 1U);
    const auto& qs = query[0].at("request").at("queryString").as_array();
    ASSERT_EQ(qs.size(), 2U);
    EXPECT_EQ(text(qs[0].at("value")), "a b");
    EXPECT_EQ(text(query[0].at("request").at("url")).find("user"), std::string::npos);
    if (!validator_absent.empty())
        GTEST_SKIP() << validator_absent << " (only the validation was skipped; every other check ran)";
}

TEST_P(har_cli, head_requests_validate)
{
    if (auto why = validator_missing(); !why.empty())
        GTEST_SKIP() << why;
    testbed server;
    temp_dir dir;
    const std::string har = (dir.path() / "head.har").string();
    std::vector<std::string> args{"-q",
                                  "-I",
                                  "--har",
                                  har,
                                  server.base_url() + "/bytes/100",
                                  server.base_url() + "/redirect/1"};
    if (GetParam())
        args.push_back("--sequential");
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(har_problems(har), "");
    const auto entries = entries_of(har);
    ASSERT_EQ(entries.size(), 3U);
    for (const auto& e : entries)
    {
        EXPECT_EQ(text(e.at("request").at("method")), "HEAD");
        EXPECT_EQ(e.at("response").at("content").at("size").as_int64(), 0);
    }
}

INSTANTIATE_TEST_SUITE_P(modes, har_cli, ::testing::Values(false, true), [](const auto& info) {
    return info.param ? "sequential" : "concurrent";
});

TEST(har_cli_compare, compare_is_two_pages_and_secrets_show_when_asked)
{
    if (auto why = validator_missing(); !why.empty())
        GTEST_SKIP() << why;
    testbed server;
    temp_dir dir;
    const std::string har = (dir.path() / "cmp.har").string();
    const auto p = run_cli({"-q",
                            "--compare",
                            "-v",
                            "--verbose-secrets",
                            "--har",
                            har,
                            "-H",
                            "Cookie: a=1; b=2",
                            server.base_url() + "/bytes/1",
                            server.base_url() + "/bytes/2"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(har_problems(har), "");
    const auto doc = json::parse(read_file(har));
    const auto& pages = doc.at("log").at("pages").as_array();
    ASSERT_EQ(pages.size(), 2U);
    EXPECT_EQ(text(pages[0].at("id")), "sequential");
    EXPECT_EQ(text(pages[1].at("id")), "concurrent");
    const auto& entries = doc.at("log").at("entries").as_array();
    ASSERT_EQ(entries.size(), 4U);
    std::multiset<std::string> refs;
    for (const auto& e : entries)
    {
        refs.insert(text(e.at("pageref")));
        const auto& cookies = e.at("request").at("cookies").as_array();
        ASSERT_EQ(cookies.size(), 2U);
        EXPECT_EQ(text(cookies[1].at("name")), "b");
        EXPECT_EQ(text(cookies[1].at("value")), "2");
    }
    EXPECT_EQ(refs.count("sequential"), 2U);
    EXPECT_EQ(refs.count("concurrent"), 2U);
    // -v still writes its lines through the archive's log.
    EXPECT_NE(p.err.find("> Cookie: a=1; b=2"), std::string::npos) << p.err;
}

TEST(har_cli_compare, each_retry_attempt_is_an_entry)
{
    testbed server;
    temp_dir dir;
    const std::string har = (dir.path() / "retry.har").string();
    const auto p = run_cli({"-q",
                            "--retry",
                            "2",
                            "--retry-delay",
                            "0.01",
                            "--har",
                            har,
                            server.base_url() + "/flaky/2?key=har-retry&status=503"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto entries = entries_of(har);
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries[0].at("response").at("status").as_int64(), 503);
    EXPECT_EQ(entries[1].at("response").at("status").as_int64(), 503);
    EXPECT_EQ(entries[2].at("response").at("status").as_int64(), 200);
    // Later attempts start later and ride the first attempt's connection.
    EXPECT_LT(text(entries[0].at("startedDateTime")), text(entries[2].at("startedDateTime")));
    EXPECT_EQ(text(entries[0].at("connection")), text(entries[2].at("connection")));
    EXPECT_EQ(entries[2].at("timings").at("connect").to_number<double>(), -1);
}

TEST(har_cli_compare, unwritable_file_is_a_usage_error_before_any_request)
{
    testbed server;
    const auto p = run_cli({"--har", "/nonexistent-dir/x.har", server.base_url() + "/bytes/1"});
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_NE(p.err.find("cannot write /nonexistent-dir/x.har"), std::string::npos) << p.err;
    EXPECT_EQ(server.counters().requests, 0U);
}

/// The JSON summary line at the end of a --json run's output.
json::object summary_of(const std::string& out)
{
    const auto start = out.rfind("{\"type\":\"summary\"");
    return json::parse(out.substr(start)).as_object();
}

TEST(report_cli, report_of_a_runs_records_equals_its_live_summary)
{
    testbed server;
    temp_dir dir;
    std::string urls;
    for (int i = 0; i < 60; ++i)
        urls += server.base_url() + (i % 6 == 0 ? "/status/503" : "/bytes/" + std::to_string(i * 13)) + "\n";
    urls += "http://127.0.0.1:1/\n";
    const auto live = run_cli({"--json", "-i", "-"}, urls);
    ASSERT_EQ(live.exit_code, 1) << live.err;
    const std::string records = (dir.path() / "run.ndjson").string();
    std::ofstream(records) << live.out;

    const auto text_report = run_cli({"report", records});
    ASSERT_EQ(text_report.exit_code, 0) << text_report.err;
    const auto json_report = run_cli({"report", "--json", records});
    ASSERT_EQ(json_report.exit_code, 0) << json_report.err;

    const auto a = summary_of(live.out);
    const auto b = summary_of(json_report.out);
    for (const char* key : {"count",
                            "ok",
                            "failed",
                            "bytes",
                            "connections_opened",
                            "connections_reused",
                            "tls_handshakes",
                            "dns_lookups",
                            "elapsed_ms",
                            "started_at",
                            "run",
                            "status_counts",
                            "error_counts"})
        EXPECT_EQ(a.at(key), b.at(key)) << key;
    // Records round times to the microsecond; the rates follow elapsed_ms's rounding.
    for (const char* key : {"min", "p50", "p90", "p99", "max", "mean"})
        EXPECT_NEAR(a.at("latency_ms").at(key).to_number<double>(),
                    b.at("latency_ms").at(key).to_number<double>(),
                    0.002)
            << key;
    for (const char* key : {"requests_per_second", "bytes_per_second", "effective_parallelism"})
        EXPECT_NEAR(a.at(key).to_number<double>(),
                    b.at(key).to_number<double>(),
                    a.at(key).to_number<double>() * 1e-3)
            << key;

    // The text is the live run's stderr, line for line, but for the figures rounding can move.
    const auto live_lines = test::lines_of(live.err);
    const auto report_lines = test::lines_of(text_report.out);
    ASSERT_EQ(live_lines.size(), report_lines.size()) << live.err << "\n---\n" << text_report.out;
    for (std::size_t i = 0; i < live_lines.size(); ++i)
    {
        if (live_lines[i].rfind("status:", 0) == 0 || live_lines[i].rfind("errors:", 0) == 0 ||
            live_lines[i].rfind("connections:", 0) == 0)
        {
            EXPECT_EQ(live_lines[i], report_lines[i]);
        }
    }
    EXPECT_EQ(live_lines[0].substr(0, live_lines[0].find(" in ")),
              report_lines[0].substr(0, report_lines[0].find(" in ")));
}

TEST(report_cli, runs_merge_in_any_order)
{
    testbed server;
    const std::string base = server.base_url();
    const auto one = run_cli({"--json", base + "/bytes/100", base + "/status/404"});
    const auto two = run_cli({"--json", base + "/delay/50", base + "/bytes/1", base + "/status/404"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    ASSERT_EQ(two.exit_code, 0) << two.err;
    // Lines of both runs interleaved, the second run's first.
    const auto l1 = test::lines_of(one.out);
    const auto l2 = test::lines_of(two.out);
    std::string mixed;
    for (std::size_t i = 0; i < std::max(l1.size(), l2.size()); ++i)
    {
        if (i < l2.size())
            mixed += l2[i] + "\n";
        if (i < l1.size())
            mixed += l1[i] + "\n";
    }
    const auto p = run_cli({"report", "--json", "-"}, mixed);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto s = summary_of(p.out);
    EXPECT_EQ(s.at("count").as_int64(), 5);
    EXPECT_EQ(s.at("bytes").as_int64(), 100 + 3 + 1 + 2 * 4);  // /status/404's body is "404\n"
    EXPECT_EQ(s.at("status_counts").at("200").as_int64(), 3);
    EXPECT_EQ(s.at("status_counts").at("404").as_int64(), 2);
    // The wall time spans both runs: at least the second's, which waited 50 ms.
    EXPECT_GE(s.at("elapsed_ms").to_number<double>(),
              summary_of(two.out).at("elapsed_ms").to_number<double>());
    EXPECT_EQ(text(s.at("run")), "0000000000000000");

    // One picture of both runs on one axis, rows from both.
    temp_dir dir;
    const std::string svg = (dir.path() / "merged.svg").string();
    const auto drawn = run_cli({"report", "--stats", "--waterfall", svg, "-"}, mixed);
    ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
    EXPECT_NE(drawn.out.find("latency histogram"), std::string::npos) << drawn.out;
    const std::string picture = read_file(svg);
    EXPECT_NE(picture.find("<svg"), std::string::npos);
    EXPECT_NE(picture.find("2 runs merged"), std::string::npos);
    EXPECT_NE(picture.find("/delay/50"), std::string::npos);
    EXPECT_NE(picture.find("/bytes/100"), std::string::npos);
}

TEST(report_cli, a_line_that_is_not_a_record_is_exit_2_with_its_place)
{
    const auto p = run_cli(
        {"report", "-"},
        "{\"type\":\"result\",\"run\":\"00000000000000ab\",\"url\":\"http://a/\"}\nhello\n");
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_NE(p.err.find("standard input:2: not a JSON object"), std::string::npos) << p.err;
    const auto missing = run_cli({"report", "/nonexistent-file.ndjson"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("cannot read /nonexistent-file.ndjson"), std::string::npos) << missing.err;
    // A line without an end is read up to a bound, not until the memory runs out.
    const auto endless = run_cli({"report", "/dev/zero"});
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_NE(endless.err.find("/dev/zero:1: line longer than 64 MiB (the limit)"), std::string::npos)
        << endless.err;
}

}  // namespace
}  // namespace asyncfetch
