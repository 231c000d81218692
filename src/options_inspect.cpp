// Parsing the inspection flags: -v/--verbose, --verbose-secrets, -D/--dump-header and -w/--write-out.
#include "options_inspect.hpp"

#include "asyncfetch/write_out.hpp"

#include <CLI/CLI.hpp>

namespace asyncfetch::detail {

void add_inspect_options(CLI::App& app, options& o)
{
    app.add_flag("-v,--verbose",
                 o.verbose,
                 "Show each connection, request and response on stderr, lines prefixed [INDEX]");
    app.add_flag("--verbose-secrets",
                 o.verbose_secrets,
                 "With -v or --har: show Authorization, Proxy-Authorization, Cookie and Set-Cookie values");
    app.add_option("-D,--dump-header",
                   o.dump_header,
                   "Write every response head to FILE ('-' for stdout), one block per URL");
    app.add_option("-w,--write-out",
                   o.write_out,
                   "Print FORMAT per URL instead of a record: curl's %{variables} ('@FILE' reads it)");
}

std::optional<std::string> apply_inspect_values(options& o)
{
    if (o.verbose_secrets && !o.verbose && o.har.empty())
        return "--verbose-secrets needs -v or --har";
    if (o.write_out == "@-" && o.input == "-")
        return "-w @- reads the format from stdin, which already gives the URLs";
    if (!o.write_out.empty() && o.write_out.front() != '@')
    {
        auto parsed = parse_write_out(o.write_out);
        if (!parsed.error.empty())
            return parsed.error;
    }
    // The redrawn progress line would cut through -v's lines.
    if (o.verbose)
        o.progress = false;
    return std::nullopt;
}

}  // namespace asyncfetch::detail
