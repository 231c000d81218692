// curl-style HTTP features against the in-process testbed, each in concurrent and sequential mode:
// redirects, request headers and bodies, content decoding, size limits, -o, retries, proxies, timing.
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_proxy.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>

namespace asyncfetch {
namespace {

using test::run_urls;
namespace fs = std::filesystem;

using test::protocol;

/// -j 4 or --sequential, and the HTTP version spoken.
struct mode
{
    std::size_t concurrency = 4;
    protocol speaks = protocol::http1;
};

std::string name_of(const mode& m)
{
    return std::string(m.concurrency == 1 ? "sequential" : "concurrent") + "_" + test::to_string(m.speaks);
}

void PrintTo(const mode& m, std::ostream* out) { *out << name_of(m); }

/// Every test runs with -j 4 and with --sequential, over HTTP/1.1 and over HTTP/2 (h2c with prior
/// knowledge on http://, ALPN on https://); the proxy tests (http1 below) over HTTP/1.1 only.
class http : public ::testing::TestWithParam<mode>
{
protected:
    run_config cfg() const
    {
        return test::speaking(GetParam().speaks, test::config_with(GetParam().concurrency));
    }
    bool h2() const { return GetParam().speaks == protocol::h2; }

    fetch_result one(const std::string& url, const run_config& c, const std::string& ca = {})
    {
        auto out = run_urls({url}, c, ca);
        EXPECT_EQ(out.results.size(), 1u);
        return out.results.empty() ? fetch_result{} : out.results.front();
    }

    testbed server_{test::serving_both()};
};

INSTANTIATE_TEST_SUITE_P(modes,
                         http,
                         ::testing::Values(mode{4, protocol::http1},
                                           mode{1, protocol::http1},
                                           mode{4, protocol::h2},
                                           mode{1, protocol::h2}),
                         [](const auto& info) { return name_of(info.param); });

/// Through an HTTP proxy: HTTP/1.1 to the proxy, -j 4 and --sequential.
class http1 : public http
{
};

INSTANTIATE_TEST_SUITE_P(modes,
                         http1,
                         ::testing::Values(mode{4, protocol::http1}, mode{1, protocol::http1}),
                         [](const auto& info) { return name_of(info.param); });

std::string encode(std::string_view s)
{
    std::string out;
    for (unsigned char c : s)
    {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out += static_cast<char>(c);
        else
        {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// ---- redirects

TEST_P(http, redirect_chain_is_followed)
{
    std::vector<std::string> urls(6, server_.base_url() + "/redirect/3");
    auto out = run_urls(urls, cfg());
    ASSERT_EQ(out.results.size(), 6u);
    for (const auto& r : out.results)
    {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.redirects, 3u);
        EXPECT_EQ(r.final_url, server_.base_url() + "/redirect/0");
        EXPECT_EQ(r.url, server_.base_url() + "/redirect/3");
    }
}

TEST_P(http, too_many_redirects_is_a_redirect_error)
{
    auto c = cfg();
    c.client.max_redirs = 5;
    auto r = one(server_.base_url() + "/redirect/50", c);
    EXPECT_EQ(r.kind, error_kind::redirect) << r.error;
    EXPECT_EQ(r.redirects, 5u);
    EXPECT_NE(r.error.find("--max-redirs"), std::string::npos) << r.error;
}

TEST_P(http, max_redirs_zero_does_not_follow)
{
    auto c = cfg();
    c.client.max_redirs = 0;
    auto r = one(server_.base_url() + "/redirect/2", c);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 302u);
    EXPECT_EQ(r.redirects, 0u);
}

TEST_P(http, relative_and_network_path_locations_are_resolved)
{
    const std::string port = std::to_string(server_.port());
    auto out = run_urls(
        {server_.base_url() + "/redirect-to?url=" + encode("../bytes/5"),
         server_.base_url() + "/a/b/redirect-to?url=" + encode("//127.0.0.1:" + port + "/bytes/6"),
         server_.base_url() + "/redirect-to?url=" + encode("bytes/7?x=1#frag")},
        cfg());
    ASSERT_EQ(out.results.size(), 3u);
    EXPECT_EQ(out.results[0].final_url, server_.base_url() + "/bytes/5");
    EXPECT_EQ(out.results[0].bytes, 5u);
    EXPECT_EQ(out.results[1].final_url, server_.base_url() + "/bytes/6");
    EXPECT_EQ(out.results[1].bytes, 6u);
    EXPECT_EQ(out.results[2].final_url, server_.base_url() + "/bytes/7?x=1");
    EXPECT_EQ(out.results[2].bytes, 7u);
}

TEST_P(http, credentials_do_not_cross_origins)
{
    testbed other(test::serving_both());
    auto c = cfg();
    c.client.request.headers.push_back({"Authorization", "Bearer secret", false});
    c.client.request.headers.push_back({"Cookie", "session=1", false});
    c.client.request.headers.push_back({"X-Trace", "t1", false});
    const std::string base = "http://user:pw@127.0.0.1:" + std::to_string(server_.port());
    auto r = one(base + "/redirect-to?url=" + encode(other.base_url() + "/echo"), c);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.redirects, 1u);

    const auto first = server_.requests();
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].header("authorization"), "Bearer secret");
    EXPECT_EQ(first[0].header("cookie"), "session=1");

    const auto second = other.requests();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_FALSE(second[0].has_header("authorization"));
    EXPECT_FALSE(second[0].has_header("cookie"));
    EXPECT_EQ(second[0].header("x-trace"), "t1");
}

TEST_P(http, url_credentials_become_basic_auth_on_the_same_origin_only)
{
    testbed other(test::serving_both());
    const std::string base = "http://user:pw@127.0.0.1:" + std::to_string(server_.port());
    auto r = one(
        base + "/redirect-to?url=" + encode("/redirect-to?url=" + encode(other.base_url() + "/echo")),
        cfg());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.redirects, 2u);
    const auto first = server_.requests();
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].header("authorization"), "Basic dXNlcjpwdw==");
    EXPECT_EQ(first[1].header("authorization"), "Basic dXNlcjpwdw==");
    ASSERT_EQ(other.requests().size(), 1u);
    EXPECT_FALSE(other.requests()[0].has_header("authorization"));
}

TEST_P(http, https_to_http_redirect_is_refused_unless_allowed)
{
    testbed_config tls;
    tls.tls = true;
    testbed secure(tls);
    const std::string url = secure.base_url() + "/redirect-to?url=" + encode(server_.base_url() + "/bytes/3");
    auto refused = one(url, cfg(), secure.cert_pem());
    EXPECT_EQ(refused.kind, error_kind::redirect) << refused.error;
    EXPECT_NE(refused.error.find("--allow-insecure-redirects"), std::string::npos) << refused.error;
    EXPECT_TRUE(server_.requests().empty());

    auto c = cfg();
    c.client.allow_insecure_redirects = true;
    auto allowed = one(url, c, secure.cert_pem());
    EXPECT_TRUE(allowed.ok()) << allowed.error;
    EXPECT_EQ(allowed.bytes, 3u);
}

TEST_P(http, redirect_to_another_scheme_is_an_error)
{
    auto r = one(server_.base_url() + "/redirect-to?url=" + encode("ftp://127.0.0.1/x"), cfg());
    EXPECT_EQ(r.kind, error_kind::redirect) << r.error;
}

TEST_P(http, see_other_turns_post_into_get_and_307_keeps_it)
{
    auto c = cfg();
    c.client.request.method = "POST";
    c.client.request.body = "a=1";
    c.client.request.form_body = true;
    auto out = run_urls({server_.base_url() + "/redirect-to?status=303&url=%2Fecho%2F303",
                         server_.base_url() + "/redirect-to?status=307&url=%2Fecho%2F307"},
                        c);
    ASSERT_EQ(out.results.size(), 2u);
    for (const auto& r : out.results)
        EXPECT_TRUE(r.ok()) << r.error;
    std::set<std::string> seen;
    for (const auto& req : server_.requests())
    {
        if (req.target == "/echo/303")
        {
            EXPECT_EQ(req.method, "GET");
            EXPECT_TRUE(req.body.empty());
            seen.insert(req.target);
        }
        if (req.target == "/echo/307")
        {
            EXPECT_EQ(req.method, "POST");
            EXPECT_EQ(req.body, "a=1");
            seen.insert(req.target);
        }
    }
    EXPECT_EQ(seen.size(), 2u);
}

// ---- requests

TEST_P(http, headers_method_user_agent_and_body_are_sent)
{
    auto c = cfg();
    c.client.request.method = "PUT";
    c.client.request.user_agent = "tester/1";
    c.client.request.headers.push_back({"X-One", "1", false});
    c.client.request.headers.push_back({"Accept", "", true});
    c.client.request.body = "payload";
    c.client.request.form_body = true;
    auto r = one(server_.base_url() + "/echo", c);
    EXPECT_TRUE(r.ok()) << r.error;
    const auto log = server_.requests();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].method, "PUT");
    EXPECT_EQ(log[0].header("user-agent"), "tester/1");
    EXPECT_EQ(log[0].header("x-one"), "1");
    EXPECT_FALSE(log[0].has_header("accept"));
    EXPECT_EQ(log[0].header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(log[0].header("content-length"), "7");
    EXPECT_EQ(log[0].body, "payload");
}

TEST_P(http, default_headers)
{
    auto r = one(server_.base_url() + "/echo", cfg());
    EXPECT_TRUE(r.ok()) << r.error;
    const auto log = server_.requests();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].method, "GET");
    EXPECT_EQ(log[0].header("host"), "127.0.0.1:" + std::to_string(server_.port()));
    EXPECT_EQ(log[0].header("user-agent"), "asyncfetch/" ASYNCFETCH_VERSION);
    EXPECT_EQ(log[0].header("accept"), "*/*");
    EXPECT_FALSE(log[0].has_header("accept-encoding"));
}

TEST_P(http, head_method_reads_no_body)
{
    auto c = cfg();
    c.client.request.method = "HEAD";
    auto r = one(server_.base_url() + "/bytes/5000", c);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_EQ(r.status, 200u);
}

TEST_P(http, resolve_pins_a_name_to_an_address)
{
    auto c = cfg();
    c.client.resolves.push_back({"pinned.test", server_.port(), "127.0.0.1"});
    auto r = one("http://pinned.test:" + std::to_string(server_.port()) + "/echo", c);
    EXPECT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(server_.requests().size(), 1u);
    EXPECT_EQ(server_.requests()[0].header("host"), "pinned.test:" + std::to_string(server_.port()));
}

TEST_P(http, an_international_host_name_is_sent_as_its_a_label)
{
    // The A-label is what DNS, --resolve, Host (or :authority) and SNI see; the record keeps the URL
    // as given.
    auto c = cfg();
    c.client.resolves.push_back({"xn--bcher-kva.example", server_.port(), "127.0.0.1"});
    const std::string given = "http://b\u00fccher.example:" + std::to_string(server_.port()) + "/echo";
    auto r = one(given, c);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.url, given);
    ASSERT_EQ(server_.requests().size(), 1u);
    EXPECT_EQ(server_.requests()[0].header("host"),
              "xn--bcher-kva.example:" + std::to_string(server_.port()));
}

TEST_P(http, an_invalid_international_host_name_is_invalid_url_with_the_reason)
{
    auto r = one("http://\u00fc\ufffd.example/", cfg());
    EXPECT_EQ(r.kind, error_kind::invalid_url);
    EXPECT_EQ(r.error, "host name has a character IDNA does not allow");
    EXPECT_TRUE(server_.requests().empty());
}

TEST_P(http, ipv4_only_reaches_a_v4_server_by_name)
{
    auto c = cfg();
    c.client.ip_family = 4;
    auto r = one("http://localhost:" + std::to_string(server_.port()) + "/bytes/2", c);
    EXPECT_TRUE(r.ok()) << r.error;
}

// ---- bodies

TEST_P(http, compressed_bodies_are_decoded)
{
    auto c = cfg();
    c.client.compressed = true;
    const std::string b = server_.base_url();
    auto out = run_urls({b + "/gzip/100000",
                         b + "/deflate/100000",
                         b + "/br/100000",
                         b + "/gzip-chunked/300000",
                         b + "/br-chunked/300000",
                         b + "/bytes/1000"},
                        c);
    ASSERT_EQ(out.results.size(), 6u);
    const std::uint64_t expected[] = {100000, 100000, 100000, 300000, 300000, 1000};
    for (std::size_t i = 0; i < 6; ++i)
    {
        const auto& r = out.results[i];
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
        EXPECT_EQ(r.bytes, expected[i]) << r.url;
        if (i < 5)
            EXPECT_LT(r.wire_bytes, r.bytes / 4) << r.url;
        else
            EXPECT_EQ(r.wire_bytes, r.bytes);
    }
    EXPECT_EQ(server_.requests().at(0).header("accept-encoding"), "gzip, deflate, br");
}

TEST_P(http, without_compressed_the_wire_bytes_are_counted)
{
    auto r = one(server_.base_url() + "/gzip/100000", cfg());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, r.wire_bytes);
    EXPECT_LT(r.bytes, 100000u);
}

TEST_P(http, decompression_bomb_is_stopped_by_max_filesize)
{
    auto c = cfg();
    c.client.compressed = true;
    c.client.max_filesize = 1 << 20;
    const auto start = std::chrono::steady_clock::now();
    auto r = one(server_.base_url() + "/bomb/100000000000", c);
    EXPECT_EQ(r.kind, error_kind::size_limit) << r.error;
    EXPECT_LE(r.bytes, (1u << 20) + 16 * 1024);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_P(http, max_filesize_stops_plain_and_chunked_bodies)
{
    auto c = cfg();
    c.client.max_filesize = 100000;
    auto out = run_urls({server_.base_url() + "/bytes/200000",
                         server_.base_url() + "/chunked/200000",
                         server_.base_url() + "/bytes/100000"},
                        c);
    ASSERT_EQ(out.results.size(), 3u);
    EXPECT_EQ(out.results[0].kind, error_kind::size_limit) << out.results[0].error;
    EXPECT_EQ(out.results[1].kind, error_kind::size_limit) << out.results[1].error;
    EXPECT_TRUE(out.results[2].ok()) << out.results[2].error;
}

TEST_P(http, output_dir_keeps_files_inside_and_unique)
{
    const fs::path dir = fs::temp_directory_path() /
                         ("asyncfetch-o-" + std::to_string(::getpid()) + "-" + name_of(GetParam()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto c = cfg();
    c.client.output_dir = dir.string();
    c.client.remote_name_all = true;  // --output-dir DIR --remote-name-all: today's -o DIR
    const std::string b = server_.base_url();
    auto out = run_urls({b + "/bytes/10",
                         b + "/bytes/10",
                         b + "/echo/..%2F..%2Fetc%2Fpasswd",
                         b + "/echo/../../x",
                         b + "/",
                         b + "/echo/%2e%2e"},
                        c);
    ASSERT_EQ(out.results.size(), 6u);
    std::set<std::string> files;
    for (const auto& r : out.results)
    {
        ASSERT_FALSE(r.file.empty()) << r.url;
        const fs::path p = fs::weakly_canonical(r.file);
        EXPECT_EQ(p.parent_path(), fs::weakly_canonical(dir)) << r.file;
        EXPECT_TRUE(fs::exists(p)) << r.file;
        EXPECT_EQ(fs::file_size(p), r.bytes) << r.file;
        files.insert(p.string());
    }
    EXPECT_EQ(files.size(), 6u);
    EXPECT_FALSE(fs::exists("/etc/passwd.1"));
    fs::remove_all(dir);
}

// ---- retries

TEST_P(http, transient_failures_are_retried)
{
    auto c = cfg();
    c.client.retry.retries = 3;
    c.client.retry.base_delay = std::chrono::milliseconds(20);
    std::vector<std::string> urls;
    for (int i = 0; i < 8; ++i)
        urls.push_back(server_.base_url() + "/flaky/2?key=" + name_of(GetParam()) + "-" + std::to_string(i));
    auto out = run_urls(urls, c);
    ASSERT_EQ(out.results.size(), 8u);
    for (const auto& r : out.results)
    {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.attempts, 3u);
    }
}

TEST_P(http, retries_run_out)
{
    auto c = cfg();
    c.client.retry.retries = 1;
    c.client.retry.base_delay = std::chrono::milliseconds(10);
    c.client.fail = true;
    auto r = one(server_.base_url() + "/flaky/5?key=out" + name_of(GetParam()), c);
    EXPECT_EQ(r.kind, error_kind::http);
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.attempts, 2u);
}

TEST_P(http, retry_after_is_honoured)
{
    auto c = cfg();
    c.client.retry.retries = 2;
    c.client.retry.base_delay = std::chrono::milliseconds(10);
    const auto start = std::chrono::steady_clock::now();
    auto r = one(server_.base_url() + "/flaky/1?status=429&retry-after=1&key=ra" + name_of(GetParam()), c);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.attempts, 2u);
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::milliseconds(5000));
}

TEST_P(http, post_is_not_retried_unless_asked)
{
    auto c = cfg();
    c.client.retry.retries = 2;
    c.client.retry.base_delay = std::chrono::milliseconds(10);
    c.client.request.method = "POST";
    c.client.request.body = "x";
    auto r = one(server_.base_url() + "/flaky/1?key=post" + name_of(GetParam()), c);
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.attempts, 1u);

    c.client.retry.all_methods = true;
    auto again = one(server_.base_url() + "/flaky/1?key=post-all" + name_of(GetParam()), c);
    EXPECT_EQ(again.status, 200u);
    EXPECT_EQ(again.attempts, 2u);
}

TEST_P(http, refused_connections_are_retried_until_retry_max_time)
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    auto c = cfg();
    c.client.retry.retries = 100;
    c.client.retry.base_delay = std::chrono::milliseconds(50);
    c.client.retry.max_time = std::chrono::milliseconds(400);
    const auto start = std::chrono::steady_clock::now();
    auto r = one("http://127.0.0.1:" + std::to_string(port) + "/", c);
    EXPECT_EQ(r.kind, error_kind::connect) << r.error;
    EXPECT_GE(r.attempts, 2u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

// ---- proxies

TEST_P(http1, plain_requests_go_through_the_proxy_in_absolute_form)
{
    test::test_proxy proxy;
    auto c = cfg();
    c.client.proxies.proxy = proxy.url();
    auto out = run_urls({server_.base_url() + "/bytes/5", server_.base_url() + "/bytes/6"}, c);
    ASSERT_EQ(out.results.size(), 2u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_EQ(out.results[0].bytes, 5u);
    EXPECT_EQ(out.results[1].bytes, 6u);
    const auto lines = proxy.request_lines();
    ASSERT_EQ(lines.size(), 2u);
    std::set<std::string> got(lines.begin(), lines.end());
    EXPECT_TRUE(got.count("GET " + server_.base_url() + "/bytes/5 HTTP/1.1")) << lines[0];
}

/// ALPN happens inside the tunnel: over HTTP/2 too.
TEST_P(http, https_goes_through_a_connect_tunnel)
{
    testbed_config tls;
    tls.tls = true;
    testbed secure(tls);
    test::test_proxy proxy;
    auto c = cfg();
    c.client.proxies.proxy = proxy.url();
    auto r = one(secure.base_url() + "/bytes/9", c, secure.cert_pem());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 9u);
    EXPECT_EQ(r.http_version, test::version_of(GetParam().speaks));
    const auto lines = proxy.request_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "CONNECT 127.0.0.1:" + std::to_string(secure.port()) + " HTTP/1.1");
}

TEST_P(http1, proxy_credentials_and_noproxy)
{
    test::test_proxy proxy("Basic dTpw");
    auto c = cfg();
    c.client.proxies.proxy = "http://u:p@127.0.0.1:" + std::to_string(proxy.port());
    auto r = one(server_.base_url() + "/bytes/1", c);
    EXPECT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(proxy.proxy_authorizations().size(), 1u);
    EXPECT_EQ(proxy.proxy_authorizations()[0], "Basic dTpw");

    c.client.proxies.noproxy = "localhost, 127.0.0.1";
    auto direct = one(server_.base_url() + "/bytes/2", c);
    EXPECT_TRUE(direct.ok()) << direct.error;
    EXPECT_EQ(proxy.request_lines().size(), 1u);
}

TEST_P(http1, environment_proxy_is_used_per_scheme)
{
    test::test_proxy proxy;
    auto c = cfg();
    c.client.proxies.env_http_proxy = proxy.url();
    auto r = one(server_.base_url() + "/bytes/4", c);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(proxy.request_lines().size(), 1u);
}

TEST_P(http1, unreachable_proxy_is_a_proxy_error)
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    auto c = cfg();
    c.client.proxies.proxy = "http://127.0.0.1:" + std::to_string(port);
    auto r = one(server_.base_url() + "/bytes/4", c);
    EXPECT_EQ(r.kind, error_kind::proxy) << r.error;
}

TEST_P(http1, invalid_environment_proxy_is_a_proxy_error_naming_it)
{
    // -x is checked at start-up (exit 2); a proxy from the environment is checked per URL.
    auto c = cfg();
    c.client.proxies.env_http_proxy = "socks4://127.0.0.1:1";
    const auto run = run_urls({server_.base_url() + "/bytes/4", server_.base_url() + "/bytes/5"}, c);
    ASSERT_EQ(run.results.size(), 2u);
    for (const auto& r : run.results)
    {
        EXPECT_EQ(r.kind, error_kind::proxy) << r.error;
        EXPECT_EQ(r.error, "invalid proxy URL: socks4://127.0.0.1:1");
    }
    EXPECT_EQ(run.summary.connections_opened, 0u);
}

// ---- timing detail

TEST_P(http, phase_times_and_version)
{
    auto c = test::speaking(GetParam().speaks, test::config_with(1));
    auto out = run_urls({server_.base_url() + "/bytes/1", server_.base_url() + "/bytes/1"}, c);
    ASSERT_EQ(out.results.size(), 2u);
    const auto& first = out.results[0];
    const auto& second = out.results[1];
    EXPECT_EQ(first.http_version, test::version_of(GetParam().speaks));
    EXPECT_EQ(second.http_version, test::version_of(GetParam().speaks));
    EXPECT_GT(first.connect_ms, 0.0);
    EXPECT_LE(first.connect_ms, first.time_ms);
    EXPECT_LE(first.ttfb_ms, first.time_ms);
    EXPECT_TRUE(second.reused);
    EXPECT_EQ(second.connect_ms, 0.0);
    EXPECT_EQ(second.dns_ms, 0.0);
    EXPECT_EQ(second.tls_ms, 0.0);
    EXPECT_LT(first.queue_ms, first.time_ms);
}

TEST(queue_time, waiting_for_the_one_connection_an_origin_allows)
{
    // Two fetches at once, one connection allowed: the second waits out the first's 400 ms.
    testbed server;
    auto c = test::config_with(2, 1);
    auto out = run_urls({server.base_url() + "/delay/400", server.base_url() + "/delay/400"}, c);
    ASSERT_EQ(out.results.size(), 2u);
    const auto& waited = out.results[0].queue_ms > out.results[1].queue_ms ? out.results[0] : out.results[1];
    const auto& first = &waited == &out.results[0] ? out.results[1] : out.results[0];
    ASSERT_TRUE(first.ok()) << first.error;
    ASSERT_TRUE(waited.ok()) << waited.error;
    EXPECT_LT(first.queue_ms, 100.0);
    EXPECT_GT(waited.queue_ms, 300.0);
    EXPECT_LT(waited.queue_ms, waited.time_ms);
    EXPECT_TRUE(waited.reused);
}

}  // namespace
}  // namespace asyncfetch
