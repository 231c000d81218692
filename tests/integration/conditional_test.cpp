// End to end, the binary against the testbed's /cond resources: --state and -N re-runs transfer only
// what changed, concurrently and with --sequential; the state file's rewrite; config files from
// XDG_CONFIG_HOME and HOME, and -q first.
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::lines_of;
using test::process_result;
using test::temp_dir;

process_result run_cli(const std::vector<std::string>& args) { return test::run_cli(args, {}, 20); }

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

/// The result records of a --json run, in input order.
std::vector<boost::json::object> records_of(const std::string& out)
{
    std::vector<boost::json::object> records;
    for (const auto& line : lines_of(out))
    {
        auto v = boost::json::parse(line).as_object();
        if (v.at("type") == "result")
            records.push_back(std::move(v));
    }
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
        return a.at("index").as_int64() < b.at("index").as_int64();
    });
    return records;
}

std::time_t mtime_of(const std::string& path)
{
    struct stat st
    {
    };
    return ::stat(path.c_str(), &st) == 0 ? st.st_mtime : 0;
}

/// Bumps /cond/NAME to its next version, as another client would.
void bump(const testbed& server, const std::string& name)
{
    const auto r = run_cli({"-q", server.base_url() + "/cond-bump/" + name});
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

class conditional : public ::testing::TestWithParam<bool>
{
protected:
    /// The mode flags of this run: --sequential or none (concurrent).
    std::vector<std::string> mode() const
    {
        return GetParam() ? std::vector<std::string>{"--sequential"} : std::vector<std::string>{"-j", "8"};
    }
    std::vector<std::string> args(std::vector<std::string> more) const
    {
        auto a = mode();
        a.insert(a.end(), more.begin(), more.end());
        return a;
    }
};

TEST_P(conditional, a_second_run_transfers_no_bodies_and_a_changed_resource_comes_again)
{
    testbed server;
    temp_dir dir;
    const std::string state = dir / "state.ndjson";
    const std::string out_dir = dir / "out";
    std::filesystem::create_directory(out_dir);
    std::vector<std::string> urls;
    for (const char* name : {"a", "b", "c", "d"})
        urls.push_back(server.base_url() + "/cond/" + name);
    // One resource sends only its Last-Modified, so If-Modified-Since alone carries it.
    urls.push_back(server.base_url() + "/cond/e?validators=last-modified");
    auto base = args({"--json", "-q", "--state", state, "--output-dir", out_dir, "--remote-name-all"});
    base.insert(base.end(), urls.begin(), urls.end());

    const auto first = run_cli(base);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(server.counters().cond_bodies, 5u);
    const auto firsts = records_of(first.out);
    ASSERT_EQ(firsts.size(), 5u);
    for (const auto& r : firsts)
    {
        EXPECT_EQ(r.at("status"), 200);
        EXPECT_EQ(r.at("not_modified"), false);
    }
    EXPECT_EQ(lines_of(read_file(state)).size(), 5u) << read_file(state);
    // Old times on the files: a rewrite would show as a new time.
    const std::time_t old_time = 1'000'000'000;
    const timespec times[2] = {{old_time, 0}, {old_time, 0}};
    for (const char* name : {"a", "b", "c", "d", "e"})
        ASSERT_EQ(::utimensat(AT_FDCWD, (out_dir + "/" + name).c_str(), times, 0), 0);

    server.clear_requests();
    const auto second = run_cli(base);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(server.counters().cond_bodies, 5u) << "no body the second time";
    const auto seconds = records_of(second.out);
    ASSERT_EQ(seconds.size(), 5u);
    for (const auto& r : seconds)
    {
        EXPECT_EQ(r.at("status"), 304) << r;
        EXPECT_EQ(r.at("not_modified"), true) << r;
        EXPECT_EQ(r.at("bytes"), 0);
        EXPECT_TRUE(r.at("error").is_null());
    }
    for (const char* name : {"a", "b", "c", "d", "e"})
    {
        EXPECT_EQ(read_file(out_dir + "/" + name), std::string(name) + " version 1\n");
        EXPECT_EQ(mtime_of(out_dir + "/" + name), old_time) << name;
    }
    std::size_t with_etag = 0;
    std::size_t with_date = 0;
    for (const auto& req : server.requests())
    {
        with_etag += req.has_header("If-None-Match");
        with_date += req.has_header("If-Modified-Since");
    }
    EXPECT_EQ(with_etag, 4u);
    EXPECT_EQ(with_date, 5u);

    bump(server, "b");
    const auto third = run_cli(base);
    ASSERT_EQ(third.exit_code, 0) << third.err;
    EXPECT_EQ(server.counters().cond_bodies, 6u) << "only the changed resource";
    const auto thirds = records_of(third.out);
    ASSERT_EQ(thirds.size(), 5u);
    EXPECT_EQ(thirds[1].at("status"), 200);
    EXPECT_EQ(thirds[1].at("not_modified"), false);
    EXPECT_EQ(thirds[0].at("status"), 304);
    EXPECT_EQ(read_file(out_dir + "/b"), "b version 2\n");
    EXPECT_NE(read_file(state).find("\\\"b-v2\\\""), std::string::npos) << read_file(state);
}

TEST_P(conditional, timestamping_compares_and_dates_saved_files)
{
    testbed server;
    temp_dir dir;
    const std::string url = server.base_url() + "/cond/t";
    const auto base = args({"-N", "-q", "--json", "--output-dir", dir.path().string(), "-O", url});
    const auto first = run_cli(base);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(server.counters().cond_bodies, 1u);
    // Version 1's Last-Modified: 2020-09-13 12:26:40 GMT.
    EXPECT_EQ(mtime_of(dir / "t"), 1'600'000'000);

    const auto second = run_cli(base);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(server.counters().cond_bodies, 1u);
    const auto seconds = records_of(second.out);
    ASSERT_EQ(seconds.size(), 1u);
    EXPECT_EQ(seconds[0].at("status"), 304);
    EXPECT_EQ(seconds[0].at("not_modified"), true);
    EXPECT_EQ(read_file(dir / "t"), "t version 1\n");
    const auto sent = server.requests().back();
    EXPECT_EQ(sent.header("If-Modified-Since"), "Sun, 13 Sep 2020 12:26:40 GMT");
    EXPECT_FALSE(sent.has_header("If-None-Match"));

    bump(server, "t");
    const auto third = run_cli(base);
    ASSERT_EQ(third.exit_code, 0) << third.err;
    EXPECT_EQ(server.counters().cond_bodies, 2u);
    EXPECT_EQ(read_file(dir / "t"), "t version 2\n");
    EXPECT_EQ(mtime_of(dir / "t"), 1'600'000'000 + 3600);

    // A file that is gone is fetched whole, without a condition.
    std::filesystem::remove(dir / "t");
    const auto fourth = run_cli(base);
    ASSERT_EQ(fourth.exit_code, 0) << fourth.err;
    EXPECT_EQ(server.counters().cond_bodies, 3u);
    EXPECT_FALSE(server.requests().back().has_header("If-Modified-Since"));
}

TEST_P(conditional, state_file_round_trip_keeps_other_entries_and_skips_bad_lines)
{
    testbed server;
    temp_dir dir;
    const std::string state = dir / "state.ndjson";
    const std::string failing = server.base_url() + "/status/503";
    const std::string other = "http://127.0.0.1:9/not-in-this-run";
    {
        std::ofstream f(state);
        f << "{\"url\":\"" << other << "\",\"etag\":\"\\\"o\\\"\"}\n"
          << "this line is broken\n"
          << "{\"url\":\"" << failing << "\",\"etag\":\"\\\"keep\\\"\"}\n";
    }
    const auto r = run_cli(
        args({"-f", "--json", "-q", "--state", state, server.base_url() + "/cond/x", failing}));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("asyncfetch: warning: state file " + state + ":2: not JSON"), std::string::npos)
        << r.err;
    // The failed URL sent its old ETag, and keeps it.
    bool sent_old = false;
    for (const auto& req : server.requests())
        sent_old = sent_old || (req.target == "/status/503" && req.header("If-None-Match") == "\"keep\"");
    EXPECT_TRUE(sent_old);
    const auto lines = lines_of(read_file(state));
    ASSERT_EQ(lines.size(), 3u) << read_file(state);
    std::vector<std::string> urls;
    for (const auto& line : lines)
        urls.push_back(std::string(boost::json::parse(line).as_object().at("url").as_string()));
    EXPECT_EQ(urls, (std::vector<std::string>{server.base_url() + "/cond/x", failing, other}));
    EXPECT_NE(lines[1].find("\\\"keep\\\""), std::string::npos);
    // Rewritten through a temporary file renamed over it: nothing else is left in the directory.
    EXPECT_EQ(dir.entries(), 1u);
}

INSTANTIATE_TEST_SUITE_P(modes, conditional, ::testing::Bool(), [](const auto& info) {
    return info.param ? "sequential" : "concurrent";
});

TEST(conditional_state, unusable_state_files_are_usage_errors)
{
    testbed server;
    temp_dir dir;
    const auto is_dir = run_cli({"--state", dir.path().string(), server.base_url() + "/cond/z"});
    EXPECT_EQ(is_dir.exit_code, 2);
    EXPECT_NE(is_dir.err.find("cannot read state file " + dir.path().string() + ": Is a directory"),
              std::string::npos)
        << is_dir.err;
    // An endless file is refused at the limit instead of filling memory.
    const auto endless = run_cli({"--state", "/dev/zero", server.base_url() + "/cond/z"});
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_NE(endless.err.find("cannot read state file /dev/zero: larger than 256 MiB (the limit)"),
              std::string::npos)
        << endless.err;
    const auto no_dir = run_cli({"--state", dir / "missing/state", server.base_url() + "/cond/z"});
    EXPECT_EQ(no_dir.exit_code, 2);
    EXPECT_NE(no_dir.err.find("cannot write state file"), std::string::npos) << no_dir.err;
    EXPECT_EQ(server.counters().requests, 0u) << "no request before a usage error";
}

TEST(conditional_state, not_modified_over_http2)
{
    testbed_config config;
    config.h2c = true;
    testbed server(config);
    temp_dir dir;
    const std::string state = dir / "state.ndjson";
    const std::vector<std::string> base{"--http2-prior-knowledge",
                                        "--json",
                                        "-q",
                                        "--state",
                                        state,
                                        server.base_url() + "/cond/h1",
                                        server.base_url() + "/cond/h2"};
    ASSERT_EQ(run_cli(base).exit_code, 0);
    const auto second = run_cli(base);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(server.counters().cond_bodies, 2u);
    EXPECT_GE(server.counters().http2_connections, 2u);
    const auto records = records_of(second.out);
    ASSERT_EQ(records.size(), 2u);
    for (const auto& r : records)
    {
        EXPECT_EQ(r.at("http_version"), "2");
        EXPECT_EQ(r.at("status"), 304);
        EXPECT_EQ(r.at("not_modified"), true);
    }
}

/// Sets an environment variable for the children of one test, restoring it afterwards.
class scoped_env
{
public:
    scoped_env(const char* name, const std::string& value) : name_(name)
    {
        if (const char* old = std::getenv(name))
            old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~scoped_env()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(config_default_file, xdg_config_home_then_home_and_q_first_skips_it)
{
    testbed server;
    temp_dir xdg;
    temp_dir home;
    std::filesystem::create_directories(xdg / "asyncfetch");
    std::filesystem::create_directories(home / ".config/asyncfetch");
    xdg.write("asyncfetch/config", "header = \"X-From: xdg\"\nurl = " + server.base_url() + "/echo/xdg\n");
    home.write(".config/asyncfetch/config", "-H \"X-From: home\"\n");
    const std::string url = server.base_url() + "/echo/cli";
    {
        scoped_env x("XDG_CONFIG_HOME", xdg.path().string());
        scoped_env h("HOME", home.path().string());
        const auto r = run_cli({"--sequential", "-w", "%{url}\n", url});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out, server.base_url() + "/echo/xdg\n" + url + "\n");
        for (const auto& req : server.requests())
            EXPECT_EQ(req.header("X-From"), "xdg");

        server.clear_requests();
        const auto skipped = run_cli({"-q", "-w", "%{url}\n", url});
        ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
        EXPECT_EQ(skipped.out, url + "\n");
        ASSERT_EQ(server.requests().size(), 1u);
        EXPECT_FALSE(server.requests()[0].has_header("X-From"));
    }
    {
        scoped_env x("XDG_CONFIG_HOME", "");
        scoped_env h("HOME", home.path().string());
        server.clear_requests();
        const auto r = run_cli({"-q", "--json", url, "-H", "X-Cli: 1"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        ASSERT_EQ(server.requests().size(), 1u);
        EXPECT_FALSE(server.requests()[0].has_header("X-From")) << "-q first";
        server.clear_requests();
        const auto read = run_cli({"--json", "-q", url});
        ASSERT_EQ(read.exit_code, 0) << read.err;
        ASSERT_EQ(server.requests().size(), 1u);
        EXPECT_EQ(server.requests()[0].header("X-From"), "home");
    }
    {
        scoped_env x("XDG_CONFIG_HOME", xdg.path().string());
        xdg.write("asyncfetch/config", "-j 2\nno-such-option\n");
        const auto broken = run_cli({url});
        EXPECT_EQ(broken.exit_code, 2);
        EXPECT_NE(broken.err.find("asyncfetch: config " + (xdg / "asyncfetch/config") +
                                  ":2: unknown option 'no-such-option'"),
                  std::string::npos)
            << broken.err;
    }
}

TEST(config_file_cli, dash_k_from_stdin)
{
    testbed server;
    const auto r = test::run_cli({"-K", "-", "-w", "%{http_code}\n"},
                                 "url = " + server.base_url() + "/status/201\n--max-time 5\n",
                                 20);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "201\n");
}

}  // namespace
}  // namespace asyncfetch
