// The --state file: validators per URL read from NDJSON, updated from a run's results, written back.
#include "asyncfetch/fetch_state.hpp"

#include "asyncfetch/result.hpp"
#include "json_text.hpp"
#include "local_file.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>

namespace asyncfetch {

namespace {

/// A state file past this is not one (one line per URL: millions of URLs fit).
constexpr std::size_t max_state_file = 256 * 1024 * 1024;

/// The state of one NDJSON line; the reason when it is not one.
std::optional<std::string> parse_state_line(std::string_view line, state_map& entries)
{
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec)
        return "not JSON (" + ec.message() + ")";
    const auto* object = v.if_object();
    if (!object)
        return "not a JSON object";
    const auto* url = object->if_contains("url");
    if (!url || !url->is_string() || url->get_string().empty())
        return "no \"url\" string";
    validators found;
    for (auto [key, target] :
         {std::pair{"etag", &found.etag}, std::pair{"last_modified", &found.last_modified}})
    {
        const auto* value = object->if_contains(key);
        if (!value || value->is_null())
            continue;
        if (!value->is_string())
            return std::string("\"") + key + "\" is not a string";
        *target = std::string(value->get_string());
    }
    entries[std::string(url->get_string())] = std::move(found);
    return std::nullopt;
}

}  // namespace

state_parse parse_state(std::string_view text)
{
    state_parse out;
    std::size_t number = 0;
    while (!text.empty())
    {
        ++number;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        if (auto problem = parse_state_line(line, out.entries))
            out.warnings.push_back("line " + std::to_string(number) + ": " + *problem);
    }
    return out;
}

std::string format_state(const state_map& entries)
{
    std::string out;
    for (const auto& [url, v] : entries)
    {
        detail::json_fields fields{{"url", detail::json_string(url)}};
        if (!v.etag.empty())
            fields.emplace_back("etag", detail::json_string(v.etag));
        if (!v.last_modified.empty())
            fields.emplace_back("last_modified", detail::json_string(v.last_modified));
        out += detail::compact_object(fields);
        out += '\n';
    }
    return out;
}

void update_state(state_map& entries, const fetch_result& r)
{
    if (!r.ok())
        return;
    if (r.not_modified)
    {
        auto& entry = entries[r.url];
        if (!r.etag.empty())
            entry.etag = r.etag;
        if (!r.last_modified.empty())
            entry.last_modified = r.last_modified;
        return;
    }
    if (r.status < 200 || r.status >= 300)
        return;
    validators seen{r.etag, r.last_modified};
    if (seen.empty())
        entries.erase(r.url);
    else
        entries[r.url] = std::move(seen);
}

std::optional<std::string> load_state_file(const std::string& path,
                                           state_map& entries,
                                           std::vector<std::string>& warnings)
{
    std::string text;
    if (auto problem = detail::read_local_file(path, max_state_file, text))
    {
        // The first run makes the file.
        if (problem->missing)
            return std::nullopt;
        return problem->message;
    }
    auto parsed = parse_state(text);
    entries = std::move(parsed.entries);
    for (auto& w : parsed.warnings)
        warnings.push_back(path + ":" + w.substr(5));
    return std::nullopt;
}

}  // namespace asyncfetch
