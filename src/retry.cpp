// Retry policy: transient failures, exponential backoff with jitter, and Retry-After.
#include "asyncfetch/retry.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>

namespace asyncfetch {

bool is_retryable_status(unsigned status) noexcept
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_retryable(const fetch_result& r) noexcept
{
    if (r.kind == error_kind::connect || r.kind == error_kind::timeout)
        return true;
    if (r.kind == error_kind::none || r.kind == error_kind::http)
        return is_retryable_status(r.status);
    return false;
}

bool is_idempotent(std::string_view method) noexcept
{
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
           method == "OPTIONS" || method == "TRACE";
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now)
{
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ')
        value.remove_suffix(1);
    if (value.empty())
        return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    {
        if (value.size() > 9)
            return max_retry_wait;
        return std::chrono::milliseconds(std::stoll(std::string(value)) * 1000);
    }
    // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    const std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (when <= now)
        return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

std::chrono::milliseconds retry_wait(unsigned n,
                                     std::chrono::milliseconds base,
                                     double jitter01,
                                     std::optional<std::chrono::milliseconds> retry_after)
{
    const double exponent = std::min<unsigned>(n == 0 ? 0 : n - 1, 30);
    double wait = static_cast<double>(base.count()) * std::pow(2.0, exponent);
    wait += wait / 4 * std::clamp(jitter01, 0.0, 1.0);
    if (retry_after)
        wait = std::max(wait, static_cast<double>(retry_after->count()));
    wait = std::min(wait, static_cast<double>(max_retry_wait.count()));
    return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

}  // namespace asyncfetch
