// The command line's values before they are checked, and the checks that move them into the options.
#pragma once

#include "asyncfetch/options.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch::detail {

/// What the command line gives before it is checked and moved into the options.
struct raw_values
{
    std::vector<std::string> urls;  ///< the plain URL arguments, after those of --url
    std::string format;
    bool json = false;
    bool sequential = false;
    bool compare = false;
    double connect_timeout_s = 10;
    double timeout_s = 30;
    bool head = false;
    bool ipv4 = false;
    bool ipv6 = false;
    std::string method;
    std::string user_agent;
    std::vector<std::string> headers;
    std::vector<std::string> resolves;
    std::string dns_servers;
    std::string max_filesize;
    std::optional<std::string> noproxy;
    double retry_delay_s = 1;
    std::string rate;
    std::string rate_per_host;
    bool fail_fast = false;
    double retry_max_time_s = 0;
    std::size_t happy_eyeballs_ms = 250;
};

/// The timeouts in milliseconds; an error message when one is out of range.
std::optional<std::string> apply_timeouts(options& o, const raw_values& raw);

/// URLs, method, headers, --resolve, --max-filesize and the user agent; a usage message on the first
/// problem.
std::optional<std::string> apply_request_values(options& o, const raw_values& raw);

/// Retries, proxies, address family, failure limits, rates, mode, format and where URLs come from; a
/// usage message on the first problem.
std::optional<std::string> apply_run_values(options& o, const raw_values& raw, terminal_info term);

}  // namespace asyncfetch::detail
