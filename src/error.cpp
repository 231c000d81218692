// The errc category and the mapping of every error a fetch can meet to a stable error kind.
#include "asyncfetch/error.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace asyncfetch {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "asyncfetch"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev))
        {
        case errc::invalid_url: return "invalid URL";
        case errc::unsupported_scheme: return "unsupported scheme (only http and https)";
        case errc::missing_host: return "URL has no host";
        case errc::invalid_port: return "URL port out of range";
        case errc::url_too_long: return "URL longer than 8000000 bytes";
        case errc::idn_bad_encoding: return "international host name is not valid UTF-8";
        case errc::idn_disallowed: return "host name has a character IDNA does not allow";
        case errc::idn_too_long: return "host name or one of its labels is too long";
        case errc::idn_invalid: return "host name is not a valid international domain name";
        case errc::dns_no_address: return "host name resolved to no address";
        case errc::dns_timeout: return "resolving the host name timed out";
        case errc::request_timeout: return "request timed out";
        case errc::http_error_status: return "HTTP error status";
        case errc::too_many_redirects: return "too many redirects";
        case errc::redirect_scheme: return "redirect to a scheme other than http or https";
        case errc::redirect_downgrade:
            return "refused redirect from https to http (--allow-insecure-redirects allows it)";
        case errc::redirect_invalid: return "redirect Location is not a valid URL";
        case errc::size_limit: return "body larger than --max-filesize";
        case errc::bad_encoding: return "body could not be decoded";
        case errc::unsupported_encoding: return "unsupported Content-Encoding";
        case errc::proxy_refused: return "proxy refused the CONNECT request";
        case errc::invalid_proxy: return "invalid proxy URL";
        case errc::proxy_failed: return "the SOCKS5 proxy could not open the connection";
        case errc::file_error: return "cannot write the output file";
        case errc::too_many_header_fields: return "too many header fields in the response";
        case errc::too_many_interim_responses: return "too many interim (1xx) responses before the final one";
        case errc::http2_stream_reset: return "the server reset the HTTP/2 stream";
        case errc::http2_stream_refused: return "the server refused the HTTP/2 stream";
        case errc::http2_protocol: return "HTTP/2 protocol error";
        case errc::invalid_request_field:
            return "request method, target or header field contains CR, LF or NUL";
        case errc::dns_not_found: return "no such host";
        case errc::dns_server_failure: return "DNS server failure (SERVFAIL, refused or unreachable)";
        case errc::dns_refused: return "DNS server refused the query";
        case errc::dns_bad_answer: return "malformed DNS answer";
        case errc::dns_no_answer: return "no answer from the DNS servers";
        case errc::dns_failure: return "DNS lookup failed";
        case errc::header_field_too_large: return "response header field larger than 64 KiB";
        case errc::chunk_line_too_long: return "chunk header line longer than 64 KiB";
        case errc::trailer_too_large: return "trailer section larger than 128 KiB";
        case errc::response_buffer_full: return "unparsed response bytes past the 1 MiB read buffer";
        case errc::request_body_file: return "cannot read the request body file";
        }
        return "unknown asyncfetch error";
    }
};

}  // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

std::string_view to_string(error_kind kind) noexcept
{
    switch (kind)
    {
    case error_kind::none: return "none";
    case error_kind::invalid_url: return "invalid_url";
    case error_kind::dns: return "dns";
    case error_kind::connect: return "connect";
    case error_kind::tls: return "tls";
    case error_kind::timeout: return "timeout";
    case error_kind::protocol: return "protocol";
    case error_kind::truncated: return "truncated";
    case error_kind::http: return "http";
    case error_kind::io: return "io";
    case error_kind::redirect: return "redirect";
    case error_kind::size_limit: return "size_limit";
    case error_kind::proxy: return "proxy";
    case error_kind::interrupted: return "interrupted";
    case error_kind::skipped: return "skipped";
    }
    return "io";
}

error_kind classify(const boost::system::error_code& ec) noexcept
{
    if (!ec)
        return error_kind::none;
    const auto& cat = ec.category();
    if (cat == error_category())
    {
        switch (static_cast<errc>(ec.value()))
        {
        case errc::invalid_url:
        case errc::unsupported_scheme:
        case errc::missing_host:
        case errc::invalid_port:
        case errc::url_too_long:
        case errc::idn_bad_encoding:
        case errc::idn_disallowed:
        case errc::idn_too_long:
        case errc::idn_invalid: return error_kind::invalid_url;
        case errc::dns_no_address:
        case errc::dns_not_found:
        case errc::dns_server_failure:
        case errc::dns_refused:
        case errc::dns_bad_answer:
        case errc::dns_no_answer:
        case errc::dns_failure: return error_kind::dns;
        case errc::dns_timeout:
        case errc::request_timeout: return error_kind::timeout;
        case errc::http_error_status: return error_kind::http;
        case errc::file_error:
        case errc::request_body_file: return error_kind::io;
        case errc::invalid_request_field: return error_kind::invalid_url;
        case errc::too_many_redirects:
        case errc::redirect_scheme:
        case errc::redirect_downgrade:
        case errc::redirect_invalid: return error_kind::redirect;
        case errc::size_limit: return error_kind::size_limit;
        case errc::bad_encoding:
        case errc::unsupported_encoding:
        case errc::too_many_header_fields:
        case errc::too_many_interim_responses:
        case errc::header_field_too_large:
        case errc::chunk_line_too_long:
        case errc::trailer_too_large:
        case errc::response_buffer_full:
        case errc::http2_stream_reset:
        case errc::http2_stream_refused:
        case errc::http2_protocol: return error_kind::protocol;
        case errc::proxy_refused:
        case errc::proxy_failed:
        case errc::invalid_proxy: return error_kind::proxy;
        }
        return error_kind::io;
    }
    if (cat == net::error::get_netdb_category() || cat == net::error::get_addrinfo_category())
        return error_kind::dns;
    if (ec == beast::error::timeout || ec == net::error::timed_out)
        return error_kind::timeout;
    if (ec == net::ssl::error::stream_truncated)
        return error_kind::truncated;
    if (cat == net::error::get_ssl_category() || cat == net::ssl::error::get_stream_category())
        return error_kind::tls;
    if (ec == http::error::partial_message)
        return error_kind::truncated;
    if (cat == http::make_error_code(http::error::end_of_stream).category())
        return error_kind::protocol;
    if (ec == net::error::connection_refused || ec == net::error::network_unreachable ||
        ec == net::error::host_unreachable || ec == net::error::address_family_not_supported)
        return error_kind::connect;
    return error_kind::io;
}

std::string describe(const boost::system::error_code& ec)
{
    if (ec == http::error::end_of_stream)
        return "server closed the connection without a response";
    if (ec == http::error::partial_message || ec == net::ssl::error::stream_truncated)
        return "connection closed before the response was complete";
    if (ec == http::error::header_limit)
        return "response header larger than 128 KiB";
    return ec.message();
}

}  // namespace asyncfetch
