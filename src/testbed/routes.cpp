// The testbed's endpoints: plan_response turns one request into a protocol-neutral response plan.
#include "routes.hpp"

#include "text.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

namespace asyncfetch::detail::testbed_parts {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint64_t max_length = std::uint64_t{1} << 40;
constexpr std::uint64_t max_delay_ms = 24ULL * 3600 * 1000;
constexpr std::uint64_t max_encoded_length = std::uint64_t{64} << 20;

/// The endpoint name and its argument: "/bytes/10?x" gives {"bytes", "10", true}.
struct route
{
    std::string_view name;
    std::string_view arg;
    bool has_arg = false;
};

route split_target(std::string_view target)
{
    target = target.substr(0, target.find('?'));
    // Absolute-form, as sent to a proxy: serve the path.
    for (std::string_view scheme : {"http://", "https://"})
    {
        if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme))
        {
            target.remove_prefix(scheme.size());
            auto slash = target.find('/');
            target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
            break;
        }
    }
    if (target.empty() || target.front() != '/')
        return {};
    // /redirect-to answers under any prefix too, so that relative references have a base to climb.
    constexpr std::string_view redirect_to = "/redirect-to";
    if (target.size() >= redirect_to.size() &&
        target.substr(target.size() - redirect_to.size()) == redirect_to)
        return {redirect_to.substr(1), {}, false};
    target.remove_prefix(1);
    route result;
    auto slash = target.find('/');
    result.name = target.substr(0, slash);
    if (slash != std::string_view::npos)
    {
        result.arg = target.substr(slash + 1);
        result.has_arg = true;
    }
    return result;
}

/// A value that would break the header it goes into.
bool has_control_characters(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

/// The text of an /echo answer.
std::string echo_text(const http::request<http::string_body>& request)
{
    std::string out;
    out.reserve(256 + request.body().size());
    out.append(request.method_string()).append(" ").append(request.target()).append("\n");
    for (const auto& field : request)
        out.append(field.name_string()).append(": ").append(field.value()).append("\n");
    out += '\n';
    out += request.body();
    return out;
}

/// A status with its number as the body, or no body at all where the status forbids one.
response_plan status_plan(unsigned code)
{
    if (code != 204 && code != 304)
        return text_plan(code, std::to_string(code) + "\n");
    response_plan plan;
    plan.status = code;
    return plan;
}

/// The plan of every endpoint but HEAD handling.
response_plan plan_route(const http::request<http::string_body>& request, route_state& state, bool http2)
{
    const std::string_view target = request.target();
    const route where = split_target(target);
    const std::string_view name = where.name;
    if (name == "silent" && !where.has_arg)
    {
        response_plan plan;
        plan.end = response_plan::ending::silent;
        return plan;
    }
    if (name == "echo")
        return text_plan(200, echo_text(request));
    if (name == "cookie" && where.has_arg)
        return plan_cookie_route(where.arg, request);
    if ((name == "cond" || name == "cond-bump") && where.has_arg && !where.arg.empty())
        return plan_conditional(request,
                                name,
                                where.arg,
                                query_param(target, "validators").value_or(""),
                                state);
    if (name == "basic-auth" && !where.has_arg)
    {
        // 200 only for "Authorization: Basic base64(user:password)", as httpbin's /basic-auth.
        const std::string pair = query_param(target, "user").value_or("") + ":" +
                                 query_param(target, "password").value_or("");
        std::string expected(beast::detail::base64::encoded_size(pair.size()), '\0');
        expected.resize(beast::detail::base64::encode(expected.data(), pair.data(), pair.size()));
        if (request[http::field::authorization] == "Basic " + expected)
            return text_plan(200, "authenticated\n");
        auto plan = text_plan(401, "unauthorized\n");
        plan.fields.emplace_back("WWW-Authenticate", "Basic realm=\"testbed\"");
        return plan;
    }
    if (name == "redirect-to" && !where.has_arg)
    {
        const auto url = query_param(target, "url");
        std::optional<std::uint64_t> code = 302;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 999);
        const bool redirect_code = code && (*code == 301 || *code == 302 || *code == 303 || *code == 307 ||
                                            *code == 308);
        if (!url || !redirect_code || has_control_characters(*url))
            return text_plan(400, "bad request\n");
        auto plan = text_plan(static_cast<unsigned>(*code), "redirecting to " + *url + "\n");
        plan.fields.emplace_back("Location", *url);
        return plan;
    }

    const auto encoded = coding_of(name);
    const bool h2_only = name.starts_with("h2-");
    const bool takes_number = name == "bytes" || name == "delay" || name == "status" || name == "chunked" ||
                              name == "redirect" || name == "close" || name == "truncate" || name == "cut" ||
                              name == "interim" || name == "drop" || name == "bomb" || name == "flaky" ||
                              encoded.has_value() || (h2_only && http2);
    if (!takes_number || !where.has_arg)
        return text_plan(404, "not found\n");

    std::uint64_t limit = max_length;
    if (name == "delay")
        limit = max_delay_ms;
    else if (encoded && !encoded->chunked)
        limit = max_encoded_length;
    const auto value = parse_number(where.arg, limit);
    if (!value || (name == "status" && (*value < 200 || *value > 599)))
        return text_plan(400, "bad request\n");
    const std::uint64_t n = *value;

    if (h2_only)
        return plan_h2_fault(name, n, target, state).value_or(text_plan(404, "not found\n"));
    if (name == "bytes")
        return filler_plan(n);
    if (name == "delay")
    {
        auto plan = text_plan(200, "ok\n");
        plan.delay = std::chrono::milliseconds(n);
        return plan;
    }
    if (name == "status")
        return status_plan(static_cast<unsigned>(n));
    if (name == "chunked")
    {
        auto plan = filler_plan(n);
        plan.chunked = true;
        return plan;
    }
    if (name == "redirect")
    {
        if (n == 0)
            return text_plan(200, "ok\n");
        auto plan = text_plan(302, "");
        plan.fields.emplace_back("Location", "/redirect/" + std::to_string(n - 1));
        return plan;
    }
    if (name == "close" || name == "cut" || name == "truncate" || name == "drop" || name == "interim")
    {
        auto plan = filler_plan(n);
        if (name == "interim")
            plan.interim = true;
        else if (name == "drop")
            plan.end = response_plan::ending::drop;
        else if (name == "truncate")
            plan.end = response_plan::ending::truncate;
        else
            plan.end = name == "close" ? response_plan::ending::until_close : response_plan::ending::cut;
        return plan;
    }
    if (name == "flaky")
    {
        const std::string key = query_param(target, "key").value_or(std::string());
        std::optional<std::uint64_t> code = 503;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 599);
        const auto retry_after = query_param(target, "retry-after");
        if (!code || *code < 200 || (retry_after && has_control_characters(*retry_after)))
            return text_plan(400, "bad request\n");
        if (!among_first(state.flaky_counts_, key, n))
            return text_plan(200, "ok\n");
        auto plan = status_plan(static_cast<unsigned>(*code));
        if (retry_after)
            plan.fields.emplace_back("Retry-After", *retry_after);
        return plan;
    }
    // The codings and /bomb.
    response_plan plan;
    plan.length = n;
    plan.encoding = encoded ? encoded->kind : coding::gzip;
    plan.content_type = encoded ? "text/plain" : "application/octet-stream";
    plan.fields.emplace_back("Content-Encoding", std::string(coding_name(plan.encoding)));
    plan.body = encoded && !encoded->chunked ? response_plan::body_type::encoded_whole
                                             : response_plan::body_type::encoded_stream;
    plan.chunked = plan.body == response_plan::body_type::encoded_stream;
    plan.zeros = !encoded;
    return plan;
}

}  // namespace

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t limit)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value > limit)
        return std::nullopt;
    return value;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name)
{
    auto question = target.find('?');
    if (question == std::string_view::npos)
        return std::nullopt;
    std::string_view query = target.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty())
    {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals)) != name)
            continue;
        return equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1));
    }
    return std::nullopt;
}

response_plan filler_plan(std::uint64_t n)
{
    response_plan plan;
    plan.content_type = "application/octet-stream";
    plan.body = response_plan::body_type::filler;
    plan.length = n;
    return plan;
}

bool among_first(std::unordered_map<std::string, std::uint64_t>& counts,
                 const std::string& key,
                 std::uint64_t n)
{
    return counts[key]++ < n;
}

response_plan text_plan(unsigned code, std::string body)
{
    response_plan plan;
    plan.status = code;
    plan.content_type = "text/plain";
    plan.body = response_plan::body_type::text;
    plan.text = std::move(body);
    return plan;
}

std::string_view reason_of(unsigned code)
{
    std::string_view reason = http::obsolete_reason(http::int_to_status(code));
    if (reason.empty() || reason.front() == '<')
        reason = "Unknown";
    return reason;
}

std::string closing_error(unsigned code, std::string_view body)
{
    return "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason_of(code)) +
           "\r\nServer: asyncfetch-testbed\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
}

response_plan plan_response(const http::request<http::string_body>& request, route_state& state, bool http2)
{
    const bool head_only = request.method() == http::verb::head;
    auto plan = plan_route(request, state, http2);
    plan.head_only = head_only;
    return plan;
}

}  // namespace asyncfetch::detail::testbed_parts
