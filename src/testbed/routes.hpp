// The testbed's endpoints: plan_response turns one request into a protocol-neutral response plan.
#pragma once

#include "encoders.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace asyncfetch::detail::testbed_parts {

/// What the endpoints remember from one request to the next; io thread only.
struct route_state
{
    std::unordered_map<std::string, std::uint64_t> flaky_counts_;    ///< /flaky requests seen per key
    std::unordered_map<std::string, std::uint64_t> refused_counts_;  ///< /h2-refuse streams refused per key
    std::unordered_map<std::string, bool> went_away_;                ///< /h2-goaway keys already used
    std::unordered_map<std::string, std::uint64_t> cond_versions_;   ///< /cond resource versions (from 1)
    std::atomic<std::size_t> cond_bodies_{0};                        ///< /cond answers with a body
};

/// The HTTP/2 faults (see the endpoint list in asyncfetch/testbed.hpp); the HTTP/1.1 server answers 404.
enum class h2_fault
{
    none,
    goaway,        ///< GOAWAY with this stream as last_stream_id, halfway through its body
    refuse,        ///< RST_STREAM REFUSED_STREAM
    reset,         ///< RST_STREAM INTERNAL_ERROR after `length` body bytes
    window_stall,  ///< the request body's stream window is never opened again
    ping_storm,    ///< `fault_count` PINGs before the response
    padded,        ///< every DATA frame padded to its largest size
    trailers,      ///< `fault_count` trailer fields of `trailer_size` bytes after the body
};

/// A response as both protocols send it; the HTTP/1.1 writer adds Connection and chunked framing, the
/// HTTP/2 writer adds nothing.
struct response_plan
{
    /// Where the body comes from.
    enum class body_type
    {
        none,            ///< no body, no Content-Length (204, 304, /h2-refuse)
        text,            ///< `text`, with Content-Length
        filler,          ///< `length` bytes of 'x'
        encoded_whole,   ///< testbed_pattern(length) compressed whole first, with Content-Length
        encoded_stream,  ///< the pattern (or zeros) compressed while sending, without Content-Length
    };
    /// How the body ends.
    enum class ending
    {
        normal,       ///< Content-Length, or chunked over HTTP/1.1 when `chunked`
        until_close,  ///< no Content-Length: HTTP/1.1 closes gracefully, HTTP/2 ends the stream
        cut,          ///< as until_close, but HTTP/1.1 closes without close_notify
        truncate,     ///< announces 2 * length, sends length, then HTTP/1.1 closes, HTTP/2 resets the stream
        drop,         ///< HTTP/1.1: keep-alive, then close the idle connection after 20 ms
        silent,       ///< never answers
    };

    unsigned status = 200;
    std::string content_type;                                 ///< empty: no Content-Type
    std::vector<std::pair<std::string, std::string>> fields;  ///< further fields (Location, Content-Encoding)
    std::chrono::milliseconds delay{0};                       ///< wait this long before answering
    body_type body = body_type::none;
    std::string text;
    std::uint64_t length = 0;  ///< filler bytes, or the uncompressed bytes of an encoded body
    coding encoding = coding::gzip;
    bool zeros = false;    ///< encoded_stream of zeros, compressed about 1000:1
    bool chunked = false;  ///< HTTP/1.1: chunked framing for a body of unknown or hidden length
    ending end = ending::normal;
    bool interim = false;    ///< 100 Continue and 103 Early Hints first
    bool head_only = false;  ///< HEAD: the head as for GET, no body
    h2_fault fault = h2_fault::none;
    std::uint64_t fault_count = 0;
    std::uint64_t trailer_size = 0;  ///< /h2-trailers: bytes of each trailer field's value  ///< /h2-ping:
                                     ///< PINGs to send; /h2-goaway: streams to wait for
};

/// /cond/NAME and /cond-bump/NAME (name is "cond" or "cond-bump", resource NAME); validators is the
/// query's validators= ("etag", "last-modified" or anything else for both).
response_plan plan_conditional(const boost::beast::http::request<boost::beast::http::string_body>& request,
                               std::string_view name,
                               std::string_view resource,
                               std::string_view validators,
                               route_state& state);

/// A small text/plain answer.
response_plan text_plan(unsigned code, std::string body);

/// A decimal number, all of `text`, at most `limit`.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t limit);

/// The percent-decoded value of the first `name=` parameter in the target's query; nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

/// `n` bytes of 'x'.
response_plan filler_plan(std::uint64_t n);

/// The once-per-key counters of /flaky and /h2-refuse: whether this request is one of the first `n`.
bool among_first(std::unordered_map<std::string, std::uint64_t>& counts,
                 const std::string& key,
                 std::uint64_t n);

/// The h2 fault endpoints (h2_fault_routes.cpp), answered over HTTP/2 only: `name` is the endpoint
/// ("h2-goaway"), `n` its number; nullopt for a name that is none of them.
std::optional<response_plan> plan_h2_fault(std::string_view name,
                                           std::uint64_t n,
                                           std::string_view target,
                                           route_state& state);

/// A whole error response, body included, announcing that the connection ends.
std::string closing_error(unsigned code, std::string_view body);

/// The reason phrase of `code` ("Unknown" when Beast has none).
std::string_view reason_of(unsigned code);

/// /cookie/set and /cookie/echo[/...] (see the endpoint list in asyncfetch/testbed.hpp); `arg` is what
/// follows "/cookie/" in the path.
response_plan plan_cookie_route(std::string_view arg,
                                const boost::beast::http::request<boost::beast::http::string_body>& request);

/// The plan for `request` (see the endpoint list in asyncfetch/testbed.hpp); `http2` says whether it came
/// over HTTP/2, where the h2 fault endpoints answer.
response_plan plan_response(const boost::beast::http::request<boost::beast::http::string_body>& request,
                            route_state& state,
                            bool http2);

}  // namespace asyncfetch::detail::testbed_parts
