// The session pool without sockets: mock sessions and a mock connect, driven on an io_context.
#include "session_pool.hpp"

#include "engine_test_support.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace asyncfetch::detail {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using test::sleep_for;

/// An exchange whose reusability the test sets.
class mock_exchange final : public exchange
{
public:
    net::awaitable<failure> send(const request_head&, const request_body*, clock_type::time_point) override
    {
        co_return failure{};
    }
    const response_head& response() const noexcept override { return head_; }
    net::awaitable<failure> read_body(body_sink*, clock_type::time_point) override { co_return failure{}; }
    bool reusable() const noexcept override { return reusable_; }
    bool may_send_again(const failure&) const noexcept override { return false; }

    bool reusable_ = true;

private:
    response_head head_;
};

/// A session of a given capacity with a fixed set of exchanges.
class mock_session final : public session
{
public:
    mock_session(int id, std::size_t capacity) : id_(id), exchanges_(capacity) {}
    std::size_t capacity() const noexcept override { return exchanges_.size(); }
    bool alive() noexcept override { return alive_; }
    exchange& start_exchange() override
    {
        for (std::size_t i = 0; i < exchanges_.size(); ++i)
            if (!used_[i])
            {
                used_[i] = true;
                exchanges_[i].reusable_ = true;
                return exchanges_[i];
            }
        ADD_FAILURE() << "the pool started an exchange above capacity";
        return exchanges_[0];
    }
    void end_exchange(exchange& e) noexcept override
    {
        for (std::size_t i = 0; i < exchanges_.size(); ++i)
            if (&exchanges_[i] == &e)
                used_[i] = false;
    }
    void cancel() noexcept override { ++cancels_; }

    int id_;
    bool alive_ = true;
    int cancels_ = 0;

private:
    std::vector<mock_exchange> exchanges_;
    std::vector<bool> used_ = std::vector<bool>(exchanges_.size());
};

/// A connect that takes delay and gives a mock_session of capacity, or fails with error.
class mock_source final : public session_source
{
public:
    std::size_t expected_capacity() const noexcept override { return expected; }
    net::awaitable<opened> open() override
    {
        ++opens;
        ++connecting;
        max_connecting = std::max(max_connecting, connecting);
        if (delay.count() > 0)
            co_await sleep_for(delay);
        --connecting;
        if (error)
            co_return opened{nullptr, error};
        auto s = std::make_unique<mock_session>(opens, capacity);
        made.push_back(s.get());
        co_return opened{std::move(s), failure{}};
    }

    std::size_t expected = 1;
    std::size_t capacity = 1;
    std::chrono::milliseconds delay{0};
    failure error;
    int opens = 0;
    int connecting = 0;
    int max_connecting = 0;
    std::vector<mock_session*> made;  ///< every session opened, owned by the pool
};

const clock_type::time_point far_deadline = clock_type::now() + std::chrono::hours(1);

/// One fetch: acquire, hold the exchange for hold, mark it reusable or not, release.
net::awaitable<void> fetch(session_pool& pool,
                           std::string origin,
                           mock_source& src,
                           std::chrono::milliseconds hold,
                           std::vector<std::string>& log,
                           std::string name,
                           bool reusable = true,
                           clock_type::time_point deadline = far_deadline)
{
    session_lease lease;
    auto f = co_await pool.acquire(origin, deadline, src, lease);
    if (f)
    {
        log.push_back(name + ":error:" + f.ec.message());
        co_return;
    }
    log.push_back(name + (lease.reused() ? ":reused" : ":new"));
    if (hold.count() > 0)
        co_await sleep_for(hold);
    static_cast<mock_exchange&>(lease.get()).reusable_ = reusable;
}

TEST(session_pool, a_reusable_session_is_reused_and_a_broken_one_closed)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 4, 10);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await fetch(pool, "http://a", src, 0ms, log, "1");
            EXPECT_EQ(pool.idle(), 1u);
            co_await fetch(pool, "http://a", src, 0ms, log, "2", false);
            EXPECT_EQ(pool.idle(), 0u);
            EXPECT_EQ(pool.open("http://a"), 0u);
            co_await fetch(pool, "http://a", src, 0ms, log, "3");
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"1:new", "2:reused", "3:new"}));
    EXPECT_EQ(src.opens, 2);
    EXPECT_EQ(pool.opened(), 2u);
}

/// A pool of at most 4 sessions per origin and 10 idle, a mock connect, and a log, for a test's
/// coroutine to drive.
struct pool_rig
{
    net::io_context ioc;
    session_pool pool{ioc.get_executor(), 4, 10};
    mock_source src;
    std::vector<std::string> log;

    /// Runs body as a coroutine to completion.
    void run(const std::function<net::awaitable<void>()>& body)
    {
        net::co_spawn(ioc, body(), net::detached);
        test::run_for(ioc);
    }
};

TEST(session_pool, try_acquire_takes_only_an_idle_live_session_and_never_connects)
{
    pool_rig rig;
    auto& pool = rig.pool;
    rig.run([&]() -> net::awaitable<void> {
        session_lease lease;
        EXPECT_FALSE(pool.try_acquire("http://a", lease)) << "no session to the origin yet";
        EXPECT_FALSE(lease);
        co_await fetch(pool, "http://a", rig.src, 0ms, rig.log, "1");
        EXPECT_TRUE(pool.try_acquire("http://a", lease));
        EXPECT_TRUE(lease.reused());
        EXPECT_EQ(pool.idle(), 0u);
        session_lease second;
        EXPECT_FALSE(pool.try_acquire("http://a", second)) << "the only session is busy";
        lease.release();
        rig.src.made.at(0)->alive_ = false;
        EXPECT_FALSE(pool.try_acquire("http://a", second)) << "a dead idle session is closed";
        EXPECT_EQ(pool.open("http://a"), 0u);
    });
    EXPECT_EQ(rig.log, (std::vector<std::string>{"1:new"}));
    EXPECT_EQ(rig.src.opens, 1);
}

TEST(session_pool, origins_never_share_sessions)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 4, 10);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await fetch(pool, "http://a", src, 0ms, log, "a");
            co_await fetch(pool, "https://a", src, 0ms, log, "b");
            co_await fetch(pool, "http://a", src, 0ms, log, "c");
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"a:new", "b:new", "c:reused"}));
}

TEST(session_pool, waiters_are_woken_in_order_under_the_per_host_cap)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 1, 10);
    mock_source src;
    std::vector<std::string> log;
    for (const char* name : {"1", "2", "3", "4"})
        net::co_spawn(ioc, fetch(pool, "http://a", src, 20ms, log, name), net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"1:new", "2:reused", "3:reused", "4:reused"}));
    EXPECT_EQ(src.opens, 1);
}

TEST(session_pool, the_per_host_cap_bounds_sessions_open_and_opening)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 3, 10);
    mock_source src;
    src.delay = 10ms;
    std::vector<std::string> log;
    for (int i = 0; i < 12; ++i)
        net::co_spawn(ioc, fetch(pool, "http://a", src, 20ms, log, std::to_string(i)), net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log.size(), 12u);
    EXPECT_EQ(src.opens, 3);
    EXPECT_EQ(src.max_connecting, 3);
    EXPECT_EQ(pool.open("http://a"), 3u);
}

TEST(session_pool, a_connect_in_flight_is_shared_by_waiters_it_has_room_for)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 10, 10);
    mock_source src;
    src.expected = 4;
    src.capacity = 4;
    src.delay = 30ms;
    std::vector<std::string> log;
    for (const char* name : {"1", "2", "3", "4"})
        net::co_spawn(ioc, fetch(pool, "http://a", src, 20ms, log, name), net::detached);
    test::run_for(ioc);
    EXPECT_EQ(src.opens, 1) << "the waiters should have counted on the one connect";
    EXPECT_EQ(log, (std::vector<std::string>{"1:new", "2:reused", "3:reused", "4:reused"}));
}

TEST(session_pool, a_connect_that_carries_less_than_hoped_lets_its_waiters_connect)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 10, 10);
    mock_source src;
    src.expected = 4;  // hoped for four streams, got HTTP/1.1
    src.capacity = 1;
    src.delay = 30ms;
    std::vector<std::string> log;
    for (const char* name : {"1", "2", "3"})
        net::co_spawn(ioc, fetch(pool, "http://a", src, 100ms, log, name), net::detached);
    const auto start = clock_type::now();
    test::run_for(ioc);
    EXPECT_EQ(log.size(), 3u);
    EXPECT_EQ(src.opens, 3);
    // Had they waited for the first session to come free, this would take 300 ms or more.
    EXPECT_LT(clock_type::now() - start, 250ms);
}

TEST(session_pool, a_failed_connect_wakes_its_waiters_with_the_error)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 10, 10);
    mock_source src;
    src.expected = 4;
    src.capacity = 4;
    src.delay = 30ms;
    src.error = failure{errc::dns_no_address, phase::dns};
    std::vector<failure> failures;
    for (int i = 0; i < 3; ++i)
        net::co_spawn(
            ioc,
            [&]() -> net::awaitable<void> {
                session_lease lease;
                failures.push_back(co_await pool.acquire("http://a", far_deadline, src, lease));
            },
            net::detached);
    test::run_for(ioc);
    ASSERT_EQ(failures.size(), 3u);
    EXPECT_EQ(src.opens, 1);
    for (const auto& f : failures)
    {
        EXPECT_EQ(f.ec, errc::dns_no_address);
        EXPECT_EQ(f.where, phase::dns);
    }
    EXPECT_EQ(pool.open("http://a"), 0u);
}

TEST(session_pool, a_failed_connect_frees_its_slot_for_the_next_waiter)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 1, 10);
    mock_source failing;
    failing.delay = 20ms;
    failing.error = failure{net::error::connection_refused, phase::connect};
    mock_source good;
    std::vector<std::string> log;
    net::co_spawn(ioc, fetch(pool, "http://a", failing, 0ms, log, "1"), net::detached);
    net::co_spawn(ioc, fetch(pool, "http://a", good, 0ms, log, "2"), net::detached);
    test::run_for(ioc);
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].rfind("1:error:", 0), 0u);
    EXPECT_EQ(log[1], "2:new");
}

TEST(session_pool, the_oldest_idle_session_is_evicted_past_max_idle)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 4, 2);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await fetch(pool, "http://a", src, 0ms, log, "a");
            co_await sleep_for(2ms);
            co_await fetch(pool, "http://b", src, 0ms, log, "b");
            co_await sleep_for(2ms);
            co_await fetch(pool, "http://c", src, 0ms, log, "c");
            EXPECT_EQ(pool.idle(), 2u);
            EXPECT_EQ(pool.open("http://a"), 0u);
            co_await fetch(pool, "http://c", src, 0ms, log, "c2");
            co_await fetch(pool, "http://b", src, 0ms, log, "b2");
            co_await fetch(pool, "http://a", src, 0ms, log, "a2");
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"a:new", "b:new", "c:new", "c2:reused", "b2:reused", "a2:new"}));
}

TEST(session_pool, a_cancelled_waiter_leaves_and_passes_nothing_on)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 1, 10);
    mock_source src;
    std::vector<std::string> log;
    net::cancellation_signal stop;
    net::co_spawn(ioc, fetch(pool, "http://a", src, 50ms, log, "holder"), net::detached);
    net::co_spawn(ioc,
                  fetch(pool, "http://a", src, 0ms, log, "cancelled"),
                  net::bind_cancellation_slot(stop.slot(), net::detached));
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await sleep_for(10ms);
            stop.emit(net::cancellation_type::terminal);
            co_await sleep_for(100ms);
            co_await fetch(pool, "http://a", src, 0ms, log, "later");
        },
        net::detached);
    test::run_for(ioc);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0], "holder:new");
    EXPECT_EQ(log[1],
              "cancelled:error:" + net::error::make_error_code(net::error::operation_aborted).message());
    EXPECT_EQ(log[2], "later:reused");
}

TEST(session_pool, a_waiter_past_its_deadline_times_out)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 1, 10);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(ioc, fetch(pool, "http://a", src, 200ms, log, "holder"), net::detached);
    net::co_spawn(ioc,
                  fetch(pool, "http://a", src, 0ms, log, "late", true, clock_type::now() + 30ms),
                  net::detached);
    test::run_for(ioc);
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[1], "late:error:" + make_error_code(errc::request_timeout).message());
}

TEST(session_pool, an_idle_session_that_died_is_replaced_and_newer_than_skips_older_ones)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 4, 10);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            co_await fetch(pool, "http://a", src, 0ms, log, "1");
            src.made.at(0)->alive_ = false;  // the server closed it while it was idle
            co_await fetch(pool, "http://a", src, 0ms, log, "2");
            EXPECT_EQ(pool.open("http://a"), 1u);
            EXPECT_EQ(pool.idle(), 1u);
            session_lease stale;
            EXPECT_FALSE(co_await pool.acquire("http://a", far_deadline, src, stale));
            EXPECT_TRUE(stale.reused());
            const auto serial = stale.session_serial();
            EXPECT_EQ(serial, 2u) << "the second session opened";
            stale.release();
            session_lease lease;
            EXPECT_FALSE(co_await pool.acquire("http://a", far_deadline, src, lease, serial));
            EXPECT_FALSE(lease.reused());
            EXPECT_EQ(lease.session_serial(), 3u);
            EXPECT_EQ(pool.idle(), 1u) << "a session no newer than the stale one must not be taken";
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"1:new", "2:new"}));
    EXPECT_EQ(src.opens, 3);
}

TEST(session_pool, fetches_that_left_one_multiplexed_session_share_one_new_one)
{
    // Five streams refused by a GOAWAY on session 1 each ask for a session newer than it: the
    // first connects, the other four wait for that connect instead of opening their own.
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 10, 10);
    mock_source src;
    src.expected = 100;
    src.capacity = 100;
    src.delay = 20ms;
    int served = 0;
    auto retry = [&](std::uint64_t newer_than) -> net::awaitable<void> {
        session_lease lease;
        EXPECT_FALSE(co_await pool.acquire("h2://a", far_deadline, src, lease, newer_than));
        EXPECT_GT(lease.session_serial(), newer_than);
        co_await sleep_for(10ms);
        ++served;
    };
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            session_lease first;
            EXPECT_FALSE(co_await pool.acquire("h2://a", far_deadline, src, first));
            const auto gone = first.session_serial();
            for (int i = 0; i < 5; ++i)
                net::co_spawn(ioc, retry(gone), net::detached);
            co_await sleep_for(100ms);
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(served, 5);
    EXPECT_EQ(src.opens, 2) << "one new session for all five";
}

TEST(session_pool, cancel_all_reaches_sessions_in_use_and_they_are_not_reused)
{
    net::io_context ioc;
    session_pool pool(ioc.get_executor(), 4, 10);
    mock_source src;
    std::vector<std::string> log;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            {
                session_lease lease;
                EXPECT_FALSE(co_await pool.acquire("http://a", far_deadline, src, lease));
                pool.cancel_all();
                EXPECT_EQ(src.made.at(0)->cancels_, 1);
            }
            EXPECT_EQ(pool.idle(), 0u);
            EXPECT_EQ(pool.open("http://a"), 0u);
            co_await fetch(pool, "http://a", src, 0ms, log, "after");
        },
        net::detached);
    test::run_for(ioc);
    EXPECT_EQ(log, (std::vector<std::string>{"after:new"}));
}

}  // namespace
}  // namespace asyncfetch::detail
