// Failure wording: one failed step of a fetch turned into its error kind and message.
#include "failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace asyncfetch::detail {

namespace net = boost::asio;

std::string limit_seconds_text(std::chrono::milliseconds d)
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

bool closed_without_response(const failure& f) noexcept
{
    return f.ec == boost::beast::http::error::end_of_stream && !f.got_response;
}

namespace {

/// What a TLS alert about the client's own certificate means, or nothing for other errors. A client
/// receives these only when the server judged the certificate it presented, or found none.
std::string client_certificate_hint(const boost::system::error_code& ec)
{
    if (ec.category() != net::error::get_ssl_category())
        return {};
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value())))
    {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return "; the server requires a client certificate (--cert)";
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA: return "; the server does not trust the client certificate's CA";
    default: return {};
    }
}

std::pair<error_kind, std::string> describe_without_hint(const failure& f, const failure_context& c);

}  // namespace

std::pair<error_kind, std::string> describe_failure(const failure& f, const failure_context& c)
{
    auto out = describe_without_hint(f, c);
    if (out.first == error_kind::tls)
        out.second += client_certificate_hint(f.ec);
    return out;
}

namespace {

std::pair<error_kind, std::string> describe_without_hint(const failure& f, const failure_context& c)
{
    const std::string where(c.peer);
    if (f.ec == net::error::operation_aborted)
        return c.interrupted ? std::pair{error_kind::interrupted, std::string("interrupted")}
                             : std::pair{error_kind::io, std::string("cancelled")};
    if (f.ec == boost::beast::error::timeout || f.ec == errc::dns_timeout || f.ec == errc::request_timeout)
    {
        if (c.past_deadline || f.where == phase::send || f.where == phase::receive)
            return {error_kind::timeout, "request timed out after " + limit_seconds_text(c.timeout)};
        const char* what = f.where == phase::dns     ? "resolving "
                           : f.where == phase::tls   ? "TLS handshake with "
                           : f.where == phase::proxy ? "proxy handshake with "
                                                     : "connect to ";
        return {error_kind::timeout,
                what + where + " timed out after " + limit_seconds_text(c.connect_timeout)};
    }
    const std::string via = c.via_proxy ? "proxy " : "";
    // A detail on a DNS failure names the host that failed (a SOCKS5 target resolved by the client).
    if (f.where == phase::dns)
        return {error_kind::dns,
                "could not resolve " +
                    (f.detail.empty() ? via + "host " + std::string(c.resolved_host) : "host " + f.detail) +
                    ": " + describe(f.ec)};
    if (f.ec.category() == error_category())
        return {classify(f.ec), f.detail.empty() ? describe(f.ec) : f.detail};
    switch (f.where)
    {
    case phase::dns: break;  // above
    case phase::connect:
        return {c.via_proxy ? error_kind::proxy : error_kind::connect,
                "failed to connect to " + via + where + ": " + describe(f.ec)};
    case phase::proxy: return {error_kind::proxy, "proxy " + where + ": " + describe(f.ec)};
    case phase::tls:
        return {error_kind::tls,
                "TLS handshake with " + std::string(c.target) +
                    " failed: " + (f.detail.empty() ? describe(f.ec) : f.detail)};
    case phase::send: return {error_kind::io, "sending the request failed: " + describe(f.ec)};
    case phase::receive: break;
    }
    error_kind kind = classify(f.ec);
    if (kind == error_kind::io && f.got_response && c.got_status)
        kind = error_kind::truncated;  // reset in the middle of the body
    if (kind == error_kind::tls && f.got_response)
        kind = error_kind::truncated;
    return {kind, f.detail.empty() ? describe(f.ec) : describe(f.ec) + " (" + f.detail + ")"};
}

}  // namespace

}  // namespace asyncfetch::detail
