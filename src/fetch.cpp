// One URL's fetch as a coroutine: resolve, connect, TLS, write the request, stream the response.
#include "asyncfetch/fetch.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/url.hpp"
#include "connection.hpp"
#include "connection_pool.hpp"
#include "dns_cache.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

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

/// Response headers larger than this are a protocol error (curl allows 100 KB; Beast's default is 8 KB).
constexpr std::uint32_t header_limit = 128 * 1024;

/// A body that only counts its bytes: nothing is stored, so memory stays flat for any size.
struct counting_body
{
    using value_type = std::uint64_t;

    static std::uint64_t size(value_type v) noexcept { return v; }

    class reader
    {
    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type& count) : count_(count)
        {
        }

        void init(const boost::optional<std::uint64_t>&, error_code& ec) noexcept
        {
            count_ = 0;
            ec = {};
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, error_code& ec) noexcept
        {
            const std::size_t n = net::buffer_size(buffers);
            count_ += n;
            ec = {};
            return n;
        }

        void finish(error_code& ec) noexcept { ec = {}; }

    private:
        value_type& count_;
    };
};

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
    std::string detail;         ///< extra words for the message (TLS verification result)
};

/// Errors a pooled connection gives when the server closed it while idle.
bool is_stale_connection_error(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::eof || ec == ssl::error::stream_truncated;
}

/// Writes the request and reads the response, skipping 1xx interim responses.
template <class Stream>
net::awaitable<outcome> exchange(Stream& stream,
                                 detail::connection& conn,
                                 const http::request<http::empty_body>& req,
                                 bool head,
                                 clock_type::time_point start,
                                 clock_type::time_point deadline,
                                 fetch_result& r,
                                 bool& reusable)
{
    auto& tcp = conn.tcp();
    tcp.expires_at(deadline);
    auto [wec, written] = co_await http::async_write(stream, req, token);
    if (wec)
        co_return outcome{wec, phase::send};

    // One parser per message: an interim response is a whole message of its own.
    std::optional<http::response_parser<counting_body>> parser;
    for (;;)
    {
        parser.emplace();
        parser->header_limit(header_limit);
        parser->body_limit(boost::none);
        if (head)
            parser->skip(true);
        tcp.expires_at(deadline);
        auto [ec, n] = co_await http::async_read_header(stream, conn.buffer(), *parser, token);
        if (ec)
            co_return outcome{ec, phase::receive, parser->got_some()};
        const unsigned status = parser->get().result_int();
        if (status >= 200 || status == 101)
            break;
        if (!parser->is_done())
            co_return outcome{http::error::bad_status, phase::receive, true};
    }

    r.status = parser->get().result_int();
    r.ttfb_ms = ms_between(start, clock_type::now());
    if (!parser->is_done())
    {
        tcp.expires_at(deadline);
        auto [ec, n] = co_await http::async_read(stream, conn.buffer(), *parser, token);
        r.bytes = parser->get().body();
        if (ec)
            co_return outcome{ec, phase::receive, true};
    }
    r.bytes = parser->get().body();
    reusable = parser->keep_alive();
    co_return outcome{{}, phase::receive, true};
}

void set_error(fetch_result& r, error_kind kind, std::string message)
{
    r.kind = kind;
    r.error = std::move(message);
}

}  // namespace

struct client::impl
{
    impl(net::any_io_executor ex, ssl::context& tls_ctx, client_config config)
        : executor(ex),
          tls(tls_ctx),
          cfg(config),
          dns(ex),
          pool(ex, config.per_host, std::max<std::size_t>(config.max_idle, 1))
    {
    }

    net::awaitable<outcome> open(const url& u, detail::pooled_connection& pc, clock_type::time_point deadline);
    void describe_failure(fetch_result& r, const url& u, const outcome& o, clock_type::time_point deadline) const;

    net::any_io_executor executor;
    ssl::context& tls;
    client_config cfg;
    detail::dns_cache dns;
    detail::connection_pool pool;
    std::size_t tls_handshakes = 0;
};

net::awaitable<outcome> client::impl::open(const url& u,
                                           detail::pooled_connection& pc,
                                           clock_type::time_point deadline)
{
    const auto connect_deadline = std::min(clock_type::now() + cfg.connect_timeout, deadline);
    auto addresses = co_await dns.resolve(u.host, u.port, connect_deadline);
    if (addresses.ec)
        co_return outcome{addresses.ec, phase::dns};

    auto conn = u.tls() ? std::make_unique<detail::connection>(executor, tls)
                        : std::make_unique<detail::connection>(executor);
    conn->tcp().expires_at(connect_deadline);
    auto [ec, endpoint] = co_await conn->tcp().async_connect(addresses.endpoints, token);
    if (ec)
        co_return outcome{ec, phase::connect};
    error_code ignored;
    conn->tcp().socket().set_option(tcp::no_delay(true), ignored);

    if (u.tls())
    {
        SSL* handle = conn->secure().native_handle();
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
        if (hec)
        {
            outcome o{hec, phase::tls};
            const long verify = SSL_get_verify_result(handle);
            if (cfg.verify && verify != X509_V_OK)
                o.detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
            co_return o;
        }
        ++tls_handshakes;
    }
    pool.count_opened();
    pc.set(std::move(conn));
    co_return outcome{};
}

void client::impl::describe_failure(fetch_result& r,
                                    const url& u,
                                    const outcome& o,
                                    clock_type::time_point deadline) const
{
    const std::string where = u.host_header();
    const bool past_deadline = clock_type::now() >= deadline;
    if (o.ec == net::error::operation_aborted)
        return set_error(r, error_kind::io, "cancelled");
    if (o.ec == beast::error::timeout || o.ec == errc::dns_timeout || o.ec == errc::request_timeout)
    {
        if (past_deadline || o.where == phase::send || o.where == phase::receive)
            return set_error(r, error_kind::timeout, "request timed out after " + seconds_text(cfg.timeout));
        const char* what = o.where == phase::dns ? "resolving " : o.where == phase::tls ? "TLS handshake with " : "connect to ";
        return set_error(r, error_kind::timeout,
                         what + where + " timed out after " + seconds_text(cfg.connect_timeout));
    }
    switch (o.where)
    {
    case phase::dns:
        return set_error(r, classify(o.ec), "could not resolve host " + u.host + ": " + describe(o.ec));
    case phase::connect:
        return set_error(r, error_kind::connect, "failed to connect to " + where + ": " + describe(o.ec));
    case phase::tls:
        return set_error(r, error_kind::tls,
                         "TLS handshake with " + where + " failed: " + (o.detail.empty() ? describe(o.ec) : o.detail));
    case phase::send:
        return set_error(r, error_kind::io, "sending the request failed: " + describe(o.ec));
    case phase::receive:
        break;
    }
    error_kind kind = classify(o.ec);
    if (kind == error_kind::io && o.got_response && r.status != 0)
        kind = error_kind::truncated;  // reset in the middle of the body
    if (kind == error_kind::tls && o.got_response)
        kind = error_kind::truncated;
    set_error(r, kind, describe(o.ec));
}

client::client(net::any_io_executor ex, ssl::context& tls, client_config config)
    : impl_(std::make_unique<impl>(std::move(ex), tls, config))
{
}

client::~client() = default;

client_counters client::counters() const noexcept
{
    return {impl_->pool.opened(), impl_->pool.reused(), impl_->tls_handshakes, impl_->dns.lookups()};
}

net::awaitable<fetch_result> client::fetch(std::size_t index, std::string url_text)
{
    const auto start = clock_type::now();
    fetch_result r;
    r.index = index;
    r.url = std::move(url_text);

    auto parsed = parse_url(r.url);
    if (!parsed)
    {
        set_error(r, error_kind::invalid_url, describe(parsed.error()));
        r.time_ms = ms_between(start, clock_type::now());
        co_return r;
    }
    const url& u = *parsed;
    const auto deadline = start + impl_->cfg.timeout;

    http::request<http::empty_body> req{impl_->cfg.head ? http::verb::head : http::verb::get, u.target, 11};
    req.set(http::field::host, u.host_header());
    req.set(http::field::user_agent, "asyncfetch/" ASYNCFETCH_VERSION);
    req.set(http::field::accept, "*/*");

    detail::pooled_connection pc;
    outcome o;
    if (auto ec = co_await impl_->pool.acquire(u.origin(), deadline, false, pc))
        o = outcome{ec, phase::connect};

    // A pooled connection the server closed while idle fails before any response byte: that is
    // not the user's error, so it is tried once more on a new connection.
    for (int attempt = 0; !o.ec; ++attempt)
    {
        if (!pc.get())
        {
            o = co_await impl_->open(u, pc, deadline);
            if (o.ec)
                break;
        }
        r.reused = pc.reused();
        detail::connection& conn = *pc.get();
        ++conn.uses;
        bool reusable = false;
        // Not a ?: with co_await in both arms: GCC 12 evaluates the wrong arm.
        if (conn.tls())
            o = co_await exchange(conn.secure(), conn, req, impl_->cfg.head, start, deadline, r, reusable);
        else
            o = co_await exchange(conn.plain(), conn, req, impl_->cfg.head, start, deadline, r, reusable);
        if (!o.ec)
        {
            if (reusable)
                pc.return_to_pool();
            break;
        }
        if (attempt == 0 && r.reused && !o.got_response && is_stale_connection_error(o.ec))
        {
            pc.discard();
            o = {};
            continue;
        }
        break;
    }

    if (o.ec)
    {
        impl_->describe_failure(r, u, o, deadline);
    }
    else if (impl_->cfg.fail && r.status >= 400)
    {
        set_error(r, error_kind::http, "HTTP status " + std::to_string(r.status));
    }
    r.time_ms = ms_between(start, clock_type::now());
    co_return r;
}

}  // namespace asyncfetch
