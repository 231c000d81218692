// Config files on the command line: -K/--config and --url, and the files turned into arguments.
#pragma once

#include "asyncfetch/config_file.hpp"
#include "asyncfetch/options.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers -K/--config (taken out of the arguments by expand_config before parsing) and curl's
/// --url, whose values go to o.urls in order, before the URLs given as plain arguments.
void add_config_options(CLI::App& app, options& o);

/// Parses the arguments of one config line alone; the message when they do not parse.
using config_check = std::function<std::optional<std::string>(const std::vector<std::string>& args)>;

/// The arguments to parse: argv[0], then the options of the default file (unless -q or --disable is
/// the first argument), then those of each -K file in command-line order (a -K inside a file is read
/// where it stands, at most 8 files deep), then the command line without its -K options and that
/// --disable (a first -q stays: it is --quiet as well). So the
/// command line wins over the files for single-valued options, and its URLs and repeated options
/// come after theirs. Each config line is checked alone with check, so that its errors name the
/// file and line. The message on failure ("config FILE:LINE: ...").
std::variant<std::vector<std::string>, std::string> expand_config(const CLI::App& app,
                                                                  int argc,
                                                                  const char* const* argv,
                                                                  const config_sources& sources,
                                                                  const config_check& check);

/// Runs CLI11 over args (argv[0] first): nothing when the values are to be checked, else what to print
/// and exit with (help, version, or a usage error with exit 2).
std::optional<parse_outcome> run_parser(CLI::App& app, const std::vector<std::string>& args);

/// Parses args (without argv[0]) with app; the parse error's message, none for --help or --version.
std::optional<std::string> parse_error_of(CLI::App& app, const std::vector<std::string>& args);

}  // namespace asyncfetch::detail
