// The command line: what a user asked for, parsed from an argument vector without side effects.
#pragma once

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
    bool fail = false;                          ///< --fail: HTTP >= 400 counts as failed
    bool insecure = false;                      ///< -k: skip certificate and host name verification
    std::string cacert;                         ///< --cacert FILE: trust these CAs instead of the system's
    std::chrono::milliseconds connect_timeout{10'000};  ///< DNS, TCP and TLS
    std::chrono::milliseconds timeout{30'000};          ///< one attempt, redirects included

    request_options request;  ///< -X, -H, -A, -I; the body after load_request_body() (request_body.hpp)
    /// -d (form) and --data-binary values in order, '@FILE' unread until load_request_body().
    struct data_arg
    {
        bool binary = false;
        std::string value;
    };
    std::vector<data_arg> data;
    unsigned max_redirs = 10;                   ///< --max-redirs; 0 does not follow
    bool allow_insecure_redirects = false;      ///< follow https -> http redirects
    bool compressed = false;                    ///< --compressed
    std::optional<std::uint64_t> max_filesize;  ///< --max-filesize
    std::string output_dir;                     ///< -o/--output-dir
    retry_policy retry;                   ///< --retry, --retry-delay, --retry-max-time, --retry-all-methods
    std::string proxy;                    ///< -x/--proxy
    std::optional<std::string> noproxy;   ///< --noproxy
    std::vector<resolve_entry> resolves;  ///< --resolve
    int ip_family = 0;                    ///< -4 or -6
    std::string dns_servers;              ///< --dns-servers, checked: "ADDR:PORT,..." ([ADDR]:PORT for IPv6)
    std::size_t happy_eyeballs_timeout_ms = 250;    ///< --happy-eyeballs-timeout-ms
    http_versions versions = http_versions::http2;  ///< --http1.1, --http2, --http2-prior-knowledge
    std::size_t max_streams = 100;                  ///< --max-streams

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

/// Parses argv. Never throws for bad input and never touches the process state.
parse_outcome parse_command_line(int argc, const char* const* argv, terminal_info term);

/// Parses a size with an optional k, M or G suffix (powers of 1024), as curl's --max-filesize.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// Parses a rate "N", "N/s", "N/m" or "N/h" into requests per second (N may have decimals).
std::optional<double> parse_rate(std::string_view text);

/// The version line printed by --version.
std::string version_text();

}  // namespace asyncfetch
