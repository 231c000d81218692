// The text -v and -D show of an exchange: connection, request and response lines, with secrets redacted.
#pragma once

#include "connection_info.hpp"
#include "session.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace asyncfetch {
class exchange_log;
}

namespace asyncfetch::detail {

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
    fetch_trace(exchange_log& l, std::size_t i) noexcept;

    /// Hands the -v lines gathered so far to the log as one block.
    void flush();

    exchange_log& log;
    std::size_t index;
    bool verbose;
    bool secrets;
    bool headers;
    std::string lines;  ///< -v lines not yet flushed
    std::string dump;   ///< -D: the response heads so far
};

}  // namespace asyncfetch::detail
