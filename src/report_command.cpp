// asyncfetch report: reads NDJSON records of one run or many and prints them as one run's summary.
#include "asyncfetch/report_command.hpp"

#include "asyncfetch/atomic_file.hpp"
#include "asyncfetch/progress.hpp"
#include "asyncfetch/records.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/waterfall.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <string_view>

namespace asyncfetch {

namespace {

constexpr std::string_view report_description =
    "Summarize NDJSON records (asyncfetch --json) of one run or many, as if one run had made them: "
    "counts, bytes, statuses, errors, exact latency percentiles, and throughput over the wall time "
    "from the first start to the last end. Shards of a list run on several machines merge this way.";

/// The longest record line: a record holds at most an 8 MB URL twice and an error message.
constexpr std::size_t max_record_line = std::size_t{64} << 20;

/// std::getline that stops at max_record_line bytes (/dev/zero has no line end): false at the end
/// of in, or with too_long set.
bool read_line(std::istream& in, std::string& line, bool& too_long)
{
    line.clear();
    std::streambuf* buf = in.rdbuf();
    for (;;)
    {
        const int c = buf->sbumpc();
        if (c == std::char_traits<char>::eof())
        {
            in.setstate(std::ios::eofbit);
            return !line.empty();
        }
        if (c == '\n')
            return true;
        if (line.size() == max_record_line)
        {
            too_long = true;
            return false;
        }
        line.push_back(static_cast<char>(c));
    }
}

/// Reads one stream of records; the message (exit 2) for a line that is not one.
std::optional<std::string> read_stream(std::istream& in, const std::string& name, record_set& set)
{
    std::string line;
    bool too_long = false;
    std::size_t number = 1;
    for (; read_line(in, line, too_long); ++number)
        if (auto problem = read_record_line(line, set))
            return "asyncfetch report: " + name + ":" + std::to_string(number) + ": " + *problem + "\n";
    if (too_long)
        return "asyncfetch report: " + name + ":" + std::to_string(number) +
               ": line longer than 64 MiB (the limit)\n";
    if (in.bad())
        return "asyncfetch report: cannot read " + name + ": read error\n";
    return std::nullopt;
}

std::optional<std::string> read_all(const report_options& o, std::istream& in, record_set& set)
{
    const std::vector<std::string> stdin_only{"-"};
    for (const auto& path : o.files.empty() ? stdin_only : o.files)
    {
        if (path == "-")
        {
            if (auto problem = read_stream(in, "standard input", set))
                return problem;
            continue;
        }
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            return "asyncfetch report: cannot read " + path + ": Is a directory\n";
        std::ifstream file(path, std::ios::binary);
        if (!file)
            return "asyncfetch report: cannot read " + path + ": " + std::strerror(errno) + "\n";
        if (auto problem = read_stream(file, path, set))
            return problem;
    }
    return std::nullopt;
}

}  // namespace

bool is_report_command(int argc, const char* const* argv) noexcept
{
    return argc > 1 && std::string_view(argv[1]) == "report";
}

report_parse_outcome parse_report_command(int argc, const char* const* argv)
{
    report_options o;
    CLI::App app{std::string(report_description), "asyncfetch report"};
    app.add_option("files", o.files, "NDJSON record files, in any order ('-' or none: stdin)")
        ->type_name("FILE|-");
    app.add_flag("--stats", o.stats, "Also print the per-host table and the latency histogram");
    app.add_flag("--json", o.json, "Print the summary as one NDJSON line, as a --json run ends");
    app.add_option("--waterfall", o.waterfall, "Draw every record on one time axis into FILE (.svg or .html)")
        ->type_name("FILE")
        ->check(CLI::Validator(
            [](const std::string& path) {
                return waterfall_format_of(path) ? std::string() : "'" + path + "' must end in .svg or .html";
            },
            "FILE.svg|FILE.html",
            "waterfall file"));
    report_parse_outcome out;
    try
    {
        app.parse(argc - 1, argv + 1);
    }
    catch (const CLI::CallForHelp&)
    {
        out.out = app.help();
        return out;
    }
    catch (const CLI::ParseError& e)
    {
        out.exit_code = 2;
        out.err = std::string("asyncfetch report: ") + e.what() +
                  "\nTry 'asyncfetch report --help' for more information.\n";
        return out;
    }
    out.opts = std::move(o);
    return out;
}

int run_report(const report_options& o, std::istream& in, std::ostream& out, std::ostream& err)
{
    if (!o.waterfall.empty())
        if (auto problem = check_writable(o.waterfall))
        {
            err << "asyncfetch report: cannot write " << o.waterfall << ": " << *problem << "\n";
            return 2;
        }
    record_set set;
    if (auto problem = read_all(o, in, set))
    {
        err << *problem;
        return 2;
    }
    const run_summary summary = merge_records(set);
    if (o.json)
        out << format_summary_json(summary);
    else
        out << format_summary_text(summary);
    if (o.stats)
        out << format_stats_text(summary, terminal_width(1).value_or(80) > 40 ? 60 : 30);
    out.flush();
    if (!o.waterfall.empty())
    {
        std::vector<waterfall_pass> passes{
            {set.runs.size() > 1 ? "merged" : "concurrent", records_on_one_axis(set), summary.elapsed_ms}};
        waterfall_options opts;
        if (set.runs.size() > 1)
            opts.note = std::to_string(set.runs.size()) + " runs merged";
        const std::string text = render_waterfall(
            waterfall_format_of(o.waterfall).value_or(waterfall_format::svg),
            passes,
            opts);
        if (auto problem = write_file_atomically(o.waterfall, text))
        {
            err << "asyncfetch report: cannot write " << o.waterfall << ": " << *problem << "\n";
            return 2;
        }
    }
    return 0;
}

}  // namespace asyncfetch
