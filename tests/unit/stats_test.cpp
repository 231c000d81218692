// Unit tests for run_summary and compare_summary arithmetic.
#include "asyncfetch/stats.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/result.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace asyncfetch {
namespace {

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

}  // namespace
}  // namespace asyncfetch
