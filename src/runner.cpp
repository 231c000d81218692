// The runner: N worker coroutines pull URLs from the source and share one client.
#include "asyncfetch/runner.hpp"

#include "asyncfetch/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace asyncfetch {

namespace net = boost::asio;

namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto token = net::as_tuple(net::use_awaitable);

/// State shared by the workers of one pass. Everything runs on one thread.
struct pass_state
{
    pass_state(net::io_context& ioc, client& c, const run_config& cfg, url_source& s, const result_sink& k)
        : ioc(ioc), client(c), config(cfg), src(s), sink(k)
    {
    }

    /// Counts r and emits it (held back under --keep-order, then moved from).
    void deliver(fetch_result& r)
    {
        summary.add(r);
        const bool failed = r.failed();
        if (!config.keep_order)
            emit(r);
        else
        {
            // Held until every earlier index has been emitted.
            held.emplace(r.index, std::move(r));
            while (!stopped && !held.empty() && held.begin()->first == next_emit)
            {
                emit(held.begin()->second);
                held.erase(held.begin());
                ++next_emit;
            }
        }
        if (failed && config.max_failures > 0 && summary.failed >= config.max_failures && !stopped)
        {
            gave_up = true;
            stop();
        }
    }

    void emit(const fetch_result& r)
    {
        // After an interrupt the fetches in flight still end with their records ("interrupted").
        if ((!stopped || interrupted) && !output_closed && !sink(r))
        {
            output_closed = true;
            stop();
        }
    }

    /// Stops starting fetches and cancels those in flight: their results are dropped, unless the
    /// reason is an interrupt.
    void stop(stop_reason why = stop_reason::cancelled)
    {
        if (stopped)
            return;
        stopped = true;
        // Sockets are cancelled directly (Beast's streams do not pass per-operation cancellation
        // on in 1.81); the signals reach timers and waits in the pool.
        client.cancel_all(why);
        for (std::size_t i = 0; i < worker_count; ++i)
            signals[i].emit(net::cancellation_type::terminal);
        if (ticker)
            ticker->cancel();
    }

    /// After an interrupt, results already finished but held for --keep-order are still printed.
    void flush_held()
    {
        for (auto& [index, r] : held)
            if (!output_closed && !sink(r))
                output_closed = true;
        held.clear();
    }

    /// Waits for the next start slot allowed by --rate and --rate-per-host.
    net::awaitable<bool> pace(const std::string& url)
    {
        auto slot = clock_type::now();
        const auto gap = [](double rate) {
            return std::chrono::duration_cast<clock_type::duration>(
                std::chrono::duration<double>(1.0 / rate));
        };
        clock_type::time_point* host_next = nullptr;
        if (config.rate > 0)
            slot = std::max(slot, next_start);
        if (config.rate_per_host > 0)
        {
            host_next = &next_host_start[rate_bucket_of(url)];
            slot = std::max(slot, *host_next);
        }
        // Reserve the slot before sleeping, so concurrent workers queue behind it.
        if (config.rate > 0)
            next_start = slot + gap(config.rate);
        if (host_next)
            *host_next = slot + gap(config.rate_per_host);
        if (slot <= clock_type::now())
            co_return true;
        net::steady_timer t(ioc, slot);
        auto [ec] = co_await t.async_wait(token);
        co_return !ec && !stopped;
    }

    progress_snapshot snapshot(bool final) const
    {
        progress_snapshot p;
        p.done = summary.count;
        p.in_flight = in_flight;
        p.failed = summary.failed;
        p.bytes = summary.bytes;
        p.elapsed_s = std::chrono::duration<double>(clock_type::now() - start).count();
        p.final = final;
        if (auto left = src.remaining())
            p.total = summary.count + in_flight + *left;
        return p;
    }

    net::io_context& ioc;
    asyncfetch::client& client;
    const run_config& config;
    url_source& src;
    const result_sink& sink;
    clock_type::time_point start = clock_type::now();
    std::size_t next_index = 0;
    std::size_t next_emit = 0;
    std::size_t in_flight = 0;
    std::size_t active_workers = 0;
    std::size_t running = 0;  // coroutines of the pass (workers and helpers) not yet completed
    std::map<std::size_t, fetch_result> held;
    run_summary summary;
    bool stopped = false;
    bool output_closed = false;
    bool interrupted = false;
    int signal = 0;  // the signal that interrupted the pass
    bool gave_up = false;
    bool progress_shown = false;
    std::size_t worker_count = 0;
    std::unique_ptr<net::cancellation_signal[]> signals;
    clock_type::time_point next_start{};
    std::unordered_map<std::string, clock_type::time_point> next_host_start;
    std::optional<net::steady_timer> ticker;
    std::optional<net::steady_timer> flusher;
    std::optional<net::signal_set> interrupt;
    std::optional<net::signal_set> second_interrupt;

    /// Ends the helper coroutines and handlers, so io_context::run() can return.
    void end_helpers()
    {
        boost::system::error_code ignored;
        if (ticker)
            ticker->cancel();
        if (flusher)
            flusher->cancel();
        if (interrupt)
            interrupt->cancel(ignored);
        if (second_interrupt)
            second_interrupt->cancel(ignored);
    }
};

net::awaitable<void> worker(pass_state& st)
{
    // Cancellation shows up as operation_aborted results, not as exceptions out of co_await.
    co_await net::this_coro::throw_if_cancelled(false);
    while (!st.stopped)
    {
        std::optional<std::string> text;
        if (!st.src.try_next(text))
            text = co_await st.src.async_next();
        if (!text)
            break;
        const std::size_t index = st.next_index++;
        if ((st.config.rate > 0 || st.config.rate_per_host > 0) && !co_await st.pace(*text))
            break;
        ++st.in_flight;
        const auto started = clock_type::now();
        fetch_result r;
        try
        {
            co_await st.client.fetch_into(index, std::move(*text), r, started);
        }
        catch (const std::exception& e)
        {
            // Not a network failure (those are values): still one result for this URL, whose text
            // is in r.url once the fetch started, else still in *text.
            const std::string url_text = r.url.empty() ? std::move(*text) : std::move(r.url);
            r = fetch_result{};
            r.index = index;
            r.url = redact_userinfo(url_text);
            r.kind = error_kind::io;
            r.error = std::string("internal error: ") + e.what();
        }
        --st.in_flight;
        r.start_ms = std::chrono::duration<double, std::milli>(started - st.start).count();
        r.run_id = st.config.run_id;
        if (st.stopped && !st.interrupted)
            break;
        st.deliver(r);
    }
    // The last worker out ends the helpers; the pass ends when they have completed.
    if (--st.active_workers == 0)
        st.end_helpers();
}

net::awaitable<void> report_progress(pass_state& st)
{
    st.ticker->expires_after(st.config.progress_delay);
    // Checked right before each wait: end_helpers() only cancels a wait that is pending.
    while (st.active_workers > 0 && !st.stopped)
    {
        auto [ec] = co_await st.ticker->async_wait(token);
        if (ec || st.active_workers == 0)
            break;
        st.progress_shown = true;
        st.config.on_progress(st.snapshot(false));
        st.ticker->expires_after(st.config.progress_interval);
    }
}

net::awaitable<void> flush_output(pass_state& st)
{
    while (st.active_workers > 0 && !st.stopped)
    {
        st.flusher->expires_after(st.config.flush_interval);
        auto [ec] = co_await st.flusher->async_wait(token);
        if (ec || st.stopped)
            break;
        if (!st.config.on_flush())
        {
            st.output_closed = true;
            st.stop();
        }
    }
}

net::awaitable<void> watch_interrupt(pass_state& st)
{
    if (st.active_workers == 0)
        co_return;
    auto [ec, signo] = co_await st.interrupt->async_wait(token);
    if (ec)
        co_return;
    st.interrupted = true;
    st.signal = signo;
    st.stop(stop_reason::interrupted);
    // A second Ctrl-C while the pass winds down leaves at once, as shells expect.
    st.second_interrupt.emplace(st.ioc, SIGINT, SIGTERM);
    st.second_interrupt->async_wait([](boost::system::error_code e, int second) {
        if (!e)
            std::_Exit(128 + second);
    });
}

}  // namespace

std::uint64_t new_run_id()
{
    std::random_device seed;
    std::mt19937_64 gen((std::uint64_t{seed()} << 32) ^ seed() ^
                        static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count()));
    std::uint64_t id = 0;
    while (id == 0)
        id = gen();
    return id;
}

std::string rate_bucket_of(std::string_view url_text)
{
    if (auto u = parse_url(url_text))
        return u->origin();
    return origin_of(url_text);
}

pass_outcome run_pass(net::io_context& ioc,
                      client& shared,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink)
{
    const auto before = shared.counters();
    pass_state st(ioc, shared, config, src, sink);
    st.summary.started_at = std::chrono::system_clock::now();
    st.summary.run_id = config.run_id;
    st.worker_count = std::max<std::size_t>(config.concurrency, 1);
    st.active_workers = st.worker_count;
    st.signals = std::make_unique<net::cancellation_signal[]>(st.worker_count);
    // The last of them stops the io_context's run() below.
    const auto completed = [&st](std::exception_ptr) {
        if (--st.running == 0)
            st.ioc.stop();
    };
    st.running = st.worker_count;
    for (std::size_t i = 0; i < st.worker_count; ++i)
        net::co_spawn(ioc, worker(st), net::bind_cancellation_slot(st.signals[i].slot(), completed));
    if (config.on_progress)
    {
        st.ticker.emplace(ioc);
        ++st.running;
        net::co_spawn(ioc, report_progress(st), completed);
    }
    if (config.on_flush)
    {
        st.flusher.emplace(ioc);
        ++st.running;
        net::co_spawn(ioc, flush_output(st), completed);
    }
    if (config.stop_on_interrupt)
    {
        st.interrupt.emplace(ioc, SIGINT, SIGTERM);
        ++st.running;
        net::co_spawn(ioc, watch_interrupt(st), completed);
    }
    // Until the pass's own coroutines complete, not until the io_context runs out of work: idle
    // HTTP/2 connections keep a read pending, and a shared client (--warm) keeps them for the next
    // pass. One run(), not a run_one() loop: each run_one() call makes and destroys the thread's
    // state, and with it Asio's cache of recycled handler memory.
    ioc.restart();
    ioc.run();

    if (st.interrupted)
        st.flush_held();
    if (st.progress_shown)
        config.on_progress(st.snapshot(true));

    pass_outcome out;
    out.summary = st.summary;
    out.summary.elapsed_ms = std::chrono::duration<double, std::milli>(clock_type::now() - st.start).count();
    const auto after = shared.counters();
    out.summary.connections_opened = after.connections_opened - before.connections_opened;
    out.summary.connections_reused = after.connections_reused - before.connections_reused;
    out.summary.tls_handshakes = after.tls_handshakes - before.tls_handshakes;
    out.summary.dns_lookups = after.dns_lookups - before.dns_lookups;
    out.stopped = st.output_closed;
    out.interrupted = st.interrupted;
    out.signal = st.signal;
    out.gave_up = st.gave_up;
    return out;
}

pass_outcome run_pass(net::io_context& ioc,
                      tls_source tls,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink)
{
    client fresh(ioc.get_executor(), std::move(tls), config.client);
    auto out = run_pass(ioc, fresh, config, src, sink);
    // Its idle HTTP/2 connections close with it; their readers end when the io_context runs next.
    fresh.close_idle_multiplexed();
    return out;
}

}  // namespace asyncfetch
