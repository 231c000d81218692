// HTTPS against the in-process testbed: verification on by default, host names checked, -k, truncation, SNI.
#include "asyncfetch/testbed.hpp"
#include "asyncfetch/url.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::config_with;
using test::protocol;
using test::run_urls;

/// HTTPS over HTTP/1.1 and over HTTP/2, which the testbed's ALPN chooses when the client offers it.
class tls_over : public ::testing::TestWithParam<protocol>
{
protected:
    run_config config(std::size_t concurrency) const
    {
        return test::speaking(GetParam(), config_with(concurrency));
    }
    std::string version() const { return test::version_of(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(both,
                         tls_over,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

testbed_config tls_config(std::vector<std::string> names = {"localhost", "127.0.0.1"})
{
    testbed_config cfg;
    cfg.tls = true;
    cfg.cert_names = std::move(names);
    return cfg;
}

std::string localhost_url(const testbed& server, const std::string& path)
{
    return "https://localhost:" + std::to_string(server.port()) + path;
}

TEST_P(tls_over, trusted_ca_succeeds_by_name_and_by_ip)
{
    testbed server(tls_config());
    auto out = run_urls({server.base_url() + "/bytes/100", localhost_url(server, "/chunked/50")},
                        config(2),
                        server.cert_pem());
    ASSERT_EQ(out.results.size(), 2u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_EQ(out.results[0].bytes, 100u);
    EXPECT_TRUE(out.results[1].ok()) << out.results[1].error;
    EXPECT_EQ(out.results[1].bytes, 50u);
    for (const auto& r : out.results)
        EXPECT_EQ(r.http_version, version()) << r.url;
}

TEST(tls, unknown_ca_fails_with_tls_error)
{
    testbed server(tls_config());
    const auto other = make_self_signed_certificate({"localhost", "127.0.0.1"});
    auto r = run_urls({server.base_url() + "/bytes/1"}, config_with(1), other.cert_pem).results.at(0);
    EXPECT_EQ(r.kind, error_kind::tls) << r.error;
    EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
    EXPECT_EQ(r.status, 0u);
}

TEST(tls, system_store_does_not_trust_a_self_signed_server)
{
    testbed server(tls_config());
    auto r = run_urls({server.base_url() + "/bytes/1"}).results.at(0);
    EXPECT_EQ(r.kind, error_kind::tls) << r.error;
}

TEST(tls, wrong_host_name_fails)
{
    testbed server(tls_config({"localhost"}));
    auto by_ip = run_urls({server.base_url() + "/bytes/1"}, config_with(1), server.cert_pem()).results.at(0);
    EXPECT_EQ(by_ip.kind, error_kind::tls) << by_ip.error;
    EXPECT_NE(by_ip.error.find("mismatch"), std::string::npos) << by_ip.error;

    testbed other(tls_config({"other.example", "10.9.9.9"}));
    auto by_name = run_urls({localhost_url(other, "/bytes/1")}, config_with(1), other.cert_pem())
                       .results.at(0);
    EXPECT_EQ(by_name.kind, error_kind::tls) << by_name.error;
    EXPECT_NE(by_name.error.find("mismatch"), std::string::npos) << by_name.error;

    auto good = run_urls({localhost_url(server, "/bytes/1")}, config_with(1), server.cert_pem())
                    .results.at(0);
    EXPECT_TRUE(good.ok()) << good.error;
}

TEST_P(tls_over, insecure_skips_verification)
{
    testbed server(tls_config({"other.example"}));
    auto r = run_urls({server.base_url() + "/bytes/10"}, config(1), {}, false).results.at(0);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 10u);
    EXPECT_EQ(r.http_version, version());
}

TEST_P(tls_over, connections_and_sessions_are_reused)
{
    testbed server(tls_config());
    std::vector<std::string> urls(10, server.base_url() + "/bytes/10");
    auto out = run_urls(urls, config(1), server.cert_pem());
    EXPECT_EQ(out.summary.ok, 10u);
    EXPECT_EQ(out.summary.connections_opened, 1u);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

/// HTTP/1.1 only: HTTP/2 never delimits a body by the end of the connection.
TEST(tls, body_until_close_needs_close_notify)
{
    testbed server(tls_config());
    auto out = run_urls({server.base_url() + "/close/3000", server.base_url() + "/cut/3000"},
                        test::speaking(protocol::http1, config_with(2)),
                        server.cert_pem());
    ASSERT_EQ(out.results.size(), 2u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_EQ(out.results[0].bytes, 3000u);
    EXPECT_EQ(out.results[1].kind, error_kind::truncated) << out.results[1].error;
}

TEST(tls, https_to_a_plain_port_fails_with_tls_error)
{
    testbed plain;
    auto url = "https://127.0.0.1:" + std::to_string(plain.port()) + "/bytes/1";
    auto r = run_urls({url}).results.at(0);
    EXPECT_EQ(r.kind, error_kind::tls) << r.error;
}

/// The pool is keyed by scheme as well as host and port: a kept-alive plain connection must never
/// carry an https request to the same host and port (it would go out unencrypted and unverified),
/// nor a TLS connection an http one.
TEST(tls, pooled_connections_are_never_shared_between_http_and_https)
{
    {
        testbed plain;
        const std::string port = std::to_string(plain.port());
        auto out = run_urls(
            {"http://127.0.0.1:" + port + "/bytes/3", "https://127.0.0.1:" + port + "/bytes/3"},
            config_with(1));
        ASSERT_EQ(out.results.size(), 2u);
        EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
        EXPECT_EQ(out.results[1].kind, error_kind::tls)
            << "reused the plain connection: " << out.results[1].error;
        EXPECT_FALSE(out.results[1].reused);
        EXPECT_EQ(plain.counters().connections_accepted, 2u);
    }
    {
        testbed secure(tls_config());
        const std::string port = std::to_string(secure.port());
        auto out = run_urls(
            {"https://127.0.0.1:" + port + "/bytes/3", "http://127.0.0.1:" + port + "/bytes/3"},
            config_with(1),
            secure.cert_pem());
        ASSERT_EQ(out.results.size(), 2u);
        EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
        EXPECT_FALSE(out.results[1].ok()) << "plain http answered over the TLS connection";
        EXPECT_FALSE(out.results[1].reused);
        EXPECT_EQ(secure.counters().connections_accepted, 2u);
    }
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

TEST(tls, handshake_that_never_completes_is_bounded_by_connect_timeout)
{
    // The kernel completes TCP handshakes for a listening socket nobody accepts on: TLS then waits.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor mute(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto cfg = test::config_with(1);
    cfg.client.connect_timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto r = test::run_urls({"https://127.0.0.1:" + std::to_string(mute.local_endpoint().port()) + "/"}, cfg)
                 .results.at(0);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.kind, error_kind::timeout) << r.error;
    EXPECT_NE(r.error.find("TLS handshake"), std::string::npos) << r.error;
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::milliseconds(3000));
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

/// The system store is loaded at the first handshake, from SSL_CERT_FILE when it is set.
TEST(tls, system_store_is_loaded_lazily_from_ssl_cert_file)
{
    testbed server(tls_config());
    const std::string path = "/tmp/asyncfetch-ca-" + std::to_string(::getpid()) + ".pem";
    {
        std::ofstream f(path);
        f << server.cert_pem();
    }
    const char* old = std::getenv("SSL_CERT_FILE");
    const std::string saved = old ? old : "";
    ::setenv("SSL_CERT_FILE", path.c_str(), 1);
    auto r = run_urls({server.base_url() + "/bytes/4"}).results.at(0);
    if (old)
        ::setenv("SSL_CERT_FILE", saved.c_str(), 1);
    else
        ::unsetenv("SSL_CERT_FILE");
    std::remove(path.c_str());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 4u);
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

/// A reconnect to the same origin offers the previous session; the server accepts it. HTTP/1.1, where
/// /close/N ends the connection.
TEST(tls, reconnects_resume_the_session)
{
    testbed server(tls_config());
    boost::asio::io_context ioc(1);
    auto ctx = make_client_tls_context(true, {});
    ctx->add_certificate_authority(boost::asio::buffer(server.cert_pem()));
    client_config cfg;
    cfg.versions = http_versions::http1_only;
    client c(ioc.get_executor(), *ctx, cfg);
    std::vector<fetch_result> results;
    auto scenario = [&]() -> boost::asio::awaitable<void> {
        // /close/N ends each connection, so every fetch needs a new one.
        for (std::size_t i = 0; i < 3; ++i)
            results.push_back(co_await c.fetch(i, server.base_url() + "/close/10"));
    };
    boost::asio::co_spawn(ioc, scenario, boost::asio::detached);
    ioc.run_for(std::chrono::seconds(10));
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results)
        EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(c.counters().tls_handshakes, 3u);
    EXPECT_EQ(c.counters().tls_resumed, 2u);
    EXPECT_EQ(server.counters().connections_accepted, 3u);
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

/// What the testbed saw of one https fetch: the result and the request log's entries.
struct sni_probe
{
    fetch_result result;
    std::vector<recorded_request> requests;
};

/// Fetches url from server, trusting its certificate (verify) or skipping verification (-k).
sni_probe fetch_and_log(testbed& server, const std::string& url, bool verify, protocol p)
{
    server.clear_requests();
    sni_probe out;
    out.result = test::run_urls({url},
                                test::speaking(p, test::config_with(1)),
                                verify ? server.cert_pem() : "",
                                verify)
                     .results.at(0);
    out.requests = server.requests();
    return out;
}

/// Checks that url reached server over TLS exactly once and returns the SNI of that request.
std::optional<std::string> sni_of(testbed& server,
                                  const std::string& url,
                                  bool verify,
                                  protocol p = protocol::http1)
{
    const auto probe = fetch_and_log(server, url, verify, p);
    EXPECT_TRUE(probe.result.ok()) << url << ": " << probe.result.error;
    EXPECT_EQ(probe.result.bytes, 3u) << url;
    EXPECT_EQ(probe.requests.size(), 1u) << url;
    if (probe.requests.empty())
        return "<no request reached the server>";
    EXPECT_TRUE(probe.requests.front().tls) << url;
    EXPECT_EQ(probe.requests.front().target, "/bytes/3") << url;
    return probe.requests.front().server_name;
}

/// RFC 6066, section 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
TEST(tls_sni, ipv4_literal_sends_no_server_name)
{
    testbed server(tls_config());
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/bytes/3";
    for (bool verify : {true, false})
        EXPECT_EQ(sni_of(server, url, verify), std::nullopt) << url << (verify ? "" : " with -k");
}

/// Skipped where ::1 cannot be bound (IPv6 disabled).
TEST(tls_sni, ipv6_literal_sends_no_server_name)
{
    auto cfg = tls_config({"localhost", "::1"});
    cfg.address = "::1";
    std::optional<testbed> server;
    try
    {
        server.emplace(cfg);
    }
    catch (const std::exception& e)
    {
        GTEST_SKIP() << "no IPv6 loopback: " << e.what();
    }
    const std::string url = "https://[::1]:" + std::to_string(server->port()) + "/bytes/3";
    ASSERT_EQ(server->base_url(), "https://[::1]:" + std::to_string(server->port()));
    for (bool verify : {true, false})
        EXPECT_EQ(sni_of(*server, url, verify), std::nullopt) << url << (verify ? "" : " with -k");
}

/// Boost.URL takes "%31%32%37.0.0.1" for a registered name; it decodes to an address, so no SNI either.
TEST(tls_sni, percent_encoded_ipv4_literal_sends_no_server_name)
{
    testbed server(tls_config());
    const std::string url = "https://%31%32%37.0.0.1:" + std::to_string(server.port()) + "/bytes/3";
    if (!parse_url(url))
        GTEST_SKIP() << url << " is refused by the URL parser: no connection, so no SNI";
    for (bool verify : {true, false})
        EXPECT_EQ(sni_of(server, url, verify), std::nullopt) << url << (verify ? "" : " with -k");
}

/// Other IPv4 forms ("127.1", one number, hex) are the same address: no SNI, and the certificate's
/// 127.0.0.1 matches them with verification on.
TEST(tls_sni, other_ipv4_forms_send_no_server_name_and_match_the_address)
{
    testbed server(tls_config());
    const std::string port = std::to_string(server.port());
    for (const std::string host : {"127.1", "2130706433", "0x7f.0.0.1"})
        for (bool verify : {true, false})
        {
            const std::string url = "https://" + host + ":" + port + "/bytes/3";
            EXPECT_EQ(sni_of(server, url, verify), std::nullopt) << url << (verify ? "" : " with -k");
        }
}

class tls_sni_over : public ::testing::TestWithParam<protocol>
{
};

INSTANTIATE_TEST_SUITE_P(both,
                         tls_sni_over,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

/// The positive control: a host name is sent, so the three tests above would see an address if one were.
TEST_P(tls_sni_over, host_name_is_sent_as_server_name)
{
    testbed server(tls_config());
    const std::string url = localhost_url(server, "/bytes/3");
    for (bool verify : {true, false})
        EXPECT_EQ(sni_of(server, url, verify, GetParam()), std::optional<std::string>("localhost"))
            << url << (verify ? "" : " with -k");
}

/// Every request on a kept-alive connection carries its handshake's SNI; plain http has none.
TEST_P(tls_sni_over, log_entries_carry_the_connection_server_name)
{
    testbed server(tls_config());
    std::vector<std::string> urls(3, localhost_url(server, "/bytes/1"));
    auto out = test::run_urls(urls, test::speaking(GetParam(), test::config_with(1)), server.cert_pem());
    EXPECT_EQ(out.summary.ok, 3u);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    const auto log = server.requests();
    ASSERT_EQ(log.size(), 3u);
    for (const auto& r : log)
    {
        EXPECT_TRUE(r.tls);
        EXPECT_EQ(r.server_name, std::optional<std::string>("localhost"));
    }

    testbed plain;
    auto r = test::run_urls({"http://localhost:" + std::to_string(plain.port()) + "/bytes/1"}).results.at(0);
    EXPECT_TRUE(r.ok()) << r.error;
    const auto plain_log = plain.requests();
    ASSERT_EQ(plain_log.size(), 1u);
    EXPECT_FALSE(plain_log.front().tls);
    EXPECT_EQ(plain_log.front().server_name, std::nullopt);
}

}  // namespace
}  // namespace asyncfetch
