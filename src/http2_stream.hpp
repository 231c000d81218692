// One HTTP/2 stream as an exchange: the request it submits, the response head and body the callbacks
// file into it, its own deadline, and the bounds on its header block.
#pragma once

#include "asyncfetch/request_body.hpp"
#include "http2_session.hpp"
#include "session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch::detail {

/// One stream: the exchange the rules see, filled by the callbacks.
class h2_stream final : public exchange
{
public:
    explicit h2_stream(http2_session::state& st);

    boost::asio::awaitable<failure> send(const request_head& head,
                                         const request_body* body,
                                         clock_type::time_point deadline) override;
    const response_head& response() const noexcept override { return head_; }
    /// When nghttp2 took the request's last frame (HEADERS, or the body's last DATA) for the writer.
    clock_type::time_point request_written() const noexcept override { return written_at_; }
    boost::asio::awaitable<failure> read_body(body_sink* sink, clock_type::time_point deadline) override;
    bool reusable() const noexcept override;
    bool may_send_again(const failure& f) const noexcept override
    {
        return f.ec == errc::http2_stream_refused && !got_response_;
    }

    /// The stream's id, -1 before it was submitted.
    std::int32_t id() const noexcept { return id_; }
    bool closed() const noexcept { return closed_; }
    /// Part of the request body is still to be sent.
    bool uploading() const noexcept { return upload_ && upload_->left() > 0; }
    /// Bytes received and not yet consumed.
    std::size_t pending() const noexcept { return body_.size(); }

    // What the callbacks report.
    void begin_headers();
    int on_header(std::string_view name, std::string_view value);
    void end_headers();
    void on_data(const std::uint8_t* data, std::size_t n)
    {
        body_.append(reinterpret_cast<const char*>(data), n);
        wake();
    }
    void on_close(std::uint32_t code);
    void fail(const failure& f)
    {
        if (!closed_)
        {
            closed_ = true;
            if (!error_)
            {
                error_ = f;
                error_.got_response = got_response_;
            }
        }
        wake();
    }
    /// nghttp2's data provider callback: the request body of the stream id's exchange.
    static ssize_t provide_body(nghttp2_session* s,
                                std::int32_t id,
                                std::uint8_t* buf,
                                std::size_t length,
                                std::uint32_t* flags,
                                nghttp2_data_source* source,
                                void* user);

private:
    void wake() { timer_.cancel(); }
    /// Waits for a callback to wake the stream; false once the deadline passed or the fetch was cancelled.
    boost::asio::awaitable<bool> wait(clock_type::time_point deadline);
    boost::asio::awaitable<failure> stop(const boost::system::error_code& ec);

    http2_session::state& st_;
    boost::asio::steady_timer timer_;
    std::int32_t id_ = -1;
    response_head head_;
    std::string field_text_;  // the fields' bytes, which head_'s views point into once complete
    std::vector<std::size_t> field_ends_;
    std::size_t field_bytes_ = 0;
    bool in_trailers_ = false;
    std::size_t trailer_bytes_ = 0;  // trailers are not kept, but bounded as the header is
    bool headers_done_ = false;
    bool got_response_ = false;
    bool closed_ = false;
    failure error_;
    std::string body_;
    std::optional<body_reader> upload_;  // the request body, read as nghttp2 asks for it
    clock_type::time_point written_at_;
};

/// The h2_stream whose exchange owns stream id, or null once the exchange has ended.
inline h2_stream* stream_of(nghttp2_session* s, std::int32_t id)
{
    return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(s, id));
}

}  // namespace asyncfetch::detail
