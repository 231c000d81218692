// End to end, the binary against the testbed: curl's -o/-O/--output-dir/--create-dirs, --no-clobber,
// -s/-S, -u, and no credential in any output.
#include "asyncfetch/testbed.hpp"
#include "asyncfetch/url.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

namespace fs = std::filesystem;
using test::lines_of;
using test::process_result;
using test::temp_dir;

process_result run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {})
{
    return test::run_cli(args, stdin_text, 20);
}

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
}

/// The NDJSON objects of a --json run: results, then the summary last.
std::vector<boost::json::object> json_lines(const std::string& out)
{
    std::vector<boost::json::object> objects;
    for (const auto& line : lines_of(out))
    {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        EXPECT_FALSE(ec) << line;
        if (!ec && v.is_object())
            objects.push_back(std::move(v.as_object()));
    }
    return objects;
}

/// A string field, or a marker that equals no expected text.
std::string text_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string())
                                          : "<" + std::string(key) + " not a string>";
}

/// The result object with this index, or an empty object (which fails the test).
boost::json::object result_at(const std::vector<boost::json::object>& objects, std::int64_t index)
{
    for (const auto& o : objects)
        if (text_of(o, "type") == "result" && o.at("index").to_number<std::int64_t>() == index)
            return o;
    ADD_FAILURE() << "no result with index " << index;
    return {};
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

TEST(curl_output, o_file_pairs_with_urls_in_order_concurrently_and_sequentially)
{
    testbed server;
    const std::string b = server.base_url();
    for (const char* mode : {"--keep-order", "--sequential"})
    {
        SCOPED_TRACE(mode);
        temp_dir dir;
        const auto p = run_cli({mode,
                                "--json",
                                "-o",
                                dir / "first",
                                b + "/echo/one",
                                "-o",
                                dir / "second",
                                b + "/bytes/20000",
                                b + "/bytes/7"});
        ASSERT_EQ(p.exit_code, 0) << p.err;
        EXPECT_TRUE(read_file(dir / "first").starts_with("GET /echo/one\n")) << read_file(dir / "first");
        EXPECT_EQ(fs::file_size(dir / "second"), 20000u);
        EXPECT_EQ(dir.entries(), 2u) << "the third URL has no -o: not saved";
        const auto lines = json_lines(p.out);
        EXPECT_EQ(text_of(result_at(lines, 0), "file"), dir / "first");
        EXPECT_EQ(text_of(result_at(lines, 1), "file"), dir / "second");
        EXPECT_TRUE(result_at(lines, 2).at("file").is_null());
        EXPECT_EQ(result_at(lines, 2).at("bytes").to_number<int>(), 7);
    }
}

TEST(curl_output, a_url_that_fails_before_its_body_reports_no_file)
{
    testbed server;
    temp_dir dir;
    const auto p = run_cli({"--json",
                            "--keep-order",
                            "-f",
                            "-o",
                            dir / "refused",
                            "http://127.0.0.1:1/x",
                            "-o",
                            dir / "404",
                            server.base_url() + "/status/404",
                            "-o",
                            "-",
                            "http://127.0.0.1:1/y"});
    EXPECT_EQ(p.exit_code, 1);
    // With -o - the records go to stderr, among the summary's text lines.
    std::string records;
    for (const auto& line : lines_of(p.err))
        if (line.starts_with("{"))
            records += line + "\n";
    const auto lines = json_lines(records);
    for (std::int64_t i = 0; i < 3; ++i)
    {
        const auto r = result_at(lines, i);
        EXPECT_FALSE(r.empty());
        EXPECT_TRUE(r.contains("file") && r.at("file").is_null()) << boost::json::serialize(r);
    }
    EXPECT_EQ(dir.entries(), 0u) << "no file for a failure, nor for --fail's 404";
}

TEST(curl_output, o_dash_writes_only_the_body_to_stdout)
{
    testbed server;
    const auto p = run_cli({"-o", "-", server.base_url() + "/echo/to-stdout"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_TRUE(p.out.starts_with("GET /echo/to-stdout\n")) << p.out;
    EXPECT_FALSE(contains(p.out, "\t200\t") || contains(p.out, "200\t")) << "no record among the bytes";
    EXPECT_TRUE(contains(p.err, server.base_url() + "/echo/to-stdout"))
        << "the record moves to stderr: " << p.err;
    EXPECT_TRUE(contains(p.err, "1 URL: 1 ok")) << p.err;

    const auto silent = run_cli({"-s", "-o", "-", server.base_url() + "/bytes/300"});
    ASSERT_EQ(silent.exit_code, 0) << silent.err;
    EXPECT_EQ(silent.out.size(), 300u);
    EXPECT_FALSE(contains(silent.err, "URL: ")) << "no summary with -s: " << silent.err;
}

TEST(curl_output, o_dev_null_discards_and_counts)
{
    testbed server;
    const auto p = run_cli({"--json", "-o", "/dev/null", server.base_url() + "/bytes/100000"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto lines = json_lines(p.out);
    ASSERT_EQ(lines.size(), 2u) << p.out;
    EXPECT_EQ(lines[0].at("bytes").to_number<int>(), 100000);
    EXPECT_EQ(text_of(lines[0], "file"), "/dev/null");
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(curl_output, remote_name_and_relative_o_go_under_output_dir)
{
    testbed server;
    const std::string b = server.base_url();
    temp_dir dir;
    const auto p = run_cli({"--output-dir",
                            dir.path().string(),
                            "-O",
                            b + "/echo/page.html?x=1",
                            "-o",
                            "rel.txt",
                            b + "/bytes/5",
                            "--remote-name",
                            b + "/echo/page.html",
                            b + "/bytes/9"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_TRUE(read_file(dir / "page.html").starts_with("GET /echo/page.html?x=1\n"));
    EXPECT_EQ(fs::file_size(dir / "rel.txt"), 5u);
    EXPECT_TRUE(read_file(dir / "page.html.1").starts_with("GET /echo/page.html\n")) << "repeats get .1";
    EXPECT_EQ(dir.entries(), 3u) << "the fourth URL has no -O";
}

TEST(curl_output, remote_name_all_saves_every_url)
{
    testbed server;
    const std::string b = server.base_url();
    temp_dir dir;
    const auto p = run_cli({"--remote-name-all",
                            "--output-dir",
                            dir.path().string(),
                            b + "/bytes/1",
                            b + "/bytes/1",
                            b + "/bytes/22"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(fs::file_size(dir / "1"), 1u);
    EXPECT_EQ(fs::file_size(dir / "1.1"), 1u);
    EXPECT_EQ(fs::file_size(dir / "22"), 22u);
    EXPECT_EQ(dir.entries(), 3u);
}

TEST(curl_output, create_dirs_makes_missing_directories)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/4";
    temp_dir dir;

    const auto missing = run_cli({"--output-dir", dir / "a/b", "-O", url});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_TRUE(contains(missing.err, "--create-dirs")) << missing.err;
    EXPECT_EQ(missing.out, "");
    EXPECT_FALSE(fs::exists(dir / "a"));

    const auto made = run_cli({"--create-dirs", "--output-dir", dir / "a/b", "-O", url});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_EQ(fs::file_size(dir / "a/b/4"), 4u);

    const auto no_parent = run_cli({"-o", dir / "x/y/z.bin", url});
    EXPECT_EQ(no_parent.exit_code, 1) << "without --create-dirs the file cannot be made";
    EXPECT_TRUE(contains(no_parent.out, "cannot write")) << no_parent.out;
    const auto parent = run_cli({"--create-dirs", "-o", dir / "x/y/z.bin", url});
    ASSERT_EQ(parent.exit_code, 0) << parent.err;
    EXPECT_EQ(fs::file_size(dir / "x/y/z.bin"), 4u);
}

TEST(curl_output, no_clobber_keeps_the_file_and_skips_the_url)
{
    testbed server;
    const std::string b = server.base_url();
    temp_dir dir;
    write_file(dir / "kept", "old contents");
    const auto p = run_cli({"--json",
                            "--no-clobber",
                            "-o",
                            dir / "kept",
                            b + "/echo/must-not-be-fetched",
                            "-o",
                            dir / "new",
                            b + "/bytes/6"});
    EXPECT_EQ(p.exit_code, 0) << "a skipped URL is not a failure: " << p.err;
    EXPECT_EQ(read_file(dir / "kept"), "old contents");
    EXPECT_EQ(fs::file_size(dir / "new"), 6u);
    for (const auto& r : server.requests())
        EXPECT_FALSE(contains(r.target, "must-not-be-fetched")) << "the skipped URL was requested";
    const auto lines = json_lines(p.out);
    const auto skipped = result_at(lines, 0);
    EXPECT_EQ(text_of(skipped, "error_kind"), "skipped");
    EXPECT_TRUE(skipped.at("status").is_null());
    EXPECT_TRUE(contains(text_of(skipped, "error"), "--no-clobber"));
    EXPECT_TRUE(result_at(lines, 1).at("error_kind").is_null());
    ASSERT_FALSE(lines.empty());
    const auto& summary = lines.back();
    EXPECT_EQ(summary.at("failed").to_number<int>(), 0);
    EXPECT_EQ(summary.at("ok").to_number<int>(), 1);
    EXPECT_EQ(summary.at("skipped").to_number<int>(), 1);
    EXPECT_TRUE(contains(p.err, "2 URLs: 1 ok, 0 failed, 1 skipped")) << p.err;

    // -O names too, and tsv says why in the error column.
    write_file(dir / "3", "x");
    const auto tsv = run_cli({"--no-clobber", "--output-dir", dir.path().string(), "-O", b + "/bytes/3"});
    EXPECT_EQ(tsv.exit_code, 0) << tsv.err;
    EXPECT_EQ(read_file(dir / "3"), "x");
    EXPECT_TRUE(contains(tsv.out, "not fetched: " + (dir / "3") + " exists (--no-clobber)")) << tsv.out;
}

TEST(curl_output, o_naming_a_directory_is_a_usage_error)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/1";
    temp_dir dir;
    for (const std::string& target : {dir.path().string() + "/", dir.path().string()})
    {
        SCOPED_TRACE(target);
        const auto p = run_cli({"-o", target, url});
        EXPECT_EQ(p.exit_code, 2);
        EXPECT_EQ(p.out, "");
        EXPECT_TRUE(contains(p.err, "--output-dir")) << p.err;
    }
    EXPECT_EQ(server.counters().requests, 0u);
}

TEST(curl_output, o_pairs_across_arguments_and_input_file_and_extra_outputs_warn)
{
    testbed server;
    const std::string b = server.base_url();
    temp_dir dir;
    write_file(dir / "urls", b + "/bytes/11\n");
    const auto p = run_cli(
        {"-o", dir / "from-arg", "-o", dir / "from-file", "-i", dir / "urls", b + "/bytes/10"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(fs::file_size(dir / "from-arg"), 10u);
    EXPECT_EQ(fs::file_size(dir / "from-file"), 11u) << "arguments first, then the -i file";
    EXPECT_FALSE(contains(p.err, "more output options"));

    const auto extra = run_cli({"-o", dir / "one", "-o", dir / "two", b + "/bytes/1"});
    EXPECT_EQ(extra.exit_code, 0) << extra.err;
    EXPECT_TRUE(contains(extra.err, "warning: got more output options (-o, -O) than URLs")) << extra.err;
    EXPECT_FALSE(fs::exists(dir / "two"));
}

TEST(curl_output, silent_hides_everything_but_show_error_keeps_url_errors)
{
    testbed server;
    const std::string good = server.base_url() + "/bytes/1";
    const std::string bad = "http://127.0.0.1:1/refused";

    const auto loud = run_cli({good, bad});
    EXPECT_EQ(loud.exit_code, 1);
    EXPECT_TRUE(contains(loud.err, "2 URLs: 1 ok, 1 failed")) << loud.err;

    const auto silent = run_cli({"-s", good, bad});
    EXPECT_EQ(silent.exit_code, 1);
    EXPECT_EQ(silent.err, "");
    EXPECT_EQ(lines_of(silent.out).size(), 2u) << "records are still printed: " << silent.out;

    for (const std::vector<std::string>& flags :
         {std::vector<std::string>{"-s", "-S"}, {"-sS"}, {"--silent", "--show-error"}})
    {
        SCOPED_TRACE(flags.front());
        auto args = flags;
        args.insert(args.end(), {good, bad});
        const auto p = run_cli(args);
        EXPECT_EQ(p.exit_code, 1);
        const auto err = lines_of(p.err);
        ASSERT_EQ(err.size(), 1u) << p.err;
        EXPECT_TRUE(err[0].starts_with("asyncfetch: " + bad + ": connect: ")) << err[0];
        EXPECT_EQ(lines_of(p.out).size(), 2u);
    }
}

TEST(curl_output, user_sends_basic_credentials)
{
    testbed server;
    const std::string url = server.base_url() + "/basic-auth?user=alice&password=open%20sesame";
    const auto ok = run_cli({"-f", "--basic", "-u", "alice:open sesame", url});
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    EXPECT_TRUE(contains(ok.out, "200\t")) << ok.out;

    const auto wrong = run_cli({"-f", "-u", "alice:nope", url});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_TRUE(contains(wrong.out, "401\t")) << wrong.out;

    const auto none = run_cli({"-f", url});
    EXPECT_EQ(none.exit_code, 1) << "the endpoint does check";

    const auto missing_password = run_cli({"-u", "alice", url});
    EXPECT_EQ(missing_password.exit_code, 2);
    EXPECT_TRUE(contains(missing_password.err, "USER:PASSWORD")) << missing_password.err;
}

TEST(curl_output, no_output_ever_shows_a_password_or_token)
{
    testbed server;
    const std::string b = server.base_url();
    const std::string secret = "Pw5ecretXq";
    const std::string token = "T0kenZz9Yw";
    const std::string port = b.substr(b.rfind(':') + 1);
    const std::string with_creds = "http://bob:" + secret + "@127.0.0.1:" + port;
    // A redirect to a URL with user-info, spelled percent-encoded in the query so that only the
    // Location header carries the secret in clear.
    std::string encoded;
    for (char c : with_creds + "/bytes/3")
    {
        static constexpr char hex[] = "0123456789ABCDEF";
        encoded += '%';
        encoded += hex[static_cast<unsigned char>(c) >> 4];
        encoded += hex[static_cast<unsigned char>(c) & 15];
    }
    const std::vector<std::string> urls = {with_creds + "/echo/a",
                                           "http://bob:" + secret + "@127.0.0.1:1/refused",
                                           "http://bob:" + secret + "@exa mple.com/",
                                           b + "/redirect-to?url=" + encoded};
    const std::vector<std::vector<std::string>> credential_args = {
        {"-u", "alice:" + secret},
        {"-H", "Authorization: Bearer " + token},
        {"-x", "http://proxyuser:" + secret + "@127.0.0.1:" + port, "--noproxy", "127.0.0.1"},
        {}};
    auto expect_clean = [&](const std::string& what, const std::string& text) {
        EXPECT_FALSE(contains(text, secret)) << what << ":\n" << text;
        EXPECT_FALSE(contains(text, token)) << what << ":\n" << text;
        EXPECT_FALSE(contains(text, "bob:")) << what << ":\n" << text;
        EXPECT_FALSE(contains(text, base64_encode("alice:" + secret))) << what << ":\n" << text;
        EXPECT_FALSE(contains(text, base64_encode("bob:" + secret))) << what << ":\n" << text;
    };
    temp_dir dir;
    for (const auto& creds : credential_args)
        for (const char* format : {"tsv", "json", "table"})
        {
            SCOPED_TRACE(std::string(format) + (creds.empty() ? "" : " " + creds[0]));
            std::vector<std::string> args = {"--format", format, "--stats", "-S", "--keep-order"};
            args.insert(args.end(), creds.begin(), creds.end());
            args.insert(args.end(), urls.begin(), urls.end());
            const auto p = run_cli(args);
            EXPECT_EQ(p.exit_code, 1) << "two URLs fail: " << p.err;
            EXPECT_TRUE(contains(p.out, "127.0.0.1:" + port + "/echo/a")) << "the URL is still shown";
            expect_clean("stdout", p.out);
            expect_clean("stderr", p.err);
        }

    const auto cmp = run_cli({"--compare",
                              "--json",
                              "--stats",
                              "-S",
                              "-u",
                              "alice:" + secret,
                              "--export-json",
                              dir / "c.json",
                              "--export-markdown",
                              dir / "c.md",
                              urls[0],
                              urls[1],
                              urls[3]});
    EXPECT_EQ(cmp.exit_code, 1) << cmp.err;
    expect_clean("stdout", cmp.out);
    expect_clean("stderr", cmp.err);
    ASSERT_TRUE(fs::exists(dir / "c.json") && fs::exists(dir / "c.md"));
    expect_clean("--export-json", read_file(dir / "c.json"));
    expect_clean("--export-markdown", read_file(dir / "c.md"));

    const auto bad_proxy = run_cli({"-x", "socks4://carol:" + secret + "@127.0.0.1:9", urls[0]});
    EXPECT_EQ(bad_proxy.exit_code, 2);
    EXPECT_TRUE(contains(bad_proxy.err, "invalid proxy URL")) << bad_proxy.err;
    expect_clean("stderr of a bad proxy", bad_proxy.err + bad_proxy.out);
    const auto no_socks = run_cli({"-v", "-S", "-x", "socks5://carol:" + secret + "@127.0.0.1:9", urls[0]});
    EXPECT_EQ(no_socks.exit_code, 1) << no_socks.err;
    expect_clean("output of an unreachable SOCKS5 proxy", no_socks.err + no_socks.out);

    // The credentials still went where they belong: the URL's, then -u's in its place.
    bool url_credentials_sent = false;
    bool user_credentials_sent = false;
    for (const auto& r : server.requests())
    {
        url_credentials_sent = url_credentials_sent ||
                               r.header("authorization") == "Basic " + base64_encode("bob:" + secret);
        user_credentials_sent = user_credentials_sent ||
                                r.header("authorization") == "Basic " + base64_encode("alice:" + secret);
    }
    std::string seen;
    for (const auto& r : server.requests())
        seen += r.target + " " + r.header("authorization") + "\n";
    EXPECT_TRUE(url_credentials_sent) << seen;
    EXPECT_TRUE(user_credentials_sent) << seen;
}

}  // namespace
}  // namespace asyncfetch
