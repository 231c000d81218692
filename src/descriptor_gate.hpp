// Back-pressure on file descriptors: connects that met EMFILE wait here until one of ours closes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <utility>

namespace asyncfetch::detail {

/// The process (EMFILE) or the system (ENFILE) has no file descriptor left for a new socket.
inline bool out_of_descriptors(const boost::system::error_code& ec) noexcept
{
    return ec == boost::system::error_code(EMFILE, boost::system::system_category()) ||
           ec == boost::system::error_code(ENFILE, boost::system::system_category());
}

/// Whether the process is out of file descriptors right now (it cannot open /dev/null): tells a
/// lookup that failed for want of a socket from one the DNS failed.
inline bool descriptors_exhausted() noexcept
{
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
    {
        ::close(fd);
        return false;
    }
    return errno == EMFILE || errno == ENFILE;
}

/// Connects that found no file descriptor wait here, oldest first, until a connection of the run
/// closes (or goes idle, so that it can be closed for them). Not thread-safe; shared with the
/// transports, which may outlive the connector.
class descriptor_gate : public std::enable_shared_from_this<descriptor_gate>
{
public:
    explicit descriptor_gate(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}
    descriptor_gate(const descriptor_gate&) = delete;
    descriptor_gate& operator=(const descriptor_gate&) = delete;

    /// Closes one idle connection to free its descriptor; true when it did. Set by the client.
    std::function<bool()> reclaim;

    /// A descriptor was closed, or a connection went idle: the oldest waiter tries again.
    void freed() noexcept
    {
        if (waiters_.empty())
            return;
        waiter* w = waiters_.front();
        waiters_.pop_front();
        w->woken = true;
        w->timer.cancel();
    }

    /// Wakes every waiter (the run is being cancelled).
    void wake_all() noexcept
    {
        while (!waiters_.empty())
            freed();
    }

    /// A connection of the run was opened (it calls closed() when it closes).
    void opened() noexcept { ++open_; }
    /// A connection of the run closed: its descriptor is free.
    void closed() noexcept
    {
        --open_;
        freed();
    }
    /// Connections of the run open now: none means no descriptor will come back by waiting.
    std::size_t open() const noexcept { return open_; }

    /// Connects waiting.
    std::size_t waiting() const noexcept { return waiters_.size(); }

    /// Waits for freed() until deadline; false when the deadline passed first.
    boost::asio::awaitable<bool> wait(std::chrono::steady_clock::time_point deadline)
    {
        auto self = shared_from_this();  // the list outlives this frame, even if the frame is destroyed
        waiter w{boost::asio::steady_timer(ex_, deadline)};
        const enlisted entry(waiters_, w);
        co_await w.timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (!w.woken)
            co_return false;
        co_return std::chrono::steady_clock::now() < deadline;
    }

private:
    struct waiter
    {
        boost::asio::steady_timer timer;
        bool woken = false;
    };

    /// A waiter on the list for as long as it waits, taken off when woken or gone.
    class enlisted
    {
    public:
        enlisted(std::list<waiter*>& list, waiter& w) : list_(list), w_(w), it_(list.insert(list.end(), &w))
        {
        }
        ~enlisted()
        {
            if (!w_.woken)
                list_.erase(it_);
        }
        enlisted(const enlisted&) = delete;
        enlisted& operator=(const enlisted&) = delete;

    private:
        std::list<waiter*>& list_;
        waiter& w_;
        std::list<waiter*>::iterator it_;
    };

    boost::asio::any_io_executor ex_;
    std::list<waiter*> waiters_;
    std::size_t open_ = 0;
};

}  // namespace asyncfetch::detail
