// The state one HTTP/2 connection shares between its session, its streams, its reader and writer.
#pragma once

#include "http2_session.hpp"
#include "http2_stream.hpp"
#include "transport.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>

namespace asyncfetch::detail {

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

    /// Streams a connection may reset before it takes no new ones: servers answer bursts of
    /// RST_STREAM (the rapid-reset attack) with GOAWAY ENHANCE_YOUR_CALM, failing every stream.
    static constexpr std::size_t reset_budget = 100;

    void wake() { wake_writer.cancel(); }
    /// The connection takes no new streams: it failed, the server sent GOAWAY, or it spent its resets.
    bool retiring() const noexcept { return dead || goaway || resets_sent >= reset_budget; }
    void fail_all(const failure& f);
    /// Feeds bytes from the server to nghttp2, which files them into the streams; false once the
    /// connection has failed (every stream then has its error).
    bool receive(const std::uint8_t* data, std::size_t n);
    /// Appends what nghttp2 has to send to out, until it has nothing more or out holds `limit`
    /// bytes; false once the connection has failed.
    bool take_output(std::string& out, std::size_t limit);
    /// Gives n bytes of stream id's window back to the server.
    void consume(std::int32_t id, std::size_t n)
    {
        nghttp2_session_consume(ng, id, n);
        consumed_bytes += n;
    }
    /// Ends an exchange: detaches its stream from nghttp2, resets it if still open, and frees it.
    void end_stream(h2_stream& s) noexcept;
    boost::asio::awaitable<void> reader(std::shared_ptr<state> self);  // self: keeps the state alive
    boost::asio::awaitable<void> writer(std::shared_ptr<state> self);

    std::unique_ptr<transport> t;
    http2_settings settings;
    nghttp2_session* ng = nullptr;
    boost::asio::steady_timer wake_writer;
    std::list<h2_stream> streams;      // the exchanges in progress
    bool dead = false;                 // the connection failed or was closed
    bool goaway = false;               // the server said it takes no more streams
    std::uint64_t read_bytes = 0;      // bytes fed to nghttp2 so far
    std::uint64_t data_bytes = 0;      // DATA payload bytes delivered by nghttp2
    std::uint64_t consumed_bytes = 0;  // of those, given back to the server's window
    std::size_t resets_sent = 0;       // streams this side reset (RST_STREAM CANCEL)
};

}  // namespace asyncfetch::detail
