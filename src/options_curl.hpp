// The curl-compatible output, credential and alias flags, registered on the command line's CLI11 app.
#pragma once

#include "asyncfetch/options.hpp"

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers -o/--output, -O/--remote-name, --remote-name-all, --output-dir, --create-dirs,
/// --no-clobber, -s/--silent, -S/--show-error, -u/--user, --basic, -Z/--parallel and
/// --parallel-max. Their values go straight into o; a bad value throws CLI::ValidationError
/// while parsing (a usage error).
void add_curl_output_options(CLI::App& app, options& o);

}  // namespace asyncfetch::detail
