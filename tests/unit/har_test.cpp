// format_har: entries from exchange records and results, pages for several passes, secrets, invalid URLs.
#include "asyncfetch/har.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace asyncfetch {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string text(const json::value& v) { return std::string(v.as_string()); }

exchange_record hop(std::string url, unsigned status, double start_ms)
{
    exchange_record h;
    h.method = "GET";
    h.url = std::move(url);
    h.http_version = "HTTP/1.1";
    h.status = status;
    h.reason = "OK";
    h.start_ms = start_ms;
    h.request_fields = {{"Host", "example.test"}, {"Cookie", "[redacted]"}};
    h.response_fields = {{"Content-Type", "text/html"}, {"Set-Cookie", "[redacted]"}};
    h.connection = 1;
    h.server_ip = "127.0.0.1";
    return h;
}

har_pass pass_at(std::chrono::system_clock::time_point at)
{
    har_pass p;
    p.name = "concurrent";
    p.started_at = at;
    return p;
}

const auto epoch = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 20000);

TEST(har, timings_follow_har_rules_and_the_start_adds_up)
{
    har_pass p = pass_at(epoch);
    fetch_result r;
    r.url = "https://example.test/a";
    r.start_ms = 1000;
    exchange_record h = hop("https://example.test/a", 200, 2.5);
    h.blocked_ms = 1;
    h.dns_ms = 2;
    h.connect_ms = 3;
    h.tls_ms = 4;
    h.send_ms = 4.5;
    h.wait_ms = 5;
    h.receive_ms = 6;
    h.body_bytes = 10;
    h.decoded_bytes = 30;
    p.urls.push_back({r, {h}});
    const auto doc = json::parse(format_har({p}, "GET", "9.9", false));
    const auto& log = doc.at("log");
    EXPECT_EQ(text(log.at("version")), "1.2");
    EXPECT_EQ(text(log.at("creator").at("version")), "9.9");
    const auto& e = log.at("entries").at(0);
    // The pass's start, plus the URL's start_ms, plus the hop's own.
    EXPECT_EQ(text(e.at("startedDateTime")), "2024-10-04T00:00:01.002Z");
    const auto& t = e.at("timings");
    // HAR's connect includes ssl; time is the sum of the phases that happened.
    EXPECT_EQ(t.at("connect").to_number<double>(), 7);
    EXPECT_EQ(t.at("ssl").to_number<double>(), 4);
    EXPECT_EQ(t.at("send").to_number<double>(), 4.5);
    EXPECT_EQ(t.at("wait").to_number<double>(), 5);
    EXPECT_EQ(e.at("time").to_number<double>(), 1 + 2 + 7 + 4.5 + 5 + 6);
    EXPECT_EQ(e.at("response").at("content").at("size").as_int64(), 30);
    EXPECT_EQ(e.at("response").at("content").at("compression").as_int64(), 20);
    EXPECT_EQ(text(e.at("response").at("content").at("mimeType")), "text/html");
    EXPECT_EQ(e.at("response").at("bodySize").as_int64(), 10);
    EXPECT_EQ(text(e.at("connection")), "1");
    EXPECT_EQ(e.as_object().count("pageref"), 0U);
}

TEST(har, reused_connection_phases_are_minus_one)
{
    har_pass p = pass_at(epoch);
    exchange_record h = hop("http://example.test/", 200, 0);
    h.dns_ms = h.connect_ms = h.tls_ms = -1;
    p.urls.push_back({fetch_result{}, {h}});
    const auto doc = json::parse(format_har({p}, "GET", "1", false));
    const auto& t = doc.at("log").at("entries").at(0).at("timings");
    for (const char* k : {"dns", "connect", "ssl"})
        EXPECT_EQ(t.at(k).to_number<double>(), -1) << k;
}

TEST(har, a_url_without_exchanges_is_one_failed_entry)
{
    har_pass p = pass_at(epoch);
    fetch_result bad;
    bad.url = "not a url";
    bad.kind = error_kind::invalid_url;
    bad.error = "invalid URL";
    fetch_result refused;
    refused.url = "http://127.0.0.1:1/x";
    refused.kind = error_kind::connect;
    refused.error = "refused";
    p.urls.push_back({bad, {}});
    p.urls.push_back({refused, {}});
    const auto doc = json::parse(format_har({p}, "HEAD", "1", false));
    const auto& entries = doc.at("log").at("entries").as_array();
    ASSERT_EQ(entries.size(), 2U);
    EXPECT_EQ(text(entries[0].at("request").at("url")), "about:blank");
    EXPECT_EQ(text(entries[0].at("_url")), "not a url");
    EXPECT_EQ(text(entries[0].at("request").at("method")), "HEAD");
    EXPECT_EQ(text(entries[1].at("request").at("url")), "http://127.0.0.1:1/x");
    EXPECT_EQ(entries[1].at("response").at("status").as_int64(), 0);
    EXPECT_EQ(entries[1].at("response").at("bodySize").as_int64(), -1);
    EXPECT_EQ(text(entries[1].at("_error_kind")), "connect");
}

TEST(har, a_failure_after_the_last_exchange_goes_to_the_last_entry)
{
    har_pass p = pass_at(epoch);
    fetch_result r;
    r.url = "http://example.test/r";
    r.kind = error_kind::redirect;
    r.error = "stopped after 1 redirects (--max-redirs)";
    p.urls.push_back({r, {hop("http://example.test/r", 302, 0), hop("http://example.test/s", 302, 1)}});
    const auto doc = json::parse(format_har({p}, "GET", "1", false));
    const auto& entries = doc.at("log").at("entries").as_array();
    ASSERT_EQ(entries.size(), 2U);
    EXPECT_EQ(entries[0].as_object().count("_error"), 0U);
    EXPECT_EQ(text(entries[1].at("_error_kind")), "redirect");
}

TEST(har, cookies_arrays_only_with_secrets)
{
    har_pass p = pass_at(epoch);
    exchange_record h = hop("http://example.test/", 200, 0);
    h.request_fields = {{"Cookie", "a=1; b=x=y"}};
    h.response_fields = {{"Set-Cookie", "sid=42; Path=/; HttpOnly"}, {"set-cookie", "t=7"}};
    p.urls.push_back({fetch_result{}, {h}});
    const auto shown = json::parse(format_har({p}, "GET", "1", true)).at("log").at("entries").at(0);
    const auto& req = shown.at("request").at("cookies").as_array();
    ASSERT_EQ(req.size(), 2U);
    EXPECT_EQ(text(req[1].at("name")), "b");
    EXPECT_EQ(text(req[1].at("value")), "x=y");
    const auto& resp = shown.at("response").at("cookies").as_array();
    ASSERT_EQ(resp.size(), 2U);
    EXPECT_EQ(text(resp[0].at("name")), "sid");
    EXPECT_EQ(text(resp[0].at("value")), "42");
    const auto hidden = json::parse(format_har({p}, "GET", "1", false)).at("log").at("entries").at(0);
    EXPECT_TRUE(hidden.at("request").at("cookies").as_array().empty());
    EXPECT_TRUE(hidden.at("response").at("cookies").as_array().empty());
}

TEST(har, several_passes_are_pages_and_entries_are_in_start_order)
{
    har_pass seq = pass_at(epoch);
    seq.name = "sequential";
    har_pass conc = pass_at(epoch + 500ms);
    fetch_result late;
    late.start_ms = 300;
    fetch_result early;
    early.start_ms = 10;
    seq.urls.push_back({late, {hop("http://example.test/late", 200, 0)}});
    seq.urls.push_back({early, {hop("http://example.test/early", 200, 0)}});
    conc.urls.push_back({early, {hop("http://example.test/second-pass", 200, 0)}});
    const auto doc = json::parse(format_har({seq, conc}, "GET", "1", false));
    const auto& pages = doc.at("log").at("pages").as_array();
    ASSERT_EQ(pages.size(), 2U);
    EXPECT_EQ(text(pages[1].at("id")), "concurrent");
    EXPECT_EQ(text(pages[1].at("startedDateTime")), "2024-10-04T00:00:00.500Z");
    const auto& entries = doc.at("log").at("entries").as_array();
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(text(entries[0].at("request").at("url")), "http://example.test/early");
    EXPECT_EQ(text(entries[1].at("request").at("url")), "http://example.test/late");
    EXPECT_EQ(text(entries[2].at("pageref")), "concurrent");
    EXPECT_EQ(text(entries[0].at("pageref")), "sequential");
}

TEST(har, query_string_is_decoded_pairs)
{
    har_pass p = pass_at(epoch);
    p.urls.push_back({fetch_result{}, {hop("http://example.test/p?a=1&b=x%20y&flag&&c=#frag", 200, 0)}});
    const auto doc = json::parse(format_har({p}, "GET", "1", false));
    const auto& qs = doc.at("log").at("entries").at(0).at("request").at("queryString").as_array();
    ASSERT_EQ(qs.size(), 4U);
    EXPECT_EQ(text(qs[1].at("value")), "x y");
    EXPECT_EQ(text(qs[2].at("name")), "flag");
    EXPECT_EQ(text(qs[2].at("value")), "");
    EXPECT_EQ(text(qs[3].at("name")), "c");
}

}  // namespace
}  // namespace asyncfetch
