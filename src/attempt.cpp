// The rules of one attempt at a URL: a hop's request head and session, credentials across origins,
// and phase times (redirect.cpp follows redirects, final_body.cpp reads the body). They talk to an
// exchange, never to a socket.
#include "asyncfetch/error.hpp"
#include "asyncfetch/proxy.hpp"
#include "body_sink.hpp"
#include "client_impl.hpp"
#include "hop_cookies.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::failure;
using detail::ms_between;
using detail::set_error;

namespace {

bool is_redirect_status(unsigned status) noexcept
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

namespace {

/// Opens a session for one hop of a fetch when the pool needs one, on that fetch's deadline,
/// recording the phase times into its result.
class hop_source final : public detail::session_source
{
public:
    hop_source(detail::connector& c,
               const url& target,
               const url* proxy,
               clock_type::time_point deadline,
               fetch_result& r)
        : connector_(c), target_(target), proxy_(proxy), deadline_(deadline), r_(r)
    {
    }

    std::size_t expected_capacity() const noexcept override
    {
        return connector_.expected_capacity(target_, proxy_);
    }

    net::awaitable<opened> open() override
    {
        detail::connect_times times;
        auto result = co_await connector_.open_session(target_, proxy_, deadline_, times);
        r_.dns_ms = times.dns_ms;
        r_.connect_ms = times.connect_ms;
        r_.tls_ms = times.tls_ms;
        opening_ms_ += times.total();
        co_return result;
    }

    /// Adds the time since `since` that was not spent opening a session of this fetch's own to
    /// r.queue_ms: waiting for a slot, or for a connect another fetch started.
    void add_queue_time(clock_type::time_point since)
    {
        r_.queue_ms += std::max(0.0, detail::ms_between(since, clock_type::now()) - opening_ms_);
        opening_ms_ = 0;
    }

private:
    detail::connector& connector_;
    const url& target_;
    const url* proxy_;
    clock_type::time_point deadline_;
    fetch_result& r_;
    double opening_ms_ = 0;
};

/// Where the exchange goes, into the result; under -v, -D or --har, into the trace as well.
void note_lease(const detail::session_lease& lease,
                const url& host,
                const detail::request_head& head,
                const request_body* body,
                fetch_result& r,
                detail::fetch_trace* trace)
{
    if (const auto* peer = lease.carrier().peer(); peer && !peer->ip.empty())
    {
        r.remote_ip = peer->ip;
        r.remote_port = peer->port;
    }
    if (trace) [[unlikely]]
        trace->request_sent(lease, host, head, body ? body->size : 0, r);
}

/// The fields -w asks for (client_config::keep_headers), each with its values joined.
void keep_fields(const detail::response_head& resp,
                 const std::vector<std::string>& names,
                 std::vector<std::pair<std::string, std::string>>& out)
{
    out.clear();
    for (const auto& name : names)
        if (resp.find(name))
            out.emplace_back(name, resp.list(name));
}

}  // namespace

const url* client::impl::proxy_of(const url& u, std::string& bad)
{
    if (!cfg.proxies.any())
        return nullptr;  // no proxy for any URL: nothing to match per hop
    std::string text = proxy_for(u, cfg.proxies);
    if (text.empty())
        return nullptr;
    auto it = proxies.find(text);
    if (it == proxies.end())
    {
        auto parsed = parse_proxy_url(text);
        it = proxies.emplace(text, parsed ? std::optional<url>(std::move(*parsed)) : std::nullopt).first;
    }
    if (!it->second)
        bad = std::move(text);
    return it->second ? &*it->second : nullptr;
}

void client::impl::fail(fetch_result& r,
                        const failure& f,
                        const url& u,
                        const url* proxy,
                        clock_type::time_point deadline) const
{
    const std::string peer = (proxy ? *proxy : u).host_header();
    const std::string target = u.host_header();
    detail::failure_context c;
    c.peer = peer;
    c.target = target;
    c.resolved_host = proxy ? proxy->host : u.host;
    c.via_proxy = proxy != nullptr;
    c.past_deadline = clock_type::now() >= deadline;
    c.got_status = r.status != 0;
    c.interrupted = stopped == stop_reason::interrupted;
    c.timeout = cfg.timeout;
    c.connect_timeout = cfg.connect_timeout;
    auto [kind, message] = detail::describe_failure(f, c);
    set_error(r, kind, std::move(message));
}

void client::impl::took_lease(const detail::session_lease& lease,
                              const url& cur,
                              const url* proxy,
                              const detail::request_head& head,
                              const request_body* body,
                              fetch_result& r,
                              detail::fetch_trace* trace)
{
    r.reused = lease.reused();
    if (r.reused)
        ++requests_reused;
    note_lease(lease, proxy ? *proxy : cur, head, body, r, trace);
}

net::awaitable<failure> client::impl::start_exchange(const std::string& key,
                                                     const url& cur,
                                                     const url* proxy,
                                                     const detail::request_head& head,
                                                     const request_body* body,
                                                     clock_type::time_point deadline,
                                                     fetch_result& r,
                                                     detail::session_lease& lease,
                                                     detail::fetch_trace* trace,
                                                     failure f)
{
    hop_source source(connect, cur, proxy, deadline, r);
    if (!lease)
    {
        const auto since = clock_type::now();
        auto acquired = co_await pool.acquire(key, deadline, source, lease);
        source.add_queue_time(since);
        if (acquired)
            co_return acquired;
        took_lease(lease, cur, proxy, head, body, r, trace);
        f = co_await lease->send(head, body, deadline);
    }
    // A request the server never saw (an idle connection it had closed, a stream refused or above
    // a GOAWAY) is not the user's failure: it goes again, up to three more times.
    for (int again_left = 3; f && again_left > 0 && lease->may_send_again(f); --again_left)
    {
        // Not on that session again, nor on an older one (as stale, or as gone away); a newer one,
        // open or connecting, will do.
        const std::uint64_t newer_than = lease->reusable() ? 0 : lease.session_serial();
        lease.release();
        const auto since = clock_type::now();
        auto again = co_await pool.acquire(key, deadline, source, lease, newer_than);
        source.add_queue_time(since);
        if (again)
            co_return again;
        r.reused = lease.reused();
        note_lease(lease, proxy ? *proxy : cur, head, body, r, trace);
        f = co_await lease->send(head, body, deadline);
    }
    // An HTTP/2-only server ends a TLS connection whose ALPN offered only http/1.1 (nghttpd does).
    if (f && cur.tls() && !r.reused && cfg.versions == http_versions::http1_only &&
        detail::closed_without_response(f))
        f.detail = "the server may speak only HTTP/2; try without --http1.1";
    co_return f;
}

bool client::impl::prepare_hop(const url& cur,
                               const url& original,
                               const std::string& method,
                               const request_body* body,
                               const validators* conditions,
                               detail::hop_scratch& hop,
                               const url*& proxy,
                               fetch_result& r)
{
    std::string bad_proxy;
    proxy = proxy_of(cur, bad_proxy);
    if (!bad_proxy.empty())
    {
        set_error(r, error_kind::proxy, "invalid proxy URL: " + bad_proxy);
        return false;
    }
    // The jar's cookies are matched per hop: a redirect to another site takes none of the first's.
    const std::string jar_cookies = cfg.cookies ? detail::cookies_for(*cfg.cookies, cur) : "";
    if (auto ec = detail::build_request_head(
            cfg.request,
            {method, cur, original, proxy, body, cfg.compressed, jar_cookies, conditions},
            hop.head))
    {
        set_error(r, classify(ec), describe(ec));
        return false;
    }
    // Plain requests through an HTTP proxy share the proxy connection; tunnels (CONNECT, SOCKS5)
    // belong to their target.
    if (!proxy)
    {
        if (!hop.key_for.keep_for(cur))
            cur.origin_into(hop.key);
        return true;
    }
    hop.key_for.forget();
    hop.key = cur.tls() || is_socks_proxy(*proxy) ? cur.origin() + " via " + proxy->origin()
                                                  : "proxy " + proxy->origin();
    return true;
}

void client::impl::note_response(const detail::response_head& resp,
                                 const url& cur,
                                 const url& original,
                                 clock_type::time_point start,
                                 bool conditional,
                                 clock_type::time_point request_written,
                                 std::optional<std::chrono::milliseconds>& retry_after,
                                 detail::fetch_trace* trace,
                                 fetch_result& r)
{
    r.status = resp.status;
    r.ttfb_ms = ms_between(start, clock_type::now());
    r.http_version = resp.version_text();
    r.not_modified = conditional && r.status == 304;
    if (trace) [[unlikely]]
        trace->response_arrived(resp, original, r, request_written);
    if (cfg.cookies)
        detail::keep_cookies(*cfg.cookies, resp, cur, trace);
    if (!cfg.keep_headers.empty())
        keep_fields(resp, cfg.keep_headers, r.headers);
    retry_after.reset();
    if (auto value = resp.find("retry-after"))
        retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
}

// The coroutine frame holds only what lives across a suspension; the rest is in the functions above,
// so the frame stays small enough for Asio to recycle (at most 1,020 bytes). The request head and
// pool key live across the exchange too: they are borrowed (detail::hop_loan), not in the frame.
net::awaitable<void> client::impl::attempt(const url& original,
                                           fetch_result& r,
                                           clock_type::time_point start,
                                           clock_type::time_point deadline,
                                           std::optional<std::chrono::milliseconds>& retry_after,
                                           detail::fetch_trace* trace,
                                           const validators* conditions)
{
    // The first hop uses the original URL as it is; a redirect's target is kept in redirected.
    const url* hop = &original;
    std::optional<url> redirected;
    std::string method = cfg.request.method;
    const request_body* body = cfg.request.body ? &*cfg.request.body : nullptr;
    const detail::hop_loan loan(spare_hops);
    const detail::request_head& head = loan->head;
    const std::string& key = loan->key;

    for (;;)
    {
        const url& cur = *hop;
        const url* proxy = nullptr;
        if (!prepare_hop(cur, original, method, body, conditions, *loan, proxy, r))
            co_return;

        r.queue_ms = r.dns_ms = r.connect_ms = r.tls_ms = 0;
        if (trace) [[unlikely]]
            trace->begin_hop(method, cur);
        detail::session_lease lease;
        failure f;
        // An idle kept-alive connection is taken at once and the request sent from here: no
        // coroutine to start the exchange, no queue time to measure.
        if (pool.try_acquire(key, lease))
        {
            took_lease(lease, cur, proxy, head, body, r, trace);
            f = co_await lease->send(head, body, deadline);
        }
        if (!lease || (f && lease->may_send_again(f)))
            f = co_await start_exchange(key, cur, proxy, head, body, deadline, r, lease, trace, std::move(f));
        if (f)
            co_return fail(r, f, cur, proxy, deadline);

        const auto& resp = lease->response();
        note_response(resp,
                      cur,
                      original,
                      start,
                      conditions,
                      lease->request_written(),
                      retry_after,
                      trace,
                      r);
        const auto location = resp.find("location");
        if (cfg.max_redirs == 0 || !is_redirect_status(r.status) || !location)
        {
            // Read here when the whole body came with the head: no coroutine for it then.
            auto& sink = loan->sink.emplace();
            if (!begin_final_body(cur, proxy, method == "HEAD", deadline, r, lease.get(), sink))
                co_await read_final_body(cur, proxy, deadline, r, lease.get(), sink);
            co_return;
        }

        const std::string next_text(*location);
        co_await drop_redirect_body(lease, deadline, trace);
        if (!follow_redirect(cur, next_text, method, body, redirected, trace, r))
            co_return;
        hop = &*redirected;
    }
}

}  // namespace asyncfetch
