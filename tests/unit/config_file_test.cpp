// Config files: curl's line syntax, errors with file and line, precedence over them, -K -, -q first.
#include "asyncfetch/config_file.hpp"

#include "asyncfetch/options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

std::vector<config_entry> entries_of(std::string_view text)
{
    auto parsed = parse_config_text(text);
    if (auto* bad = std::get_if<config_error>(&parsed))
    {
        ADD_FAILURE() << "line " << bad->line << ": " << bad->message;
        return {};
    }
    return std::get<std::vector<config_entry>>(parsed);
}

config_error error_of(std::string_view text)
{
    auto parsed = parse_config_text(text);
    if (auto* bad = std::get_if<config_error>(&parsed))
        return *bad;
    ADD_FAILURE() << "parsed: " << text;
    return {};
}

/// A config file in a fresh directory, removed with it.
class config_dir
{
public:
    config_dir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "asyncfetch-config-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~config_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    config_dir(const config_dir&) = delete;
    config_dir& operator=(const config_dir&) = delete;

    std::string write(const std::string& name, const std::string& text) const
    {
        const auto p = path_ / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

parse_outcome parse(std::initializer_list<const char*> args, const config_sources& sources = {})
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), {true, false, false}, sources);
}

TEST(config_file, each_separator_and_form)
{
    auto e = entries_of(
        "header = X-A:1\n"
        "max-time 5\n"
        "user-agent: ua\n"
        "url=http://a/\n"
        "--connect-timeout 2\n"
        "-m 7\n"
        "silent\n"
        "--compressed\n");
    ASSERT_EQ(e.size(), 8u);
    EXPECT_EQ(e[0].name, "header");
    EXPECT_EQ(e[0].value, "X-A:1");
    EXPECT_EQ(e[1].name, "max-time");
    EXPECT_EQ(e[1].value, "5");
    EXPECT_EQ(e[2].name, "user-agent");
    EXPECT_EQ(e[2].value, "ua");
    EXPECT_EQ(e[3].name, "url");
    EXPECT_EQ(e[3].value, "http://a/");
    EXPECT_EQ(e[4].name, "--connect-timeout");
    EXPECT_EQ(e[4].value, "2");
    EXPECT_EQ(e[5].name, "-m");
    EXPECT_EQ(e[5].value, "7");
    EXPECT_EQ(e[6].name, "silent");
    EXPECT_FALSE(e[6].value);
    EXPECT_EQ(e[7].name, "--compressed");
    EXPECT_EQ(e[7].line, 8u);
}

TEST(config_file, a_value_with_spaces_needs_quotes)
{
    const auto bad = error_of("# first\n\nheader = X-A: 1\n");
    EXPECT_EQ(bad.line, 3u);
    EXPECT_NE(bad.message.find("double quotes"), std::string::npos) << bad.message;
}

TEST(config_file, quoted_values_and_escapes)
{
    auto e = entries_of(
        "header = \"X-A: one two\"\n"
        "data \"a\\\\b\\\"c\\td\\ne\\rf\\vg\\qh\"\n"
        "user-agent \"\"\n"
        "--header \":starts with a colon\"   # and a comment\n");
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e[0].value, "X-A: one two");
    EXPECT_EQ(e[1].value, "a\\b\"c\td\ne\rf\vgqh");
    EXPECT_EQ(e[2].value, "");
    EXPECT_EQ(e[3].value, ":starts with a colon");
}

TEST(config_file, comments_blank_lines_and_crlf)
{
    auto e = entries_of("# a comment\r\n   \r\n\t# indented comment\n  -k\r\nmax-time = 3  # three\r\n");
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].name, "-k");
    EXPECT_EQ(e[0].line, 4u);
    EXPECT_EQ(e[1].value, "3");
    EXPECT_EQ(e[1].line, 5u);
}

TEST(config_file, dashed_names_take_no_separator)
{
    // After a dash, '=' and ':' are part of the value, as in curl.
    auto e = entries_of("--user-agent =x\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].value, "=x");
}

TEST(config_file, unterminated_quote_names_its_line)
{
    const auto bad = error_of("max-time 1\nheader \"X-A: 1\n");
    EXPECT_EQ(bad.line, 2u);
    EXPECT_NE(bad.message.find("unterminated quote"), std::string::npos) << bad.message;
}

TEST(config_file, default_path)
{
    EXPECT_EQ(default_config_path("/x", "/home/u"), "/x/asyncfetch/config");
    EXPECT_EQ(default_config_path("", "/home/u"), "/home/u/.config/asyncfetch/config");
    EXPECT_EQ(default_config_path(nullptr, "/home/u"), "/home/u/.config/asyncfetch/config");
    EXPECT_EQ(default_config_path(nullptr, nullptr), "");
}

TEST(config_file, options_from_a_file)
{
    config_dir dir;
    const auto f = dir.write("c",
                             "header = \"X-A: 1\"\n"
                             "max-time 5\n"
                             "-j 3\n"
                             "silent\n"
                             "url = http://a/\n"
                             "--url http://b/\n");
    auto p = parse({"-K", f.c_str(), "http://c/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->urls, (std::vector<std::string>{"http://a/", "http://b/", "http://c/"}));
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(5000));
    EXPECT_EQ(p.opts->concurrency, 3u);
    EXPECT_TRUE(p.opts->quiet);
    ASSERT_EQ(p.opts->client.request.headers.size(), 1u);
    EXPECT_EQ(p.opts->client.request.headers[0].value, "1");
}

TEST(config_file, the_command_line_wins_and_repeated_options_add_up)
{
    config_dir dir;
    const auto f = dir.write("c", "max-time 5\nheader \"X-File: 1\"\n-o file-out\n");
    // The command line's -m wins even before -K; -H of both, the file's first.
    auto p = parse({"-m", "2", "-K", f.c_str(), "-H", "X-Cli: 2", "-o", "cli-out", "http://a/", "http://b/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(2000));
    ASSERT_EQ(p.opts->client.request.headers.size(), 2u);
    EXPECT_EQ(p.opts->client.request.headers[0].name, "X-File");
    EXPECT_EQ(p.opts->client.request.headers[1].name, "X-Cli");
    ASSERT_EQ(p.opts->client.outputs.size(), 2u);
    EXPECT_EQ(p.opts->client.outputs[0].path, "file-out");
}

TEST(config_file, short_option_clusters_and_attached_values)
{
    config_dir dir;
    const auto f = dir.write("c", "-m4\n-sk\n");
    auto p = parse({"-fK", f.c_str(), "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(4000));
    EXPECT_TRUE(p.opts->quiet);
    EXPECT_FALSE(p.opts->client.verify);
    EXPECT_TRUE(p.opts->client.fail);
    auto attached = parse({(std::string("-K") + f).c_str(), "http://a/"});
    ASSERT_TRUE(attached.opts) << attached.err;
    auto long_eq = parse({(std::string("--config=") + f).c_str(), "http://a/"});
    ASSERT_TRUE(long_eq.opts) << long_eq.err;
    EXPECT_TRUE(long_eq.opts->quiet);
}

TEST(config_file, errors_name_the_file_and_line)
{
    config_dir dir;
    struct bad_case
    {
        const char* text;
        const char* expect;
    };
    for (const auto& c : {bad_case{"max-time 1\nbogus 3\n", ":2: unknown option 'bogus'"},
                          bad_case{"\n\nheader\n", ":3: option 'header' needs a value"},
                          bad_case{"silent yes\n", ":1: option 'silent' takes no value"},
                          bad_case{"-j abc\n", ":1: --concurrency: Value abc not in range"},
                          bad_case{"user-agent \"open\n", ":1: unterminated quote"},
                          bad_case{"-\n", ":1: unknown option '-'"}})
    {
        const auto f = dir.write("bad", c.text);
        auto p = parse({"-K", f.c_str(), "http://a/"});
        EXPECT_FALSE(p.opts) << c.text;
        EXPECT_EQ(p.exit_code, 2);
        EXPECT_NE(p.err.find("asyncfetch: config " + f + c.expect), std::string::npos) << p.err;
    }
}

TEST(config_file, unreadable_files_are_usage_errors)
{
    config_dir dir;
    auto missing = parse({"-K", (dir.path() + "/none").c_str(), "http://a/"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("config " + dir.path() + "/none: No such file or directory"),
              std::string::npos)
        << missing.err;
    auto directory = parse({"-K", dir.path().c_str(), "http://a/"});
    EXPECT_EQ(directory.exit_code, 2);
    EXPECT_NE(directory.err.find("Is a directory"), std::string::npos) << directory.err;
    auto no_name = parse({"http://a/", "-K"});
    EXPECT_EQ(no_name.exit_code, 2);
    EXPECT_NE(no_name.err.find("-K/--config needs a file name"), std::string::npos) << no_name.err;
}

TEST(config_file, reading_stops_at_10_mib)
{
    // An endless file (-K /dev/zero) is refused once past the limit, never read whole.
    auto endless = parse({"-K", "/dev/zero", "http://a/"});
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_NE(endless.err.find("config /dev/zero: larger than 10 MiB (the limit)"), std::string::npos)
        << endless.err;

    // Exactly the limit is read; one byte more is not, from standard input too.
    constexpr std::size_t limit = 10 * 1024 * 1024;
    std::istringstream at_limit(std::string(limit, '\n'));
    const auto read = read_config_file("-", &at_limit);
    ASSERT_TRUE(read.text) << read.error;
    EXPECT_EQ(read.text->size(), limit);
    std::istringstream past_limit(std::string(limit + 1, '\n'));
    const auto refused = read_config_file("-", &past_limit);
    EXPECT_FALSE(refused.text);
    EXPECT_EQ(refused.error, "larger than 10 MiB (the limit)");
}

TEST(config_file, stdin_config)
{
    std::istringstream in("url = http://from-stdin/\nmax-time 9\n");
    config_sources sources;
    sources.stdin_stream = &in;
    auto p = parse({"-K", "-"}, sources);
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->urls, std::vector<std::string>{"http://from-stdin/"});
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(9000));

    std::istringstream bad("nope\n");
    sources.stdin_stream = &bad;
    auto q = parse({"-K", "-", "http://a/"}, sources);
    EXPECT_NE(q.err.find("config <stdin>:1: unknown option 'nope'"), std::string::npos) << q.err;
    auto none = parse({"-K", "-", "http://a/"});
    EXPECT_NE(none.err.find("standard input is not available"), std::string::npos) << none.err;

    // Standard input cannot hold both the options and the URLs.
    std::istringstream options_only("max-time 5\n");
    sources.stdin_stream = &options_only;
    auto shared = parse({"-K", "-", "-i", "-"}, sources);
    EXPECT_EQ(shared.exit_code, 2);
    EXPECT_NE(shared.err.find("cannot share it"), std::string::npos) << shared.err;
}

TEST(config_file, nested_files_are_read_in_place_and_bounded)
{
    config_dir dir;
    const auto inner = dir.write("inner", "max-time 6\n");
    const auto outer = dir.write("outer", "-j 2\nconfig = " + inner + "\n");
    auto p = parse({"-K", outer.c_str(), "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(6000));
    EXPECT_EQ(p.opts->concurrency, 2u);

    const auto loop = dir.write("loop", "\n-K " + dir.path() + "/loop\n");
    auto q = parse({"-K", loop.c_str(), "http://a/"});
    EXPECT_EQ(q.exit_code, 2);
    EXPECT_NE(q.err.find("config " + loop + ":2: config files nested more than 8 deep"), std::string::npos)
        << q.err;
    const auto broken = dir.write("broken", "-K " + dir.path() + "/absent\n");
    auto r = parse({"-K", broken.c_str(), "http://a/"});
    EXPECT_NE(r.err.find("config " + broken + ":1: cannot read config " + dir.path() + "/absent"),
              std::string::npos)
        << r.err;
}

TEST(config_file, the_default_file_and_q_first)
{
    config_dir dir;
    config_sources sources;
    sources.default_file = dir.write("asyncfetch/config", "max-time 4\nurl = http://default/\n");
    auto p = parse({"http://a/"}, sources);
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.timeout, std::chrono::milliseconds(4000));
    EXPECT_EQ(p.opts->urls, (std::vector<std::string>{"http://default/", "http://a/"}));
    EXPECT_FALSE(p.opts->quiet);

    // -q first: the default file is skipped (and -q is still --quiet); --disable first only skips it.
    for (const char* first : {"-q", "--disable"})
    {
        auto skipped = parse({first, "http://a/"}, sources);
        ASSERT_TRUE(skipped.opts) << skipped.err;
        EXPECT_EQ(skipped.opts->client.timeout, std::chrono::milliseconds(30'000));
        EXPECT_EQ(skipped.opts->urls, std::vector<std::string>{"http://a/"});
        EXPECT_EQ(skipped.opts->quiet, std::string_view(first) == "-q");
    }
    // Elsewhere -q is --quiet, and the file is read.
    auto quiet = parse({"http://a/", "-q"}, sources);
    ASSERT_TRUE(quiet.opts) << quiet.err;
    EXPECT_TRUE(quiet.opts->quiet);
    EXPECT_EQ(quiet.opts->client.timeout, std::chrono::milliseconds(4000));

    // A missing default file is no error; a broken one is, with its name and line.
    sources.default_file = dir.path() + "/absent/config";
    EXPECT_TRUE(parse({"http://a/"}, sources).opts);
    sources.default_file = dir.write("broken", "-j 1\nwhat\n");
    auto broken = parse({"http://a/"}, sources);
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_NE(broken.err.find("config " + sources.default_file + ":2: unknown option 'what'"),
              std::string::npos)
        << broken.err;
}

TEST(config_file, every_flag_works_in_a_file)
{
    config_dir dir;
    const auto f = dir.write("c",
                             "compressed\nhttp1.1\nsequential\njson\nmax-redirs = 3\nresolve "
                             "a:80:127.0.0.1\ndata-binary \"x y\"\n");
    auto p = parse({"-K", f.c_str(), "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_TRUE(p.opts->client.compressed);
    EXPECT_EQ(p.opts->client.versions, http_versions::http1_only);
    EXPECT_EQ(p.opts->mode, run_mode::sequential);
    EXPECT_EQ(p.opts->format, output_format::json);
    EXPECT_EQ(p.opts->client.max_redirs, 3u);
    ASSERT_EQ(p.opts->client.resolves.size(), 1u);
    ASSERT_EQ(p.opts->data.size(), 1u);
    EXPECT_EQ(p.opts->data[0].value, "x y");
}

}  // namespace
}  // namespace asyncfetch
