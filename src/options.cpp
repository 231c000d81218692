// Command-line parsing with CLI11: curl's flag names where curl has the flag, usage errors as exit 2.
#include "asyncfetch/options.hpp"

#include "option_values.hpp"
#include "options_apply.hpp"
#include "options_config.hpp"
#include "options_connect.hpp"
#include "options_cookies.hpp"
#include "options_curl.hpp"
#include "options_inspect.hpp"
#include "options_report.hpp"
#include "options_state.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace asyncfetch {

using detail::apply_request_values;
using detail::apply_run_values;
using detail::apply_timeouts;
using detail::raw_values;

std::string version_text() { return std::string("asyncfetch ") + ASYNCFETCH_VERSION + "\n"; }

namespace {

constexpr const char* examples = R"(Examples:
  asyncfetch https://example.com/ https://example.org/
  asyncfetch -i urls.txt -j 100 --json | jq -r 'select(.error) | .url'
  cat urls.txt | asyncfetch --sequential
  asyncfetch --compare -i urls.txt
  asyncfetch --cacert ca.pem https://localhost:8443/
  asyncfetch report --stats shard1.ndjson shard2.ndjson   (merge --json records)

Output: one record per URL on stdout (tsv: status, bytes, time_ms, url, error),
a summary on stderr. Exit status: 0 all succeeded, 1 some failed, 2 usage error,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).)";

// Input, mode and output flags.
void add_input_and_output_options(CLI::App& app, options& o, raw_values& raw)
{
    app.add_option("url", raw.urls, "URLs to fetch (http:// or https://)");
    app.add_option("-i,--input", o.input, "Read URLs from FILE, one a line ('-' for stdin)");
    app.add_option("-j,--concurrency", o.concurrency, "Most requests in flight at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
        ->capture_default_str();
    app.add_option("--per-host", o.per_host, "Most connections to one host (default: same as -j)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
    auto* seq = app.add_flag("--sequential", raw.sequential, "Fetch one URL at a time (the baseline)");
    auto* cmp = app.add_flag("--compare",
                             raw.compare,
                             "Run sequentially, then concurrently, and report the speedup");
    seq->excludes(cmp);
    app.add_flag("--keep-order", o.keep_order, "Print results in input order instead of completion order");
    auto* fmt = app.add_option("--format", raw.format, "Output format: tsv, table or json")
                    ->check(CLI::IsMember({"tsv", "table", "json"}));
    auto* js = app.add_flag("--json", raw.json, "Same as --format json (NDJSON)");
    js->excludes(fmt);
    app.add_flag("-q,--quiet", o.quiet, "No summary on stderr");
    app.add_flag("-f,--fail", o.client.fail, "Count HTTP status 400 and above as a failure");
}

// What each request sends, and how it is followed, saved and retried.
void add_request_options(CLI::App& app, options& o, raw_values& raw)
{
    app.add_flag("-I,--head", raw.head, "Send HEAD requests");
    app.add_option("-X,--request", raw.method, "Request method (GET unless -d gives a body, then POST)");
    // Repeatable options take one value each time, so they never swallow the URLs after them.
    app.add_option("-H,--header",
                   raw.headers,
                   "Extra header 'Name: value' (repeatable); 'Name:' removes a default")
        ->allow_extra_args(false);
    app.add_option("-A,--user-agent", raw.user_agent, "User-Agent header (default asyncfetch/VERSION)");
    // -d and --data-binary keep their command-line order: the callbacks run as each value is parsed.
    app.add_option_function<std::string>(
           "-d,--data",
           [&o](const std::string& v) {
               o.data.push_back({false, v});
           },
           "Request body (form data; '@FILE' reads FILE; repeatable, joined with &)")
        ->allow_extra_args(false)
        ->take_all()
        ->trigger_on_parse();
    app.add_option_function<std::string>(
           "--data-binary",
           [&o](const std::string& v) {
               o.data.push_back({true, v});
           },
           "Request body sent as is ('@FILE' reads FILE; repeatable)")
        ->allow_extra_args(false)
        ->take_all()
        ->trigger_on_parse();
    app.add_flag("-L,--location")->description("Follow redirects (the default; see --max-redirs)");
    app.add_option("--max-redirs", o.client.max_redirs, "Most redirects to follow; 0 does not follow")
        ->check(CLI::Range(0u, 1000u))
        ->capture_default_str();
    app.add_flag("--allow-insecure-redirects",
                 o.client.allow_insecure_redirects,
                 "Follow redirects from https to http");
    app.add_flag("--compressed", o.client.compressed, "Ask for gzip, deflate and br and decode them");
    app.add_option("--max-filesize", raw.max_filesize, "Stop bodies larger than BYTES (suffixes k, M, G)");
    app.add_option("--retry", o.client.retry.retries, "Retry transient failures N times")
        ->check(CLI::Range(0u, 1000u));
    app.add_option("--retry-delay", raw.retry_delay_s, "Seconds before the first retry, doubled each time")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--retry-max-time", raw.retry_max_time_s, "Start no retry after this many seconds")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--retry-all-methods",
                 o.client.retry.all_methods,
                 "Retry non-idempotent methods (POST) too");
}

// Proxy, name resolution, --compare, pacing, failure limits, TLS and timeouts.
void add_network_and_run_options(CLI::App& app, options& o, raw_values& raw)
{
    app.add_option("--noproxy", raw.noproxy, "Hosts to reach directly, comma-separated ('*' for all)");
    app.add_option("--resolve", raw.resolves, "Use ADDRESS for HOST:PORT (HOST:PORT:ADDRESS, repeatable)")
        ->allow_extra_args(false);
    app.add_option("--dns-servers",
                   raw.dns_servers,
                   "Use these DNS servers instead of the system's: ADDR[:PORT][,...], IPv6 as [ADDR]:PORT");
    app.add_option("--happy-eyeballs-timeout-ms",
                   raw.happy_eyeballs_ms,
                   "Start the next address's connect this many ms after the last (Happy Eyeballs)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{60'000}))
        ->capture_default_str();
    app.add_flag("--stats", o.stats, "Show a per-host table and a latency histogram after the summary");
    app.add_option("--runs", o.runs, "With --compare: repeat each pass N times (mean ± σ, min … max)")
        ->check(CLI::Range(1u, 1000u));
    app.add_flag("--warm", o.warm, "With --compare: keep the connection pool between passes");
    app.add_option("--export-json", o.export_json, "With --compare: write the comparison as JSON to FILE");
    app.add_option("--export-markdown",
                   o.export_markdown,
                   "With --compare: write the comparison as Markdown");
    app.add_option("--rate", raw.rate, "Most request starts over all hosts: N, N/s, N/m or N/h");
    app.add_option("--rate-per-host",
                   raw.rate_per_host,
                   "Most request starts to one host: N, N/s, N/m or N/h");
    auto* ff = app.add_flag("--fail-fast",
                            raw.fail_fast,
                            "Stop at the first failure and cancel what is in flight");
    auto* mf = app.add_option("--max-failures", o.max_failures, "Stop after N failures")
                   ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max()));
    ff->excludes(mf);
    auto* v4 = app.add_flag("-4,--ipv4", raw.ipv4, "Use IPv4 addresses only");
    auto* v6 = app.add_flag("-6,--ipv6", raw.ipv6, "Use IPv6 addresses only");
    v4->excludes(v6);
    app.add_flag_callback(
        "-k,--insecure",
        [&o] { o.client.verify = false; },
        "Do not verify the server's certificate or host name");
    // The last of the three given wins, as in curl.
    app.add_flag_callback(
           "--http1.1",
           [&o] { o.client.versions = http_versions::http1_only; },
           "Speak HTTP/1.1 only (ALPN offers http/1.1)")
        ->trigger_on_parse();
    app.add_flag_callback(
           "--http2",
           [&o] { o.client.versions = http_versions::http2; },
           "Offer HTTP/2 on https (ALPN h2, http/1.1): the default")
        ->trigger_on_parse();
    app.add_flag_callback(
           "--http2-prior-knowledge",
           [&o] { o.client.versions = http_versions::http2_prior_knowledge; },
           "Speak HTTP/2 on http:// URLs at once (h2c), as well as on https")
        ->trigger_on_parse();
    app.add_option("--max-streams", o.client.max_streams, "Most requests at once on one HTTP/2 connection")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
        ->capture_default_str();
    app.add_option("--cacert", o.cacert, "Trust the CA certificates in FILE instead of the system store");
    app.add_option("--connect-timeout",
                   raw.connect_timeout_s,
                   "Seconds for DNS, TCP connect and TLS handshake")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("-m,--timeout,--max-time", raw.timeout_s, "Seconds for a whole request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

/// Registers every option on app, with values going to o and raw.
void add_all_options(CLI::App& app, options& o, raw_values& raw)
{
    app.footer(examples);
    app.set_version_flag("--version", version_text().substr(0, version_text().size() - 1));
    // As curl: a single-value option given twice takes the last value (-m 8 -m 2 means 2);
    // options that take a list (-H, --resolve, URLs) keep every value.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    add_input_and_output_options(app, o, raw);
    add_request_options(app, o, raw);
    add_network_and_run_options(app, o, raw);
    detail::add_curl_output_options(app, o);
    detail::add_connect_options(app, o);
    detail::add_inspect_options(app, o);
    detail::add_report_options(app, o);
    detail::add_cookie_options(app, o);
    detail::add_config_options(app, o);
    detail::add_state_options(app, o);
}

constexpr const char* about = "Fetch many URLs concurrently and report status, size and time for each.";

}  // namespace

parse_outcome parse_command_line(int argc,
                                 const char* const* argv,
                                 terminal_info term,
                                 const config_sources& sources)
{
    options o;
    raw_values raw;
    CLI::App app{about, "asyncfetch"};
    add_all_options(app, o, raw);
    // Config files become arguments before the command line's; each line is parsed alone first, on
    // an app of its own, so that its errors name the file and line.
    auto args = detail::expand_config(app, argc, argv, sources, [](const std::vector<std::string>& line) {
        options scratch;
        raw_values scratch_raw;
        CLI::App check{about, "asyncfetch"};
        add_all_options(check, scratch, scratch_raw);
        return detail::parse_error_of(check, line);
    });
    if (auto* problem = std::get_if<std::string>(&args))
        return {std::nullopt, 2, {}, "asyncfetch: " + *problem + "\n"};
    if (auto done = detail::run_parser(app, std::get<std::vector<std::string>>(args)))
        return *done;

    parse_outcome out;
    if (auto problem = apply_timeouts(o, raw))
    {
        out.exit_code = 2;
        out.err = "asyncfetch: " + *problem + "\n";
        return out;
    }
    auto problem = apply_request_values(o, raw);
    if (!problem)
        problem = apply_run_values(o, raw, term);
    if (!problem)
        problem = detail::apply_inspect_values(o);
    if (!problem)
        problem = detail::apply_state_values(o);
    // -K - read standard input to its end: there are no URLs left in it.
    if (!problem && o.input == "-" && sources.stdin_stream && sources.stdin_stream->eof())
        problem = "-K - and URLs from standard input (-i -, or no URLs given) cannot share it";
    if (problem)
    {
        out.exit_code = 2;
        out.err = "asyncfetch: " + *problem + "\nTry 'asyncfetch --help' for more information.\n";
        return out;
    }
    out.opts = std::move(o);
    return out;
}

}  // namespace asyncfetch
