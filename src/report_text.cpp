// The report's shared text pieces: one-line text, display-column padding, aligned columns.
#include "report_text.hpp"

#include <algorithm>

namespace asyncfetch::detail {

std::string one_line(std::string_view s)
{
    std::string out;
    append_one_line(out, s);
    return out;
}

void append_one_line(std::string& out, std::string_view s)
{
    // Checked first without branches (the compiler can do 16 bytes at a time): nearly every text
    // has no control character and is appended as it is.
    unsigned char control = 0;
    for (const char c : s)
    {
        const auto u = static_cast<unsigned char>(c);
        control |= static_cast<unsigned char>((u < 0x20) | (u == 0x7f));
    }
    if (control == 0)
    {
        out.append(s);
        return;
    }
    const std::size_t start = out.size();
    out.append(s);
    for (std::size_t i = start; i < out.size(); ++i)
    {
        const auto u = static_cast<unsigned char>(out[i]);
        if (u < 0x20 || u == 0x7f)
            out[i] = ' ';
    }
}

std::size_t display_width(std::string_view s) noexcept
{
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    return n;
}

void pad_left(std::string& out, std::string_view s, std::size_t width)
{
    if (const std::size_t w = display_width(s); w < width)
        out.append(width - w, ' ');
    out.append(s);
}

void pad_right(std::string& out, std::string_view s, std::size_t width)
{
    out.append(s);
    if (const std::size_t w = display_width(s); w < width)
        out.append(width - w, ' ');
}

std::string& end_line(std::string& line)
{
    auto last = line.find_last_not_of(' ');
    line.erase(last == std::string::npos ? 0 : last + 1);
    line += '\n';
    return line;
}

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural)
{
    std::string s = std::to_string(n);
    s += ' ';
    s += n == 1 ? singular : plural;
    return s;
}

std::string columns(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<bool>& right_aligned,
                    std::size_t gap,
                    std::size_t min_width)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
    {
        widths.resize(std::max(widths.size(), row.size()), min_width);
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    }
    std::string text;
    for (const auto& row : rows)
    {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
        {
            const bool right = i < right_aligned.size() && right_aligned[i];
            if (i > 0)
                line.append(gap, ' ');
            if (right)
                pad_left(line, row[i], widths[i]);
            else
                pad_right(line, row[i], widths[i]);
        }
        text += end_line(line);
    }
    return text;
}

std::vector<double> runs_of(const std::vector<double>& runs_ms, const run_summary& last)
{
    return runs_ms.empty() ? std::vector<double>{last.elapsed_ms} : runs_ms;
}

json_fields latency_fields(const latency_stats& l)
{
    return {
        {"min", json_number(l.min, 3)},
        {"p50", json_number(l.p50, 3)},
        {"p90", json_number(l.p90, 3)},
        {"p99", json_number(l.p99, 3)},
        {"max", json_number(l.max, 3)},
        {"mean", json_number(l.mean, 3)},
    };
}

}  // namespace asyncfetch::detail
