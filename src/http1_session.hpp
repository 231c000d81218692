// HTTP/1.1 over one transport: a session of capacity 1 whose exchange writes the request head and
// reads the response with a parser and read buffer the session keeps from one request to the next.
#pragma once

#include "body_sink.hpp"
#include "response.hpp"
#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
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

namespace asyncfetch::detail {

class transport;

/// Writes head as HTTP/1.1 request text into out (cleared first; its capacity is kept).
void serialize_request(const request_head& head, std::string& out);

/// Copies the status, version and field views (into p's storage) of p's header into head.
void read_response_head(const response_parser& p, response_head& head);

/// Whether bytes a server sent in answer to an HTTP/1.1 request begin like HTTP/2 frames (a SETTINGS
/// or GOAWAY frame on stream 0), as an h2c-only server's do.
bool looks_like_http2(std::string_view bytes) noexcept;

/// Errors a kept-alive connection gives when the server had closed it while it was idle.
bool is_stale_connection_error(const boost::system::error_code& ec) noexcept;

/// Whether Stream can drop received bytes unread (transport::discard_some).
template <class Stream>
inline constexpr bool drops_unread = requires(Stream& s)
{
    s.discard_some(boost::asio::mutable_buffer{}, clock_type::now());
};

/// HTTP/1.1 on a Stream with async_read_some, async_write, expires_at, shut_down, idle_and_quiet and
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
                                         const std::string* body,
                                         clock_type::time_point deadline) override
    {
        constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
        serialize_request(head, request_);
        head_method_ = head.method == "HEAD";
        stream_->expires_at(deadline);
        const std::array<boost::asio::const_buffer, 2> request{
            boost::asio::buffer(request_),
            body ? boost::asio::buffer(*body) : boost::asio::const_buffer()};
        auto [wec, written] = co_await stream_->async_write(request, token);
        if (wec)
            co_return failure{wec, phase::send};
        if (auto
                ec = co_await read_final_header(*stream_, buffer_, parser_, head_method_, &fields_, deadline))
        {
            failure f{ec, phase::receive, parser_->got_some()};
            const auto seen = buffer_.cdata();
            if (looks_like_http2({static_cast<const char*>(seen.data()), seen.size()}))
                f.detail = "the server answered in HTTP/2; try --http2-prior-knowledge";
            co_return f;
        }
        read_response_head(*parser_, head_);
        co_return failure{};
    }

    const response_head& response() const noexcept override { return head_; }

    boost::asio::awaitable<failure> read_body(body_sink* sink, clock_type::time_point deadline) override
    {
        stream_->expires_at(deadline);
        boost::system::error_code ec;
        if (can_discard(sink))
            ec = co_await discard_body(sink, deadline);
        else
            ec = co_await read_response_body(*stream_, buffer_, *parser_, sink, deadline);
        if (buffer_.capacity() > response_read_size && buffer_.size() <= response_read_size)
        {
            // A large body's reads grew the buffer: give the memory back for the next response.
            buffer_.shrink_to_fit();
            buffer_.reserve(response_read_size);
        }
        if (ec)
            co_return failure{ec, phase::receive, true};
        complete_ = true;
        stream_->clean = true;
        co_return failure{};
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
            parser_->get().body() = sink;
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

    bool reusable() const noexcept override { return complete_ && parser_ && parser_->keep_alive(); }

    bool may_send_again(const failure& f) const noexcept override
    {
        return exchanges_ > 1 && !f.got_response && is_stale_connection_error(f.ec);
    }

    std::unique_ptr<Stream> stream_;
    boost::beast::flat_buffer buffer_;  // bytes past the end of a response belong to the next one
    field_arena fields_;                // before parser_, whose fields live in it, so it is destroyed after
    std::optional<response_parser> parser_;
    std::string request_;
    response_head head_;
    std::size_t exchanges_ = 0;
    bool head_method_ = false;
    bool complete_ = false;
};

extern template class basic_http1_session<transport>;
using http1_session = basic_http1_session<transport>;

}  // namespace asyncfetch::detail
