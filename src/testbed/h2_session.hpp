// The testbed's HTTP/2 session state: one nghttp2 server session, its streams and the h2 faults.
#pragma once

#include "encoders.hpp"
#include "routes.hpp"
#include "server_context.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace asyncfetch::detail::testbed_parts {

/// One request stream and, once planned, its response.
struct h2_request
{
    boost::beast::http::request<boost::beast::http::string_body> request;
    bool counted = false;       ///< counted in the server's in-flight requests
    bool too_big = false;       ///< the body went past 16 MiB: answered 413
    bool stall_window = false;  ///< /h2-window-stall: the stream's receive window is never opened again
    bool padded = false;        ///< /h2-padded: DATA frames padded to their largest size
    bool reset_after = false;   ///< RST_STREAM INTERNAL_ERROR once the body is sent (without END_STREAM)
    std::optional<std::uint64_t> goaway_at;  ///< /h2-goaway: body bytes before the GOAWAY
    std::uint64_t sent = 0;                  ///< body bytes handed to nghttp2
    std::uint64_t trailers = 0;              ///< /h2-trailers: trailer fields after the body
    std::uint64_t trailer_size = 0;
    std::optional<body_source> body;
};

/// An nghttp2 server session over one connection. It never does I/O itself: the connection's reader
/// feeds recv(), its writer drains send() and applies the actions queued meanwhile.
class h2_session
{
public:
    using clock = std::chrono::steady_clock;

    explicit h2_session(live_connection& conn);
    ~h2_session();
    h2_session(const h2_session&) = delete;
    h2_session& operator=(const h2_session&) = delete;

    /// Feeds bytes read; false once the session failed (the connection should end).
    bool recv(const std::uint8_t* data, std::size_t size);
    /// Appends frames to send to `out` until it holds about `batch` bytes; false once the session failed.
    bool send(std::string& out, std::size_t batch);
    /// Whether nghttp2 still wants to read or write: false once GOAWAY is done with every stream.
    bool alive() const;
    /// Answers the delayed streams that are due; returns the next due time, if any.
    std::optional<clock::time_point> answer_due(clock::time_point now);
    /// Whether answers were queued since the last call (the writer has work).
    bool take_work();

private:
    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user);
    static int on_header(nghttp2_session*,
                         const nghttp2_frame* frame,
                         const std::uint8_t* name,
                         std::size_t namelen,
                         const std::uint8_t* value,
                         std::size_t valuelen,
                         std::uint8_t flags,
                         void* user);
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user);
    static int on_data_chunk(nghttp2_session*,
                             std::uint8_t flags,
                             std::int32_t id,
                             const std::uint8_t* data,
                             std::size_t len,
                             void* user);
    static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user);
    static ssize_t select_padding(nghttp2_session*, const nghttp2_frame* frame, std::size_t max, void* user);
    static ssize_t read_body(nghttp2_session*,
                             std::int32_t id,
                             std::uint8_t* buf,
                             std::size_t length,
                             std::uint32_t* flags,
                             nghttp2_data_source* source,
                             void* user);

    h2_request* find(std::int32_t id);
    /// A request ended: plan its answer, now or after its delay.
    void answer(std::int32_t id);
    /// Answers the /h2-goaway stream that waited for the streams above it.
    void answer_goaway();
    /// Submits the planned answer of a request.
    void submit(std::int32_t id, h2_request& stream, const response_plan& plan);
    /// What the callbacks could not do themselves: consume received bytes, answer ended requests, send a
    /// GOAWAY and reset streams whose bodies ended. Says whether it submitted anything.
    bool after_callbacks();

    live_connection& conn_;
    server_context& server_;
    nghttp2_session* ng_ = nullptr;
    std::map<std::int32_t, h2_request> streams_;
    std::vector<std::int32_t> ended_;                            ///< requests whose END_STREAM arrived
    std::vector<std::pair<std::int32_t, std::size_t>> consume_;  ///< bytes received per stream
    std::vector<std::int32_t> to_reset_;                         ///< bodies sent, RST_STREAM due
    std::multimap<clock::time_point, std::pair<std::int32_t, response_plan>> delayed_;
    /// /h2-ping streams waiting for their PINGs' ACKs: the ACK count they wait for, and their plan.
    std::vector<std::tuple<std::size_t, std::int32_t, response_plan>> awaiting_acks_;
    std::size_t pings_sent_ = 0;  ///< PINGs submitted on this connection
    std::size_t acks_ = 0;        ///< PING ACKs received on this connection
    /// /h2-goaway?streams=S waiting for S streams above its own (or its deadline): its plan and deadline.
    std::optional<std::pair<response_plan, clock::time_point>> goaway_wait_;
    std::optional<std::int32_t> goaway_stream_;  ///< /h2-goaway's stream: none above it is answered
    bool goaway_due_ = false;                    ///< its body reached the half: send the GOAWAY
    bool goaway_sent_ = false;
    bool work_ = false;
    std::size_t submitted_ = 0;  ///< answers submitted so far (frames for the writer)
};

}  // namespace asyncfetch::detail::testbed_parts
