// Conditional re-runs on the command line: --state FILE and -N/--timestamping.
#pragma once

#include "asyncfetch/options.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers --state FILE (o.state_file) and -N/--timestamping (o.client.timestamping).
void add_state_options(CLI::App& app, options& o);

/// The usage message when the state options do not fit the rest: -N needs saved files.
std::optional<std::string> apply_state_values(const options& o);

}  // namespace asyncfetch::detail
