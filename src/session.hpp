// The session layer's interfaces: a session (what the pool holds) carries exchanges (one request and
// its response each) of protocol-neutral request and response heads. HTTP/1.1 is http1_session.
#pragma once

#include "asyncfetch/request.hpp"
#include "connection_info.hpp"
#include "failure.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/container/small_vector.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncfetch {
struct url;
}  // namespace asyncfetch

namespace asyncfetch::detail {

class body_sink;

using clock_type = std::chrono::steady_clock;

/// A header field seen through views; whoever hands it out says how long the views live.
struct field_view
{
    std::string_view name;
    std::string_view value;
};

/// The origin (scheme, host, port) a string was last built for, such as a Host value or a pool
/// key: the next request to the same origin keeps the string instead of building it again.
struct origin_memo
{
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;  ///< 0: nothing built yet (no URL has port 0)

    /// True when the string was built for u's origin; else remembers u's origin and returns false,
    /// for the caller to build the string for it.
    bool keep_for(const url& u);
    void forget() noexcept { port = 0; }
};

/// What a request sends, whatever the protocol. Its views point at the strings it owns below and
/// at storage that outlives the exchange (the client's configuration, the URL), so it neither
/// copies nor moves. Built by build_request_head() (request_head.hpp).
struct request_head
{
    request_head() = default;
    request_head(const request_head&) = delete;
    request_head& operator=(const request_head&) = delete;

    std::string_view method;
    std::string_view target;  ///< origin-form path and query, or the absolute URL through a proxy
    boost::container::small_vector<field_view, 12> fields;  ///< a request's fields without an allocation

    // Values built for this request, which the fields above point into.
    std::string host;
    origin_memo host_for;  ///< the origin host was built for
    std::string authorization;
    std::string proxy_authorization;
    std::string content_length;
    std::string absolute_target;
    std::string cookie;
};

/// A final response's head, whatever the protocol. The views live as long as the exchange.
struct response_head
{
    unsigned status = 0;
    unsigned version = 11;  ///< 10 for HTTP/1.0, 11 for HTTP/1.1, 20 for HTTP/2
    std::vector<field_view> fields;
    std::string_view reason;  ///< the HTTP/1 reason phrase (-v, -D); empty over HTTP/2
    std::optional<std::uint64_t> content_length;

    /// The value of the first field of that name (ASCII case-insensitive), if there is one.
    std::optional<std::string_view> find(std::string_view name) const noexcept;
    /// Every field line of that name as one list, joined with ", " (RFC 9110, 5.3): for list
    /// fields such as Content-Encoding sent on several lines; "" when there is none.
    std::string list(std::string_view name) const;
    /// "1.0", "1.1".
    std::string_view version_text() const noexcept
    {
        return version == 10 ? "1.0" : version == 20 ? "2" : "1.1";
    }
};

/// One request and its response on a session. The pool hands it out through a session_lease and
/// takes it back when the lease ends.
class exchange
{
public:
    virtual ~exchange() = default;

    /// Sends the head and body, then reads the final response's head (interim 1xx skipped).
    /// The deadline is this exchange's own: it never ends other exchanges of the session.
    virtual boost::asio::awaitable<failure> send(const request_head& head,
                                                 const request_body* body,
                                                 clock_type::time_point deadline) = 0;

    /// The final response's head, after a successful send().
    virtual const response_head& response() const noexcept = 0;

    /// When send() finished writing the request (head and body, or when the writing stopped early);
    /// time_point{} when the exchange does not know. --har's send and wait split there.
    virtual clock_type::time_point request_written() const noexcept { return {}; }

    /// Reads the body into sink (null drops it).
    virtual boost::asio::awaitable<failure> read_body(body_sink* sink, clock_type::time_point deadline) = 0;

    /// read_body() when the whole body is already here (it came with the head): its outcome, or
    /// nullopt when read_body() must wait for more (what was here has gone into sink already).
    virtual std::optional<failure> read_body_now(body_sink* sink)
    {
        (void)sink;
        return std::nullopt;
    }

    /// The response was read completely and the session can carry another exchange.
    virtual bool reusable() const noexcept = 0;

    /// A failed send() never reached the server's application, so the request may be sent again
    /// whatever its method: on a new session when this one is not reusable (an idle keep-alive
    /// connection the server had closed, GOAWAY), else on any (an HTTP/2 stream refused).
    virtual bool may_send_again(const failure& f) const noexcept = 0;
};

/// A connection to one origin that carries exchanges: what the pool holds.
class session
{
public:
    virtual ~session() = default;

    /// Exchanges it can carry at once (HTTP/1.1: 1).
    virtual std::size_t capacity() const noexcept = 0;

    /// Checked before an idle session is reused: false when the peer closed it or sent something
    /// unasked for (an unsolicited 408, junk), so it must not carry a request.
    virtual bool alive() noexcept = 0;

    /// No exchange runs on any session of the pool: drop what waits only for this session's next
    /// exchange (HTTP/1.1: the deadline timer, see transport::expires_at), so that an io_context
    /// left with idle sessions runs out of work and its run() returns.
    virtual void rest() noexcept {}

    /// Starts an exchange; the pool calls it only below capacity. The exchange lives until
    /// end_exchange().
    virtual exchange& start_exchange() = 0;

    /// Ends an exchange start_exchange() gave.
    virtual void end_exchange(exchange& e) noexcept = 0;

    /// Ends every operation in flight at once (they fail with an error); the session is not reused.
    virtual void cancel() noexcept = 0;

    /// It keeps operations pending while idle (an HTTP/2 connection's reader), so an io_context
    /// with it never runs out of work.
    virtual bool busy_while_idle() const noexcept { return false; }

    /// Where it is connected; null when it does not know (a test's session).
    virtual const peer_address* peer() const noexcept { return nullptr; }

    /// "HTTP/1.1" or "HTTP/2", as -v shows requests.
    virtual std::string_view protocol() const noexcept { return "HTTP/1.1"; }

    /// For -v: fills out and returns true on a TLS connection; false on a plain one.
    virtual bool describe_tls(tls_details& out) const
    {
        (void)out;
        return false;
    }
};

/// How the pool opens a session to an origin when it needs one: the fetch that asked provides it,
/// so connecting runs on that fetch's deadline and records its phase times.
class session_source
{
public:
    /// Exchanges a session from open() is expected to carry at once, before the connect says
    /// (1 for HTTP/1.1). Above 1, other fetches wait for the connect instead of opening their own.
    virtual std::size_t expected_capacity() const noexcept = 0;

    struct opened
    {
        std::unique_ptr<session> s;
        failure error;
    };
    /// Connects and returns the new session, or the failure.
    virtual boost::asio::awaitable<opened> open() = 0;

protected:
    ~session_source() = default;
};

}  // namespace asyncfetch::detail
