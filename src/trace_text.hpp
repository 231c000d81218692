// The text -v and -D show of an exchange: connection, request and response lines, with secrets redacted.
#pragma once

#include "asyncfetch/exchange_log.hpp"
#include "connection_info.hpp"
#include "session.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {
struct fetch_result;
struct url;
}  // namespace asyncfetch

namespace asyncfetch::detail {

class session_lease;

/// Fields whose values -v shows as "[redacted]" unless --verbose-secrets: Authorization,
/// Proxy-Authorization, Cookie and Set-Cookie.
bool is_secret_field(std::string_view name) noexcept;

/// Appends one -v line: "[INDEX] MARKER TEXT\n", with control characters in text as spaces so
/// that a line is always one line. marker is '*' (information), '>' (sent) or '<' (received).
void trace_line(std::string& out, std::size_t index, char marker, std::string_view text);

/// Appends the request lines: "> GET /a HTTP/1.1" and "> Name: value" for each field. Over HTTP/2
/// (protocol "HTTP/2") as curl shows it: the request line with HTTP/2, Host standing for
/// :authority, and the fields HTTP/2 does not carry left out.
void trace_request(std::string& out,
                   std::size_t index,
                   const request_head& head,
                   std::string_view protocol,
                   bool secrets);

/// Appends the response lines: "< HTTP/1.1 200 OK" (or "< HTTP/2 200") and "< name: value".
void trace_response(std::string& out, std::size_t index, const response_head& head, bool secrets);

/// Appends the connection lines: where it goes, whether it was reused, and on a new TLS
/// connection the version, cipher, ALPN and the peer certificate's subject, issuer and expiry.
/// host is the URL's (or the proxy's) host; peer and tls may be null when unknown.
void trace_connection(std::string& out,
                      std::size_t index,
                      std::string_view host,
                      const peer_address* peer,
                      std::string_view protocol,
                      bool reused,
                      const tls_details* tls);

/// Appends a response head as -D writes it: the status line and fields with CRLF, then an empty
/// line, as curl's --dump-header (HTTP/2's status line is "HTTP/2 200").
void dump_response_head(std::string& out, const response_head& head);

/// What one fetch writes to the exchange log; made only when the client has a log, so a fetch
/// without -v or -D pays one test per hop.
struct fetch_trace
{
    fetch_trace(exchange_log& l, std::size_t i, clock_type::time_point fetch_start) noexcept;

    /// Hands the -v lines gathered so far to the log as one block.
    void flush();

    /// A hop's request goes out on lease's session to host (the proxy's, through one): for --har its
    /// record, for -v its connection and request lines.
    void request_sent(const session_lease& lease,
                      const url& host,
                      const request_head& head,
                      std::uint64_t body_bytes,
                      const fetch_result& r);
    /// Its response head arrived: for --har and -v, and for -D the URL's block (headed by the URL
    /// as given, or without its credentials).
    /// written is when the request's writing ended (exchange::request_written()).
    void response_arrived(const response_head& resp,
                          const url& original,
                          const fetch_result& r,
                          clock_type::time_point written);

    // --har (exchanges): one exchange_record per request, opened by begin_hop and closed by
    // end_hop (exchange_trace.cpp).

    /// A request to cur is about to wait for a connection.
    void begin_hop(std::string_view method, const url& cur);
    /// The request goes out on s (reused or new); r holds this hop's queue, DNS, connect and TLS times.
    void hop_request(const request_head& head,
                     const session& s,
                     bool reused,
                     std::uint64_t serial,
                     std::uint64_t body_bytes,
                     const fetch_result& r);
    /// Its response head arrived; the request's writing ended at written (time_point{}: unknown,
    /// then the writing counts as waiting).
    void hop_response(const response_head& resp, clock_type::time_point written);
    /// The hop's body was read (or the attempt ended): bytes as received and decoded, and r's error
    /// when r failed and the hop is the attempt's last.
    void end_hop(std::uint64_t wire, std::uint64_t decoded, const fetch_result* r);

    exchange_log& log;
    std::size_t index;
    bool verbose;
    bool secrets;
    bool headers;
    bool exchanges;
    std::string lines;                  ///< -v lines not yet flushed
    std::string dump;                   ///< -D: the response heads so far
    std::vector<exchange_record> hops;  ///< --har: the exchanges so far

private:
    clock_type::time_point start_;
    clock_type::time_point hop_start_;
    clock_type::time_point sent_;
    clock_type::time_point head_;
    bool open_ = false;
    bool answered_ = false;
};

}  // namespace asyncfetch::detail
