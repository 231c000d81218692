// The command line: what a user asked for, parsed from an argument vector without side effects.
#pragma once

#include "asyncfetch/report.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
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
    bool keep_order = false;                ///< print results in input order
    output_format format = output_format::tsv;  ///< resolved: explicit, or table on a terminal
    bool quiet = false;                     ///< -q: no summary on stderr
    bool fail = false;                      ///< --fail: HTTP >= 400 counts as failed
    bool insecure = false;                  ///< -k: skip certificate and host name verification
    bool head = false;                      ///< -I: HEAD requests
    std::string cacert;                     ///< --cacert FILE: trust these CAs instead of the system's
    std::chrono::milliseconds connect_timeout{10'000};  ///< DNS, TCP and TLS
    std::chrono::milliseconds timeout{30'000};          ///< the whole request

    /// The effective per-origin connection limit.
    std::size_t effective_per_host() const noexcept { return per_host == 0 ? concurrency : per_host; }
};

/// Facts about the terminal that change defaults.
struct terminal_info
{
    bool stdin_is_terminal = false;   ///< without URLs, a non-terminal stdin is read for URLs
    bool stdout_is_terminal = false;  ///< the default format is table on a terminal, tsv otherwise
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

/// The version line printed by --version.
std::string version_text();

}  // namespace asyncfetch
