// The --waterfall drawing kit: XML escaping, round axis steps, tick labels, colours, text placement.
#include "waterfall_draw.hpp"

#include "asyncfetch/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace asyncfetch::detail {

namespace {

// Appends code point cp as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80)
        out += static_cast<char>(cp);
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

constexpr std::uint32_t replacement = 0xFFFD;

// Decodes the code point at s[i], advancing i; ill-formed sequences (overlong, surrogates, past
// U+10FFFF, cut short) are U+FFFD for their first byte.
std::uint32_t next_code_point(std::string_view s, std::size_t& i)
{
    const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80)
    {
        ++i;
        return b0;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0)
        n = 1, cp = b0 & 0x1F, min = 0x80;
    else if ((b0 & 0xF0) == 0xE0)
        n = 2, cp = b0 & 0x0F, min = 0x800;
    else if ((b0 & 0xF8) == 0xF0)
        n = 3, cp = b0 & 0x07, min = 0x10000;
    else
    {
        ++i;
        return replacement;
    }
    for (std::size_t k = 1; k <= n; ++k)
    {
        if (i + k >= s.size() || (byte(i + k) & 0xC0) != 0x80)
        {
            ++i;
            return replacement;
        }
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    {
        ++i;
        return replacement;
    }
    i += n + 1;
    return cp;
}

}  // namespace

double nice_step(double range, double target) noexcept
{
    if (!(range > 0) || !std::isfinite(range) || !(target > 0))
        return 1;
    const double raw = range / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (m * magnitude >= raw * (1 - 1e-9))
            return m * magnitude;
    return 10 * magnitude;
}

time_axis make_time_axis(double max_ms, double x0, double width, double target_ticks) noexcept
{
    time_axis a;
    a.x0 = x0;
    a.width = width;
    const double top = std::isfinite(max_ms) && max_ms > 0 ? max_ms : 1.0;
    a.step_ms = nice_step(top, target_ticks);
    a.axis_ms = std::max(a.step_ms, std::ceil(top / a.step_ms - 1e-9) * a.step_ms);
    return a;
}

std::string tick_label(double ms, double step_ms, double axis_ms)
{
    if (std::abs(ms) < step_ms * 1e-6)
        return "0";
    const auto decimals = [](double step) {
        int d = 0;
        while (d < 3 && std::abs(step - std::round(step)) > 1e-6 * std::max(1.0, step))
        {
            step *= 10;
            ++d;
        }
        return d;
    };
    if (axis_ms >= 2000)
        return fixed_point(ms / 1000.0, decimals(step_ms / 1000.0)) + " s";
    return fixed_point(ms, decimals(step_ms)) + " ms";
}

std::string num(double v)
{
    if (!std::isfinite(v))
        v = 0;
    std::string s = fixed_point(v, 2);
    if (s.find('.') != std::string::npos)
    {
        while (s.back() == '0')
            s.pop_back();
        if (s.back() == '.')
            s.pop_back();
    }
    if (s == "-0")
        s = "0";
    return s;
}

std::string thousands(std::size_t n)
{
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i)
    {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string xml_text(std::string_view s, bool keep_newlines)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();)
    {
        std::uint32_t cp = next_code_point(s, i);
        if ((cp < 0x20 && !(cp == '\n' && keep_newlines)) || cp == 0x7F)
            cp = ' ';
        else if (cp == 0xFFFE || cp == 0xFFFF)
            cp = replacement;
        switch (cp)
        {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: append_utf8(out, cp);
        }
    }
    return out;
}

std::string shorten(std::string_view s, std::size_t max_chars)
{
    std::size_t chars = 0;
    std::size_t cut = s.size();
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
            continue;
        if (chars + 1 == max_chars)
            cut = i;
        if (++chars > max_chars)
            return std::string(s.substr(0, cut)) + "…";
    }
    return std::string(s);
}

double text_width(std::string_view s, double font_size) noexcept
{
    std::size_t chars = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++chars;
    return static_cast<double>(chars) * font_size * 0.52;
}

const char* phase_colour(waterfall_phase p) noexcept
{
    // The Okabe-Ito palette: told apart with the common colour-vision deficiencies too.
    switch (p)
    {
    case waterfall_phase::queued: return "#b4b4b4";
    case waterfall_phase::dns: return "#009e73";
    case waterfall_phase::connect: return "#e69f00";
    case waterfall_phase::tls: return "#cc79a7";
    case waterfall_phase::waiting: return "#56b4e9";
    case waterfall_phase::receiving: return "#0072b2";
    }
    return "#000000";
}

void draw_text(std::string& svg,
               double x,
               double y,
               std::string_view text,
               double font_size,
               std::string_view anchor,
               std::string_view extra)
{
    svg += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(font_size) + "\"";
    if (anchor != "start")
        svg += " text-anchor=\"" + std::string(anchor) + "\"";
    if (!extra.empty())
    {
        svg += ' ';
        svg += extra;
    }
    svg += '>';
    svg += xml_text(text);
    svg += "</text>\n";
}

void draw_time_axis(std::string& svg, const time_axis& axis, double y_top, double y_bottom)
{
    svg += "<g class=\"axis\">\n";
    const auto ticks = static_cast<std::size_t>(std::llround(axis.axis_ms / axis.step_ms));
    for (std::size_t i = 0; i <= ticks; ++i)
    {
        const double ms = static_cast<double>(i) * axis.step_ms;
        const double x = axis.x(ms);
        svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(y_top) + "\" x2=\"" + num(x) + "\" y2=\"" +
               num(y_bottom) + "\" stroke=\"#e0e0e0\"/>\n";
        draw_text(svg,
                  x,
                  y_bottom + 13,
                  tick_label(ms, axis.step_ms, axis.axis_ms),
                  10,
                  "middle",
                  "class=\"tick\" fill=\"#555\"");
    }
    svg += "</g>\n";
}

std::string wall_text(double ms) { return seconds_text(ms); }

}  // namespace asyncfetch::detail
