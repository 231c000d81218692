// The value parsers behind the command line: header and --resolve syntax, tokens, forbidden bytes.
#pragma once

#include "asyncfetch/options.hpp"

#include <optional>
#include <string_view>

namespace asyncfetch::detail {

/// True when s holds CR, LF or NUL, which would split or cut a request line or header.
bool has_forbidden_char(std::string_view s) noexcept;

/// True for an HTTP token (RFC 9110): a method or header name.
bool is_token(std::string_view s) noexcept;

/// "Name: value", "Name:" (remove a default header) or "Name;" (send it empty), as curl's -H.
std::optional<request_options::header> parse_header(std::string_view text);

/// HOST:PORT:ADDRESS for --resolve, the address possibly a bracketed IPv6 literal.
std::optional<resolve_entry> parse_resolve(std::string_view text);

/// ADDR[:PORT][,...] for --dns-servers (IPv6 as [ADDR]:PORT, or a bare IPv6 address without a
/// port), as the list c-ares takes: every entry with its port ("127.0.0.1:53,[::1]:5353").
std::optional<std::string> parse_dns_servers(std::string_view text);

}  // namespace asyncfetch::detail
