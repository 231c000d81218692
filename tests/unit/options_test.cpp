// Command-line parsing from argument vectors: defaults, each flag, usage errors (exit 2), the body.
#include "asyncfetch/options.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/request_body.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

parse_outcome parse(std::initializer_list<const char*> args, terminal_info term = {true, false})
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), term);
}

TEST(options, defaults)
{
    auto p = parse({"http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    const options& o = *p.opts;
    EXPECT_EQ(o.urls, std::vector<std::string>{"http://a/"});
    EXPECT_EQ(o.concurrency, 50u);
    EXPECT_EQ(o.effective_per_host(), 50u);
    EXPECT_EQ(o.mode, run_mode::concurrent);
    EXPECT_EQ(o.format, output_format::tsv);
    EXPECT_EQ(o.client.connect_timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(o.client.timeout, std::chrono::milliseconds(30'000));
    EXPECT_FALSE(o.keep_order || o.quiet || o.client.fail || !o.client.verify);
    EXPECT_EQ(o.client.request.method, "GET");
    EXPECT_TRUE(o.input.empty());
}

TEST(options, table_is_the_default_on_a_terminal)
{
    auto p = parse({"http://a/"}, {true, true});
    ASSERT_TRUE(p.opts);
    EXPECT_EQ(p.opts->format, output_format::table);
    auto forced = parse({"--format", "tsv", "http://a/"}, {true, true});
    ASSERT_TRUE(forced.opts);
    EXPECT_EQ(forced.opts->format, output_format::tsv);
}

TEST(options, every_flag)
{
    auto p = parse({"-j",  "8",      "--per-host", "2",  "--sequential", "--keep-order", "--json",
                    "-q",  "--fail", "-k",         "-I", "--cacert",     "ca.pem",       "--connect-timeout",
                    "1.5", "-m",     "0.25",       "-i", "list.txt",     "http://a/",    "https://b/"});
    ASSERT_TRUE(p.opts) << p.err;
    const options& o = *p.opts;
    EXPECT_EQ(o.concurrency, 8u);
    EXPECT_EQ(o.effective_per_host(), 2u);
    EXPECT_EQ(o.mode, run_mode::sequential);
    EXPECT_TRUE(o.keep_order);
    EXPECT_EQ(o.format, output_format::json);
    EXPECT_TRUE(o.quiet && o.client.fail && !o.client.verify);
    EXPECT_EQ(o.client.request.method, "HEAD");
    EXPECT_EQ(o.cacert, "ca.pem");
    EXPECT_EQ(o.client.connect_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(o.client.timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(o.input, "list.txt");
    EXPECT_EQ(o.urls.size(), 2u);
}

TEST(options, a_single_value_option_given_twice_takes_the_last_as_curl_does)
{
    auto p = parse(
        {"-m", "8", "-j", "4", "--max-time", "2", "-j", "9", "-H", "A: 1", "-H", "B: 2", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(p.opts->concurrency, 9u);
    EXPECT_EQ(p.opts->client.request.headers.size(), 2u) << "a list option keeps every value";
}

TEST(options, long_spellings)
{
    auto p = parse({"--concurrency",
                    "3",
                    "--max-time",
                    "2",
                    "--compare",
                    "--format",
                    "json",
                    "--input",
                    "-",
                    "--insecure",
                    "--quiet"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->concurrency, 3u);
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(p.opts->mode, run_mode::compare);
    EXPECT_EQ(p.opts->format, output_format::json);
    EXPECT_EQ(p.opts->input, "-");
    auto t = parse({"--timeout", "4", "http://a/"});
    ASSERT_TRUE(t.opts);
    EXPECT_EQ(t.opts->client.timeout, std::chrono::milliseconds(4000));
}

TEST(options, stdin_is_read_when_no_url_and_not_a_terminal)
{
    auto p = parse({}, {false, false});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->input, "-");
}

TEST(options, help_and_version_exit_zero_with_text)
{
    auto h = parse({"--help"});
    EXPECT_FALSE(h.opts);
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("--concurrency"), std::string::npos);
    EXPECT_NE(h.out.find("Examples:"), std::string::npos);
    EXPECT_NE(h.out.find("Exit status"), std::string::npos);
    auto v = parse({"--version"});
    EXPECT_FALSE(v.opts);
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out, std::string("asyncfetch ") + ASYNCFETCH_VERSION + "\n");
}

class usage_error : public ::testing::TestWithParam<std::vector<const char*>>
{
};

TEST_P(usage_error, exits_2_with_a_message)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), GetParam().begin(), GetParam().end());
    auto p = parse_command_line(static_cast<int>(argv.size()), argv.data(), {true, false});
    EXPECT_FALSE(p.opts);
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_EQ(p.err.rfind("asyncfetch: ", 0), 0u) << p.err;
    EXPECT_TRUE(p.out.empty());
}

INSTANTIATE_TEST_SUITE_P(cases,
                         usage_error,
                         ::testing::Values(std::vector<const char*>{},  // no URL, stdin is a terminal
                                           std::vector<const char*>{"-j", "0", "http://a/"},
                                           std::vector<const char*>{"-j", "many", "http://a/"},
                                           std::vector<const char*>{"--per-host", "0", "http://a/"},
                                           std::vector<const char*>{"--format", "xml", "http://a/"},
                                           std::vector<const char*>{"--json", "--format", "tsv", "http://a/"},
                                           std::vector<const char*>{"--sequential", "--compare", "http://a/"},
                                           std::vector<const char*>{"-m", "0", "http://a/"},
                                           std::vector<const char*>{"-m", "-1", "http://a/"},
                                           std::vector<const char*>{"--connect-timeout", "nan", "http://a/"},
                                           std::vector<const char*>{"--no-such-flag", "http://a/"}));

// ---------------------------------------------------------------------------------------------
// the request, redirect, output, retry, proxy and resolve flags

using std::chrono::milliseconds;

void expect_usage_error(std::initializer_list<const char*> args, const std::string& why)
{
    auto p = parse(args);
    EXPECT_FALSE(p.opts) << why;
    EXPECT_EQ(p.exit_code, 2) << why;
    EXPECT_FALSE(p.err.empty()) << why;
}

TEST(options_request, method_user_agent_and_headers)
{
    auto p = parse({"http://a/",
                    "-X",
                    "PUT",
                    "-A",
                    "agent/1.0",
                    "-H",
                    "X-A: 1",
                    "-H",
                    "X-B:",
                    "-H",
                    "X-C;",
                    "-H",
                    "X-D: \t spaced value \t",
                    "--header",
                    "Accept:*/*"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& r = p.opts->client.request;
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.user_agent, "agent/1.0");
    ASSERT_EQ(r.headers.size(), 5u);
    EXPECT_EQ(r.headers[0].name, "X-A");
    EXPECT_EQ(r.headers[0].value, "1");
    EXPECT_FALSE(r.headers[0].remove);
    EXPECT_EQ(r.headers[1].name, "X-B");
    EXPECT_EQ(r.headers[1].value, "");
    EXPECT_TRUE(r.headers[1].remove);
    EXPECT_EQ(r.headers[2].name, "X-C");
    EXPECT_EQ(r.headers[2].value, "");
    EXPECT_FALSE(r.headers[2].remove);
    EXPECT_EQ(r.headers[3].name, "X-D");
    EXPECT_EQ(r.headers[3].value, "spaced value");
    EXPECT_EQ(r.headers[4].name, "Accept");
    EXPECT_EQ(r.headers[4].value, "*/*");
    EXPECT_EQ(p.opts->urls, std::vector<std::string>{"http://a/"});
}

TEST(options_request, long_spellings_and_defaults)
{
    auto p = parse({"--request", "DELETE", "--user-agent", "ua", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.request.method, "DELETE");
    EXPECT_EQ(p.opts->client.request.user_agent, "ua");

    auto d = parse({"http://a/"});
    ASSERT_TRUE(d.opts);
    EXPECT_EQ(d.opts->client.request.user_agent, std::string("asyncfetch/") + ASYNCFETCH_VERSION);
    EXPECT_TRUE(d.opts->client.request.headers.empty());
    EXPECT_TRUE(d.opts->data.empty());
    EXPECT_FALSE(d.opts->client.request.body);
    EXPECT_EQ(d.opts->client.max_redirs, 10u);
    EXPECT_FALSE(d.opts->client.allow_insecure_redirects);
    EXPECT_FALSE(d.opts->client.compressed);
    EXPECT_FALSE(d.opts->client.max_filesize);
    EXPECT_TRUE(d.opts->client.output_dir.empty());
    EXPECT_TRUE(d.opts->client.outputs.empty());
    EXPECT_FALSE(d.opts->client.remote_name_all || d.opts->client.create_dirs || d.opts->client.no_clobber);
    EXPECT_TRUE(d.opts->client.request.user.empty());
    EXPECT_EQ(d.opts->client.retry.retries, 0u);
    EXPECT_EQ(d.opts->client.retry.base_delay, milliseconds(1000));
    EXPECT_EQ(d.opts->client.retry.max_time, milliseconds(0));
    EXPECT_FALSE(d.opts->client.retry.all_methods);
    EXPECT_TRUE(d.opts->client.proxies.proxy.empty());
    EXPECT_FALSE(d.opts->client.proxies.noproxy);
    EXPECT_TRUE(d.opts->client.resolves.empty());
    EXPECT_EQ(d.opts->client.ip_family, 0);
}

// A repeatable option takes one value per occurrence, as in curl: the URL after it is a URL.
// CLI11 vector options take every following non-option argument, so "-H 'X-A: 1' http://a/"
// sends a header "http: //a/" and has no URL. The other option tests put URLs first.
TEST(options_request, repeatable_options_do_not_swallow_urls)
{
    auto h = parse({"-H", "X-A: 1", "http://a/"});
    ASSERT_TRUE(h.opts) << h.err;
    EXPECT_EQ(h.opts->client.request.headers.size(), 1u);
    EXPECT_EQ(h.opts->urls, std::vector<std::string>{"http://a/"});

    auto d = parse({"-d", "a=1", "http://a/"});
    ASSERT_TRUE(d.opts) << d.err;
    EXPECT_EQ(d.opts->data.size(), 1u);
    EXPECT_EQ(d.opts->urls, std::vector<std::string>{"http://a/"});

    auto r = parse({"--resolve", "h:80:127.0.0.1", "http://h/"});
    ASSERT_TRUE(r.opts) << r.err;
    EXPECT_EQ(r.opts->client.resolves.size(), 1u);
    EXPECT_EQ(r.opts->urls, std::vector<std::string>{"http://h/"});
}

TEST(options_request, data_makes_the_method_post)
{
    auto p = parse({"http://a/", "-d", "a=1", "-d", "b=2", "--data-binary", "@body.bin"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& o = *p.opts;
    EXPECT_EQ(o.client.request.method, "POST");
    ASSERT_EQ(o.data.size(), 3u);
    EXPECT_FALSE(o.data[0].binary);
    EXPECT_EQ(o.data[0].value, "a=1");
    EXPECT_FALSE(o.data[1].binary);
    EXPECT_EQ(o.data[1].value, "b=2");
    EXPECT_TRUE(o.data[2].binary);
    EXPECT_EQ(o.data[2].value, "@body.bin");
    EXPECT_FALSE(o.client.request.body) << "files are read by load_request_body, not by the parser";

    auto bin = parse({"http://a/", "--data-binary", "x"});
    ASSERT_TRUE(bin.opts);
    EXPECT_EQ(bin.opts->client.request.method, "POST");

    auto put = parse({"http://a/", "-X", "PUT", "--data", "a"});
    ASSERT_TRUE(put.opts);
    EXPECT_EQ(put.opts->client.request.method, "PUT");
}

// The header says "-d (form) and --data-binary values in order": curl joins them in command-line order.
TEST(options_request, data_and_data_binary_keep_command_line_order)
{
    auto p = parse({"http://a/", "--data-binary", "b", "-d", "a", "--data-binary", "c"});
    ASSERT_TRUE(p.opts) << p.err;
    ASSERT_EQ(p.opts->data.size(), 3u);
    EXPECT_EQ(p.opts->data[0].value, "b");
    EXPECT_EQ(p.opts->data[1].value, "a");
    EXPECT_EQ(p.opts->data[2].value, "c");
}

TEST(options_redirects, flags)
{
    auto p = parse({"-L", "--max-redirs", "3", "--allow-insecure-redirects", "--compressed", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.max_redirs, 3u);
    EXPECT_TRUE(p.opts->client.allow_insecure_redirects);
    EXPECT_TRUE(p.opts->client.compressed);

    auto zero = parse({"--location", "--max-redirs", "0", "http://a/"});
    ASSERT_TRUE(zero.opts) << zero.err;
    EXPECT_EQ(zero.opts->client.max_redirs, 0u);

    expect_usage_error({"--max-redirs", "-1", "http://a/"}, "negative --max-redirs");
    expect_usage_error({"--max-redirs", "x", "http://a/"}, "non-numeric --max-redirs");
}

TEST(options_output, max_filesize_and_output_dir)
{
    // -o names a file now, as in curl; the directory is --output-dir.
    auto p = parse({"--max-filesize", "2M", "--output-dir", "dl", "--remote-name-all", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.max_filesize, std::optional<std::uint64_t>(2u * 1024 * 1024));
    EXPECT_EQ(p.opts->client.output_dir, "dl");
    EXPECT_TRUE(p.opts->client.remote_name_all);
    EXPECT_TRUE(p.opts->client.outputs.empty());

    auto l = parse({"--output-dir", "/tmp/x y", "--max-filesize", "10", "http://a/"});
    ASSERT_TRUE(l.opts) << l.err;
    EXPECT_EQ(l.opts->client.output_dir, "/tmp/x y");
    EXPECT_EQ(l.opts->client.max_filesize, std::optional<std::uint64_t>(10));

    expect_usage_error({"--max-filesize", "1.5M", "http://a/"}, "fractional --max-filesize");
    expect_usage_error({"--max-filesize", "k", "http://a/"}, "suffix without number");
    expect_usage_error({"--max-filesize", "12x", "http://a/"}, "unknown suffix");
}

TEST(options_report, waterfall_takes_an_svg_or_html_file)
{
    EXPECT_TRUE(parse({"http://a/"}).opts->waterfall.empty());
    auto p = parse({"--waterfall", "out.svg", "--compare", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->waterfall, "out.svg");
    auto h = parse({"--waterfall", "dir/Run.HTML", "http://a/"});
    ASSERT_TRUE(h.opts) << h.err;
    EXPECT_EQ(h.opts->waterfall, "dir/Run.HTML");

    auto bad = parse({"--waterfall", "out.png", "http://a/"});
    EXPECT_FALSE(bad.opts);
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("must end in .svg or .html"), std::string::npos) << bad.err;
    expect_usage_error({"--waterfall", "svg", "http://a/"}, "no extension");
}

TEST(parse_size, suffixes_are_powers_of_1024)
{
    EXPECT_EQ(parse_size("10"), std::optional<std::uint64_t>(10));
    EXPECT_EQ(parse_size("0"), std::optional<std::uint64_t>(0));
    EXPECT_EQ(parse_size("1k"), std::optional<std::uint64_t>(1024));
    EXPECT_EQ(parse_size("1K"), std::optional<std::uint64_t>(1024));
    EXPECT_EQ(parse_size("2M"), std::optional<std::uint64_t>(2ull * 1024 * 1024));
    EXPECT_EQ(parse_size("2m"), std::optional<std::uint64_t>(2ull * 1024 * 1024));
    EXPECT_EQ(parse_size("3G"), std::optional<std::uint64_t>(3ull * 1024 * 1024 * 1024));
    EXPECT_EQ(parse_size("999999999999999"), std::optional<std::uint64_t>(999'999'999'999'999ull));
}

TEST(parse_size, rejects_malformed_sizes)
{
    for (std::string_view bad :
         {"", "k", "M", "1.5M", "-1", "+1", " 1", "1 ", "1 k", "1kk", "1T", "0x10", "1e3"})
        EXPECT_EQ(parse_size(bad), std::nullopt) << "'" << bad << "'";
}

// A size that does not fit in 64 bits must be rejected, not wrapped around to a small limit:
// 17179869184G is 2^64 bytes.
TEST(parse_size, rejects_overflow)
{
    EXPECT_EQ(parse_size("17179869184G"), std::nullopt);
    EXPECT_EQ(parse_size("17179869185G"), std::nullopt);
    EXPECT_EQ(parse_size("99999999999999G"), std::nullopt);
    EXPECT_EQ(parse_size("999999999999999k"), std::optional<std::uint64_t>(999'999'999'999'999ull * 1024));
}

TEST(options_retry, values_in_milliseconds)
{
    auto p = parse({"--retry",
                    "3",
                    "--retry-delay",
                    "0.5",
                    "--retry-max-time",
                    "10",
                    "--retry-all-methods",
                    "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.retry.retries, 3u);
    EXPECT_EQ(p.opts->client.retry.base_delay, milliseconds(500));
    EXPECT_EQ(p.opts->client.retry.max_time, milliseconds(10'000));
    EXPECT_TRUE(p.opts->client.retry.all_methods);

    auto z = parse({"--retry-delay", "0", "http://a/"});
    ASSERT_TRUE(z.opts) << z.err;
    EXPECT_EQ(z.opts->client.retry.base_delay, milliseconds(0));

    expect_usage_error({"--retry", "-1", "http://a/"}, "negative --retry");
    expect_usage_error({"--retry-delay", "-1", "http://a/"}, "negative --retry-delay");
    expect_usage_error({"--retry-max-time", "-2", "http://a/"}, "negative --retry-max-time");
}

TEST(options_proxy, proxy_and_noproxy)
{
    auto p = parse({"-x", "http://p:3128", "--noproxy", "a.com,b.com", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.proxies.proxy, "http://p:3128");
    EXPECT_EQ(p.opts->client.proxies.noproxy, std::optional<std::string>("a.com,b.com"));

    auto l = parse({"--proxy", "p:1", "http://a/"});
    ASSERT_TRUE(l.opts) << l.err;
    EXPECT_EQ(l.opts->client.proxies.proxy, "p:1");
    EXPECT_FALSE(l.opts->client.proxies.noproxy);
}

TEST(options_proxy, empty_noproxy_is_kept_as_no_exceptions)
{
    auto p = parse({"--noproxy", "", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    ASSERT_TRUE(p.opts->client.proxies.noproxy.has_value());
    EXPECT_EQ(*p.opts->client.proxies.noproxy, "");
}

TEST(options_resolve, entries)
{
    auto p = parse({"http://a/",
                    "--resolve",
                    "Example.COM:443:1.2.3.4",
                    "--resolve",
                    "h:8080:[::1]",
                    "--resolve",
                    "v6:80:2001:db8::2"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& r = p.opts->client.resolves;
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].host, "example.com");
    EXPECT_EQ(r[0].port, 443);
    EXPECT_EQ(r[0].address, "1.2.3.4");
    EXPECT_EQ(r[1].host, "h");
    EXPECT_EQ(r[1].port, 8080);
    EXPECT_EQ(r[1].address, "::1");
    EXPECT_EQ(r[2].host, "v6");
    EXPECT_EQ(r[2].port, 80);
    EXPECT_EQ(r[2].address, "2001:db8::2");
}

TEST(options_dns, servers_are_listed_with_their_ports)
{
    auto p = parse({"http://a/", "--dns-servers", "127.0.0.1:5353,10.0.0.1,[::1]:53,[2001:db8::1],fe80::2"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.dns_servers,
              "127.0.0.1:5353,10.0.0.1:53,[::1]:53,[2001:db8::1]:53,[fe80::2]:53");
    EXPECT_EQ(parse({"http://a/"}).opts->client.dns_servers, "");
}

TEST(options_dns, malformed_servers_are_usage_errors)
{
    for (const char* bad : {"dns.example",
                            "1.2.3.4:0",
                            "1.2.3.4:65536",
                            "1.2.3.4:",
                            "1.2.3.4,",
                            ",1.2.3.4",
                            "[1.2.3.4]:53",
                            "[::1",
                            "[::1]53",
                            "1.2.3.4 ,5.6.7.8"})
    {
        auto p = parse({"http://a/", "--dns-servers", bad});
        EXPECT_FALSE(p.opts) << bad;
        EXPECT_EQ(p.exit_code, 2) << bad;
        EXPECT_NE(p.err.find("invalid --dns-servers"), std::string::npos) << p.err;
    }
}

TEST(options_dns, happy_eyeballs_delay)
{
    EXPECT_EQ(parse({"http://a/"}).opts->client.happy_eyeballs_delay, std::chrono::milliseconds(250));
    auto p = parse({"http://a/", "--happy-eyeballs-timeout-ms", "100"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.happy_eyeballs_delay, std::chrono::milliseconds(100));
    EXPECT_FALSE(parse({"http://a/", "--happy-eyeballs-timeout-ms", "0"}).opts);
}

TEST(options_resolve, malformed_entries_are_usage_errors)
{
    for (const char* bad : {"h:80",
                            "h:0:1.2.3.4",
                            "h:80:notanip",
                            ":80:1.2.3.4",
                            "h::1.2.3.4",
                            "h:65536:1.2.3.4",
                            "h:x:1.2.3.4",
                            "h:80:",
                            "h",
                            "h:80:[::1"})
        expect_usage_error({"http://a/", "--resolve", bad}, std::string("--resolve ") + bad);
}

TEST(options_ip_family, four_or_six)
{
    auto v4 = parse({"-4", "http://a/"});
    ASSERT_TRUE(v4.opts) << v4.err;
    EXPECT_EQ(v4.opts->client.ip_family, 4);
    auto v6 = parse({"--ipv6", "http://a/"});
    ASSERT_TRUE(v6.opts) << v6.err;
    EXPECT_EQ(v6.opts->client.ip_family, 6);
    expect_usage_error({"-4", "-6", "http://a/"}, "-4 with -6");
}

TEST(options_usage_errors, header_injection_and_bad_headers)
{
    expect_usage_error({"http://a/", "-H", "X-A: 1\r\nX-Evil: 2"}, "CRLF in header");
    expect_usage_error({"http://a/", "-H", "X-A: 1\rX"}, "CR in header");
    expect_usage_error({"http://a/", "-H", "X-A: 1\nX"}, "LF in header");
    expect_usage_error({"http://a/", "-H", "NoColon"}, "header without colon");
    expect_usage_error({"http://a/", "-H", "Bad Name: x"}, "space in header name");
    expect_usage_error({"http://a/", "-H", ": x"}, "empty header name");
    expect_usage_error({"http://a/", "-H", "X(A): x"}, "separator in header name");
    expect_usage_error({"http://a/", "-H", ";"}, "empty name before semicolon");
}

TEST(options_usage_errors, method_user_agent_proxy_and_url)
{
    expect_usage_error({"-X", "GE T", "http://a/"}, "method with space");
    expect_usage_error({"-X", "GET\r\n", "http://a/"}, "method with CRLF");
    expect_usage_error({"-X", "G/ET", "http://a/"}, "method with separator");
    expect_usage_error({"-A", "ua\r\nX-Evil: 1", "http://a/"}, "user agent with CRLF");
    expect_usage_error({"-x", "http://p:1/\n", "http://a/"}, "proxy with LF");
    expect_usage_error({"http://a/\n"}, "URL with LF");
    expect_usage_error({"http://a/\rx"}, "URL with CR");
}

// ---------------------------------------------------------------------------------------------
// load_request_body

class load_request_body_test : public ::testing::Test
{
protected:
    void SetUp() override
    {
        // mkdtemp: the same test may run at once from several build directories.
        std::string tmpl = (std::filesystem::temp_directory_path() / "asyncfetch-body-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }

    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::string write_file(const std::string& name, const std::string& content)
    {
        const auto path = (dir_ / name).string();
        std::ofstream out(path, std::ios::binary);
        out << content;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(load_request_body_test, no_data_leaves_the_body_unset)
{
    options o;
    EXPECT_EQ(load_request_body(o), std::nullopt);
    EXPECT_FALSE(o.client.request.body);
    EXPECT_FALSE(o.client.request.form_body);
}

TEST_F(load_request_body_test, a_body_read_into_memory_stops_at_its_limit)
{
    // A device or a pipe cannot be read twice, so it is read now, and /dev/zero has no end.
    options o;
    o.data = {{true, "@/dev/zero"}};
    const auto problem = load_request_body(o, 4096);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("cannot read /dev/zero: larger than 4 KiB (the limit)"), std::string::npos)
        << *problem;
    EXPECT_FALSE(o.client.request.body);
    EXPECT_EQ(max_memory_body, std::size_t{1} << 30);

    // The limit is for what is held in memory only.
    const auto path = write_file("exactly.bin", std::string(4096, 'x'));
    options file;
    file.data = {{true, "@" + path}};
    ASSERT_EQ(load_request_body(file, 16), std::nullopt) << "a regular file is streamed, not bounded";
    EXPECT_EQ(file.client.request.body->size, 4096u);
}

TEST_F(load_request_body_test, data_values_are_joined_with_ampersand)
{
    options o;
    o.data = {{false, "a=1"}, {false, "b=2"}, {false, "c"}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.client.request.body);
    ASSERT_TRUE(o.client.request.body->text()) << "values from the command line are held in memory";
    EXPECT_EQ(*o.client.request.body->text(), "a=1&b=2&c");
    EXPECT_TRUE(o.client.request.form_body);
}

TEST_F(load_request_body_test, empty_data_sends_an_empty_body)
{
    options o;
    o.data = {{false, ""}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.client.request.body);
    EXPECT_EQ(o.client.request.body->size, 0u);
    EXPECT_EQ(read_whole_body(*o.client.request.body), "");
    EXPECT_TRUE(o.client.request.form_body);
}

TEST_F(load_request_body_test, data_file_loses_cr_and_lf)
{
    const auto path = write_file("form.txt", "x=1\r\ny=2\n\nz=3\r\n");
    options o;
    o.data = {{false, "@" + path}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.client.request.body);
    EXPECT_EQ(o.client.request.body->size, 9u) << "counted without CR and LF";
    EXPECT_FALSE(o.client.request.body->text()) << "a file is read while sending, not held";
    EXPECT_EQ(read_whole_body(*o.client.request.body), "x=1y=2z=3");
    EXPECT_TRUE(o.client.request.form_body);
}

TEST_F(load_request_body_test, data_binary_file_is_sent_as_is)
{
    const std::string content("line1\r\nline2\n\0bin\xff", 17);
    const auto path = write_file("body.bin", content);
    options o;
    o.data = {{true, "@" + path}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.client.request.body);
    EXPECT_EQ(o.client.request.body->size, content.size());
    EXPECT_EQ(read_whole_body(*o.client.request.body), content);
    EXPECT_FALSE(o.client.request.form_body);
}

TEST_F(load_request_body_test, mixed_values_from_the_command_line)
{
    const auto path = write_file("f.txt", "k=v\n");
    const std::string at_path = "@" + path;
    auto p = parse({"http://a/", "-d", "a=1", "-d", at_path.c_str()});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(load_request_body(*p.opts), std::nullopt);
    ASSERT_TRUE(p.opts->client.request.body);
    EXPECT_EQ(read_whole_body(*p.opts->client.request.body), "a=1&k=v");
    EXPECT_TRUE(p.opts->client.request.form_body);
    EXPECT_EQ(p.opts->client.request.method, "POST");
}

TEST_F(load_request_body_test, missing_file_is_an_error_message)
{
    const auto path = (dir_ / "does-not-exist.txt").string();
    options o;
    o.data = {{false, "@" + path}};
    const auto err = load_request_body(o);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find(path), std::string::npos) << *err;

    options b;
    b.data = {{false, "a=1"}, {true, "@" + path}};
    EXPECT_TRUE(load_request_body(b));
}

TEST_F(load_request_body_test, a_file_is_read_again_for_each_request_in_small_blocks)
{
    std::string content;
    for (int i = 0; i < 5000; ++i)
        content += "line " + std::to_string(i) + "\r\n";
    const auto path = write_file("lines.txt", content);
    options o;
    o.data = {{false, "k=v"}, {false, "@" + path}, {true, "@" + path}};
    ASSERT_EQ(load_request_body(o), std::nullopt);
    const request_body& body = *o.client.request.body;
    std::string stripped = content;
    std::erase_if(stripped, [](char c) { return c == '\r' || c == '\n'; });
    const std::string expected = "k=v&" + stripped + "&" + content;
    EXPECT_EQ(body.size, expected.size());
    for (int pass = 0; pass < 2; ++pass)  // a retry or a 307 reads it all again
    {
        body_reader reader(body);
        std::string out;
        unsigned char block[7];
        boost::system::error_code ec;
        while (reader.left() > 0)
        {
            const std::size_t n = reader.read(block, sizeof block, ec);
            ASSERT_FALSE(ec) << reader.problem();
            ASSERT_GT(n, 0u);
            out.append(reinterpret_cast<const char*>(block), n);
        }
        EXPECT_EQ(out, expected);
    }
}

TEST_F(load_request_body_test, a_file_that_shrinks_after_counting_is_an_error_naming_it)
{
    const auto path = write_file("shrinks.bin", std::string(1000, 'a'));
    options o;
    o.data = {{true, "@" + path}};
    ASSERT_EQ(load_request_body(o), std::nullopt);
    write_file("shrinks.bin", std::string(10, 'a'));
    body_reader reader(*o.client.request.body);
    unsigned char block[4096];
    boost::system::error_code ec;
    std::size_t total = 0;
    while (!ec && reader.left() > 0)
        total += reader.read(block, sizeof block, ec);
    EXPECT_EQ(total, 10u);
    EXPECT_EQ(ec, errc::request_body_file);
    EXPECT_NE(reader.problem().find("990 bytes"), std::string::npos) << reader.problem();

    std::filesystem::remove(path);
    body_reader gone(*o.client.request.body);
    EXPECT_EQ(gone.read(block, sizeof block, ec), 0u);
    EXPECT_EQ(ec, errc::request_body_file);
    EXPECT_NE(gone.problem().find(path), std::string::npos) << gone.problem();
}

}  // namespace
}  // namespace asyncfetch
