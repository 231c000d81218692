// Output file naming: nothing from a URL can name a path outside the directory or reuse a name.
#include "asyncfetch/output_dir.hpp"

#include "text.hpp"

namespace asyncfetch {

std::string safe_file_name(std::string_view target)
{
    target = target.substr(0, target.find_first_of("?#"));
    const auto slash = target.rfind('/');
    if (slash != std::string_view::npos)
        target.remove_prefix(slash + 1);

    std::string name;
    for (char c : detail::percent_decode(target))
    {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f)
            c = '_';
        name += c;
    }
    if (name.empty() || name == "." || name == "..")
        return "index.html";
    if (name.front() == '.')
        name.front() = '_';
    if (name.size() > 200)
        name.resize(200);
    return name;
}

std::string output_names::reserve(const url& u)
{
    const std::string base = safe_file_name(u.target);
    std::string name = base;
    for (unsigned n = 1; !taken_.insert(name).second; ++n)
        name = base + "." + std::to_string(n);
    return dir_ + "/" + name;
}

}  // namespace asyncfetch
