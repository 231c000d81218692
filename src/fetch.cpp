// The client and one URL's fetch: its attempts under --retry, with backoff, around the rules of an attempt.
#include "asyncfetch/fetch.hpp"

#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/retry.hpp"
#include "client_impl.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <memory>
#include <random>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::ms_between;
using detail::set_error;

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
}

}  // namespace

client::client(net::any_io_executor ex, tls_source tls, client_config config)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(tls), std::move(config)))
{
}

client::~client() = default;

void client::close_idle_multiplexed() noexcept { impl_->pool.close_busy_idle(); }

void client::cancel_all()
{
    impl_->cancelled = true;
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
    // Only -v and -D make one: a fetch without them allocates nothing for it.
    std::unique_ptr<detail::fetch_trace> trace;
    if (impl_->cfg.log) [[unlikely]]
        trace = std::make_unique<detail::fetch_trace>(*impl_->cfg.log, index);

    auto parsed = parse_url(r.url);
    if (!parsed)
    {
        set_error(r, error_kind::invalid_url, describe(parsed.error()));
        r.time_ms = ms_between(start, clock_type::now());
        if (trace)
            end_trace(*trace, r);
        co_return r;
    }

    if (impl_->cancelled)
    {
        set_error(r, error_kind::io, "cancelled");
        if (trace)
            end_trace(*trace, r);
        co_return r;
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
        co_await impl_
            ->attempt(*parsed, r, start, clock_type::now() + impl_->cfg.timeout, retry_after, trace.get());
        if (n > policy.retries || !may_retry || !is_retryable(r) || r.error == "cancelled")
            break;
        const auto wait = retry_wait(n,
                                     policy.base_delay,
                                     std::uniform_real_distribution<double>(0, 1)(impl_->rng),
                                     retry_after);
        if (policy.max_time.count() > 0 && clock_type::now() + wait - start > policy.max_time)
            break;
        if (trace && trace->verbose) [[unlikely]]
        {
            detail::trace_line(trace->lines,
                               index,
                               '*',
                               std::string(to_string(r.kind)) + ": " + r.error + "; retrying in " +
                                   std::to_string(wait.count()) + " ms");
            trace->flush();
        }
        net::steady_timer timer(impl_->executor, wait);
        auto [ec] = co_await timer.async_wait(token);
        if (ec)
            break;
    }
    r.time_ms = ms_between(start, clock_type::now());
    if (trace)
        end_trace(*trace, r);
    co_return r;
}

}  // namespace asyncfetch
