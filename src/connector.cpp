// The connector: DNS, TCP (Happy Eyeballs), proxy tunnel (HTTP CONNECT or SOCKS5), TLS handshake (SNI,
// verify, resumption, ALPN).
#include "connector.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/fetch.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/url.hpp"
#include "dns_cache.hpp"
#include "happy_eyeballs.hpp"
#include "http1_session.hpp"
#include "http2_session.hpp"
#include "proxy_tunnel.hpp"
#include "tls_sessions.hpp"
#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace net::experimental::awaitable_operators;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

/// Keeps a transport reachable by cancel_all() while it connects.
class connecting_guard
{
public:
    connecting_guard(std::unordered_set<transport*>& set, transport* t) : set_(set), t_(t)
    {
        set_.insert(t_);
    }
    ~connecting_guard() { set_.erase(t_); }
    connecting_guard(const connecting_guard&) = delete;
    connecting_guard& operator=(const connecting_guard&) = delete;

private:
    std::unordered_set<transport*>& set_;
    transport* t_;
};

using tcp_race = connect_race<tcp::socket>;

// Free-standing coroutines, not lambdas (gcc bug 107288).

/// The race itself, which ends by its own deadline or cancel(), never by a cancellation signal.
net::awaitable<tcp_race::outcome> run_race(tcp_race& race,
                                           std::vector<tcp::endpoint> order,
                                           net::any_io_executor ex)
{
    co_await net::this_coro::throw_if_cancelled(false);
    co_return co_await race.run(std::move(order), [ex] { return tcp::socket(ex); });
}

/// Gives the race the other address family's answer when it comes, then waits to be cancelled
/// (by the race's end): it never ends the pair on its own.
net::awaitable<void> feed_race(tcp_race& race,
                               dns_cache& dns,
                               const resolved& early,
                               std::uint16_t port,
                               std::chrono::steady_clock::time_point deadline)
{
    co_await net::this_coro::throw_if_cancelled(false);
    race.add(co_await dns.resolve_rest(early, port, deadline));
    auto cs = co_await net::this_coro::cancellation_state;
    if (cs.cancelled() != net::cancellation_type::none)
        co_return;
    net::steady_timer until_cancelled(co_await net::this_coro::executor,
                                      net::steady_timer::time_point::max());
    co_await until_cancelled.async_wait(token);
}

/// Happy Eyeballs over the addresses resolved so far, joined by the rest when only one family had
/// answered (RFC 8305 section 3: connecting starts on the first answer).
net::awaitable<tcp_race::outcome> race_addresses(tcp_race& race,
                                                 dns_cache& dns,
                                                 const resolved& addresses,
                                                 std::uint16_t port,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 net::any_io_executor ex)
{
    auto order = interleave_families(addresses.endpoints);
    if (!addresses.rest)
        co_return co_await run_race(race, std::move(order), ex);
    race.expect_more();
    auto both = co_await (run_race(race, std::move(order), ex) ||
                          feed_race(race, dns, addresses, port, deadline));
    if (both.index() == 0)
        co_return std::move(std::get<0>(both));
    tcp_race::outcome stopped;  // not reached: feed_race ends only when cancelled
    stopped.ec = net::error::operation_aborted;
    co_return stopped;
}

}  // namespace

connector::connector(net::any_io_executor ex,
                     tls_source& tls,
                     dns_cache& dns,
                     session_cache& sessions,
                     connector_config cfg)
    : ex_(std::move(ex)),
      tls_(tls),
      dns_(dns),
      sessions_(sessions),
      cfg_(std::move(cfg)),
      gate_(std::make_shared<descriptor_gate>(ex_))
{
}

connector::~connector() = default;

void connector::cancel_all() noexcept
{
    cancelled_ = true;
    for (auto* t : connecting_)
        t->shut_down();
    for (auto* r : racing_)
        r->cancel();
    gate_->wake_all();
}

std::unique_ptr<session> connector::make_session(std::unique_ptr<transport> t, bool via_proxy) const
{
    const bool h2 = t->tls() ? t->alpn == "h2"
                             : cfg_.versions == http_versions::http2_prior_knowledge && !via_proxy;
    if (h2)
        return std::make_unique<http2_session>(std::move(t), http2_settings{cfg_.max_streams});
    return std::make_unique<http1_session>(std::move(t));
}

std::size_t connector::expected_capacity(const url& target, const url* proxy) const noexcept
{
    const bool h2_possible = target.tls() ? cfg_.versions != http_versions::http1_only
                                          : cfg_.versions == http_versions::http2_prior_knowledge &&
                                                (!proxy || is_socks_proxy(*proxy));
    return h2_possible ? std::max<std::size_t>(cfg_.max_streams, 1) : 1;
}

net::awaitable<session_source::opened> connector::open_session(const url& target,
                                                               const url* proxy,
                                                               clock_type::time_point deadline,
                                                               connect_times& times)
{
    auto r = co_await connect(target, proxy, deadline, times);
    if (r.error)
        co_return session_source::opened{nullptr, std::move(r.error)};
    const bool forwarding = proxy && !target.tls() && !is_socks_proxy(*proxy);
    co_return session_source::opened{make_session(std::move(r.t), forwarding), failure{}};
}

net::awaitable<connector::result> connector::connect(const url& target,
                                                     const url* proxy,
                                                     clock_type::time_point deadline,
                                                     connect_times& times)
{
    const url& peer = proxy ? *proxy : target;
    auto t = clock_type::now();
    const auto connect_deadline = std::min(t + cfg_.connect_timeout, deadline);
    auto addresses = co_await dns_.resolve(peer.host, peer.port, connect_deadline);
    // c-ares needs descriptors too: a lookup that failed for want of one waits as a connect does.
    while (addresses.ec && addresses.ec != errc::dns_timeout && !cancelled_ && descriptors_exhausted())
    {
        if (!co_await wait_for_descriptor(connect_deadline))
        {
            addresses.ec = boost::system::error_code(EMFILE, boost::system::system_category());
            break;
        }
        addresses = co_await dns_.resolve(peer.host, peer.port, connect_deadline);
    }
    times.dns_ms = addresses.waited ? ms_between(t, clock_type::now())
                                    : 0;  // zero from the cache, as on a reused connection
    if (addresses.ec)
        co_return result{nullptr, failure{addresses.ec, phase::dns}};
    // socks5:// sends the proxy the target's address, resolved here; socks5h:// sends the name.
    std::string socks_host;
    if (proxy && is_socks_proxy(*proxy))
    {
        auto named = co_await socks_target(target, proxy->scheme == "socks5h", connect_deadline, times);
        if (named.error)
            co_return result{nullptr, std::move(named.error)};
        socks_host = std::move(named.host);
    }
    if (cancelled_)
        co_return result{nullptr, failure{net::error::operation_aborted, phase::connect}};

    std::unique_ptr<transport> conn;
    if (auto f = new_transport(target, conn))
        co_return result{nullptr, std::move(f)};
    connecting_guard guard(connecting_, conn.get());
    t = clock_type::now();
    auto raced = co_await race_connect(addresses, peer.port, connect_deadline);
    times.connect_ms = ms_between(t, clock_type::now());
    if (raced.ec)
        co_return result{nullptr, failure{raced.ec, phase::connect}};
    conn->tcp().socket() = std::move(*raced.socket);
    conn->gate = gate_;
    gate_->opened();
    conn->tcp().expires_at(connect_deadline);  // Beast's per-operation expiry, while connecting
    boost::system::error_code ignored;
    conn->tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (const auto peer = conn->tcp().socket().remote_endpoint(ignored); !ignored)
        conn->peer = {peer.address().to_string(), peer.port()};

    auto tunnel = co_await open_proxy_tunnel(conn->tcp(),
                                             target,
                                             proxy,
                                             socks_host,
                                             cfg_.user_agent,
                                             connect_deadline);
    // The connect phase covers a tunnel's setup (a SOCKS handshake, a CONNECT round trip): the tunnel
    // is the connection to the target.
    if (proxy)
        times.connect_ms = ms_between(t, clock_type::now());
    if (tunnel)
        co_return result{nullptr, std::move(tunnel)};

    if (target.tls())
    {
        t = clock_type::now();
        auto f = co_await handshake(*conn, target, connect_deadline);
        times.tls_ms = ms_between(t, clock_type::now());
        if (f)
            co_return result{nullptr, std::move(f)};
    }
    conn->tcp().expires_never();  // an exchange bounds itself (transport::expires_at)
    co_return result{std::move(conn), failure{}};
}

failure connector::new_transport(const url& target, std::unique_ptr<transport>& out)
{
    if (!target.tls())
    {
        out = std::make_unique<transport>(ex_);
        return failure{};
    }
    try
    {
        out = std::make_unique<transport>(ex_, tls_.get());
    }
    catch (const boost::system::system_error& e)
    {
        return failure{e.code(), phase::tls};
    }
    return failure{};
}

net::awaitable<connector::socks_name> connector::socks_target(const url& target,
                                                              bool proxy_resolves,
                                                              clock_type::time_point deadline,
                                                              connect_times& times)
{
    if (proxy_resolves || target.ip_literal)
        co_return socks_name{target.host, failure{}};
    const auto t = clock_type::now();
    auto addresses = co_await dns_.resolve(target.host, target.port, deadline);
    if (addresses.waited)
        times.dns_ms += ms_between(t, clock_type::now());
    if (!addresses.ec && addresses.endpoints.empty())
        addresses.ec = errc::dns_no_address;
    if (addresses.ec)
    {
        failure f{addresses.ec, phase::dns};
        f.detail = target.host;  // the target's name failed, not the proxy's
        co_return socks_name{{}, std::move(f)};
    }
    // The address Happy Eyeballs would try first.
    co_return socks_name{interleave_families(addresses.endpoints).front().address().to_string(), failure{}};
}

net::awaitable<connect_race<tcp::socket>::outcome> connector::race_connect(const resolved& addresses,
                                                                           std::uint16_t port,
                                                                           clock_type::time_point deadline)
{
    for (;;)
    {
        // Happy Eyeballs: IPv6 first, families alternating, a new attempt every delay; first one wins.
        tcp_race race(ex_, cfg_.happy_eyeballs_delay, deadline);
        racing_.insert(&race);
        auto raced = co_await race_addresses(race, dns_, addresses, port, deadline, ex_);
        racing_.erase(&race);
        if (raced.ec == net::error::timed_out && clock_type::now() >= deadline)
            raced.ec = beast::error::timeout;
        if (raced.ec && !out_of_descriptors(raced.ec))
            gate_->freed();  // its sockets are closed: a waiting connect may find a descriptor now
        if (!out_of_descriptors(raced.ec) || cancelled_)
            co_return raced;
        if (!co_await wait_for_descriptor(deadline))
            co_return raced;
    }
}

net::awaitable<bool> connector::wait_for_descriptor(clock_type::time_point deadline)
{
    // Close an idle connection for this one, or wait until one of the run's connections closes.
    // With none open or opening, waiting would not help.
    if (gate_->reclaim && gate_->reclaim())
        co_return true;
    if (gate_->open() == 0 && racing_.empty())
        co_return false;
    co_return co_await gate_->wait(deadline) && !cancelled_;
}

net::awaitable<failure> connector::handshake(transport& conn,
                                             const url& target,
                                             clock_type::time_point deadline)
{
    load_system_store_if_pending(tls_.get());
    SSL* handle = conn.secure().native_handle();
    // Offer the last session for this origin, so a reconnect resumes instead of a full handshake.
    conn.session_key = target.origin();
    sessions_.attach(handle, &conn.session_key);
    if (SSL_SESSION* previous = sessions_.find(conn.session_key))
        SSL_set_session(handle, previous);
    // SNI carries host names only (RFC 6066); verification checks the name or the IP address.
    if (!target.ip_literal)
        SSL_set_tlsext_host_name(handle, target.host.c_str());
    if (cfg_.verify)
    {
        if (target.ip_literal)
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), target.host.c_str());
        else
            SSL_set1_host(handle, target.host.c_str());
        conn.secure().set_verify_mode(ssl::verify_peer);
    }
    else
    {
        conn.secure().set_verify_mode(ssl::verify_none);
    }
    // ALPN: h2 first unless --http1.1; the server's choice decides the session (make_session).
    static constexpr unsigned char both[] = "\x02h2\x08http/1.1";
    static constexpr unsigned char http1[] = "\x08http/1.1";
    if (cfg_.versions == http_versions::http1_only)
        SSL_set_alpn_protos(handle, http1, sizeof http1 - 1);
    else
        SSL_set_alpn_protos(handle, both, sizeof both - 1);
    conn.tcp().expires_at(deadline);
    auto [hec] = co_await conn.secure().async_handshake(ssl::stream_base::client, token);
    if (hec)
    {
        failure f{hec, phase::tls};
        const long verify = SSL_get_verify_result(handle);
        if (cfg_.verify && verify != X509_V_OK)
            f.detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
        co_return f;
    }
    ++tls_handshakes_;
    if (SSL_session_reused(handle))
        ++tls_resumed_;
    const unsigned char* proto = nullptr;
    unsigned int proto_len = 0;
    SSL_get0_alpn_selected(handle, &proto, &proto_len);
    if (proto)
        conn.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
    co_return failure{};
}

}  // namespace asyncfetch::detail
