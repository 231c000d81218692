// JSON text by hand for the report: UTF-8 repair, string escaping, number rounding, objects.
#include "json_text.hpp"

#include "asyncfetch/units.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace asyncfetch::detail {

namespace {

// A UTF-8 sequence as its lead byte announces it: length (0 for a byte that cannot start one) and the
// range its second byte must be in (Unicode table 3-7); later bytes are always 80..BF.
struct utf8_shape
{
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
};

utf8_shape shape_of(unsigned char lead) noexcept
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return {2};
    if (lead == 0xE0)
        return {3, 0xA0, 0xBF};
    if (lead == 0xED)
        return {3, 0x80, 0x9F};  // no surrogates
    if (lead >= 0xE1 && lead <= 0xEF)
        return {3};
    if (lead == 0xF0)
        return {4, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3)
        return {4};
    if (lead == 0xF4)
        return {4, 0x80, 0x8F};  // nothing above U+10FFFF
    return {};
}

// Replaces each maximal ill-formed subsequence with U+FFFD, as Unicode recommends.
// Boost.JSON copies bytes >= 0x80 to its output unchecked, which would make the line invalid JSON.
std::string valid_utf8(std::string_view in)
{
    constexpr std::string_view replacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size())
    {
        const auto lead = static_cast<unsigned char>(in[i]);
        if (lead < 0x80)
        {
            out += in[i++];
            continue;
        }
        const utf8_shape shape = shape_of(lead);
        std::size_t n = 1;
        while (n < shape.length && i + n < in.size())
        {
            const auto c = static_cast<unsigned char>(in[i + n]);
            const unsigned char min = n == 1 ? shape.second_min : 0x80;
            const unsigned char max = n == 1 ? shape.second_max : 0xBF;
            if (c < min || c > max)
                break;
            ++n;
        }
        if (shape.length != 0 && n == shape.length)
            out.append(in.substr(i, n));
        else
            out.append(replacement);
        i += n;
    }
    return out;
}

}  // namespace

std::string json_number(double v, int decimals)
{
    std::string s = fixed_point(v, decimals);
    auto point = s.find('.');
    if (point == std::string::npos)
        return s;
    auto last = s.find_last_not_of('0');
    s.erase(last == point ? point + 2 : last + 1);
    return s;
}

std::string json_string(std::string_view s)
{
    const std::string utf8 = valid_utf8(s);
    return boost::json::serialize(boost::json::string_view(utf8.data(), utf8.size()));
}

std::string compact_object(const json_fields& fields)
{
    std::string out = "{";
    for (const auto& [key, value] : fields)
    {
        if (out.size() > 1)
            out += ',';
        out += json_string(key);
        out += ':';
        out += value;
    }
    out += '}';
    return out;
}

std::string pretty_object(const json_fields& fields, std::size_t indent)
{
    if (fields.empty())
        return "{}";
    std::string out = "{\n";
    for (std::size_t i = 0; i < fields.size(); ++i)
    {
        out.append(indent + 2, ' ');
        out += json_string(fields[i].first);
        out += ": ";
        out += fields[i].second;
        out += i + 1 < fields.size() ? ",\n" : "\n";
    }
    out.append(indent, ' ');
    out += '}';
    return out;
}

std::string json_array(const std::vector<double>& values, int decimals, std::string_view separator)
{
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        if (i > 0)
            out += separator;
        out += json_number(values[i], decimals);
    }
    out += ']';
    return out;
}

}  // namespace asyncfetch::detail
