// Host names made final (A-labels, IPv4 forms) and the fast path parse_url takes for plain URLs.
#pragma once

#include "asyncfetch/url.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string_view>

namespace asyncfetch::detail {

/// A byte of a lower-case host name as asyncfetch sends it: letters, digits, '-', '.', '_'.
bool is_host_char(char c) noexcept;

/// True for the canonical IPv4 form "a.b.c.d": four decimal parts of 0-255 without leading zeros,
/// which inet_aton would take and inet_ntop write back unchanged.
bool is_dotted_quad(std::string_view host) noexcept;

/// A lower-case host name made final: an international name becomes its A-label, and the other
/// ways to write an IPv4 address become the dotted quad.
boost::system::result<void> finish_host_name(url& out);

/// The common URL without Boost.URL's general grammar: http or https, a host of name characters
/// or digits, an optional port of 1-5 digits, then a path and query of plain bytes and %XX
/// escapes. Anything else (user-info, IPv6, fragments, escapes in the host, non-ASCII, ports out
/// of range) is nullopt and goes the general way, so both ways give the same url (fuzz_url and
/// fuzz_location check it). text is already trimmed.
std::optional<url> parse_plain_url(std::string_view text);

}  // namespace asyncfetch::detail
