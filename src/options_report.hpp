// The report flags' part of the command line (--waterfall, --har), registered by parse_command_line.
#pragma once

#include "asyncfetch/options.hpp"

#include <CLI/CLI.hpp>

namespace asyncfetch::detail {

/// Adds --waterfall FILE.svg|FILE.html and --har FILE to app, writing into o.
void add_report_options(CLI::App& app, options& o);

}  // namespace asyncfetch::detail
