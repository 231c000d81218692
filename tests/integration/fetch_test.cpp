// One fetch against the in-process testbed: body framing, status handling, failures as values.
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace asyncfetch {
namespace {

using test::config_with;
using test::protocol;
using test::run_urls;
namespace net = boost::asio;

class fetch : public ::testing::Test
{
protected:
    virtual fetch_result one(const std::string& path, run_config cfg = config_with(1))
    {
        auto r = run_urls({server_.base_url() + path}, cfg);
        EXPECT_EQ(r.results.size(), 1u);
        return r.results.empty() ? fetch_result{} : r.results.front();
    }

    testbed server_{test::serving_both()};
};

/// The same fetches over HTTP/1.1 and over HTTP/2 (h2c with prior knowledge).
class fetch_over : public fetch, public ::testing::WithParamInterface<protocol>
{
protected:
    fetch_result one(const std::string& path, run_config cfg = config_with(1)) override
    {
        auto r = fetch::one(path, test::speaking(GetParam(), cfg));
        if (r.ok())
        {
            EXPECT_EQ(r.http_version, test::version_of(GetParam())) << path;
        }
        return r;
    }
};

INSTANTIATE_TEST_SUITE_P(both,
                         fetch_over,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

TEST_P(fetch_over, content_length_body_is_counted)
{
    auto r = one("/bytes/12345");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes, 12345u);
    EXPECT_GT(r.time_ms, 0.0);
    EXPECT_LE(r.ttfb_ms, r.time_ms);
    EXPECT_FALSE(r.reused);
}

TEST_P(fetch_over, empty_body)
{
    auto r = one("/bytes/0");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 0u);
}

TEST_P(fetch_over, chunked_body_is_counted)
{
    auto r = one("/chunked/100000");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 100000u);
}

TEST_P(fetch_over, body_until_close_is_counted)
{
    auto r = one("/close/5000");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 5000u);
}

TEST_P(fetch_over, body_larger_than_beasts_default_limit_is_not_cut)
{
    auto r = one("/bytes/20000000");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 20000000u);
}

/// HTTP/1.1 only, as the next one: the kernel drop and the short Content-Length body are HTTP/1.1's.
TEST_F(fetch, large_bodies_nobody_reads_are_counted_exactly_and_the_connection_goes_on)
{
    // Over plain HTTP, large bodies that are only counted are dropped in the kernel unread; the
    // framing must still hold for the responses after them on the same connection.
    auto out = test::run_urls({server_.base_url() + "/bytes/3000001",
                               server_.base_url() + "/bytes/2500000",
                               server_.base_url() + "/bytes/7"},
                              config_with(1));
    ASSERT_EQ(out.results.size(), 3u);
    const std::uint64_t sizes[] = {3000001, 2500000, 7};
    for (std::size_t i = 0; i < 3; ++i)
    {
        EXPECT_TRUE(out.results[i].ok()) << out.results[i].error;
        EXPECT_EQ(out.results[i].bytes, sizes[i]);
        EXPECT_EQ(out.results[i].wire_bytes, sizes[i]);
    }
    EXPECT_TRUE(out.results[1].reused);
    EXPECT_TRUE(out.results[2].reused);
    EXPECT_EQ(out.summary.connections_opened, 1u);
}

TEST_F(fetch, large_body_cut_short_is_truncated_with_the_bytes_that_came)
{
    auto r = one("/truncate/1500000");
    EXPECT_EQ(r.kind, error_kind::truncated) << r.error;
    EXPECT_EQ(r.bytes, 1500000u);
}

TEST_P(fetch_over, head_has_no_body)
{
    auto cfg = config_with(1);
    cfg.client.request.method = "HEAD";
    auto r = one("/bytes/1000", cfg);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes, 0u);
}

TEST_P(fetch_over, no_body_statuses)
{
    for (const char* code : {"204", "304"})
    {
        auto r = one(std::string("/status/") + code);
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, static_cast<unsigned>(std::stoi(code)));
        EXPECT_EQ(r.bytes, 0u);
    }
}

TEST_P(fetch_over, interim_responses_are_skipped)
{
    auto r = one("/interim/10");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes, 10u);
}

TEST_P(fetch_over, error_status_is_a_completed_transfer_unless_fail)
{
    auto r = one("/status/404");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 404u);

    auto cfg = config_with(1);
    cfg.client.fail = true;
    auto f = one("/status/503", cfg);
    EXPECT_FALSE(f.ok());
    EXPECT_EQ(f.kind, error_kind::http);
    EXPECT_EQ(f.status, 503u);
}

TEST_F(fetch, short_body_is_truncated)
{
    // HTTP/1.1: the connection ends short of Content-Length.
    auto r = one("/truncate/1000");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.kind, error_kind::truncated) << r.error;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes, 1000u);
}

TEST_P(fetch_over, silent_server_times_out)
{
    auto cfg = config_with(1);
    cfg.client.timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto r = one("/silent", cfg);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.kind, error_kind::timeout) << r.error;
    EXPECT_EQ(r.status, 0u);
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::milliseconds(3000));
}

TEST_P(fetch_over, a_finished_requests_deadline_does_not_end_the_next_one_on_its_connection)
{
    // Each request ends 400 ms in, 300 ms before its 700 ms deadline; the next one on the same
    // connection is still running when the previous one's deadline passes, and must not be cut.
    auto cfg = config_with(1);
    cfg.client.timeout = std::chrono::milliseconds(700);
    const std::string url = server_.base_url() + "/delay/400";
    auto out = test::run_urls({url, url, url}, test::speaking(GetParam(), cfg));
    ASSERT_EQ(out.results.size(), 3u);
    for (const auto& r : out.results)
        EXPECT_TRUE(r.ok()) << r.index << ": " << r.error;
    EXPECT_TRUE(out.results[1].reused);
    EXPECT_TRUE(out.results[2].reused);
    EXPECT_EQ(out.summary.connections_opened, 1u);
}

TEST_P(fetch_over, a_pooled_connection_outlives_the_deadline_of_its_last_request)
{
    // --rate 2/s starts the second request 500 ms after the first, which ended long before its
    // 250 ms deadline: the idle connection must still be there for it.
    auto cfg = config_with(1);
    cfg.client.timeout = std::chrono::milliseconds(250);
    cfg.rate = 2;
    const std::string url = server_.base_url() + "/bytes/10";
    auto out = test::run_urls({url, url}, test::speaking(GetParam(), cfg));
    ASSERT_EQ(out.results.size(), 2u);
    for (const auto& r : out.results)
        EXPECT_TRUE(r.ok()) << r.index << ": " << r.error;
    EXPECT_GE(out.results[1].start_ms - out.results[0].start_ms, 400.0) << "the rate spaced them";
    EXPECT_TRUE(out.results[1].reused);
    EXPECT_EQ(out.summary.connections_opened, 1u);
}

TEST_F(fetch, refused_connection_is_a_connect_error)
{
    // A port that was just free: bind, note it, close.
    net::io_context ioc;
    net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    auto r = run_urls({"http://127.0.0.1:" + std::to_string(port) + "/"}).results.at(0);
    EXPECT_EQ(r.kind, error_kind::connect) << r.error;
    EXPECT_NE(r.error.find("127.0.0.1"), std::string::npos) << r.error;
}

TEST_P(fetch_over, localhost_name_is_resolved)
{
    auto r = run_urls({"http://localhost:" + std::to_string(server_.port()) + "/bytes/3"},
                      test::speaking(GetParam(), {}))
                 .results.at(0);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 3u);
}

TEST_F(fetch, invalid_urls_are_results_not_exceptions)
{
    auto out = run_urls({"not a url", "ftp://127.0.0.1/", "http://127.0.0.1:99999/"});
    ASSERT_EQ(out.results.size(), 3u);
    for (const auto& r : out.results)
    {
        EXPECT_EQ(r.kind, error_kind::invalid_url) << r.url;
        EXPECT_FALSE(r.error.empty());
        EXPECT_EQ(r.status, 0u);
    }
    EXPECT_EQ(out.summary.failed, 3u);
}

/// The server closes an idle pooled connection; the next request must not fail for it.
TEST_F(fetch, pooled_connection_closed_by_server_is_retried_on_a_new_one)
{
    net::io_context ioc(1);
    auto tls = make_client_tls_context(true, {});
    client c(ioc.get_executor(), *tls, client_config{});
    std::vector<fetch_result> results;
    auto scenario = [&]() -> net::awaitable<void> {
        results.push_back(co_await c.fetch(0, server_.base_url() + "/drop/10"));
        net::steady_timer t(ioc, std::chrono::milliseconds(150));
        co_await t.async_wait(net::use_awaitable);
        results.push_back(co_await c.fetch(1, server_.base_url() + "/bytes/7"));
    };
    net::co_spawn(ioc, scenario, net::detached);
    ioc.run_for(std::chrono::seconds(10));
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].ok()) << results[0].error;
    EXPECT_TRUE(results[1].ok()) << results[1].error;
    EXPECT_EQ(results[1].bytes, 7u);
    EXPECT_EQ(c.counters().connections_opened, 2u);
    EXPECT_EQ(server_.counters().connections_accepted, 2u);
}

/// A kept-alive HTTP/1.1 connection idle in the pool keeps nothing pending: io_context::run() returns
/// once the fetches are done, not when the connection's deadline timer (the whole timeout) would have
/// fired, and the connection is still there for the next run.
TEST_F(fetch, run_returns_when_the_fetches_end_though_their_connection_stays_pooled)
{
    net::io_context ioc(1);
    auto tls = make_client_tls_context(true, {});
    client_config cfg;
    cfg.timeout = std::chrono::seconds(20);
    client c(ioc.get_executor(), *tls, cfg);
    std::vector<fetch_result> results;
    auto scenario = [&]() -> net::awaitable<void> {
        results.push_back(co_await c.fetch(0, server_.base_url() + "/bytes/3"));
        results.push_back(co_await c.fetch(1, server_.base_url() + "/bytes/4"));
    };
    for (int pass = 0; pass < 2; ++pass)
    {
        const auto start = std::chrono::steady_clock::now();
        ioc.restart();
        net::co_spawn(ioc, scenario, net::detached);
        ioc.run();
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "pass " << pass;
    }
    ASSERT_EQ(results.size(), 4u);
    for (const auto& r : results)
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
    EXPECT_EQ(c.counters().connections_opened, 1u);
}

/// HTTP/2: a stream that ends short of its content-length is reset, a protocol error of its own.
TEST_F(fetch, short_body_over_h2_is_a_reset_stream)
{
    auto r = one("/truncate/1000", test::speaking(protocol::h2, config_with(1)));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.kind, error_kind::protocol) << r.error;
    EXPECT_NE(r.error.find("INTERNAL_ERROR"), std::string::npos) << r.error;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes, 1000u);
}

/// A run of http URLs never builds the TLS context; the first https URL does, and later ones share it
/// (over HTTP/1.1, /close ends the first TLS connection; over HTTP/2 the stream ends and the connection
/// is reused).
TEST_P(fetch_over, deferred_tls_context_is_built_by_the_first_https_url_only)
{
    testbed_config tls_cfg;
    tls_cfg.tls = true;
    testbed secure(tls_cfg);
    net::io_context ioc(1);
    auto tls = tls_source::deferred(false, {});
    client_config cfg;
    cfg.verify = false;
    cfg.versions = test::versions_for(GetParam());
    client c(ioc.get_executor(), tls, cfg);
    std::vector<fetch_result> results;
    bool ready_after_http = true;
    auto scenario = [&]() -> net::awaitable<void> {
        results.push_back(co_await c.fetch(0, server_.base_url() + "/bytes/3"));
        results.push_back(co_await c.fetch(1, server_.base_url() + "/bytes/4"));
        ready_after_http = tls.ready();
        results.push_back(co_await c.fetch(2, secure.base_url() + "/close/5"));
        results.push_back(co_await c.fetch(3, secure.base_url() + "/bytes/6"));
        ioc.stop();  // the pooled connections would keep the loop running
    };
    net::co_spawn(ioc, scenario, net::detached);
    ioc.run_for(std::chrono::seconds(10));
    ASSERT_EQ(results.size(), 4u);
    for (const auto& r : results)
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
    EXPECT_FALSE(ready_after_http);
    EXPECT_TRUE(tls.ready());
    EXPECT_EQ(c.counters().tls_handshakes, GetParam() == protocol::h2 ? 1u : 2u);
    for (const auto& r : results)
        EXPECT_EQ(r.http_version, test::version_of(GetParam())) << r.url;
}

}  // namespace
}  // namespace asyncfetch
