// Config files in curl's syntax: lines into option entries, the default file's path, reading a file.
#include "asyncfetch/config_file.hpp"

#include "local_file.hpp"

#include <istream>

namespace asyncfetch {

namespace {

/// curl refuses config lines past 10 MB; a whole file past this is not a config file.
constexpr std::size_t max_config_size = 10 * 1024 * 1024;

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view skip_blanks(std::string_view s)
{
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    return s;
}

/// The value of a quoted parameter starting after its opening quote; rest is left after the closing
/// quote. Nullopt when the quote is never closed.
std::optional<std::string> unquote(std::string_view s, std::string_view& rest)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        const char c = s[i];
        if (c == '"')
        {
            rest = s.substr(i + 1);
            return out;
        }
        if (c != '\\')
        {
            out += c;
            continue;
        }
        if (++i == s.size())
            break;
        switch (s[i])
        {
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 'v': out += '\v'; break;
        default: out += s[i]; break;
        }
    }
    return std::nullopt;
}

/// One non-blank, non-comment line into an entry; an error message when it is malformed.
std::optional<std::string> parse_line(std::string_view line, config_entry& entry)
{
    const bool dashed = line.front() == '-';
    std::size_t end = 0;
    while (end < line.size() && !is_blank(line[end]) && (dashed || (line[end] != '=' && line[end] != ':')))
        ++end;
    entry.name = std::string(line.substr(0, end));
    line.remove_prefix(end);
    // As curl: blanks and, after a name without dashes, '=' and ':' separate the name from its value.
    while (!line.empty() &&
           (is_blank(line.front()) || (!dashed && (line.front() == '=' || line.front() == ':'))))
        line.remove_prefix(1);
    if (line.empty())
        return std::nullopt;
    std::string_view rest;
    if (line.front() == '"')
    {
        entry.value = unquote(line.substr(1), rest);
        if (!entry.value)
            return "unterminated quote in the value of '" + entry.name + "'";
    }
    else
    {
        std::size_t stop = 0;
        while (stop < line.size() && !is_blank(line[stop]))
            ++stop;
        entry.value = std::string(line.substr(0, stop));
        rest = line.substr(stop);
    }
    rest = skip_blanks(rest);
    if (!rest.empty() && rest.front() != '#')
        return "text after the value of '" + entry.name + "': put a value with spaces in double quotes";
    return std::nullopt;
}

}  // namespace

std::variant<std::vector<config_entry>, config_error> parse_config_text(std::string_view text)
{
    std::vector<config_entry> entries;
    std::size_t number = 0;
    while (!text.empty())
    {
        ++number;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        line = skip_blanks(line);
        if (line.empty() || line.front() == '#')
            continue;
        config_entry entry;
        entry.line = number;
        if (auto problem = parse_line(line, entry))
            return config_error{number, std::move(*problem)};
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string default_config_path(const char* xdg_config_home, const char* home)
{
    if (xdg_config_home && *xdg_config_home)
        return std::string(xdg_config_home) + "/asyncfetch/config";
    if (home && *home)
        return std::string(home) + "/.config/asyncfetch/config";
    return {};
}

config_file_text read_config_file(const std::string& path, std::istream* in)
{
    config_file_text out;
    std::string text;
    if (path == "-")
    {
        if (!in)
        {
            out.error = "standard input is not available";
            return out;
        }
        auto problem = detail::read_bounded(*in, max_config_size, text);
        in->setstate(std::ios::eofbit);  // read to its end: nothing is left for URLs (-i -)
        if (problem)
        {
            out.error = std::move(*problem);
            return out;
        }
    }
    else if (auto problem = detail::read_local_file(path, max_config_size, text))
    {
        out.missing = problem->missing;
        out.error = std::move(problem->message);
        return out;
    }
    out.text = std::move(text);
    return out;
}

}  // namespace asyncfetch
