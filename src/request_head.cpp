// Building the request head of one hop, and looking up response head fields.
#include "request_head.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/fetch_state.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/url.hpp"
#include "text.hpp"

#include <algorithm>

namespace asyncfetch::detail {

std::optional<std::string_view> response_head::find(std::string_view name) const noexcept
{
    for (const auto& f : fields)
        if (iequals(f.name, name))
            return f.value;
    return std::nullopt;
}

std::string response_head::list(std::string_view name) const
{
    std::string out;
    for (const auto& f : fields)
        if (iequals(f.name, name))
        {
            if (!out.empty())
                out += ", ";
            out += f.value;
        }
    return out;
}

bool origin_memo::keep_for(const url& u)
{
    if (port == u.port && host == u.host && scheme == u.scheme)
        return true;
    scheme = u.scheme;
    host = u.host;
    port = u.port;
    return false;
}

bool is_connection_specific(std::string_view name) noexcept
{
    return iequals(name, "host") || iequals(name, "connection") || iequals(name, "keep-alive") ||
           iequals(name, "proxy-connection") || iequals(name, "transfer-encoding") ||
           iequals(name, "upgrade") || iequals(name, "te");
}

namespace {

bool has_line_break(std::string_view s) noexcept
{
    return find_any(s, std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// The default fields build_request_head() writes, as objects of their own: a field whose name points
// at one of them is one of these (a user's field of the same name points into the options).
constexpr std::string_view host_field = "Host";
constexpr std::string_view accept_field = "Accept";
constexpr std::string_view accept_encoding_field = "Accept-Encoding";

/// A default field whose value cannot hold CR, LF or NUL: Host with a parsed URL's host (which has
/// no such bytes), Accept and Accept-Encoding with the values written here.
bool is_clean_default(const field_view& f) noexcept
{
    return f.name.data() == host_field.data() || f.name.data() == accept_field.data() ||
           f.name.data() == accept_encoding_field.data();
}

/// The hop's Cookie value into cookie (cleared first): the jar's cookies for this hop, then the -b
/// pairs for the original's origin. A -H Cookie replaces the pairs (curl's rule) and, on its own
/// origin, takes the jar's cookies after its value: then it is returned, and its field carries
/// cookie. Null otherwise: cookie, when not empty, is a field of its own.
const request_options::header* build_cookie(const request_options& req,
                                            const request_target& t,
                                            bool same,
                                            std::string& cookie)
{
    cookie.clear();
    const auto user = std::find_if(req.headers.begin(), req.headers.end(), [](const auto& h) {
        return iequals(h.name, "cookie");
    });
    if (user == req.headers.end())
    {
        cookie = t.jar_cookies;
        if (same && !req.cookie.empty())
            cookie.append(cookie.empty() ? "" : "; ").append(req.cookie);
        return nullptr;
    }
    // -H 'Cookie:' sends none; on another origin the user's field stays behind and the jar's go alone.
    if (user->remove)
        return nullptr;
    if (!same)
    {
        cookie = t.jar_cookies;
        return nullptr;
    }
    if (t.jar_cookies.empty())
        return nullptr;
    // One field, as RFC 6265 asks (curl sends the jar's in a second one).
    cookie.append(user->value).append(user->value.empty() ? "" : "; ").append(t.jar_cookies);
    return &*user;
}

}  // namespace

boost::system::error_code build_request_head(const request_options& req,
                                             const request_target& t,
                                             request_head& out)
{
    const bool same = same_origin(t.current, t.original);
    auto user_has = [&](std::string_view name) {
        return std::any_of(req.headers.begin(), req.headers.end(), [&](const auto& h) {
            return iequals(h.name, name);
        });
    };
    auto is_credential = [](std::string_view name) {
        return iequals(name, "authorization") || iequals(name, "cookie");
    };

    out.fields.clear();
    out.method = t.method;
    // Only an HTTP proxy forwarding plain http wants absolute-form; a SOCKS5 tunnel reaches the origin.
    const bool absolute_form = t.proxy && !t.current.tls() && !is_socks_proxy(*t.proxy);
    if (absolute_form)
    {
        out.absolute_target = t.current.absolute();
        out.target = out.absolute_target;
    }
    else
    {
        out.target = t.current.target;
    }
    if (!user_has("host"))
    {
        if (!out.host_for.keep_for(t.current))
            t.current.host_header_into(out.host);
        out.fields.push_back({host_field, out.host});
    }
    if (!user_has("user-agent") && !req.user_agent.empty())
        out.fields.push_back({"User-Agent", req.user_agent});
    if (!user_has("accept"))
        out.fields.push_back({accept_field, "*/*"});
    if (t.compressed && !user_has("accept-encoding"))
        out.fields.push_back({accept_encoding_field, "gzip, deflate, br"});
    // -u replaces the URL's user-info; both go only to the origin they were given for.
    if (same && !user_has("authorization") && (!req.user.empty() || !t.original.userinfo.empty()))
    {
        out.authorization = req.user.empty() ? t.original.basic_authorization()
                                             : "Basic " + base64_encode(req.user);
        out.fields.push_back({"Authorization", out.authorization});
    }
    if (absolute_form && !t.proxy->userinfo.empty())
    {
        out.proxy_authorization = t.proxy->basic_authorization();
        out.fields.push_back({"Proxy-Authorization", out.proxy_authorization});
    }
    const auto* merged = build_cookie(req, t, same, out.cookie);
    if (!merged && !out.cookie.empty())
        out.fields.push_back({"Cookie", out.cookie});
    // The validators belong to the URL they were saved for: never sent to a redirect's target.
    const bool first_url = same && t.current.target == t.original.target;
    if (t.conditions && first_url && !t.conditions->etag.empty() && !user_has("if-none-match"))
        out.fields.push_back({"If-None-Match", t.conditions->etag});
    if (t.conditions && first_url && !t.conditions->last_modified.empty() && !user_has("if-modified-since"))
        out.fields.push_back({"If-Modified-Since", t.conditions->last_modified});
    for (const auto& h : req.headers)
        if (!h.remove && (same || !is_credential(h.name)))
            out.fields.push_back(
                {h.name, &h == merged ? std::string_view(out.cookie) : std::string_view(h.value)});
    if (t.body)
    {
        if (req.form_body && !user_has("content-type"))
            out.fields.push_back({"Content-Type", "application/x-www-form-urlencoded"});
        out.content_length = std::to_string(t.body->size);
        out.fields.push_back({"Content-Length", out.content_length});
    }

    if (has_line_break(out.method) || has_line_break(out.target))
        return errc::invalid_request_field;
    // The fields this function writes itself are clean: names and values it spells out, and the
    // Host value of a parsed URL. The others come from the user, a file or a server.
    for (const auto& f : out.fields)
        if (!is_clean_default(f) && (has_line_break(f.name) || has_line_break(f.value)))
            return errc::invalid_request_field;
    return {};
}

}  // namespace asyncfetch::detail
