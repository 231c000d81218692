// The client and one URL's fetch: its attempts under --retry, with backoff, around the rules of an attempt.
#include "asyncfetch/fetch.hpp"

#include "asyncfetch/retry.hpp"
#include "client_impl.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::ms_between;
using detail::set_error;
using detail::set_stopped;

namespace {
constexpr auto token = net::as_tuple(net::use_awaitable);

/// Drops the user-info of every URL the result shows: a record never carries a password.
fetch_result redacted(fetch_result r)
{
    r.url = redact_userinfo(r.url);
    r.final_url = redact_userinfo(r.final_url);
    r.error = redact_userinfo(r.error);
    return r;
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
    const auto start = clock_type::now();
    fetch_result r;
    r.index = index;
    r.url = std::move(url_text);
    r.final_url = r.url;

    auto parsed = parse_url(r.url);
    if (!parsed)
    {
        // The record names an overlong line by its start, not by megabytes of it.
        if (parsed.error() == errc::url_too_long)
            r.final_url = r.url = r.url.substr(0, 100) + "...";
        set_error(r, error_kind::invalid_url, describe(parsed.error()));
        r.time_ms = ms_between(start, clock_type::now());
        co_return redacted(std::move(r));
    }

    if (impl_->stopped)
    {
        set_stopped(r, *impl_->stopped);
        co_return redacted(std::move(r));
    }
    const auto& cfg = impl_->cfg;
    r.file = output_path(cfg.outputs, cfg.remote_name_all, cfg.output_dir, index, *parsed, impl_->names);
    if (cfg.no_clobber && !is_special_output(r.file) && output_exists(r.file))
    {
        set_error(r, error_kind::skipped, "not fetched: " + r.file + " exists (--no-clobber)");
        co_return redacted(std::move(r));
    }
    const auto& policy = impl_->cfg.retry;
    const bool may_retry = policy.all_methods || is_idempotent(impl_->cfg.request.method);
    for (unsigned n = 1;; ++n)
    {
        if (n > 1)
        {
            // A new attempt starts from a clean result; the URL and the -o file name stay.
            fetch_result next;
            next.index = r.index;
            next.url = std::move(r.url);
            next.final_url = next.url;
            next.file = std::move(r.file);
            r = std::move(next);
        }
        r.attempts = n;
        std::optional<std::chrono::milliseconds> retry_after;
        co_await impl_->attempt(*parsed, r, start, clock_type::now() + impl_->cfg.timeout, retry_after);
        if (n > policy.retries || !may_retry || !is_retryable(r) || impl_->stopped)
            break;
        const auto wait = retry_wait(n,
                                     policy.base_delay,
                                     std::uniform_real_distribution<double>(0, 1)(impl_->rng),
                                     retry_after);
        if (policy.max_time.count() > 0 && clock_type::now() + wait - start > policy.max_time)
            break;
        net::steady_timer timer(impl_->executor, wait);
        auto [ec] = co_await timer.async_wait(token);
        if (ec)
        {
            // Stopped while waiting to retry: the URL ends as stopped, not with the last attempt's error.
            if (impl_->stopped)
                set_stopped(r, *impl_->stopped);
            break;
        }
    }
    r.time_ms = ms_between(start, clock_type::now());
    // A URL that failed before its body was saved reports no file.
    if (r.failed() && !r.file.empty() && (is_special_output(r.file) || !output_exists(r.file)))
        r.file.clear();
    co_return redacted(std::move(r));
}

}  // namespace asyncfetch
