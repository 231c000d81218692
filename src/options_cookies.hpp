// The cookie flags (-b/--cookie, -c/--cookie-jar): their registration, the files read before a run and
// the jar written after it.
#pragma once

#include "asyncfetch/options.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace asyncfetch::detail {

/// Registers -b/--cookie (NAME=VALUE pairs when the argument holds '=', as curl, else a cookie file
/// to read; repeatable) and -c/--cookie-jar FILE. A value with CR, LF or NUL, or -b - (stdin holds
/// the URLs), throws CLI::ValidationError while parsing (a usage error).
void add_cookie_options(CLI::App& app, options& o);

/// Turns the cookie engine on when -b FILE or -c was given: makes o.client.cookies and loads the
/// -b files into it. Returns the message for stderr (a usage error) when a file cannot be read or
/// the -c file's directory is not writable.
std::optional<std::string> prepare_cookies(options& o);

/// Writes the jar to the -c file (temporary file and rename; "-" is out), once, after the run.
/// False, with the reason on err, when it cannot be written. Does nothing without -c.
bool write_cookie_jar(const options& o, std::ostream& out, std::ostream& err);

}  // namespace asyncfetch::detail
