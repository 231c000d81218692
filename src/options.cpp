// Command-line parsing with CLI11: curl's flag names where curl has the flag, usage errors as exit 2.
#include "asyncfetch/options.hpp"

#include <CLI/CLI.hpp>

#include <cmath>

namespace asyncfetch {

namespace {

constexpr const char* examples = R"(Examples:
  asyncfetch https://example.com/ https://example.org/
  asyncfetch -i urls.txt -j 100 --json | jq -r 'select(.error) | .url'
  cat urls.txt | asyncfetch --sequential
  asyncfetch --compare -i urls.txt
  asyncfetch --cacert ca.pem https://localhost:8443/

Output: one record per URL on stdout (tsv: status, bytes, time_ms, url, error),
a summary on stderr. Exit status: 0 all succeeded, 1 some failed, 2 usage error.)";

std::chrono::milliseconds to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

}  // namespace

std::string version_text() { return std::string("asyncfetch ") + ASYNCFETCH_VERSION + "\n"; }

parse_outcome parse_command_line(int argc, const char* const* argv, terminal_info term)
{
    options o;
    std::string format;
    bool json = false;
    bool sequential = false;
    bool compare = false;
    double connect_timeout_s = 10;
    double timeout_s = 30;

    CLI::App app{"Fetch many URLs concurrently and report status, size and time for each.", "asyncfetch"};
    app.footer(examples);
    app.set_version_flag("--version", version_text().substr(0, version_text().size() - 1));
    app.add_option("url", o.urls, "URLs to fetch (http:// or https://)");
    app.add_option("-i,--input", o.input, "Read URLs from FILE, one a line ('-' for stdin)");
    app.add_option("-j,--concurrency", o.concurrency, "Most requests in flight at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
        ->capture_default_str();
    app.add_option("--per-host", o.per_host, "Most connections to one host (default: same as -j)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
    auto* seq = app.add_flag("--sequential", sequential, "Fetch one URL at a time (the baseline)");
    auto* cmp = app.add_flag("--compare", compare, "Run sequentially, then concurrently, and report the speedup");
    seq->excludes(cmp);
    app.add_flag("--keep-order", o.keep_order, "Print results in input order instead of completion order");
    auto* fmt = app.add_option("--format", format, "Output format: tsv, table or json")
                    ->check(CLI::IsMember({"tsv", "table", "json"}));
    auto* js = app.add_flag("--json", json, "Same as --format json (NDJSON)");
    js->excludes(fmt);
    app.add_flag("-q,--quiet", o.quiet, "No summary on stderr");
    app.add_flag("-f,--fail", o.fail, "Count HTTP status 400 and above as a failure");
    app.add_flag("-I,--head", o.head, "Send HEAD requests");
    app.add_flag("-k,--insecure", o.insecure, "Do not verify the server's certificate or host name");
    app.add_option("--cacert", o.cacert, "Trust the CA certificates in FILE instead of the system store");
    app.add_option("--connect-timeout", connect_timeout_s, "Seconds for DNS, TCP connect and TLS handshake")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("-m,--timeout,--max-time", timeout_s, "Seconds for a whole request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();

    parse_outcome out;
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::CallForHelp&)
    {
        out.out = app.help();
        return out;
    }
    catch (const CLI::CallForAllHelp&)
    {
        out.out = app.help();
        return out;
    }
    catch (const CLI::CallForVersion&)
    {
        out.out = version_text();
        return out;
    }
    catch (const CLI::ParseError& e)
    {
        out.exit_code = 2;
        out.err = std::string("asyncfetch: ") + e.what() + "\nTry 'asyncfetch --help' for more information.\n";
        return out;
    }

    if (!std::isfinite(connect_timeout_s) || !std::isfinite(timeout_s) || connect_timeout_s > 1e7 ||
        timeout_s > 1e7)
    {
        out.exit_code = 2;
        out.err = "asyncfetch: timeouts must be finite and at most 10000000 seconds\n";
        return out;
    }
    o.connect_timeout = to_ms(connect_timeout_s);
    o.timeout = to_ms(timeout_s);
    if (o.connect_timeout.count() == 0 || o.timeout.count() == 0)
    {
        out.exit_code = 2;
        out.err = "asyncfetch: timeouts must be at least 0.001 seconds\n";
        return out;
    }

    o.mode = compare ? run_mode::compare : sequential ? run_mode::sequential : run_mode::concurrent;
    if (json || format == "json")
        o.format = output_format::json;
    else if (format == "tsv")
        o.format = output_format::tsv;
    else if (format == "table")
        o.format = output_format::table;
    else
        o.format = term.stdout_is_terminal ? output_format::table : output_format::tsv;

    if (o.urls.empty() && o.input.empty())
    {
        if (term.stdin_is_terminal)
        {
            out.exit_code = 2;
            out.err =
                "asyncfetch: no URLs given: pass URLs as arguments, -i FILE, or pipe them on stdin\n"
                "Try 'asyncfetch --help' for more information.\n";
            return out;
        }
        o.input = "-";
    }
    out.opts = std::move(o);
    return out;
}

}  // namespace asyncfetch
