// --har's view of a fetch: one exchange_record per request, with its heads, times and connection.
#include "asyncfetch/error.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/url.hpp"
#include "connector.hpp"
#include "trace_text.hpp"

#include <algorithm>
#include <string>

namespace asyncfetch::detail {

namespace {

template <class Fields>
exchange_record::fields copy_fields(const Fields& from, bool secrets)
{
    exchange_record::fields out;
    out.reserve(from.size());
    for (const auto& f : from)
        out.emplace_back(
            std::string(f.name),
            !secrets && is_secret_field(f.name) ? std::string("[redacted]") : std::string(f.value));
    return out;
}

}  // namespace

void fetch_trace::begin_hop(std::string_view method, const url& cur)
{
    if (!exchanges)
        return;
    // A hop left open (a request the attempt gave up on) is closed first.
    if (open_)
        end_hop(0, 0, nullptr);
    exchange_record& h = hops.emplace_back();
    h.method = method;
    h.url = cur.absolute();
    hop_start_ = clock_type::now();
    h.start_ms = ms_between(start_, hop_start_);
    open_ = true;
    answered_ = false;
}

void fetch_trace::hop_request(const request_head& head,
                              const session& s,
                              bool reused,
                              std::uint64_t serial,
                              std::uint64_t body_bytes,
                              const fetch_result& r)
{
    if (!exchanges || !open_)
        return;
    exchange_record& h = hops.back();
    sent_ = clock_type::now();
    h.http_version = s.protocol();
    h.request_fields = copy_fields(head.fields, secrets);
    h.request_body_bytes = body_bytes;
    h.connection = serial;
    if (const auto* peer = s.peer(); peer && !peer->ip.empty())
        h.server_ip = peer->ip;
    const double waited = ms_between(hop_start_, sent_);
    if (reused)
        h.dns_ms = h.connect_ms = h.tls_ms = -1;
    else
    {
        h.dns_ms = r.dns_ms;
        h.connect_ms = r.connect_ms;
        h.tls_ms = r.tls_ms > 0 ? r.tls_ms : -1;
    }
    // What the connection's phases leave of the wait is time spent queued for it.
    const double phases = std::max(0.0, h.dns_ms) + std::max(0.0, h.connect_ms) + std::max(0.0, h.tls_ms);
    h.blocked_ms = std::max(0.0, waited - phases);
}

void fetch_trace::hop_response(const response_head& resp, clock_type::time_point written)
{
    if (!exchanges || !open_)
        return;
    exchange_record& h = hops.back();
    head_ = clock_type::now();
    answered_ = true;
    h.status = resp.status;
    h.reason = resp.reason;
    h.http_version = resp.version == 20 ? "HTTP/2" : "HTTP/" + std::string(resp.version_text());
    h.response_fields = copy_fields(resp.fields, secrets);
    // Send is the writing of the request, wait what follows; a response that came while the body was
    // still going out (a 413) ends both.
    const auto sent = written == clock_type::time_point{} ? sent_ : std::clamp(written, sent_, head_);
    h.send_ms = ms_between(sent_, sent);
    h.wait_ms = ms_between(sent, head_);
    if (auto location = resp.find("location"); location && resp.status >= 300 && resp.status < 400)
        h.redirect_url = redact_userinfo(*location);  // as the records show it: no credentials
}

void fetch_trace::end_hop(std::uint64_t wire, std::uint64_t decoded, const fetch_result* r)
{
    if (!exchanges || !open_)
        return;
    open_ = false;
    exchange_record& h = hops.back();
    const auto now = clock_type::now();
    h.body_bytes = wire;
    h.decoded_bytes = decoded;
    if (answered_)
        h.receive_ms = ms_between(head_, now);
    else if (!h.http_version.empty())
        h.wait_ms = ms_between(sent_, now);
    else
    {
        // No connection was had: the phases it went through are the attempt's.
        h.blocked_ms = ms_between(hop_start_, now);
        if (r)
        {
            h.dns_ms = r->dns_ms > 0 ? r->dns_ms : -1;
            h.connect_ms = r->connect_ms > 0 ? r->connect_ms : -1;
            h.tls_ms = r->tls_ms > 0 ? r->tls_ms : -1;
            const double phases = std::max(0.0, h.dns_ms) + std::max(0.0, h.connect_ms) +
                                  std::max(0.0, h.tls_ms);
            h.blocked_ms = std::max(0.0, h.blocked_ms - phases);
        }
    }
    if (r && !r->ok())
    {
        h.error_kind = to_string(r->kind);
        h.error = redact_userinfo(r->error);
    }
}

}  // namespace asyncfetch::detail
