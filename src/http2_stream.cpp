// HTTP/2 streams: what the callbacks file into a stream, and the exchange the rules drive.
#include "http2_stream.hpp"

#include "asyncfetch/error.hpp"
#include "body_sink.hpp"
#include "http2_state.hpp"
#include "request_head.hpp"
#include "response.hpp"
#include "text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <charconv>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

nghttp2_nv make_nv(std::string_view name, std::string_view value) noexcept
{
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
            name.size(),
            value.size(),
            NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

h2_stream::h2_stream(http2_session::state& st)
    : st_(st), timer_(st.wake_writer.get_executor(), clock_type::time_point::max())
{
}

bool h2_stream::reusable() const noexcept { return !st_.retiring(); }

// The stream as the callbacks see it.

void h2_stream::begin_headers()
{
    if (headers_done_)
    {
        in_trailers_ = true;  // trailers are read and not reported
        return;
    }
    field_text_.clear();
    field_ends_.clear();
    field_bytes_ = 0;
    head_.status = 0;
}

int h2_stream::on_header(std::string_view name, std::string_view value)
{
    got_response_ = true;
    if (in_trailers_)
    {
        // Not kept, but bounded as a header is: a trailer flood resets the stream.
        trailer_bytes_ += name.size() + value.size() + 4;
        if (trailer_bytes_ <= trailer_limit)
            return 0;
        fail(failure{errc::trailer_too_large, phase::receive, true});
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    // The same bounds as over HTTP/1.1; past them only this stream is reset.
    field_bytes_ += name.size() + value.size() + 4;
    if (field_bytes_ > response_header_limit || field_ends_.size() / 2 >= response_field_limit)
    {
        fail(failure{field_bytes_ > response_header_limit ? make_error_code(http::error::header_limit)
                                                          : make_error_code(errc::too_many_header_fields),
                     phase::receive,
                     true});
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (name == ":status")
    {
        unsigned status = 0;
        std::from_chars(value.data(), value.data() + value.size(), status);
        head_.status = status;
        return 0;
    }
    if (!name.empty() && name.front() == ':')
        return 0;
    field_text_.append(name);
    field_ends_.push_back(field_text_.size());
    field_text_.append(value);
    field_ends_.push_back(field_text_.size());
    return 0;
}

void h2_stream::end_headers()
{
    if (in_trailers_ || headers_done_ || closed_)
        return;
    if (!is_final_status(head_.status))
        return;  // an interim (1xx) response: the final one follows
    headers_done_ = true;
    head_.version = 20;
    head_.fields.clear();
    std::size_t begin = 0;
    for (std::size_t i = 0; i + 1 < field_ends_.size(); i += 2)
    {
        const std::string_view name(field_text_.data() + begin, field_ends_[i] - begin);
        const std::string_view value(field_text_.data() + field_ends_[i],
                                     field_ends_[i + 1] - field_ends_[i]);
        head_.fields.push_back({name, value});
        begin = field_ends_[i + 1];
    }
    head_.content_length.reset();
    if (auto cl = head_.find("content-length"))
    {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
        if (ec == std::errc() && end == cl->data() + cl->size())
            head_.content_length = n;
    }
    wake();
}

void h2_stream::on_close(std::uint32_t code)
{
    if (code == NGHTTP2_NO_ERROR && !headers_done_ && !error_)
        error_ = failure{http::error::end_of_stream, phase::receive, got_response_};
    else if (code != NGHTTP2_NO_ERROR && !error_)
    {
        const bool refused = code == NGHTTP2_REFUSED_STREAM;
        error_ = failure{refused ? errc::http2_stream_refused : errc::http2_stream_reset,
                         phase::receive,
                         got_response_};
        error_.detail = std::string(refused ? "the server refused the HTTP/2 stream"
                                            : "the server reset the HTTP/2 stream") +
                        " (" + nghttp2_http2_strerror(code) + ")";
    }
    closed_ = true;
    wake();
}

ssize_t h2_stream::provide_body(nghttp2_session* s,
                                std::int32_t id,
                                std::uint8_t* buf,
                                std::size_t length,
                                std::uint32_t* flags,
                                nghttp2_data_source*,
                                void*)
{
    h2_stream* stream = stream_of(s, id);
    if (!stream)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // the exchange is gone: reset the stream
    // Only streams with a body have this provider, so upload_ is set.
    body_reader& upload = *stream->upload_;
    boost::system::error_code ec;
    const std::size_t n = upload.read(buf, length, ec);
    if (ec)
    {
        failure f{ec, phase::send};
        f.detail = upload.problem();
        stream->fail(f);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    }
    if (upload.left() == 0)
    {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        stream->written_at_ = clock_type::now();
    }
    return static_cast<ssize_t>(n);
}

// ---------------------------------------------------------------------------------------------------
// The stream as the rules see it.

net::awaitable<bool> h2_stream::wait(clock_type::time_point deadline)
{
    timer_.expires_at(deadline);
    co_await timer_.async_wait(token);
    auto cs = co_await net::this_coro::cancellation_state;
    co_return cs.cancelled() == net::cancellation_type::none&& clock_type::now() < deadline;
}

net::awaitable<failure> h2_stream::stop(const boost::system::error_code& ec)
{
    // The stream is reset when the exchange ends (end_exchange); the connection stays.
    auto cs = co_await net::this_coro::cancellation_state;
    if (cs.cancelled() != net::cancellation_type::none)
        co_return failure{net::error::operation_aborted, phase::receive, got_response_};
    co_return failure{ec, phase::receive, got_response_};
}

net::awaitable<failure> h2_stream::send(const request_head& head,
                                        const request_body* body,
                                        clock_type::time_point deadline)
{
    if (st_.dead || st_.goaway)
    {
        // The connection ended between the pool's choice and this request: the server never saw
        // it, so it may go again on a new connection.
        closed_ = true;
        failure f{errc::http2_stream_refused, phase::send};
        f.detail = "the HTTP/2 connection had closed before the request was sent";
        co_return f;
    }
    std::string_view authority;
    for (const auto& f : head.fields)
        if (iequals(f.name, "host"))
            authority = f.value;
    // Field names are lower case in HTTP/2; the lowered copies live until the request is submitted.
    std::vector<std::string> lowered;
    lowered.reserve(head.fields.size());
    std::vector<nghttp2_nv> nva;
    nva.reserve(head.fields.size() + 4);
    nva.push_back(make_nv(":method", head.method));
    nva.push_back(make_nv(":scheme", st_.t->tls() ? "https" : "http"));
    nva.push_back(make_nv(":authority", authority));
    nva.push_back(make_nv(":path", head.target));
    for (const auto& f : head.fields)
    {
        if (is_connection_specific(f.name))
            continue;
        lowered.push_back(ascii_lower(f.name));
        nva.push_back(make_nv(lowered.back(), f.value));
    }
    if (body)
        upload_.emplace(*body);
    nghttp2_data_provider provider{};
    provider.read_callback = provide_body;
    id_ = nghttp2_submit_request(st_.ng, nullptr, nva.data(), nva.size(), body ? &provider : nullptr, this);
    if (id_ < 0)
    {
        closed_ = true;
        co_return failure{errc::http2_stream_refused, phase::send};
    }
    if (!body)
        written_at_ = clock_type::now();  // the HEADERS frame is the whole request
    st_.wake();
    for (;;)
    {
        if (headers_done_)
            co_return failure{};
        if (closed_)
            co_return error_ ? error_ : failure{http::error::end_of_stream, phase::receive, got_response_};
        if (!co_await wait(deadline))
            co_return co_await stop(boost::beast::error::timeout);
    }
}

net::awaitable<failure> h2_stream::read_body(body_sink* sink, clock_type::time_point deadline)
{
    for (;;)
    {
        if (!body_.empty())
        {
            const std::size_t n = body_.size();
            boost::system::error_code ec;
            if (sink)
                ec = sink->put(reinterpret_cast<const unsigned char*>(body_.data()), n);
            body_.clear();
            // Consumed as the sink takes the bytes: a slow sink holds the server back.
            st_.consume(id_, n);
            st_.wake();
            if (ec)
                co_return failure{ec, phase::receive, true};
        }
        if (closed_)
        {
            if (error_)
                co_return error_;
            if (sink)
                if (auto ec = sink->finish())
                    co_return failure{ec, phase::receive, true};
            co_return failure{};
        }
        if (!co_await wait(deadline))
            co_return co_await stop(boost::beast::error::timeout);
    }
}

}  // namespace asyncfetch::detail
