// The flags of conditional re-runs: --state FILE keeps validators between runs, -N compares file times.
#include "options_state.hpp"

#include "option_values.hpp"

#include <CLI/CLI.hpp>

namespace asyncfetch::detail {

void add_state_options(CLI::App& app, options& o)
{
    app.add_option_function<std::string>(
           "--state",
           [&o](const std::string& path) {
               if (path.empty() || has_forbidden_char(path))
                   throw CLI::ValidationError("--state", "expected a file name");
               o.state_file = path;
           },
           "Keep each URL's ETag and Last-Modified in FILE (NDJSON) and send them as conditions next time")
        ->type_name("FILE");
    app.add_flag("-N,--timestamping",
                 o.client.timestamping,
                 "With saved files: ask only for what changed since the file's time, and date files by "
                 "Last-Modified");
}

std::optional<std::string> apply_state_values(const options& o)
{
    if (o.client.timestamping && o.client.outputs.empty() && !o.client.remote_name_all)
        return "-N/--timestamping compares saved files: use it with -o, -O or --remote-name-all";
    return std::nullopt;
}

}  // namespace asyncfetch::detail
