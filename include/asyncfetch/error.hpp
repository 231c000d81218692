// Error codes of asyncfetch's own, and the stable error kinds every failed URL reports.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace asyncfetch {

/// Failures asyncfetch detects itself (network errors keep their own categories).
enum class errc
{
    invalid_url = 1,             ///< the URL cannot be parsed
    unsupported_scheme,          ///< a scheme other than http or https
    missing_host,                ///< no host in the URL
    invalid_port,                ///< port 0 or out of range
    dns_no_address,              ///< the name resolved to no address
    dns_timeout,                 ///< resolving took longer than --connect-timeout
    request_timeout,             ///< the whole request took longer than --timeout
    http_error_status,           ///< status >= 400 with --fail
    too_many_redirects,          ///< more than --max-redirs redirects
    redirect_scheme,             ///< a redirect to a scheme other than http or https
    redirect_downgrade,          ///< a redirect from https to http without --allow-insecure-redirects
    redirect_invalid,            ///< a Location that is not a valid URI reference
    size_limit,                  ///< the body grew past --max-filesize
    bad_encoding,                ///< the body could not be decoded (gzip, deflate, br)
    unsupported_encoding,        ///< a Content-Encoding asyncfetch cannot decode
    proxy_refused,               ///< the proxy answered CONNECT with a non-2xx status
    invalid_proxy,               ///< the proxy URL is not a valid http://, socks5:// or socks5h:// URL
    file_error,                  ///< the body could not be written under --output-dir
    too_many_header_fields,      ///< a response header with more fields than the client accepts
    too_many_interim_responses,  ///< more 1xx responses, or larger ones, than one header budget allows
    invalid_request_field,       ///< a method, target or header field of the request holds CR, LF or NUL
    http2_stream_reset,          ///< the server reset the HTTP/2 stream (RST_STREAM) before it ended
    http2_stream_refused,        ///< the server refused the HTTP/2 stream (REFUSED_STREAM or above GOAWAY)
    http2_protocol,              ///< the HTTP/2 connection broke the protocol or was closed with an error
    dns_not_found,               ///< the DNS says the name does not exist (NXDOMAIN)
    dns_server_failure,          ///< every DNS server failed (SERVFAIL), refused or could not be reached
    dns_refused,                 ///< the DNS server refused the query (REFUSED)
    dns_bad_answer,              ///< the DNS answer could not be parsed
    dns_no_answer,               ///< the DNS servers gave no answer before the resolver gave up
    dns_failure,                 ///< any other resolver failure
    url_too_long,                ///< a URL (an input line) longer than max_url_length
    idn_bad_encoding,            ///< an international host name that is not valid UTF-8
    idn_disallowed,              ///< a host name with a character IDNA does not allow
    idn_too_long,                ///< a host name, or one of its labels, too long once converted
    idn_invalid,                 ///< any other reason IDNA rejects a host name
    header_field_too_large,      ///< a response header field (name or value) of 64 KiB or more
    chunk_line_too_long,         ///< a chunk-size line (with its extensions) longer than the client buffers
    trailer_too_large,           ///< a trailer section larger than the client buffers
    response_buffer_full,        ///< unparsed response bytes filled the read buffer
    request_body_file,           ///< a request body file could not be read, or changed while it was sent
    proxy_failed,  ///< a SOCKS5 proxy refused, failed or broke its handshake (the detail names why)
};

/// The category of errc.
const boost::system::error_category& error_category() noexcept;

/// Makes an error_code from errc (found by ADL).
inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// Stable tokens for the "error_kind" output field.
enum class error_kind
{
    none,
    invalid_url,
    dns,
    connect,
    tls,
    timeout,
    protocol,
    truncated,
    http,
    io,
    redirect,
    size_limit,
    proxy,
    interrupted,  ///< Ctrl-C or SIGTERM ended the request in flight
    skipped,      ///< not fetched: --no-clobber found its file; neither ok nor failed
};

/// The token printed for a kind, e.g. "invalid_url".
std::string_view to_string(error_kind kind) noexcept;

/// Sorts any error code a fetch can meet into an error kind.
error_kind classify(const boost::system::error_code& ec) noexcept;

/// A short human message for an error code: our own messages, OpenSSL's reason for TLS errors.
std::string describe(const boost::system::error_code& ec);

}  // namespace asyncfetch

template <>
struct boost::system::is_error_code_enum<asyncfetch::errc> : std::true_type
{
};
