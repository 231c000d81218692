// The checks between the parsed command line and the options: ranges, syntax, and the defaults that
// depend on other flags or on the terminal.
#include "options_apply.hpp"

#include "option_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <tuple>

namespace asyncfetch::detail {

namespace {

std::chrono::milliseconds to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

}  // namespace

std::optional<std::string> apply_timeouts(options& o, const raw_values& raw)
{
    if (!std::isfinite(raw.connect_timeout_s) || !std::isfinite(raw.timeout_s) ||
        raw.connect_timeout_s > 1e7 || raw.timeout_s > 1e7)
        return "timeouts must be finite and at most 10000000 seconds";
    o.client.connect_timeout = to_ms(raw.connect_timeout_s);
    o.client.timeout = to_ms(raw.timeout_s);
    o.client.happy_eyeballs_delay = std::chrono::milliseconds(raw.happy_eyeballs_ms);
    if (o.client.connect_timeout.count() == 0 || o.client.timeout.count() == 0)
        return "timeouts must be at least 0.001 seconds";
    return std::nullopt;
}

std::optional<std::string> apply_request_values(options& o, const raw_values& raw)
{
    o.urls.insert(o.urls.end(), raw.urls.begin(), raw.urls.end());
    for (const auto& u : o.urls)
        if (has_forbidden_char(u))
            return "URL contains CR, LF or NUL";
    if (has_forbidden_char(raw.method) || has_forbidden_char(raw.user_agent) ||
        has_forbidden_char(o.client.proxies.proxy))
        return "method, user agent and proxy must not contain CR, LF or NUL";
    if (!raw.method.empty() && !is_token(raw.method))
        return "invalid method '" + raw.method + "'";
    for (const auto& h : raw.headers)
    {
        if (has_forbidden_char(h))
            return "header contains CR, LF or NUL: " +
                   h.substr(0, h.find_first_of(std::string_view("\r\n\0", 3)));
        auto parsed = parse_header(h);
        if (!parsed)
            return "invalid header '" + h + "' (expected 'Name: value')";
        o.client.request.headers.push_back(std::move(*parsed));
    }
    for (const auto& r : raw.resolves)
    {
        auto parsed = parse_resolve(r);
        if (!parsed)
            return "invalid --resolve '" + r + "' (expected HOST:PORT:ADDRESS)";
        o.client.resolves.push_back(std::move(*parsed));
    }
    if (!raw.dns_servers.empty())
    {
        auto servers = parse_dns_servers(raw.dns_servers);
        if (!servers)
            return "invalid --dns-servers '" + raw.dns_servers +
                   "' (expected ADDR[:PORT][,...], IPv6 as [ADDR]:PORT)";
        o.client.dns_servers = std::move(*servers);
    }
    if (!raw.max_filesize.empty())
    {
        o.client.max_filesize = parse_size(raw.max_filesize);
        if (!o.client.max_filesize)
            return "invalid --max-filesize '" + raw.max_filesize + "'";
    }
    if (!raw.user_agent.empty())
        o.client.request.user_agent = raw.user_agent;
    o.client.request.method = !raw.method.empty() ? raw.method
                              : raw.head          ? "HEAD"
                              : o.data.empty()    ? "GET"
                                                  : "POST";
    return std::nullopt;
}

std::optional<std::string> apply_run_values(options& o, const raw_values& raw, terminal_info term)
{
    o.client.retry.base_delay = to_ms(std::min(raw.retry_delay_s, 1e6));
    o.client.retry.max_time = to_ms(std::min(raw.retry_max_time_s, 1e7));
    o.client.proxies.noproxy = raw.noproxy;
    o.client.ip_family = raw.ipv4 ? 4 : raw.ipv6 ? 6 : 0;
    if (raw.fail_fast)
        o.max_failures = 1;
    o.progress = term.stderr_is_terminal && !o.quiet;
    o.stdout_is_terminal = term.stdout_is_terminal;
    for (auto [text, target, name] : {std::tuple{&raw.rate, &o.rate, "--rate"},
                                      std::tuple{&raw.rate_per_host, &o.rate_per_host, "--rate-per-host"}})
    {
        if (text->empty())
            continue;
        auto parsed = parse_rate(*text);
        if (!parsed)
            return std::string("invalid ") + name + " '" + *text + "' (expected N, N/s, N/m or N/h)";
        *target = *parsed;
    }
    if (!raw.compare && (o.runs != 1 || o.warm || !o.export_json.empty() || !o.export_markdown.empty()))
        return "--runs, --warm, --export-json and --export-markdown need --compare";

    o.mode = raw.compare ? run_mode::compare : raw.sequential ? run_mode::sequential : run_mode::concurrent;
    if (raw.json || raw.format == "json")
        o.format = output_format::json;
    else if (raw.format == "tsv")
        o.format = output_format::tsv;
    else if (raw.format == "table")
        o.format = output_format::table;
    else
        o.format = term.stdout_is_terminal ? output_format::table : output_format::tsv;
    // A jar or response heads on stdout would land among records a program reads: a file is needed
    // then. Without a format asked for, stdout is for people and holds both (the jar after the
    // records); with -o - the records go to stderr and stdout holds heads and bodies, as curl's.
    const bool records_for_programs = raw.json || raw.format == "json" || raw.format == "tsv";
    const std::string records_flag = raw.json ? std::string("--json") : "--format " + raw.format;
    if (o.cookie_jar == "-" && records_for_programs)
        return "-c - (cookie jar to stdout) cannot be used with " + records_flag +
               ": both write to standard output; give -c a file name";
    if (o.dump_header == "-" && records_for_programs && !bodies_to_stdout(o))
        return "-D - (response heads to stdout) cannot be used with " + records_flag +
               ": both write to standard output; give -D a file name, or -o - to send the records to stderr";

    if (o.urls.empty() && o.input.empty())
    {
        if (term.stdin_is_terminal)
            return "no URLs given: pass URLs as arguments, -i FILE, or pipe them on stdin";
        o.input = "-";
    }
    return std::nullopt;
}

}  // namespace asyncfetch::detail

namespace asyncfetch {

bool bodies_to_stdout(const options& o)
{
    return std::any_of(o.client.outputs.begin(), o.client.outputs.end(), [](const output_spec& s) {
        return !s.remote_name && s.path == "-";
    });
}

}  // namespace asyncfetch
