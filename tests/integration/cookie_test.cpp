// End to end, the binary against the testbed: -b pairs and files, -c jars, cookies across URLs and
// redirect hops (HTTP/1.1 and HTTP/2, concurrent and --sequential), Secure, supercookies, redaction.
#include "asyncfetch/cookie_jar.hpp"
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::process_result;
using test::temp_dir;
using test::temp_file;

process_result run_cli(const std::vector<std::string>& args) { return test::run_cli(args, {}, 20); }

std::string read_text(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// The Cookie fields of every logged request whose target starts with path, joined with "; ",
/// one string per request in log order.
std::vector<std::string> cookies_sent(const testbed& server, const std::string& path)
{
    std::vector<std::string> out;
    for (const auto& r : server.requests())
    {
        if (r.target.rfind(path, 0) != 0)
            continue;
        std::string joined;
        for (const auto& [name, value] : r.headers)
            if (name == "Cookie" || name == "cookie")
                joined.append(joined.empty() ? "" : "; ").append(value);
        out.push_back(joined);
    }
    return out;
}

/// Cookies over HTTP/1.1 and over HTTP/2 (h2c with prior knowledge).
class cookies_over : public ::testing::TestWithParam<test::protocol>
{
protected:
    std::string flag() const
    {
        return GetParam() == test::protocol::h2 ? "--http2-prior-knowledge" : "--http1.1";
    }

    testbed server{test::serving_both()};
    temp_dir dir;
};

INSTANTIATE_TEST_SUITE_P(both,
                         cookies_over,
                         ::testing::Values(test::protocol::http1, test::protocol::h2),
                         test::protocol_name{});

TEST_P(cookies_over, a_cookie_set_by_one_url_is_sent_to_later_ones_in_sequence)
{
    const std::string base = server.base_url();
    const auto r = run_cli({"--sequential",
                            flag(),
                            "-c",
                            dir / "jar.txt",
                            base + "/cookie/echo?first",
                            base + "/cookie/set?sid=abc&theme=dark",
                            base + "/cookie/echo?second",
                            base + "/cookie/echo/sub?third"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?first"), std::vector<std::string>{""});
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?second"), std::vector<std::string>{"sid=abc; theme=dark"});
    EXPECT_EQ(cookies_sent(server, "/cookie/echo/sub"), std::vector<std::string>{"sid=abc; theme=dark"});
}

TEST_P(cookies_over, a_redirect_hop_gets_the_cookies_set_by_the_hop_before_it_concurrently)
{
    const std::string base = server.base_url();
    std::vector<std::string> args{flag(), "-j", "8", "-b", ""};
    for (int i = 0; i < 8; ++i)
    {
        const std::string n = std::to_string(i);
        args.push_back(base + "/cookie/set?c" + n + "=v" + n + "&location=/cookie/echo/" + n);
    }
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Each chain's second hop carries its own cookie; others' cookies may be there too (one jar).
    for (int i = 0; i < 8; ++i)
    {
        const std::string n = std::to_string(i);
        const auto sent = cookies_sent(server, "/cookie/echo/" + n);
        ASSERT_EQ(sent.size(), 1U) << n;
        EXPECT_TRUE(contains(sent[0], "c" + n + "=v" + n)) << sent[0];
    }
}

TEST_P(cookies_over, without_the_engine_set_cookie_is_not_kept)
{
    const std::string base = server.base_url();
    const auto r = run_cli({"--sequential", flag(), base + "/cookie/set?sid=abc", base + "/cookie/echo"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/echo"), std::vector<std::string>{""});
}

TEST_P(cookies_over, pairs_go_to_every_url_concurrently_and_in_sequence)
{
    const std::string base = server.base_url();
    // With and without the cookie engine, one URL at a time and all at once.
    for (const bool engine : {false, true})
        for (const char* mode : {"--sequential", "-j8"})
        {
            server.clear_requests();
            std::vector<std::string> args{flag(), mode, "-b", "pre=1; other=2"};
            if (engine)
                args.insert(args.end(), {"-b", ""});
            for (int i = 0; i < 8; ++i)
                args.push_back(base + "/cookie/echo/" + std::to_string(i));
            const auto r = run_cli(args);
            ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
            const auto sent = cookies_sent(server, "/cookie/echo/");
            EXPECT_EQ(sent, std::vector<std::string>(8, "pre=1; other=2"))
                << mode << (engine ? " with" : " without") << " the engine";
        }
}

TEST_P(cookies_over, a_jar_round_trips_through_c_then_b_with_pairs)
{
    const std::string base = server.base_url();
    const std::string jar = dir / "jar.txt";
    const auto first = run_cli(
        {flag(),
         "-b",
         "pre=1; other=2",
         "-c",
         jar,
         base + "/cookie/set?set=sess%3Dx%3B%20HttpOnly&set=keep%3Dy%3B%20Max-Age%3D3600"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/set"), std::vector<std::string>{"pre=1; other=2"});
    const std::string text = read_text(jar);
    EXPECT_EQ(text.rfind("# Netscape HTTP Cookie File\n", 0), 0U) << text;
    EXPECT_TRUE(contains(text, "#HttpOnly_127.0.0.1\tFALSE\t/cookie\tFALSE\t0\tsess\tx\n")) << text;
    EXPECT_TRUE(contains(text, "127.0.0.1\tFALSE\t/cookie\tFALSE\t")) << text;
    EXPECT_TRUE(contains(text, "\tkeep\ty\n")) << text;
    EXPECT_EQ(dir.entries(), 1U);  // no temporary file left

    server.clear_requests();
    const auto second = run_cli(
        {"--sequential", flag(), "-b", jar, "-c", jar, base + "/cookie/echo", base + "/status/200"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/echo"), std::vector<std::string>{"sess=x; keep=y"});
    // Path /cookie: not sent to /status.
    EXPECT_EQ(cookies_sent(server, "/status/200"), std::vector<std::string>{""});
    EXPECT_EQ(read_text(jar), text);
}

TEST(cookies, a_library_client_shares_the_jar_it_is_given)
{
    testbed server;
    auto cfg = test::config_with(4);
    cfg.client.cookies = std::make_shared<cookie_jar>();
    const std::string base = server.base_url();
    const auto first = test::run_urls({base + "/cookie/set?a=1&location=/cookie/echo?hop"}, cfg);
    ASSERT_EQ(first.results.size(), 1U);
    EXPECT_EQ(first.results[0].status, 200);
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?hop"), std::vector<std::string>{"a=1"});
    // The jar outlives the pass: a second pass with it sends the cookie.
    test::run_urls({base + "/cookie/echo?next"}, cfg);
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?next"), std::vector<std::string>{"a=1"});
    const auto held = cfg.client.cookies->cookies(cookie_clock_now());
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0].domain, "127.0.0.1");
    EXPECT_EQ(held[0].path, "/cookie");
}

TEST(cookies, supercookies_for_a_public_suffix_are_refused)
{
    testbed server;
    const std::string port = std::to_string(server.port());
    const std::string
        set = "http://www.example.co.uk:" + port +
              "/cookie/set?set=super%3D1%3B%20Domain%3Dco.uk&set=site%3D2%3B%20Domain%3Dexample.co.uk";
    const auto r = run_cli({"--sequential",
                            "-b",
                            "",
                            "-v",
                            "--resolve",
                            "www.example.co.uk:" + port + ":127.0.0.1",
                            "--resolve",
                            "shop.example.co.uk:" + port + ":127.0.0.1",
                            "--resolve",
                            "evil.co.uk:" + port + ":127.0.0.1",
                            set,
                            "http://shop.example.co.uk:" + port + "/cookie/echo?shop",
                            "http://evil.co.uk:" + port + "/cookie/echo?evil"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?shop"), std::vector<std::string>{"site=2"});
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?evil"), std::vector<std::string>{""});
    EXPECT_TRUE(contains(r.err, "Cookie super refused: Domain is a public suffix")) << r.err;
}

TEST(cookies, secure_cookies_are_not_sent_over_http)
{
    testbed_config tls_cfg;
    tls_cfg.tls = true;
    testbed secure_server(tls_cfg);
    testbed plain_server;
    temp_file ca(secure_server.cert_pem());
    const std::string https = secure_server.base_url();
    const std::string http = plain_server.base_url();
    const auto r = run_cli(
        {"--sequential",
         "--cacert",
         ca.path(),
         "-b",
         "",
         https + "/cookie/set?set=s%3D1%3B%20Secure%3B%20Path%3D%2F&plain=2&location=/cookie/echo",
         http + "/cookie/echo?plain",
         http + "/cookie/set?set=s%3Dhttp&location=/cookie/echo?after",
         https + "/cookie/echo?again"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Cookies ignore ports: the https server's cookies reach the http one, but not the Secure one.
    EXPECT_EQ(cookies_sent(secure_server, "/cookie/echo"),
              (std::vector<std::string>{"plain=2; s=1", "plain=2; s=1"}));
    EXPECT_EQ(cookies_sent(plain_server, "/cookie/echo?plain"), std::vector<std::string>{"plain=2"});
    // Over http a cookie cannot replace a Secure one.
    EXPECT_EQ(cookies_sent(plain_server, "/cookie/echo?after"), std::vector<std::string>{"plain=2"});
}

TEST(cookies, cookies_never_cross_to_another_host_through_a_redirect)
{
    testbed server;
    const std::string port = std::to_string(server.port());
    const std::string other = "http://other.test:" + port;
    const auto r = run_cli(
        {"-b",
         "given=1",
         "-c",
         "-",
         "--resolve",
         "other.test:" + port + ":127.0.0.1",
         server.base_url() + "/cookie/set?mine=1&location=" + other + "/cookie/echo?moved"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/set"), std::vector<std::string>{"given=1"});
    EXPECT_EQ(cookies_sent(server, "/cookie/echo?moved"), std::vector<std::string>{""});
    // -c - writes the jar to stdout after the records.
    EXPECT_TRUE(contains(r.out, "127.0.0.1\tFALSE\t/cookie\tFALSE\t0\tmine\t1\n")) << r.out;
}

TEST(cookies, a_jar_on_stdout_is_refused_next_to_records_for_programs)
{
    testbed server;
    const std::string url = server.base_url() + "/cookie/set?mine=1";
    // The jar would land inside the NDJSON (or tsv) stream: a usage error naming both flags.
    for (const auto& format :
         std::vector<std::vector<std::string>>{{"--json"}, {"--format", "json"}, {"--format", "tsv"}})
    {
        std::vector<std::string> args{"-c", "-"};
        args.insert(args.end(), format.begin(), format.end());
        args.push_back(url);
        const auto r = run_cli(args);
        const std::string named = format.size() == 1 ? format[0] : format[0] + " " + format[1];
        EXPECT_EQ(r.exit_code, 2) << named;
        EXPECT_TRUE(contains(r.err, "-c - (cookie jar to stdout) cannot be used with " + named)) << r.err;
        EXPECT_EQ(r.out, "") << named;
    }
    EXPECT_TRUE(server.requests().empty());
    // A jar file is fine with --json, and a table keeps the jar after the records.
    temp_dir dir;
    const auto to_file = run_cli({"-c", dir / "jar.txt", "--json", url});
    ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
    EXPECT_TRUE(contains(read_text(dir / "jar.txt"), "\tmine\t1\n"));
    const auto table = run_cli({"-c", "-", "--format", "table", url});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_TRUE(contains(table.out, "\tmine\t1\n")) << table.out;
}

TEST(cookies, user_cookie_header_is_kept_and_the_jar_joins_it)
{
    testbed server;
    const std::string base = server.base_url();
    const auto r = run_cli({"--sequential",
                            "-b",
                            "pair=1",
                            "-b",
                            "",
                            "-H",
                            "Cookie: mine=0",
                            base + "/cookie/set?jar=2",
                            base + "/cookie/echo"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(cookies_sent(server, "/cookie/set"), std::vector<std::string>{"mine=0"});
    EXPECT_EQ(cookies_sent(server, "/cookie/echo"), std::vector<std::string>{"mine=0; jar=2"});
    for (const auto& req : server.requests())
    {
        int fields = 0;
        for (const auto& [name, value] : req.headers)
            fields += name == "Cookie" ? 1 : 0;
        EXPECT_EQ(fields, 1) << req.target;
    }
}

TEST(cookies, values_stay_out_of_verbose_output_unless_asked)
{
    testbed server;
    // The value is percent-encoded in the URL (which records show), so only the cookie carries it whole.
    const std::string url = server.base_url() + "/cookie/set?sid=top%73ecret1&location=/cookie/echo";
    const auto quiet = run_cli({"-v", "-b", "", url});
    ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
    EXPECT_TRUE(contains(quiet.err, "Set-Cookie")) << quiet.err;
    EXPECT_TRUE(contains(quiet.err, "Cookie")) << quiet.err;
    EXPECT_FALSE(contains(quiet.err, "topsecret1")) << quiet.err;
    EXPECT_FALSE(contains(quiet.out, "topsecret1")) << quiet.out;
    const auto shown = run_cli({"-v", "--verbose-secrets", "-b", "", url});
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_TRUE(contains(shown.err, "sid=topsecret1")) << shown.err;
}

TEST(cookies, a_refused_cookie_without_a_name_is_not_shown_under_verbose)
{
    testbed server;
    // "tokenvalue9; Path=/": no '=' before the ';', so the text before it is no name but may be a
    // value; -v names the refusal without it.
    const std::string url = server.base_url() + "/cookie/set?set=tok%65nvalue9%3B%20Path%3D%2F";
    const auto run = run_cli({"-v", "-b", "", url});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "Cookie (no name)")) << run.err;
    EXPECT_FALSE(contains(run.err, "tokenvalue9")) << run.err;
}

TEST(cookies, unreadable_cookie_file_or_jar_directory_is_a_usage_error_before_any_request)
{
    testbed server;
    const std::string url = server.base_url() + "/cookie/echo";
    const auto missing = run_cli({"-b", "/nonexistent/cookies.txt", url});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_TRUE(contains(missing.err, "cannot read cookie file /nonexistent/cookies.txt")) << missing.err;
    // An endless file is refused at the limit instead of filling memory.
    const auto endless = run_cli({"-b", "/dev/zero", url});
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_TRUE(contains(endless.err, "cannot read cookie file /dev/zero: larger than 64 MiB (the limit)"))
        << endless.err;
    const auto jar = run_cli({"-c", "/nonexistent/dir/jar.txt", url});
    EXPECT_EQ(jar.exit_code, 2);
    EXPECT_TRUE(contains(jar.err, "cannot write cookie jar /nonexistent/dir/jar.txt")) << jar.err;
    const auto stdin_file = run_cli({"-b", "-", url});
    EXPECT_EQ(stdin_file.exit_code, 2);
    const auto newline = run_cli({"-b", "a=1\r\nX: y", url});
    EXPECT_EQ(newline.exit_code, 2);
    EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace asyncfetch
