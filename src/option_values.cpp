// Parsing option values: headers, --resolve entries, sizes and rates, without CLI11.
#include "option_values.hpp"

#include "text.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <limits>
#include <string>

namespace asyncfetch {

namespace detail {

bool has_forbidden_char(std::string_view s) noexcept
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept
{
    return !s.empty() && std::all_of(s.begin(), s.end(), detail::is_token_char);
}

std::optional<request_options::header> parse_header(std::string_view text)
{
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
    {
        if (!text.empty() && text.back() == ';' && is_token(text.substr(0, text.size() - 1)))
            return request_options::header{std::string(text.substr(0, text.size() - 1)), "", false};
        return std::nullopt;
    }
    auto name = text.substr(0, colon);
    auto value = text.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (!is_token(name))
        return std::nullopt;
    return request_options::header{std::string(name), std::string(value), value.empty()};
}

std::optional<resolve_entry> parse_resolve(std::string_view text)
{
    // host:port:address, the address possibly a bracketed IPv6 literal.
    const auto first = text.find(':');
    if (first == std::string_view::npos || first == 0)
        return std::nullopt;
    const auto second = text.find(':', first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    resolve_entry e;
    e.host = detail::ascii_lower(text.substr(0, first));
    const auto port_text = text.substr(first + 1, second - first - 1);
    unsigned long port = 0;
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    port = std::stoul(std::string(port_text));
    if (port == 0 || port > 65535)
        return std::nullopt;
    e.port = static_cast<std::uint16_t>(port);
    auto address = text.substr(second + 1);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    e.address = std::string(address);
    boost::system::error_code ec;
    boost::asio::ip::make_address(e.address, ec);
    if (ec)
        return std::nullopt;
    return e;
}

namespace {

/// A port of 1 to 65535 in decimal.
std::optional<std::uint16_t> parse_port(std::string_view text)
{
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const auto port = std::stoul(std::string(text));
    if (port == 0 || port > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(port);
}

}  // namespace

std::optional<std::string> parse_dns_servers(std::string_view text)
{
    std::string out;
    while (true)
    {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        std::string_view host = item;
        std::optional<std::uint16_t> port = 53;
        if (item.starts_with('['))
        {
            const auto close = item.find(']');
            if (close == std::string_view::npos)
                return std::nullopt;
            host = item.substr(1, close - 1);
            const auto rest = item.substr(close + 1);
            if (!rest.empty())
                port = rest.starts_with(':') ? parse_port(rest.substr(1)) : std::nullopt;
        }
        else if (const auto colon = item.find(':');
                 colon != std::string_view::npos && item.rfind(':') == colon)
        {
            host = item.substr(0, colon);  // one colon: IPv4:PORT; more: a bare IPv6 address
            port = parse_port(item.substr(colon + 1));
        }
        boost::system::error_code ec;
        const auto address = boost::asio::ip::make_address(std::string(host), ec);
        if (ec || !port || (item.starts_with('[') && !address.is_v6()))
            return std::nullopt;
        if (!out.empty())
            out += ',';
        out += address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
        out += ":" + std::to_string(*port);
        if (comma == std::string_view::npos)
            return out;
        text.remove_prefix(comma + 1);
    }
}

}  // namespace detail

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    std::uint64_t multiplier = 1;
    switch (text.back())
    {
    case 'k':
    case 'K': multiplier = 1024; break;
    case 'm':
    case 'M': multiplier = 1024 * 1024; break;
    case 'g':
    case 'G': multiplier = 1024 * 1024 * 1024; break;
    default: break;
    }
    if (multiplier != 1)
        text.remove_suffix(1);
    if (text.empty() || text.size() > 15 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const std::uint64_t value = std::stoull(std::string(text));
    if (value > std::numeric_limits<std::uint64_t>::max() / multiplier)
        return std::nullopt;
    return value * multiplier;
}

std::optional<double> parse_rate(std::string_view text)
{
    double per = 1;
    if (const auto slash = text.find('/'); slash != std::string_view::npos)
    {
        const auto unit = text.substr(slash + 1);
        if (unit == "s")
            per = 1;
        else if (unit == "m")
            per = 60;
        else if (unit == "h")
            per = 3600;
        else
            return std::nullopt;
        text = text.substr(0, slash);
    }
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) ||
        std::count(text.begin(), text.end(), '.') > 1 || text == ".")
        return std::nullopt;
    const double n = std::stod(std::string(text));
    if (!(n > 0))
        return std::nullopt;
    return n / per;
}

}  // namespace asyncfetch
