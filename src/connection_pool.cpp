// Connection pool: per-origin slots with waiters, idle connections reused most-recent first.
#include "connection_pool.hpp"

#include "asyncfetch/error.hpp"
#include "connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asyncfetch::detail {

namespace net = boost::asio;

pooled_connection::pooled_connection(connection_pool* pool,
                                     std::string origin,
                                     std::unique_ptr<connection> conn)
    : pool_(pool), origin_(std::move(origin)), conn_(std::move(conn)), reused_(conn_ != nullptr)
{
}

pooled_connection::pooled_connection(pooled_connection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      origin_(std::move(other.origin_)),
      conn_(std::move(other.conn_)),
      reused_(other.reused_),
      reusable_(other.reusable_)
{
}

pooled_connection& pooled_connection::operator=(pooled_connection&& other) noexcept
{
    if (this != &other)
    {
        release();
        pool_ = std::exchange(other.pool_, nullptr);
        origin_ = std::move(other.origin_);
        conn_ = std::move(other.conn_);
        reused_ = other.reused_;
        reusable_ = other.reusable_;
    }
    return *this;
}

pooled_connection::~pooled_connection() { release(); }

void pooled_connection::set(std::unique_ptr<connection> conn)
{
    conn_ = std::move(conn);
    reused_ = false;
}

void pooled_connection::discard()
{
    conn_.reset();
    reused_ = false;
    reusable_ = false;
}

void pooled_connection::release() noexcept
{
    if (pool_)
        pool_->release(origin_, std::move(conn_), reusable_ && conn_ != nullptr);
    pool_ = nullptr;
}

connection_pool::connection_pool(net::any_io_executor ex, std::size_t per_host, std::size_t max_idle)
    : ex_(std::move(ex)), per_host_(per_host == 0 ? 1 : per_host), max_idle_(max_idle)
{
}

connection_pool::~connection_pool() = default;

net::awaitable<boost::system::error_code> connection_pool::acquire(
    const std::string& origin,
    std::chrono::steady_clock::time_point deadline,
    pooled_connection& out)
{
    for (;;)
    {
        auto& st = origins_[origin];
        if (!st.idle.empty())
        {
            auto conn = std::move(st.idle.back());
            st.idle.pop_back();
            --idle_count_;
            out = pooled_connection(this, origin, std::move(conn));
            co_return boost::system::error_code{};
        }
        if (st.open < per_host_)
        {
            ++st.open;
            out = pooled_connection(this, origin, nullptr);
            co_return boost::system::error_code{};
        }

        waiter w{net::steady_timer(ex_, deadline)};
        auto it = st.waiters.insert(st.waiters.end(), &w);
        co_await w.timer.async_wait(net::as_tuple(net::use_awaitable));
        // st stays valid: unordered_map keeps element addresses, and a state with waiters is never erased.
        if (!w.notified)
            st.waiters.erase(it);
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none)
        {
            if (w.notified)
                wake_one(st);  // pass the wake-up on rather than lose it
            co_return net::error::operation_aborted;
        }
        if (!w.notified)
            co_return errc::request_timeout;
    }
}

void connection_pool::release(const std::string& origin,
                              std::unique_ptr<connection> conn,
                              bool reusable) noexcept
{
    auto it = origins_.find(origin);
    if (it == origins_.end())
        return;
    auto& st = it->second;
    if (reusable && conn)
    {
        conn->idle_since = std::chrono::steady_clock::now();
        st.idle.push_back(std::move(conn));
        ++idle_count_;
        if (idle_count_ > max_idle_)
            evict_oldest_idle();
    }
    else
    {
        --st.open;
    }
    wake_one(st);
    settle(it);
}

void connection_pool::wake_one(origin_state& st) noexcept
{
    if (st.waiters.empty())
        return;
    waiter* w = st.waiters.front();
    st.waiters.pop_front();
    w->notified = true;
    w->timer.cancel();
}

void connection_pool::settle(std::unordered_map<std::string, origin_state>::iterator it) noexcept
{
    // Forget origins with nothing open, so the map stays as small as the set of live connections.
    if (it->second.open == 0 && it->second.waiters.empty())
        origins_.erase(it);
}

void connection_pool::evict_oldest_idle() noexcept
{
    auto oldest = origins_.end();
    for (auto it = origins_.begin(); it != origins_.end(); ++it)
    {
        const auto& idle = it->second.idle;
        if (!idle.empty() &&
            (oldest == origins_.end() || idle.front()->idle_since < oldest->second.idle.front()->idle_since))
            oldest = it;
    }
    if (oldest == origins_.end())
        return;
    oldest->second.idle.pop_front();
    --idle_count_;
    --oldest->second.open;
    wake_one(oldest->second);
    settle(oldest);
}

}  // namespace asyncfetch::detail
