// The curl-compatible flags without a process: -o/-O pairing, -s/-S, -u, aliases, output paths,
// user-info redaction and -u's Authorization field.
#include "asyncfetch/options.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/url.hpp"
#include "must_parse.hpp"
#include "request_head.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::must_parse;

parse_outcome parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), terminal_info{true, false});
}

void expect_usage_error(std::initializer_list<const char*> args, const std::string& why, const char* says)
{
    auto p = parse(args);
    EXPECT_FALSE(p.opts) << why;
    EXPECT_EQ(p.exit_code, 2) << why;
    EXPECT_NE(p.err.find(says), std::string::npos) << why << ": " << p.err;
}

/// The specs as "-o PATH" and "-O" words, for compact comparisons.
std::vector<std::string> words_of(const std::vector<output_spec>& specs)
{
    std::vector<std::string> out;
    out.reserve(specs.size());
    for (const auto& s : specs)
        out.push_back(s.remote_name ? "-O" : "-o " + s.path);
    return out;
}

TEST(options_curl, b_with_equals_is_pairs_without_is_a_file_and_c_names_the_jar)
{
    auto p = parse({"-b", "a=1", "--cookie", " b=2; c=3 ", "-b", "jar.txt", "-b", "", "-c", "out.txt", "u"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.request.cookie, "a=1; b=2; c=3");
    EXPECT_EQ(p.opts->cookie_files, (std::vector<std::string>{"jar.txt", ""}));
    EXPECT_EQ(p.opts->cookie_jar, "out.txt");
    // Parsing reads no file and makes no jar: the engine starts in the run.
    EXPECT_FALSE(p.opts->client.cookies);
    auto none = parse({"u"});
    ASSERT_TRUE(none.opts);
    EXPECT_TRUE(none.opts->client.request.cookie.empty());
    EXPECT_TRUE(none.opts->cookie_files.empty());
    expect_usage_error({"-b", "-", "u"}, "stdin holds the URLs", "standard input");
    expect_usage_error({"-b", "a=1\r\nX: y", "u"}, "a line break", "CR, LF or NUL");
}

TEST(options_curl, o_and_O_keep_their_command_line_order)
{
    auto p = parse({"-o",
                    "a.html",
                    "http://a/1",
                    "-O",
                    "http://a/2",
                    "--output",
                    "-",
                    "--remote-name",
                    "-o",
                    "/dev/null",
                    "http://a/3",
                    "http://a/4",
                    "http://a/5"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(words_of(p.opts->client.outputs),
              (std::vector<std::string>{"-o a.html", "-O", "-o -", "-O", "-o /dev/null"}));
    EXPECT_EQ(p.opts->urls.size(), 5u);
    EXPECT_FALSE(p.opts->client.remote_name_all);

    auto twice = parse({"-O", "-O", "http://a/1", "http://a/2"});
    ASSERT_TRUE(twice.opts) << twice.err;
    EXPECT_EQ(words_of(twice.opts->client.outputs), (std::vector<std::string>{"-O", "-O"}));
}

TEST(options_curl, output_dir_create_dirs_no_clobber_and_remote_name_all)
{
    auto p = parse({"--output-dir", "dl", "--create-dirs", "--no-clobber", "--remote-name-all", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.output_dir, "dl");
    EXPECT_TRUE(p.opts->client.create_dirs);
    EXPECT_TRUE(p.opts->client.no_clobber);
    EXPECT_TRUE(p.opts->client.remote_name_all);
    EXPECT_TRUE(p.opts->client.outputs.empty());
}

TEST(options_curl, o_with_a_directory_path_is_a_usage_error_pointing_at_output_dir)
{
    expect_usage_error({"-o", "pages/", "http://a/"}, "trailing slash", "--output-dir");
    expect_usage_error({"-o", "", "http://a/"}, "empty file name", "--output-dir");
    expect_usage_error({"-o", "/", "http://a/"}, "root", "--output-dir");
}

TEST(options_curl, silent_is_quiet_and_show_error_is_its_own_flag)
{
    for (const char* flag : {"-s", "--silent", "-q"})
    {
        auto p = parse({flag, "http://a/"});
        ASSERT_TRUE(p.opts) << flag << p.err;
        EXPECT_TRUE(p.opts->quiet) << flag;
        EXPECT_FALSE(p.opts->show_error) << flag;
    }
    auto both = parse({"-sS", "http://a/"});
    ASSERT_TRUE(both.opts) << both.err;
    EXPECT_TRUE(both.opts->quiet && both.opts->show_error);
    auto long_form = parse({"--show-error", "http://a/"});
    ASSERT_TRUE(long_form.opts) << long_form.err;
    EXPECT_TRUE(long_form.opts->show_error && !long_form.opts->quiet);
    // The progress line goes with -s as with -q, even on a terminal.
    std::vector<const char*> argv{"asyncfetch", "-s", "http://a/"};
    auto tty = parse_command_line(3, argv.data(), terminal_info{true, true, true});
    ASSERT_TRUE(tty.opts);
    EXPECT_FALSE(tty.opts->progress);
}

TEST(options_curl, user_takes_user_colon_password)
{
    auto p = parse({"-u", "alice:s3cr:et", "--basic", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->client.request.user, "alice:s3cr:et");
    auto empty = parse({"--user", "bob:", "http://a/"});
    ASSERT_TRUE(empty.opts) << empty.err;
    EXPECT_EQ(empty.opts->client.request.user, "bob:");

    expect_usage_error({"-u", "alice", "http://a/"},
                       "no password: asyncfetch never prompts",
                       "USER:PASSWORD");
    expect_usage_error({"-u", "a:b\r\nX: y", "http://a/"}, "CR LF in credentials", "CR, LF");
}

TEST(options_curl, parallel_flags_are_accepted_and_parallel_max_is_j)
{
    auto p = parse({"-Z", "--parallel", "--parallel-max", "7", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->concurrency, 7u);
    EXPECT_EQ(p.opts->mode, run_mode::concurrent);
    auto h11 = parse({"--http1.1", "http://a/"});
    ASSERT_TRUE(h11.opts) << h11.err;
    EXPECT_EQ(h11.opts->client.versions, http_versions::http1_only);
    expect_usage_error({"--parallel-max", "0", "http://a/"}, "zero", "parallel-max");
}

TEST(output_path, nth_output_goes_with_nth_url_and_relative_files_go_under_the_directory)
{
    const std::vector<output_spec> outs = {{false, "a.html"}, {true, {}}, {false, "-"}, {false, "/tmp/abs"}};
    output_names names("dir");
    const url u = must_parse("http://h/x/page.html?q=1");
    EXPECT_EQ(output_path(outs, false, "", 0, u, names), "a.html");
    EXPECT_EQ(output_path(outs, false, "dir", 0, u, names), "dir/a.html");
    EXPECT_EQ(output_path(outs, false, "dir", 1, u, names), "dir/page.html");
    EXPECT_EQ(output_path(outs, false, "dir", 2, u, names), "-");
    EXPECT_EQ(output_path(outs, false, "dir", 3, u, names), "/tmp/abs");
    EXPECT_EQ(output_path(outs, false, "dir", 4, u, names), "") << "past the list: not saved";
    EXPECT_EQ(output_path(outs, true, "dir", 4, u, names), "dir/page.html.1") << "--remote-name-all";
    EXPECT_EQ(output_path({{false, "/dev/null"}}, false, "dir", 0, u, names), "/dev/null");

    output_names here("");
    EXPECT_EQ(output_path({{true, {}}}, false, "", 0, must_parse("http://h/../../etc/passwd"), here),
              "passwd");
    EXPECT_EQ(output_path({}, true, "", 0, must_parse("http://h/"), here), "index.html");
}

TEST(redact_userinfo, drops_credentials_from_every_url_in_a_text)
{
    EXPECT_EQ(redact_userinfo("https://user:pw@host.test/a@b?c@d"), "https://host.test/a@b?c@d");
    EXPECT_EQ(redact_userinfo("http://u:p%40ss@h:8080"), "http://h:8080");
    EXPECT_EQ(redact_userinfo("http://a@b:c@h/"), "http://h/") << "the last '@' of the authority";
    EXPECT_EQ(redact_userinfo("http://user:p w@exa mple.com/"), "http://exa mple.com/") << "invalid URLs too";
    EXPECT_EQ(redact_userinfo("redirect from http://u:p@a/ to https://v:q@b/x refused"),
              "redirect from http://a/ to https://b/x refused");
    EXPECT_EQ(redact_userinfo("http://host/path"), "http://host/path");
    EXPECT_EQ(redact_userinfo("no url at all: x@y"), "no url at all: x@y");
    EXPECT_EQ(redact_userinfo(""), "");
}

TEST(request_head_user, u_sends_basic_to_the_origin_only_and_minus_h_wins)
{
    request_options req;
    req.user = "alice:secret";
    const std::string method = "GET";
    const url u = must_parse("http://urluser:urlpw@example.test/");
    detail::request_head h;
    ASSERT_FALSE(detail::build_request_head(req, {method, u, u}, h));
    EXPECT_EQ(h.authorization, "Basic " + base64_encode("alice:secret")) << "-u replaces the URL's user-info";

    const url other = must_parse("http://elsewhere.test/");
    detail::request_head redirected;
    ASSERT_FALSE(detail::build_request_head(req, {method, other, u}, redirected));
    EXPECT_TRUE(redirected.authorization.empty()) << "never to another origin";
    for (const auto& f : redirected.fields)
        EXPECT_NE(f.name, "Authorization");

    req.headers = {{"Authorization", "Bearer TOKEN", false}};
    detail::request_head explicit_header;
    ASSERT_FALSE(detail::build_request_head(req, {method, u, u}, explicit_header));
    EXPECT_TRUE(explicit_header.authorization.empty());
    int auth_fields = 0;
    for (const auto& f : explicit_header.fields)
        auth_fields += f.name == "Authorization" ? 1 : 0;
    EXPECT_EQ(auth_fields, 1) << "-H Authorization takes precedence over -u";
}

}  // namespace
}  // namespace asyncfetch
