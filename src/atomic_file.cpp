// Whole-file writes for reports (--waterfall): a temporary file in the same directory, then rename.
#include "asyncfetch/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace asyncfetch {

namespace {

// A new file "PATH.tmpXXXXXX" open for writing, or -1 with errno set.
int make_temp(const std::string& path, std::string& temp_path)
{
    std::vector<char> name(path.begin(), path.end());
    for (char c : std::string_view(".tmpXXXXXX"))
        name.push_back(c);
    name.push_back('\0');
    const int fd = mkstemp(name.data());
    if (fd >= 0)
        temp_path = name.data();
    return fd;
}

std::string reason(int error) { return std::strerror(error); }

}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path,
                                                 std::string_view text,
                                                 bool private_file)
{
    std::string temp_path;
    const int fd = make_temp(path, temp_path);
    if (fd < 0)
        return reason(errno);
    // mkstemp makes the file 0600. A file rewritten keeps its mode (a jar the user made 0600 stays
    // so); a new picture is as readable as any other new file, a new private one stays 0600.
    struct stat existing
    {
    };
    if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode))
        fchmod(fd, existing.st_mode & 07777);
    else if (!private_file)
    {
        const mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    std::size_t done = 0;
    while (done < text.size())
    {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
        {
            const int error = n < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(temp_path.c_str());
            return reason(error);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 || std::rename(temp_path.c_str(), path.c_str()) != 0)
    {
        const int error = errno;
        ::unlink(temp_path.c_str());
        return reason(error);
    }
    return std::nullopt;
}

std::optional<std::string> check_writable(const std::string& path)
{
    struct stat st
    {
    };
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return std::string("Is a directory");
    std::string temp_path;
    const int fd = make_temp(path, temp_path);
    if (fd < 0)
        return reason(errno);
    ::close(fd);
    ::unlink(temp_path.c_str());
    return std::nullopt;
}

}  // namespace asyncfetch
