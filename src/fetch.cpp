// One URL's fetch as a coroutine: resolve, connect, TLS, write the request, stream the response.
#include "asyncfetch/fetch.hpp"

#include "asyncfetch/decode.hpp"
#include "asyncfetch/error.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/url.hpp"
#include "connection.hpp"
#include "connection_pool.hpp"
#include "dns_cache.hpp"
#include "response.hpp"
#include "text.hpp"
#include "tls_sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <unordered_set>

namespace asyncfetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr auto token = net::as_tuple(net::use_awaitable);

/// A redirect's own body is read and dropped up to this size so its connection can be reused.
constexpr std::uint64_t redirect_body_limit = 1024 * 1024;

using detail::body_sink;
using detail::response_parser;

double ms_between(clock_type::time_point from, clock_type::time_point to)
{
    return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string seconds_text(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    std::string out = std::to_string(ms / 1000);
    if (ms % 1000)
    {
        std::string frac = std::to_string(1000 + ms % 1000).substr(1);
        while (frac.back() == '0')
            frac.pop_back();
        out += "." + frac;
    }
    return out + " s";
}

/// Where a request failed; decides the error kind of errors that could come from several phases.
enum class phase
{
    dns,
    connect,
    proxy,
    tls,
    send,
    receive,
};

struct outcome
{
    outcome() = default;
    outcome(error_code e, phase p, bool got = false) : ec(e), where(p), got_response(got) {}

    error_code ec;
    phase where = phase::send;
    bool got_response = false;  ///< some byte of a response arrived
    std::string detail;         ///< extra words for the message (TLS verification result, proxy status)
};

/// Errors a pooled connection gives when the server closed it while idle.
bool is_stale_connection_error(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::eof || ec == ssl::error::stream_truncated;
}

/// True when an idle pooled connection can carry another request: nothing is buffered and the
/// socket has neither unread bytes (an unsolicited 408, junk after the last response) nor EOF.
bool idle_connection_is_clean(detail::connection& conn)
{
    if (conn.buffer().size() != 0)
        return false;
    char byte;
    const ssize_t n = ::recv(conn.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/// Calls f with the connection's stream, plain or TLS. (Not a ?: over two co_awaits: GCC 12
/// evaluates the wrong arm.)
template <class F>
net::awaitable<outcome> with_stream(detail::connection& conn, F&& f)
{
    if (conn.tls())
        return f(conn.secure());
    return f(conn.plain());
}

/// Writes the request in one write and reads the final response's header, skipping 1xx.
template <class Stream>
net::awaitable<outcome> send_and_read_header(Stream& stream,
                                             detail::connection& conn,
                                             const std::string& head,
                                             const std::string* body,
                                             bool head_method,
                                             clock_type::time_point deadline,
                                             std::optional<response_parser>& parser)
{
    conn.tcp().expires_at(deadline);
    const std::array<net::const_buffer, 2> request{net::buffer(head),
                                                   body ? net::buffer(*body) : net::const_buffer()};
    auto [wec, written] = co_await net::async_write(stream, request, token);
    if (wec)
        co_return outcome{wec, phase::send};
    if (auto ec = co_await detail::read_final_header(stream, conn.buffer(), parser, head_method))
        co_return outcome{ec, phase::receive, parser->got_some()};
    co_return outcome{};
}

/// Reads the rest of the response into sink.
template <class Stream>
net::awaitable<outcome> read_body(Stream& stream,
                                  detail::connection& conn,
                                  response_parser& parser,
                                  body_sink* sink,
                                  clock_type::time_point deadline)
{
    conn.tcp().expires_at(deadline);
    if (auto ec = co_await detail::read_response_body(stream, conn.buffer(), parser, sink))
        co_return outcome{ec, phase::receive, true};
    co_return outcome{};
}

/// Asks an HTTP proxy for a tunnel to target (CONNECT host:port).
net::awaitable<outcome> open_tunnel(beast::tcp_stream& tcp,
                                    const url& target,
                                    const url& proxy,
                                    const std::string& user_agent,
                                    clock_type::time_point deadline)
{
    const std::string authority = (target.host.find(':') != std::string::npos ? "[" + target.host + "]"
                                                                              : target.host) +
                                  ":" + std::to_string(target.port);
    std::string req = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!user_agent.empty())
        req += "User-Agent: " + user_agent + "\r\n";
    if (!proxy.userinfo.empty())
        req += "Proxy-Authorization: " + proxy.basic_authorization() + "\r\n";
    req += "\r\n";
    tcp.expires_at(deadline);
    auto [wec, written] = co_await net::async_write(tcp, net::buffer(req), token);
    if (wec)
        co_return outcome{wec, phase::proxy};

    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> p;
    p.skip(true);  // a 2xx answer to CONNECT has no body; the tunnel starts right after it
    tcp.expires_at(deadline);
    auto [ec, n] = co_await http::async_read_header(tcp, buffer, p, token);
    if (ec)
        co_return outcome{ec, phase::proxy};
    if (p.get().result_int() / 100 != 2)
    {
        outcome o{errc::proxy_refused, phase::proxy};
        o.detail = "proxy answered CONNECT with " + std::to_string(p.get().result_int());
        co_return o;
    }
    co_return outcome{};
}

void set_error(fetch_result& r, error_kind kind, std::string message)
{
    r.kind = kind;
    r.error = std::move(message);
}

bool is_redirect_status(unsigned status) noexcept
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

struct client::impl
{
    impl(net::any_io_executor ex, tls_source tls_ctx, client_config config)
        : executor(ex),
          tls(std::move(tls_ctx)),
          cfg(std::move(config)),
          dns(ex, cfg.ip_family),
          pool(ex, cfg.per_host, std::max<std::size_t>(cfg.max_idle, 1)),
          names(cfg.output_dir),
          rng(std::random_device{}())
    {
        for (const auto& pin : cfg.resolves)
        {
            error_code ec;
            auto address = net::ip::make_address(pin.address, ec);
            if (!ec)
                dns.pin(pin.host, pin.port, address);
        }
    }

    net::awaitable<outcome> open(const url& u,
                                 const std::optional<url>& proxy,
                                 detail::pooled_connection& pc,
                                 clock_type::time_point deadline,
                                 fetch_result& r);
    net::awaitable<void> attempt(const url& original,
                                 fetch_result& r,
                                 clock_type::time_point start,
                                 clock_type::time_point deadline,
                                 std::optional<std::chrono::milliseconds>& retry_after);
    std::string request_head(const std::string& method,
                             const url& cur,
                             const url& original,
                             const std::optional<url>& proxy,
                             const std::string* body) const;
    void describe_failure(fetch_result& r,
                          const url& u,
                          const std::optional<url>& proxy,
                          const outcome& o,
                          clock_type::time_point deadline) const;

    net::any_io_executor executor;
    tls_source tls;
    client_config cfg;
    detail::dns_cache dns;
    detail::session_cache sessions;  // before the pool: pooled connections point into it
    detail::connection_pool pool;
    output_names names;
    std::minstd_rand rng;
    std::size_t tls_handshakes = 0;
    std::size_t tls_resumed = 0;
    std::size_t requests_reused = 0;
    bool cancelled = false;
    std::unordered_set<detail::connection*> busy;  // connections with a request in progress
};

namespace {

/// Registers a connection as busy for as long as a request uses it, so cancel_all() reaches it.
class busy_guard
{
public:
    busy_guard(std::unordered_set<detail::connection*>& set, detail::connection* c) : set_(set), conn_(c)
    {
        set_.insert(conn_);
    }
    ~busy_guard() { set_.erase(conn_); }
    busy_guard(const busy_guard&) = delete;
    busy_guard& operator=(const busy_guard&) = delete;

private:
    std::unordered_set<detail::connection*>& set_;
    detail::connection* conn_;
};

}  // namespace

net::awaitable<outcome> client::impl::open(const url& u,
                                           const std::optional<url>& proxy,
                                           detail::pooled_connection& pc,
                                           clock_type::time_point deadline,
                                           fetch_result& r)
{
    const url& peer = proxy ? *proxy : u;
    auto t = clock_type::now();
    const auto connect_deadline = std::min(t + cfg.connect_timeout, deadline);
    auto addresses = co_await dns.resolve(peer.host, peer.port, connect_deadline);
    r.dns_ms = ms_between(t, clock_type::now());
    if (addresses.ec)
        co_return outcome{addresses.ec, phase::dns};
    if (cancelled)
        co_return outcome{net::error::operation_aborted, phase::connect};

    std::unique_ptr<detail::connection> conn;
    if (u.tls())
    {
        ssl::context* ctx = nullptr;
        try
        {
            ctx = &tls.get();
        }
        catch (const boost::system::system_error& e)
        {
            co_return outcome{e.code(), phase::tls};
        }
        conn = std::make_unique<detail::connection>(executor, *ctx);
    }
    else
    {
        conn = std::make_unique<detail::connection>(executor);
    }
    busy_guard guard(busy, conn.get());
    t = clock_type::now();
    conn->tcp().expires_at(connect_deadline);
    auto [ec, endpoint] = co_await conn->tcp().async_connect(addresses.endpoints, token);
    r.connect_ms = ms_between(t, clock_type::now());
    if (ec)
        co_return outcome{ec, phase::connect};
    error_code ignored;
    conn->tcp().socket().set_option(tcp::no_delay(true), ignored);

    if (proxy && u.tls())
    {
        auto o = co_await open_tunnel(conn->tcp(), u, *proxy, cfg.request.user_agent, connect_deadline);
        if (o.ec)
            co_return o;
    }

    if (u.tls())
    {
        t = clock_type::now();
        load_system_store_if_pending(tls.get());
        SSL* handle = conn->secure().native_handle();
        // Offer the last session for this origin, so a reconnect resumes instead of a full handshake.
        conn->session_key = u.origin();
        sessions.attach(handle, &conn->session_key);
        if (SSL_SESSION* previous = sessions.find(conn->session_key))
            SSL_set_session(handle, previous);
        // SNI carries host names only (RFC 6066); verification checks the name or the IP address.
        if (!u.ip_literal)
            SSL_set_tlsext_host_name(handle, u.host.c_str());
        if (cfg.verify)
        {
            if (u.ip_literal)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), u.host.c_str());
            else
                SSL_set1_host(handle, u.host.c_str());
            conn->secure().set_verify_mode(ssl::verify_peer);
        }
        else
        {
            conn->secure().set_verify_mode(ssl::verify_none);
        }
        conn->tcp().expires_at(connect_deadline);
        auto [hec] = co_await conn->secure().async_handshake(ssl::stream_base::client, token);
        r.tls_ms = ms_between(t, clock_type::now());
        if (hec)
        {
            outcome o{hec, phase::tls};
            const long verify = SSL_get_verify_result(handle);
            if (cfg.verify && verify != X509_V_OK)
                o.detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
            co_return o;
        }
        ++tls_handshakes;
        if (SSL_session_reused(handle))
            ++tls_resumed;
    }
    pool.count_opened();
    pc.set(std::move(conn));
    co_return outcome{};
}

std::string client::impl::request_head(const std::string& method,
                                       const url& cur,
                                       const url& original,
                                       const std::optional<url>& proxy,
                                       const std::string* body) const
{
    const auto& req = cfg.request;
    const bool same = same_origin(cur, original);
    auto user_has = [&](std::string_view name) {
        return std::any_of(req.headers.begin(), req.headers.end(), [&](const auto& h) {
            return detail::iequals(h.name, name);
        });
    };
    // Credentials never cross origins (curl CVE-2018-1000007, CVE-2022-27776).
    auto is_credential = [](std::string_view name) {
        return detail::iequals(name, "authorization") || detail::iequals(name, "cookie");
    };

    const bool absolute_form = proxy && !cur.tls();
    std::string out = method + " " + (absolute_form ? cur.absolute() : cur.target) + " HTTP/1.1\r\n";
    if (!user_has("host"))
        out += "Host: " + cur.host_header() + "\r\n";
    if (!user_has("user-agent") && !req.user_agent.empty())
        out += "User-Agent: " + req.user_agent + "\r\n";
    if (!user_has("accept"))
        out += "Accept: */*\r\n";
    if (cfg.compressed && !user_has("accept-encoding"))
        out += "Accept-Encoding: gzip, deflate, br\r\n";
    if (same && !original.userinfo.empty() && !user_has("authorization"))
        out += "Authorization: " + original.basic_authorization() + "\r\n";
    if (absolute_form && !proxy->userinfo.empty())
        out += "Proxy-Authorization: " + proxy->basic_authorization() + "\r\n";
    for (const auto& h : req.headers)
    {
        if (h.remove || (!same && is_credential(h.name)))
            continue;
        out += h.name + ": " + h.value + "\r\n";
    }
    if (body)
    {
        if (req.form_body && !user_has("content-type"))
            out += "Content-Type: application/x-www-form-urlencoded\r\n";
        out += "Content-Length: " + std::to_string(body->size()) + "\r\n";
    }
    out += "\r\n";
    return out;
}

void client::impl::describe_failure(fetch_result& r,
                                    const url& u,
                                    const std::optional<url>& proxy,
                                    const outcome& o,
                                    clock_type::time_point deadline) const
{
    const std::string where = (proxy ? *proxy : u).host_header();
    const bool past_deadline = clock_type::now() >= deadline;
    if (o.ec == net::error::operation_aborted)
        return set_error(r, error_kind::io, "cancelled");
    if (o.ec == beast::error::timeout || o.ec == errc::dns_timeout || o.ec == errc::request_timeout)
    {
        if (past_deadline || o.where == phase::send || o.where == phase::receive)
            return set_error(r, error_kind::timeout, "request timed out after " + seconds_text(cfg.timeout));
        const char* what = o.where == phase::dns   ? "resolving "
                           : o.where == phase::tls ? "TLS handshake with "
                                                   : "connect to ";
        return set_error(r,
                         error_kind::timeout,
                         what + where + " timed out after " + seconds_text(cfg.connect_timeout));
    }
    if (o.ec.category() == error_category())
        return set_error(r, classify(o.ec), o.detail.empty() ? describe(o.ec) : o.detail);
    const std::string via = proxy ? "proxy " : "";
    switch (o.where)
    {
    case phase::dns:
        return set_error(
            r,
            classify(o.ec),
            "could not resolve " + via + "host " + (proxy ? proxy->host : u.host) + ": " + describe(o.ec));
    case phase::connect:
        return set_error(r,
                         proxy ? error_kind::proxy : error_kind::connect,
                         "failed to connect to " + via + where + ": " + describe(o.ec));
    case phase::proxy: return set_error(r, error_kind::proxy, "proxy " + where + ": " + describe(o.ec));
    case phase::tls:
        return set_error(r,
                         error_kind::tls,
                         "TLS handshake with " + u.host_header() +
                             " failed: " + (o.detail.empty() ? describe(o.ec) : o.detail));
    case phase::send: return set_error(r, error_kind::io, "sending the request failed: " + describe(o.ec));
    case phase::receive: break;
    }
    error_kind kind = classify(o.ec);
    if (kind == error_kind::io && o.got_response && r.status != 0)
        kind = error_kind::truncated;  // reset in the middle of the body
    if (kind == error_kind::tls && o.got_response)
        kind = error_kind::truncated;
    set_error(r, kind, describe(o.ec));
}

net::awaitable<void> client::impl::attempt(const url& original,
                                           fetch_result& r,
                                           clock_type::time_point start,
                                           clock_type::time_point deadline,
                                           std::optional<std::chrono::milliseconds>& retry_after)
{
    url cur = original;
    std::string method = cfg.request.method;
    const std::string* body = cfg.request.body ? &*cfg.request.body : nullptr;

    for (;;)
    {
        std::optional<url> proxy;
        if (const std::string p = proxy_for(cur, cfg.proxies); !p.empty())
        {
            auto parsed = parse_proxy_url(p);
            if (!parsed)
                co_return set_error(r, error_kind::proxy, "invalid proxy URL: " + p);
            proxy = std::move(*parsed);
        }
        const std::string head = request_head(method, cur, original, proxy, body);
        const bool head_method = method == "HEAD";
        // Plain requests through a proxy share the proxy connection; tunnels belong to their target.
        const std::string key = !proxy      ? cur.origin()
                                : cur.tls() ? cur.origin() + " via " + proxy->origin()
                                            : "proxy " + proxy->origin();

        detail::pooled_connection pc;
        std::optional<response_parser> parser;
        outcome o;
        if (auto ec = co_await pool.acquire(key, deadline, pc))
            o = outcome{ec, phase::connect};
        r.dns_ms = r.connect_ms = r.tls_ms = 0;
        // A pooled connection the server closed while idle fails before any response byte: that
        // is not the user's error, so it is tried once more on a new connection.
        if (!o.ec && pc.get() && !idle_connection_is_clean(*pc.get()))
            pc.discard();
        for (int tries = 0; !o.ec; ++tries)
        {
            if (!pc.get())
            {
                o = co_await open(cur, proxy, pc, deadline, r);
                if (o.ec)
                    break;
            }
            r.reused = pc.reused();
            if (r.reused)
                ++requests_reused;
            detail::connection& conn = *pc.get();
            ++conn.uses;
            conn.clean = false;
            busy_guard guard(busy, &conn);
            o = co_await with_stream(conn, [&](auto& stream) {
                return send_and_read_header(stream, conn, head, body, head_method, deadline, parser);
            });
            if (!o.ec)
                break;
            if (tries == 0 && r.reused && !o.got_response && is_stale_connection_error(o.ec))
            {
                pc.discard();
                o = {};
                continue;
            }
            break;
        }
        if (o.ec)
            co_return describe_failure(r, cur, proxy, o, deadline);

        auto& msg = parser->get();
        detail::connection& conn = *pc.get();
        busy_guard guard(busy, &conn);
        r.status = msg.result_int();
        r.ttfb_ms = ms_between(start, clock_type::now());
        r.http_version = msg.version() == 10 ? "1.0" : "1.1";
        retry_after.reset();
        if (auto it = msg.find(http::field::retry_after); it != msg.end())
            retry_after = parse_retry_after(it->value(), std::chrono::system_clock::now());

        const auto location = msg.find(http::field::location);
        if (cfg.max_redirs > 0 && is_redirect_status(r.status) && location != msg.end())
        {
            // The redirect's own body is dropped; reading it lets the connection be reused.
            body_sink drop;
            drop.limit(redirect_body_limit);
            const bool keep = msg.keep_alive();
            auto body_outcome = co_await with_stream(conn, [&](auto& stream) {
                return read_body(stream, conn, *parser, &drop, deadline);
            });
            if (!body_outcome.ec)
                conn.clean = true;
            if (!body_outcome.ec && keep && parser->keep_alive())
                pc.return_to_pool();

            if (r.redirects >= cfg.max_redirs)
                co_return set_error(
                    r,
                    error_kind::redirect,
                    "stopped after " + std::to_string(cfg.max_redirs) + " redirects (--max-redirs)");
            auto next = resolve_location(
                cur.absolute(),
                std::string_view(location->value().data(), location->value().size()));
            if (!next)
                co_return set_error(r, error_kind::redirect, describe(next.error()));
            auto next_url = parse_url(*next);
            if (!next_url)
                co_return set_error(r,
                                    error_kind::redirect,
                                    next_url.error() == errc::unsupported_scheme
                                        ? describe(errc::redirect_scheme) + ": " + *next
                                        : describe(errc::redirect_invalid) + ": " + *next);
            if (cur.tls() && !next_url->tls() && !cfg.allow_insecure_redirects)
                co_return set_error(r,
                                    error_kind::redirect,
                                    describe(errc::redirect_downgrade) + ": " + *next);
            // As browsers and curl do: 303 turns into GET, and so do 301 and 302 after a POST.
            if ((r.status == 303 && method != "HEAD") ||
                ((r.status == 301 || r.status == 302) && method == "POST"))
            {
                method = "GET";
                body = nullptr;
            }
            ++r.redirects;
            r.final_url = *next;
            cur = std::move(*next_url);
            continue;
        }

        // The final response.
        const bool failed_status = cfg.fail && r.status >= 400;
        body_sink sink;
        sink.limit(cfg.max_filesize);
        if (cfg.compressed)
            if (auto ec = detail::decode_content(sink, *parser))
                co_return set_error(r,
                                    error_kind::protocol,
                                    describe(ec) + ": " + std::string(msg.at(http::field::content_encoding)));
        if (cfg.max_filesize && !head_method && parser->content_length() &&
            *parser->content_length() > *cfg.max_filesize && !cfg.compressed)
            co_return set_error(r,
                                error_kind::size_limit,
                                "body of " + std::to_string(*parser->content_length()) +
                                    " bytes is larger than --max-filesize");
        if (!cfg.output_dir.empty() && !failed_status)
        {
            if (r.file.empty())
                r.file = names.reserve(original);
            const int fd = ::open(r.file.c_str(),
                                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                                  0644);
            if (fd < 0)
                co_return set_error(r,
                                    error_kind::io,
                                    "cannot write " + r.file + ": " + std::strerror(errno));
            sink.save_to(fd);
        }
        o = co_await with_stream(conn, [&](auto& stream) {
            return read_body(stream, conn, *parser, &sink, deadline);
        });
        r.bytes = sink.decoded();
        r.wire_bytes = sink.wire();
        if (o.ec)
            co_return describe_failure(r, cur, proxy, o, deadline);
        conn.clean = true;
        if (parser->keep_alive())
            pc.return_to_pool();
        if (failed_status)
            set_error(r, error_kind::http, "HTTP status " + std::to_string(r.status));
        co_return;
    }
}

client::client(net::any_io_executor ex, tls_source tls, client_config config)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(tls), std::move(config)))
{
}

client::~client() = default;

void client::cancel_all()
{
    impl_->cancelled = true;
    // A shutdown ends a pending read or write at once; socket::cancel() did not reach Beast's
    // in-progress reads here. The connections are never pooled again after the error.
    for (auto* conn : impl_->busy)
    {
        boost::system::error_code ignored;
        conn->tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    }
}

client_counters client::counters() const noexcept
{
    return {impl_->pool.opened(),
            impl_->requests_reused,
            impl_->tls_handshakes,
            impl_->dns.lookups(),
            impl_->tls_resumed};
}

net::awaitable<fetch_result> client::fetch(std::size_t index, std::string url_text)
{
    const auto start = clock_type::now();
    fetch_result r;
    r.index = index;
    r.url = std::move(url_text);
    r.final_url = r.url;

    auto parsed = parse_url(r.url);
    if (!parsed)
    {
        set_error(r, error_kind::invalid_url, describe(parsed.error()));
        r.time_ms = ms_between(start, clock_type::now());
        co_return r;
    }

    if (impl_->cancelled)
    {
        set_error(r, error_kind::io, "cancelled");
        co_return r;
    }
    const auto& policy = impl_->cfg.retry;
    const bool may_retry = policy.all_methods || is_idempotent(impl_->cfg.request.method);
    std::string file;
    for (unsigned n = 1;; ++n)
    {
        fetch_result a;
        a.index = r.index;
        a.url = r.url;
        a.final_url = r.url;
        a.file = file;
        a.attempts = n;
        std::optional<std::chrono::milliseconds> retry_after;
        co_await impl_->attempt(*parsed, a, start, clock_type::now() + impl_->cfg.timeout, retry_after);
        file = a.file;
        r = std::move(a);
        if (n > policy.retries || !may_retry || !is_retryable(r) || r.error == "cancelled")
            break;
        const auto wait = retry_wait(n,
                                     policy.base_delay,
                                     std::uniform_real_distribution<double>(0, 1)(impl_->rng),
                                     retry_after);
        if (policy.max_time.count() > 0 && clock_type::now() + wait - start > policy.max_time)
            break;
        net::steady_timer timer(impl_->executor, wait);
        auto [ec] = co_await timer.async_wait(token);
        if (ec)
            break;
    }
    r.time_ms = ms_between(start, clock_type::now());
    co_return r;
}

}  // namespace asyncfetch
