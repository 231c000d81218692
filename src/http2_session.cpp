// HTTP/2 connections over libnghttp2: the callbacks that file what arrives into the streams, one
// reader and one writer coroutine per connection, and the session interface the pool uses.
#include "http2_session.hpp"

#include "asyncfetch/error.hpp"
#include "http2_state.hpp"
#include "response.hpp"
#include "tls_sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace asyncfetch::detail {

namespace net = boost::asio;

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

failure protocol_failure(int lib_error, bool got_response)
{
    failure f{errc::http2_protocol, phase::receive, got_response};
    f.detail = std::string("HTTP/2 protocol error: ") + nghttp2_strerror(lib_error);
    return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Callbacks: they only file what arrived into the stream and wake it; never mem_recv or mem_send.

namespace {

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
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        if (auto* stream = stream_of(s, frame->hd.stream_id); stream && stream->uploading())
        {
            // The response is complete before the request body (an early 413): the rest is not
            // sent, as over HTTP/1.1; the stream then closes without an error.
            nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
        }
    return 0;
}

int on_data_chunk(nghttp2_session* s,
                  std::uint8_t,
                  std::int32_t id,
                  const std::uint8_t* data,
                  std::size_t n,
                  void* user)
{
    auto* st = static_cast<http2_session::state*>(user);
    st->data_bytes += n;
    if (auto* stream = stream_of(s, id))
        stream->on_data(data, n);
    else
        st->consume(id, n);  // nobody reads it: give the window back at once
    return 0;
}

int on_stream_close(nghttp2_session* s, std::int32_t id, std::uint32_t code, void*)
{
    if (auto* stream = stream_of(s, id))
        stream->on_close(code);
    return 0;
}

}  // namespace

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

bool http2_session::state::receive(const std::uint8_t* data, std::size_t n)
{
    read_bytes += n;
    const ssize_t rv = nghttp2_session_mem_recv(ng, data, n);
    if (rv < 0)
    {
        fail_all(protocol_failure(static_cast<int>(rv), true));
        return false;
    }
    wake();  // SETTINGS, PING and WINDOW_UPDATE may need an answer or unblock a send
    if (!nghttp2_session_want_read(ng) && !nghttp2_session_want_write(ng))
    {
        // nghttp2 ended the connection (a GOAWAY it sent after a protocol error).
        fail_all(protocol_failure(NGHTTP2_ERR_PROTO, true));
        return false;
    }
    return true;
}

bool http2_session::state::take_output(std::string& out, std::size_t limit)
{
    while (out.size() < limit)
    {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(ng, &data);
        if (n < 0)
        {
            fail_all(protocol_failure(static_cast<int>(n), false));
            return false;
        }
        if (n == 0)
            break;
        // Copied at once: the pointer is only good until the next mem_send.
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    return true;
}

void http2_session::state::end_stream(h2_stream& s) noexcept
{
    if (s.id() >= 0)
    {
        nghttp2_session_set_stream_user_data(ng, s.id(), nullptr);
        if (s.pending() > 0)
            consume(s.id(), s.pending());
        if (!s.closed() && !dead)
        {
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s.id(), NGHTTP2_CANCEL);
            ++resets_sent;
        }
        wake();
    }
    streams.remove_if([&](const h2_stream& x) { return &x == &s; });
}

net::awaitable<void> http2_session::state::reader(std::shared_ptr<state> /*keeps the state alive*/)
{
    std::vector<std::uint8_t> buffer(response_read_size);
    while (!dead)
    {
        auto [ec, n] = co_await t->async_read_some(net::buffer(buffer), token);
        if (n > 0 && !dead && !receive(buffer.data(), n))
            break;
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
        if (!take_output(out, write_batch))
            co_return;
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
    if (st_->retiring())
        return 0;
    const std::uint32_t peer = nghttp2_session_get_remote_settings(st_->ng,
                                                                   NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return std::min<std::size_t>(peer, st_->settings.max_streams);
}

bool http2_session::alive() noexcept { return !st_->retiring(); }

const peer_address* http2_session::peer() const noexcept { return &st_->t->peer; }

bool http2_session::describe_tls(tls_details& out) const { return st_->t->describe_tls(out); }

exchange& http2_session::start_exchange() { return st_->streams.emplace_back(*st_); }

void http2_session::end_exchange(exchange& e) noexcept { st_->end_stream(static_cast<h2_stream&>(e)); }

void http2_session::cancel() noexcept
{
    st_->fail_all(failure{net::error::operation_aborted, phase::receive});
    st_->t->shut_down();
}

}  // namespace asyncfetch::detail
