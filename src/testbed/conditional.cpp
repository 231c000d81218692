// The testbed's /cond resources: a stable ETag and Last-Modified per version, 304 for a matching condition.
#include "http_date.hpp"
#include "routes.hpp"
#include "text.hpp"

#include <boost/beast/http/field.hpp>

#include <string>

namespace asyncfetch::detail::testbed_parts {

namespace http = boost::beast::http;

namespace {

/// Version 1 was last modified at this time; each later version an hour after the one before.
constexpr std::time_t first_modified = 1'600'000'000;

/// Whether an If-None-Match list ("*", or entity tags, weak or strong) matches etag (weak comparison,
/// as RFC 9110 13.1.2 asks for GET and HEAD).
bool none_match_hits(std::string_view list, std::string_view etag)
{
    auto opaque = [](std::string_view tag) {
        if (tag.starts_with("W/"))
            tag.remove_prefix(2);
        return tag;
    };
    while (!list.empty())
    {
        const auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item == "*" || (!etag.empty() && opaque(item) == opaque(etag)))
            return true;
    }
    return false;
}

}  // namespace

response_plan plan_conditional(const http::request<http::string_body>& request,
                               std::string_view name,
                               std::string_view resource,
                               std::string_view validators,
                               route_state& state)
{
    std::uint64_t& version = state.cond_versions_[std::string(resource)];
    if (version == 0)
        version = 1;
    if (name == "cond-bump")
    {
        ++version;
        response_plan plan;
        plan.status = 200;
        plan.content_type = "text/plain";
        plan.body = response_plan::body_type::text;
        plan.text = std::to_string(version) + "\n";
        return plan;
    }
    const bool with_etag = validators != "last-modified";
    const bool with_date = validators != "etag";
    const std::string etag = with_etag ? "\"" + std::string(resource) + "-v" + std::to_string(version) + "\""
                                       : "";
    const std::time_t modified = first_modified + static_cast<std::time_t>(version - 1) * 3600;

    response_plan plan;
    if (with_etag)
        plan.fields.emplace_back("ETag", etag);
    if (with_date)
        plan.fields.emplace_back("Last-Modified", format_http_date(modified));
    // If-None-Match, when sent, decides alone (RFC 9110 13.2.2).
    bool unchanged = false;
    if (request.find(http::field::if_none_match) != request.end())
        unchanged = none_match_hits(request[http::field::if_none_match], etag);
    else if (request.find(http::field::if_modified_since) != request.end() && with_date)
    {
        const auto since = parse_http_date(request[http::field::if_modified_since]);
        unchanged = since && modified <= *since;
    }
    if (unchanged)
    {
        plan.status = 304;
        return plan;
    }
    plan.status = 200;
    plan.content_type = "text/plain";
    plan.body = response_plan::body_type::text;
    plan.text = std::string(resource) + " version " + std::to_string(version) + "\n";
    if (request.method() != http::verb::head)
        state.cond_bodies_.fetch_add(1, std::memory_order_relaxed);
    return plan;
}

}  // namespace asyncfetch::detail::testbed_parts
