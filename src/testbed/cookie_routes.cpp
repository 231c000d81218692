// The testbed's cookie endpoints: /cookie/set sends Set-Cookie fields, /cookie/echo shows the Cookie
// received.
#include "routes.hpp"
#include "text.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>

namespace asyncfetch::detail::testbed_parts {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

bool unsafe_in_field(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
    });
}

}  // namespace

response_plan plan_cookie_route(std::string_view arg, const http::request<http::string_body>& request)
{
    const std::string_view target = request.target();
    if (arg == "echo" || arg.starts_with("echo/"))
    {
        // Every Cookie field (HTTP/2 may split them) joined as one, as RFC 9113, 8.2.3 says.
        std::string joined;
        for (const auto& field : request)
            if (field.name() == http::field::cookie)
                joined.append(joined.empty() ? "" : "; ").append(field.value());
        return text_plan(200, joined + "\n");
    }
    if (arg != "set")
        return text_plan(404, "not found\n");
    auto plan = text_plan(200, "");
    std::string_view query;
    if (auto question = target.find('?'); question != std::string_view::npos)
        query = target.substr(question + 1);
    std::size_t count = 0;
    while (!query.empty())
    {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto equals = pair.find('=');
        const std::string name = percent_decode(pair.substr(0, equals));
        const std::string value = equals == std::string_view::npos ? std::string()
                                                                   : percent_decode(pair.substr(equals + 1));
        if (name.empty() || unsafe_in_field(name) || unsafe_in_field(value))
            return text_plan(400, "bad request\n");
        if (name == "location")
        {
            plan.status = 302;
            plan.fields.emplace_back("Location", value);
            continue;
        }
        std::string field = name == "set" ? std::string() : name + "=";
        field += value;
        plan.fields.emplace_back("Set-Cookie", std::move(field));
        ++count;
    }
    plan.text = "set " + std::to_string(count) + " cookies\n";
    return plan;
}

}  // namespace asyncfetch::detail::testbed_parts
