// A scripted raw-TCP server on 127.0.0.1 for fault tests: each connection plays bytes, pauses and endings.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asyncfetch::test {

/// One step of a connection's script.
struct fault_step
{
    enum class action
    {
        send,          ///< send bytes
        trickle,       ///< send bytes one at a time, interval apart
        pause,         ///< wait interval
        read_request,  ///< read the next request head (up to "\r\n\r\n")
        close,         ///< close the connection (FIN)
        reset,         ///< close with SO_LINGER 0 (RST)
        hold,          ///< keep the connection open, unanswered, until the peer or the server stops
    };
    action what = action::close;
    std::string bytes;
    std::chrono::milliseconds interval{0};
};

/// What a connection does after accepting: it first reads one request head, then plays the steps,
/// then closes unless a step already ended the connection.
using fault_script = std::vector<fault_step>;

inline fault_step send_bytes(std::string bytes) { return {fault_step::action::send, std::move(bytes), {}}; }
inline fault_step trickle_bytes(std::string bytes, std::chrono::milliseconds every)
{
    return {fault_step::action::trickle, std::move(bytes), every};
}
inline fault_step pause_for(std::chrono::milliseconds ms) { return {fault_step::action::pause, {}, ms}; }
inline fault_step read_request() { return {fault_step::action::read_request, {}, {}}; }
inline fault_step close_connection() { return {fault_step::action::close, {}, {}}; }
inline fault_step reset_connection() { return {fault_step::action::reset, {}, {}}; }
inline fault_step hold_open() { return {fault_step::action::hold, {}, {}}; }

/// A listening socket on 127.0.0.1 with a port of its own. Connection i plays
/// scripts[min(i, scripts.size() - 1)] on a thread of its own; destruction stops and joins everything.
class fault_server
{
public:
    explicit fault_server(std::vector<fault_script> scripts) : scripts_(std::move(scripts))
    {
        if (scripts_.empty())
            throw std::invalid_argument("fault_server needs at least one script");
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd_ < 0)
            throw std::runtime_error("fault_server: socket failed");
        const int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listen_fd_, 128) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        {
            ::close(listen_fd_);
            throw std::runtime_error("fault_server: bind or listen failed");
        }
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~fault_server() { stop(); }
    fault_server(const fault_server&) = delete;
    fault_server& operator=(const fault_server&) = delete;

    /// The bound port.
    std::uint16_t port() const noexcept { return port_; }

    /// "http://127.0.0.1:PORT" followed by path.
    std::string url(std::string_view path = "/") const
    {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

    /// Connections accepted so far.
    std::size_t connections() const noexcept { return connections_; }

    /// Request heads read so far.
    std::size_t requests() const noexcept { return requests_; }

    /// Stops accepting, ends every script and joins every thread. Idempotent.
    void stop()
    {
        if (stopping_.exchange(true))
            return;
        acceptor_.join();
        std::vector<std::thread> workers;
        {
            std::lock_guard lock(mutex_);
            workers.swap(workers_);
        }
        for (auto& t : workers)
            t.join();
        ::close(listen_fd_);
    }

private:
    static constexpr int poll_ms = 5;
    static constexpr std::size_t max_head = 1024 * 1024;

    void accept_loop()
    {
        while (!stopping_)
        {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, poll_ms) <= 0)
                continue;
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            const std::size_t index = connections_++;
            const fault_script& script = scripts_[std::min(index, scripts_.size() - 1)];
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, fd, &script] { serve(fd, script); });
        }
    }

    /// Waits until fd is ready for events; false when the server stops first.
    bool wait_for(int fd, short events)
    {
        while (!stopping_)
        {
            pollfd p{fd, events, 0};
            const int n = ::poll(&p, 1, poll_ms);
            if (n > 0)
                return true;
            if (n < 0)
                return false;
        }
        return false;
    }

    bool send_all(int fd, std::string_view bytes)
    {
        while (!bytes.empty())
        {
            if (!wait_for(fd, POLLOUT))
                return false;
            const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0)
                return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Reads up to the end of the next request head; bytes after it stay in pending.
    bool read_head(int fd, std::string& pending)
    {
        for (;;)
        {
            if (const auto end = pending.find("\r\n\r\n"); end != std::string::npos)
            {
                pending.erase(0, end + 4);
                ++requests_;
                return true;
            }
            if (pending.size() > max_head || !wait_for(fd, POLLIN))
                return false;
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0)
                return false;
            pending.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Sleeps for d in small steps; false when the server stops first.
    bool pause(std::chrono::milliseconds d)
    {
        const auto until = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < until)
        {
            if (stopping_)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    /// Keeps the connection open until the server stops or the peer closes; input is discarded.
    void hold(int fd)
    {
        while (wait_for(fd, POLLIN))
        {
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                return;
        }
    }

    void serve(int fd, const fault_script& script)
    {
        std::string pending;
        bool open = read_head(fd, pending);
        for (auto it = script.begin(); open && it != script.end(); ++it)
        {
            switch (it->what)
            {
            case fault_step::action::send: open = send_all(fd, it->bytes); break;
            case fault_step::action::trickle:
                for (std::size_t i = 0; open && i < it->bytes.size(); ++i)
                    open = send_all(fd, std::string_view(it->bytes).substr(i, 1)) && pause(it->interval);
                break;
            case fault_step::action::pause: open = pause(it->interval); break;
            case fault_step::action::read_request: open = read_head(fd, pending); break;
            case fault_step::action::close: open = false; break;
            case fault_step::action::reset:
            {
                const linger abortive{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
                open = false;
                break;
            }
            case fault_step::action::hold:
                hold(fd);
                open = false;
                break;
            }
        }
        ::close(fd);
    }

    std::vector<fault_script> scripts_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> requests_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
};

/// A TCP port on 127.0.0.1 that refuses connections for as long as this object lives: the socket is
/// bound (so no one else can take the port) but never listens, so a SYN is answered with RST.
class refused_port
{
public:
    refused_port()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("refused_port: bind failed");
        port_ = ntohs(addr.sin_port);
    }
    ~refused_port() { ::close(fd_); }
    refused_port(const refused_port&) = delete;
    refused_port& operator=(const refused_port&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// "http://127.0.0.1:PORT" followed by path.
    std::string url(std::string_view path = "/") const
    {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace asyncfetch::test
