// -v, -D and -w end to end: the asyncfetch binary against the testbed on loopback, over HTTP/1.1 and HTTP/2.
#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/testbed.hpp"
#include "fault_server.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::lines_of;
using test::process_result;
using test::protocol;
using test::run_cli;
using test::temp_file;

/// The flag that makes the binary speak p to a testbed serving both on plain TCP.
std::vector<std::string> flags_for(protocol p)
{
    return p == protocol::h2 ? std::vector<std::string>{"--http2-prior-knowledge"}
                             : std::vector<std::string>{"--http1.1"};
}

/// -v lines by URL index; fails the test on any stderr line outside the "[N] M text" grammar.
std::map<std::size_t, std::vector<std::string>> verbose_lines(const std::string& err)
{
    static const std::regex grammar(R"(\[([0-9]+)\] ([*<>]) (.*))");
    std::map<std::size_t, std::vector<std::string>> by_index;
    for (const auto& line : lines_of(err))
    {
        std::smatch m;
        if (!std::regex_match(line, m, grammar))
        {
            ADD_FAILURE() << "not a -v line: '" << line << "'";
            continue;
        }
        by_index[std::stoul(m[1])].push_back(m[2].str() + " " + m[3].str());
    }
    return by_index;
}

bool has_line(const std::vector<std::string>& lines, const std::string& prefix)
{
    for (const auto& l : lines)
        if (l.rfind(prefix, 0) == 0)
            return true;
    return false;
}

class inspect : public ::testing::TestWithParam<protocol>
{
};

INSTANTIATE_TEST_SUITE_P(protocols,
                         inspect,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

TEST_P(inspect, verbose_lines_stay_whole_and_prefixed_under_concurrency)
{
    testbed server(test::serving_both());
    constexpr std::size_t n = 50;
    std::vector<std::string> args = flags_for(GetParam());
    for (const char* a : {"-v", "-q", "-j", "50"})
        args.emplace_back(a);
    for (std::size_t i = 0; i < n; ++i)
        args.push_back(server.base_url() + "/bytes/" + std::to_string(100 + i) + "?i=" + std::to_string(i));
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto by_index = verbose_lines(p.err);
    ASSERT_EQ(by_index.size(), n);
    const std::string version = GetParam() == protocol::h2 ? "HTTP/2" : "HTTP/1.1";
    for (std::size_t i = 0; i < n; ++i)
    {
        const auto it = by_index.find(i);
        ASSERT_NE(it, by_index.end()) << i;
        const auto& lines = it->second;
        EXPECT_TRUE(
            has_line(lines,
                     "> GET /bytes/" + std::to_string(100 + i) + "?i=" + std::to_string(i) + " " + version))
            << i;
        EXPECT_TRUE(has_line(lines, "> Host: 127.0.0.1:")) << i;
        EXPECT_TRUE(has_line(lines, GetParam() == protocol::h2 ? "< HTTP/2 200" : "< HTTP/1.1 200 OK")) << i;
        EXPECT_TRUE(has_line(lines, "* Done: 200, " + std::to_string(100 + i) + " bytes")) << i;
        EXPECT_TRUE(has_line(lines, "* Connected to 127.0.0.1 (127.0.0.1) port ") ||
                    has_line(lines, "* Re-using existing connection to 127.0.0.1"))
            << i;
    }
}

TEST_P(inspect, verbose_shows_a_reused_connection_and_each_redirect_hop)
{
    testbed server(test::serving_both());
    auto args = flags_for(GetParam());
    for (const std::string& a : std::vector<std::string>{"-v",
                                                         "-q",
                                                         "--sequential",
                                                         server.base_url() + "/bytes/1",
                                                         server.base_url() + "/redirect/2"})
        args.push_back(a);
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto by_index = verbose_lines(p.err);
    const std::string port = server.base_url().substr(server.base_url().rfind(':') + 1);
    EXPECT_TRUE(has_line(by_index[0], "* Connected to 127.0.0.1 (127.0.0.1) port " + port)) << p.err;
    EXPECT_TRUE(has_line(by_index[1], "* Re-using existing connection to 127.0.0.1 (127.0.0.1) port " + port))
        << p.err;
    for (const char* path : {"/redirect/2", "/redirect/1", "/redirect/0"})
        EXPECT_TRUE(has_line(by_index[1], std::string("> GET ") + path + " HTTP/")) << path << "\n" << p.err;
    std::size_t statuses = 0;
    for (const auto& l : by_index[1])
        statuses += l.rfind("< HTTP/", 0) == 0;
    EXPECT_EQ(statuses, 3u) << p.err;
    EXPECT_TRUE(has_line(by_index[1], "* Following the redirect to " + server.base_url() + "/redirect/1"));
}

TEST(inspect_tls, verbose_shows_tls_version_cipher_alpn_and_certificate)
{
    testbed_config cfg;
    cfg.tls = true;
    testbed server(cfg);
    temp_file ca(server.cert_pem());
    for (const bool h1 : {false, true})
    {
        std::vector<std::string> args{"-v", "-q", "--cacert", ca.path(), "--sequential"};
        if (h1)
            args.emplace_back("--http1.1");
        args.push_back(server.base_url() + "/bytes/5");
        args.push_back(server.base_url() + "/bytes/6");
        const auto p = run_cli(args);
        ASSERT_EQ(p.exit_code, 0) << p.err;
        auto by_index = verbose_lines(p.err);
        const auto& first = by_index[0];
        EXPECT_TRUE(has_line(first, "* TLS connection using TLSv1.")) << p.err;
        EXPECT_TRUE(has_line(first, h1 ? "* ALPN: server accepted http/1.1" : "* ALPN: server accepted h2"))
            << p.err;
        EXPECT_TRUE(has_line(first, "* Server certificate:")) << p.err;
        EXPECT_TRUE(has_line(first, "*  subject: ")) << p.err;
        EXPECT_TRUE(has_line(first, "*  issuer: ")) << p.err;
        EXPECT_TRUE(has_line(first, "*  expire date: ")) << p.err;
        EXPECT_TRUE(has_line(first, h1 ? "> GET /bytes/5 HTTP/1.1" : "> GET /bytes/5 HTTP/2")) << p.err;
        EXPECT_TRUE(has_line(by_index[1], "* Re-using existing connection to 127.0.0.1")) << p.err;
        EXPECT_FALSE(has_line(by_index[1], "* TLS connection using")) << "shown once per connection";
    }
}

TEST_P(inspect, verbose_redacts_credentials_unless_verbose_secrets)
{
    testbed server(test::serving_both());
    std::string url = server.base_url() + "/bytes/3";
    url.insert(url.find("//") + 2, "user:pw@");
    auto args = flags_for(GetParam());
    for (const char* a :
         {"-v", "-q", "-H", "Cookie: c=topsecret", "-H", "Proxy-Authorization: Basic cHJveHk="})
        args.emplace_back(a);
    args.push_back(url);
    const auto hidden = run_cli(args);
    ASSERT_EQ(hidden.exit_code, 0) << hidden.err;
    EXPECT_EQ(hidden.err.find("topsecret"), std::string::npos) << hidden.err;
    EXPECT_EQ(hidden.err.find("dXNlcjpwdw=="), std::string::npos) << hidden.err;
    auto lines = verbose_lines(hidden.err)[0];
    EXPECT_TRUE(has_line(lines, "> Authorization: [redacted]")) << hidden.err;
    EXPECT_TRUE(has_line(lines, "> Cookie: [redacted]")) << hidden.err;
    EXPECT_TRUE(has_line(lines, "> Proxy-Authorization: [redacted]")) << hidden.err;

    args.insert(args.begin(), "--verbose-secrets");
    const auto shown = run_cli(args);
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    lines = verbose_lines(shown.err)[0];
    EXPECT_TRUE(has_line(lines, "> Authorization: Basic dXNlcjpwdw==")) << shown.err;
    EXPECT_TRUE(has_line(lines, "> Cookie: c=topsecret")) << shown.err;
}

TEST(inspect_set_cookie, set_cookie_is_redacted_under_verbose_and_kept_by_dump_header)
{
    test::fault_server server(
        {{test::send_bytes("HTTP/1.1 200 OK\r\nSet-Cookie: id=topsecret\r\nContent-Length: 2\r\n\r\nok")}});
    temp_file heads;
    const auto p = run_cli({"-v", "-q", "-D", heads.path(), server.url("/c")});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_TRUE(has_line(verbose_lines(p.err)[0], "< Set-Cookie: [redacted]")) << p.err;
    EXPECT_EQ(p.err.find("topsecret"), std::string::npos);
    EXPECT_NE(heads.read().find("Set-Cookie: id=topsecret\r\n"), std::string::npos) << heads.read();
}

/// -D blocks by the index in their "# [N] URL" line; fails the test on text outside a block.
std::map<std::size_t, std::string> header_blocks(const std::string& text,
                                                 std::map<std::size_t, std::string>& urls)
{
    static const std::regex start(R"(# \[([0-9]+)\] (\S+))");
    std::map<std::size_t, std::string> blocks;
    std::string* current = nullptr;
    for (const auto& line : lines_of(text))
    {
        std::smatch m;
        if (std::regex_match(line, m, start))
        {
            const auto index = std::stoul(m[1]);
            EXPECT_EQ(blocks.count(index), 0u) << "one block per URL: " << line;
            urls[index] = m[2];
            current = &blocks[index];
            continue;
        }
        if (!current)
        {
            ADD_FAILURE() << "outside a block: " << line;
            continue;
        }
        *current += line + "\n";
    }
    return blocks;
}

TEST_P(inspect, dump_header_writes_every_hop_per_url_to_a_file)
{
    testbed server(test::serving_both());
    temp_file heads;
    auto args = flags_for(GetParam());
    for (const std::string& a : std::vector<std::string>{"-q", "-j", "20", "-D", heads.path()})
        args.push_back(a);
    for (int i = 0; i < 20; ++i)
        args.push_back(server.base_url() + (i % 2 ? "/redirect/2?i=" : "/bytes/7?i=") + std::to_string(i));
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(lines_of(p.out).size(), 20u) << "the records still go to stdout";
    std::map<std::size_t, std::string> urls;
    const auto blocks = header_blocks(heads.read(), urls);
    ASSERT_EQ(blocks.size(), 20u) << heads.read();
    const std::string status = GetParam() == protocol::h2 ? "HTTP/2 " : "HTTP/1.1 ";
    for (const auto& [index, block] : blocks)
    {
        EXPECT_EQ(urls[index], args[args.size() - 20 + index]);
        std::size_t heads_seen = 0;
        for (const auto& line : lines_of(block))
            heads_seen += line.rfind(status, 0) == 0;
        EXPECT_EQ(heads_seen, index % 2 ? 3u : 1u) << block;
        std::string lower = block;
        for (auto& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_NE(lower.find(index % 2 ? "location: /redirect/1\r\n" : "content-length: 7\r\n"),
                  std::string::npos)
            << block;
    }
}

TEST(inspect_dump, dump_header_to_stdout)
{
    testbed server;
    const auto p = run_cli(
        {"-q", "-D", "-", "--keep-order", server.base_url() + "/status/404", server.base_url() + "/bytes/2"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_NE(p.out.find("# [0] " + server.base_url() + "/status/404\nHTTP/1.1 404 Not Found\r\n"),
              std::string::npos)
        << p.out;
    EXPECT_NE(p.out.find("# [1] " + server.base_url() + "/bytes/2\nHTTP/1.1 200 OK\r\n"), std::string::npos)
        << p.out;
    EXPECT_NE(p.out.find("404\t4\t"), std::string::npos) << "and the records: " << p.out;
}

TEST(inspect_dump, dump_header_to_stdout_is_refused_next_to_records_for_programs)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/3";
    // The heads would land inside the NDJSON (or tsv) stream: a usage error naming both flags.
    for (const auto& format :
         std::vector<std::vector<std::string>>{{"--json"}, {"--format", "json"}, {"--format", "tsv"}})
    {
        std::vector<std::string> args{"-D", "-"};
        args.insert(args.end(), format.begin(), format.end());
        args.push_back(url);
        const auto r = run_cli(args);
        const std::string named = format.size() == 1 ? format[0] : format[0] + " " + format[1];
        EXPECT_EQ(r.exit_code, 2) << named;
        EXPECT_NE(r.err.find("-D - (response heads to stdout) cannot be used with " + named),
                  std::string::npos)
            << r.err;
        EXPECT_EQ(r.out, "") << named;
    }
    EXPECT_TRUE(server.requests().empty());
    // With -o - the records go to stderr: stdout holds the body and the head (written as one block
    // when the URL finishes), as curl -D - -o - writes both.
    const auto both = run_cli({"-D", "-", "-o", "-", "--json", url});
    ASSERT_EQ(both.exit_code, 0) << both.err;
    EXPECT_TRUE(both.out.starts_with("xxx# [0] " + url + "\nHTTP/1.1 200 OK\r\n")) << both.out;
    EXPECT_EQ(both.out.find("\"type\":\"result\""), std::string::npos) << both.out;
    EXPECT_NE(both.err.find("\"type\":\"result\""), std::string::npos) << both.err;
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

/// Keeps what a client logs, block by block.
class recording_log final : public exchange_log
{
public:
    explicit recording_log(exchange_log_settings s) : exchange_log(s) {}
    void verbose(std::string_view lines) override { verbose_blocks.emplace_back(lines); }
    void headers(std::string_view block) override { header_blocks.emplace_back(block); }

    std::vector<std::string> verbose_blocks;
    std::vector<std::string> header_blocks;
};

class inspect_library : public ::testing::TestWithParam<protocol>
{
};

INSTANTIATE_TEST_SUITE_P(protocols,
                         inspect_library,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

/// The client's log as a library user sees it: every block is whole lines of one URL, a failed URL
/// ends with its failure, and -D's blocks come one per URL that got a response.
TEST_P(inspect_library, blocks_are_whole_lines_of_one_url_each)
{
    testbed server(test::serving_both());
    recording_log log({true, false, true});
    auto cfg = test::speaking(GetParam(), test::config_with(8));
    cfg.client.log = &log;
    std::vector<std::string> urls;
    for (int i = 0; i < 16; ++i)
        urls.push_back(server.base_url() + "/bytes/" + std::to_string(i + 1));
    urls.emplace_back("http://127.0.0.1:1/refused");
    const auto run = test::run_urls(urls, cfg);
    ASSERT_EQ(run.results.size(), urls.size());
    EXPECT_EQ(run.results.back().kind, error_kind::connect);

    static const std::regex line_grammar(R"(\[([0-9]+)\] [*<>] [^\n]*)");
    std::set<std::size_t> seen;
    for (const auto& block : log.verbose_blocks)
    {
        ASSERT_FALSE(block.empty());
        ASSERT_EQ(block.back(), '\n') << block;
        std::size_t index = SIZE_MAX;
        for (const auto& line : lines_of(block))
        {
            std::smatch m;
            ASSERT_TRUE(std::regex_match(line, m, line_grammar)) << line;
            const auto i = std::stoul(m[1]);
            EXPECT_TRUE(index == SIZE_MAX || index == i) << "one URL per block:\n" << block;
            index = i;
        }
        seen.insert(index);
    }
    EXPECT_EQ(seen.size(), urls.size());
    bool failure_shown = false;
    for (const auto& block : log.verbose_blocks)
        failure_shown = failure_shown || block.rfind("[16] * Failed: connect: ", 0) == 0;
    EXPECT_TRUE(failure_shown);
    EXPECT_EQ(log.header_blocks.size(), urls.size() - 1) << "no block for the URL without a response";
    for (const auto& r : run.results)
    {
        if (r.ok())
        {
            EXPECT_EQ(r.remote_ip, "127.0.0.1") << r.url;
        }
    }
}

TEST(inspect_fields, remote_address_always_and_headers_only_when_asked)
{
    testbed server;
    auto cfg = test::config_with(2);
    const auto plain = test::run_urls({server.base_url() + "/bytes/3"}, cfg);
    ASSERT_EQ(plain.results.size(), 1u);
    EXPECT_TRUE(plain.results[0].headers.empty());
    EXPECT_EQ(plain.results[0].remote_ip, "127.0.0.1");
    EXPECT_GT(plain.results[0].remote_port, 0);

    cfg.client.keep_headers = {"Content-Length", "X-Absent"};
    const auto kept = test::run_urls({server.base_url() + "/bytes/3"}, cfg);
    ASSERT_EQ(kept.results.size(), 1u);
    ASSERT_EQ(kept.results[0].headers.size(), 1u);
    EXPECT_EQ(kept.results[0].headers[0].first, "Content-Length");
    EXPECT_EQ(kept.results[0].headers[0].second, "3");
}

}  // namespace
}  // namespace asyncfetch
