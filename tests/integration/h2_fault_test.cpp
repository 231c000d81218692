// HTTP/2 faults from the testbed (h2c and TLS): GOAWAY, refused and reset streams, a stalled window, a PING
// storm, oversized header blocks, padding and a one-stream limit each end with one result per URL.
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;
using test::config_with;
using test::run_urls;

testbed_config h2c_server(std::uint32_t max_streams = 100)
{
    testbed_config cfg;
    cfg.h2c = true;
    cfg.h2_max_streams = max_streams;
    return cfg;
}

run_config h2c(std::size_t concurrency, std::size_t per_host = 0)
{
    auto cfg = config_with(concurrency, per_host);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    return cfg;
}

std::vector<std::string> oks(const testbed& server, int n)
{
    std::vector<std::string> urls;
    for (int i = 0; i < n; ++i)
        urls.push_back(server.base_url() + "/bytes/" + std::to_string(100 + i));
    return urls;
}

/// Exactly one result per URL, in input order.
void expect_one_result_each(const test::pass_results& run, std::size_t urls)
{
    ASSERT_EQ(run.results.size(), urls);
    std::set<std::size_t> seen;
    for (const auto& r : run.results)
        seen.insert(r.index);
    EXPECT_EQ(seen.size(), urls);
    EXPECT_EQ(run.summary.count, urls);
}

/// Results [from, end) are /bytes/100, /bytes/101, ... fetched over HTTP/2.
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
    testbed server(h2c_server());
    auto urls = oks(server, 5);
    urls.insert(urls.begin(), server.base_url() + "/silent");
    auto cfg = h2c(6);
    cfg.client.timeout = 700ms;
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_urls(urls, cfg);
    const auto took = std::chrono::steady_clock::now() - start;
    expect_one_result_each(run, urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::timeout);
    EXPECT_EQ(run.results[0].error, "request timed out after 0.7 s");
    expect_oks(run, 1);
    EXPECT_EQ(run.summary.connections_opened, 1u);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    EXPECT_GE(took, 650ms);
    EXPECT_LT(took, 3s);
}

TEST(h2_faults, a_connection_that_spent_its_resets_takes_no_new_streams)
{
    // 150 streams in three waves of 50 time out and are reset: the first connection takes no new
    // streams once it has reset 100 (servers punish bursts of RST_STREAM), so a second one opens.
    testbed server(h2c_server());
    const std::vector<std::string> urls(150, server.base_url() + "/silent");
    auto cfg = h2c(50);
    cfg.client.timeout = 300ms;
    const auto run = run_urls(urls, cfg);
    expect_one_result_each(run, urls.size());
    for (const auto& r : run.results)
        EXPECT_EQ(r.kind, error_kind::timeout) << r.error;
    EXPECT_EQ(run.summary.connections_opened, 2u);
    EXPECT_EQ(server.counters().connections_accepted, 2u);
}

TEST(h2_faults, a_refused_stream_is_sent_again_on_the_connection_that_refused_it)
{
    testbed server(h2c_server());
    const auto run = run_urls({server.base_url() + "/h2-refuse/1?key=once"}, h2c(1));
    expect_one_result_each(run, 1);
    const auto& r = run.results[0];
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.bytes, 3u);
    EXPECT_EQ(r.attempts, 1u) << "not a --retry attempt: the server never processed it";
    EXPECT_EQ(server.counters().requests, 2u);
    EXPECT_EQ(server.counters().connections_accepted, 1u) << "REFUSED_STREAM leaves the connection usable";
}

TEST(h2_faults, refused_streams_among_others_are_each_sent_again_and_succeed)
{
    testbed server(h2c_server());
    auto urls = oks(server, 4);
    for (int i = 0; i < 3; ++i)
        urls.insert(urls.begin(), server.base_url() + "/h2-refuse/3?key=three&n=" + std::to_string(i));
    const auto run = run_urls(urls, h2c(7));
    expect_one_result_each(run, urls.size());
    for (std::size_t i = 0; i < 3; ++i)
    {
        EXPECT_TRUE(run.results[i].ok()) << run.results[i].error;
        EXPECT_EQ(run.results[i].bytes, 3u);
    }
    expect_oks(run, 3);
    EXPECT_EQ(server.counters().requests, urls.size() + 3);
}

TEST(h2_faults, a_reset_stream_is_a_protocol_error_of_its_own)
{
    testbed server(h2c_server());
    auto urls = oks(server, 4);
    urls.insert(urls.begin(), server.base_url() + "/h2-reset/0");
    const auto run = run_urls(urls, h2c(5));
    expect_one_result_each(run, urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::protocol);
    EXPECT_NE(run.results[0].error.find("reset the HTTP/2 stream"), std::string::npos)
        << run.results[0].error;
    EXPECT_NE(run.results[0].error.find("INTERNAL_ERROR"), std::string::npos) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

TEST(h2_faults, a_stream_reset_halfway_through_its_body_fails_alone)
{
    testbed server(h2c_server());
    auto urls = oks(server, 4);
    urls.insert(urls.begin(), server.base_url() + "/h2-reset/50000");
    const auto run = run_urls(urls, h2c(5));
    expect_one_result_each(run, urls.size());
    const auto& r = run.results[0];
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.kind, error_kind::protocol) << r.error;
    EXPECT_NE(r.error.find("INTERNAL_ERROR"), std::string::npos) << r.error;
    EXPECT_EQ(r.status, 200u);
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

/// Six URLs at -j 6 over one h2c connection, the first answered with a GOAWAY halfway through its body
/// and that stream as last_stream_id, once the other five are open on the connection: they are above it.
test::pass_results goaway_run(const testbed& server)
{
    std::vector<std::string> urls{server.base_url() + "/h2-goaway/200000?key=a&streams=5"};
    for (const auto& u : oks(server, 5))
        urls.push_back(u);
    return run_urls(urls, h2c(6));
}

TEST(h2_faults, streams_above_a_goaways_last_stream_id_go_again_on_a_new_connection)
{
    testbed server(h2c_server());
    const auto run = goaway_run(server);
    expect_one_result_each(run, 6);
    const auto& first = run.results[0];
    EXPECT_TRUE(first.ok()) << first.error;
    EXPECT_EQ(first.bytes, 200000u) << "the stream at last_stream_id is finished";
    expect_oks(run, 1);
    for (const auto& r : run.results)
        EXPECT_EQ(r.attempts, 1u) << r.url << ": refused streams go again without a --retry attempt";
    EXPECT_GE(server.counters().connections_accepted, 2u);
    EXPECT_EQ(server.counters().requests, 6u + 5u) << "each refused stream sent once more";
}

// Each stream refused by the GOAWAY asks the pool for a session newer than the one it left: the
// first of them connects, the others wait for that connect, so five refused streams open one
// connection, not five.
TEST(h2_faults, streams_refused_by_one_goaway_share_one_new_connection)
{
    testbed server(h2c_server());
    const auto run = goaway_run(server);
    expect_one_result_each(run, 6);
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 2u);
    EXPECT_EQ(run.summary.connections_opened, 2u);
}

TEST(h2_faults, a_header_block_past_128_kib_resets_only_its_stream)
{
    testbed server(h2c_server());
    auto urls = oks(server, 3);
    urls.insert(urls.begin(), server.base_url() + "/h2-headers/140?size=1000");
    auto cfg = h2c(4);
    cfg.client.timeout = 5s;
    const auto run = run_urls(urls, cfg);
    expect_one_result_each(run, urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::protocol) << run.results[0].error;
    EXPECT_NE(run.results[0].error.find("header"), std::string::npos) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

TEST(h2_faults, a_header_block_of_more_than_1000_fields_resets_only_its_stream)
{
    testbed server(h2c_server());
    auto urls = oks(server, 3);
    urls.insert(urls.begin(), server.base_url() + "/h2-headers/1001?size=1");
    auto cfg = h2c(4);
    cfg.client.timeout = 5s;
    const auto run = run_urls(urls, cfg);
    expect_one_result_each(run, urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::protocol) << run.results[0].error;
    EXPECT_NE(run.results[0].error.find("too many header fields"), std::string::npos) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

TEST(h2_faults, header_blocks_within_the_bounds_are_read)
{
    testbed server(h2c_server());
    const auto run = run_urls({server.base_url() + "/h2-headers/990?size=10"}, h2c(1));
    expect_one_result_each(run, 1);
    EXPECT_TRUE(run.results[0].ok()) << run.results[0].error;
    EXPECT_EQ(run.results[0].bytes, 3u);
}

TEST(h2_faults, a_one_stream_server_is_used_one_request_at_a_time)
{
    testbed server(h2c_server(1));
    const auto urls = oks(server, 12);
    const auto run = run_urls(urls, h2c(6, 1));
    expect_one_result_each(run, urls.size());
    expect_oks(run, 0);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    EXPECT_EQ(server.counters().requests, 12u);
    EXPECT_EQ(server.counters().peak_in_flight, 1u);
}

TEST(h2_faults, a_stalled_request_window_times_out_its_stream_alone)
{
    testbed server(h2c_server());
    auto urls = oks(server, 3);
    urls.insert(urls.begin(), server.base_url() + "/h2-window-stall/10");
    auto cfg = h2c(4);
    cfg.client.timeout = 700ms;
    cfg.client.request.method = "POST";
    // Past the stream's initial window of 65,535 bytes: the rest waits for a WINDOW_UPDATE that never comes.
    cfg.client.request.body = std::string(200'000, 'b');
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_urls(urls, cfg);
    const auto took = std::chrono::steady_clock::now() - start;
    expect_one_result_each(run, urls.size());
    EXPECT_EQ(run.results[0].kind, error_kind::timeout) << run.results[0].error;
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    EXPECT_GE(took, 650ms);
    EXPECT_LT(took, 3s);
}

TEST(h2_faults, a_ping_storm_is_answered_and_the_response_completes)
{
    testbed server(h2c_server());
    auto urls = oks(server, 3);
    urls.insert(urls.begin(), server.base_url() + "/h2-ping/100000?count=800");
    const auto run = run_urls(urls, h2c(4));
    expect_one_result_each(run, urls.size());
    EXPECT_TRUE(run.results[0].ok()) << run.results[0].error;
    EXPECT_EQ(run.results[0].bytes, 100000u);
    expect_oks(run, 1);
    EXPECT_EQ(server.counters().ping_acks, 800u);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
}

TEST(h2_faults, padded_data_counts_only_the_body_bytes)
{
    testbed server(h2c_server());
    auto urls = oks(server, 2);
    urls.insert(urls.begin(), server.base_url() + "/h2-padded/300000");
    const auto run = run_urls(urls, h2c(3));
    expect_one_result_each(run, urls.size());
    EXPECT_TRUE(run.results[0].ok()) << run.results[0].error;
    EXPECT_EQ(run.results[0].bytes, 300000u);
    expect_oks(run, 1);
}

TEST(h2_faults, fault_endpoints_answer_404_over_http1)
{
    testbed server(h2c_server());
    auto cfg = config_with(2);
    cfg.client.versions = http_versions::http1_only;
    const auto run = run_urls({server.base_url() + "/h2-reset/0", server.base_url() + "/h2-goaway/10"}, cfg);
    expect_one_result_each(run, 2);
    for (const auto& r : run.results)
    {
        EXPECT_EQ(r.status, 404u) << r.url;
        EXPECT_EQ(r.http_version, "1.1") << r.url;
    }
    EXPECT_EQ(server.counters().http2_connections, 0u);
}

TEST(h2_faults, over_tls_alpn_chooses_h2_and_the_faults_apply)
{
    testbed_config tls;
    tls.tls = true;
    testbed server(tls);
    // Separate runs: a stream refused by the GOAWAY and then by RST_STREAM would be refused twice.
    std::vector<std::string> urls{server.base_url() + "/h2-goaway/100000?key=tls&streams=3"};
    for (const auto& u : oks(server, 3))
        urls.push_back(u);
    const auto run = run_urls(urls, config_with(4), server.cert_pem());
    expect_one_result_each(run, urls.size());
    EXPECT_TRUE(run.results[0].ok()) << run.results[0].error;
    EXPECT_EQ(run.results[0].bytes, 100000u);
    EXPECT_EQ(run.results[0].http_version, "2");
    expect_oks(run, 1);
    EXPECT_GE(server.counters().http2_connections, 2u) << "the GOAWAY's connection and a new one";

    urls = {server.base_url() + "/h2-refuse/1?key=tls", server.base_url() + "/h2-padded/5000"};
    const auto more = run_urls(urls, config_with(2), server.cert_pem());
    expect_one_result_each(more, urls.size());
    for (const auto& r : more.results)
    {
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
        EXPECT_EQ(r.http_version, "2") << r.url;
    }
    EXPECT_EQ(more.results[0].bytes, 3u);
    EXPECT_EQ(more.results[1].bytes, 5000u);
}

}  // namespace
}  // namespace asyncfetch
