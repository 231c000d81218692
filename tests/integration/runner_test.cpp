// Many fetches: concurrency versus sequential timing, connection reuse, -j and --per-host limits, order.
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <sstream>
#include <streambuf>
#include <utility>

namespace asyncfetch {
namespace {

using test::config_with;
using test::run_urls;
using namespace std::chrono_literals;

std::vector<std::string> repeat(const std::string& url, std::size_t n)
{
    return std::vector<std::string>(n, url);
}

double wall_ms(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

/// Runs over HTTP/1.1 and over HTTP/2 (h2c with prior knowledge) against a testbed serving both.
class runner_over : public ::testing::TestWithParam<test::protocol>
{
protected:
    run_config config(std::size_t concurrency, std::size_t per_host = 0) const
    {
        return test::speaking(GetParam(), config_with(concurrency, per_host));
    }
    bool h2() const { return GetParam() == test::protocol::h2; }

    testbed server{test::serving_both()};
};

INSTANTIATE_TEST_SUITE_P(both,
                         runner_over,
                         ::testing::Values(test::protocol::http1, test::protocol::h2),
                         test::protocol_name{});

/// The reading thread must never flush std::cout (std::cin is tied to it) while the event loop
/// writes results: the buffer is not thread-safe, and ThreadSanitizer cannot see inside libstdc++.
TEST(runner, threaded_line_source_unties_its_stream_from_the_output)
{
    std::ostringstream out;
    std::istringstream in("http://127.0.0.1:1/\n");
    in.tie(&out);
    boost::asio::io_context ioc(1);
    threaded_line_source src(in, ioc.get_executor());
    EXPECT_EQ(in.tie(), nullptr);
    // Drained, so the reading thread is done with `in` before it goes out of scope.
    EXPECT_EQ(src.next(), std::optional<std::string>("http://127.0.0.1:1/"));
    EXPECT_EQ(src.next(), std::nullopt);
}

TEST_P(runner_over, three_slow_urls_overlap_concurrently)
{
    const auto start = std::chrono::steady_clock::now();
    auto out = run_urls(repeat(server.base_url() + "/delay/300", 3), config(50));
    const double took = wall_ms(start);
    EXPECT_EQ(out.summary.ok, 3u);
    EXPECT_LT(took, 500.0);
    EXPECT_LT(out.summary.elapsed_ms, 500.0);
    EXPECT_GE(out.summary.elapsed_ms, 290.0);
}

TEST_P(runner_over, three_slow_urls_add_up_sequentially)
{
    auto out = run_urls(repeat(server.base_url() + "/delay/300", 3), config(1));
    EXPECT_EQ(out.summary.ok, 3u);
    EXPECT_GE(out.summary.elapsed_ms, 900.0);
    EXPECT_LT(out.summary.elapsed_ms, 3000.0);
}

TEST_P(runner_over, sequential_requests_reuse_one_connection)
{
    auto out = run_urls(repeat(server.base_url() + "/bytes/100", 20), config(1));
    EXPECT_EQ(out.summary.ok, 20u);
    EXPECT_EQ(out.summary.bytes, 2000u);
    EXPECT_EQ(out.summary.connections_opened, 1u);
    EXPECT_EQ(out.summary.connections_reused, 19u);
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    EXPECT_EQ(server.counters().requests, 20u);
    EXPECT_FALSE(out.results[0].reused);
    for (std::size_t i = 1; i < out.results.size(); ++i)
        EXPECT_TRUE(out.results[i].reused) << i;
    for (const auto& r : out.results)
        EXPECT_EQ(r.http_version, test::version_of(GetParam()));
}

/// HTTP/1.1 only: HTTP/2 never delimits a body by the end of the connection.
TEST(runner, body_until_close_is_not_pooled)
{
    testbed server;
    auto out = run_urls(repeat(server.base_url() + "/close/10", 3), config_with(1));
    EXPECT_EQ(out.summary.ok, 3u);
    EXPECT_EQ(out.summary.connections_opened, 3u);
    EXPECT_EQ(out.summary.connections_reused, 0u);
}

/// HTTP/1.1 only: over HTTP/2 one connection carries all twelve; the next test is its HTTP/2 counterpart.
TEST(runner, per_host_limit_is_respected)
{
    testbed server;
    auto out = run_urls(repeat(server.base_url() + "/delay/50", 12), config_with(12, 2));
    EXPECT_EQ(out.summary.ok, 12u);
    const auto c = server.counters();
    EXPECT_LE(c.peak_connections, 2u);
    EXPECT_LE(c.peak_in_flight, 2u);
    EXPECT_EQ(c.connections_accepted, 2u);
    // Six rounds of 50 ms at two at a time.
    EXPECT_GE(out.summary.elapsed_ms, 280.0);
}

/// HTTP/2: two connections (--per-host 2) of two streams each (--max-streams 2) carry four at a time.
TEST(runner, per_host_and_max_streams_limits_are_respected_over_h2)
{
    testbed server(test::serving_both());
    auto cfg = test::speaking(test::protocol::h2, config_with(12, 2));
    cfg.client.max_streams = 2;
    auto out = run_urls(repeat(server.base_url() + "/delay/50", 12), cfg);
    EXPECT_EQ(out.summary.ok, 12u);
    const auto c = server.counters();
    EXPECT_LE(c.peak_connections, 2u);
    EXPECT_LE(c.peak_in_flight, 4u);
    EXPECT_GE(c.peak_in_flight, 2u);
    EXPECT_LE(c.connections_accepted, 2u);
    EXPECT_EQ(c.http2_connections, c.connections_accepted);
    // Three rounds of 50 ms at four at a time.
    EXPECT_GE(out.summary.elapsed_ms, 140.0);
}

TEST_P(runner_over, concurrency_limit_is_respected_and_reached)
{
    auto out = run_urls(repeat(server.base_url() + "/delay/100", 20), config(5));
    EXPECT_EQ(out.summary.ok, 20u);
    const auto c = server.counters();
    EXPECT_LE(c.peak_in_flight, 5u);
    EXPECT_GE(c.peak_in_flight, 4u);
    EXPECT_LE(c.connections_accepted, h2() ? 1u : 5u);
}

TEST_P(runner_over, every_url_gets_exactly_one_result)
{
    std::vector<std::string> urls;
    for (int i = 0; i < 60; ++i)
    {
        switch (i % 4)
        {
        case 0: urls.push_back(server.base_url() + "/bytes/" + std::to_string(i)); break;
        case 1: urls.push_back("http://bad host/"); break;
        case 2: urls.push_back(server.base_url() + "/status/500"); break;
        case 3: urls.push_back(server.base_url() + "/chunked/" + std::to_string(i)); break;
        }
    }
    auto out = run_urls(urls, config(8));
    ASSERT_EQ(out.results.size(), urls.size());
    std::set<std::size_t> seen;
    for (const auto& r : out.results)
    {
        seen.insert(r.index);
        EXPECT_EQ(r.url, urls[r.index]);
        EXPECT_EQ(r.ok(), r.index % 4 != 1) << r.url << " " << r.error;
    }
    EXPECT_EQ(seen.size(), urls.size());
    EXPECT_EQ(out.summary.count, 60u);
    EXPECT_EQ(out.summary.failed, 15u);
}

TEST_P(runner_over, keep_order_delivers_in_input_order)
{
    boost::asio::io_context ioc(1);
    auto tls = make_client_tls_context(true, {});
    std::vector<std::string> urls{server.base_url() + "/delay/200",
                                  server.base_url() + "/delay/10",
                                  server.base_url() + "/bytes/1",
                                  server.base_url() + "/delay/100"};
    vector_source src(urls);
    std::vector<std::size_t> order;
    const result_sink sink = [&](const fetch_result& r) {
        order.push_back(r.index);
        return true;
    };
    auto cfg = config(4);
    run_pass(ioc, *tls, cfg, src, sink);
    ASSERT_EQ(order.size(), 4u);
    EXPECT_NE(order.front(), 0u) << "without --keep-order the slow first URL should finish last";

    cfg.keep_order = true;
    vector_source src2(urls);
    order.clear();
    run_pass(ioc, *tls, cfg, src2, sink);
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST_P(runner_over, a_sink_that_stops_ends_the_pass_early)
{
    boost::asio::io_context ioc(1);
    auto tls = make_client_tls_context(true, {});
    auto urls = repeat(server.base_url() + "/delay/200", 40);
    urls.insert(urls.begin(), server.base_url() + "/bytes/1");
    vector_source src(urls);
    std::size_t delivered = 0;
    const result_sink sink = [&](const fetch_result&) {
        ++delivered;
        return false;
    };
    const auto start = std::chrono::steady_clock::now();
    auto out = run_pass(ioc, *tls, config(2), src, sink);
    EXPECT_TRUE(out.stopped);
    EXPECT_EQ(delivered, 1u);
    // 20 rounds of 200 ms would take 4 s; the in-flight request is cancelled instead.
    EXPECT_LT(wall_ms(start), 1000.0);
}

TEST(runner, line_source_skips_blanks_and_comments)
{
    std::istringstream in("http://a/\n\n# comment\n   \n  http://b/  \r\n\t# indented comment\nhttp://c/");
    line_source src(in);
    std::vector<std::string> got;
    while (auto u = src.next())
        got.push_back(*u);
    EXPECT_EQ(got, (std::vector<std::string>{"http://a/", "http://b/", "http://c/"}));
}

/// A stream buffer that hands out its text three bytes at a time, as a pipe may.
class trickle_buffer final : public std::streambuf
{
public:
    explicit trickle_buffer(std::string text) : text_(std::move(text)) {}

private:
    int_type underflow() override
    {
        if (pos_ >= text_.size())
            return traits_type::eof();
        const std::size_t n = std::min<std::size_t>(3, text_.size() - pos_);
        text_.copy(piece_.data(), n, pos_);
        pos_ += n;
        setg(piece_.data(), piece_.data(), piece_.data() + n);
        return traits_type::to_int_type(piece_[0]);
    }

    std::string text_;
    std::size_t pos_ = 0;
    std::array<char, 3> piece_{};
};

TEST(runner, line_source_reads_lines_that_arrive_a_few_bytes_at_a_time)
{
    trickle_buffer buf("http://a/\n\n  http://bb/ \r\n# comment\n\thttp://ccc/x\t");
    std::istream in(&buf);
    line_source src(in);
    std::vector<std::string> got;
    while (auto u = src.next())
        got.push_back(*u);
    EXPECT_EQ(got, (std::vector<std::string>{"http://a/", "http://bb/", "http://ccc/x"}));
    EXPECT_TRUE(in.eof());
}

TEST(runner, chained_source_reads_parts_in_order)
{
    std::vector<std::string> first{"http://a/"};
    std::istringstream in("http://b/\nhttp://c/\n");
    vector_source a(first);
    line_source b(in);
    chained_source src({&a, &b});
    std::vector<std::string> got;
    while (auto u = src.next())
        got.push_back(*u);
    EXPECT_EQ(got, (std::vector<std::string>{"http://a/", "http://b/", "http://c/"}));
}

/// A source whose one URL is not there until the test says so.
class later_source final : public url_source
{
public:
    std::optional<std::string> next() override { return std::exchange(url, std::nullopt); }
    bool try_next(std::optional<std::string>& out) override
    {
        if (!ready)
            return false;
        out = next();
        return true;
    }
    bool ready = false;
    std::optional<std::string> url = "http://later/";
};

TEST(runner, chained_source_try_next_stops_at_a_part_that_would_wait)
{
    std::vector<std::string> first{"http://a/"};
    vector_source a(first);
    later_source b;
    chained_source src({&a, &b});
    std::optional<std::string> got;
    EXPECT_TRUE(src.try_next(got));
    EXPECT_EQ(got, std::optional<std::string>("http://a/"));
    EXPECT_FALSE(src.try_next(got)) << "the second part has nothing yet";
    b.ready = true;
    EXPECT_TRUE(src.try_next(got));
    EXPECT_EQ(got, std::optional<std::string>("http://later/"));
    EXPECT_TRUE(src.try_next(got));
    EXPECT_EQ(got, std::nullopt) << "both parts ended";
}

}  // namespace
}  // namespace asyncfetch
