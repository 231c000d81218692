// --har FILE: a run as an HTTP Archive 1.2, one entry per request (redirect hops and retries included).
#pragma once

#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/runner.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// One URL of a pass: its result and the exchanges its fetch made (none when it failed before a
/// request, e.g. an invalid URL).
struct har_url
{
    fetch_result result;
    std::vector<exchange_record> exchanges;
};

/// One pass of a run. A HAR of one pass has no pages; with several (--compare) each is a page.
struct har_pass
{
    std::string name;                                  ///< "concurrent", "sequential"
    std::chrono::system_clock::time_point started_at;  ///< the pass's start (run_summary::started_at)
    std::vector<har_url> urls;
};

/// The HAR document of the passes: log.version "1.2", creator asyncfetch and version, an entry per
/// exchange in start order. A URL without exchanges is one entry with response status 0; a failed
/// URL's last entry carries "_error" and "_error_kind". method: the run's method, for such entries.
/// secrets: the cookies arrays are filled from Cookie and Set-Cookie (else left empty).
std::string format_har(const std::vector<har_pass>& passes,
                       std::string_view method,
                       std::string_view version,
                       bool secrets);

/// --har's exchange log: keeps each URL's exchanges until its result arrives, and hands -v and -D
/// on to another log (null: none).
class har_recorder final : public exchange_log
{
public:
    har_recorder(exchange_log* inner, bool secrets) noexcept;

    void verbose(std::string_view lines) override;
    void headers(std::string_view block) override;
    void exchanges(std::size_t index, std::vector<exchange_record>&& hops) override;

    /// next, keeping each result with its exchanges first.
    result_sink keeping(result_sink next);

    /// Ends a pass: its URLs become a har_pass.
    void end_pass(std::string name, std::chrono::system_clock::time_point started_at);

    /// The passes so far, with --runs only the last run's (clear() between runs).
    const std::vector<har_pass>& passes() const noexcept { return passes_; }
    void clear() { passes_.clear(); }

private:
    exchange_log* inner_;
    std::mutex mutex_;
    std::map<std::size_t, std::vector<exchange_record>> waiting_;
    std::vector<har_url> urls_;
    std::vector<har_pass> passes_;
};

}  // namespace asyncfetch
