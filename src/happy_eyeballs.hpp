// Happy Eyeballs v2 (RFC 8305): the address order and the race of staggered connects, on any socket type.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace asyncfetch::detail {

/// The order of RFC 8305 section 4: IPv6 first when there is one, then the families alternate,
/// each family keeping the resolver's order.
inline std::vector<boost::asio::ip::tcp::endpoint> interleave_families(
    const std::vector<boost::asio::ip::tcp::endpoint>& endpoints)
{
    std::vector<boost::asio::ip::tcp::endpoint> v6;
    std::vector<boost::asio::ip::tcp::endpoint> v4;
    for (const auto& e : endpoints)
        (e.address().is_v6() ? v6 : v4).push_back(e);
    std::vector<boost::asio::ip::tcp::endpoint> out;
    out.reserve(endpoints.size());
    for (std::size_t i = 0; i < std::max(v6.size(), v4.size()); ++i)
    {
        if (i < v6.size())
            out.push_back(v6[i]);
        if (i < v4.size())
            out.push_back(v4[i]);
    }
    return out;
}

/// What a connector can stop while it races.
class cancellable_race
{
public:
    /// Closes every attempt; the race ends with operation_aborted.
    virtual void cancel() = 0;

protected:
    ~cancellable_race() = default;
};

/// Connect attempts started one after another, `delay` apart (or at once when the previous one
/// fails), none abandoned for the next; the first to connect wins and the others are closed.
/// Socket needs async_connect(endpoint, token) and close(error_code&). Not thread-safe.
template <class Socket>
class connect_race final : public cancellable_race
{
public:
    struct outcome
    {
        boost::system::error_code ec;  ///< the last attempt's error, timed_out, or operation_aborted
        std::optional<Socket> socket;  ///< the connected socket when ec is empty
        boost::asio::ip::tcp::endpoint endpoint;
        std::size_t attempts = 0;  ///< attempts started
    };

    connect_race(boost::asio::any_io_executor ex,
                 std::chrono::steady_clock::duration delay,
                 std::chrono::steady_clock::time_point deadline)
        : s_(std::make_shared<state>(std::move(ex))), delay_(delay), deadline_(deadline)
    {
    }

    ~connect_race() { close_all(); }
    connect_race(const connect_race&) = delete;
    connect_race& operator=(const connect_race&) = delete;

    void cancel() override
    {
        s_->cancelled = true;
        s_->wake.cancel();
    }

    /// Before run(): more addresses may come through add(), so running out of addresses is not the
    /// end of the race until they do (or the deadline passes).
    void expect_more() { s_->more_expected = true; }

    /// Addresses that came after the race started (the other family's answer, possibly none):
    /// they join the addresses not yet tried, families interleaved again.
    void add(const std::vector<boost::asio::ip::tcp::endpoint>& more)
    {
        s_->added.insert(s_->added.end(), more.begin(), more.end());
        s_->more_expected = false;
        s_->wake.cancel();
    }

    /// Races the endpoints in the order given; make() gives a new socket for each attempt.
    template <class MakeSocket>
    boost::asio::awaitable<outcome> run(std::vector<boost::asio::ip::tcp::endpoint> order, MakeSocket make)
    {
        using clock = std::chrono::steady_clock;
        outcome out;
        out.ec = boost::asio::error::host_not_found;
        std::size_t next = 0;
        std::size_t failures_seen = 0;
        auto next_start = clock::now();
        while (true)
        {
            if (s_->cancelled)
            {
                close_all();
                out.ec = boost::asio::error::operation_aborted;
                co_return out;
            }
            if (!s_->added.empty())
            {
                std::vector<boost::asio::ip::tcp::endpoint> untried(
                    order.begin() + static_cast<std::ptrdiff_t>(next),
                    order.end());
                for (const auto& e : s_->added)
                    if (std::find(order.begin(), order.end(), e) == order.end())
                        untried.push_back(e);
                s_->added.clear();
                order.resize(next);
                for (const auto& e : interleave_families(untried))
                    order.push_back(e);
            }
            std::size_t failures = 0;
            bool running = false;
            for (auto& a : s_->attempts)
            {
                if (a->done && !a->ec)
                {
                    out.ec = {};
                    out.socket.emplace(std::move(*a->socket));
                    out.endpoint = a->endpoint;
                    a->socket.reset();
                    close_all();
                    co_return out;
                }
                if (a->done)
                {
                    ++failures;
                    out.ec = a->ec;
                }
                else
                {
                    running = true;
                }
            }
            const auto now = clock::now();
            if (failures > failures_seen)
                next_start = now;  // a failed attempt hands over at once (RFC 8305 section 5)
            failures_seen = failures;
            if (next < order.size() && now >= next_start && now < deadline_)
            {
                start(order[next++], make());
                ++out.attempts;
                next_start = now + delay_;
                continue;
            }
            if (next == order.size() && !running && !s_->more_expected)
                co_return out;
            if (now >= deadline_)
            {
                close_all();
                // Only a wait that was still going on timed out; attempts that all failed say why.
                if (running || out.attempts == 0)
                    out.ec = boost::asio::error::timed_out;
                co_return out;
            }
            s_->wake.expires_at(next < order.size() ? std::min(next_start, deadline_) : deadline_);
            co_await s_->wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
    }

private:
    struct attempt
    {
        std::shared_ptr<Socket> socket;
        boost::asio::ip::tcp::endpoint endpoint;
        bool done = false;
        boost::system::error_code ec;
    };

    struct state
    {
        explicit state(boost::asio::any_io_executor ex) : executor(ex), wake(ex) {}
        boost::asio::any_io_executor executor;
        boost::asio::steady_timer wake;  // cancelled whenever an attempt ends
        std::vector<std::shared_ptr<attempt>> attempts;
        std::vector<boost::asio::ip::tcp::endpoint> added;  // by add(), not yet in the order
        bool more_expected = false;
        bool cancelled = false;
    };

    // A free-standing coroutine (not a lambda: gcc bug 107288); it may outlive the race.
    static boost::asio::awaitable<void> connect_one(std::shared_ptr<state> s, std::shared_ptr<attempt> a)
    {
        auto socket = a->socket;  // the winner's socket is moved out of a; this one stays valid
        auto [ec] = co_await socket->async_connect(a->endpoint,
                                                   boost::asio::as_tuple(boost::asio::use_awaitable));
        a->ec = ec;
        a->done = true;
        s->wake.cancel();
    }

    void start(const boost::asio::ip::tcp::endpoint& endpoint, Socket socket)
    {
        auto a = std::make_shared<attempt>();
        a->socket = std::make_shared<Socket>(std::move(socket));
        a->endpoint = endpoint;
        s_->attempts.push_back(a);
        boost::asio::co_spawn(s_->executor, connect_one(s_, a), boost::asio::detached);
    }

    void close_all() noexcept
    {
        for (auto& a : s_->attempts)
            if (a->socket)
            {
                boost::system::error_code ignored;
                a->socket->close(ignored);
            }
    }

    std::shared_ptr<state> s_;
    std::chrono::steady_clock::duration delay_;
    std::chrono::steady_clock::time_point deadline_;
};

}  // namespace asyncfetch::detail
