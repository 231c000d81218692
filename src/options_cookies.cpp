// curl's cookie flags: -b pairs or a Netscape cookie file, -c the jar written at the end of the run.
#include "options_cookies.hpp"

#include "asyncfetch/atomic_file.hpp"
#include "asyncfetch/cookie_jar.hpp"
#include "local_file.hpp"
#include "option_values.hpp"
#include "text.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>

namespace asyncfetch::detail {

namespace {

/// A cookie file larger than this is refused rather than read whole.
constexpr std::size_t max_cookie_file = 64 * 1024 * 1024;

}  // namespace

void add_cookie_options(CLI::App& app, options& o)
{
    app.add_option_function<std::string>(
           "-b,--cookie",
           [&o](const std::string& value) {
               if (has_forbidden_char(value))
                   throw CLI::ValidationError("-b", "cookie data or file name contains CR, LF or NUL");
               // curl's rule: with '=' the argument is cookies, else the name of a file to read.
               if (value.find('=') != std::string::npos)
               {
                   const std::string_view pairs = trim_ows(value);
                   auto& cookie = o.client.request.cookie;
                   cookie.append(cookie.empty() ? "" : "; ").append(pairs);
               }
               else if (value == "-")
                   throw CLI::ValidationError(
                       "-b",
                       "cookies cannot be read from standard input (it may hold the URLs): give a file");
               else
                   o.cookie_files.push_back(value);
           },
           "Send cookies 'NAME=VALUE; NAME2=VALUE2' to every URL, or read a Netscape cookie FILE and "
           "turn the cookie engine on ('' only turns it on; repeatable)")
        ->type_name("DATA|FILE")
        ->allow_extra_args(false)
        ->take_all()
        ->trigger_on_parse();
    app.add_option("-c,--cookie-jar",
                   o.cookie_jar,
                   "Turn the cookie engine on and write every cookie to FILE after the run ('-' stdout)")
        ->type_name("FILE");
}

std::optional<std::string> prepare_cookies(options& o)
{
    if (o.cookie_files.empty() && o.cookie_jar.empty())
        return std::nullopt;
    auto jar = std::make_shared<cookie_jar>();
    const std::int64_t now = cookie_clock_now();
    for (const auto& path : o.cookie_files)
    {
        if (path.empty())
            continue;
        std::string text;
        if (auto problem = read_local_file(path, max_cookie_file, text))
            return "asyncfetch: cannot read cookie file " + path + ": " + problem->message + "\n";
        jar->load_netscape(text, now);
    }
    if (!o.cookie_jar.empty() && o.cookie_jar != "-")
        if (auto problem = check_writable(o.cookie_jar))
            return "asyncfetch: cannot write cookie jar " + o.cookie_jar + ": " + *problem + "\n";
    o.client.cookies = std::move(jar);
    return std::nullopt;
}

bool write_cookie_jar(const options& o, std::ostream& out, std::ostream& err)
{
    if (o.cookie_jar.empty() || !o.client.cookies)
        return true;
    const std::string text = o.client.cookies->netscape_text(cookie_clock_now());
    if (o.cookie_jar == "-")
    {
        out << text;
        return static_cast<bool>(out.flush());
    }
    if (auto problem = write_file_atomically(o.cookie_jar, text, true))
    {
        err << "asyncfetch: cannot write cookie jar " << o.cookie_jar << ": " << *problem << "\n";
        return false;
    }
    return true;
}

}  // namespace asyncfetch::detail
