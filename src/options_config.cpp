// Config files on the command line: the default file, -K FILE and -K -, turned into arguments for CLI11.
#include "options_config.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace asyncfetch::detail {

namespace {

/// A -K inside a config file is read where it stands, this many files deep at most.
constexpr int max_config_depth = 8;

bool takes_value(const CLI::Option& opt) { return opt.get_items_expected_max() > 0; }

bool is_config_option(std::string_view name) { return name == "config" || name == "K"; }

/// Turns config files into arguments, file by file.
class expander
{
public:
    expander(const CLI::App& app, const config_sources& sources, const config_check& check)
        : app_(app), sources_(sources), check_(check)
    {
    }

    /// Appends the arguments of the file at path; where says who asked for it ("config A:3: "), empty
    /// for the command line and the default file.
    std::optional<std::string> file(const std::string& path,
                                    bool is_default,
                                    int depth,
                                    const std::string& where)
    {
        auto read = read_config_file(path, sources_.stdin_stream);
        if (!read.text)
        {
            if (is_default && read.missing)
                return std::nullopt;
            return (where.empty() ? "config " + path + ": " : where + "cannot read config " + path + ": ") +
                   read.error;
        }
        const std::string name = path == "-" ? "<stdin>" : path;
        auto parsed = parse_config_text(*read.text);
        if (auto* bad = std::get_if<config_error>(&parsed))
            return "config " + name + ":" + std::to_string(bad->line) + ": " + bad->message;
        for (const auto& entry : std::get<std::vector<config_entry>>(parsed))
        {
            const std::string here = "config " + name + ":" + std::to_string(entry.line) + ": ";
            std::vector<std::string> args;
            bool nested = false;
            if (auto problem = to_args(entry, args, nested))
                return here + *problem;
            if (nested)
            {
                if (depth + 1 >= max_config_depth)
                    return here + "config files nested more than " + std::to_string(max_config_depth) +
                           " deep";
                if (auto problem = file(args.back(), false, depth + 1, here))
                    return problem;
                continue;
            }
            if (auto problem = check_(args))
                return here + *problem;
            out_.insert(out_.end(), args.begin(), args.end());
        }
        return std::nullopt;
    }

    std::vector<std::string>& out() noexcept { return out_; }

private:
    /// One entry as command-line arguments ("--name" and its value); nested is set for -K FILE (the
    /// file name is then args.back()). A message for an unknown option or a missing or extra value.
    std::optional<std::string> to_args(const config_entry& e,
                                       std::vector<std::string>& args,
                                       bool& nested) const
    {
        const std::string& n = e.name;
        const CLI::Option* opt = nullptr;
        std::string canonical;
        std::optional<std::string> value = e.value;
        if (n.size() > 2 && n.starts_with("--"))
            canonical = n;
        else if (n.size() > 1 && n.front() == '-' && n[1] != '-')
        {
            canonical = n.substr(0, 2);
            if (n.size() > 2)
            {
                // "-m5": the value attached, as on the command line. Bundled flags ("-sS") stay as written.
                opt = app_.get_option_no_throw(canonical);
                if (opt && takes_value(*opt))
                {
                    if (value)
                        return "option '" + n + "' has two values";
                    value = n.substr(2);
                }
                else
                {
                    for (char c : n.substr(1))
                    {
                        const auto* flag = app_.get_option_no_throw(std::string("-") + c);
                        if (!flag || takes_value(*flag))
                            return "unknown option '" + n + "'";
                    }
                    canonical = n;
                }
            }
        }
        else if (n.front() != '-')
            canonical = "--" + n;
        else
            return "unknown option '" + n + "'";
        if (!opt)
            opt = app_.get_option_no_throw(canonical);
        if (!opt)
            return "unknown option '" + n + "'";
        if (!takes_value(*opt))
        {
            if (value)
                return "option '" + n + "' takes no value";
            args.push_back(canonical);
            return std::nullopt;
        }
        if (!value)
            return "option '" + n + "' needs a value";
        nested = opt->check_lname("config");
        args.push_back(canonical);
        args.push_back(std::move(*value));
        return std::nullopt;
    }

    const CLI::App& app_;
    const config_sources& sources_;
    const config_check& check_;
    std::vector<std::string> out_;
};

/// The command line without -K options (their files go to files) and without --disable; -q or
/// --disable first sets skip_default. A message for a -K without its file name.
std::optional<std::string> split_command_line(const CLI::App& app,
                                              int argc,
                                              const char* const* argv,
                                              std::vector<std::string>& rest,
                                              std::vector<std::string>& files,
                                              bool& skip_default)
{
    constexpr const char* missing = "-K/--config needs a file name";
    int i = 1;
    // curl's rule: -q (or --disable) as the very first argument skips the default file. -q stays
    // --quiet there too, as it always was here; --disable means nothing else.
    skip_default = argc > 1 &&
                   (std::string_view(argv[1]) == "-q" || std::string_view(argv[1]) == "--disable");
    if (skip_default && std::string_view(argv[1]) == "--disable")
        ++i;
    for (; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a == "--")
        {
            rest.insert(rest.end(), argv + i, argv + argc);
            break;
        }
        if (a.starts_with("--"))
        {
            const auto eq = a.find('=');
            const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            if (is_config_option(name))
            {
                if (eq == std::string::npos && i + 1 >= argc)
                    return missing;
                files.push_back(eq != std::string::npos ? a.substr(eq + 1) : std::string(argv[++i]));
                continue;
            }
            rest.push_back(a);
            const auto* opt = app.get_option_no_throw("--" + name);
            if (opt && takes_value(*opt) && eq == std::string::npos && i + 1 < argc)
                rest.emplace_back(argv[++i]);
            continue;
        }
        if (a.size() < 2 || a.front() != '-')
        {
            rest.push_back(a);
            continue;
        }
        // A cluster of short options: "-sK FILE", "-m5", "-sm 5".
        std::string kept = "-";
        bool value_next = false;
        for (std::size_t j = 1; j < a.size(); ++j)
        {
            if (a[j] == 'K')
            {
                std::string file = a.substr(j + 1);
                if (file.empty() && i + 1 >= argc)
                    return missing;
                files.push_back(file.empty() ? std::string(argv[++i]) : file);
                break;
            }
            kept += a[j];
            const auto* opt = app.get_option_no_throw(std::string("-") + a[j]);
            if (opt && takes_value(*opt))
            {
                kept += a.substr(j + 1);
                value_next = j + 1 == a.size();
                break;
            }
        }
        if (kept.size() > 1)
            rest.push_back(kept);
        if (value_next && i + 1 < argc)
            rest.emplace_back(argv[++i]);
    }
    return std::nullopt;
}

}  // namespace

void add_config_options(CLI::App& app, options& o)
{
    app.add_option("-K,--config",
                   "Read options from FILE ('-' stdin), curl's config syntax; before the command line's")
        ->type_name("FILE");
    app.add_option_function<std::string>(
           "--url",
           [&o](const std::string& u) { o.urls.push_back(u); },
           "A URL to fetch (repeatable; 'url = URL' in a config file), before the plain URL arguments")
        ->type_name("URL")
        ->allow_extra_args(false)
        ->take_all()
        ->trigger_on_parse();
}

std::variant<std::vector<std::string>, std::string> expand_config(const CLI::App& app,
                                                                  int argc,
                                                                  const char* const* argv,
                                                                  const config_sources& sources,
                                                                  const config_check& check)
{
    std::vector<std::string> rest;
    std::vector<std::string> files;
    bool skip_default = false;
    if (auto problem = split_command_line(app, argc, argv, rest, files, skip_default))
        return *problem;
    expander files_args(app, sources, check);
    files_args.out().emplace_back(argc > 0 ? argv[0] : "asyncfetch");
    if (!skip_default && !sources.default_file.empty())
        if (auto problem = files_args.file(sources.default_file, true, 0, {}))
            return *problem;
    for (const auto& f : files)
        if (auto problem = files_args.file(f, false, 0, {}))
            return *problem;
    auto out = std::move(files_args.out());
    out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return out;
}

std::optional<parse_outcome> run_parser(CLI::App& app, const std::vector<std::string>& args)
{
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& a : args)
        argv.push_back(a.c_str());
    parse_outcome out;
    try
    {
        app.parse(static_cast<int>(argv.size()), argv.data());
    }
    catch (const CLI::CallForHelp&)
    {
        out.out = app.help();
        return out;
    }
    catch (const CLI::CallForAllHelp&)
    {
        out.out = app.help();
        return out;
    }
    catch (const CLI::CallForVersion&)
    {
        out.out = version_text();
        return out;
    }
    catch (const CLI::ParseError& e)
    {
        out.exit_code = 2;
        out.err = std::string("asyncfetch: ") + e.what() +
                  "\nTry 'asyncfetch --help' for more information.\n";
        return out;
    }
    return std::nullopt;
}

std::optional<std::string> parse_error_of(CLI::App& app, const std::vector<std::string>& args)
{
    std::vector<const char*> argv;
    argv.reserve(args.size() + 1);
    argv.push_back("asyncfetch");
    for (const auto& a : args)
        argv.push_back(a.c_str());
    try
    {
        app.parse(static_cast<int>(argv.size()), argv.data());
    }
    catch (const CLI::Success&)
    {
        return std::nullopt;
    }
    catch (const CLI::ParseError& e)
    {
        return std::string(e.what());
    }
    return std::nullopt;
}

}  // namespace asyncfetch::detail
