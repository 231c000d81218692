// Config files (-K/--config and the default one) in curl's syntax, read into options and values.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace asyncfetch {

/// One option line of a config file: "name = value", "name value", "name: value", "--name value",
/// "-x value" or a flag alone.
struct config_entry
{
    std::size_t line = 0;              ///< from 1
    std::string name;                  ///< as written: "header", "--header" or "-H"
    std::optional<std::string> value;  ///< unquoted and unescaped; nullopt when the line has none
};

/// Why a config file's text cannot be read, and on which line.
struct config_error
{
    std::size_t line = 0;
    std::string message;
};

/// The option lines of a config file's text, as curl reads them: blank lines and lines whose first
/// non-blank character is '#' are skipped; a name without dashes may be followed by '=' or ':';
/// a value in double quotes may hold spaces and the escapes \\ \" \t \n \r \v (a backslash before
/// any other character is dropped). Refuses an unterminated quote and text after an unquoted value
/// (unless it is a '#' comment), which curl only warns about.
std::variant<std::vector<config_entry>, config_error> parse_config_text(std::string_view text);

/// Where the config files come from; given by main(), so parsing never reads the environment.
struct config_sources
{
    /// The default config file, read when it exists unless -q is the first argument; empty for none.
    std::string default_file;
    /// Read for "-K -"; null when standard input is not available.
    std::istream* stdin_stream = nullptr;
};

/// The default config file's path: $XDG_CONFIG_HOME/asyncfetch/config when xdg_config_home is set
/// and not empty, else $HOME/.config/asyncfetch/config, else "" (neither is set).
std::string default_config_path(const char* xdg_config_home, const char* home);

/// A config file's text, or why it cannot be read.
struct config_file_text
{
    std::optional<std::string> text;  ///< the whole file; nullopt when it cannot be read
    std::string error;                ///< the reason ("Permission denied") when it cannot
    bool missing = false;             ///< it does not exist (for the default file: not an error)
};

/// Reads a config file whole; path "-" reads in (unreadable when in is null). A directory is an
/// error ("Is a directory"); so is more than 10 MiB, where reading stops (-K /dev/zero).
config_file_text read_config_file(const std::string& path, std::istream* in);

}  // namespace asyncfetch
