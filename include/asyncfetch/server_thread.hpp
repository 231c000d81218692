// server_thread: an io_context serving one acceptor on a thread of its own, for the test servers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace asyncfetch {

/// The part every in-process test server repeats: an io_context with one thread, an acceptor bound
/// before the thread starts (so the port is known at once), and a bounded stop that joins the thread.
/// Part of the asyncfetch_testbed library, which the asyncfetch binary does not link.
///
/// The owner declares it after everything its coroutines touch: destroying the io_context destroys
/// any coroutine frame still pending.
class server_thread
{
public:
    server_thread() = default;
    /// Joins the thread; call stop() before, while what close_everything touches is still alive.
    ~server_thread();
    server_thread(const server_thread&) = delete;
    server_thread& operator=(const server_thread&) = delete;

    /// The io_context the thread runs.
    boost::asio::io_context& context() { return ioc_; }
    /// The acceptor that listen() opens.
    boost::asio::ip::tcp::acceptor& acceptor() { return acceptor_; }

    /// Opens, binds (with SO_REUSEADDR) and listens. Throws boost::system::system_error.
    void listen(const boost::asio::ip::tcp::endpoint& where = {boost::asio::ip::make_address_v4("127.0.0.1"),
                                                               0});
    /// The bound port.
    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    /// Spawns `accept_loop` on the io_context and starts running it on a new thread. A handler outside
    /// any coroutine that throws is swallowed and the loop goes on.
    void start(boost::asio::awaitable<void> accept_loop);

    /// Runs `close_everything` on the loop thread, then waits up to `grace` for the loop to run out of
    /// work by itself; after that it stops the loop. Joins the thread, then calls `close_everything`
    /// again on this thread if the loop had to be stopped. Only the first call does anything.
    void stop(const std::function<void()>& close_everything,
              std::chrono::steady_clock::duration grace = std::chrono::seconds(2));

private:
    boost::asio::io_context ioc_{1};
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::promise<void> finished_;
    std::future<void> finished_future_ = finished_.get_future();
    std::mutex stop_mutex_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace asyncfetch
