// The flags a pasted curl command line needs: -o/-O output files, -s/-S, -u credentials, --parallel.
#include "options_curl.hpp"

#include "option_values.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace asyncfetch::detail {

namespace {

constexpr const char* directory_hint =
    "-o names one file per URL, as in curl; to save into a directory use --output-dir DIR with -O "
    "or --remote-name-all";

}  // namespace

void add_curl_output_options(CLI::App& app, options& o)
{
    // -o and -O share one list in command-line order: the Nth of them goes with the Nth URL.
    app.add_option_function<std::string>(
           "-o,--output",
           [&o](const std::string& path) {
               if (path.empty() || path.back() == '/')
                   throw CLI::ValidationError("-o", "'" + path + "' is a directory: " + directory_hint);
               if (has_forbidden_char(path))
                   throw CLI::ValidationError("-o", "file name contains CR, LF or NUL");
               o.client.outputs.push_back({false, path});
           },
           "Write the body of the next URL to FILE ('-' stdout, /dev/null discards; repeatable)")
        ->type_name("FILE")
        ->allow_extra_args(false)
        ->take_all()
        ->trigger_on_parse();
    app.add_flag_callback(
           "-O,--remote-name",
           [&o] {
               o.client.outputs.push_back({true, {}});
           },
           "Save the body of the next URL to a file named from its path (repeatable)")
        ->trigger_on_parse();
    app.add_flag("--remote-name-all",
                 o.client.remote_name_all,
                 "Save every URL without its own -o or -O as -O does");
    app.add_option("--output-dir", o.client.output_dir, "Directory for -O files and relative -o files")
        ->type_name("DIR");
    app.add_flag("--create-dirs", o.client.create_dirs, "Create missing directories for saved files");
    app.add_flag("--no-clobber",
                 o.client.no_clobber,
                 "Keep a file that exists: its URL is skipped, not fetched");

    app.add_flag("-s,--silent", o.quiet, "Same as -q: no summary or progress on stderr");
    app.add_flag("-S,--show-error", o.show_error, "Print each failed URL's error on stderr (also with -s)");

    app.add_option_function<std::string>(
           "-u,--user",
           [&o](const std::string& user) {
               if (user.find(':') == std::string::npos)
                   throw CLI::ValidationError("-u",
                                              "expected USER:PASSWORD (asyncfetch never prompts; "
                                              "'USER:' sends an empty password)");
               if (has_forbidden_char(user))
                   throw CLI::ValidationError("-u", "credentials contain CR, LF or NUL");
               o.client.request.user = user;
           },
           "Basic credentials USER:PASSWORD for the URLs' own hosts")
        ->type_name("USER:PASSWORD");
    app.add_flag("--basic")->description("Accepted for curl compatibility: -u sends Basic credentials");

    app.add_flag("-Z,--parallel")
        ->description("Accepted for curl compatibility: URLs run concurrently by default");
    app.add_option("--parallel-max", o.concurrency, "Same as -j: most requests in flight at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
}

}  // namespace asyncfetch::detail
