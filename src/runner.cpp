// The runner: N worker coroutines pull URLs from the source and share one client.
#include "asyncfetch/runner.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <istream>
#include <map>
#include <memory>

namespace asyncfetch {

namespace net = boost::asio;

std::optional<std::string> vector_source::next()
{
    if (pos_ >= urls_.size())
        return std::nullopt;
    return urls_[pos_++];
}

std::optional<std::string> line_source::next()
{
    std::string line;
    while (std::getline(in_, line))
    {
        const auto first = line.find_first_not_of(" \t\r\n");
        if (first == std::string::npos || line[first] == '#')
            continue;
        const auto last = line.find_last_not_of(" \t\r\n");
        return line.substr(first, last - first + 1);
    }
    return std::nullopt;
}

std::optional<std::string> chained_source::next()
{
    for (; pos_ < parts_.size(); ++pos_)
        if (auto u = parts_[pos_]->next())
            return u;
    return std::nullopt;
}

namespace {

/// State shared by the workers of one pass. Everything runs on one thread.
struct pass_state
{
    pass_state(net::io_context& ioc, net::ssl::context& tls, const run_config& cfg, url_source& s, const result_sink& k)
        : client(ioc.get_executor(), tls, cfg.client), src(s), sink(k), keep_order(cfg.keep_order)
    {
    }

    void deliver(fetch_result r)
    {
        summary.add(r);
        if (!keep_order)
            return emit(r);
        // Held until every earlier index has been emitted.
        held.emplace(r.index, std::move(r));
        while (!stopped && !held.empty() && held.begin()->first == next_emit)
        {
            emit(held.begin()->second);
            held.erase(held.begin());
            ++next_emit;
        }
    }

    void emit(const fetch_result& r)
    {
        if (!stopped && !sink(r))
            stop();
    }

    void stop()
    {
        stopped = true;
        for (std::size_t i = 0; i < worker_count; ++i)
            signals[i].emit(net::cancellation_type::terminal);
    }

    asyncfetch::client client;
    url_source& src;
    const result_sink& sink;
    bool keep_order;
    std::size_t next_index = 0;
    std::size_t next_emit = 0;
    std::map<std::size_t, fetch_result> held;
    run_summary summary;
    bool stopped = false;
    std::size_t worker_count = 0;
    std::unique_ptr<net::cancellation_signal[]> signals;
};

net::awaitable<void> worker(pass_state& st)
{
    while (!st.stopped)
    {
        auto text = st.src.next();
        if (!text)
            break;
        const std::size_t index = st.next_index++;
        fetch_result r;
        try
        {
            r = co_await st.client.fetch(index, *text);
        }
        catch (const std::exception& e)
        {
            // Not a network failure (those are values): still one result for this URL.
            r = fetch_result{};
            r.index = index;
            r.url = std::move(*text);
            r.kind = error_kind::io;
            r.error = std::string("internal error: ") + e.what();
        }
        if (st.stopped)
            break;
        st.deliver(std::move(r));
    }
}

}  // namespace

pass_outcome run_pass(net::io_context& ioc,
                      net::ssl::context& tls,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink)
{
    const auto start = std::chrono::steady_clock::now();
    pass_state st(ioc, tls, config, src, sink);
    st.worker_count = std::max<std::size_t>(config.concurrency, 1);
    st.signals = std::make_unique<net::cancellation_signal[]>(st.worker_count);
    for (std::size_t i = 0; i < st.worker_count; ++i)
        net::co_spawn(ioc, worker(st), net::bind_cancellation_slot(st.signals[i].slot(), [](std::exception_ptr) {}));
    ioc.restart();
    ioc.run();

    pass_outcome out;
    out.summary = st.summary;
    out.summary.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto counters = st.client.counters();
    out.summary.connections_opened = counters.connections_opened;
    out.summary.connections_reused = counters.connections_reused;
    out.stopped = st.stopped;
    return out;
}

}  // namespace asyncfetch
