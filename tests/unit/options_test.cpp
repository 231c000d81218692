// Command-line parsing from argument vectors: defaults, each flag, and usage errors (exit 2).
#include "asyncfetch/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

parse_outcome parse(std::initializer_list<const char*> args, terminal_info term = {true, false})
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), term);
}

TEST(options, defaults)
{
    auto p = parse({"http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    const options& o = *p.opts;
    EXPECT_EQ(o.urls, std::vector<std::string>{"http://a/"});
    EXPECT_EQ(o.concurrency, 50u);
    EXPECT_EQ(o.effective_per_host(), 50u);
    EXPECT_EQ(o.mode, run_mode::concurrent);
    EXPECT_EQ(o.format, output_format::tsv);
    EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(o.timeout, std::chrono::milliseconds(30'000));
    EXPECT_FALSE(o.keep_order || o.quiet || o.fail || o.insecure);
    EXPECT_EQ(o.request.method, "GET");
    EXPECT_TRUE(o.input.empty());
}

TEST(options, table_is_the_default_on_a_terminal)
{
    auto p = parse({"http://a/"}, {true, true});
    ASSERT_TRUE(p.opts);
    EXPECT_EQ(p.opts->format, output_format::table);
    auto forced = parse({"--format", "tsv", "http://a/"}, {true, true});
    ASSERT_TRUE(forced.opts);
    EXPECT_EQ(forced.opts->format, output_format::tsv);
}

TEST(options, every_flag)
{
    auto p = parse({"-j",  "8",      "--per-host", "2",  "--sequential", "--keep-order", "--json",
                    "-q",  "--fail", "-k",         "-I", "--cacert",     "ca.pem",       "--connect-timeout",
                    "1.5", "-m",     "0.25",       "-i", "list.txt",     "http://a/",    "https://b/"});
    ASSERT_TRUE(p.opts) << p.err;
    const options& o = *p.opts;
    EXPECT_EQ(o.concurrency, 8u);
    EXPECT_EQ(o.effective_per_host(), 2u);
    EXPECT_EQ(o.mode, run_mode::sequential);
    EXPECT_TRUE(o.keep_order);
    EXPECT_EQ(o.format, output_format::json);
    EXPECT_TRUE(o.quiet && o.fail && o.insecure);
    EXPECT_EQ(o.request.method, "HEAD");
    EXPECT_EQ(o.cacert, "ca.pem");
    EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(o.timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(o.input, "list.txt");
    EXPECT_EQ(o.urls.size(), 2u);
}

TEST(options, long_spellings)
{
    auto p = parse({"--concurrency",
                    "3",
                    "--max-time",
                    "2",
                    "--compare",
                    "--format",
                    "json",
                    "--input",
                    "-",
                    "--insecure",
                    "--quiet"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->concurrency, 3u);
    EXPECT_EQ(p.opts->timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(p.opts->mode, run_mode::compare);
    EXPECT_EQ(p.opts->format, output_format::json);
    EXPECT_EQ(p.opts->input, "-");
    auto t = parse({"--timeout", "4", "http://a/"});
    ASSERT_TRUE(t.opts);
    EXPECT_EQ(t.opts->timeout, std::chrono::milliseconds(4000));
}

TEST(options, stdin_is_read_when_no_url_and_not_a_terminal)
{
    auto p = parse({}, {false, false});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->input, "-");
}

TEST(options, help_and_version_exit_zero_with_text)
{
    auto h = parse({"--help"});
    EXPECT_FALSE(h.opts);
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("--concurrency"), std::string::npos);
    EXPECT_NE(h.out.find("Examples:"), std::string::npos);
    EXPECT_NE(h.out.find("Exit status"), std::string::npos);
    auto v = parse({"--version"});
    EXPECT_FALSE(v.opts);
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out, std::string("asyncfetch ") + ASYNCFETCH_VERSION + "\n");
}

class usage_error : public ::testing::TestWithParam<std::vector<const char*>>
{
};

TEST_P(usage_error, exits_2_with_a_message)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), GetParam().begin(), GetParam().end());
    auto p = parse_command_line(static_cast<int>(argv.size()), argv.data(), {true, false});
    EXPECT_FALSE(p.opts);
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_EQ(p.err.rfind("asyncfetch: ", 0), 0u) << p.err;
    EXPECT_TRUE(p.out.empty());
}

INSTANTIATE_TEST_SUITE_P(cases,
                         usage_error,
                         ::testing::Values(std::vector<const char*>{},  // no URL, stdin is a terminal
                                           std::vector<const char*>{"-j", "0", "http://a/"},
                                           std::vector<const char*>{"-j", "many", "http://a/"},
                                           std::vector<const char*>{"--per-host", "0", "http://a/"},
                                           std::vector<const char*>{"--format", "xml", "http://a/"},
                                           std::vector<const char*>{"--json", "--format", "tsv", "http://a/"},
                                           std::vector<const char*>{"--sequential", "--compare", "http://a/"},
                                           std::vector<const char*>{"-m", "0", "http://a/"},
                                           std::vector<const char*>{"-m", "-1", "http://a/"},
                                           std::vector<const char*>{"--connect-timeout", "nan", "http://a/"},
                                           std::vector<const char*>{"--no-such-flag", "http://a/"}));

}  // namespace
}  // namespace asyncfetch
