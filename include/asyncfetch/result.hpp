// What one URL's fetch ends with: exactly one of these per input URL.
#pragma once

#include "asyncfetch/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace asyncfetch {

/// The outcome of fetching one URL. Failures are values: kind and error say what went wrong.
struct fetch_result
{
    std::size_t index = 0;               ///< position in the input, from 0
    std::string url;                     ///< the URL as given
    unsigned status = 0;                 ///< final HTTP status, 0 when no response arrived
    std::uint64_t bytes = 0;             ///< body bytes received
    double time_ms = 0;                  ///< from the start of the fetch to its end
    double ttfb_ms = 0;                  ///< from the start to the final response's header
    bool reused = false;                 ///< the request went over a pooled connection
    error_kind kind = error_kind::none;  ///< none on success
    std::string error;                   ///< empty on success, else a one-line message

    std::string final_url;         ///< the URL of the last request of a redirect chain
    unsigned redirects = 0;        ///< redirects followed
    std::uint64_t wire_bytes = 0;  ///< body bytes as received, before content decoding
    std::string file;              ///< where -o saved the body; empty when not saved
    unsigned attempts = 0;         ///< attempts made (more than 1 after --retry)
    double queue_ms = 0;           ///< waiting for a connection or a stream slot opened by another fetch
    double dns_ms = 0;             ///< resolving (0 on a reused connection or an IP literal)
    double connect_ms = 0;         ///< TCP connect and a proxy tunnel's setup (0 on a reused connection)
    double tls_ms = 0;             ///< TLS handshake (0 on a reused or plain connection)
    std::string http_version;      ///< "2", "1.1" or "1.0"; empty without a response
    std::string
        remote_ip;  ///< address of the last connection used (the proxy's through one); empty without one
    std::uint16_t remote_port = 0;  ///< its port; 0 without a connection
    /// The last response's fields that client_config::keep_headers names (-w %header{NAME}): each name
    /// as asked, with every value of that field joined by ", "; absent fields are left out.
    std::vector<std::pair<std::string, std::string>> headers;
    double start_ms = 0;       ///< from the start of the pass to the start of this fetch
    std::uint64_t run_id = 0;  ///< the run's random id (run_config::run_id), the same in every record
    /// The request was conditional (--state, -N) and the answer was 304: a success, the saved file
    /// (if any) left as it was.
    bool not_modified = false;
    /// The final response's ETag and Last-Modified, kept only with --state or -N.
    std::string etag;
    std::string last_modified;

    /// True when the URL counts as succeeded.
    bool ok() const noexcept { return kind == error_kind::none; }

    /// True when the URL counts as failed: neither succeeded nor skipped (--no-clobber).
    bool failed() const noexcept { return kind != error_kind::none && kind != error_kind::skipped; }
};

}  // namespace asyncfetch
