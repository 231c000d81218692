// asyncfetch report [FILE|-]...: the summary, --stats and --waterfall of NDJSON records, from one run or
// many.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {

/// What `asyncfetch report` was asked for.
struct report_options
{
    std::vector<std::string> files;  ///< NDJSON files; "-" is stdin; none means stdin
    bool stats = false;              ///< --stats: per-host table and latency histogram
    bool json = false;               ///< --json: the summary as one NDJSON line instead of text
    std::string waterfall;           ///< --waterfall FILE (.svg or .html)
};

/// The result of parsing: options to run, or text to print and an exit status.
struct report_parse_outcome
{
    std::optional<report_options> opts;
    int exit_code = 0;  ///< 0 for --help, 2 for usage errors
    std::string out;
    std::string err;
};

/// True when argv asks for the report subcommand (its first argument is "report").
bool is_report_command(int argc, const char* const* argv) noexcept;

/// Parses "report" and what follows it (argv[1] is "report").
report_parse_outcome parse_report_command(int argc, const char* const* argv);

/// Reads the records (every file in turn, '-' from in), then writes the summary (or its JSON line)
/// and --stats to out and draws --waterfall. Returns 0, or 2 (with the message on err) for a file
/// that cannot be read, a line that is not a record, or a picture that cannot be written.
int run_report(const report_options& o, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace asyncfetch
