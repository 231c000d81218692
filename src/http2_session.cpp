// HTTP/2 sessions over libnghttp2: streams as exchanges, one reader and one writer coroutine per
// connection, and the callbacks that file what arrives into the streams.
#include "http2_session.hpp"

#include "asyncfetch/error.hpp"
#include "body_sink.hpp"
#include "response.hpp"
#include "text.hpp"
#include "tls_sessions.hpp"
#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <list>
#include <string>
#include <vector>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

/// Flow-control windows: a stream may have this much unread before the server waits; the
/// connection, several streams' worth.
constexpr std::int32_t stream_window = 1 << 20;
constexpr std::int32_t connection_window = 16 << 20;

/// Writes are coalesced up to this size.
constexpr std::size_t write_batch = 64 * 1024;

/// A woken writer waits while the reader keeps finding bytes, up to this many.
constexpr std::uint64_t max_read_before_write = 256 * 1024;

/// Fields that belong to an HTTP/1.1 connection and must not appear in HTTP/2 (RFC 9113, 8.2.2).
bool is_connection_specific(std::string_view name) noexcept
{
    return iequals(name, "host") || iequals(name, "connection") || iequals(name, "keep-alive") ||
           iequals(name, "proxy-connection") || iequals(name, "transfer-encoding") ||
           iequals(name, "upgrade") || iequals(name, "te");
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) noexcept
{
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
            name.size(),
            value.size(),
            NGHTTP2_NV_FLAG_NONE};
}

failure protocol_failure(int lib_error, bool got_response)
{
    failure f{errc::http2_protocol, phase::receive, got_response};
    f.detail = std::string("HTTP/2 protocol error: ") + nghttp2_strerror(lib_error);
    return f;
}

}  // namespace

class h2_stream;

struct http2_session::state
{
    state(std::unique_ptr<transport> tr, http2_settings s);
    ~state()
    {
        if (ng)
            nghttp2_session_del(ng);
    }
    state(const state&) = delete;
    state& operator=(const state&) = delete;

    void wake() { wake_writer.cancel(); }
    void fail_all(const failure& f);
    net::awaitable<void> reader(std::shared_ptr<state> self);  // self: keeps the state alive
    net::awaitable<void> writer(std::shared_ptr<state> self);

    std::unique_ptr<transport> t;
    http2_settings settings;
    nghttp2_session* ng = nullptr;
    net::steady_timer wake_writer;
    std::list<h2_stream> streams;  // the exchanges in progress
    bool dead = false;             // the connection failed or was closed
    bool goaway = false;           // the server said it takes no more streams
    std::uint64_t read_bytes = 0;  // bytes fed to nghttp2 so far
};

/// One stream: the exchange the rules see, filled by the callbacks.
class h2_stream final : public exchange
{
public:
    explicit h2_stream(http2_session::state& st)
        : st_(st), timer_(st.wake_writer.get_executor(), clock_type::time_point::max())
    {
    }

    net::awaitable<failure> send(const request_head& head,
                                 const std::string* body,
                                 clock_type::time_point deadline) override;
    const response_head& response() const noexcept override { return head_; }
    net::awaitable<failure> read_body(body_sink* sink, clock_type::time_point deadline) override;
    bool reusable() const noexcept override { return !st_.dead && !st_.goaway; }
    bool may_send_again(const failure& f) const noexcept override
    {
        return f.ec == errc::http2_stream_refused && !got_response_;
    }

    /// The stream's id, -1 before it was submitted.
    std::int32_t id() const noexcept { return id_; }
    bool closed() const noexcept { return closed_; }
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
    /// The request body for the data provider.
    ssize_t read_request_body(std::uint8_t* buf, std::size_t length, std::uint32_t* flags);

private:
    void wake() { timer_.cancel(); }
    /// Waits for a callback to wake the stream; false once the deadline passed or the fetch was cancelled.
    net::awaitable<bool> wait(clock_type::time_point deadline);
    net::awaitable<failure> stop(const boost::system::error_code& ec);

    http2_session::state& st_;
    net::steady_timer timer_;
    std::int32_t id_ = -1;
    response_head head_;
    std::string field_text_;  // the fields' bytes, which head_'s views point into once complete
    std::vector<std::size_t> field_ends_;
    std::size_t field_bytes_ = 0;
    bool in_trailers_ = false;
    bool headers_done_ = false;
    bool got_response_ = false;
    bool closed_ = false;
    failure error_;
    std::string body_;
    const std::string* request_body_ = nullptr;
    std::size_t request_sent_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Callbacks: they only file what arrived into the stream and wake it; never mem_recv or mem_send.

namespace {

h2_stream* stream_of(nghttp2_session* s, std::int32_t id)
{
    return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(s, id));
}

int on_begin_headers(nghttp2_session* s, const nghttp2_frame* frame, void*)
{
    if (frame->hd.type == NGHTTP2_HEADERS)
        if (auto* stream = stream_of(s, frame->hd.stream_id))
            stream->begin_headers();
    return 0;
}

int on_header(nghttp2_session* s,
              const nghttp2_frame* frame,
              const std::uint8_t* name,
              std::size_t namelen,
              const std::uint8_t* value,
              std::size_t valuelen,
              std::uint8_t,
              void*)
{
    auto* stream = frame->hd.type == NGHTTP2_HEADERS ? stream_of(s, frame->hd.stream_id) : nullptr;
    if (!stream)
        return 0;
    return stream->on_header({reinterpret_cast<const char*>(name), namelen},
                             {reinterpret_cast<const char*>(value), valuelen});
}

int on_frame_recv(nghttp2_session* s, const nghttp2_frame* frame, void* user)
{
    auto* st = static_cast<http2_session::state*>(user);
    if (frame->hd.type == NGHTTP2_GOAWAY)
        st->goaway = true;
    else if (frame->hd.type == NGHTTP2_HEADERS)
        if (auto* stream = stream_of(s, frame->hd.stream_id))
            stream->end_headers();
    return 0;
}

int on_data_chunk(nghttp2_session* s,
                  std::uint8_t,
                  std::int32_t id,
                  const std::uint8_t* data,
                  std::size_t n,
                  void*)
{
    if (auto* stream = stream_of(s, id))
        stream->on_data(data, n);
    else
        nghttp2_session_consume(s, id, n);  // nobody reads it: give the window back at once
    return 0;
}

int on_stream_close(nghttp2_session* s, std::int32_t id, std::uint32_t code, void*)
{
    if (auto* stream = stream_of(s, id))
        stream->on_close(code);
    return 0;
}

ssize_t read_request_body(nghttp2_session* s,
                          std::int32_t id,
                          std::uint8_t* buf,
                          std::size_t length,
                          std::uint32_t* flags,
                          nghttp2_data_source*,
                          void*)
{
    auto* stream = stream_of(s, id);
    if (!stream)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // the exchange is gone: reset the stream
    return stream->read_request_body(buf, length, flags);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
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
        return 0;
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

ssize_t h2_stream::read_request_body(std::uint8_t* buf, std::size_t length, std::uint32_t* flags)
{
    const std::size_t left = request_body_ ? request_body_->size() - request_sent_ : 0;
    const std::size_t n = std::min(left, length);
    if (n > 0)
        std::memcpy(buf, request_body_->data() + request_sent_, n);
    request_sent_ += n;
    if (request_sent_ == (request_body_ ? request_body_->size() : 0))
        *flags |= NGHTTP2_DATA_FLAG_EOF;
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
                                        const std::string* body,
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
    request_body_ = body;
    nghttp2_data_provider provider{};
    provider.read_callback = detail::read_request_body;
    id_ = nghttp2_submit_request(st_.ng, nullptr, nva.data(), nva.size(), body ? &provider : nullptr, this);
    if (id_ < 0)
    {
        closed_ = true;
        co_return failure{errc::http2_stream_refused, phase::send};
    }
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
            nghttp2_session_consume(st_.ng, id_, n);
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

// ---------------------------------------------------------------------------------------------------
// The connection: reader, writer, and the session interface.

http2_session::state::state(std::unique_ptr<transport> tr, http2_settings s)
    : t(std::move(tr)), settings(s), wake_writer(t->tcp().get_executor(), clock_type::time_point::max())
{
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1);
#ifdef ASYNCFETCH_HAVE_NGHTTP2_MAX_CONTINUATIONS
    nghttp2_option_set_max_continuations(opt, 8);
#endif
    nghttp2_session_client_new2(&ng, cb, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);

    const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(stream_window)},
    };
    nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, iv, std::size(iv));
    nghttp2_session_set_local_window_size(ng, NGHTTP2_FLAG_NONE, 0, connection_window);
}

void http2_session::state::fail_all(const failure& f)
{
    dead = true;
    for (auto& s : streams)
        s.fail(f);
    wake();
}

net::awaitable<void> http2_session::state::reader(std::shared_ptr<state> /*keeps the state alive*/)
{
    std::vector<std::uint8_t> buffer(response_read_size);
    while (!dead)
    {
        auto [ec, n] = co_await t->async_read_some(net::buffer(buffer), token);
        if (n > 0 && !dead)
        {
            read_bytes += n;
            const ssize_t rv = nghttp2_session_mem_recv(ng, buffer.data(), n);
            if (rv < 0)
            {
                fail_all(protocol_failure(static_cast<int>(rv), true));
                break;
            }
            wake();  // SETTINGS, PING and WINDOW_UPDATE may need an answer or unblock a send
            if (!nghttp2_session_want_read(ng) && !nghttp2_session_want_write(ng))
            {
                // nghttp2 ended the connection (a GOAWAY it sent after a protocol error).
                fail_all(protocol_failure(NGHTTP2_ERR_PROTO, true));
                break;
            }
        }
        if (ec)
        {
            fail_all(failure{ec, phase::receive});
            break;
        }
    }
    wake();
}

net::awaitable<void> http2_session::state::writer(std::shared_ptr<state> /*keeps the state alive*/)
{
    std::string out;
    while (!dead)
    {
        out.clear();
        for (;;)
        {
            const std::uint8_t* data = nullptr;
            const ssize_t n = nghttp2_session_mem_send(ng, &data);
            if (n < 0)
            {
                fail_all(protocol_failure(static_cast<int>(n), false));
                co_return;
            }
            if (n == 0)
                break;
            out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
            if (out.size() >= write_batch)
                break;
        }
        if (!out.empty())
        {
            auto [ec, written] = co_await t->async_write(net::buffer(out), token);
            if (ec)
                fail_all(failure{ec, phase::send});
            continue;
        }
        wake_writer.expires_at(clock_type::time_point::max());
        co_await wake_writer.async_wait(token);
        // Let the reader drain what is already here first (a TLS read returns one record, often one
        // response), and the streams it wakes submit their next requests: one write then carries them
        // all instead of one write each, and the server answers in batches too. Bounded by bytes
        // read, so window updates for a large body are not held back.
        const std::uint64_t start = read_bytes;
        for (;;)
        {
            const std::uint64_t seen = read_bytes;
            co_await net::post(wake_writer.get_executor(), net::use_awaitable);
            if (read_bytes == seen || read_bytes - start > max_read_before_write)
                break;
        }
    }
}

http2_session::http2_session(std::unique_ptr<transport> t, http2_settings settings)
    : st_(std::make_shared<state>(std::move(t), settings))
{
    // Deadlines belong to the streams: the connect's expiry must not end the shared connection.
    st_->t->tcp().expires_never();
    const auto ex = st_->wake_writer.get_executor();
    net::co_spawn(ex, st_->reader(st_), net::detached);
    net::co_spawn(ex, st_->writer(st_), net::detached);
}

http2_session::~http2_session()
{
    // The reader and writer end once the transport is shut; they keep the state until then.
    if (st_->t->tls())
        session_cache::detach(st_->t->secure().native_handle());
    st_->t->clean = !st_->dead;
    st_->dead = true;
    st_->t->shut_down();
    st_->wake();
}

std::size_t http2_session::capacity() const noexcept
{
    if (st_->dead || st_->goaway)
        return 0;
    const std::uint32_t peer = nghttp2_session_get_remote_settings(st_->ng,
                                                                   NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return std::min<std::size_t>(peer, st_->settings.max_streams);
}

bool http2_session::alive() noexcept { return !st_->dead && !st_->goaway; }

exchange& http2_session::start_exchange() { return st_->streams.emplace_back(*st_); }

void http2_session::end_exchange(exchange& e) noexcept
{
    auto& s = static_cast<h2_stream&>(e);
    if (s.id() >= 0 && !st_->dead)
    {
        nghttp2_session_set_stream_user_data(st_->ng, s.id(), nullptr);
        if (!s.closed())
            nghttp2_submit_rst_stream(st_->ng, NGHTTP2_FLAG_NONE, s.id(), NGHTTP2_CANCEL);
        if (s.pending() > 0)
            nghttp2_session_consume(st_->ng, s.id(), s.pending());
        st_->wake();
    }
    st_->streams.remove_if([&](const h2_stream& x) { return &x == &s; });
}

void http2_session::cancel() noexcept
{
    st_->fail_all(failure{net::error::operation_aborted, phase::receive});
    st_->t->shut_down();
}

}  // namespace asyncfetch::detail
