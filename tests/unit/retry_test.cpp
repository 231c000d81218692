// The retry policy: what is retried, Retry-After parsing and the wait before each attempt.
#include "asyncfetch/retry.hpp"

#include "asyncfetch/error.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace asyncfetch {
namespace {

using std::chrono::milliseconds;

TEST(retry, retryable_statuses)
{
    for (unsigned s : {408u, 429u, 500u, 502u, 503u, 504u})
        EXPECT_TRUE(is_retryable_status(s)) << s;
    for (unsigned s : {0u, 200u, 204u, 301u, 400u, 404u, 409u, 501u, 505u})
        EXPECT_FALSE(is_retryable_status(s)) << s;
}

fetch_result result_of(error_kind kind, unsigned status = 0)
{
    fetch_result r;
    r.kind = kind;
    r.status = status;
    return r;
}

TEST(retry, retryable_results)
{
    EXPECT_TRUE(is_retryable(result_of(error_kind::connect)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::timeout)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::dns)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::tls)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::invalid_url)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::none, 503)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::http, 503)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::http, 429)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::none, 200)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::http, 404)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::none, 501)));
}

TEST(retry, idempotent_methods)
{
    for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
        EXPECT_TRUE(is_idempotent(m)) << m;
    for (const char* m : {"POST", "PATCH", "CONNECT", "", "get"})
        EXPECT_FALSE(is_idempotent(m)) << m;
}

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date.
const auto fixed_now = std::chrono::system_clock::from_time_t(784111777);

TEST(parse_retry_after, delay_seconds)
{
    EXPECT_EQ(parse_retry_after("120", fixed_now), milliseconds(120'000));
    EXPECT_EQ(parse_retry_after(" 5 ", fixed_now), milliseconds(5'000));
    EXPECT_EQ(parse_retry_after("0", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("99999999999", fixed_now), max_retry_wait);
}

TEST(parse_retry_after, invalid_values)
{
    for (std::string_view bad :
         {"abc", "", "   ", "-5", "1.5", "5s", "Sun, 06 Nov 1994 08:49:37", "tomorrow"})
        EXPECT_EQ(parse_retry_after(bad, fixed_now), std::nullopt) << "'" << bad << "'";
}

TEST(parse_retry_after, http_date)
{
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", fixed_now), milliseconds(30'000));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:07 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Sat, 01 Jan 1994 00:00:00 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", fixed_now), milliseconds(86'400'000));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", fixed_now + milliseconds(500)),
              milliseconds(29'500));
}

TEST(retry_wait, doubles_from_the_base)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, std::nullopt), milliseconds(1000));
    EXPECT_EQ(retry_wait(2, milliseconds(1000), 0, std::nullopt), milliseconds(2000));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 0, std::nullopt), milliseconds(4000));
    EXPECT_EQ(retry_wait(4, milliseconds(250), 0, std::nullopt), milliseconds(2000));
}

TEST(retry_wait, jitter_adds_up_to_a_quarter)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 1.0, std::nullopt), milliseconds(1250));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0.5, std::nullopt), milliseconds(1125));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 1.0, std::nullopt), milliseconds(5000));
    // Out-of-range jitter is clamped.
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 7.0, std::nullopt), milliseconds(1250));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), -1.0, std::nullopt), milliseconds(1000));
}

TEST(retry_wait, retry_after_is_a_minimum)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, milliseconds(10'000)), milliseconds(10'000));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 0, milliseconds(500)), milliseconds(4000));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 1.0, milliseconds(0)), milliseconds(1250));
}

TEST(retry_wait, capped_at_max_retry_wait)
{
    EXPECT_EQ(max_retry_wait, milliseconds(300'000));
    EXPECT_EQ(retry_wait(20, milliseconds(1000), 0, std::nullopt), max_retry_wait);
    EXPECT_EQ(retry_wait(1000, milliseconds(1000), 0.9, std::nullopt), max_retry_wait);
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, milliseconds(1'000'000)), max_retry_wait);
    EXPECT_EQ(retry_wait(9, milliseconds(1000), 0, std::nullopt), milliseconds(256'000));
    EXPECT_EQ(retry_wait(9, milliseconds(1000), 1.0, std::nullopt), max_retry_wait);
}

}  // namespace
}  // namespace asyncfetch
