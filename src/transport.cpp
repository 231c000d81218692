// The transport's socket-level operations: shutting it down, peeking at an idle socket, and dropping
// received bytes unread.
#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <variant>

namespace asyncfetch::detail {

void transport::shut_down() noexcept
{
    boost::system::error_code ignored;
    tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
}

bool transport::idle_and_quiet() noexcept
{
    char byte;
    const ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> transport::discard_some(
    boost::asio::mutable_buffer room,
    std::chrono::steady_clock::time_point deadline)
{
    namespace net = boost::asio;
    using namespace net::experimental::awaitable_operators;
    constexpr auto token = net::as_tuple(net::use_awaitable);
    auto& socket = tcp().socket();
    for (;;)
    {
        // MSG_TRUNC on TCP drops the bytes in the kernel: nothing is copied into room.
        const ssize_t n = ::recv(socket.native_handle(), room.data(), room.size(), MSG_TRUNC | MSG_DONTWAIT);
        if (n > 0)
            co_return std::pair{boost::system::error_code{}, static_cast<std::size_t>(n)};
        if (n == 0)
            co_return std::pair{boost::system::error_code{net::error::eof}, std::size_t{0}};
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            co_return std::pair{boost::system::error_code(errno, boost::system::system_category()),
                                std::size_t{0}};
        net::steady_timer timer(socket.get_executor(), deadline);
        auto ready = co_await (socket.async_wait(net::socket_base::wait_read, token) ||
                               timer.async_wait(token));
        if (ready.index() == 1)
            co_return std::pair{boost::system::error_code{boost::beast::error::timeout}, std::size_t{0}};
        if (auto [ec] = std::get<0>(ready); ec)
            co_return std::pair{ec, std::size_t{0}};
    }
}

}  // namespace asyncfetch::detail
