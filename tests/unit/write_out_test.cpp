// -w/--write-out as pure functions: parsing curl's format language, expanding it over a result, and
// the command line's -v, --verbose-secrets, -D and -w flags.
#include "asyncfetch/write_out.hpp"

#include "asyncfetch/options.hpp"
#include "asyncfetch/report.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

fetch_result sample()
{
    fetch_result r;
    r.index = 4;
    r.url = "http://example.test/a";
    r.final_url = "http://example.test/b";
    r.status = 200;
    r.bytes = 2000;
    r.wire_bytes = 700;
    r.time_ms = 12.5;
    r.ttfb_ms = 9.25;
    r.queue_ms = 0.5;
    r.dns_ms = 1.5;
    r.connect_ms = 2;
    r.tls_ms = 3;
    r.redirects = 1;
    r.http_version = "2";
    r.remote_ip = "192.0.2.1";
    r.remote_port = 8443;
    r.headers = {{"Content-Type", "text/html"}, {"x-multi", "1, 2"}};
    return r;
}

fetch_result failed()
{
    fetch_result r;
    r.index = 0;
    r.url = "http://x.invalid/";
    r.final_url = r.url;
    r.time_ms = 5;
    r.kind = error_kind::dns;
    r.error = "could not resolve host";
    return r;
}

std::string expand(std::string_view format, const fetch_result& r)
{
    auto parsed = parse_write_out(format);
    EXPECT_EQ(parsed.error, "") << format;
    return expand_write_out(parsed.format, r);
}

TEST(write_out, every_variable_of_a_success)
{
    const auto r = sample();
    EXPECT_EQ(expand("%{http_code}", r), "200");
    EXPECT_EQ(expand("%{response_code}", r), "200");
    EXPECT_EQ(expand("%{size_download}", r), "700") << "curl counts the bytes as received";
    EXPECT_EQ(expand("%{time_total}", r), "0.012500");
    EXPECT_EQ(expand("%{time_namelookup}", r), "0.002000") << "queue 0.5 + dns 1.5";
    EXPECT_EQ(expand("%{time_connect}", r), "0.004000");
    EXPECT_EQ(expand("%{time_appconnect}", r), "0.007000");
    EXPECT_EQ(expand("%{time_starttransfer}", r), "0.009250");
    EXPECT_EQ(expand("%{url}", r), "http://example.test/a");
    EXPECT_EQ(expand("%{url_effective}", r), "http://example.test/b");
    EXPECT_EQ(expand("%{num_redirects}", r), "1");
    EXPECT_EQ(expand("%{http_version}", r), "2");
    EXPECT_EQ(expand("%{remote_ip}", r), "192.0.2.1");
    EXPECT_EQ(expand("%{remote_port}", r), "8443");
    EXPECT_EQ(expand("%{errormsg}", r), "");
    EXPECT_EQ(expand("%{error_kind}", r), "");
    std::string json = format_json(r);
    json.pop_back();
    EXPECT_EQ(expand("%{json}", r), json);
}

TEST(write_out, every_variable_of_a_failure)
{
    const auto r = failed();
    EXPECT_EQ(expand("%{http_code}", r), "000");
    EXPECT_EQ(expand("%{size_download}", r), "0");
    EXPECT_EQ(expand("%{time_total}", r), "0.005000");
    EXPECT_EQ(expand("%{time_appconnect}", r), "0.000000");
    EXPECT_EQ(expand("%{time_starttransfer}", r), "0.000000");
    EXPECT_EQ(expand("%{http_version}", r), "0");
    EXPECT_EQ(expand("%{remote_ip}", r), "");
    EXPECT_EQ(expand("%{remote_port}", r), "0");
    EXPECT_EQ(expand("%{errormsg}", r), "could not resolve host");
    EXPECT_EQ(expand("%{error_kind}", r), "dns");
}

TEST(write_out, times_are_cumulative_as_curls)
{
    const auto r = sample();
    const auto t = [&](const char* f) { return std::stod(expand(f, r)); };
    EXPECT_LE(t("%{time_namelookup}"), t("%{time_connect}"));
    EXPECT_LE(t("%{time_connect}"), t("%{time_appconnect}"));
    EXPECT_LE(t("%{time_appconnect}"), t("%{time_starttransfer}"));
    EXPECT_LE(t("%{time_starttransfer}"), t("%{time_total}"));
    fetch_result plain = r;
    plain.tls_ms = 0;
    EXPECT_EQ(expand("%{time_appconnect}", plain), "0.000000") << "no TLS handshake: 0, as curl";
}

TEST(write_out, headers_by_name_in_both_spellings)
{
    const auto r = sample();
    EXPECT_EQ(expand("%header{content-type}", r), "text/html");
    EXPECT_EQ(expand("%{header{CONTENT-TYPE}}", r), "text/html");
    EXPECT_EQ(expand("[%header{x-multi}]", r), "[1, 2]");
    EXPECT_EQ(expand("[%header{absent}]", r), "[]");
    const auto parsed = parse_write_out("%header{Content-Type} %{header{content-type}} %header{ETag}");
    EXPECT_EQ(parsed.format.header_names(), (std::vector<std::string>{"Content-Type", "ETag"}));
    EXPECT_TRUE(parse_write_out("%{http_code}").format.header_names().empty());
}

TEST(write_out, escapes_and_literal_percent)
{
    const auto r = sample();
    EXPECT_EQ(expand("%{http_code}\\n", r), "200\n");
    EXPECT_EQ(expand("a\\tb\\r\\\\c", r), "a\tb\r\\c");
    EXPECT_EQ(expand("100%% done", r), "100% done");
    EXPECT_EQ(expand("50% and \\q", r), "50% and \\q") << "a lone % or an unknown escape stays";
    EXPECT_EQ(expand("", r), "");
    EXPECT_EQ(expand("plain", r), "plain");
    EXPECT_EQ(expand("%{url}\t%{http_code}", r), "http://example.test/a\t200");
}

TEST(write_out, unknown_or_unterminated_variables_are_errors_naming_them)
{
    EXPECT_EQ(parse_write_out("%{nope}").error, "unknown --write-out variable 'nope'");
    EXPECT_EQ(parse_write_out("ok %{http_code} %{size_upload}").error,
              "unknown --write-out variable 'size_upload'");
    EXPECT_NE(parse_write_out("%{http_code").error.find("unterminated"), std::string::npos);
    EXPECT_NE(parse_write_out("%header{x").error.find("%header{x"), std::string::npos);
    EXPECT_NE(parse_write_out("%{header{}}").error, "");
}

TEST(write_out, seconds_have_six_decimals)
{
    EXPECT_EQ(write_out_seconds(0), "0.000000");
    EXPECT_EQ(write_out_seconds(1234.5678), "1.234568");
    EXPECT_EQ(write_out_seconds(-1), "0.000000");
}

parse_outcome parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), {true, false, true});
}

TEST(inspect_options, flags_parse_into_the_options)
{
    auto p = parse({"-v", "--verbose-secrets", "-D", "heads.txt", "-w", "%{http_code}\\n", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_TRUE(p.opts->verbose);
    EXPECT_TRUE(p.opts->verbose_secrets);
    EXPECT_EQ(p.opts->dump_header, "heads.txt");
    EXPECT_EQ(p.opts->write_out, "%{http_code}\\n");
    EXPECT_FALSE(p.opts->progress) << "-v turns the progress line off";

    auto longs = parse({"--verbose", "--dump-header", "-", "--write-out", "@fmt.txt", "http://a/"});
    ASSERT_TRUE(longs.opts) << longs.err;
    EXPECT_TRUE(longs.opts->verbose);
    EXPECT_FALSE(longs.opts->verbose_secrets);
    EXPECT_EQ(longs.opts->dump_header, "-");
    EXPECT_EQ(longs.opts->write_out, "@fmt.txt");

    auto none = parse({"http://a/"});
    ASSERT_TRUE(none.opts);
    EXPECT_FALSE(none.opts->verbose);
    EXPECT_TRUE(none.opts->dump_header.empty());
    EXPECT_TRUE(none.opts->write_out.empty());
    EXPECT_TRUE(none.opts->progress);
}

TEST(inspect_options, usage_errors_exit_two)
{
    auto unknown = parse({"-w", "%{http_code} %{bogus}", "http://a/"});
    EXPECT_FALSE(unknown.opts);
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("bogus"), std::string::npos) << unknown.err;

    auto secrets = parse({"--verbose-secrets", "http://a/"});
    EXPECT_EQ(secrets.exit_code, 2);
    EXPECT_NE(secrets.err.find("needs -v"), std::string::npos) << secrets.err;

    std::vector<const char*> argv{"asyncfetch", "-w", "@-"};
    auto both_stdin = parse_command_line(static_cast<int>(argv.size()), argv.data(), {false, false, false});
    EXPECT_EQ(both_stdin.exit_code, 2) << "stdin cannot give both the URLs and the format";
}

}  // namespace
}  // namespace asyncfetch
