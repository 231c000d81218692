// The text -v and -D show of an exchange, and the stream log that writes it whole.
#include "trace_text.hpp"

#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/url.hpp"
#include "request_head.hpp"
#include "session_pool.hpp"
#include "text.hpp"

#include <ostream>

namespace asyncfetch {

void stream_exchange_log::write(std::ostream* out, std::string_view text)
{
    if (!out || text.empty())
        return;
    // One write per block under the lock: blocks of URLs in flight together never mix.
    const std::lock_guard<std::mutex> lock(mutex_);
    out->write(text.data(), static_cast<std::streamsize>(text.size()));
    out->flush();
}

namespace detail {

namespace {

constexpr std::string_view redacted = "[redacted]";

void append_clean(std::string& out, std::string_view text)
{
    for (const char c : text)
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
}

void begin_line(std::string& out, std::size_t index, char marker)
{
    out += '[';
    out += std::to_string(index);
    out += "] ";
    out += marker;
    out += ' ';
}

void field_line(std::string& out,
                std::size_t index,
                char marker,
                std::string_view name,
                std::string_view value,
                bool secrets)
{
    begin_line(out, index, marker);
    append_clean(out, name);
    out += ": ";
    append_clean(out, !secrets && is_secret_field(name) ? redacted : value);
    out += '\n';
}

/// "HTTP/1.1 200 OK", "HTTP/2 200".
std::string status_line(const response_head& head)
{
    std::string line = "HTTP/";
    line += head.version == 20 ? "2" : head.version_text();
    line += ' ';
    line += std::to_string(head.status);
    if (head.version != 20 && !head.reason.empty())
    {
        line += ' ';
        line += head.reason;
    }
    return line;
}

}  // namespace

bool is_secret_field(std::string_view name) noexcept
{
    return iequals(name, "authorization") || iequals(name, "proxy-authorization") ||
           iequals(name, "cookie") || iequals(name, "set-cookie");
}

void trace_line(std::string& out, std::size_t index, char marker, std::string_view text)
{
    begin_line(out, index, marker);
    append_clean(out, text);
    out += '\n';
}

void trace_request(std::string& out,
                   std::size_t index,
                   const request_head& head,
                   std::string_view protocol,
                   bool secrets)
{
    const bool h2 = protocol == "HTTP/2";
    begin_line(out, index, '>');
    append_clean(out, head.method);
    out += ' ';
    append_clean(out, head.target);
    out += ' ';
    out += protocol;
    out += '\n';
    for (const auto& f : head.fields)
    {
        // HTTP/2 carries Host as :authority and drops the connection's own fields.
        if (h2 && is_connection_specific(f.name) && !iequals(f.name, "host"))
            continue;
        field_line(out, index, '>', f.name, f.value, secrets);
    }
}

void trace_response(std::string& out, std::size_t index, const response_head& head, bool secrets)
{
    trace_line(out, index, '<', status_line(head));
    for (const auto& f : head.fields)
        field_line(out, index, '<', f.name, f.value, secrets);
}

void trace_connection(std::string& out,
                      std::size_t index,
                      std::string_view host,
                      const peer_address* peer,
                      std::string_view protocol,
                      bool reused,
                      const tls_details* tls)
{
    std::string line = reused ? "Re-using existing connection to " : "Connected to ";
    line += host;
    if (peer && !peer->ip.empty())
    {
        line += " (";
        line += peer->ip;
        line += ") port ";
        line += std::to_string(peer->port);
    }
    line += ", ";
    line += protocol;
    trace_line(out, index, '*', line);
    if (reused || !tls)
        return;
    std::string tls_line = "TLS connection using ";
    tls_line += tls->version;
    tls_line += " / ";
    tls_line += tls->cipher;
    if (tls->resumed)
        tls_line += " (session resumed)";
    trace_line(out, index, '*', tls_line);
    trace_line(out,
               index,
               '*',
               tls->alpn.empty() ? std::string("ALPN: server did not agree on a protocol")
                                 : "ALPN: server accepted " + tls->alpn);
    if (tls->subject.empty() && tls->issuer.empty())
        return;
    trace_line(out, index, '*', "Server certificate:");
    trace_line(out, index, '*', " subject: " + tls->subject);
    trace_line(out, index, '*', " expire date: " + tls->expiry);
    trace_line(out, index, '*', " issuer: " + tls->issuer);
}

void dump_response_head(std::string& out, const response_head& head)
{
    out += status_line(head);
    out += "\r\n";
    for (const auto& f : head.fields)
    {
        out += f.name;
        out += ": ";
        out += f.value;
        out += "\r\n";
    }
    out += "\r\n";
}

fetch_trace::fetch_trace(exchange_log& l, std::size_t i, clock_type::time_point fetch_start) noexcept
    : log(l),
      index(i),
      verbose(l.settings().verbose),
      secrets(l.settings().secrets),
      headers(l.settings().headers),
      exchanges(l.settings().exchanges),
      start_(fetch_start)
{
}

void fetch_trace::flush()
{
    if (!lines.empty())
        log.verbose(lines);
    lines.clear();
}

void fetch_trace::request_sent(const session_lease& lease,
                               const url& host,
                               const request_head& head,
                               std::uint64_t body_bytes,
                               const fetch_result& r)
{
    const session& s = lease.carrier();
    hop_request(head, s, lease.reused(), lease.session_serial(), body_bytes, r);
    if (!verbose)
        return;
    tls_details tls;
    const bool fresh_tls = !lease.reused() && s.describe_tls(tls);
    trace_connection(lines,
                     index,
                     host.host,
                     s.peer(),
                     s.protocol(),
                     lease.reused(),
                     fresh_tls ? &tls : nullptr);
    trace_request(lines, index, head, s.protocol(), secrets);
    flush();
}

void fetch_trace::response_arrived(const response_head& resp,
                                   const url& original,
                                   const fetch_result& r,
                                   clock_type::time_point written)
{
    hop_response(resp, written);
    if (verbose)
    {
        trace_response(lines, index, resp, secrets);
        flush();
    }
    if (!headers)
        return;
    if (dump.empty())
    {
        dump = "# [" + std::to_string(r.index) + "] " +
               (original.userinfo.empty() ? r.url : original.absolute());
        dump += '\n';
    }
    dump_response_head(dump, resp);
}

}  // namespace detail

}  // namespace asyncfetch
