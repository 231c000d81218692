// The keep-alive connection pool: idle connections per origin and a limit on connections per origin.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace asyncfetch::detail {

class connection;
class connection_pool;

/// A slot for one connection to an origin, holding the connection while a request uses it.
/// Destroying it closes the connection and frees the slot, unless return_to_pool() was called:
/// a connection goes back only when its response was read fully and cleanly.
class pooled_connection
{
public:
    pooled_connection() = default;
    pooled_connection(connection_pool* pool, std::string origin, std::unique_ptr<connection> conn);
    pooled_connection(pooled_connection&& other) noexcept;
    pooled_connection& operator=(pooled_connection&& other) noexcept;
    ~pooled_connection();

    /// True when the slot came with an idle connection from the pool.
    bool reused() const noexcept { return reused_; }
    /// The connection, or null when the holder still has to open one.
    connection* get() const noexcept { return conn_.get(); }
    /// Installs a newly opened connection.
    void set(std::unique_ptr<connection> conn);
    /// Marks the connection clean: it goes back to the pool idle.
    void return_to_pool() noexcept { reusable_ = true; }
    /// Closes the connection but keeps the slot, so a retry can open a new one.
    void discard();

private:
    void release() noexcept;

    connection_pool* pool_ = nullptr;
    std::string origin_;
    std::unique_ptr<connection> conn_;
    bool reused_ = false;
    bool reusable_ = false;
};

/// Idle connections per origin (scheme, host, port) and a cap on open connections per origin.
class connection_pool
{
public:
    /// per_host: most open connections to one origin; max_idle: most idle connections over all origins.
    connection_pool(boost::asio::any_io_executor ex, std::size_t per_host, std::size_t max_idle);
    ~connection_pool();
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /// Waits for a slot for origin until deadline. The slot holds an idle connection when one is
    /// there (most recently used first). Fails with operation_aborted when
    /// the coroutine is cancelled and errc::request_timeout at the deadline.
    boost::asio::awaitable<boost::system::error_code> acquire(const std::string& origin,
                                                              std::chrono::steady_clock::time_point deadline,
                                                              pooled_connection& out);

    /// Connections counted as opened (call when a new connection is established).
    void count_opened() noexcept { ++opened_; }
    std::size_t opened() const noexcept { return opened_; }
    /// Idle connections over all origins.
    std::size_t idle() const noexcept { return idle_count_; }

private:
    friend class pooled_connection;
    struct waiter
    {
        boost::asio::steady_timer timer;
        bool notified = false;  // taken off the list and woken by wake_one()
    };
    struct origin_state
    {
        std::size_t open = 0;                          // slots taken, idle connections included
        std::deque<std::unique_ptr<connection>> idle;  // most recently used at the back
        std::list<waiter*> waiters;                    // fetches waiting for a slot, oldest first
    };
    void release(const std::string& origin, std::unique_ptr<connection> conn, bool reusable) noexcept;
    void wake_one(origin_state& st) noexcept;
    void settle(std::unordered_map<std::string, origin_state>::iterator it) noexcept;
    void evict_oldest_idle() noexcept;

    boost::asio::any_io_executor ex_;
    std::size_t per_host_;
    std::size_t max_idle_;
    std::unordered_map<std::string, origin_state> origins_;
    std::size_t idle_count_ = 0;
    std::size_t opened_ = 0;
};

}  // namespace asyncfetch::detail
