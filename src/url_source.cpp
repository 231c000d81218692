// The URL sources: arguments, the lines of a stream, stdin read on a thread of its own, one after another.
#include "asyncfetch/url_source.hpp"

#include "asyncfetch/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <istream>
#include <mutex>
#include <thread>

namespace asyncfetch {

namespace net = boost::asio;

std::optional<std::string> vector_source::next()
{
    if (pos_ >= urls_.size())
        return std::nullopt;
    return urls_[pos_++];
}

std::optional<std::string> line_source::next()
{
    std::string_view line;
    // One byte past the longest URL: parse_url then names the line too long.
    while (next_line(line, max_url_length + 1))
    {
        // Trimmed of blanks and CR (a line holds no LF) by hand: find_first_not_of searches its
        // set once per byte.
        const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
        std::size_t first = 0;
        std::size_t end = line.size();
        while (first < end && blank(line[first]))
            ++first;
        if (first == end || line[first] == '#')
            continue;
        while (blank(line[end - 1]))
            --end;
        return std::string(line.substr(first, end - first));
    }
    return std::nullopt;
}

bool line_source::next_line(std::string_view& line, std::size_t cap)
{
    spanning_.clear();
    bool spans = false;  // the line goes on past the bytes read: it is gathered in spanning_
    bool any = false;    // the line has a byte (at the end of the input, an empty rest is no line)
    for (;;)
    {
        const std::string_view rest(block_.data() + pos_, block_.size() - pos_);
        const auto end = rest.find('\n');
        const auto piece = rest.substr(0, end);
        if (!spans && end != std::string_view::npos)
        {
            pos_ += end + 1;
            line = piece.substr(0, cap);
            return true;
        }
        if (spanning_.size() < cap)
            spanning_.append(piece.substr(0, cap - spanning_.size()));
        spans = true;
        any = any || !piece.empty();
        if (end != std::string_view::npos)
        {
            pos_ += end + 1;
            line = spanning_;
            return true;
        }
        pos_ = block_.size();
        if (!refill())
        {
            line = spanning_;
            return any;
        }
    }
}

bool line_source::refill()
{
    // What the stream's buffer holds (one read(2) of a file or a pipe fills it), without waiting
    // for more: a slow producer's lines are taken as they come.
    std::streambuf* buf = in_.rdbuf();
    try
    {
        if (!buf || buf->sgetc() == std::char_traits<char>::eof())
        {
            in_.setstate(std::ios::eofbit);
            return false;
        }
        const std::streamsize held = std::clamp<std::streamsize>(buf->in_avail(), 1, block_size);
        block_.resize(static_cast<std::size_t>(held));
        block_.resize(static_cast<std::size_t>(buf->sgetn(block_.data(), held)));
    }
    catch (const std::exception&)
    {
        // A read error (a file buffer throws one, EIO from /proc/self/mem): the input ends, and
        // the stream says why, as istream's own reads do.
        in_.setstate(std::ios::badbit);
        return false;
    }
    pos_ = 0;
    return !block_.empty();
}

std::optional<std::string> chained_source::next()
{
    for (; pos_ < parts_.size(); ++pos_)
        if (auto u = parts_[pos_]->next())
            return u;
    return std::nullopt;
}

net::awaitable<std::optional<std::string>> url_source::async_next() { co_return next(); }

bool url_source::try_next(std::optional<std::string>& out)
{
    out = next();
    return true;
}

bool chained_source::try_next(std::optional<std::string>& out)
{
    for (; pos_ < parts_.size(); ++pos_)
    {
        if (!parts_[pos_]->try_next(out))
            return false;
        if (out)
            return true;
    }
    out.reset();
    return true;
}

net::awaitable<std::optional<std::string>> chained_source::async_next()
{
    for (; pos_ < parts_.size(); ++pos_)
        if (auto u = co_await parts_[pos_]->async_next())
            co_return u;
    co_return std::nullopt;
}

/// State shared by the reading thread and the event loop; the thread keeps it alive if it is
/// still blocked in a read when the source goes away.
struct threaded_line_source::shared
{
    static constexpr std::size_t capacity = 4096;

    shared(std::istream& in, net::any_io_executor ex) : in(in), ex(std::move(ex)) {}

    std::istream& in;
    net::any_io_executor ex;
    std::mutex mutex;
    std::condition_variable room;
    std::deque<std::string> lines;
    bool done = false;     // the stream ended
    bool closing = false;  // the source is gone: stop reading, post nothing more
    // The source's timer, cancelled on the event loop whenever lines arrive or the stream ends.
    // Weak: a handler still queued when the source is gone does nothing.
    std::weak_ptr<net::steady_timer> arrived;
};

threaded_line_source::threaded_line_source(std::istream& in, net::any_io_executor ex)
    : shared_(std::make_shared<shared>(in, ex)),
      arrived_(std::make_shared<net::steady_timer>(ex, net::steady_timer::time_point::max()))
{
    shared_->arrived = arrived_;
    // Every read on a tied stream flushes its tie() first (std::cin's is std::cout), a stream the
    // event loop writes results to: untie it before the reading thread starts, so that only the
    // event loop touches the output. Results are flushed by the runner every 20 ms anyway.
    in.tie(nullptr);
    // Detached: a read blocked on an endless stdin cannot be interrupted; the thread owns its state.
    std::thread([s = shared_] {
        line_source lines(s->in);
        for (;;)
        {
            auto u = lines.next();
            std::unique_lock lock(s->mutex);
            if (u)
                s->room.wait(lock, [&] { return s->lines.size() < shared::capacity || s->closing; });
            if (s->closing)
                return;
            if (u)
                s->lines.push_back(std::move(*u));
            else
                s->done = true;
            // Posted under the lock: the destructor (which takes it) cannot have run yet, so the
            // event loop is still there.
            net::post(s->ex, [w = s->arrived] {
                if (auto timer = w.lock())
                    timer->cancel();
            });
            if (!u)
                return;
        }
    }).detach();
}

threaded_line_source::~threaded_line_source()
{
    std::lock_guard lock(shared_->mutex);
    shared_->closing = true;
    shared_->room.notify_all();
}

std::optional<std::string> threaded_line_source::next()
{
    std::unique_lock lock(shared_->mutex);
    // Only for callers outside the event loop (e.g. --compare reading the whole list first).
    while (shared_->lines.empty() && !shared_->done)
    {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        lock.lock();
    }
    if (shared_->lines.empty())
        return std::nullopt;
    auto u = std::move(shared_->lines.front());
    shared_->lines.pop_front();
    shared_->room.notify_one();
    return u;
}

net::awaitable<std::optional<std::string>> threaded_line_source::async_next()
{
    for (;;)
    {
        if (std::optional<std::string> u; try_next(u))
            co_return u;
        co_await arrived_->async_wait(net::as_tuple(net::use_awaitable));
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none)
            co_return std::nullopt;
    }
}

bool threaded_line_source::try_next(std::optional<std::string>& out)
{
    std::lock_guard lock(shared_->mutex);
    if (!shared_->lines.empty())
    {
        out = std::move(shared_->lines.front());
        shared_->lines.pop_front();
        shared_->room.notify_one();
        return true;
    }
    out.reset();
    return shared_->done;
}

std::optional<std::size_t> chained_source::remaining() const
{
    std::size_t sum = 0;
    for (std::size_t i = pos_; i < parts_.size(); ++i)
    {
        auto n = parts_[i]->remaining();
        if (!n)
            return std::nullopt;
        sum += *n;
    }
    return sum;
}

}  // namespace asyncfetch
