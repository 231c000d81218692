// Writing a whole file so that readers see the old one or the new one, never half of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace asyncfetch {

/// Writes text to a temporary file next to path, then renames it over path. Returns the reason on
/// failure ("Permission denied"); the temporary file is removed then. An existing file keeps its
/// mode; a new one is 0666 less the umask, or 0600 when private_file (cookie jars, state).
std::optional<std::string> write_file_atomically(const std::string& path,
                                                 std::string_view text,
                                                 bool private_file = false);

/// Whether a file can be created in path's directory: creates and removes a temporary file there.
/// Returns the reason when not.
std::optional<std::string> check_writable(const std::string& path);

}  // namespace asyncfetch
