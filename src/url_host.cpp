// Host names made final and the fast path for plain URLs (declared in url_host.hpp).
#include "url_host.hpp"

#include "asyncfetch/error.hpp"
#include "idn.hpp"
#include "text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace asyncfetch::detail {

namespace {

/// The bytes RFC 3986 allows as themselves in a path or query: unreserved, sub-delims, ':', '@',
/// '/', '?'. A table, since the fast path looks every byte of every URL up in it.
constexpr std::array<bool, 256> plain_target_chars = [] {
    std::array<bool, 256> table{};
    for (unsigned char c = 'a'; c <= 'z'; ++c)
        table[c] = true;
    for (unsigned char c = 'A'; c <= 'Z'; ++c)
        table[c] = true;
    for (unsigned char c = '0'; c <= '9'; ++c)
        table[c] = true;
    for (unsigned char c : std::string_view("-._~!$&'()*+,;=:@/?"))
        table[c] = true;
    return table;
}();

bool is_plain_target_char(char c) noexcept { return plain_target_chars[static_cast<unsigned char>(c)]; }

}  // namespace

bool is_host_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool is_dotted_quad(std::string_view host) noexcept
{
    int parts = 0;
    std::size_t i = 0;
    while (i < host.size())
    {
        const std::size_t start = i;
        unsigned value = 0;
        while (i < host.size() && host[i] >= '0' && host[i] <= '9' && i - start < 3)
            value = value * 10 + static_cast<unsigned>(host[i++] - '0');
        const std::size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && host[start] == '0') || ++parts > 4)
            return false;
        if (i == host.size())
            break;
        if (host[i] != '.' || i + 1 == host.size())
            return false;
        ++i;
    }
    return parts == 4;
}

boost::system::result<void> finish_host_name(url& out)
{
    if (out.host.empty())
        return errc::missing_host;
    // A percent-encoded UTF-8 name ("b%C3%BCcher.example") is an international name too.
    if (has_non_ascii(out.host))
    {
        auto ascii = idn_to_ascii(out.host);
        if (!ascii)
            return ascii.error();
        out.host = std::move(*ascii);
        // Characters IDNA maps to nothing (U+00AD, U+034F, ...) can leave no name at all.
        if (out.host.empty())
            return errc::missing_host;
    }
    if (!std::all_of(out.host.begin(), out.host.end(), is_host_char))
        return errc::invalid_url;
    // The other ways to write an IPv4 address are addresses too, as the resolver, curl and the
    // WHATWG URL standard read them: percent-encoded ("%31%32%37.0.0.1"), fewer parts ("127.1"),
    // one number ("2130706433"), hex or octal parts ("0x7f.0.0.1"). They become the dotted quad:
    // no SNI for them, and the certificate is checked for the address, not a name.
    if (is_dotted_quad(out.host))
    {
        out.ip_literal = true;
        return {};
    }
    const bool may_be_address = std::all_of(out.host.begin(), out.host.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x' || c == '.';
    });
    in_addr v4{};
    if (may_be_address && inet_aton(out.host.c_str(), &v4) != 0)
    {
        char text[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, &v4, text, sizeof text) == nullptr)
            return errc::invalid_url;
        out.host = text;
        out.ip_literal = true;
    }
    return {};
}

std::optional<url> parse_plain_url(std::string_view text)
{
    const auto starts_with_ci = [&](std::string_view prefix) {
        return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
    };
    url out;
    if (starts_with_ci("http://"))
        out.scheme = "http";
    else if (starts_with_ci("https://"))
        out.scheme = "https";
    else
        return std::nullopt;
    text.remove_prefix(out.scheme.size() + 3);

    const auto authority_end = std::min(find_any(text, "/?#"), text.size());
    const std::string_view authority = text.substr(0, authority_end);
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty())
        return std::nullopt;
    // Checked before anything is allocated: a URL that goes the general way allocates nothing here.
    if (!std::all_of(host.begin(), host.end(), [](char c) { return is_host_char(ascii_lower(c)); }))
        return std::nullopt;
    out.host.resize(host.size());
    std::transform(host.begin(), host.end(), out.host.begin(), [](char c) { return ascii_lower(c); });
    if (!finish_host_name(out))
        return std::nullopt;

    out.port = out.tls() ? 443 : 80;
    if (colon != std::string_view::npos && colon + 1 < authority.size())
    {
        const std::string_view digits = authority.substr(colon + 1);
        unsigned long value = 0;
        for (char c : digits)
        {
            if (c < '0' || c > '9' || value > 6553)
                return std::nullopt;
            value = value * 10 + static_cast<unsigned long>(c - '0');
        }
        if (value == 0 || value > 65535)
            return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
    }

    const std::string_view target = text.substr(authority_end);
    for (std::size_t i = 0; i < target.size(); ++i)
    {
        if (target[i] == '%')
        {
            if (i + 2 >= target.size() || hex_value(target[i + 1]) < 0 || hex_value(target[i + 2]) < 0)
                return std::nullopt;
            i += 2;
        }
        else if (!is_plain_target_char(target[i]))
            return std::nullopt;
    }
    if (target.empty() || target.front() != '/')
        out.target = "/";
    out.target += target;
    return out;
}

}  // namespace asyncfetch::detail
