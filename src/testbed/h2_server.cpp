// The testbed's HTTP/2 connections: the reader, the writer and the delay timer around an h2_session.
#include "h2_session.hpp"
#include "server_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <utility>
#include <vector>

namespace asyncfetch::detail::testbed_parts {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t read_size = 64 * 1024;
/// Small frames are coalesced into writes of about this size; memory per connection stays bounded.
constexpr std::size_t write_batch = 64 * 1024;

/// Whether the coroutine was cancelled (the other loops of its connection ended).
net::awaitable<bool> cancelled()
{
    auto state = co_await net::this_coro::cancellation_state;
    co_return state.cancelled() != net::cancellation_type::none;
}

/// The three loops of one HTTP/2 connection. One reader feeds the session, one writer drains it, and the
/// delay loop answers /delay streams when they are due; all run on the server's one thread.
template <class Stream>
class h2_connection
{
public:
    /// `initial`: bytes already read (the preface or part of it), fed to the session first.
    h2_connection(Stream& stream, live_connection& conn, std::string initial)
        : stream_(stream),
          conn_(conn),
          session_(conn),
          delays_(conn.socket_.get_executor()),
          initial_(std::move(initial))
    {
    }

    net::awaitable<void> reader()
    {
        if (!initial_.empty() &&
            !received(reinterpret_cast<const std::uint8_t*>(initial_.data()), initial_.size()))
            co_return;
        std::vector<std::uint8_t> buffer(read_size);
        for (;;)
        {
            auto [ec, n] = co_await stream_.async_read_some(net::buffer(buffer), use_tuple);
            if (n > 0 && !received(buffer.data(), n))
                co_return;
            if (ec)
                co_return;
        }
    }

    net::awaitable<void> writer()
    {
        std::string out;
        for (;;)
        {
            out.clear();
            if (!session_.send(out, write_batch))
                co_return;
            if (!out.empty())
            {
                auto [ec, n] = co_await net::async_write(stream_, net::buffer(out), use_tuple);
                (void)n;
                if (ec)
                    co_return;
                continue;
            }
            // Both directions done: a GOAWAY went out and its streams ended.
            if (!session_.alive() || !conn_.socket_.is_open())
                co_return;
            if (!std::exchange(wake_pending_, false))
            {
                conn_.timer_.expires_at(net::steady_timer::time_point::max());
                co_await conn_.timer_.async_wait(use_tuple);
                if (co_await cancelled())
                    co_return;
                wake_pending_ = false;
            }
        }
    }

    net::awaitable<void> delay_loop()
    {
        for (;;)
        {
            const auto next = session_.answer_due(h2_session::clock::now());
            if (session_.take_work())
                wake();
            delays_.expires_at(next.value_or(h2_session::clock::time_point::max()));
            co_await delays_.async_wait(use_tuple);
            if (co_await cancelled() || !conn_.socket_.is_open())
                co_return;
        }
    }

private:
    bool received(const std::uint8_t* data, std::size_t size)
    {
        if (!session_.recv(data, size))
            return false;
        delays_.cancel();  // a new /delay stream may be due before the one waited for
        wake();
        return true;
    }

    /// Lets the writer run: a wake-up while it writes is kept for its next turn.
    void wake()
    {
        wake_pending_ = true;
        conn_.timer_.cancel();
    }

    Stream& stream_;
    live_connection& conn_;
    h2_session session_;
    net::steady_timer delays_;
    std::string initial_;
    bool wake_pending_ = false;
};

}  // namespace

template <class Stream>
net::awaitable<void> serve_http2(Stream& stream, live_connection& conn, std::string initial)
{
    using namespace net::experimental::awaitable_operators;
    ++conn.owner_.http2_connections_;
    {
        h2_connection<Stream> h2(stream, conn, initial);  // at most the 24 bytes of the preface
        // Whichever loop ends first ends the connection: the client went away, or the session is done.
        co_await (h2.reader() || h2.writer() || h2.delay_loop());
    }
    // Lingering: closing with unread bytes sends a reset, which can destroy a GOAWAY before it is read.
    co_await finish(stream, conn, after_response::close_lingering);
}

template net::awaitable<void> serve_http2(tcp::socket&, live_connection&, std::string);
template net::awaitable<void> serve_http2(ssl::stream<tcp::socket>&, live_connection&, std::string);

}  // namespace asyncfetch::detail::testbed_parts
