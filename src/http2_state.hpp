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

    void wake() { wake_writer.cancel(); }
    void fail_all(const failure& f);
    boost::asio::awaitable<void> reader(std::shared_ptr<state> self);  // self: keeps the state alive
    boost::asio::awaitable<void> writer(std::shared_ptr<state> self);

    std::unique_ptr<transport> t;
    http2_settings settings;
    nghttp2_session* ng = nullptr;
    boost::asio::steady_timer wake_writer;
    std::list<h2_stream> streams;  // the exchanges in progress
    bool dead = false;             // the connection failed or was closed
    bool goaway = false;           // the server said it takes no more streams
    std::uint64_t read_bytes = 0;  // bytes fed to nghttp2 so far
};

}  // namespace asyncfetch::detail
