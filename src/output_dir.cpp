// Output files: nothing from a URL can name a path outside the directory or reuse a name; -o pairs in order.
#include "asyncfetch/output_dir.hpp"

#include "text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

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
    return dir_.empty() ? name : dir_ + "/" + name;
}

std::string output_path(const std::vector<output_spec>& outputs,
                        bool remote_name_all,
                        const std::string& dir,
                        std::size_t index,
                        const url& u,
                        output_names& names)
{
    if (index >= outputs.size())
        return remote_name_all ? names.reserve(u) : std::string();
    const output_spec& spec = outputs[index];
    if (spec.remote_name)
        return names.reserve(u);
    if (dir.empty() || is_special_output(spec.path) || spec.path.front() == '/')
        return spec.path;
    return dir + "/" + spec.path;
}

int open_output(const std::string& path, bool create_dirs)
{
    if (path == "-")
        return ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
    if (create_dirs)
    {
        // A failure here shows as the open's own error just below.
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty())
            std::filesystem::create_directories(parent, ec);
    }
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
}

bool output_exists(const std::string& path)
{
    struct stat st
    {
    };
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace asyncfetch
