// Command-line parsing with CLI11: curl's flag names where curl has the flag, usage errors as exit 2.
#include "asyncfetch/options.hpp"

#include "text.hpp"

#include <boost/asio/ip/address.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <tuple>

namespace asyncfetch {

namespace {

constexpr const char* examples = R"(Examples:
  asyncfetch https://example.com/ https://example.org/
  asyncfetch -i urls.txt -j 100 --json | jq -r 'select(.error) | .url'
  cat urls.txt | asyncfetch --sequential
  asyncfetch --compare -i urls.txt
  asyncfetch --cacert ca.pem https://localhost:8443/

Output: one record per URL on stdout (tsv: status, bytes, time_ms, url, error),
a summary on stderr. Exit status: 0 all succeeded, 1 some failed, 2 usage error,
130 interrupted (Ctrl-C).)";

std::chrono::milliseconds to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

bool has_forbidden_char(std::string_view s) noexcept
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept
{
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

/// "Name: value", "Name:" (remove a default header) or "Name;" (send it empty), as curl's -H.
std::optional<request_options::header> parse_header(std::string_view text)
{
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
    {
        if (!text.empty() && text.back() == ';' && is_token(text.substr(0, text.size() - 1)))
            return request_options::header{std::string(text.substr(0, text.size() - 1)), "", false};
        return std::nullopt;
    }
    auto name = text.substr(0, colon);
    auto value = text.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (!is_token(name))
        return std::nullopt;
    return request_options::header{std::string(name), std::string(value), value.empty()};
}

std::optional<resolve_entry> parse_resolve(std::string_view text)
{
    // host:port:address, the address possibly a bracketed IPv6 literal.
    const auto first = text.find(':');
    if (first == std::string_view::npos || first == 0)
        return std::nullopt;
    const auto second = text.find(':', first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    resolve_entry e;
    e.host = detail::ascii_lower(text.substr(0, first));
    const auto port_text = text.substr(first + 1, second - first - 1);
    unsigned long port = 0;
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    port = std::stoul(std::string(port_text));
    if (port == 0 || port > 65535)
        return std::nullopt;
    e.port = static_cast<std::uint16_t>(port);
    auto address = text.substr(second + 1);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    e.address = std::string(address);
    boost::system::error_code ec;
    boost::asio::ip::make_address(e.address, ec);
    if (ec)
        return std::nullopt;
    return e;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    std::uint64_t multiplier = 1;
    switch (text.back())
    {
    case 'k':
    case 'K': multiplier = 1024; break;
    case 'm':
    case 'M': multiplier = 1024 * 1024; break;
    case 'g':
    case 'G': multiplier = 1024 * 1024 * 1024; break;
    default: break;
    }
    if (multiplier != 1)
        text.remove_suffix(1);
    if (text.empty() || text.size() > 15 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const std::uint64_t value = std::stoull(std::string(text));
    if (value > std::numeric_limits<std::uint64_t>::max() / multiplier)
        return std::nullopt;
    return value * multiplier;
}

std::optional<double> parse_rate(std::string_view text)
{
    double per = 1;
    if (const auto slash = text.find('/'); slash != std::string_view::npos)
    {
        const auto unit = text.substr(slash + 1);
        if (unit == "s")
            per = 1;
        else if (unit == "m")
            per = 60;
        else if (unit == "h")
            per = 3600;
        else
            return std::nullopt;
        text = text.substr(0, slash);
    }
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) ||
        std::count(text.begin(), text.end(), '.') > 1 || text == ".")
        return std::nullopt;
    const double n = std::stod(std::string(text));
    if (!(n > 0))
        return std::nullopt;
    return n / per;
}

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
    bool head = false;
    bool ipv4 = false;
    bool ipv6 = false;
    std::string method;
    std::string user_agent;
    std::vector<std::string> headers;
    std::vector<std::string> resolves;
    std::string max_filesize;
    std::optional<std::string> noproxy;
    double retry_delay_s = 1;
    std::string rate;
    std::string rate_per_host;
    bool fail_fast = false;
    double retry_max_time_s = 0;

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
    auto* cmp = app.add_flag("--compare",
                             compare,
                             "Run sequentially, then concurrently, and report the speedup");
    seq->excludes(cmp);
    app.add_flag("--keep-order", o.keep_order, "Print results in input order instead of completion order");
    auto* fmt = app.add_option("--format", format, "Output format: tsv, table or json")
                    ->check(CLI::IsMember({"tsv", "table", "json"}));
    auto* js = app.add_flag("--json", json, "Same as --format json (NDJSON)");
    js->excludes(fmt);
    app.add_flag("-q,--quiet", o.quiet, "No summary on stderr");
    app.add_flag("-f,--fail", o.fail, "Count HTTP status 400 and above as a failure");
    app.add_flag("-I,--head", head, "Send HEAD requests");
    app.add_option("-X,--request", method, "Request method (GET unless -d gives a body, then POST)");
    // Repeatable options take one value each time, so they never swallow the URLs after them.
    app.add_option("-H,--header",
                   headers,
                   "Extra header 'Name: value' (repeatable); 'Name:' removes a default")
        ->allow_extra_args(false);
    app.add_option("-A,--user-agent", user_agent, "User-Agent header (default asyncfetch/VERSION)");
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
    app.add_option("--max-redirs", o.max_redirs, "Most redirects to follow; 0 does not follow")
        ->check(CLI::Range(0u, 1000u))
        ->capture_default_str();
    app.add_flag("--allow-insecure-redirects",
                 o.allow_insecure_redirects,
                 "Follow redirects from https to http");
    app.add_flag("--compressed", o.compressed, "Ask for gzip, deflate and br and decode them");
    app.add_option("--max-filesize", max_filesize, "Stop bodies larger than BYTES (suffixes k, M, G)");
    app.add_option("-o,--output-dir", o.output_dir, "Save each body to a file in DIR, named from the URL");
    app.add_option("--retry", o.retry.retries, "Retry transient failures N times")
        ->check(CLI::Range(0u, 1000u));
    app.add_option("--retry-delay", retry_delay_s, "Seconds before the first retry, doubled each time")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--retry-max-time", retry_max_time_s, "Start no retry after this many seconds")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--retry-all-methods", o.retry.all_methods, "Retry non-idempotent methods (POST) too");
    app.add_option("-x,--proxy", o.proxy, "Use this HTTP proxy: [http://][user:pw@]host[:port]");
    app.add_option("--noproxy", noproxy, "Hosts to reach directly, comma-separated ('*' for all)");
    app.add_option("--resolve", resolves, "Use ADDRESS for HOST:PORT (HOST:PORT:ADDRESS, repeatable)")
        ->allow_extra_args(false);
    app.add_flag("--stats", o.stats, "Show a per-host table and a latency histogram after the summary");
    app.add_option("--runs", o.runs, "With --compare: repeat each pass N times (mean ± σ, min … max)")
        ->check(CLI::Range(1u, 1000u));
    app.add_flag("--warm", o.warm, "With --compare: keep the connection pool between passes");
    app.add_option("--export-json", o.export_json, "With --compare: write the comparison as JSON to FILE");
    app.add_option("--export-markdown",
                   o.export_markdown,
                   "With --compare: write the comparison as Markdown");
    app.add_option("--rate", rate, "Most request starts over all hosts: N, N/s, N/m or N/h");
    app.add_option("--rate-per-host", rate_per_host, "Most request starts to one host: N, N/s, N/m or N/h");
    auto* ff = app.add_flag("--fail-fast",
                            fail_fast,
                            "Stop at the first failure and cancel what is in flight");
    auto* mf = app.add_option("--max-failures", o.max_failures, "Stop after N failures")
                   ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max()));
    ff->excludes(mf);
    auto* v4 = app.add_flag("-4,--ipv4", ipv4, "Use IPv4 addresses only");
    auto* v6 = app.add_flag("-6,--ipv6", ipv6, "Use IPv6 addresses only");
    v4->excludes(v6);
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
        out.err = std::string("asyncfetch: ") + e.what() +
                  "\nTry 'asyncfetch --help' for more information.\n";
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

    auto usage = [&](const std::string& message) {
        out.exit_code = 2;
        out.err = "asyncfetch: " + message + "\nTry 'asyncfetch --help' for more information.\n";
        return out;
    };
    for (const auto& u : o.urls)
        if (has_forbidden_char(u))
            return usage("URL contains CR, LF or NUL");
    if (has_forbidden_char(method) || has_forbidden_char(user_agent) || has_forbidden_char(o.proxy))
        return usage("method, user agent and proxy must not contain CR, LF or NUL");
    if (!method.empty() && !is_token(method))
        return usage("invalid method '" + method + "'");
    for (const auto& h : headers)
    {
        if (has_forbidden_char(h))
            return usage("header contains CR, LF or NUL: " +
                         h.substr(0, h.find_first_of(std::string_view("\r\n\0", 3))));
        auto parsed = parse_header(h);
        if (!parsed)
            return usage("invalid header '" + h + "' (expected 'Name: value')");
        o.request.headers.push_back(std::move(*parsed));
    }
    for (const auto& r : resolves)
    {
        auto parsed = parse_resolve(r);
        if (!parsed)
            return usage("invalid --resolve '" + r + "' (expected HOST:PORT:ADDRESS)");
        o.resolves.push_back(std::move(*parsed));
    }
    if (!max_filesize.empty())
    {
        o.max_filesize = parse_size(max_filesize);
        if (!o.max_filesize)
            return usage("invalid --max-filesize '" + max_filesize + "'");
    }
    if (!user_agent.empty())
        o.request.user_agent = user_agent;
    o.request.method = !method.empty() ? method : head ? "HEAD" : o.data.empty() ? "GET" : "POST";
    o.retry.base_delay = to_ms(std::min(retry_delay_s, 1e6));
    o.retry.max_time = to_ms(std::min(retry_max_time_s, 1e7));
    o.noproxy = noproxy;
    o.ip_family = ipv4 ? 4 : ipv6 ? 6 : 0;
    if (fail_fast)
        o.max_failures = 1;
    o.progress = term.stderr_is_terminal && !o.quiet;
    o.stdout_is_terminal = term.stdout_is_terminal;
    for (auto [text, target, name] : {std::tuple{&rate, &o.rate, "--rate"},
                                      std::tuple{&rate_per_host, &o.rate_per_host, "--rate-per-host"}})
    {
        if (text->empty())
            continue;
        auto parsed = parse_rate(*text);
        if (!parsed)
            return usage(std::string("invalid ") + name + " '" + *text + "' (expected N, N/s, N/m or N/h)");
        *target = *parsed;
    }
    if (!compare && (o.runs != 1 || o.warm || !o.export_json.empty() || !o.export_markdown.empty()))
        return usage("--runs, --warm, --export-json and --export-markdown need --compare");

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
