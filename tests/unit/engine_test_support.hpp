// Socket-free helpers for the engine's unit tests: running a coroutine on an io_context with a bound.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace asyncfetch::test {

/// Runs ioc until it has no work or timeout passes (as Boost.Redis's run_coroutine_test does);
/// a test that hangs fails instead.
inline void run_for(boost::asio::io_context& ioc, std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
    ioc.run_for(timeout);
    EXPECT_TRUE(ioc.stopped()) << "the io_context still had work after " << timeout.count() << " ms";
}

/// Waits d on the current executor.
inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d)
{
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
    co_await t.async_wait(boost::asio::use_awaitable);
}

}  // namespace asyncfetch::test
