// HTTP/2 over one transport (libnghttp2): a session that multiplexes many exchanges (streams), with one
// reader and one writer coroutine per connection and per-stream deadlines and flow control.
#pragma once

#include "session.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <memory>

namespace asyncfetch::detail {

class transport;

/// Settings of HTTP/2 sessions.
struct http2_settings
{
    std::size_t max_streams = 100;  ///< --max-streams: most streams at once on one connection
};

/// An HTTP/2 client connection. Its capacity is the smaller of the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS and max_streams; 0 once it got GOAWAY or failed.
class http2_session final : public session
{
public:
    /// Starts the connection preface and the reader and writer on t's executor.
    http2_session(std::unique_ptr<transport> t, http2_settings settings);
    ~http2_session() override;
    http2_session(const http2_session&) = delete;
    http2_session& operator=(const http2_session&) = delete;

    std::size_t capacity() const noexcept override;
    bool alive() noexcept override;
    exchange& start_exchange() override;
    void end_exchange(exchange& e) noexcept override;
    void cancel() noexcept override;
    bool busy_while_idle() const noexcept override { return true; }
    const peer_address* peer() const noexcept override;
    std::string_view protocol() const noexcept override { return "HTTP/2"; }
    bool describe_tls(tls_details& out) const override;

    struct state;

private:
    std::shared_ptr<state> st_;  // shared with the reader and writer, which may outlive the session
};

}  // namespace asyncfetch::detail
