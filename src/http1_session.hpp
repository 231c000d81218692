// HTTP/1.1 over one transport: a session of capacity 1 whose exchange writes the request head and
// reads the response with a parser and read buffer the session keeps from one request to the next.
#pragma once

#include "asyncfetch/request_body.hpp"
#include "body_sink.hpp"
#include "response.hpp"
#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace asyncfetch::detail {

class transport;

/// Writes head as HTTP/1.1 request text into out (cleared first; its capacity is kept).
void serialize_request(const request_head& head, std::string& out);

/// Copies the status, version and field views (into p's arena) of p's header into head.
void read_response_head(const response_parser& p, response_head& head);

/// Whether bytes a server sent in answer to an HTTP/1.1 request begin like HTTP/2 frames (a SETTINGS
/// or GOAWAY frame on stream 0), as an h2c-only server's do.
bool looks_like_http2(std::string_view bytes) noexcept;

/// Errors a kept-alive connection gives when the server had closed it while it was idle.
bool is_stale_connection_error(const boost::system::error_code& ec) noexcept;

/// A body read from files goes out in blocks of this size.
inline constexpr std::size_t upload_block_size = 256 * 1024;

/// Whether Stream can drop received bytes unread (transport::discard_some).
template <class Stream>
inline constexpr bool drops_unread = requires(Stream& s)
{
    s.discard_some(boost::asio::mutable_buffer{}, clock_type::now());
};

/// Whether Stream can write without waiting (transport::write_now).
template <class Stream>
inline constexpr bool writes_at_once = requires(Stream& s, boost::system::error_code& ec)
{
    s.write_now(std::array<boost::asio::const_buffer, 2>{}, ec);
};

/// HTTP/1.1 on a Stream with async_read_some, async_write, expires_at (the exchange's deadline;
/// time_point::max() disarms it), shut_down, idle_and_quiet and
/// a clean flag: transport in the client, an in-memory stream in tests.
template <class Stream>
class basic_http1_session final : public session, private exchange
{
public:
    explicit basic_http1_session(std::unique_ptr<Stream> s) : stream_(std::move(s))
    {
        // Beast reads as much as the buffer has room for: without room reserved, a large body
        // arrives 512 bytes per system call.
        buffer_.reserve(response_read_size);
    }

    std::size_t capacity() const noexcept override { return 1; }
    bool alive() noexcept override { return buffer_.size() == 0 && stream_->idle_and_quiet(); }
    exchange& start_exchange() override
    {
        ++exchanges_;
        complete_ = false;
        stream_->clean = false;
        return *this;
    }
    void end_exchange(exchange&) noexcept override {}
    void cancel() noexcept override { stream_->shut_down(); }
    void rest() noexcept override
    {
        if constexpr (requires(Stream & s) { s.stop_deadline_wait(); })
            stream_->stop_deadline_wait();
    }
    const peer_address* peer() const noexcept override
    {
        if constexpr (requires(const Stream& s) { s.peer; })
            return &stream_->peer;
        return nullptr;
    }
    bool describe_tls(tls_details& out) const override
    {
        if constexpr (requires(const Stream& s) { s.describe_tls(out); })
            return stream_->describe_tls(out);
        return false;
    }

    Stream& stream() noexcept { return *stream_; }

private:
    boost::asio::awaitable<failure> send(const request_head& head,
                                         const request_body* body,
                                         clock_type::time_point deadline) override
    {
        using namespace boost::asio::experimental::awaitable_operators;
        serialize_request(head, request_);
        head_method_ = head.method == "HEAD";
        stream_->expires_at(deadline);
        writing_ = true;
        written_at_ = {};
        body_unsent_ = false;
        stop_writing_ = false;
        boost::system::error_code wec;
        boost::system::error_code rec;
        if (!body || body->size == 0)
        {
            // The head alone, written here (no writer coroutine to start, nor to stop from
            // read_head); what the socket does not take at once goes out asynchronously.
            const auto rest = write_at_once({boost::asio::buffer(request_), boost::asio::const_buffer()},
                                            wec);
            if (!wec && boost::asio::buffer_size(rest) > 0)
                std::tie(wec, std::ignore) = co_await stream_->async_write(
                    rest,
                    boost::asio::as_tuple(boost::asio::use_awaitable));
            writing_ = false;
            written_at_ = clock_type::now();
            if (!wec)
                rec = co_await read_final_header(*stream_,
                                                 buffer_,
                                                 parser_,
                                                 head_method_,
                                                 &fields_,
                                                 deadline);
        }
        else
        {
            // The response is read while the body goes out: a server may answer (413, 401) before
            // it has read the body, then close; that answer is the result, not the failed write.
            std::tie(wec, rec) = co_await (write_request(*body) && read_head(deadline));
        }
        if (wec || rec)
        {
            if (timed_out())
            {
                // The deadline shut the stream down: whatever the operations saw, that is why.
                wec = wec ? boost::system::error_code(boost::beast::error::timeout) : wec;
                rec = rec ? boost::system::error_code(boost::beast::error::timeout) : rec;
            }
            stream_->expires_at(clock_type::time_point::max());
        }
        if (wec && (!body || body->size == 0))
            co_return failure{wec, phase::send};
        if (rec && wec && !parser_->got_some() && wec != boost::asio::error::operation_aborted)
        {
            failure f{wec, phase::send};
            f.detail = std::move(write_problem_);
            co_return f;
        }
        if (rec)
        {
            failure f{rec, phase::receive, parser_->got_some()};
            const auto seen = buffer_.cdata();
            if (looks_like_http2({static_cast<const char*>(seen.data()), seen.size()}))
                f.detail = "the server answered in HTTP/2; try --http2-prior-knowledge";
            co_return f;
        }
        body_unsent_ = static_cast<bool>(wec);  // the connection cannot carry another request
        read_response_head(*parser_, head_);
        co_return failure{};
    }

    /// Writes the request head and its body (send() writes a head without one itself); ends early
    /// (operation_aborted) when stop_writing_ is set.
    boost::asio::awaitable<boost::system::error_code> write_request(const request_body& body)
    {
        auto token = [this] {
            return boost::asio::bind_cancellation_slot(stop_signal_.slot(),
                                                       boost::asio::as_tuple(boost::asio::use_awaitable));
        };
        boost::system::error_code ec;
        const std::string* text = body.text();
        const std::array<boost::asio::const_buffer, 2> whole{
            boost::asio::buffer(request_),
            text ? boost::asio::buffer(*text) : boost::asio::const_buffer()};
        if (const auto rest = write_at_once(whole, ec); !ec && boost::asio::buffer_size(rest) > 0)
            std::tie(ec, std::ignore) = co_await stream_->async_write(rest, token());
        if (!text)
        {
            // A body with files: read a block, write it; only one block is in memory.
            body_reader reader(body);
            upload_.resize(upload_block_size);
            while (!ec && reader.left() > 0 && !stop_writing_)
            {
                const std::size_t n = reader.read(upload_.data(), upload_.size(), ec);
                if (ec)
                {
                    // The server waits for the rest: end the read too.
                    write_problem_ = reader.problem();
                    stream_->shut_down();
                    break;
                }
                std::tie(ec, std::ignore) = co_await stream_->async_write(
                    boost::asio::buffer(upload_.data(), n),
                    token());
            }
            upload_.clear();
            upload_.shrink_to_fit();
        }
        if (!ec && stop_writing_)
            ec = boost::asio::error::operation_aborted;
        writing_ = false;
        written_at_ = clock_type::now();
        co_return ec;
    }

    /// What a stream that can write without waiting takes of b now; returns what is left to write
    /// asynchronously (all of b for other streams, and when the socket takes nothing yet). A request
    /// head usually goes out whole here, without an asynchronous operation's round through the
    /// scheduler.
    std::array<boost::asio::const_buffer, 2> write_at_once(std::array<boost::asio::const_buffer, 2> b,
                                                           boost::system::error_code& ec)
    {
        if constexpr (writes_at_once<Stream>)
        {
            std::size_t n = stream_->write_now(b, ec);
            if (ec == boost::asio::error::would_block || ec == boost::asio::error::operation_not_supported)
                ec = {};
            for (auto& part : b)
            {
                const std::size_t taken = std::min(n, part.size());
                part += taken;
                n -= taken;
            }
        }
        return b;
    }

    /// Reads the final response's head; while the body is still being written, a final status of 300
    /// or more, or a failed read, stops the writing (as curl does).
    boost::asio::awaitable<boost::system::error_code> read_head(clock_type::time_point deadline)
    {
        auto ec = co_await read_final_header(*stream_, buffer_, parser_, head_method_, &fields_, deadline);
        if (writing_ && (ec || parser_->status() >= 300))
        {
            stop_writing_ = true;
            stop_signal_.emit(boost::asio::cancellation_type::terminal);
        }
        co_return ec;
    }

    const response_head& response() const noexcept override { return head_; }
    clock_type::time_point request_written() const noexcept override { return written_at_; }

    boost::asio::awaitable<failure> read_body(body_sink* sink, clock_type::time_point deadline) override
    {
        stream_->expires_at(deadline);
        boost::system::error_code ec;
        if (can_discard(sink))
            ec = co_await discard_body(sink, deadline);
        else
            ec = co_await read_response_body(*stream_, buffer_, *parser_, sink, deadline);
        co_return end_body(ec);
    }

    std::optional<failure> read_body_now(body_sink* sink) override
    {
        if (can_discard(sink))
            return std::nullopt;
        parser_->sink(sink);
        const auto ec = parse_buffered(*parser_, buffer_, false);
        if (ec == boost::beast::http::error::need_more)
            return std::nullopt;
        return end_body(ec);
    }

    /// The end of a body's reading (ec says how it went): the deadline disarmed, the exchange
    /// complete or failed.
    failure end_body(boost::system::error_code ec)
    {
        if (timed_out())
            ec = boost::beast::error::timeout;  // a body that ends at close ends here too, cut short
        stream_->expires_at(clock_type::time_point::max());
        if (buffer_.capacity() > response_read_size && buffer_.size() <= response_read_size)
        {
            // A large body's reads grew the buffer: give the memory back for the next response.
            buffer_.shrink_to_fit();
            buffer_.reserve(response_read_size);
        }
        if (ec)
            return failure{ec, phase::receive, true};
        complete_ = true;
        stream_->clean = true;
        return failure{};
    }

    /// A large body over plain TCP that nobody reads (counted only: no decoding, no file) is dropped
    /// in the kernel instead of copied in and thrown away.
    bool can_discard(const body_sink* sink)
    {
        if constexpr (drops_unread<Stream>)
        {
            const auto length = parser_->content_length_remaining();
            return !stream_->tls() && (!sink || sink->discards()) && length && *length > large_body_size;
        }
        return false;
    }

    boost::asio::awaitable<boost::system::error_code> discard_body(body_sink* sink,
                                                                   clock_type::time_point deadline)
    {
        if constexpr (drops_unread<Stream>)
        {
            // The bytes that came with the header go through the parser; the rest are counted unread.
            parser_->sink(sink);
            auto ec = parse_buffered(*parser_, buffer_, false);
            if (ec != boost::beast::http::error::need_more)
                co_return ec;
            std::uint64_t remaining = parser_->content_length_remaining().value_or(0);
            while (remaining > 0)
            {
                // Bytes that are always there never make the read wait for its timer.
                if (clock_type::now() >= deadline)
                    co_return boost::beast::error::timeout;
                auto room = buffer_.prepare(
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining, large_read_size)));
                auto [rec, n] = co_await stream_->discard_some(room, deadline);
                remaining -= n;
                if (n > 0 && sink)
                    if (auto limit = sink->skip(n))
                        co_return limit;
                if (rec == boost::asio::error::eof)
                    co_return boost::beast::http::error::partial_message;
                if (rec)
                    co_return rec;
            }
        }
        co_return boost::system::error_code{};
    }

    /// The stream's deadline shut it down (a stream without one never times out on its own).
    bool timed_out() const noexcept
    {
        if constexpr (requires(const Stream& s) { s.timed_out(); })
            return stream_->timed_out();
        return false;
    }

    bool reusable() const noexcept override
    {
        return complete_ && !body_unsent_ && parser_ && parser_->keep_alive();
    }

    bool may_send_again(const failure& f) const noexcept override
    {
        return exchanges_ > 1 && !f.got_response && is_stale_connection_error(f.ec);
    }

    std::unique_ptr<Stream> stream_;
    // Bytes past the end of a response belong to the next one. Bounded: a response's unparsed
    // bytes (a chunk-size line, trailers) cannot take more memory than this.
    boost::beast::flat_buffer buffer_{response_buffer_limit};
    field_arena fields_;  // before parser_, whose fields live in it, so it is destroyed after
    std::optional<response_parser> parser_;
    std::string request_;
    std::vector<unsigned char> upload_;  // one block of a body read from files, while it is written
    std::string write_problem_;          // why a body file could not be read
    boost::asio::cancellation_signal stop_signal_;
    response_head head_;
    std::size_t exchanges_ = 0;
    bool head_method_ = false;
    bool complete_ = false;
    bool writing_ = false;               // the request is being written
    bool stop_writing_ = false;          // the response came (or failed) first: the rest is not sent
    clock_type::time_point written_at_;  // when write_request() ended
    bool body_unsent_ = false;           // the response came before the whole body went out
};

extern template class basic_http1_session<transport>;
using http1_session = basic_http1_session<transport>;

}  // namespace asyncfetch::detail
