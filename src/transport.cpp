// The transport's socket-level checks: shutting it down and peeking at an idle socket.
#include "transport.hpp"

#include <sys/socket.h>

#include <cerrno>

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

}  // namespace asyncfetch::detail
