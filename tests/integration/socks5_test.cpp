// SOCKS5 proxies end to end: the binary through the in-process SOCKS5 server to the testbed, and its faults.
#include "asyncfetch/testbed.hpp"
#include "socks5_server.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::run_cli;
using test::socks5_server;
using test::socks5_server_config;
using fault = socks5_server_config::fault;

std::vector<boost::json::object> results_of(const std::string& out)
{
    std::vector<boost::json::object> records;
    for (const auto& line : test::lines_of(out))
    {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("type") && v.as_object().at("type") == "result")
            records.push_back(v.as_object());
    }
    return records;
}

std::string text(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t status(const boost::json::object& o)
{
    const auto* v = o.if_contains("status");
    return v && v->is_int64() ? v->as_int64() : -1;
}

test::process_result fetch(std::vector<std::string> args)
{
    args.insert(args.begin(), "--json");
    return run_cli(args, {}, 20);
}

/// One URL through a proxy that fails: a proxy error whose message says `says`.
void expect_proxy_error(const test::process_result& p, const std::string& says, const std::string& why)
{
    EXPECT_EQ(p.exit_code, 1) << why << ": " << p.err;
    const auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << why << ": " << p.out;
    EXPECT_EQ(text(records[0], "error_kind"), "proxy") << why << ": " << p.out;
    EXPECT_NE(text(records[0], "error").find(says), std::string::npos) << why << ": " << p.out;
}

class socks5_mode : public ::testing::TestWithParam<const char*>
{
};

INSTANTIATE_TEST_SUITE_P(both, socks5_mode, ::testing::Values("--sequential", "-j8"), [](const auto& info) {
    return std::string(info.param) == "--sequential" ? std::string("sequential") : std::string("concurrent");
});

TEST_P(socks5_mode, http_and_https_go_through_the_tunnel_with_the_origin_name_for_tls)
{
    socks5_server proxy;
    testbed plain;
    testbed_config tls_cfg;
    tls_cfg.tls = true;
    testbed secure(tls_cfg);
    test::temp_file ca(secure.cert_pem());
    const std::string secure_url = "https://localhost:" + std::to_string(secure.port());
    std::vector<std::string> args{GetParam(), "--cacert", ca.path(), "-x", "socks5://" + proxy.address()};
    for (int i = 0; i < 4; ++i)
    {
        args.push_back(plain.base_url() + "/bytes/" + std::to_string(100 + i));
        args.push_back(secure_url + "/bytes/" + std::to_string(200 + i));
    }
    args.insert(args.end(), {"--resolve", "localhost:" + std::to_string(secure.port()) + ":127.0.0.1"});
    const auto p = fetch(args);
    EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
    const auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 8u) << p.out;
    for (const auto& r : records)
        EXPECT_EQ(status(r), 200) << boost::json::serialize(r);
    // Plain requests reach the origin in origin-form: the proxy is a tunnel, not an HTTP proxy.
    const auto seen = plain.requests();
    ASSERT_EQ(seen.size(), 4u);
    for (const auto& r : seen)
        EXPECT_EQ(r.target.rfind("/bytes/", 0), 0u) << r.target;
    // TLS through the tunnel: SNI and verification use the origin's name.
    const auto secure_seen = secure.requests();
    ASSERT_EQ(secure_seen.size(), 4u);
    for (const auto& r : secure_seen)
        EXPECT_EQ(r.server_name.value_or("(none)"), "localhost");
    // socks5://: the client resolved "localhost" and sent the address.
    const auto asked = proxy.requests();
    ASSERT_GE(asked.size(), 2u);
    for (const auto& a : asked)
    {
        EXPECT_EQ(a.address_type, 1) << a.host;
        EXPECT_EQ(a.host, "127.0.0.1");
    }
}

TEST_P(socks5_mode, socks5h_sends_the_name_and_socks5_the_address)
{
    socks5_server proxy;
    testbed server;
    const std::string url = "http://localhost:" + std::to_string(server.port()) + "/bytes/10";
    const std::string resolve = "localhost:" + std::to_string(server.port()) + ":127.0.0.1";
    auto p = fetch({GetParam(), "--socks5-hostname", proxy.address(), url, url});
    EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
    p = fetch({GetParam(), "--socks5", proxy.address(), "--resolve", resolve, url});
    EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
    const auto asked = proxy.requests();
    ASSERT_GE(asked.size(), 2u);
    EXPECT_EQ(asked.front().address_type, 3);
    EXPECT_EQ(asked.front().host, "localhost");
    EXPECT_EQ(asked.back().address_type, 1);
    EXPECT_EQ(asked.back().host, "127.0.0.1");
    for (const auto& a : asked)
        EXPECT_EQ(a.port, server.port());
}

TEST(socks5, h2_over_tls_and_h2c_through_the_tunnel)
{
    socks5_server proxy;
    testbed_config tls_cfg;
    tls_cfg.tls = true;
    testbed secure(tls_cfg);
    testbed_config h2c_cfg;
    h2c_cfg.h2c = true;
    testbed h2c(h2c_cfg);
    test::temp_file ca(secure.cert_pem());
    auto p = fetch(
        {"-x", "socks5h://" + proxy.address(), "--cacert", ca.path(), secure.base_url() + "/bytes/5"});
    auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << p.out << p.err;
    EXPECT_EQ(status(records[0]), 200) << p.out;
    EXPECT_EQ(text(records[0], "http_version"), "2") << p.out;
    p = fetch({"-x", "socks5h://" + proxy.address(), "--http2-prior-knowledge", h2c.base_url() + "/bytes/5"});
    records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << p.out << p.err;
    EXPECT_EQ(status(records[0]), 200) << p.out;
    EXPECT_EQ(text(records[0], "http_version"), "2") << p.out;
}

TEST(socks5, username_and_password_from_the_proxy_url_never_printed)
{
    socks5_server_config cfg;
    cfg.user = "alice";
    cfg.password = "pa:ss@word";
    socks5_server proxy(cfg);
    testbed server;
    const std::string url = server.base_url() + "/bytes/10";
    auto ok = fetch({"-v", "-x", "socks5://alice:pa%3Ass%40word@" + proxy.address(), url});
    EXPECT_EQ(ok.exit_code, 0) << ok.err << ok.out;
    ASSERT_EQ(proxy.requests().size(), 1u);
    EXPECT_EQ(proxy.requests()[0].user, "alice");
    for (const char* secret : {"ss%40word", "pa:ss@word", "pa%3Ass"})
        EXPECT_EQ((ok.out + ok.err).find(secret), std::string::npos) << ok.out << ok.err;

    auto wrong = fetch({"-x", "socks5://alice:nope-secret@" + proxy.address(), url});
    expect_proxy_error(wrong, "authentication failed", "wrong password");
    EXPECT_EQ((wrong.out + wrong.err).find("nope-secret"), std::string::npos) << wrong.out << wrong.err;
    expect_proxy_error(fetch({"-x", "socks5://" + proxy.address(), url}),
                       "no acceptable authentication method",
                       "no credentials");
}

TEST(socks5, misbehaving_proxies_are_proxy_errors_naming_the_fault)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/10";
    const std::vector<std::pair<fault, std::string>> cases{
        {fault::truncated_method_reply, "truncated"},
        {fault::wrong_version, "version 0x04"},
        {fault::truncated_connect_reply, "truncated"},
    };
    for (const auto& [mode, says] : cases)
    {
        socks5_server_config cfg;
        cfg.mode = mode;
        socks5_server proxy(cfg);
        expect_proxy_error(fetch({"--socks5", proxy.address(), url}), says, says);
    }
    EXPECT_EQ(server.counters().requests, 0u);
}

TEST(socks5, every_rfc1928_reply_code_is_named)
{
    const std::vector<std::string> names{"general SOCKS server failure",
                                         "connection not allowed by ruleset",
                                         "network unreachable",
                                         "host unreachable",
                                         "connection refused",
                                         "TTL expired",
                                         "command not supported",
                                         "address type not supported"};
    for (std::uint8_t code = 1; code <= 8; ++code)
    {
        socks5_server_config cfg;
        cfg.mode = fault::reply_code;
        cfg.reply_code = code;
        socks5_server proxy(cfg);
        expect_proxy_error(fetch({"-x", "socks5h://" + proxy.address(), "http://example.invalid/"}),
                           names[code - 1] + " (SOCKS5 reply " + std::to_string(code) + ")",
                           names[code - 1]);
    }
}

TEST(socks5, origin_refusing_the_proxy_connect_and_no_proxy_listening)
{
    socks5_server proxy;
    testbed gone;
    const std::string url = gone.base_url() + "/bytes/1";
    gone.stop();
    expect_proxy_error(fetch({"--socks5", proxy.address(), url}),
                       "connection refused (SOCKS5 reply 5)",
                       "origin down");
    std::string nobody;
    {
        socks5_server closed;  // its port has no listener once it is gone
        nobody = closed.address();
    }
    expect_proxy_error(fetch({"--socks5", nobody, url}), "failed to connect to proxy", "proxy down");
}

TEST(socks5, stalled_handshake_ends_at_the_connect_timeout)
{
    socks5_server_config cfg;
    cfg.mode = fault::stall;
    socks5_server proxy(cfg);
    testbed server;
    const auto start = std::chrono::steady_clock::now();
    const auto p = fetch(
        {"--connect-timeout", "0.5", "--socks5", proxy.address(), server.base_url() + "/bytes/1"});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(p.exit_code, 1) << p.err;
    const auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << p.out;
    EXPECT_EQ(text(records[0], "error_kind"), "timeout") << p.out;
    EXPECT_EQ(text(records[0], "error"), "proxy handshake with " + proxy.address() + " timed out after 0.5 s")
        << p.out;
    EXPECT_GE(elapsed, std::chrono::milliseconds(450));
    EXPECT_LT(elapsed, std::chrono::seconds(8));
}

/// Sets an environment variable for the children this test starts, and removes it after.
class scoped_env
{
public:
    scoped_env(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
    ~scoped_env() { ::unsetenv(name_); }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* name_;
};

TEST(socks5, all_proxy_from_the_environment_and_noproxy)
{
    socks5_server_config cfg;
    cfg.user = "env";
    cfg.password = "secret";
    socks5_server proxy(cfg);
    testbed server;
    const std::string url = server.base_url() + "/bytes/10";
    {
        scoped_env all("ALL_PROXY", "socks5h://env:secret@" + proxy.address());
        auto p = fetch({url});
        EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
        EXPECT_EQ(proxy.requests().size(), 1u);
        p = fetch({"--noproxy", "127.0.0.1", url});
        EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
        EXPECT_EQ(proxy.requests().size(), 1u) << "--noproxy goes direct";
    }
    {
        scoped_env http("http_proxy", "socks5://env:secret@" + proxy.address());
        auto p = fetch({url});
        EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
        EXPECT_EQ(proxy.requests().size(), 2u) << "http_proxy may name a SOCKS5 proxy, as in curl";
    }
}

TEST(socks5, a_colon_encoded_in_the_user_name_stays_in_the_name)
{
    socks5_server_config cfg;
    cfg.user = "us:er";
    cfg.password = "pw";
    socks5_server proxy(cfg);
    testbed server;
    auto p = fetch({"-x", "socks5://us%3Aer:pw@" + proxy.address(), server.base_url() + "/bytes/10"});
    EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
    ASSERT_EQ(proxy.requests().size(), 1u);
    EXPECT_EQ(proxy.requests()[0].user, "us:er");
}

TEST(socks5, empty_or_overlong_credentials_are_refused_before_any_request)
{
    socks5_server_config cfg;
    cfg.user = "u";
    cfg.password = "pw";
    socks5_server proxy(cfg);
    testbed server;
    const std::string url = server.base_url() + "/bytes/10";
    for (const std::string& userinfo : {std::string(":pw-secret"),
                                        std::string("u:"),
                                        std::string("u"),
                                        std::string(256, 'u') + ":pw-secret"})
    {
        for (const std::string& option : std::vector<std::string>{"-x", "--socks5"})
        {
            const std::string value = (option == "-x" ? "socks5://" : "") + userinfo + "@" + proxy.address();
            const auto p = fetch({option, value, url});
            EXPECT_EQ(p.exit_code, 2) << option << " " << userinfo << ": " << p.err;
            EXPECT_NE(p.err.find("(RFC 1929: 1 to 255 bytes each)"), std::string::npos) << p.err;
            EXPECT_EQ(p.err.find("pw-secret"), std::string::npos) << p.err;
        }
    }
    EXPECT_TRUE(proxy.requests().empty());
    // From the environment it is that URL's proxy error, and nothing invalid is sent.
    scoped_env all("ALL_PROXY", "socks5://:pw-secret@" + proxy.address());
    const auto p = fetch({url});
    expect_proxy_error(p, "user name is empty", "empty user from the environment");
    EXPECT_EQ((p.out + p.err).find("pw-secret"), std::string::npos) << p.out << p.err;
    EXPECT_TRUE(proxy.requests().empty());
}

TEST(socks5, unsupported_proxy_scheme_is_a_usage_error)
{
    const auto p = run_cli({"-x", "socks4://u:secret@127.0.0.1:1080", "http://127.0.0.1:1/"}, {}, 20);
    EXPECT_EQ(p.exit_code, 2) << p.err;
    EXPECT_NE(p.err.find("socks5://"), std::string::npos) << p.err;
    EXPECT_EQ(p.err.find("secret"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace asyncfetch
