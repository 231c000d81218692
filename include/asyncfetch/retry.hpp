// Retry policy for --retry: which failures are transient, how long to wait, Retry-After.
#pragma once

#include "asyncfetch/result.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace asyncfetch {

/// --retry settings.
struct retry_policy
{
    unsigned retries = 0;                        ///< --retry N: extra attempts after the first
    std::chrono::milliseconds base_delay{1000};  ///< --retry-delay: the first wait, doubled each time
    std::chrono::milliseconds max_time{0};  ///< --retry-max-time: no retry starts past this; 0 = no limit
    bool all_methods = false;               ///< --retry-all-methods: retry non-idempotent methods too
};

/// Longest wait between attempts, Retry-After included.
inline constexpr std::chrono::milliseconds max_retry_wait{300'000};

/// HTTP statuses worth another attempt: 408, 429, 500, 502, 503, 504.
bool is_retryable_status(unsigned status) noexcept;

/// A result worth another attempt: connect errors, timeouts, or a retryable status.
bool is_retryable(const fetch_result& r) noexcept;

/// Methods safe to send twice (RFC 9110 section 9.2.2).
bool is_idempotent(std::string_view method) noexcept;

/// Parses Retry-After: delay-seconds or an HTTP-date (relative to now). Nothing when invalid.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

/// The wait before retry number n (1 for the first retry): base * 2^(n-1) plus up to a quarter of
/// that as jitter (jitter01 in [0, 1)), at least retry_after when the server sent one, capped at
/// max_retry_wait.
std::chrono::milliseconds retry_wait(unsigned n,
                                     std::chrono::milliseconds base,
                                     double jitter01,
                                     std::optional<std::chrono::milliseconds> retry_after);

}  // namespace asyncfetch
