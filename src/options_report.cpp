// Report flags on the command line: --waterfall FILE (.svg or .html, else a usage error), --har FILE.
#include "options_report.hpp"

#include "asyncfetch/waterfall.hpp"

#include <string>

namespace asyncfetch::detail {

void add_report_options(CLI::App& app, options& o)
{
    app.add_option("--waterfall",
                   o.waterfall,
                   "Draw each URL's phases on a time axis into FILE (.svg, or .html for a page holding it)")
        ->type_name("FILE")
        ->check(CLI::Validator(
            [](const std::string& path) {
                return waterfall_format_of(path) ? std::string() : "'" + path + "' must end in .svg or .html";
            },
            "FILE.svg|FILE.html",
            "waterfall file"));
    app.add_option("--har", o.har, "Write every request and response as an HTTP Archive 1.2 into FILE")
        ->type_name("FILE");
}

}  // namespace asyncfetch::detail
