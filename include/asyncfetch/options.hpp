// The command line: what a user asked for, parsed from an argument vector without side effects.
#pragma once

#include "asyncfetch/client_certificate.hpp"
#include "asyncfetch/client_config.hpp"
#include "asyncfetch/config_file.hpp"
#include "asyncfetch/output_format.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/retry.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// How the URLs are run.
enum class run_mode
{
    concurrent,  ///< up to -j at once (the default)
    sequential,  ///< one at a time, same engine
    compare,     ///< a sequential pass, then a concurrent pass, and the speedup
};

/// Everything the command line can ask for.
struct options
{
    std::vector<std::string> urls;  ///< URLs given as arguments
    std::string input;              ///< -i FILE; "-" is stdin; empty when none
    std::size_t concurrency = 50;   ///< -j: most requests in flight
    std::size_t per_host = 0;       ///< --per-host: most connections to one origin; 0 = same as -j
    run_mode mode = run_mode::concurrent;
    bool keep_order = false;                    ///< print results in input order
    output_format format = output_format::tsv;  ///< resolved: explicit, or table on a terminal
    bool quiet = false;                         ///< -q: no summary on stderr
    /// The settings the client takes as they are: timeouts, request (-X, -H, -A, -I; the body after
    /// load_request_body(), request_body.hpp), --fail, -k (verify), redirects, --compressed,
    /// --max-filesize, -o, retries, -x/--noproxy (proxies.proxy, proxies.noproxy), --resolve, -4/-6,
    /// --dns-servers, --happy-eyeballs-timeout-ms, HTTP versions, --max-streams. The connection
    /// limits and the proxy environment are added when a run starts.
    client_config client;
    std::string cacert;              ///< --cacert FILE: trust these CAs instead of the system's
    client_certificate certificate;  ///< --cert, --key, --cert-type, --key-type, --pass

    /// -d (form) and --data-binary values in order, '@FILE' unread until load_request_body().
    struct data_arg
    {
        bool binary = false;
        std::string value;
    };
    std::vector<data_arg> data;

    bool stats = false;               ///< --stats: per-host table and latency histogram
    unsigned runs = 1;                ///< --runs N: repeat each --compare pass
    bool warm = false;                ///< --warm: one pool across --compare passes
    std::string export_json;          ///< --export-json FILE (with --compare)
    std::string export_markdown;      ///< --export-markdown FILE (with --compare)
    double rate = 0;                  ///< --rate: request starts per second; 0 no limit
    double rate_per_host = 0;         ///< --rate-per-host: per origin
    std::size_t max_failures = 0;     ///< --fail-fast (1), --max-failures N; 0 never stop
    bool progress = false;            ///< resolved: stderr is a terminal and not -q
    bool stdout_is_terminal = false;  ///< records are written one by one only on a terminal
    bool show_error = false;          ///< -S: each failed URL's error on stderr too, also under -s

    bool verbose = false;          ///< -v: each exchange on stderr, lines prefixed "[INDEX] "
    bool verbose_secrets = false;  ///< --verbose-secrets: -v shows credentials and cookies
    std::string dump_header;       ///< -D FILE: every response head; "-" is stdout; empty when none
    /// -w FORMAT: replaces the records on stdout; "@FILE" ("@-": stdin) is read by the run.
    std::string write_out;
    std::string waterfall;  ///< --waterfall FILE (.svg or .html); empty when none
    std::string har;        ///< --har FILE: an HTTP Archive of the run; empty when none

    /// -b FILE values in order (-b NAME=VALUE pairs go to client.request.cookie); "" turns the
    /// cookie engine on without a file. Read by prepare_cookies() into client.cookies.
    std::vector<std::string> cookie_files;
    std::string cookie_jar;  ///< -c FILE: the jar written after the run ("-" stdout); empty when none
    /// --state FILE: validators per URL, read before the run (its conditions go in client.conditions
    /// then) and rewritten after it; empty when none. -N is client.timestamping.
    std::string state_file;

    /// The effective per-origin connection limit.
    std::size_t effective_per_host() const noexcept { return per_host == 0 ? concurrency : per_host; }
};

/// Facts about the terminal that change defaults.
struct terminal_info
{
    bool stdin_is_terminal = false;   ///< without URLs, a non-terminal stdin is read for URLs
    bool stdout_is_terminal = false;  ///< the default format is table on a terminal, tsv otherwise
    bool stderr_is_terminal = false;  ///< a live progress line is drawn only on a terminal
};

/// The result of parsing: options to run, or text to print and an exit status.
struct parse_outcome
{
    std::optional<options> opts;  ///< set when the run should go ahead
    int exit_code = 0;            ///< 0 for --help/--version, 2 for usage errors
    std::string out;              ///< text for stdout (help, version)
    std::string err;              ///< text for stderr (usage errors)
};

/// Parses argv, after the config files sources names and those of -K (config_file.hpp): their
/// options come first, so the command line's win. Never throws for bad input and reads no
/// environment: only the config files and, for "-K -", sources.stdin_stream.
parse_outcome parse_command_line(int argc,
                                 const char* const* argv,
                                 terminal_info term,
                                 const config_sources& sources = {});

/// Parses a size with an optional k, M or G suffix (powers of 1024), as curl's --max-filesize.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// Parses a rate "N", "N/s", "N/m" or "N/h" into requests per second (N may have decimals).
std::optional<double> parse_rate(std::string_view text);

/// The version line printed by --version.
std::string version_text();

/// True when some -o sends a body to stdout: the records then go to stderr, so stdout holds only
/// bodies (and -D -'s response heads), as in curl.
bool bodies_to_stdout(const options& o);

}  // namespace asyncfetch
