// -w/--write-out: curl's format language over a fetch result, parsed once and expanded per URL.
#pragma once

#include "asyncfetch/result.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace asyncfetch {

/// The variables -w knows: curl's names over the record's fields, and asyncfetch's error_kind.
enum class write_out_variable
{
    http_code,           ///< status, three digits; 000 without a response (also %{response_code})
    size_download,       ///< body bytes as received, before content decoding (curl's count; wire_bytes)
    time_total,          ///< seconds, from the start of the fetch to its end
    time_namelookup,     ///< seconds, waiting for a connection plus DNS, of the last hop's connection
    time_connect,        ///< time_namelookup plus the TCP connect
    time_appconnect,     ///< time_connect plus the TLS handshake; 0 when the request made none
    time_starttransfer,  ///< seconds from the start of the fetch to the final response's header
    url,                 ///< the URL as given
    url_effective,       ///< the URL of the last request (after redirects)
    num_redirects,
    http_version,  ///< "1.0", "1.1", "2"; "0" without a response
    remote_ip,     ///< the address of the last connection (the proxy's through one); empty without one
    remote_port,   ///< its port; 0 without one
    errormsg,      ///< the error message; empty on success
    error_kind,    ///< asyncfetch's error kind (dns, timeout, ...); empty on success
    json,          ///< the record as the one-line JSON object of --json, without its newline
};

/// A parsed -w format: literal text and variables in order.
struct write_out_format
{
    /// A response field of the last response by name (%header{NAME}); "" when it is absent.
    struct header_ref
    {
        std::string name;
    };
    using piece = std::variant<std::string, write_out_variable, header_ref>;

    std::vector<piece> pieces;

    /// The field names the format's %header{} ask for, each once: client_config::keep_headers.
    std::vector<std::string> header_names() const;
};

/// What parse_write_out() gives: the format, or the usage error (error non-empty).
struct write_out_parse
{
    write_out_format format;
    std::string error;  ///< names the problem: "unknown --write-out variable 'foo'"
};

/// Parses a -w FORMAT as curl does: %{variable}, %header{NAME} (and %{header{NAME}}), %% for '%',
/// and the escapes \n, \r, \t and \\; any other '%' or '\' stays as it is. An unknown variable or
/// an unterminated %{ is an error.
write_out_parse parse_write_out(std::string_view text);

/// The format expanded over one result.
std::string expand_write_out(const write_out_format& f, const fetch_result& r);

/// Seconds with six decimals, as curl prints its times: 0.012345.
std::string write_out_seconds(double ms);

}  // namespace asyncfetch
