// URL parsing on Boost.URL: absolute http and https URLs, split into host, port and target.
#include "asyncfetch/url.hpp"

#include "asyncfetch/error.hpp"
#include "idn.hpp"
#include "text.hpp"
#include "url_host.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace asyncfetch {

namespace urls = boost::urls;

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// A raw UTF-8 host name in text replaced by its A-label, in out: Boost.URL, like RFC 3986, takes
/// only ASCII, while people paste "https://bücher.example/" as curl accepts it. A host that starts
/// with a digit gets that digit escaped (see below). False (out untouched) when the host needs
/// neither; other non-ASCII bytes are left for the parser to refuse.
boost::system::result<bool> with_ascii_host(std::string_view text, std::string& out)
{
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos)
        return false;
    const auto authority = scheme_end + 3;
    const auto authority_end = std::min(detail::find_any(text, "/?#", authority), text.size());
    auto host = text.find_last_of('@', authority_end);
    host = host == std::string_view::npos || host < authority ? authority : host + 1;
    if (host < authority_end && text[host] == '[')
        return false;
    const auto host_end = std::min(text.find(':', host), authority_end);
    const auto name = text.substr(host, host_end - host);
    if (!detail::has_non_ascii(name))
    {
        if (name.empty() || name.front() < '0' || name.front() > '9')
            return false;
        // Boost.URL 1.81 takes a leading dotted quad for an IPv4 address and then refuses the rest
        // ("127.0.0.1.nip.io", boostorg/url#755). With its first digit escaped the host is a
        // registered name, as curl reads it; finish_host_name still finds the real addresses.
        out.assign(text.substr(0, host));
        out += "%3";
        out += name.front();
        out += text.substr(host + 1);
        return true;
    }
    auto ascii = detail::idn_to_ascii(name);
    if (!ascii)
        return {boost::system::in_place_error, ascii.error()};
    out.assign(text.substr(0, host));
    out += *ascii;
    out += text.substr(host_end);
    return true;
}

/// Appends the host as it goes into an authority: an IPv6 address in brackets.
void append_host(std::string& out, const std::string& host)
{
    const bool ipv6 = host.find(':') != std::string::npos;
    if (ipv6)
        out += '[';
    out += host;
    if (ipv6)
        out += ']';
}

void append_port(std::string& out, std::uint16_t port)
{
    std::array<char, 8> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), port).ptr;
    out += ':';
    out.append(digits.data(), end);
}

}  // namespace

std::string url::host_header() const
{
    std::string out;
    host_header_into(out);
    return out;
}

void url::host_header_into(std::string& out) const
{
    out.clear();
    out.reserve(host.size() + 8);
    append_host(out, host);
    if (port != (tls() ? 443 : 80))
        append_port(out, port);
}

std::string url::host_and_port() const
{
    std::string out;
    out.reserve(host.size() + 8);
    append_host(out, host);
    append_port(out, port);
    return out;
}

std::string url::origin() const
{
    std::string out;
    origin_into(out);
    return out;
}

void url::origin_into(std::string& out) const
{
    out.clear();
    out.reserve(scheme.size() + 3 + host.size() + 8);
    out += scheme;
    out += "://";
    append_host(out, host);
    append_port(out, port);
}

std::string url::absolute() const { return scheme + "://" + host_header() + target; }

std::string_view url::user() const noexcept
{
    const std::string_view info = userinfo;
    return info.substr(0, user_length == std::string::npos ? info.find(':') : user_length);
}

std::string_view url::password() const noexcept
{
    // What follows the user name and its ':'.
    const std::string_view info = userinfo;
    const std::size_t end = user().size();
    return end < info.size() ? info.substr(end + 1) : std::string_view();
}

std::string url::basic_authorization() const
{
    return userinfo.empty() ? std::string() : "Basic " + base64_encode(userinfo);
}

bool same_origin(const url& a, const url& b) noexcept
{
    return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::string redact_userinfo(std::string_view text)
{
    // User-info always ends at an '@': without one there is nothing to drop (every record passes here).
    if (text.find('@') == std::string_view::npos)
        return std::string(text);
    std::string out;
    out.reserve(text.size());
    for (;;)
    {
        const auto separator = text.find("://");
        if (separator == std::string_view::npos)
            break;
        out += text.substr(0, separator + 3);
        text.remove_prefix(separator + 3);
        // The authority ends where the path, query or fragment starts (or the line ends); its
        // last '@' ends the user-info, which may itself hold '@' or ':'.
        const auto authority = text.substr(0, detail::find_any(text, "/?#\r\n\t\""));
        if (const auto at = authority.rfind('@'); at != std::string_view::npos)
            text.remove_prefix(at + 1);
    }
    out += text;
    return out;
}

std::string base64_encode(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3)
    {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                           static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    if (i < in.size())
    {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += i + 1 < in.size() ? alphabet[v >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

boost::system::result<std::string> resolve_location(std::string_view base, std::string_view location)
{
    while (!location.empty() && (location.front() == ' ' || location.front() == '\t'))
        location.remove_prefix(1);
    while (!location.empty() && (location.back() == ' ' || location.back() == '\t'))
        location.remove_suffix(1);
    if (location.empty())
        return errc::redirect_invalid;
    std::string encoded;
    for (unsigned char c : location)
    {
        if (c < 0x20 || c == 0x7f)
            return errc::redirect_invalid;
        if (c == ' ' || c >= 0x80 || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' ||
            c == '{' || c == '|' || c == '}')
        {
            static constexpr char hex[] = "0123456789ABCDEF";
            encoded += '%';
            encoded += hex[c >> 4];
            encoded += hex[c & 15];
        }
        else
            encoded += static_cast<char>(c);
    }
    auto b = urls::parse_uri(urls::string_view(base.data(), base.size()));
    auto ref = urls::parse_uri_reference(encoded);
    if (!b || !ref)
        return errc::redirect_invalid;
    urls::url dest;
    if (!urls::resolve(*b, *ref, dest))
        return errc::redirect_invalid;
    dest.remove_fragment();
    // Boost.URL 1.81 keeps ".." segments that climb above the root ("http://a/../g");
    // RFC 3986 section 5.2.4 drops them.
    std::string path(dest.encoded_path());
    while (path.rfind("/../", 0) == 0)
        path.erase(0, 3);
    if (path == "/..")
        path = "/";
    if (path != std::string_view(dest.encoded_path()))
        dest.set_encoded_path(path);
    return std::string(dest.buffer());
}

boost::system::result<url> detail::parse_url_general(std::string_view text)
{
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    if (text.empty())
        return errc::invalid_url;
    if (text.size() > max_url_length)
        return errc::url_too_long;
    // Boost.URL rejects these too; checking first keeps the message about the real problem.
    if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
        return errc::invalid_url;

    std::string ascii_text;
    const auto rewritten = with_ascii_host(text, ascii_text);
    if (!rewritten)
        return rewritten.error();
    if (*rewritten)
        text = ascii_text;
    auto parsed = urls::parse_uri(urls::string_view(text.data(), text.size()));
    if (!parsed)
        return errc::invalid_url;
    const urls::url_view& u = *parsed;

    url out;
    out.scheme = detail::ascii_lower(std::string_view(u.scheme().data(), u.scheme().size()));
    if (out.scheme != "http" && out.scheme != "https")
        return errc::unsupported_scheme;
    if (!u.has_authority())
        return errc::missing_host;
    // Boost.URL 1.81 accepts "http://h:8x/" as port "8" and path "x/"; after an authority a
    // path must be empty or start with '/'.
    if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
        return errc::invalid_url;

    switch (u.host_type())
    {
    case urls::host_type::ipv4:
        out.host = u.host_ipv4_address().to_string();
        out.ip_literal = true;
        break;
    case urls::host_type::ipv6:
        out.host = u.host_ipv6_address().to_string();
        out.ip_literal = true;
        break;
    case urls::host_type::name:
    {
        auto name = u.host_name();
        out.host = detail::ascii_lower(std::string_view(name.data(), name.size()));
        if (auto finished = detail::finish_host_name(out); !finished)
            return finished.error();
        break;
    }
    default: return errc::invalid_url;
    }

    if (u.has_userinfo())
    {
        auto info = u.userinfo();
        out.userinfo.assign(info.data(), info.size());
        out.user_length = u.encoded_user().decoded_size();
    }

    out.port = out.tls() ? 443 : 80;
    if (u.has_port() && !u.port().empty())
    {
        // Parsed here: Boost.URL 1.81's port_number() wraps values above 65535.
        unsigned long value = 0;
        for (char c : u.port())
        {
            if (c < '0' || c > '9')
                return errc::invalid_port;
            value = value * 10 + static_cast<unsigned long>(c - '0');
            if (value > 65535)
                return errc::invalid_port;
        }
        if (value == 0)
            return errc::invalid_port;
        out.port = static_cast<std::uint16_t>(value);
    }

    auto target = u.encoded_target();
    out.target.assign(target.data(), target.size());
    if (out.target.empty() || out.target.front() != '/')
        out.target.insert(0, "/");
    return out;
}

boost::system::result<url> parse_url(std::string_view text)
{
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    if (text.size() <= 2048)
        if (auto plain = detail::parse_plain_url(text))
            return std::move(*plain);
    return detail::parse_url_general(text);
}

}  // namespace asyncfetch
