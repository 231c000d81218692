// libFuzzer target: asyncfetch::line_source over arbitrary bytes, then parse_url on every line it yields.
#include "asyncfetch/runner.hpp"
#include "url_invariants.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::istringstream in{std::string(input)};
    asyncfetch::line_source src(in);
    // At most one URL per line of input: the bound also stops a source that never ends.
    const std::size_t max_lines = static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n')) + 1;
    std::size_t lines = 0;
    while (auto line = src.next())
    {
        if (++lines > max_lines)
            asyncfetch::fuzz::fail("more lines than the input has", input);
        const std::string& l = *line;
        if (l.empty())
            asyncfetch::fuzz::fail("empty line yielded", input);
        if (l.front() == '#')
            asyncfetch::fuzz::fail("comment line yielded", input);
        if (l.find('\n') != std::string::npos)
            asyncfetch::fuzz::fail("line with LF yielded", input);
        if (std::string_view(" \t\r").find(l.front()) != std::string_view::npos ||
            std::string_view(" \t\r").find(l.back()) != std::string_view::npos)
            asyncfetch::fuzz::fail("line not trimmed", input);
        if (input.find(l) == std::string_view::npos)
            asyncfetch::fuzz::fail("line is not part of the input", input);
        asyncfetch::fuzz::check_parse(l);
    }
    return 0;
}
