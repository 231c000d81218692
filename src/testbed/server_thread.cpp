// server_thread: the loop thread, the listening socket and the bounded stop the test servers share.
#include "asyncfetch/server_thread.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <utility>

namespace asyncfetch {

namespace net = boost::asio;
using tcp = net::ip::tcp;

server_thread::~server_thread()
{
    // Only when the owner never called stop(): nothing may run on the loop thread any more.
    if (thread_.joinable())
    {
        ioc_.stop();
        thread_.join();
    }
}

void server_thread::listen(const tcp::endpoint& where)
{
    acceptor_.open(where.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(where);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void server_thread::start(net::awaitable<void> accept_loop)
{
    net::co_spawn(ioc_, std::move(accept_loop), net::detached);
    thread_ = std::thread([this] {
        for (;;)
        {
            try
            {
                ioc_.run();
                break;
            }
            catch (const std::exception&)
            {
                // A handler outside any coroutine threw: keep serving the others.
            }
        }
        finished_.set_value();
    });
}

void server_thread::stop(const std::function<void()>& close_everything,
                         std::chrono::steady_clock::duration grace)
{
    std::lock_guard lock(stop_mutex_);
    if (stopped_)
        return;
    stopped_ = true;
    if (!thread_.joinable())
        return;
    net::post(ioc_, close_everything);
    // With every socket closed and every timer cancelled the coroutines end and run() returns by itself.
    // The bound is a safety net: stopping the loop leaves the frames to the io_context's destructor.
    const bool ended = finished_future_.wait_for(grace) == std::future_status::ready;
    if (!ended)
        ioc_.stop();
    thread_.join();
    // The loop thread is gone, so this thread may touch its state: close whatever is still open.
    if (!ended)
        close_everything();
}

}  // namespace asyncfetch
