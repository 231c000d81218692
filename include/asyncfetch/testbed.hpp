// asyncfetch-testbed: a small Beast HTTP/1.1 server on loopback for the demo, the tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace asyncfetch {

/// A self-signed certificate (CA:TRUE, so it can be its own trust anchor) and its key, as PEM.
struct self_signed_certificate
{
    std::string cert_pem;
    std::string key_pem;
};

/// Makes an EC P-256 self-signed certificate whose subjectAltName lists `names`
/// (IP addresses become IP entries, the rest DNS entries), valid from `not_before_days` days
/// from now (may be negative) for `valid_days` days. Throws std::runtime_error on OpenSSL failure.
self_signed_certificate make_self_signed_certificate(const std::vector<std::string>& names,
                                                     long not_before_days = -1,
                                                     long valid_days = 30);

/// How a testbed listens.
struct testbed_config
{
    std::string address = "127.0.0.1";                            ///< bind address
    std::uint16_t port = 0;                                        ///< 0 picks a free port
    bool tls = false;                                              ///< serve https
    std::vector<std::string> cert_names = {"localhost", "127.0.0.1"};  ///< SANs of the generated cert
};

/// Counters a test can read while or after the server runs.
struct testbed_counters
{
    std::size_t connections_accepted = 0;  ///< TCP connections accepted
    std::size_t requests = 0;              ///< request headers read
    std::size_t peak_connections = 0;      ///< most connections open at once
    std::size_t peak_in_flight = 0;        ///< most requests being answered at once
};

/// The server. Endpoints (query strings ignored, GET and HEAD, HTTP/1.1 keep-alive):
///   /bytes/N      200 with Content-Length N, body of N bytes streamed in pieces
///   /delay/MS     200 with a 3-byte body after MS milliseconds
///   /status/CODE  that status (200-599); no body for 204 and 304
///   /chunked/N    200 with N bytes in chunked transfer encoding
///   /redirect/N   302 to /redirect/N-1; /redirect/0 answers 200
///   /close/N      200 with N bytes delimited by closing the connection (TLS: with close_notify)
///   /truncate/N   200 announcing 2N bytes with Content-Length, sending N, then closing
///   /cut/N        TLS only matters: N bytes delimited by close, TCP closed without close_notify
///   /silent       reads the request, never answers
///   /interim/N    100 Continue and 103 Early Hints, then 200 with N bytes
///   /drop/N       200 with N bytes as keep-alive, then closes the idle connection after 20 ms
class testbed
{
public:
    /// Binds and starts serving on a thread of its own. Throws on bind failure.
    explicit testbed(testbed_config config = {});
    /// Stops the server and joins its thread.
    ~testbed();
    testbed(const testbed&) = delete;
    testbed& operator=(const testbed&) = delete;

    /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" (the bound address and port).
    std::string base_url() const;
    /// The bound port.
    std::uint16_t port() const;
    /// The certificate's PEM (empty without TLS): a client trusts it with --cacert.
    const std::string& cert_pem() const;
    /// A snapshot of the counters.
    testbed_counters counters() const;
    /// Stops serving: closes the acceptor and every connection. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace asyncfetch
