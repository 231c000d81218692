// -w/--write-out: parsing curl's format language and expanding it over one fetch result.
#include "asyncfetch/write_out.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/report.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <utility>

namespace asyncfetch {

namespace {

using variable = write_out_variable;

constexpr std::array<std::pair<std::string_view, variable>, 17> names{{
    {"http_code", variable::http_code},
    {"response_code", variable::http_code},
    {"size_download", variable::size_download},
    {"time_total", variable::time_total},
    {"time_namelookup", variable::time_namelookup},
    {"time_connect", variable::time_connect},
    {"time_appconnect", variable::time_appconnect},
    {"time_starttransfer", variable::time_starttransfer},
    {"url", variable::url},
    {"url_effective", variable::url_effective},
    {"num_redirects", variable::num_redirects},
    {"http_version", variable::http_version},
    {"remote_ip", variable::remote_ip},
    {"remote_port", variable::remote_port},
    {"errormsg", variable::errormsg},
    {"error_kind", variable::error_kind},
    {"json", variable::json},
}};

std::optional<variable> variable_named(std::string_view name)
{
    for (const auto& [n, v] : names)
        if (n == name)
            return v;
    return std::nullopt;
}

/// Appends literal text, joined with the literal before it.
void add_text(write_out_format& f, std::string_view text)
{
    if (!f.pieces.empty())
        if (auto* last = std::get_if<std::string>(&f.pieces.back()))
        {
            last->append(text);
            return;
        }
    f.pieces.emplace_back(std::string(text));
}

std::string three_digits(unsigned status)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03u", status);
    return buf;
}

std::string value_of(variable v, const fetch_result& r)
{
    // curl's times count from the start; the phases are the last hop's, after its wait for a connection.
    const double namelookup = r.queue_ms + r.dns_ms;
    const double connect = namelookup + r.connect_ms;
    switch (v)
    {
    case variable::http_code: return three_digits(r.status);
    case variable::size_download: return std::to_string(r.wire_bytes);
    case variable::time_total: return write_out_seconds(r.time_ms);
    case variable::time_namelookup: return write_out_seconds(namelookup);
    case variable::time_connect: return write_out_seconds(connect);
    case variable::time_appconnect: return write_out_seconds(r.tls_ms > 0 ? connect + r.tls_ms : 0);
    case variable::time_starttransfer: return write_out_seconds(r.ttfb_ms);
    case variable::url: return r.url;
    case variable::url_effective: return r.final_url.empty() ? r.url : r.final_url;
    case variable::num_redirects: return std::to_string(r.redirects);
    case variable::http_version: return r.http_version.empty() ? "0" : r.http_version;
    case variable::remote_ip: return r.remote_ip;
    case variable::remote_port: return std::to_string(r.remote_port);
    case variable::errormsg: return r.error;
    case variable::error_kind: return r.ok() ? std::string() : std::string(to_string(r.kind));
    case variable::json:
    {
        std::string line = format_json(r);
        if (!line.empty() && line.back() == '\n')
            line.pop_back();
        return line;
    }
    }
    return {};
}

}  // namespace

std::string write_out_seconds(double ms)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", std::max(ms, 0.0) / 1000.0);
    return buf;
}

std::vector<std::string> write_out_format::header_names() const
{
    std::vector<std::string> out;
    for (const auto& p : pieces)
        if (const auto* h = std::get_if<header_ref>(&p))
            if (std::none_of(out.begin(), out.end(), [&](const auto& n) {
                    return detail::iequals(n, h->name);
                }))
                out.push_back(h->name);
    return out;
}

write_out_parse parse_write_out(std::string_view text)
{
    write_out_parse out;
    auto& f = out.format;
    std::size_t i = 0;
    auto header = [&](std::size_t name_begin, std::string_view close) {
        const auto end = text.find(close, name_begin);
        if (end == std::string_view::npos || end == name_begin)
        {
            out.error = "unterminated or empty --write-out variable '" + std::string(text.substr(i)) + "'";
            return false;
        }
        f.pieces.emplace_back(
            write_out_format::header_ref{std::string(text.substr(name_begin, end - name_begin))});
        i = end + close.size();
        return true;
    };
    while (i < text.size())
    {
        const char c = text[i];
        const std::string_view rest = text.substr(i + 1);
        if (c == '%' && rest.starts_with('%'))
        {
            add_text(f, "%");
            i += 2;
        }
        else if (c == '%' && rest.starts_with("{header{"))
        {
            if (!header(i + 9, "}}"))
                return out;
        }
        else if (c == '%' && rest.starts_with("header{"))
        {
            if (!header(i + 8, "}"))
                return out;
        }
        else if (c == '%' && rest.starts_with('{'))
        {
            const auto end = text.find('}', i + 2);
            if (end == std::string_view::npos)
            {
                out.error = "unterminated --write-out variable '" + std::string(text.substr(i)) + "'";
                return out;
            }
            const std::string_view name = text.substr(i + 2, end - i - 2);
            const auto v = variable_named(name);
            if (!v)
            {
                out.error = "unknown --write-out variable '" + std::string(name) + "'";
                return out;
            }
            f.pieces.emplace_back(*v);
            i = end + 1;
        }
        else if (c == '\\' && !rest.empty() &&
                 std::string_view("nrt\\").find(rest[0]) != std::string_view::npos)
        {
            add_text(f, rest[0] == 'n' ? "\n" : rest[0] == 'r' ? "\r" : rest[0] == 't' ? "\t" : "\\");
            i += 2;
        }
        else
        {
            add_text(f, text.substr(i, 1));
            ++i;
        }
    }
    return out;
}

std::string expand_write_out(const write_out_format& f, const fetch_result& r)
{
    std::string out;
    for (const auto& p : f.pieces)
    {
        if (const auto* text = std::get_if<std::string>(&p))
            out += *text;
        else if (const auto* v = std::get_if<write_out_variable>(&p))
            out += value_of(*v, r);
        else if (const auto* h = std::get_if<write_out_format::header_ref>(&p))
        {
            const auto it = std::find_if(r.headers.begin(), r.headers.end(), [&](const auto& field) {
                return detail::iequals(field.first, h->name);
            });
            if (it != r.headers.end())
                out += it->second;
        }
    }
    return out;
}

}  // namespace asyncfetch
