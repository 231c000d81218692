// Unit tests for percentiles, run timings, origins, and run_summary and compare_summary arithmetic.
#include "asyncfetch/stats.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/result.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace asyncfetch {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

fetch_result ok_result(std::uint64_t bytes)
{
    fetch_result r;
    r.status = 200;
    r.bytes = bytes;
    return r;
}

fetch_result failed_result(std::uint64_t bytes)
{
    fetch_result r;
    r.bytes = bytes;
    r.kind = error_kind::connect;
    r.error = "connection refused";
    return r;
}

TEST(run_summary, starts_empty)
{
    run_summary s;
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.ok, 0u);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.requests_per_second(), 0.0);
}

TEST(run_summary, add_counts_ok_failed_and_bytes)
{
    run_summary s;
    s.add(ok_result(100));
    s.add(ok_result(250));
    s.add(failed_result(7));
    EXPECT_EQ(s.count, 3u);
    EXPECT_EQ(s.ok, 2u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_EQ(s.bytes, 357u);
}

TEST(run_summary, http_error_status_without_kind_counts_as_ok)
{
    // ok() is decided by the kind alone: a 404 without --fail is a successful fetch.
    run_summary s;
    fetch_result r = ok_result(10);
    r.status = 404;
    s.add(r);
    EXPECT_EQ(s.ok, 1u);
    EXPECT_EQ(s.failed, 0u);
}

TEST(run_summary, add_leaves_connection_counts_alone)
{
    run_summary s;
    s.connections_opened = 2;
    s.connections_reused = 5;
    fetch_result r = ok_result(1);
    r.reused = true;
    s.add(r);
    EXPECT_EQ(s.connections_opened, 2u);
    EXPECT_EQ(s.connections_reused, 5u);
}

TEST(run_summary, add_sums_large_byte_counts)
{
    run_summary s;
    s.add(ok_result(std::uint64_t{5} << 32));
    s.add(ok_result(std::uint64_t{3} << 32));
    EXPECT_EQ(s.bytes, std::uint64_t{8} << 32);
}

TEST(run_summary, requests_per_second)
{
    run_summary s;
    s.count = 3;
    s.elapsed_ms = 1500;
    EXPECT_DOUBLE_EQ(s.requests_per_second(), 2.0);
    s.elapsed_ms = 250;
    EXPECT_DOUBLE_EQ(s.requests_per_second(), 12.0);
}

TEST(run_summary, requests_per_second_is_zero_without_elapsed_time)
{
    run_summary s;
    s.count = 3;
    s.elapsed_ms = 0;
    EXPECT_EQ(s.requests_per_second(), 0.0);
    s.elapsed_ms = -1;
    EXPECT_EQ(s.requests_per_second(), 0.0);
    s.elapsed_ms = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(s.requests_per_second(), 0.0);
}

TEST(compare_summary, speedup_is_sequential_over_concurrent)
{
    compare_summary c;
    c.sequential.elapsed_ms = 3012;
    c.concurrent.elapsed_ms = 1004;
    EXPECT_DOUBLE_EQ(c.speedup(), 3.0);
    c.concurrent.elapsed_ms = 6024;
    EXPECT_DOUBLE_EQ(c.speedup(), 0.5);
}

TEST(compare_summary, speedup_is_zero_when_concurrent_time_is_zero)
{
    compare_summary c;
    c.sequential.elapsed_ms = 3012;
    c.concurrent.elapsed_ms = 0;
    EXPECT_EQ(c.speedup(), 0.0);
}

TEST(compare_summary, speedup_is_zero_when_both_times_are_zero)
{
    compare_summary c;
    EXPECT_EQ(c.speedup(), 0.0);
}

TEST(compare_summary, speedup_is_zero_when_sequential_time_is_zero)
{
    compare_summary c;
    c.concurrent.elapsed_ms = 10;
    EXPECT_EQ(c.speedup(), 0.0);
}

// ---- percentile

std::vector<double> one_to_hundred()
{
    std::vector<double> v;
    for (int i = 1; i <= 100; ++i)
        v.push_back(i);
    return v;
}

TEST(percentile, interpolates_between_closest_ranks)
{
    const std::vector<double> v = one_to_hundred();
    EXPECT_DOUBLE_EQ(percentile(v, 50), 50.5);
    EXPECT_DOUBLE_EQ(percentile(v, 90), 90.1);
    EXPECT_DOUBLE_EQ(percentile(v, 99), 99.01);
    EXPECT_DOUBLE_EQ(percentile(v, 25), 25.75);
}

TEST(percentile, ends_are_min_and_max)
{
    const std::vector<double> v = one_to_hundred();
    EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
    EXPECT_DOUBLE_EQ(percentile(v, 100), 100);
}

TEST(percentile, p_is_clamped)
{
    const std::vector<double> v = {10, 20, 30};
    EXPECT_DOUBLE_EQ(percentile(v, -5), 10);
    EXPECT_DOUBLE_EQ(percentile(v, 150), 30);
    EXPECT_DOUBLE_EQ(percentile(v, nan), 10);
    EXPECT_DOUBLE_EQ(percentile(v, inf), 30);
}

TEST(percentile, single_sample_is_every_percentile)
{
    const std::vector<double> v = {7.5};
    EXPECT_DOUBLE_EQ(percentile(v, 0), 7.5);
    EXPECT_DOUBLE_EQ(percentile(v, 50), 7.5);
    EXPECT_DOUBLE_EQ(percentile(v, 99), 7.5);
    EXPECT_DOUBLE_EQ(percentile(v, 100), 7.5);
}

TEST(percentile, two_samples)
{
    const std::vector<double> v = {10, 20};
    EXPECT_DOUBLE_EQ(percentile(v, 50), 15);
    EXPECT_DOUBLE_EQ(percentile(v, 25), 12.5);
    EXPECT_DOUBLE_EQ(percentile(v, 99), 19.9);
}

TEST(percentile, no_samples_is_zero)
{
    EXPECT_EQ(percentile({}, 50), 0.0);
    EXPECT_EQ(percentile({}, 100), 0.0);
}

// ---- summarize_latencies

TEST(summarize_latencies, sorts_unsorted_samples)
{
    const latency_stats s = summarize_latencies({5, 1, 4, 2, 3});
    EXPECT_EQ(s.count, 5u);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.p50, 3);
    EXPECT_DOUBLE_EQ(s.p90, 4.6);
    EXPECT_DOUBLE_EQ(s.p99, 4.96);
    EXPECT_DOUBLE_EQ(s.max, 5);
    EXPECT_DOUBLE_EQ(s.mean, 3);
}

TEST(summarize_latencies, one_to_hundred)
{
    std::vector<double> v = one_to_hundred();
    std::reverse(v.begin(), v.end());
    const latency_stats s = summarize_latencies(v);
    EXPECT_EQ(s.count, 100u);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.p50, 50.5);
    EXPECT_DOUBLE_EQ(s.p90, 90.1);
    EXPECT_DOUBLE_EQ(s.p99, 99.01);
    EXPECT_DOUBLE_EQ(s.max, 100);
    EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(summarize_latencies, no_samples_is_all_zero)
{
    const latency_stats s = summarize_latencies({});
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.min, 0.0);
    EXPECT_EQ(s.p50, 0.0);
    EXPECT_EQ(s.p90, 0.0);
    EXPECT_EQ(s.p99, 0.0);
    EXPECT_EQ(s.max, 0.0);
    EXPECT_EQ(s.mean, 0.0);
}

TEST(summarize_latencies, non_finite_samples_are_left_out)
{
    // NaN would break the sort's ordering and make every figure NaN.
    const latency_stats s = summarize_latencies({nan, 4, inf, 2, -inf});
    EXPECT_EQ(s.count, 2u);
    EXPECT_DOUBLE_EQ(s.min, 2);
    EXPECT_DOUBLE_EQ(s.max, 4);
    EXPECT_DOUBLE_EQ(s.p50, 3);
    EXPECT_DOUBLE_EQ(s.mean, 3);
}

// ---- summarize_runs

TEST(summarize_runs, sample_standard_deviation)
{
    const timing_stats s = summarize_runs({1, 2, 3, 4});
    EXPECT_EQ(s.runs, 4u);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_NEAR(s.stddev, 1.2909944487358056, 1e-12);
    EXPECT_DOUBLE_EQ(s.min, 1);
    EXPECT_DOUBLE_EQ(s.max, 4);
}

TEST(summarize_runs, unsorted_runs)
{
    const timing_stats s = summarize_runs({3005, 3001, 3003});
    EXPECT_EQ(s.runs, 3u);
    EXPECT_DOUBLE_EQ(s.mean, 3003);
    EXPECT_DOUBLE_EQ(s.stddev, 2);
    EXPECT_DOUBLE_EQ(s.min, 3001);
    EXPECT_DOUBLE_EQ(s.max, 3005);
}

TEST(summarize_runs, one_run_has_no_deviation)
{
    const timing_stats s = summarize_runs({1234.5});
    EXPECT_EQ(s.runs, 1u);
    EXPECT_DOUBLE_EQ(s.mean, 1234.5);
    EXPECT_EQ(s.stddev, 0.0);
    EXPECT_DOUBLE_EQ(s.min, 1234.5);
    EXPECT_DOUBLE_EQ(s.max, 1234.5);
}

TEST(summarize_runs, equal_runs_have_no_deviation)
{
    const timing_stats s = summarize_runs({5, 5, 5});
    EXPECT_EQ(s.runs, 3u);
    EXPECT_EQ(s.stddev, 0.0);
}

TEST(summarize_runs, no_runs_is_all_zero)
{
    const timing_stats s = summarize_runs({});
    EXPECT_EQ(s.runs, 0u);
    EXPECT_EQ(s.mean, 0.0);
    EXPECT_EQ(s.stddev, 0.0);
    EXPECT_EQ(s.min, 0.0);
    EXPECT_EQ(s.max, 0.0);
}

TEST(summarize_runs, non_finite_runs_are_left_out)
{
    const timing_stats s = summarize_runs({nan, 10, inf, 20});
    EXPECT_EQ(s.runs, 2u);
    EXPECT_DOUBLE_EQ(s.mean, 15);
    EXPECT_DOUBLE_EQ(s.min, 10);
    EXPECT_DOUBLE_EQ(s.max, 20);
    EXPECT_TRUE(std::isfinite(s.stddev));
}

// ---- origin_of

TEST(origin_of, drops_path_and_query)
{
    EXPECT_EQ(origin_of("http://a.b:8/x?y"), "http://a.b:8");
    EXPECT_EQ(origin_of("http://a.b?y=/z"), "http://a.b");
    EXPECT_EQ(origin_of("http://a.b#frag/x"), "http://a.b");
    EXPECT_EQ(origin_of("https://example.com/"), "https://example.com");
}

TEST(origin_of, without_path_is_the_whole_url)
{
    EXPECT_EQ(origin_of("http://a.b"), "http://a.b");
    EXPECT_EQ(origin_of("http://a.b:8080"), "http://a.b:8080");
}

TEST(origin_of, ipv6_literal)
{
    EXPECT_EQ(origin_of("https://[::1]/p"), "https://[::1]");
    EXPECT_EQ(origin_of("http://[::1]:8443/p"), "http://[::1]:8443");
    EXPECT_EQ(origin_of("http://[FE80::1]/"), "http://[fe80::1]");
}

TEST(origin_of, lower_cases_scheme_and_host)
{
    EXPECT_EQ(origin_of("HTTP://Example.COM:8080/Path/ABC"), "http://example.com:8080");
    EXPECT_EQ(origin_of("HtTpS://WWW.Example.org"), "https://www.example.org");
}

TEST(origin_of, strips_userinfo)
{
    EXPECT_EQ(origin_of("http://u:p@h/"), "http://h");
    EXPECT_EQ(origin_of("http://user@Host.com:81?x"), "http://host.com:81");
    EXPECT_EQ(origin_of("http://a@b@c/"), "http://c");
    // An '@' in the path is not userinfo.
    EXPECT_EQ(origin_of("http://h/mail@x"), "http://h");
}

TEST(origin_of, no_scheme_is_empty)
{
    EXPECT_EQ(origin_of(""), "");
    EXPECT_EQ(origin_of("example.com/path"), "");
    EXPECT_EQ(origin_of("not a url"), "");
    EXPECT_EQ(origin_of("http:/one-slash"), "");
    // The "://" is in the query, not after a scheme.
    EXPECT_EQ(origin_of("example.com/?next=http://x"), "");
    EXPECT_EQ(origin_of("://host/"), "");
}

// ---- add() fills the maps

fetch_result at(std::string url, unsigned status, std::uint64_t bytes, double time_ms, error_kind kind)
{
    fetch_result r;
    r.url = std::move(url);
    r.status = status;
    r.bytes = bytes;
    r.time_ms = time_ms;
    r.kind = kind;
    return r;
}

run_summary mixed_run()
{
    run_summary s;
    s.add(at("http://a/", 200, 100, 10, error_kind::none));
    s.add(at("http://A/x?q", 404, 20, 30, error_kind::none));
    s.add(at("https://b/", 0, 0, 5000, error_kind::timeout));
    s.add(at("http://a/y", 503, 7, 20, error_kind::http));
    s.add(at("nope", 0, 0, 0.5, error_kind::invalid_url));
    s.add(at("https://b/z", 0, 0, 4000, error_kind::timeout));
    return s;
}

TEST(run_summary, add_counts_statuses_without_zero)
{
    const run_summary s = mixed_run();
    const std::map<unsigned, std::size_t> expected = {{200, 1}, {404, 1}, {503, 1}};
    EXPECT_EQ(s.status_counts, expected);
}

TEST(run_summary, add_counts_error_kinds_of_failures)
{
    const run_summary s = mixed_run();
    const std::map<std::string, std::size_t> expected = {{"http", 1}, {"invalid_url", 1}, {"timeout", 2}};
    EXPECT_EQ(s.error_counts, expected);
}

TEST(run_summary, add_keeps_latencies_in_completion_order_and_sums_them)
{
    const run_summary s = mixed_run();
    const std::vector<double> expected = {10, 30, 5000, 20, 0.5, 4000};
    EXPECT_EQ(s.latencies_ms.samples(), expected);
    EXPECT_DOUBLE_EQ(s.total_request_ms, 9060.5);
    EXPECT_EQ(s.count, 6u);
    EXPECT_EQ(s.ok, 2u);
    EXPECT_EQ(s.failed, 4u);
    EXPECT_EQ(s.bytes, 127u);
}

TEST(run_summary, add_groups_hosts_by_origin)
{
    const run_summary s = mixed_run();
    ASSERT_EQ(s.hosts.size(), 3u);
    ASSERT_TRUE(s.hosts.contains("http://a"));
    ASSERT_TRUE(s.hosts.contains("https://b"));
    ASSERT_TRUE(s.hosts.contains("")) << "URLs without a scheme go under \"\"";

    const host_summary& a = s.hosts.at("http://a");
    EXPECT_EQ(a.count, 3u);
    EXPECT_EQ(a.ok, 2u);
    EXPECT_EQ(a.failed, 1u);
    EXPECT_EQ(a.bytes, 127u);
    EXPECT_EQ(a.latencies_ms.samples(), (std::vector<double>{10, 30, 20}));

    const host_summary& b = s.hosts.at("https://b");
    EXPECT_EQ(b.count, 2u);
    EXPECT_EQ(b.ok, 0u);
    EXPECT_EQ(b.failed, 2u);
    EXPECT_EQ(b.bytes, 0u);
    EXPECT_EQ(b.latencies_ms.samples(), (std::vector<double>{5000, 4000}));

    const host_summary& invalid = s.hosts.at("");
    EXPECT_EQ(invalid.count, 1u);
    EXPECT_EQ(invalid.failed, 1u);
    EXPECT_EQ(invalid.latencies_ms.samples(), (std::vector<double>{0.5}));
}

TEST(run_summary, add_leaves_tls_handshakes_alone)
{
    run_summary s;
    s.tls_handshakes = 3;
    fetch_result r = ok_result(1);
    r.tls_ms = 12;
    s.add(r);
    EXPECT_EQ(s.tls_handshakes, 3u);
}

TEST(run_summary, non_finite_time_does_not_spoil_the_total)
{
    run_summary s;
    s.add(at("http://a/", 200, 0, 10, error_kind::none));
    s.add(at("http://a/", 200, 0, nan, error_kind::none));
    EXPECT_DOUBLE_EQ(s.total_request_ms, 10);
    EXPECT_EQ(s.latencies_ms.size(), 1u) << "a non-finite time is not a latency sample";
    EXPECT_EQ(s.latency().count, 1u);
}

TEST(run_summary, latency_summarizes_latencies)
{
    const latency_stats l = mixed_run().latency();
    EXPECT_EQ(l.count, 6u);
    EXPECT_DOUBLE_EQ(l.min, 0.5);
    EXPECT_DOUBLE_EQ(l.p50, 25);
    EXPECT_DOUBLE_EQ(l.max, 5000);
    EXPECT_DOUBLE_EQ(l.mean, 9060.5 / 6);
}

TEST(run_summary, bytes_per_second)
{
    run_summary s;
    s.bytes = 3000;
    s.elapsed_ms = 1500;
    EXPECT_DOUBLE_EQ(s.bytes_per_second(), 2000.0);
    s.elapsed_ms = 0;
    EXPECT_EQ(s.bytes_per_second(), 0.0);
    s.elapsed_ms = nan;
    EXPECT_EQ(s.bytes_per_second(), 0.0);
    s.elapsed_ms = -3;
    EXPECT_EQ(s.bytes_per_second(), 0.0);
}

TEST(run_summary, effective_parallelism)
{
    run_summary s;
    s.total_request_ms = 3000;
    s.elapsed_ms = 1000;
    EXPECT_DOUBLE_EQ(s.effective_parallelism(), 3.0);
    s.elapsed_ms = 4000;
    EXPECT_DOUBLE_EQ(s.effective_parallelism(), 0.75);
    s.elapsed_ms = 0;
    EXPECT_EQ(s.effective_parallelism(), 0.0);
    s.elapsed_ms = inf;
    EXPECT_EQ(s.effective_parallelism(), 0.0);
}

TEST(run_summary, effective_parallelism_from_added_results)
{
    run_summary s;
    for (int i = 0; i < 4; ++i)
        s.add(at("http://a/", 200, 0, 250, error_kind::none));
    s.elapsed_ms = 500;
    EXPECT_DOUBLE_EQ(s.effective_parallelism(), 2.0);
}

// ---- speedup over runs

TEST(compare_summary, speedup_uses_mean_of_runs)
{
    compare_summary c;
    // The last runs' elapsed times alone would give 1.0.
    c.sequential.elapsed_ms = 1000;
    c.concurrent.elapsed_ms = 1000;
    c.sequential_runs_ms = {3000, 2990, 3010};
    c.concurrent_runs_ms = {1000, 1010, 990};
    EXPECT_DOUBLE_EQ(c.speedup(), 3.0);
}

TEST(compare_summary, speedup_with_different_run_counts)
{
    compare_summary c;
    c.sequential_runs_ms = {400};
    c.concurrent_runs_ms = {100, 300};
    EXPECT_DOUBLE_EQ(c.speedup(), 2.0);
}

TEST(compare_summary, speedup_falls_back_to_elapsed_when_a_run_vector_is_empty)
{
    compare_summary c;
    c.sequential.elapsed_ms = 3000;
    c.concurrent.elapsed_ms = 1500;
    c.sequential_runs_ms = {9000};
    EXPECT_DOUBLE_EQ(c.speedup(), 2.0);
    c.sequential_runs_ms.clear();
    c.concurrent_runs_ms = {100};
    EXPECT_DOUBLE_EQ(c.speedup(), 2.0);
}

TEST(compare_summary, speedup_is_zero_when_concurrent_runs_take_no_time)
{
    compare_summary c;
    c.sequential.elapsed_ms = 3000;
    c.concurrent.elapsed_ms = 1000;
    c.sequential_runs_ms = {3000, 3000};
    c.concurrent_runs_ms = {0, 0};
    EXPECT_EQ(c.speedup(), 0.0);
    c.concurrent_runs_ms = {nan, inf};
    EXPECT_EQ(c.speedup(), 0.0);
}

TEST(compare_summary, speedup_leaves_out_non_finite_runs_like_summarize_runs)
{
    compare_summary c;
    c.sequential_runs_ms = {3000, nan};
    c.concurrent_runs_ms = {inf, 1000, 500};
    EXPECT_DOUBLE_EQ(c.speedup(), 4.0);
}

}  // namespace
// ---- latency_samples

TEST(latency_samples, exact_up_to_the_limit)
{
    latency_samples l;
    std::vector<double> all;
    for (std::size_t i = 0; i < latency_samples::exact_limit; ++i)
    {
        const double v = static_cast<double>((i * 7919) % 1000) / 10.0;
        l.add(v);
        all.push_back(v);
    }
    EXPECT_TRUE(l.exact());
    EXPECT_EQ(l.samples(), all);
    const latency_stats got = l.stats();
    const latency_stats want = summarize_latencies(all);
    EXPECT_EQ(got.count, want.count);
    EXPECT_DOUBLE_EQ(got.p50, want.p50);
    EXPECT_DOUBLE_EQ(got.p90, want.p90);
    EXPECT_DOUBLE_EQ(got.p99, want.p99);
}

TEST(latency_samples, past_the_limit_memory_stops_growing_and_percentiles_stay_within_half_a_percent)
{
    // 200,000 samples from 0.05 ms to about 10 s, spread over six decades.
    latency_samples l;
    std::vector<double> all;
    for (std::size_t i = 0; i < 200'000; ++i)
    {
        const double v = 0.05 *
                         std::pow(10.0, 5.3 * static_cast<double>((i * 104'729) % 200'000) / 200'000.0);
        l.add(v);
        all.push_back(v);
    }
    EXPECT_FALSE(l.exact());
    EXPECT_TRUE(l.samples().empty()) << "samples are not kept past the limit";
    EXPECT_EQ(l.size(), 200'000u);
    const latency_stats got = l.stats();
    const latency_stats want = summarize_latencies(all);
    EXPECT_EQ(got.count, want.count);
    EXPECT_DOUBLE_EQ(got.min, want.min);
    EXPECT_DOUBLE_EQ(got.max, want.max);
    EXPECT_EQ(l.min(), got.min);
    EXPECT_EQ(l.max(), got.max);
    EXPECT_NEAR(got.mean, want.mean, want.mean * 1e-9);
    EXPECT_NEAR(got.p50, want.p50, want.p50 * 0.005);
    EXPECT_NEAR(got.p90, want.p90, want.p90 * 0.005);
    EXPECT_NEAR(got.p99, want.p99, want.p99 * 0.005);

    std::size_t counted = 0;
    double previous = -1;
    l.for_each([&](double v, std::size_t n) {
        EXPECT_GT(v, previous);
        previous = v;
        counted += n;
    });
    EXPECT_EQ(counted, 200'000u);
}

TEST(latency_samples, histogram_keeps_extremes_and_sub_microsecond_values)
{
    latency_samples l;
    for (std::size_t i = 0; i <= latency_samples::exact_limit; ++i)
        l.add(i % 2 == 0 ? 0.0 : 1e8);  // 0 ms and about 28 hours
    ASSERT_FALSE(l.exact());
    const latency_stats s = l.stats();
    EXPECT_EQ(s.min, 0.0);
    EXPECT_EQ(s.max, 1e8);
    EXPECT_EQ(s.p50, 0.0005) << "below 1 µs: bucket 0's midpoint";
    EXPECT_NEAR(s.p99, 1e8, 1e8 * 0.005);
    EXPECT_LE(s.p99, 1e8) << "bucket midpoints are clamped to the maximum";
}

TEST(latency_samples, non_finite_values_are_not_samples)
{
    latency_samples l{std::numeric_limits<double>::quiet_NaN(), 2, std::numeric_limits<double>::infinity()};
    EXPECT_EQ(l.size(), 1u);
    EXPECT_EQ(l.samples(), std::vector<double>{2});
    EXPECT_EQ(l.stats().p50, 2);
}

}  // namespace asyncfetch
