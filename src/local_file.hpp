// Reading a local file whole with a size bound: config, cookie, state and certificate files.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace asyncfetch::detail {

/// Why a local file was not read.
struct local_file_problem
{
    std::string message;  ///< "Is a directory", the system's reason, "read error" or "larger than 10 MiB ..."
    bool missing = false;  ///< the file does not exist
};

/// Reads in to its end into out, stopping past limit bytes (/dev/zero, a FIFO that never ends):
/// nothing when all of it fits, else "read error" or "larger than N MiB (the limit)".
std::optional<std::string> read_bounded(std::istream& in, std::size_t limit, std::string& out);

/// Reads the file at path whole into out, at most limit bytes: nothing on success, else why not.
/// A directory is refused as one before it is opened.
std::optional<local_file_problem> read_local_file(const std::string& path,
                                                  std::size_t limit,
                                                  std::string& out);

}  // namespace asyncfetch::detail
