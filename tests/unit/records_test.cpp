// Reading NDJSON records back and merging runs: what `asyncfetch report` computes.
#include "asyncfetch/records.hpp"

#include "asyncfetch/report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;

std::string result_line(const char* run,
                        double start_ms,
                        double time_ms,
                        unsigned status,
                        std::uint64_t bytes)
{
    return "{\"type\":\"result\",\"index\":0,\"url\":\"http://h.test/x\",\"status\":" +
           std::to_string(status) + ",\"bytes\":" + std::to_string(bytes) +
           ",\"time_ms\":" + std::to_string(time_ms) +
           ",\"reused\":true,\"error\":null,\"error_kind\":null,\"start_ms\":" + std::to_string(start_ms) +
           ",\"run\":\"" + run + "\"}";
}

std::string summary_line(const char* run, const char* started_at, double elapsed_ms)
{
    return std::string("{\"type\":\"summary\",\"count\":1,\"elapsed_ms\":") + std::to_string(elapsed_ms) +
           ",\"connections_opened\":2,\"connections_reused\":5,\"tls_handshakes\":1,\"dns_lookups\":3,"
           "\"started_at\":\"" +
           started_at + "\",\"run\":\"" + run + "\"}";
}

TEST(records, utc_times_round_trip)
{
    const auto t = parse_utc_time("2026-12-03T01:58:26.416Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_utc_time(*t), "2026-12-03T01:58:26.416Z");
    EXPECT_FALSE(parse_utc_time("2026-12-03 01:58:26"));
    EXPECT_FALSE(parse_utc_time("2026-02-30T01:58:26.416Z"));
    EXPECT_FALSE(parse_utc_time("2026-12-03T01:58:26.416Zjunk"));
}

TEST(records, bad_lines_say_why)
{
    record_set set;
    EXPECT_FALSE(read_record_line("", set));
    EXPECT_FALSE(read_record_line("  \r", set));
    EXPECT_TRUE(read_record_line("200\t5\t1.0\thttp://a/\t-", set));
    EXPECT_TRUE(read_record_line("{\"type\":\"other\",\"run\":\"01\"}", set));
    EXPECT_TRUE(read_record_line("{\"type\":\"result\"}", set));
    auto unknown = read_record_line(
        "{\"type\":\"result\",\"run\":\"01\",\"error_kind\":\"gremlins\",\"url\":\"http://a/\"}",
        set);
    ASSERT_TRUE(unknown);
    EXPECT_NE(unknown->find("gremlins"), std::string::npos);
    EXPECT_TRUE(set.results.empty());
}

TEST(records, one_run_with_its_summary_keeps_its_wall_time_and_counters)
{
    record_set set;
    ASSERT_FALSE(read_record_line(result_line("00000000000000aa", 1, 10, 200, 100), set));
    ASSERT_FALSE(read_record_line(result_line("00000000000000aa", 2, 20, 404, 4), set));
    ASSERT_FALSE(read_record_line(summary_line("00000000000000aa", "2026-01-01T00:00:00.000Z", 25), set));
    const auto s = merge_records(set);
    EXPECT_EQ(s.count, 2U);
    EXPECT_EQ(s.bytes, 104U);
    EXPECT_EQ(s.elapsed_ms, 25);
    EXPECT_EQ(s.connections_opened, 2U);
    EXPECT_EQ(s.connections_reused, 5U);
    EXPECT_EQ(s.dns_lookups, 3U);
    EXPECT_EQ(s.run_id, 0xaaU);
    EXPECT_EQ(s.status_counts.at(404), 1U);
    EXPECT_EQ(s.latency().max, 20);
}

TEST(records, runs_span_from_the_first_start_to_the_last_end)
{
    record_set set;
    // Run b started 100 ms after run a and lasted 50 ms; a lasted 30 ms.
    ASSERT_FALSE(read_record_line(summary_line("000000000000000b", "2026-01-01T00:00:00.100Z", 50), set));
    ASSERT_FALSE(read_record_line(result_line("000000000000000b", 5, 40, 200, 1), set));
    ASSERT_FALSE(read_record_line(result_line("000000000000000a", 0, 30, 200, 1), set));
    ASSERT_FALSE(read_record_line(summary_line("000000000000000a", "2026-01-01T00:00:00.000Z", 30), set));
    const auto s = merge_records(set);
    EXPECT_EQ(s.count, 2U);
    EXPECT_DOUBLE_EQ(s.elapsed_ms, 150);
    EXPECT_EQ(s.run_id, 0U);
    EXPECT_EQ(s.connections_opened, 4U);
    EXPECT_EQ(format_utc_time(s.started_at), "2026-01-01T00:00:00.000Z");
    const auto axis = records_on_one_axis(set);
    ASSERT_EQ(axis.size(), 2U);
    EXPECT_DOUBLE_EQ(axis[0].start_ms, 105);
    EXPECT_DOUBLE_EQ(axis[1].start_ms, 0);
}

TEST(records, without_summaries_the_records_give_the_span_and_reuse)
{
    record_set set;
    ASSERT_FALSE(read_record_line(result_line("000000000000000c", 10, 40, 200, 1), set));
    ASSERT_FALSE(read_record_line(result_line("000000000000000c", 20, 5, 200, 1), set));
    const auto s = merge_records(set);
    EXPECT_DOUBLE_EQ(s.elapsed_ms, 40);
    EXPECT_EQ(s.connections_reused, 2U);
}

}  // namespace
}  // namespace asyncfetch
