// The pool of sessions: finding room on a session, connecting under the per-host cap, waking waiters.
#include "session_pool.hpp"

#include "asyncfetch/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asyncfetch::detail {

namespace net = boost::asio;

void session_lease::release() noexcept
{
    if (pool_ && ex_)
        pool_->release(*origin_, node_, *ex_);
    pool_ = nullptr;
    ex_ = nullptr;
}

std::uint64_t session_lease::session_serial() const noexcept { return ex_ ? node_->serial : 0; }

session_pool::session_pool(net::any_io_executor ex, std::size_t per_host, std::size_t max_idle)
    : ex_(std::move(ex)), per_host_(per_host == 0 ? 1 : per_host), max_idle_(max_idle)
{
}

session_pool::~session_pool() = default;

std::size_t session_pool::open(const std::string& origin) const noexcept
{
    auto it = origins_.find(origin);
    return it == origins_.end() ? 0 : it->second.nodes.size();
}

bool session_pool::try_acquire(const std::string& origin, session_lease& out, std::uint64_t newer_than)
{
    out.release();
    auto entry = origins_.find(origin);
    if (entry == origins_.end())
        return false;
    pool_origin& st = entry->second;
    auto node = pick(st, newer_than);
    if (node == st.nodes.end())
        return false;
    take(st, node, out, true);
    return true;
}

net::awaitable<failure> session_pool::acquire(const std::string& origin,
                                              clock_type::time_point deadline,
                                              session_source& source,
                                              session_lease& out,
                                              std::uint64_t newer_than)
{
    out.release();
    for (;;)
    {
        auto [entry, created] = origins_.try_emplace(origin);
        pool_origin& st = entry->second;  // element addresses survive rehashing
        if (created)
            st.key = origin;
        if (auto node = pick(st, newer_than); node != st.nodes.end())
        {
            take(st, node, out, true);
            co_return failure{};
        }

        pool_node* counting_on = nullptr;
        for (auto& n : st.nodes)
            if (!n.s && !n.broken && n.serial > newer_than && n.expected > n.promised + 1)
            {
                counting_on = &n;
                break;
            }

        if (!counting_on && st.nodes.size() < per_host_)
        {
            auto node = st.nodes.emplace(st.nodes.end());
            node->serial = ++serials_;
            node->expected = std::max<std::size_t>(source.expected_capacity(), 1);
            auto opened = co_await source.open();
            if (opened.error || !opened.s)
            {
                if (!opened.error)
                    opened.error = failure{net::error::operation_aborted, phase::connect};
                // The waiters counting on this connect fail with it; the others may connect themselves.
                settle_promises(st, *node, &opened.error);
                close_node(st, node);
                wake(st, 1);
                settle(st);
                co_return std::move(opened.error);
            }
            node->s = std::move(opened.s);
            ++opened_;
            if (node->s->capacity() > 1)
                st.multiplexed.push_back(node);
            take(st, node, out, false);
            // Those counting on this connect look again (the session may carry fewer exchanges
            // than hoped), and so do as many others as it has room for.
            const std::size_t capacity = node->s->capacity();
            const std::size_t room = capacity > 0 ? capacity - 1 : 0;
            const std::size_t woken = settle_promises(st, *node, nullptr);
            wake(st, room > woken ? room - woken : 0);
            co_return failure{};
        }

        pool_waiter w{net::steady_timer(ex_, deadline), false, nullptr, failure{}};
        w.on = counting_on;
        if (counting_on)
            ++counting_on->promised;
        auto it = st.waiters.insert(st.waiters.end(), &w);
        ++st.sleepers;
        co_await w.timer.async_wait(net::as_tuple(net::use_awaitable));
        // st is still there: an origin with sleepers is never erased.
        --st.sleepers;
        if (!w.notified)
            st.waiters.erase(it);
        if (w.on)  // still connecting: settle_promises() clears it when the connect ends
            --w.on->promised;
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none)
        {
            if (w.notified && !w.error)
                wake(st, 1);  // pass the wake-up on rather than lose it
            settle(st);
            co_return failure{net::error::operation_aborted, phase::connect};
        }
        if (w.error)
        {
            settle(st);
            co_return std::move(w.error);
        }
        if (!w.notified)
        {
            settle(st);
            co_return failure{errc::request_timeout, phase::connect};
        }
    }
}

session_pool::node_iterator session_pool::pick(pool_origin& st, std::uint64_t newer_than)
{
    // A session already carrying exchanges with room comes first (multiplexing), then the idle
    // one used most recently, after checking that the server has not closed it.
    for (auto node : st.multiplexed)
        if (!node->broken && node->serial > newer_than && node->in_use > 0 &&
            node->in_use < node->s->capacity())
            return node;
    for (std::size_t i = st.idle.size(); i-- > 0;)
    {
        auto node = st.idle[i];
        if (node->serial <= newer_than)
            continue;
        if (node->s->alive())
            return node;
        close_node(st, node);  // removes idle[i]; the ones below it keep their places
    }
    return st.nodes.end();
}

namespace {

template <class Vector, class Value>
void remove_value(Vector& v, const Value& x) noexcept
{
    // From the back: the element sought is usually the last.
    for (auto it = v.rbegin(); it != v.rend(); ++it)
        if (*it == x)
        {
            v.erase(std::next(it).base());
            return;
        }
}

}  // namespace

void session_pool::take(pool_origin& st, node_iterator node, session_lease& out, bool reused)
{
    if (node->in_use == 0 && node->exchanges > 0)
    {
        remove_value(st.idle, node);
        --idle_count_;
    }
    ++node->in_use;
    ++busy_;
    ++node->exchanges;
    out.pool_ = this;
    out.origin_ = &st;
    out.node_ = node;
    out.ex_ = &node->s->start_exchange();
    out.reused_ = reused;
}

void session_pool::release(pool_origin& st, node_iterator node, exchange& ex) noexcept
{
    const bool keep = ex.reusable();
    node->s->end_exchange(ex);
    --node->in_use;
    --busy_;
    if (!keep)
        node->broken = true;
    if (node->in_use == 0)
    {
        if (node->broken)
        {
            close_node(st, node);
        }
        else
        {
            node->idle_since = ++idle_events_;  // an order, not a time: no clock read per request
            st.idle.push_back(node);
            ++idle_count_;
            if (on_idle)
                on_idle();
        }
    }
    wake(st, 1);
    settle(st);
    if (idle_count_ > max_idle_)
        close_oldest_idle();
    if (busy_ == 0)
    {
        // Nothing runs now: idle sessions drop their pending timers, or run() would wait for them.
        for (auto& [key, origin] : origins_)
            for (auto idle_node : origin.idle)
                idle_node->s->rest();
    }
}

void session_pool::close_node(pool_origin& st, node_iterator node) noexcept
{
    if (node->s && node->in_use == 0 && node->exchanges > 0 && !node->broken)
    {
        remove_value(st.idle, node);
        --idle_count_;
    }
    remove_value(st.multiplexed, node);
    st.nodes.erase(node);
}

std::size_t session_pool::settle_promises(pool_origin& st, pool_node& node, const failure* error) noexcept
{
    std::size_t woken = 0;
    for (auto it = st.waiters.begin(); it != st.waiters.end();)
    {
        pool_waiter* w = *it;
        if (w->on != &node)
        {
            ++it;
            continue;
        }
        it = st.waiters.erase(it);
        w->notified = true;
        w->on = nullptr;
        --node.promised;
        if (error)
            w->error = *error;
        w->timer.cancel();
        ++woken;
    }
    return woken;
}

void session_pool::wake(pool_origin& st, std::size_t n) noexcept
{
    while (n-- > 0 && !st.waiters.empty())
    {
        pool_waiter* w = st.waiters.front();
        st.waiters.pop_front();
        w->notified = true;
        w->timer.cancel();
    }
}

void session_pool::settle(pool_origin& st) noexcept
{
    // Forget origins with nothing open, so the map stays as small as the set of live sessions.
    if (st.nodes.empty() && st.sleepers == 0)
        origins_.erase(origins_.find(st.key));
}

bool session_pool::close_oldest_idle() noexcept
{
    pool_origin* oldest = nullptr;
    for (auto& [key, st] : origins_)
        if (!st.idle.empty() && (!oldest || st.idle.front()->idle_since < oldest->idle.front()->idle_since))
            oldest = &st;
    if (!oldest)
        return false;
    close_node(*oldest, oldest->idle.front());
    wake(*oldest, 1);
    settle(*oldest);
    return true;
}

void session_pool::close_busy_idle() noexcept
{
    for (auto it = origins_.begin(); it != origins_.end();)
    {
        auto& st = it->second;
        ++it;  // settle() may erase st
        for (std::size_t i = st.idle.size(); i-- > 0;)
            if (st.idle[i]->s->busy_while_idle())
                close_node(st, st.idle[i]);
        settle(st);
    }
}

void session_pool::cancel_all() noexcept
{
    for (auto& [key, st] : origins_)
        for (auto& n : st.nodes)
            if (n.s && n.in_use > 0)
            {
                n.broken = true;
                n.s->cancel();
            }
}

}  // namespace asyncfetch::detail
