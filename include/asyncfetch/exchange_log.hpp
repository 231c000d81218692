// What -v and -D see of each fetch: the sink the fetch rules hand whole blocks of lines to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncfetch {

/// What an exchange log wants to be told.
struct exchange_log_settings
{
    bool verbose = false;  ///< -v: connections, requests and responses, lines prefixed "[INDEX] "
    bool secrets = false;  ///< --verbose-secrets: show Authorization, Proxy-Authorization, Cookie, Set-Cookie
    bool headers = false;  ///< -D: every response head of each URL, one block per URL
    bool exchanges = false;  ///< --har: every request and response of each URL, as exchange_record
};

/// One request of a fetch and its response (a hop of a redirect chain, or one attempt of a retried
/// URL), as --har records it. Secret field values are "[redacted]" unless the log's secrets setting.
/// Times are milliseconds; -1 where a phase did not happen (dns, connect and tls on a reused
/// connection).
struct exchange_record
{
    using fields = std::vector<std::pair<std::string, std::string>>;

    std::string method;
    std::string url;           ///< absolute, without user-info
    std::string http_version;  ///< "HTTP/1.1", "HTTP/2"; empty before a connection
    fields request_fields;
    std::uint64_t request_body_bytes = 0;
    unsigned status = 0;  ///< 0 when no response arrived
    std::string reason;   ///< the HTTP/1 reason phrase
    fields response_fields;
    std::uint64_t body_bytes = 0;  ///< as received, before content decoding
    std::uint64_t decoded_bytes = 0;
    std::string redirect_url;  ///< the Location followed, empty when none
    double start_ms = 0;       ///< from the start of the fetch
    double blocked_ms = 0;     ///< waiting for a connection or a stream slot (DNS, connect, TLS not included)
    double dns_ms = -1;
    double connect_ms = -1;  ///< TCP connect and a proxy tunnel's setup, TLS not included
    double tls_ms = -1;
    double send_ms = 0;     ///< writing the request head and body
    double wait_ms = 0;     ///< request written to response head
    double receive_ms = 0;  ///< response head to the end of the body
    std::string server_ip;
    std::uint64_t connection = 0;  ///< the connection's serial in its client; 0 without one
    std::string error_kind;        ///< empty when the exchange succeeded
    std::string error;
};

/// Receives -v lines and -D blocks from the fetches of a client (client_config::log). Every call
/// carries whole lines, and an implementation writes each call at once, so the lines of URLs in
/// flight together never mix within a line.
class exchange_log
{
public:
    explicit exchange_log(exchange_log_settings s) noexcept : settings_(s) {}
    virtual ~exchange_log() = default;
    exchange_log(const exchange_log&) = delete;
    exchange_log& operator=(const exchange_log&) = delete;

    const exchange_log_settings& settings() const noexcept { return settings_; }

    /// -v: a block of lines of one URL, each "[INDEX] " prefixed and ending in '\n'.
    virtual void verbose(std::string_view lines) = 0;

    /// -D: one URL's response heads, after a "# [INDEX] URL" line, at the end of its fetch.
    virtual void headers(std::string_view block) = 0;

    /// --har (settings().exchanges): every exchange of one URL, at the end of its fetch; ignored by
    /// default.
    virtual void exchanges(std::size_t /*index*/, std::vector<exchange_record>&& /*hops*/) {}

private:
    exchange_log_settings settings_;
};

/// Writes -v blocks to one stream and -D blocks to another (null: not written), each block with
/// one write and a flush under one mutex, so callers on several threads are safe too.
class stream_exchange_log final : public exchange_log
{
public:
    stream_exchange_log(exchange_log_settings s,
                        std::ostream* verbose_out,
                        std::ostream* headers_out) noexcept
        : exchange_log(s), verbose_out_(verbose_out), headers_out_(headers_out)
    {
    }

    void verbose(std::string_view lines) override { write(verbose_out_, lines); }
    void headers(std::string_view block) override { write(headers_out_, block); }

private:
    void write(std::ostream* out, std::string_view text);

    std::mutex mutex_;
    std::ostream* verbose_out_;
    std::ostream* headers_out_;
};

}  // namespace asyncfetch
