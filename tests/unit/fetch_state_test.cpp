// Conditional re-runs without sockets: the state file's text, its updates, the conditional request
// fields, the record's not_modified and the --state and -N flags.
#include "asyncfetch/fetch_state.hpp"

#include "asyncfetch/options.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/result.hpp"
#include "http_date.hpp"
#include "must_parse.hpp"
#include "request_head.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

fetch_result ok_result(std::string url, unsigned status, std::string etag, std::string last_modified)
{
    fetch_result r;
    r.url = std::move(url);
    r.status = status;
    r.etag = std::move(etag);
    r.last_modified = std::move(last_modified);
    return r;
}

TEST(fetch_state, parses_lines_and_warns_about_bad_ones)
{
    const auto parsed = parse_state(
        "{\"url\":\"http://a/\",\"etag\":\"\\\"1\\\"\",\"last_modified\":\"Sun, 13 Sep 2020 12:26:40 GMT\"}\n"
        "\n"
        "not json\n"
        "[1,2]\n"
        "{\"etag\":\"x\"}\n"
        "{\"url\":\"http://b/\",\"etag\":5}\n"
        "{\"url\":\"http://c/\",\"last_modified\":null,\"other\":1}\n"
        "{\"url\":\"http://a/\",\"etag\":\"\\\"2\\\"\"}");
    ASSERT_EQ(parsed.entries.size(), 2u);
    // A later line for the same URL wins.
    EXPECT_EQ(parsed.entries.at("http://a/"), (validators{"\"2\"", ""}));
    EXPECT_TRUE(parsed.entries.at("http://c/").empty());
    ASSERT_EQ(parsed.warnings.size(), 4u);
    EXPECT_EQ(parsed.warnings[0].rfind("line 3: not JSON", 0), 0u) << parsed.warnings[0];
    EXPECT_EQ(parsed.warnings[1], "line 4: not a JSON object");
    EXPECT_EQ(parsed.warnings[2], "line 5: no \"url\" string");
    EXPECT_EQ(parsed.warnings[3], "line 6: \"etag\" is not a string");
}

TEST(fetch_state, round_trip)
{
    state_map entries;
    entries["http://b/?q=1"] = {"W/\"x\\y\"", ""};
    entries["http://a/"] = {"", "Sun, 13 Sep 2020 12:26:40 GMT"};
    entries["http://c/ünï"] = {"\"c\"", "Mon, 14 Sep 2020 12:26:40 GMT"};
    const std::string text = format_state(entries);
    // One object a line, in URL order, empty validators left out.
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "{\"url\":\"http://a/\",\"last_modified\":\"Sun, 13 Sep 2020 12:26:40 GMT\"}");
    const auto back = parse_state(text);
    EXPECT_TRUE(back.warnings.empty());
    EXPECT_EQ(back.entries, entries);
}

TEST(fetch_state, updates_from_results)
{
    state_map entries;
    entries["http://kept/"] = {"\"old\"", "Sun, 13 Sep 2020 12:26:40 GMT"};
    entries["http://failed/"] = {"\"f\"", ""};
    entries["http://gone/"] = {"\"g\"", ""};

    update_state(entries, ok_result("http://new/", 200, "\"n\"", ""));
    EXPECT_EQ(entries.at("http://new/"), (validators{"\"n\"", ""}));

    // A 304 keeps the entry, taking a validator it sent.
    auto not_modified = ok_result("http://kept/", 304, "\"newer\"", "");
    not_modified.not_modified = true;
    update_state(entries, not_modified);
    EXPECT_EQ(entries.at("http://kept/"), (validators{"\"newer\"", "Sun, 13 Sep 2020 12:26:40 GMT"}));

    // Failures and skipped URLs keep what they had.
    auto failed = ok_result("http://failed/", 500, "\"other\"", "");
    failed.kind = error_kind::http;
    update_state(entries, failed);
    auto skipped = ok_result("http://failed/", 0, "", "");
    skipped.kind = error_kind::skipped;
    update_state(entries, skipped);
    EXPECT_EQ(entries.at("http://failed/"), (validators{"\"f\"", ""}));

    // A 2xx without validators removes the entry; other statuses leave it.
    update_state(entries, ok_result("http://gone/", 302, "", ""));
    EXPECT_TRUE(entries.count("http://gone/"));
    update_state(entries, ok_result("http://gone/", 200, "", ""));
    EXPECT_FALSE(entries.count("http://gone/"));
}

TEST(fetch_state, http_dates)
{
    EXPECT_EQ(detail::format_http_date(1'600'000'000), "Sun, 13 Sep 2020 12:26:40 GMT");
    EXPECT_EQ(detail::parse_http_date(" Sun, 13 Sep 2020 12:26:40 GMT "), 1'600'000'000);
    EXPECT_FALSE(detail::parse_http_date("Sunday, 13-Sep-20 12:26:40 GMT"));
    EXPECT_FALSE(detail::parse_http_date("yesterday"));
}

TEST(fetch_state, conditions_go_into_the_request_head)
{
    const url u = test::must_parse("http://a/x");
    const std::string method = "GET";
    const validators v{"\"e1\"", "Sun, 13 Sep 2020 12:26:40 GMT"};
    request_options req;
    detail::request_head h;
    detail::request_target t{method, u, u};
    t.conditions = &v;
    ASSERT_FALSE(detail::build_request_head(req, t, h));
    auto value_of = [&h](std::string_view name) {
        for (const auto& f : h.fields)
            if (f.name == name)
                return std::string(f.value);
        return std::string("<none>");
    };
    EXPECT_EQ(value_of("If-None-Match"), "\"e1\"");
    EXPECT_EQ(value_of("If-Modified-Since"), "Sun, 13 Sep 2020 12:26:40 GMT");

    // The user's -H wins; an empty validator is not sent.
    req.headers.push_back({"if-none-match", "\"mine\""});
    const validators date_only{"", "Sun, 13 Sep 2020 12:26:40 GMT"};
    t.conditions = &date_only;
    ASSERT_FALSE(detail::build_request_head(req, t, h));
    EXPECT_EQ(value_of("If-None-Match"), "<none>");
    EXPECT_EQ(value_of("if-none-match"), "\"mine\"");
    EXPECT_EQ(value_of("If-Modified-Since"), "Sun, 13 Sep 2020 12:26:40 GMT");

    t.conditions = nullptr;
    req.headers.clear();
    ASSERT_FALSE(detail::build_request_head(req, t, h));
    EXPECT_EQ(value_of("If-Modified-Since"), "<none>");
}

TEST(fetch_state, conditions_are_not_sent_to_a_redirects_target)
{
    const url first = test::must_parse("http://a/x");
    const std::string method = "GET";
    const validators v{"\"e1\"", "Sun, 13 Sep 2020 12:26:40 GMT"};
    request_options req;
    detail::request_head h;
    auto has_conditions = [&h] {
        return std::any_of(h.fields.begin(), h.fields.end(), [](const auto& f) {
            return f.name == "If-None-Match" || f.name == "If-Modified-Since";
        });
    };
    for (const char* next : {"http://a/y", "http://b/x", "https://a/x"})
    {
        const url hop = test::must_parse(next);
        detail::request_target t{method, hop, first};
        t.conditions = &v;
        ASSERT_FALSE(detail::build_request_head(req, t, h));
        EXPECT_FALSE(has_conditions()) << next;
    }
    detail::request_target t{method, first, first};
    t.conditions = &v;
    ASSERT_FALSE(detail::build_request_head(req, t, h));
    EXPECT_TRUE(has_conditions());
}

TEST(fetch_state, json_records_say_not_modified)
{
    fetch_result r = ok_result("http://a/", 304, "", "");
    EXPECT_NE(format_record(output_format::json, r).find("\"not_modified\":false"), std::string::npos);
    r.not_modified = true;
    EXPECT_NE(format_record(output_format::json, r).find("\"not_modified\":true"), std::string::npos);
    EXPECT_EQ(format_record(output_format::tsv, r).substr(0, 4), "304\t");
}

parse_outcome parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), {true, false, false});
}

TEST(fetch_state, flags)
{
    auto p = parse({"--state", "s.ndjson", "-N", "-O", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->state_file, "s.ndjson");
    EXPECT_TRUE(p.opts->client.timestamping);
    auto long_name = parse({"--timestamping", "--remote-name-all", "http://a/"});
    ASSERT_TRUE(long_name.opts) << long_name.err;
    EXPECT_TRUE(long_name.opts->client.timestamping);

    auto alone = parse({"-N", "http://a/"});
    EXPECT_EQ(alone.exit_code, 2);
    EXPECT_NE(alone.err.find("-N/--timestamping compares saved files"), std::string::npos) << alone.err;
    auto empty = parse({"--state", "", "http://a/"});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("--state"), std::string::npos) << empty.err;
}

}  // namespace
}  // namespace asyncfetch
