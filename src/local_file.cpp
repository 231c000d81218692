// Reading a local file whole with a size bound: config, cookie, state and certificate files.
#include "local_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>

namespace asyncfetch::detail {

namespace {

/// "10 MiB" for 10 << 20, "512 KiB" for 512 << 10, else bytes.
std::string size_text(std::size_t n)
{
    if (n >= (std::size_t{1} << 30) && n % (std::size_t{1} << 30) == 0)
        return std::to_string(n >> 30) + " GiB";
    if (n >= (std::size_t{1} << 20) && n % (std::size_t{1} << 20) == 0)
        return std::to_string(n >> 20) + " MiB";
    if (n >= (std::size_t{1} << 10) && n % (std::size_t{1} << 10) == 0)
        return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

}  // namespace

std::optional<std::string> read_bounded(std::istream& in, std::size_t limit, std::string& out)
{
    out.clear();
    std::array<char, 64 * 1024> chunk{};
    // One byte past the limit tells a file of exactly limit bytes from a larger one.
    while (out.size() <= limit && in)
    {
        const std::size_t want = std::min(chunk.size(), limit + 1 - out.size());
        in.read(chunk.data(), static_cast<std::streamsize>(want));
        out.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad())
        return "read error";
    if (out.size() > limit)
    {
        out.clear();
        return "larger than " + size_text(limit) + " (the limit)";
    }
    return std::nullopt;
}

std::optional<local_file_problem> read_local_file(const std::string& path,
                                                  std::size_t limit,
                                                  std::string& out)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return local_file_problem{std::strerror(EISDIR)};
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return local_file_problem{std::strerror(errno), errno == ENOENT};
    if (auto problem = read_bounded(in, limit, out))
        return local_file_problem{*problem};
    return std::nullopt;
}

}  // namespace asyncfetch::detail
