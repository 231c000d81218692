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

}  // namespace asyncfetch::detail
