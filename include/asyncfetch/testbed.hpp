// asyncfetch-testbed: a small HTTP/1.1 and HTTP/2 server on loopback for the demo, the tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

/// Makes an EC P-256 client certificate signed by `ca` (a make_self_signed_certificate() result, which
/// is a CA): subject CN common_name, extendedKeyUsage clientAuth, valid for 30 days from yesterday. The
/// key is PKCS#8 PEM, encrypted with AES-256-CBC under key_password when one is given. Throws
/// std::runtime_error on OpenSSL failure.
self_signed_certificate make_client_certificate(const self_signed_certificate& ca,
                                                const std::string& common_name,
                                                const std::string& key_password = {});

/// A PEM certificate as DER. Throws std::runtime_error when it does not parse.
std::string certificate_to_der(const std::string& cert_pem);

/// An unencrypted PEM private key as unencrypted PKCS#8 DER. Throws std::runtime_error when it does not
/// parse.
std::string private_key_to_der(const std::string& key_pem);

/// How a testbed listens.
struct testbed_config
{
    std::string address = "127.0.0.1";  ///< bind address
    std::uint16_t port = 0;             ///< 0 picks a free port
    bool tls = false;  ///< serve https; ALPN offers h2 and http/1.1 and HTTP/2 is served when chosen
    /// Without tls: also serve HTTP/2 with prior knowledge (h2c) to connections that start with the
    /// client preface; the others get HTTP/1.1 as always.
    bool h2c = false;
    std::vector<std::string> cert_names = {"localhost", "127.0.0.1"};  ///< SANs of the generated cert
    bool record_requests = true;  ///< keep the request log that testbed::requests() returns
    /// HTTP/2: SETTINGS_MAX_CONCURRENT_STREAMS announced (at least 1); streams past it are refused.
    std::uint32_t h2_max_streams = 100;
    /// With tls: PEM of the CA certificates that sign acceptable client certificates. When set, every
    /// TLS client must present a certificate one of them signed (SSL_VERIFY_PEER |
    /// SSL_VERIFY_FAIL_IF_NO_PEER_CERT): the handshake fails with the alert "certificate required" (TLS
    /// 1.3; "handshake failure" in 1.2) without one, "unknown ca" with another CA's.
    std::string client_ca_pem;
};

/// One request as the testbed read it.
struct recorded_request
{
    std::string method;  ///< as sent, any token ("GET", "PURGE")
    std::string target;  ///< as sent on the wire: origin-form, absolute-form or authority-form
    std::vector<std::pair<std::string, std::string>> headers;  ///< in wire order, names as sent
    std::string body;                                          ///< de-chunked when sent chunked
    bool tls = false;                                          ///< read over TLS
    /// The server name the client sent in the TLS handshake (SNI) of the request's connection;
    /// nullopt when it sent none, and always without TLS.
    std::optional<std::string> server_name;

    /// The value of the first header named `name` (case-insensitive), "" if there is none.
    std::string header(std::string_view name) const;
    /// Whether a header named `name` (case-insensitive) was sent.
    bool has_header(std::string_view name) const;
};

/// The first `n` bytes of the text that /gzip/N, /deflate/N, /br/N and the -chunked variants encode:
/// numbered lines "asyncfetch testbed line 00000000\n", "... 00000001\n", 33 bytes each.
std::string testbed_pattern(std::uint64_t n);

/// Counters a test can read while or after the server runs.
struct testbed_counters
{
    std::size_t connections_accepted = 0;  ///< TCP connections accepted
    std::size_t requests = 0;              ///< request headers read
    std::size_t peak_connections = 0;      ///< most connections open at once
    std::size_t peak_in_flight = 0;        ///< most requests being answered at once
    std::size_t http2_connections = 0;     ///< connections that spoke HTTP/2
    std::size_t ping_acks = 0;             ///< HTTP/2 PING ACKs received (answers to /h2-ping)
    std::size_t cond_bodies = 0;           ///< /cond answers that sent the body (200 to GET)
};

/// The server. HTTP/1.1, and HTTP/2 over TLS when ALPN chooses h2 or with prior knowledge on plain TCP
/// (testbed_config::h2c); both protocols share the endpoints, the request log and the counters. Over
/// HTTP/2 the log has the request's fields with a Host field made from :authority first, names as sent
/// (lower case), and the framings below map to HTTP/2 as noted.
/// Endpoints (any method, all answered alike, HEAD without a body; query strings ignored
/// unless listed; absolute-form targets served as their path; HTTP/1.1 keep-alive; request bodies up to
/// 16 MiB, Content-Length or chunked, larger ones get 413 and the connection closes; "Expect: 100-continue"
/// gets a 100 before the body is read; request headers over 64 KiB get 431):
///   /bytes/N      200 with Content-Length N, body of N bytes streamed in pieces
///   /delay/MS     200 with a 3-byte body after MS milliseconds
///   /status/CODE  that status (200-599); no body for 204 and 304
///   /chunked/N    200 with N bytes in chunked transfer encoding (HTTP/2: without content-length)
///   /redirect/N   302 to /redirect/N-1; /redirect/0 answers 200
///   /close/N      200 with N bytes delimited by closing the connection (TLS: with close_notify)
///                 (HTTP/2: without content-length, the stream ends)
///   /truncate/N   200 announcing 2N bytes with Content-Length, sending N, then closing
///                 (HTTP/2: then RST_STREAM INTERNAL_ERROR)
///   /cut/N        TLS only matters: N bytes delimited by close, TCP closed without close_notify
///                 (HTTP/2: as /close/N)
///   /silent       reads the request, never answers
///   /interim/N    100 Continue and 103 Early Hints, then 200 with N bytes
///   /drop/N       200 with N bytes as keep-alive, then closes the idle connection after 20 ms
///                 (HTTP/2: the connection stays)
///   /echo[/...]   200 text/plain listing the request: "METHOD TARGET", then one "Name: value" line per
///                 header in wire order, then an empty line, then the request body (lines end in \n)
///   /basic-auth?user=U&password=P  200 "authenticated" when the request's Authorization is Basic
///                 credentials U:P, else 401 with WWW-Authenticate (httpbin's /basic-auth/U/P)
///   /redirect-to?url=URL&status=CODE, also /ANY/PREFIX/redirect-to?...
///                 CODE (301, 302, 303, 307 or 308; default 302) with "Location: URL", URL percent-decoded
///                 and otherwise verbatim (relative references welcome: the prefix gives them a base to
///                 resolve against); 400 without url= or with control characters in it
///   /gzip/N, /deflate/N, /br/N
///                 200 with Content-Encoding gzip, deflate (zlib format, RFC 1950) or br, whose body
///                 decodes to testbed_pattern(N); compressed whole first and sent with Content-Length,
///                 so N is at most 64 MiB (larger: 400)
///   /gzip-chunked/N, /deflate-chunked/N, /br-chunked/N
///                 the same, compressed while sending, chunked, for any N up to 2^40
///   /bomb/N       200 with Content-Encoding gzip, chunked: N zero bytes (N up to 2^40) compressed
///                 about 1000:1 while sending, so memory stays small; the client is meant to give up
///   /flaky/N?key=K&status=S&retry-after=R
///                 per key K (default empty), the first N requests get status S (200-599, default 503)
///                 with "Retry-After: R" when given (verbatim), later ones 200 "ok\n"
///   /cookie/set?NAME=VALUE&set=RAW&location=URL
///                 one "Set-Cookie: NAME=VALUE" per NAME=VALUE parameter and one "Set-Cookie: RAW" per set=
///                 parameter (RAW percent-decoded and verbatim: attributes welcome), in query order; 302
///                 to URL with location=, else 200 "set N cookies\n"; 400 for control characters
///   /cookie/echo[/...]
///                 200 text/plain: the request's Cookie fields joined with "; " (HTTP/2 may split them),
///                 then "\n"; just "\n" without a Cookie
///   /cond/NAME?validators=V
///                 a resource with a version (1 at first): 200 "NAME version N\n" with ETag "NAME-vN" and
///                 Last-Modified 2020-09-13 12:26:40 GMT plus N-1 hours (V "etag" or "last-modified" sends
///                 only that one); 304 with both fields when If-None-Match matches the ETag (weakly, or
///                 "*"), or, without If-None-Match, when If-Modified-Since is not before Last-Modified.
///                 testbed_counters::cond_bodies counts the bodies sent
///   /cond-bump/NAME
///                 makes NAME's next version; 200 with the new version number
/// HTTP/2 faults, over HTTP/2 only (HTTP/1.1 answers 404):
///   /h2-goaway/N?key=K&streams=S
///                 200 with N bytes; the first time per key K, halfway through the body a GOAWAY with
///                 this stream as last_stream_id: streams above it are never answered (the client's are
///                 refused), this one ends, then the connection closes. With S, the answer waits until S
///                 streams above this one are open on the connection (at most 1 s). Later times: a
///                 plain 200
///   /h2-refuse/N?key=K
///                 per key K, the first N streams get RST_STREAM REFUSED_STREAM, later ones 200 "ok\n"
///   /h2-reset/N   200 announcing N bytes, N bytes, then RST_STREAM INTERNAL_ERROR instead of the end;
///                 /h2-reset/0 resets at once, without a response
///   /h2-window-stall/N
///                 the stream's receive window is never opened again (the connection's is): a request
///                 body past 65,535 bytes stalls; a request that ends gets 200 with N bytes
///   /h2-ping/N?count=C
///                 C PINGs (default 500, at most 900), then 200 with N bytes; ACKs are counted
///   /h2-headers/N?size=S
///                 200 "ok\n" with N more fields "x-filler-I: " and S bytes of 'y' (S default 100, at
///                 most 16,384; N at most 10,000)
///   /h2-padded/N  200 with N bytes, each DATA frame padded by up to 256 bytes
/// testbed_config::h2_max_streams sets SETTINGS_MAX_CONCURRENT_STREAMS.
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
    /// A snapshot of the request log, oldest first: every request read, including those answered 413.
    /// The log keeps the newest 100,000 requests and at most 256 MiB of bodies, dropping the oldest.
    /// Empty when testbed_config::record_requests is false. Thread-safe.
    std::vector<recorded_request> requests() const;
    /// Empties the request log. Thread-safe.
    void clear_requests();
    /// Stops serving: closes the acceptor and every connection. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace asyncfetch
