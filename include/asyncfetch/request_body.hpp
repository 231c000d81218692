// The request body from -d and --data-binary: values joined in command-line order, '@FILE' read.
#pragma once

#include "asyncfetch/options.hpp"

#include <optional>
#include <string>

namespace asyncfetch {

/// Reads '@FILE' data arguments and builds opts.request.body (several values are joined with '&',
/// as in curl; -d files lose their CR and LF). Returns an error message for an unreadable file.
std::optional<std::string> load_request_body(options& opts);

}  // namespace asyncfetch
