// The cookie jar: RFC 6265's storage and retrieval rules, the public suffix check, the Netscape file.
#include "asyncfetch/cookie_jar.hpp"

#include "asyncfetch/url.hpp"
#include "text.hpp"

#include <libpsl.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace asyncfetch {

namespace {

using detail::iequals;

/// The path of the request target, without its query.
std::string_view request_path(const url& u)
{
    std::string_view p = u.target;
    p = p.substr(0, p.find('?'));
    return p.empty() ? std::string_view("/") : p;
}

/// RFC 6265, 5.1.4: the directory of the request path.
std::string default_path(const url& u)
{
    const std::string_view p = request_path(u);
    if (p.front() != '/')
        return "/";
    const auto last = p.rfind('/');
    return last == 0 ? std::string("/") : std::string(p.substr(0, last));
}

/// RFC 6265, 5.1.3: host is domain, or a name under it (never for an IP address).
bool domain_match(std::string_view host, std::string_view domain, bool ip_host)
{
    if (host == domain)
        return true;
    return !ip_host && host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.';
}

/// RFC 6265, 5.1.4.
bool path_match(std::string_view request, std::string_view cookie_path)
{
    if (!request.starts_with(cookie_path))
        return false;
    return request.size() == cookie_path.size() || cookie_path.back() == '/' ||
           request[cookie_path.size()] == '/';
}

bool expired(const cookie& c, std::int64_t now) noexcept { return c.persistent && c.expires <= now; }

bool has_prefix(std::string_view name, std::string_view prefix)
{
    return name.size() >= prefix.size() && iequals(name.substr(0, prefix.size()), prefix);
}

/// RFC 6265bis, 5.7 step 16: over http, a cookie may not shadow a Secure one of the same name.
bool shadows_secure(const std::unordered_map<std::string, std::vector<cookie>>& jar, const cookie& c)
{
    for (const auto& [domain, list] : jar)
        for (const auto& e : list)
            if (e.secure && e.name == c.name &&
                (domain_match(e.domain, c.domain, false) || domain_match(c.domain, e.domain, false)) &&
                path_match(c.path, e.path))
                return true;
    return false;
}

bool has_control(std::string_view s) noexcept
{
    return std::any_of(s.begin(), s.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f;
    });
}

/// One line of a Netscape cookie file as a cookie; empty when malformed.
std::optional<cookie> parse_netscape_line(std::string_view line, bool http_only)
{
    std::vector<std::string_view> f;
    while (f.size() < 8)
    {
        const auto tab = line.find('\t');
        f.push_back(line.substr(0, tab));
        if (tab == std::string_view::npos)
            break;
        line.remove_prefix(tab + 1);
    }
    if (f.size() == 6)
        f.emplace_back();  // curl writes a cookie with an empty value so
    if (f.size() != 7 || f[5].empty() || f[2].empty() || f[2].front() != '/')
        return std::nullopt;
    cookie c;
    std::string_view domain = f[0];
    if (!domain.empty() && domain.front() == '.')
        domain.remove_prefix(1);
    std::int64_t expires = 0;
    auto [ptr, ec] = std::from_chars(f[4].data(), f[4].data() + f[4].size(), expires);
    // A domain the file could not give back ("#..." reads as a comment, "..x" as ".x").
    if (domain.empty() || domain.front() == '#' || domain.front() == '.' || ec != std::errc() ||
        ptr != f[4].data() + f[4].size() || f[5].size() + f[6].size() > cookie_jar::max_cookie_size)
        return std::nullopt;
    // A ';' would split the Cookie field: never in a name or value (a path may hold one).
    for (auto part : f)
        if (has_control(part))
            return std::nullopt;
    if (f[5].find(';') != std::string_view::npos || f[6].find(';') != std::string_view::npos)
        return std::nullopt;
    c.domain = detail::ascii_lower(domain);
    c.host_only = !iequals(f[1], "TRUE");
    c.path = f[2];
    c.secure = iequals(f[3], "TRUE");
    c.persistent = expires != 0;
    c.expires = expires;
    c.name = f[5];
    c.value = f[6];
    c.http_only = http_only;
    // A supercookie in a file is refused as from a response.
    if (!c.host_only && is_public_suffix(c.domain))
        return std::nullopt;
    return c;
}

}  // namespace

bool is_public_suffix(std::string_view domain)
{
    // The newest of the library's built-in list and the system's (Debian's publicsuffix package).
    static const psl_ctx_t* const psl = [] {
        const psl_ctx_t* p = psl_latest(nullptr);
        return p ? p : psl_builtin();
    }();
    if (psl == nullptr)
        return false;
    const std::string name(domain);
    return psl_is_public_suffix2(psl, name.c_str(), PSL_TYPE_ANY) != 0;
}

cookie_outcome cookie_jar::store(const url& from, std::string_view set_cookie_field, std::int64_t now)
{
    auto parsed = parse_set_cookie(set_cookie_field);
    if (!parsed)
        return cookie_outcome::bad_syntax;
    cookie c;
    c.name = std::move(parsed->name);
    c.value = std::move(parsed->value);
    c.secure = parsed->secure;
    c.http_only = parsed->http_only;
    // Max-Age wins over Expires; zero or less deletes.
    if (parsed->max_age)
    {
        c.persistent = true;
        c.expires = *parsed->max_age <= 0 ? std::numeric_limits<std::int64_t>::min() : now + *parsed->max_age;
    }
    else if (parsed->expires)
    {
        c.persistent = true;
        c.expires = *parsed->expires;
    }

    // A host the cookie file cannot name (".x" reads back as a domain) keeps no cookie.
    if (from.host.empty() || from.host.front() == '.')
        return cookie_outcome::foreign_domain;
    std::string domain = parsed->domain.value_or(std::string());
    if (!domain.empty() && !from.ip_literal && is_public_suffix(domain))
    {
        // A public suffix as Domain is refused, unless it is the host itself: then host-only.
        if (domain != from.host)
            return cookie_outcome::public_suffix;
        domain.clear();
    }
    if (!domain.empty())
    {
        if (!domain_match(from.host, domain, from.ip_literal))
            return cookie_outcome::foreign_domain;
        // An address host's cookie stays host-only even with its own address as Domain.
        if (from.ip_literal)
            domain.clear();
    }
    c.host_only = domain.empty();
    if (c.host_only)
        c.domain = from.host;
    else
        c.domain = std::move(domain);
    c.path = parsed->path ? std::move(*parsed->path) : default_path(from);

    if (c.secure && !from.tls())
        return cookie_outcome::not_secure;
    if (has_prefix(c.name, "__Secure-") && !c.secure)
        return cookie_outcome::bad_prefix;
    if (has_prefix(c.name, "__Host-") && (!c.secure || !c.host_only || c.path != "/"))
        return cookie_outcome::bad_prefix;

    std::lock_guard lock(mutex_);
    if (!from.tls() && shadows_secure(by_domain_, c))
        return cookie_outcome::not_secure;
    const bool gone = expired(c, now);
    insert(std::move(c), now);
    return gone ? cookie_outcome::removed : cookie_outcome::stored;
}

void cookie_jar::insert(cookie c, std::int64_t now)
{
    auto& list = by_domain_[c.domain];
    c.created = ++next_created_;
    // RFC 6265, 5.3 step 11: the same name, domain and path is the same cookie, host-only or not
    // (the list holds one domain).
    auto same = std::find_if(list.begin(), list.end(), [&](const cookie& e) {
        return e.name == c.name && e.path == c.path;
    });
    if (same != list.end())
    {
        // A replacement keeps the creation time of the cookie it replaces (RFC 6265, 5.3 step 11).
        c.created = same->created;
        list.erase(same);
        --count_;
    }
    if (expired(c, now))
    {
        if (list.empty())
            by_domain_.erase(c.domain);
        return;
    }
    list.push_back(std::move(c));
    ++count_;
    auto oldest = [](const cookie& a, const cookie& b) { return a.created < b.created; };
    if (list.size() > max_per_domain)
    {
        count_ -= list.size();
        std::erase_if(list, [now](const cookie& e) { return expired(e, now); });
        if (list.size() > max_per_domain)
            list.erase(std::min_element(list.begin(), list.end(), oldest));
        count_ += list.size();
    }
    if (count_ > max_cookies)
    {
        // The oldest cookie of the whole jar goes.
        auto victim_list = by_domain_.end();
        std::vector<cookie>::iterator victim;
        for (auto it = by_domain_.begin(); it != by_domain_.end(); ++it)
        {
            auto o = std::min_element(it->second.begin(), it->second.end(), oldest);
            if (o != it->second.end() && (victim_list == by_domain_.end() || o->created < victim->created))
            {
                victim_list = it;
                victim = o;
            }
        }
        victim_list->second.erase(victim);
        --count_;
        if (victim_list->second.empty())
            by_domain_.erase(victim_list);
    }
}

std::string cookie_jar::header_for(const url& to, std::int64_t now) const
{
    const std::string_view path = request_path(to);
    std::vector<const cookie*> hits;
    std::lock_guard lock(mutex_);
    if (count_ == 0)
        return {};
    auto visit = [&](const std::string& key) {
        auto it = by_domain_.find(key);
        if (it == by_domain_.end())
            return;
        for (const auto& c : it->second)
            if (!expired(c, now) && (!c.host_only || c.domain == to.host) && path_match(path, c.path) &&
                (!c.secure || to.tls()))
                hits.push_back(&c);
    };
    visit(to.host);
    // Domain cookies of every parent name: a.b.example.com sees b.example.com's, example.com's, com's.
    for (auto dot = to.host.find('.'); !to.ip_literal && dot != std::string::npos;
         dot = to.host.find('.', dot + 1))
        visit(to.host.substr(dot + 1));
    std::sort(hits.begin(), hits.end(), [](const cookie* a, const cookie* b) {
        return a->path.size() != b->path.size() ? a->path.size() > b->path.size() : a->created < b->created;
    });
    std::string out;
    for (const cookie* c : hits)
    {
        const std::size_t add = c->name.size() + 1 + c->value.size() + (out.empty() ? 0 : 2);
        if (out.size() + add > max_header_size)
            break;
        if (!out.empty())
            out += "; ";
        out.append(c->name).append("=").append(c->value);
    }
    return out;
}

std::size_t cookie_jar::load_netscape(std::string_view text, std::int64_t now)
{
    constexpr std::string_view http_only_mark = "#HttpOnly_";
    std::size_t skipped = 0;
    std::lock_guard lock(mutex_);
    while (!text.empty())
    {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        const bool http_only = line.starts_with(http_only_mark);
        if (http_only)
            line.remove_prefix(http_only_mark.size());
        else if (detail::trim_ows(line).empty() || line.front() == '#')
            continue;
        auto c = parse_netscape_line(line, http_only);
        if (!c)
            ++skipped;
        else if (!expired(*c, now))
            insert(std::move(*c), now);
    }
    return skipped;
}

std::vector<cookie> cookie_jar::cookies(std::int64_t now) const
{
    std::vector<cookie> out;
    {
        std::lock_guard lock(mutex_);
        out.reserve(count_);
        for (const auto& [domain, list] : by_domain_)
            for (const auto& c : list)
                if (!expired(c, now))
                    out.push_back(c);
    }
    std::sort(out.begin(), out.end(), [](const cookie& a, const cookie& b) { return a.created < b.created; });
    return out;
}

std::string cookie_jar::netscape_text(std::int64_t now) const
{
    std::string out =
        "# Netscape HTTP Cookie File\n"
        "# https://curl.se/docs/http-cookies.html\n"
        "# This file was generated by asyncfetch! Edit at your own risk.\n\n";
    for (const auto& c : cookies(now))
    {
        if (c.http_only)
            out += "#HttpOnly_";
        if (!c.host_only)
            out += '.';
        out.append(c.domain).append(c.host_only ? "\tFALSE\t" : "\tTRUE\t");
        out.append(c.path).append(c.secure ? "\tTRUE\t" : "\tFALSE\t");
        out.append(std::to_string(c.persistent ? c.expires : 0)).append("\t");
        out.append(c.name).append("\t").append(c.value).append("\n");
    }
    return out;
}

}  // namespace asyncfetch
