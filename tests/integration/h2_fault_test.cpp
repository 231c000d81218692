// HTTP/2 faults against an in-process nghttp2 server: a stalled, refused or reset stream, GOAWAY, an
// oversized header block and a one-stream limit each end with one result per URL and spare the rest.
#include "h2_fault_server.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;
using test::config_with;
using test::h2_fault_server;
using test::run_urls;

run_config h2c(std::size_t concurrency, std::size_t per_host = 0)
{
    auto cfg = config_with(concurrency, per_host);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    return cfg;
}

std::vector<std::string> oks(const h2_fault_server& server, int n)
{
    std::vector<std::string> urls;
    for (int i = 0; i < n; ++i)
        urls.push_back(server.base_url() + "/ok/" + std::to_string(100 + i));
    return urls;
}

void expect_oks(const test::pass_results& run, std::size_t from)
{
    for (std::size_t i = from; i < run.results.size(); ++i)
    {
        const auto& r = run.results[i];
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
        EXPECT_EQ(r.http_version, "2") << r.url;
        EXPECT_EQ(r.bytes, 100 + (i - from)) << r.url;
    }
}

TEST(h2_faults, a_stalled_stream_times_out_alone_and_the_connection_carries_the_rest)
{
    h2_fault_server server;
    auto urls = oks(server, 5);
    urls.insert(urls.begin(), server.base_url() + "/stall");
    auto cfg = h2c(6);
    cfg.client.timeout = 700ms;
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_urls(urls, cfg);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(run.results.size(), urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::timeout);
    EXPECT_EQ(run.results[0].error, "request timed out after 0.7 s");
    expect_oks(run, 1);
    EXPECT_EQ(run.summary.connections_opened, 1u);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_GE(took, 650ms);
    EXPECT_LT(took, 3s);
}

TEST(h2_faults, a_connection_that_spent_its_resets_takes_no_new_streams)
{
    // 150 streams in three waves of 50 time out and are reset: the first connection takes no new
    // streams once it has reset 100 (servers punish bursts of RST_STREAM), so a second one opens.
    h2_fault_server server;
    const std::vector<std::string> urls(150, server.base_url() + "/stall");
    auto cfg = h2c(50);
    cfg.client.timeout = 300ms;
    const auto run = run_urls(urls, cfg);
    ASSERT_EQ(run.results.size(), urls.size());
    for (const auto& r : run.results)
        EXPECT_EQ(r.kind, error_kind::timeout) << r.error;
    EXPECT_EQ(run.summary.connections_opened, 2u);
    EXPECT_EQ(server.connections(), 2);
}

TEST(h2_faults, a_refused_stream_is_sent_again_on_the_connection_that_refused_it)
{
    h2_fault_server server;
    const auto run = run_urls({server.base_url() + "/refuse-once"}, h2c(1));
    ASSERT_EQ(run.results.size(), 1u);
    const auto& r = run.results[0];
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 2u);
    EXPECT_EQ(r.attempts, 1u) << "not a --retry attempt: the server never processed it";
    EXPECT_EQ(server.requests(), 2);
    EXPECT_EQ(server.connections(), 1) << "REFUSED_STREAM leaves the connection usable";
}

TEST(h2_faults, a_reset_stream_is_a_protocol_error_of_its_own)
{
    h2_fault_server server;
    auto urls = oks(server, 4);
    urls.insert(urls.begin(), server.base_url() + "/reset");
    const auto run = run_urls(urls, h2c(5));
    ASSERT_EQ(run.results.size(), urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::protocol);
    EXPECT_NE(run.results[0].error.find("reset the HTTP/2 stream"), std::string::npos)
        << run.results[0].error;
    EXPECT_NE(run.results[0].error.find("INTERNAL_ERROR"), std::string::npos) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.connections(), 1);
}

TEST(h2_faults, streams_refused_by_goaway_go_again_on_a_new_connection)
{
    h2_fault_server server;
    // The GOAWAY's stream is the first; the others may or may not have been sent before it came.
    std::vector<std::string> urls{server.base_url() + "/goaway-once"};
    for (const auto& u : oks(server, 5))
        urls.push_back(u);
    const auto run = run_urls(urls, h2c(1));
    ASSERT_EQ(run.results.size(), urls.size());
    EXPECT_TRUE(run.results[0].ok()) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.connections(), 2);
}

TEST(h2_faults, a_header_block_past_the_bounds_resets_only_its_stream)
{
    h2_fault_server server;
    auto urls = oks(server, 3);
    urls.insert(urls.begin(), server.base_url() + "/big-headers");
    auto cfg = h2c(4);
    cfg.client.timeout = 5s;
    const auto run = run_urls(urls, cfg);
    ASSERT_EQ(run.results.size(), urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::protocol) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.connections(), 1);
}

TEST(h2_faults, a_one_stream_server_is_used_one_request_at_a_time)
{
    h2_fault_server server(1);
    const auto urls = oks(server, 12);
    const auto run = run_urls(urls, h2c(6, 1));
    ASSERT_EQ(run.results.size(), urls.size());
    expect_oks(run, 0);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.requests(), 12);
}

}  // namespace
}  // namespace asyncfetch
