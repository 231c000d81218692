// The connector: DNS, TCP connect, proxy tunnel (HTTP CONNECT or SOCKS5) and TLS handshake, with phase
// times, giving a transport; and the session the negotiated protocol calls for.
#pragma once

#include "asyncfetch/fetch.hpp"
#include "descriptor_gate.hpp"
#include "failure.hpp"
#include "happy_eyeballs.hpp"
#include "session.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace asyncfetch {
struct url;
class tls_source;
}  // namespace asyncfetch

namespace asyncfetch::detail {

class dns_cache;
struct resolved;
class session_cache;
class transport;

/// Milliseconds from one time point to another.
inline double ms_between(clock_type::time_point from, clock_type::time_point to)
{
    return std::chrono::duration<double, std::milli>(to - from).count();
}

/// Milliseconds spent in each phase of one connect. Through a SOCKS5 proxy, dns_ms also holds the
/// target's lookup (socks5://); through a tunnel, connect_ms also holds its setup (the SOCKS
/// handshake, the HTTP CONNECT round trip): the tunnel is the connection.
struct connect_times
{
    double dns_ms = 0;
    double connect_ms = 0;
    double tls_ms = 0;

    double total() const noexcept { return dns_ms + connect_ms + tls_ms; }
};

/// Settings of the connector.
struct connector_config
{
    std::chrono::milliseconds connect_timeout{10'000};  ///< DNS, TCP connect, tunnel and TLS handshake
    bool verify = true;                                 ///< verify certificates and host names
    std::string user_agent;                             ///< sent in CONNECT requests
    http_versions versions = http_versions::http2;
    std::size_t max_streams = 100;                        ///< most streams at once on one HTTP/2 connection
    std::chrono::milliseconds happy_eyeballs_delay{250};  ///< between connect attempts (RFC 8305)
};

/// Opens transports. One per client; not thread-safe.
class connector
{
public:
    connector(boost::asio::any_io_executor ex,
              tls_source& tls,
              dns_cache& dns,
              session_cache& sessions,
              connector_config cfg);
    ~connector();
    connector(const connector&) = delete;
    connector& operator=(const connector&) = delete;

    struct result
    {
        std::unique_ptr<transport> t;
        failure error;
    };

    /// Connects to target, through proxy when it is not null (an HTTP proxy: a CONNECT tunnel for
    /// https, plain http goes to the proxy itself; a SOCKS5 proxy: a tunnel for both), before
    /// min(now + connect_timeout, deadline).
    boost::asio::awaitable<result> connect(const url& target,
                                           const url* proxy,
                                           clock_type::time_point deadline,
                                           connect_times& times);

    /// connect(), then the session the negotiated protocol calls for.
    boost::asio::awaitable<session_source::opened> open_session(const url& target,
                                                                const url* proxy,
                                                                clock_type::time_point deadline,
                                                                connect_times& times);

    /// Makes the session for a connected transport, by the protocol it negotiated; via_proxy: a
    /// plain connection to an HTTP proxy, which speaks HTTP/1.1.
    std::unique_ptr<session> make_session(std::unique_ptr<transport> t, bool via_proxy) const;

    /// Exchanges a new session to target is expected to carry before its protocol is known: as
    /// many as an HTTP/2 connection when HTTP/2 may be chosen, else one.
    std::size_t expected_capacity(const url& target, const url* proxy) const noexcept;

    /// Stops every connect in flight, and fails later ones at once as cancelled.
    void cancel_all() noexcept;

    /// Where connects that found no file descriptor wait (EMFILE back-pressure).
    descriptor_gate& gate() noexcept { return *gate_; }

    std::size_t tls_handshakes() const noexcept { return tls_handshakes_; }
    std::size_t tls_resumed() const noexcept { return tls_resumed_; }

private:
    /// What a SOCKS5 CONNECT names: the target's address (socks5://) or its name (socks5h://, and IP
    /// literals), or why the target's lookup failed.
    struct socks_name
    {
        std::string host;
        failure error;
    };
    /// A transport for target, TLS or not; the failure when the TLS context cannot be made.
    failure new_transport(const url& target, std::unique_ptr<transport>& out);
    boost::asio::awaitable<socks_name> socks_target(const url& target,
                                                    bool proxy_resolves,
                                                    clock_type::time_point deadline,
                                                    connect_times& times);
    /// Races connects to endpoints (Happy Eyeballs) until deadline; out of file descriptors, it frees
    /// an idle connection or waits for one of the run's to close, and tries again.
    boost::asio::awaitable<connect_race<boost::asio::ip::tcp::socket>::outcome> race_connect(
        const resolved& addresses,
        std::uint16_t port,
        clock_type::time_point deadline);
    /// Out of file descriptors: frees one (an idle connection) or waits until deadline for one of the
    /// run's connections to close; false when none will.
    boost::asio::awaitable<bool> wait_for_descriptor(clock_type::time_point deadline);
    boost::asio::awaitable<failure> handshake(transport& conn,
                                              const url& target,
                                              clock_type::time_point deadline);

    boost::asio::any_io_executor ex_;
    tls_source& tls_;
    dns_cache& dns_;
    session_cache& sessions_;
    connector_config cfg_;
    std::unordered_set<transport*> connecting_;
    std::unordered_set<cancellable_race*> racing_;
    std::shared_ptr<descriptor_gate> gate_;
    bool cancelled_ = false;
    std::size_t tls_handshakes_ = 0;
    std::size_t tls_resumed_ = 0;
};

}  // namespace asyncfetch::detail
