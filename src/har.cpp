// --har: the HAR 1.2 document of a run's exchanges, and the exchange log that gathers them.
#include "asyncfetch/har.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/url.hpp"
#include "json_text.hpp"
#include "text.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace asyncfetch {

using detail::compact_object;
using detail::json_fields;
using detail::json_number;
using detail::json_string;

namespace {

using fields = exchange_record::fields;

std::string name_value_array(const fields& pairs)
{
    std::string out = "[";
    for (const auto& [name, value] : pairs)
    {
        if (out.size() > 1)
            out += ',';
        out += compact_object({{"name", json_string(name)}, {"value", json_string(value)}});
    }
    return out + "]";
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/// "a=1; b=2" (Cookie) or the name=value before the first ';' of each Set-Cookie.
fields cookies_of(const fields& heads, std::string_view field, bool secrets)
{
    fields out;
    if (!secrets)
        return out;
    const bool request = field == "cookie";
    for (const auto& [name, value] : heads)
    {
        if (!detail::iequals(name, field))
            continue;
        std::string_view rest = value;
        while (!rest.empty())
        {
            const auto end = rest.find(';');
            std::string_view pair = trim(rest.substr(0, end));
            rest = end == std::string_view::npos || !request ? std::string_view() : rest.substr(end + 1);
            const auto eq = pair.find('=');
            if (!pair.empty())
                out.emplace_back(
                    std::string(trim(pair.substr(0, eq))),
                    eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
        }
    }
    return out;
}

/// The query of a URL as name/value pairs, percent-decoded.
fields query_of(std::string_view url_text)
{
    fields out;
    const auto q = url_text.find('?');
    if (q == std::string_view::npos)
        return out;
    std::string_view rest = url_text.substr(q + 1);
    rest = rest.substr(0, rest.find('#'));
    while (!rest.empty())
    {
        const auto end = rest.find('&');
        const std::string_view pair = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        out.emplace_back(
            detail::percent_decode(pair.substr(0, eq)),
            eq == std::string_view::npos ? std::string() : detail::percent_decode(pair.substr(eq + 1)));
    }
    return out;
}

std::string find_field(const fields& heads, std::string_view name)
{
    for (const auto& [n, v] : heads)
        if (detail::iequals(n, name))
            return v;
    return {};
}

std::string ms(double v) { return v < 0 ? std::string("-1") : json_number(v, 3); }

/// A phase's time for "timings": -1 stays -1 (not applicable).
double phase(double v) { return v < 0 ? -1 : v; }

std::string timings_of(const exchange_record& h, double& total)
{
    // HAR's connect includes ssl.
    const double connect = h.connect_ms < 0 ? -1 : h.connect_ms + std::max(0.0, h.tls_ms);
    total = 0;
    for (double v : {h.blocked_ms, h.dns_ms, connect, h.send_ms, h.wait_ms, h.receive_ms})
        total += std::max(0.0, v);
    return compact_object({{"blocked", ms(phase(h.blocked_ms))},
                           {"dns", ms(phase(h.dns_ms))},
                           {"connect", ms(connect)},
                           {"ssl", ms(phase(h.tls_ms))},
                           {"send", ms(std::max(0.0, h.send_ms))},
                           {"wait", ms(std::max(0.0, h.wait_ms))},
                           {"receive", ms(std::max(0.0, h.receive_ms))}});
}

std::string request_of(const exchange_record& h, bool secrets)
{
    return compact_object({{"method", json_string(h.method)},
                           {"url", json_string(h.url.empty() ? std::string("about:blank") : h.url)},
                           {"httpVersion", json_string(h.http_version)},
                           {"cookies", name_value_array(cookies_of(h.request_fields, "cookie", secrets))},
                           {"headers", name_value_array(h.request_fields)},
                           {"queryString", name_value_array(query_of(h.url))},
                           {"headersSize", "-1"},
                           {"bodySize", std::to_string(h.request_body_bytes)}});
}

std::string response_of(const exchange_record& h, bool secrets)
{
    json_fields content = {{"size", std::to_string(h.decoded_bytes)},
                           {"mimeType", json_string(find_field(h.response_fields, "content-type"))}};
    // What content decoding saved (--compressed); HAR's "compression".
    if (h.decoded_bytes > h.body_bytes)
        content.emplace_back("compression", std::to_string(h.decoded_bytes - h.body_bytes));
    return compact_object(
        {{"status", std::to_string(h.status)},
         {"statusText", json_string(h.reason)},
         {"httpVersion", json_string(h.status ? h.http_version : std::string())},
         {"cookies", name_value_array(cookies_of(h.response_fields, "set-cookie", secrets))},
         {"headers", name_value_array(h.response_fields)},
         {"content", compact_object(content)},
         {"redirectURL", json_string(h.redirect_url)},
         {"headersSize", "-1"},
         {"bodySize", h.status ? std::to_string(h.body_bytes) : std::string("-1")}});
}

struct entry
{
    double start_ms = 0;  ///< from the first pass's start, for ordering
    std::string json;
};

std::string entry_json(const exchange_record& h,
                       const std::string& given_url,
                       std::chrono::system_clock::time_point started,
                       const std::string* pageref,
                       bool secrets)
{
    double total = 0;
    std::string timings = timings_of(h, total);
    json_fields f;
    if (pageref)
        f.emplace_back("pageref", json_string(*pageref));
    const auto at = started + std::chrono::microseconds(std::llround(h.start_ms * 1000));
    f.emplace_back("startedDateTime", json_string(format_utc_time(at)));
    // HAR's url must be a URI: a URL that does not parse is named in "_url" instead.
    if (h.url.empty())
        f.emplace_back("_url", json_string(given_url));
    f.emplace_back("time", ms(total));
    f.emplace_back("request", request_of(h, secrets));
    f.emplace_back("response", response_of(h, secrets));
    f.emplace_back("cache", "{}");
    f.emplace_back("timings", std::move(timings));
    if (!h.server_ip.empty())
        f.emplace_back("serverIPAddress", json_string(h.server_ip));
    if (h.connection)
        f.emplace_back("connection", json_string(std::to_string(h.connection)));
    if (!h.error_kind.empty())
    {
        f.emplace_back("_error", json_string(h.error));
        f.emplace_back("_error_kind", json_string(h.error_kind));
    }
    return compact_object(f);
}

/// The exchanges of one URL as entries: its own, or one standing for a fetch that sent nothing.
std::vector<exchange_record> hops_of(const har_url& u, std::string_view method)
{
    std::vector<exchange_record> hops = u.exchanges;
    const fetch_result& r = u.result;
    if (hops.empty())
    {
        exchange_record& h = hops.emplace_back();
        h.method = method;
        auto parsed = parse_url(r.url);
        h.url = parsed ? parsed->absolute() : std::string();
        h.blocked_ms = r.time_ms;
    }
    for (auto& h : hops)
        h.start_ms += r.start_ms;
    // A failure found after the last exchange ended (too many redirects, --fail) is the last entry's.
    if (r.failed() && hops.back().error_kind.empty())
    {
        hops.back().error_kind = to_string(r.kind);
        hops.back().error = r.error;
    }
    return hops;
}

}  // namespace

std::string format_har(const std::vector<har_pass>& passes,
                       std::string_view method,
                       std::string_view version,
                       bool secrets)
{
    const bool paged = passes.size() > 1;
    std::vector<entry> entries;
    std::string pages;
    const auto first = passes.empty() ? std::chrono::system_clock::time_point{} : passes.front().started_at;
    for (const auto& pass : passes)
    {
        if (paged)
        {
            if (!pages.empty())
                pages += ',';
            pages += compact_object({{"startedDateTime", json_string(format_utc_time(pass.started_at))},
                                     {"id", json_string(pass.name)},
                                     {"title", json_string(pass.name)},
                                     {"pageTimings", "{}"}});
        }
        const double offset = std::chrono::duration<double, std::milli>(pass.started_at - first).count();
        for (const auto& u : pass.urls)
            for (const auto& h : hops_of(u, method))
                entries.push_back(
                    {offset + h.start_ms,
                     entry_json(h, u.result.url, pass.started_at, paged ? &pass.name : nullptr, secrets)});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
        return a.start_ms < b.start_ms;
    });
    std::string out = "{\"log\":{\"version\":\"1.2\",\"creator\":";
    out += compact_object({{"name", json_string("asyncfetch")}, {"version", json_string(version)}});
    if (paged)
        out += ",\"pages\":[" + pages + "]";
    out += ",\"entries\":[";
    for (std::size_t i = 0; i < entries.size(); ++i)
    {
        out += i ? ",\n" : "\n";
        out += entries[i].json;
    }
    out += "\n]}}\n";
    return out;
}

har_recorder::har_recorder(exchange_log* inner, bool secrets) noexcept
    : exchange_log([&] {
          exchange_log_settings s = inner ? inner->settings() : exchange_log_settings{};
          s.secrets = secrets;
          s.exchanges = true;
          return s;
      }()),
      inner_(inner)
{
}

void har_recorder::verbose(std::string_view lines)
{
    if (inner_)
        inner_->verbose(lines);
}

void har_recorder::headers(std::string_view block)
{
    if (inner_)
        inner_->headers(block);
}

void har_recorder::exchanges(std::size_t index, std::vector<exchange_record>&& hops)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    waiting_[index] = std::move(hops);
}

result_sink har_recorder::keeping(result_sink next)
{
    return [this, next = std::move(next)](const fetch_result& r) {
        har_url u{r, {}};
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (auto it = waiting_.find(r.index); it != waiting_.end())
            {
                u.exchanges = std::move(it->second);
                waiting_.erase(it);
            }
        }
        urls_.push_back(std::move(u));
        return next(r);
    };
}

void har_recorder::end_pass(std::string name, std::chrono::system_clock::time_point started_at)
{
    passes_.push_back({std::move(name), started_at, std::move(urls_)});
    urls_.clear();
    const std::lock_guard<std::mutex> lock(mutex_);
    waiting_.clear();
}

}  // namespace asyncfetch
