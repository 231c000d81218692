// The command line's inspection flags: -v/--verbose, --verbose-secrets, -D/--dump-header, -w/--write-out.
#pragma once

#include "asyncfetch/options.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers -v, --verbose-secrets, -D and -w, which parse into o.
void add_inspect_options(CLI::App& app, options& o);

/// Checks them once the rest is parsed (an inline -w format is parsed here; an '@FILE' one when the
/// run reads it) and turns the progress line off under -v; a usage message on the first problem.
std::optional<std::string> apply_inspect_values(options& o);

}  // namespace asyncfetch::detail
