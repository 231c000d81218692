// How servers are reached, as flags: -x/--proxy, --socks5, --socks5-hostname and the client certificate.
#pragma once

#include "asyncfetch/options.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers -x/--proxy, --socks5, --socks5-hostname (the last of the three wins, as in curl), --cert,
/// --key, --cert-type, --key-type and --pass. Their values go straight into o; a bad value throws
/// CLI::ValidationError while parsing (a usage error).
void add_connect_options(CLI::App& app, options& o);

/// Splits curl's --cert FILE[:PASSWORD] at the first colon not escaped by a backslash ("\:" is a colon
/// of the file name, "\\" a backslash): the file name and, when there was a colon, the password.
std::pair<std::string, std::optional<std::string>> split_cert_parameter(std::string_view text);

}  // namespace asyncfetch::detail
