// The client's shared state (DNS cache, TLS sessions, connector, session pool) that the fetch rules use.
#pragma once

#include "asyncfetch/fetch.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/url.hpp"
#include "body_sink.hpp"
#include "connector.hpp"
#include "dns_cache.hpp"
#include "failure.hpp"
#include "request_head.hpp"
#include "session_pool.hpp"
#include "tls_sessions.hpp"
#include "trace_text.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace asyncfetch {

namespace detail {

/// Marks r failed with kind and message.
inline void set_error(fetch_result& r, error_kind kind, std::string message)
{
    r.kind = kind;
    r.error = std::move(message);
}

/// Marks r ended by client::cancel_all().
inline void set_stopped(fetch_result& r, stop_reason why)
{
    if (why == stop_reason::interrupted)
        set_error(r, error_kind::interrupted, "interrupted");
    else
        set_error(r, error_kind::io, "cancelled");
}

/// Where a redirect goes, or why it is not followed (message set, target empty).
struct redirect
{
    std::string text;           ///< the resolved URL
    std::optional<url> target;  ///< parsed; empty when the redirect is refused
    std::string message;

    explicit operator bool() const noexcept { return target.has_value(); }
};

/// Resolves location against cur and checks it: a valid http(s) URL, and no https -> http
/// unless allow_insecure.
redirect redirect_target(const url& cur, std::string_view location, bool allow_insecure);

/// What an attempt builds for each hop and keeps across its exchange.
struct hop_scratch
{
    request_head head;
    std::string key;                ///< the pool key of the hop's session
    origin_memo key_for;            ///< the origin key was built for (forgotten through a proxy)
    std::optional<body_sink> sink;  ///< the final body's; ended with the attempt (hop_loan)
};

/// The hop_scratch objects not lent out. Room to give each one back is reserved when it is made, so
/// giving back never allocates (nor throws).
struct hop_scratch_pool
{
    std::vector<std::unique_ptr<hop_scratch>> spare;
    std::size_t made = 0;
};

/// A hop_scratch lent to one attempt and given back when it ends, so that the next attempt reuses
/// its strings' memory: a request on a kept-alive connection allocates nothing for its Host value
/// or its pool key.
class hop_loan
{
public:
    explicit hop_loan(hop_scratch_pool& pool) : pool_(pool)
    {
        if (pool_.spare.empty())
        {
            pool_.spare.reserve(pool_.made + 1);
            scratch_ = std::make_unique<hop_scratch>();
            ++pool_.made;
        }
        else
        {
            scratch_ = std::move(pool_.spare.back());
            pool_.spare.pop_back();
        }
    }
    ~hop_loan()
    {
        scratch_->sink.reset();  // its file is closed when the attempt ends
        pool_.spare.push_back(std::move(scratch_));
    }
    hop_loan(const hop_loan&) = delete;
    hop_loan& operator=(const hop_loan&) = delete;

    hop_scratch* operator->() const noexcept { return scratch_.get(); }
    hop_scratch& operator*() const noexcept { return *scratch_; }

private:
    hop_scratch_pool& pool_;
    std::unique_ptr<hop_scratch> scratch_;
};

}  // namespace detail

struct client::impl
{
    impl(boost::asio::any_io_executor ex, tls_source tls_ctx, client_config config)
        : executor(ex),
          tls(std::move(tls_ctx)),
          cfg(std::move(config)),
          dns(ex, detail::dns_settings{cfg.ip_family, cfg.dns_servers}),
          connect(ex,
                  tls,
                  dns,
                  sessions,
                  {cfg.connect_timeout,
                   cfg.verify,
                   cfg.request.user_agent,
                   cfg.versions,
                   cfg.max_streams,
                   cfg.happy_eyeballs_delay}),
          pool(ex, cfg.per_host, std::max<std::size_t>(cfg.max_idle, 1)),
          names(cfg.output_dir),
          rng(std::random_device{}())
    {
        // Out of file descriptors, a connect closes an idle connection for itself, or waits for
        // one to close or go idle.
        connect.gate().reclaim = [this] { return pool.close_oldest_idle(); };
        pool.on_idle = [this] { connect.gate().freed(); };
        for (const auto& pin : cfg.resolves)
        {
            boost::system::error_code ec;
            auto address = boost::asio::ip::make_address(pin.address, ec);
            if (!ec)
                dns.pin(pin.host, pin.port, address);
        }
    }

    /// True when the --retry policy allows another attempt after attempts tries that gave r.
    bool may_retry(const fetch_result& r, unsigned attempts) const;
    /// The backoff before the next attempt; false when the next attempt would pass --retry-max-time
    /// or the run stopped during the wait (r then says so).
    boost::asio::awaitable<bool> wait_to_retry(fetch_result& r,
                                               unsigned attempts,
                                               detail::clock_type::time_point start,
                                               std::optional<std::chrono::milliseconds> retry_after,
                                               detail::fetch_trace* trace);
    /// A hop's request head, the pool key of its session and its proxy (null for none); false
    /// with r's error set when the hop cannot start.
    bool prepare_hop(const url& cur,
                     const url& original,
                     const std::string& method,
                     const request_body* body,
                     const validators* conditions,
                     detail::hop_scratch& hop,
                     const url*& proxy,
                     fetch_result& r);
    /// A hop's response head into r: status, times, cookies, kept fields and Retry-After.
    void note_response(const detail::response_head& resp,
                       const url& cur,
                       const url& original,
                       detail::clock_type::time_point start,
                       bool conditional,
                       detail::clock_type::time_point request_written,
                       std::optional<std::chrono::milliseconds>& retry_after,
                       detail::fetch_trace* trace,
                       fetch_result& r);
    /// Reads a redirect's body into nothing (up to a limit) and gives the session back.
    boost::asio::awaitable<void> drop_redirect_body(detail::session_lease& lease,
                                                    detail::clock_type::time_point deadline,
                                                    detail::fetch_trace* trace);
    /// The next hop of a redirect to location, with the method and body it takes; false with r's
    /// error set when the redirect is not followed (--max-redirs, a refused target).
    bool follow_redirect(const url& cur,
                         std::string_view location,
                         std::string& method,
                         const request_body*& body,
                         std::optional<url>& redirected,
                         detail::fetch_trace* trace,
                         fetch_result& r);
    /// One attempt; conditions (may be null) go as If-None-Match and If-Modified-Since, and a 304
    /// then sets r.not_modified.
    boost::asio::awaitable<void> attempt(const url& original,
                                         fetch_result& r,
                                         detail::clock_type::time_point start,
                                         detail::clock_type::time_point deadline,
                                         std::optional<std::chrono::milliseconds>& retry_after,
                                         detail::fetch_trace* trace,
                                         const validators* conditions);
    /// Notes in r (and the trace) the session a lease gave for the exchange.
    void took_lease(const detail::session_lease& lease,
                    const url& cur,
                    const url* proxy,
                    const detail::request_head& head,
                    const request_body* body,
                    fetch_result& r,
                    detail::fetch_trace* trace);
    /// Sends head on a session from the pool, connecting or waiting for one, and sends it again on
    /// another when the server never saw it (a stale kept-alive connection, a refused stream). With
    /// a lease already held, f is how its send failed, and the sending again starts from there.
    boost::asio::awaitable<detail::failure> start_exchange(const std::string& key,
                                                           const url& cur,
                                                           const url* proxy,
                                                           const detail::request_head& head,
                                                           const request_body* body,
                                                           detail::clock_type::time_point deadline,
                                                           fetch_result& r,
                                                           detail::session_lease& lease,
                                                           detail::fetch_trace* trace,
                                                           detail::failure f = {});
    /// The final response's body: the sink set up (decoding, size limit, file), and the body read
    /// into it at once when all of it came with the head. True when that ended the attempt (r says
    /// how); false when read_final_body() must wait for the rest.
    bool begin_final_body(const url& cur,
                          const url* proxy,
                          bool head_method,
                          detail::clock_type::time_point deadline,
                          fetch_result& r,
                          detail::exchange& ex,
                          detail::body_sink& sink);
    boost::asio::awaitable<void> read_final_body(const url& cur,
                                                 const url* proxy,
                                                 detail::clock_type::time_point deadline,
                                                 fetch_result& r,
                                                 detail::exchange& ex,
                                                 detail::body_sink& sink);
    /// The body's outcome f and counts into r.
    void end_final_body(const detail::failure& f,
                        const url& cur,
                        const url* proxy,
                        detail::clock_type::time_point deadline,
                        fetch_result& r,
                        const detail::body_sink& sink) const;
    /// The proxy for u, parsed once per proxy URL; null for a direct connection, and null with the
    /// proxy URL's text in bad when that text is not a valid proxy URL.
    const url* proxy_of(const url& u, std::string& bad);
    void fail(fetch_result& r,
              const detail::failure& f,
              const url& u,
              const url* proxy,
              detail::clock_type::time_point deadline) const;

    boost::asio::any_io_executor executor;
    tls_source tls;
    client_config cfg;
    detail::dns_cache dns;
    detail::session_cache sessions;  // before the pool: sessions point into it
    detail::connector connect;
    detail::session_pool pool;
    output_names names;
    std::minstd_rand rng;
    std::unordered_map<std::string, std::optional<url>> proxies;
    /// Lent to attempts (detail::hop_loan), kept here between them: at most one per attempt in flight.
    detail::hop_scratch_pool spare_hops;
    std::size_t requests_reused = 0;
    std::optional<stop_reason> stopped;  // set by cancel_all()
};

}  // namespace asyncfetch
