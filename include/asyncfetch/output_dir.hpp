// Output files for -o, -O and --output-dir: which file each URL's body goes to, named safely.
#pragma once

#include "asyncfetch/url.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace asyncfetch {

/// One -o FILE or -O of the command line; as in curl, the Nth of them goes with the Nth URL.
struct output_spec
{
    bool remote_name = false;  ///< -O: the file is named from the URL path
    std::string path;          ///< -o FILE: "-" is stdout, "/dev/null" discards
};

/// A safe file name from a request target: the last path segment, percent-decoded, with '/',
/// '\', control characters and a leading '.' replaced by '_', at most 200 bytes;
/// "index.html" when the segment is empty, "." or "..".
std::string safe_file_name(std::string_view target);

/// Hands out paths inside one directory (the current one when empty), never the same one twice
/// in a run.
class output_names
{
public:
    explicit output_names(std::string dir) : dir_(std::move(dir)) {}

    /// DIR/NAME for u's body; "NAME.1", "NAME.2", ... when NAME was already given out.
    std::string reserve(const url& u);

    const std::string& dir() const noexcept { return dir_; }

private:
    std::string dir_;
    std::unordered_set<std::string> taken_;
};

/// Where the body of URL number index goes: "" when it is not saved, "-" for stdout,
/// "/dev/null", or a file path. The Nth of outputs pairs with URL N; past them, every URL gets a
/// -O name when remote_name_all is set. -O names come from names (whose directory is
/// --output-dir); a relative -o FILE is put under dir as well, as curl does.
std::string output_path(const std::vector<output_spec>& outputs,
                        bool remote_name_all,
                        const std::string& dir,
                        std::size_t index,
                        const url& u,
                        output_names& names);

/// True for the paths that are not files: "-" (stdout) and "/dev/null".
inline bool is_special_output(std::string_view path) noexcept { return path == "-" || path == "/dev/null"; }

/// Opens path for writing a body: created or truncated, never through a symbolic link as its last
/// component; its missing parent directories are made first with create_dirs. "-" is a duplicate
/// of stdout. Returns the descriptor, or -1 with errno set.
int open_output(const std::string& path, bool create_dirs);

/// True when something (a file, a directory, a link, even a dangling one) is at path.
bool output_exists(const std::string& path);

}  // namespace asyncfetch
