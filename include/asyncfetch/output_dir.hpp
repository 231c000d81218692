// File names for -o/--output-dir: taken from the URL path, made safe, unique within a run.
#pragma once

#include "asyncfetch/url.hpp"

#include <string>
#include <string_view>
#include <unordered_set>

namespace asyncfetch {

/// A safe file name from a request target: the last path segment, percent-decoded, with '/',
/// '\', control characters and a leading '.' replaced by '_', at most 200 bytes;
/// "index.html" when the segment is empty, "." or "..".
std::string safe_file_name(std::string_view target);

/// Hands out paths inside one directory, never the same one twice in a run.
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

}  // namespace asyncfetch
