// The pool of sessions: per origin, sessions with free capacity, connects in flight, the per-host cap,
// waiters in order, idle eviction. It owns connecting, through a session_source the caller provides.
#pragma once

#include "session.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace asyncfetch::detail {

class session_pool;

/// One session of an origin as the pool keeps it.
struct pool_node
{
    std::unique_ptr<session> s;    ///< null while connecting
    std::size_t in_use = 0;        ///< exchanges in progress
    std::size_t expected = 1;      ///< capacity hoped for while connecting
    std::size_t promised = 0;      ///< waiters counting on this connect
    std::size_t exchanges = 0;     ///< exchanges started on it
    std::uint64_t serial = 0;      ///< order of creation in the pool, from 1
    bool broken = false;           ///< takes no more exchanges; closed when the last one ends
    std::uint64_t idle_since = 0;  ///< when it last went idle, as the pool's count of such events
};

/// A fetch waiting for room on a session of an origin.
struct pool_waiter
{
    boost::asio::steady_timer timer;
    bool notified = false;    ///< taken off the list and woken
    pool_node* on = nullptr;  ///< the connect in flight it counts on, if any
    failure error;            ///< that connect's failure, when it failed
};

/// The sessions and waiters of one origin.
struct pool_origin
{
    std::string key;
    std::list<pool_node> nodes;
    std::vector<std::list<pool_node>::iterator> idle;         ///< idle sessions, most recently used last
    std::vector<std::list<pool_node>::iterator> multiplexed;  ///< sessions that carry more than one exchange
    std::list<pool_waiter*> waiters;                          ///< oldest first
    std::size_t sleepers = 0;                                 ///< waiters not yet resumed, woken or not
};

/// One exchange on a pooled session. Ending it gives the session back to the pool, idle or to
/// other exchanges, when the exchange says it is reusable, and closes it otherwise.
class session_lease
{
public:
    session_lease() = default;
    session_lease(const session_lease&) = delete;
    session_lease& operator=(const session_lease&) = delete;
    ~session_lease() { release(); }

    explicit operator bool() const noexcept { return ex_ != nullptr; }
    exchange& get() const noexcept { return *ex_; }
    exchange* operator->() const noexcept { return ex_; }
    /// The exchange rides a session that this fetch did not open.
    bool reused() const noexcept { return reused_; }
    /// The serial of the session it rides (see session_pool::acquire's newer_than).
    std::uint64_t session_serial() const noexcept;
    /// The session it rides; only while the lease holds an exchange.
    const session& carrier() const noexcept { return *node_->s; }

    /// Ends the exchange now.
    void release() noexcept;

private:
    friend class session_pool;
    session_pool* pool_ = nullptr;
    pool_origin* origin_ = nullptr;
    std::list<pool_node>::iterator node_;
    exchange* ex_ = nullptr;
    bool reused_ = false;
};

/// Sessions per origin key (scheme, host, port, and the proxy when there is one).
class session_pool
{
public:
    /// per_host: most sessions open or opening to one origin; max_idle: most idle sessions in all.
    session_pool(boost::asio::any_io_executor ex, std::size_t per_host, std::size_t max_idle);
    ~session_pool();
    session_pool(const session_pool&) = delete;
    session_pool& operator=(const session_pool&) = delete;

    /// Starts an exchange on a session of origin: one with free capacity (an idle one most recently
    /// used first, after checking it is alive), else one being connected that is expected to have
    /// room, else a new one from source under the per-host cap, else waits until deadline.
    /// newer_than: only sessions created after the one with that serial will do, open or still
    /// connecting (a retry after a stale session, or after a GOAWAY: the streams it refused share
    /// one new connection). Fails with the connect's failure (also for the waiters counting on
    /// it), operation_aborted when cancelled, and errc::request_timeout at the deadline.
    boost::asio::awaitable<failure> acquire(const std::string& origin,
                                            clock_type::time_point deadline,
                                            session_source& source,
                                            session_lease& out,
                                            std::uint64_t newer_than = 0);

    /// acquire()'s first step alone, without waiting: starts an exchange on a session of origin
    /// that has room now and returns true; false leaves out empty, for acquire() to connect or wait.
    /// A request on a kept-alive connection takes this way, without a coroutine of its own.
    bool try_acquire(const std::string& origin, session_lease& out, std::uint64_t newer_than = 0);

    /// Ends every exchange in flight (Ctrl-C, --fail-fast); sessions being connected are the
    /// connector's to stop.
    void cancel_all() noexcept;

    /// Closes the idle sessions that keep operations pending while idle (HTTP/2), so that
    /// io_context::run() can return at the end of a pass.
    void close_busy_idle() noexcept;

    /// Closes the idle session idle the longest, over all origins; false when none is idle.
    bool close_oldest_idle() noexcept;

    /// Called whenever a session goes idle (a connect waiting for a file descriptor may close it).
    std::function<void()> on_idle;

    /// Sessions opened so far.
    std::size_t opened() const noexcept { return opened_; }
    /// Idle sessions over all origins.
    std::size_t idle() const noexcept { return idle_count_; }
    /// Sessions open or opening to origin.
    std::size_t open(const std::string& origin) const noexcept;

private:
    friend class session_lease;
    using node_iterator = std::list<pool_node>::iterator;

    void release(pool_origin& st, node_iterator node, exchange& ex) noexcept;
    void take(pool_origin& st, node_iterator node, session_lease& out, bool reused);
    node_iterator pick(pool_origin& st, std::uint64_t newer_than);
    void close_node(pool_origin& st, node_iterator node) noexcept;
    void wake(pool_origin& st, std::size_t n) noexcept;
    /// Wakes the waiters counting on node's connect, with its failure when it failed; returns how many.
    std::size_t settle_promises(pool_origin& st, pool_node& node, const failure* error) noexcept;
    void settle(pool_origin& st) noexcept;

    boost::asio::any_io_executor ex_;
    std::size_t per_host_;
    std::size_t max_idle_;
    std::unordered_map<std::string, pool_origin> origins_;
    std::size_t idle_count_ = 0;
    std::size_t busy_ = 0;  ///< exchanges in progress over all origins
    std::size_t opened_ = 0;
    std::uint64_t serials_ = 0;
    std::uint64_t idle_events_ = 0;  // sessions gone idle so far: pool_node::idle_since
};

}  // namespace asyncfetch::detail
