// The client and one URL's fetch: its attempts under --retry, with backoff, around the rules of an attempt.
#include "asyncfetch/fetch.hpp"

#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/retry.hpp"
#include "client_impl.hpp"
#include "http_date.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::ms_between;
using detail::set_error;
using detail::set_stopped;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

/// The end of a traced fetch: under -v its outcome, under -D its block of response heads.
void end_trace(detail::fetch_trace& trace, const fetch_result& r)
{
    if (trace.verbose)
    {
        std::string line = r.ok() ? "Done: " : "Failed: ";
        if (!r.ok())
            line.append(to_string(r.kind)).append(": ").append(r.error).append(", ");
        line += r.status ? std::to_string(r.status) : "no response";
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.1f", r.time_ms);
        line += ", " + std::to_string(r.bytes) + " bytes in " + ms + " ms";
        detail::trace_line(trace.lines, trace.index, '*', line);
        trace.flush();
    }
    if (trace.headers && !trace.dump.empty())
        trace.log.headers(trace.dump);
    if (trace.exchanges)
        trace.log.exchanges(trace.index, std::move(trace.hops));
}

/// What a conditional request sends for a URL (--state, then -N from the saved file's time); nullopt
/// for an unconditional one. Only GET and HEAD are conditional, and never when the body is to be
/// saved to a file that is not there: a 304 would leave nothing.
std::optional<validators> conditions_for(const client_config& cfg,
                                         const std::string& url,
                                         const std::string& file)
{
    if ((!cfg.conditions && !cfg.timestamping) ||
        (cfg.request.method != "GET" && cfg.request.method != "HEAD"))
        return std::nullopt;
    const bool saved = !file.empty() && !is_special_output(file);
    struct stat st
    {
    };
    if (saved && ::stat(file.c_str(), &st) != 0)
        return std::nullopt;
    if (cfg.conditions)
    {
        auto it = cfg.conditions->find(redact_userinfo(url));
        if (it != cfg.conditions->end() && !it->second.empty())
            return it->second;
    }
    if (cfg.timestamping && saved && S_ISREG(st.st_mode))
        return validators{{}, detail::format_http_date(st.st_mtime)};
    return std::nullopt;
}

/// -N: a body just saved takes the Last-Modified time of its response, as wget's files do.
void stamp_file(const fetch_result& r)
{
    const auto when = detail::parse_http_date(r.last_modified);
    if (!when || r.file.empty() || is_special_output(r.file))
        return;
    const timespec times[2] = {{0, UTIME_NOW}, {*when, 0}};
    // A file whose time cannot be set is still the right body; the next run just fetches it again.
    ::utimensat(AT_FDCWD, r.file.c_str(), times, 0);
}

/// The result as the fetch gives it: the user-info dropped from every URL it shows (a record never
/// carries a password), and under -v or -D its trace ended.
void finish(fetch_result& r, detail::fetch_trace* trace)
{
    // In place, and only where there is an '@' to end user-info: most texts have none.
    for (std::string* text : {&r.url, &r.final_url, &r.error})
        if (text->find('@') != std::string::npos)
            *text = redact_userinfo(*text);
    if (trace)
        end_trace(*trace, r);
}

/// A new attempt starts from a clean result; the URL and the -o file name stay.
void start_again(fetch_result& r)
{
    fetch_result next;
    next.index = r.index;
    next.url = std::move(r.url);
    next.final_url = next.url;
    next.file = std::move(r.file);
    r = std::move(next);
}
}  // namespace

client::client(net::any_io_executor ex, tls_source tls, client_config config)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(tls), std::move(config)))
{
}

client::~client() = default;

void client::close_idle_multiplexed() noexcept { impl_->pool.close_busy_idle(); }

void client::cancel_all(stop_reason why)
{
    impl_->stopped = why;
    // Sessions in use and connects in flight end at once; their sessions are never pooled again.
    impl_->connect.cancel_all();
    impl_->pool.cancel_all();
}

client_counters client::counters() const noexcept
{
    return {impl_->pool.opened(),
            impl_->requests_reused,
            impl_->connect.tls_handshakes(),
            impl_->dns.lookups(),
            impl_->connect.tls_resumed()};
}

net::awaitable<fetch_result> client::fetch(std::size_t index, std::string url_text)
{
    fetch_result r;
    co_await fetch_into(index, std::move(url_text), r);
    co_return r;
}

// The coroutine frame holds only what lives across an attempt: the result is the caller's, and the
// rare paths (a retry's fresh result, the wait before it) are functions of their own, so the frame
// stays small enough for Asio to recycle (at most 1,020 bytes) instead of a malloc per URL.
net::awaitable<void> client::fetch_into(std::size_t index,
                                        std::string&& url_text,
                                        fetch_result& r,
                                        clock_type::time_point start)
{
    r.index = index;
    r.url = std::move(url_text);
    r.final_url = r.url;
    // Only -v and -D make one: a fetch without them allocates nothing for it.
    std::unique_ptr<detail::fetch_trace> trace;
    if (impl_->cfg.log) [[unlikely]]
        trace = std::make_unique<detail::fetch_trace>(*impl_->cfg.log, index, start);

    auto parsed = parse_url(r.url);
    if (!parsed)
    {
        // The record names an overlong line by its start, not by megabytes of it.
        if (parsed.error() == errc::url_too_long)
            r.final_url = r.url = r.url.substr(0, 100) + "...";
        set_error(r, error_kind::invalid_url, describe(parsed.error()));
        r.time_ms = ms_between(start, clock_type::now());
        co_return finish(r, trace.get());
    }

    if (impl_->stopped)
    {
        set_stopped(r, *impl_->stopped);
        co_return finish(r, trace.get());
    }
    const auto& cfg = impl_->cfg;
    r.file = output_path(cfg.outputs, cfg.remote_name_all, cfg.output_dir, index, *parsed, impl_->names);
    if (cfg.no_clobber && !is_special_output(r.file) && output_exists(r.file))
    {
        set_error(r, error_kind::skipped, "not fetched: " + r.file + " exists (--no-clobber)");
        co_return finish(r, trace.get());
    }
    const auto conditions = conditions_for(cfg, r.url, r.file);
    for (unsigned n = 1;; ++n)
    {
        if (n > 1)
            start_again(r);
        r.attempts = n;
        std::optional<std::chrono::milliseconds> retry_after;
        co_await impl_->attempt(*parsed,
                                r,
                                start,
                                (n == 1 ? start : clock_type::now()) + impl_->cfg.timeout,
                                retry_after,
                                trace.get(),
                                conditions ? &*conditions : nullptr);
        if (trace) [[unlikely]]
            trace->end_hop(r.wire_bytes, r.bytes, &r);
        if (!impl_->may_retry(r, n) || !co_await impl_->wait_to_retry(r, n, start, retry_after, trace.get()))
            break;
    }
    r.time_ms = ms_between(start, clock_type::now());
    // A URL that failed before its body was saved reports no file.
    if (r.failed() && !r.file.empty() && (is_special_output(r.file) || !output_exists(r.file)))
        r.file.clear();
    if (cfg.timestamping && r.ok() && !r.not_modified && r.status >= 200 && r.status < 300)
        stamp_file(r);
    finish(r, trace.get());
}

bool client::impl::may_retry(const fetch_result& r, unsigned attempts) const
{
    return attempts <= cfg.retry.retries && (cfg.retry.all_methods || is_idempotent(cfg.request.method)) &&
           is_retryable(r) && !stopped;
}

net::awaitable<bool> client::impl::wait_to_retry(fetch_result& r,
                                                 unsigned attempts,
                                                 clock_type::time_point start,
                                                 std::optional<std::chrono::milliseconds> retry_after,
                                                 detail::fetch_trace* trace)
{
    const auto& policy = cfg.retry;
    const auto wait = retry_wait(attempts,
                                 policy.base_delay,
                                 std::uniform_real_distribution<double>(0, 1)(rng),
                                 retry_after);
    if (policy.max_time.count() > 0 && clock_type::now() + wait - start > policy.max_time)
        co_return false;
    if (trace && trace->verbose) [[unlikely]]
    {
        detail::trace_line(trace->lines,
                           r.index,
                           '*',
                           std::string(to_string(r.kind)) + ": " + r.error + "; retrying in " +
                               std::to_string(wait.count()) + " ms");
        trace->flush();
    }
    net::steady_timer timer(executor, wait);
    auto [ec] = co_await timer.async_wait(token);
    if (ec)
    {
        // Stopped while waiting to retry: the URL ends as stopped, not with the last attempt's error.
        if (stopped)
            set_stopped(r, *stopped);
        co_return false;
    }
    co_return true;
}

}  // namespace asyncfetch
