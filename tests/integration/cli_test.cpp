// End to end: the built asyncfetch binary run as a process against the testbed, checked by its output.
#include "asyncfetch/options.hpp"
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::lines_of;
using test::process_result;
using test::run_process;
using test::temp_file;

const std::string asyncfetch_bin = ASYNCFETCH_BIN;
const std::string testbed_bin = ASYNCFETCH_TESTBED_BIN;

/// Runs the asyncfetch binary with args, stdin_text on its stdin (a file, so never a terminal).
process_result run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {})
{
    return test::run_cli(args, stdin_text, 20);
}

/// A numeric field; a missing or non-numeric field fails the test and reads as -1.
std::int64_t int_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number())
    {
        ADD_FAILURE() << "\"" << key << "\" is not a number in " << boost::json::serialize(o);
        return -1;
    }
    return v->to_number<std::int64_t>();
}

double number_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number())
    {
        ADD_FAILURE() << "\"" << key << "\" is not a number in " << boost::json::serialize(o);
        return -1;
    }
    return v->to_number<double>();
}

/// A string field, or a marker that cannot equal any expected text.
std::string text_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string())
        return "<" + std::string(key) + " missing or not a string>";
    return std::string(v->as_string());
}

/// True when the field is present and null.
bool is_null(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_null();
}

/// The NDJSON lines of a --json run, parsed; a line that is not a JSON object fails the test.
std::vector<boost::json::object> parse_ndjson(const std::string& out)
{
    std::vector<boost::json::object> objects;
    for (const auto& line : lines_of(out))
    {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        EXPECT_FALSE(ec) << "not JSON: " << line;
        EXPECT_TRUE(v.is_object()) << "not an object: " << line;
        if (!ec && v.is_object())
            objects.push_back(std::move(v.as_object()));
    }
    return objects;
}

/// The result objects of a --json run, by index, and its final summary object.
struct json_run
{
    std::vector<boost::json::object> results;  // in output order
    boost::json::object summary;
};

json_run split_json(const std::string& out)
{
    json_run run;
    auto objects = parse_ndjson(out);
    if (objects.empty())
    {
        ADD_FAILURE() << "no JSON lines in: " << out;
        return run;
    }
    for (std::size_t i = 0; i + 1 < objects.size(); ++i)
    {
        EXPECT_EQ(text_of(objects[i], "type"), "result") << boost::json::serialize(objects[i]);
        run.results.push_back(std::move(objects[i]));
    }
    EXPECT_EQ(text_of(objects.back(), "type"), "summary") << "the summary is the last line";
    run.summary = std::move(objects.back());
    return run;
}

/// Reads lines from a child's stdout through a pipe; kills the child if the test ends first.
class spawned_process
{
public:
    explicit spawned_process(const std::vector<std::string>& args)
    {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        read_fd_ = fds[0];
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        const int rc = test::spawn(args, actions, pid_);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (rc != 0)
        {
            close(read_fd_);
            throw std::runtime_error("posix_spawn failed for " + args[0]);
        }
    }

    ~spawned_process()
    {
        if (pid_ > 0)
        {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(read_fd_);
    }

    spawned_process(const spawned_process&) = delete;
    spawned_process& operator=(const spawned_process&) = delete;

    /// The next stdout line without its '\n', or nullopt on EOF or after timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;)
        {
            if (auto nl = pending_.find('\n'); nl != std::string::npos)
            {
                std::string line = pending_.substr(0, nl);
                pending_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return std::nullopt;
            pollfd p{read_fd_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char buf[512];
            const ssize_t n = read(read_fd_, buf, sizeof buf);
            if (n <= 0)
                return std::nullopt;
            pending_.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Sends sig and waits up to timeout for the exit; the exit code, 128+signal, or -1 if it lives on.
    int signal_and_wait(int sig, std::chrono::milliseconds timeout)
    {
        kill(pid_, sig);
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        while (waitpid(pid_, &status, WNOHANG) != pid_)
        {
            if (std::chrono::steady_clock::now() > deadline)
                return -1;
            usleep(10'000);
        }
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    /// The child's process id (0 once it was waited for).
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = 0;
    int read_fd_ = -1;
    std::string pending_;
};

TEST(cli, urls_on_stdin_with_json_give_one_result_each_and_a_summary)
{
    testbed server;
    const std::vector<std::uint64_t> sizes = {0, 1, 100, 4096, 65536, 100'000};
    std::vector<std::string> urls;
    std::string input;
    for (auto n : sizes)
    {
        urls.push_back(server.base_url() + "/bytes/" + std::to_string(n));
        input += urls.back() + "\n";
    }

    const auto p = run_cli({"--json"}, input);

    EXPECT_EQ(p.exit_code, 0) << p.err;
    const auto run = split_json(p.out);
    ASSERT_EQ(run.results.size(), sizes.size()) << p.out;
    std::set<std::int64_t> seen;
    for (const auto& r : run.results)
    {
        SCOPED_TRACE(boost::json::serialize(r));
        const auto index = int_of(r, "index");
        ASSERT_GE(index, 0);
        ASSERT_LT(index, static_cast<std::int64_t>(sizes.size()));
        EXPECT_TRUE(seen.insert(index).second) << "index " << index << " twice";
        const auto i = static_cast<std::size_t>(index);
        EXPECT_EQ(text_of(r, "url"), urls[i]);
        EXPECT_EQ(int_of(r, "status"), 200);
        EXPECT_EQ(int_of(r, "bytes"), static_cast<std::int64_t>(sizes[i]));
        EXPECT_GE(number_of(r, "time_ms"), 0.0);
        EXPECT_LE(number_of(r, "ttfb_ms"), number_of(r, "time_ms"));
        EXPECT_TRUE(r.contains("reused") && r.at("reused").is_bool());
        EXPECT_TRUE(is_null(r, "error"));
        EXPECT_TRUE(is_null(r, "error_kind"));
    }
    std::uint64_t total = 0;
    for (auto n : sizes)
        total += n;
    EXPECT_EQ(int_of(run.summary, "count"), static_cast<std::int64_t>(sizes.size()));
    EXPECT_EQ(int_of(run.summary, "ok"), static_cast<std::int64_t>(sizes.size()));
    EXPECT_EQ(int_of(run.summary, "failed"), 0);
    EXPECT_EQ(int_of(run.summary, "bytes"), static_cast<std::int64_t>(total));
    EXPECT_GT(number_of(run.summary, "elapsed_ms"), 0.0);
    EXPECT_FALSE(run.summary.contains("speedup")) << "only --compare reports a speedup";
    EXPECT_NE(p.err.find("6 URLs: 6 ok, 0 failed"), std::string::npos) << p.err;
}

TEST(cli, input_file_skips_comments_and_blank_lines)
{
    testbed server;
    const std::string a = server.base_url() + "/bytes/10";
    const std::string b = server.base_url() + "/bytes/20";
    temp_file list("# a comment\n\n   \n  " + a + "  \n\t# indented comment\r\n" + b + "\r\n\n# the end\n");

    const auto p = run_cli({"--json", "--keep-order", "-i", list.path()});

    EXPECT_EQ(p.exit_code, 0) << p.err;
    const auto run = split_json(p.out);
    ASSERT_EQ(run.results.size(), 2u) << p.out;
    EXPECT_EQ(text_of(run.results[0], "url"), a);
    EXPECT_EQ(int_of(run.results[0], "bytes"), 10);
    EXPECT_EQ(text_of(run.results[1], "url"), b);
    EXPECT_EQ(int_of(run.results[1], "bytes"), 20);
    EXPECT_EQ(int_of(run.summary, "count"), 2);
}

TEST(cli, invalid_url_among_good_ones_is_exactly_one_failed_result)
{
    testbed server;
    const std::vector<std::string> urls = {server.base_url() + "/bytes/5",
                                           "http://exa mple.com/",
                                           server.base_url() + "/bytes/7"};

    const auto p = run_cli({"--json", "--keep-order", urls[0], urls[1], urls[2]});

    EXPECT_EQ(p.exit_code, 1) << p.err;
    const auto run = split_json(p.out);
    ASSERT_EQ(run.results.size(), 3u) << p.out;
    std::size_t failures = 0;
    for (std::size_t i = 0; i < run.results.size(); ++i)
    {
        const auto& r = run.results[i];
        SCOPED_TRACE(boost::json::serialize(r));
        EXPECT_EQ(int_of(r, "index"), static_cast<std::int64_t>(i));
        EXPECT_EQ(text_of(r, "url"), urls[i]);
        if (!is_null(r, "error_kind"))
            ++failures;
    }
    EXPECT_EQ(failures, 1u);
    EXPECT_EQ(text_of(run.results[1], "error_kind"), "invalid_url");
    EXPECT_TRUE(is_null(run.results[1], "status"));
    EXPECT_NE(text_of(run.results[1], "error"), "") << "a failure has a message";
    EXPECT_EQ(int_of(run.results[1], "bytes"), 0);
    EXPECT_EQ(int_of(run.results[0], "status"), 200);
    EXPECT_EQ(int_of(run.results[2], "status"), 200);
    EXPECT_EQ(int_of(run.summary, "ok"), 2);
    EXPECT_EQ(int_of(run.summary, "failed"), 1);
}

TEST(cli, all_good_exits_zero_with_a_summary_on_stderr)
{
    testbed server;

    const auto p = run_cli({server.base_url() + "/bytes/1", server.base_url() + "/status/204"});

    EXPECT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(lines_of(p.out).size(), 2u) << p.out;
    EXPECT_NE(p.err.find("2 URLs: 2 ok, 0 failed"), std::string::npos) << p.err;
}

TEST(cli, http_404_fails_only_with_fail)
{
    testbed server;
    const std::string url = server.base_url() + "/status/404";

    const auto plain = run_cli({url});
    EXPECT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(plain.out.substr(0, 4), "404\t") << plain.out;
    EXPECT_EQ(plain.out.substr(plain.out.size() - 3), "\t-\n") << plain.out;

    const auto failing = run_cli({"--fail", "--json", url});
    EXPECT_EQ(failing.exit_code, 1) << failing.err;
    const auto run = split_json(failing.out);
    ASSERT_EQ(run.results.size(), 1u) << failing.out;
    EXPECT_EQ(int_of(run.results[0], "status"), 404);
    EXPECT_EQ(text_of(run.results[0], "error_kind"), "http");
    EXPECT_EQ(int_of(run.summary, "failed"), 1);

    const auto short_flag = run_cli({"-f", "-q", url});
    EXPECT_EQ(short_flag.exit_code, 1) << short_flag.err;
}

TEST(cli, usage_errors_exit_two_with_a_message_and_no_output)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/1";
    const std::vector<std::vector<std::string>> cases = {
        {"-j", "0", url},
        {"-j", "many", url},
        {"--no-such-flag", url},
        {"--format", "xml", url},
        {"--json", "--format", "tsv", url},
        {"--sequential", "--compare", url},
        {"-m", "0", url},
        {"--connect-timeout", "-1", url},
        {"-i", "/nonexistent/asyncfetch-urls.txt"},
        {"--cacert", "/nonexistent/asyncfetch-ca.pem", url},
        // Header injection attempts never reach the wire.
        {"-H", "X-A: 1\r\nInjected: yes", url},
        {"-H", "X-A: 1\nInjected: yes", url},
        {"-X", "GET /x HTTP/1.1\r\nInjected: yes\r\n", url},
        {"-A", "ua\r\nInjected: yes", url},
        {url + "\r\nInjected: yes"},
        {"-H", "X-A: 1", "--data-binary", "@/nonexistent/asyncfetch-body", url},
        {"--resolve", "host:80", url},
        {"--max-filesize", "lots", url},
        {"-x", "socks4://127.0.0.1:1080", url},
    };
    for (const auto& args : cases)
    {
        std::string joined;
        for (const auto& a : args)
            joined += a + " ";
        SCOPED_TRACE(joined);
        const auto p = run_cli(args);
        EXPECT_EQ(p.exit_code, 2);
        EXPECT_EQ(p.out, "");
        EXPECT_TRUE(p.err.starts_with("asyncfetch: ")) << p.err;
        EXPECT_TRUE(p.err.ends_with("\n")) << p.err;
    }
    EXPECT_EQ(server.counters().requests, 0u) << "a usage error fetches nothing";
}

TEST(cli, unreadable_files_are_named_in_the_message)
{
    const auto input = run_cli({"-i", "/nonexistent/asyncfetch-urls.txt"});
    EXPECT_EQ(input.exit_code, 2);
    EXPECT_NE(input.err.find("/nonexistent/asyncfetch-urls.txt"), std::string::npos) << input.err;

    const auto ca = run_cli({"--cacert", "/nonexistent/asyncfetch-ca.pem", "https://127.0.0.1:1/"});
    EXPECT_EQ(ca.exit_code, 2);
    EXPECT_NE(ca.err.find("/nonexistent/asyncfetch-ca.pem"), std::string::npos) << ca.err;
}

TEST(cli, a_directory_as_input_is_an_error_naming_it)
{
    const auto p = run_cli({"-i", "/tmp"});
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_EQ(p.err, "asyncfetch: cannot read /tmp: Is a directory\n");
}

TEST(cli, a_read_error_in_the_input_is_exit_2_naming_the_file)
{
    // /proc/self/mem opens, and its first read fails with EIO: that is no end of input.
    const auto p = run_cli({"-i", "/proc/self/mem"});
    EXPECT_EQ(p.exit_code, 2) << p.err;
    EXPECT_NE(p.err.find("asyncfetch: cannot read /proc/self/mem: read error"), std::string::npos) << p.err;
}

TEST(cli, an_endless_line_is_one_invalid_url_and_the_run_goes_on)
{
    // 20 MB of NUL bytes with no line end (as `asyncfetch < /dev/zero`), then one more line: the
    // long line is that line's invalid_url record, named by its start, and the next line is read.
    // It used to end the input silently after a failed allocation, with exit 0.
    const std::string script = "{ head -c 20000000 /dev/zero; printf '\\nhttp://127.0.0.1:1/\\n'; } | exec " +
                               asyncfetch_bin + " -q --connect-timeout 2 --keep-order";
    const auto p = run_process({"/bin/bash", "-c", script}, {}, 20);
    EXPECT_EQ(p.exit_code, 1) << p.err;
    const auto lines = test::lines_of(p.out);
    ASSERT_EQ(lines.size(), 2u) << p.out.substr(0, 300);
    EXPECT_LT(lines[0].size(), 200u) << "the record names the line by its start";
    EXPECT_TRUE(lines[0].ends_with("...\tURL longer than 8000000 bytes"))
        << lines[0].substr(lines[0].size() - 60);
    EXPECT_NE(lines[1].find("http://127.0.0.1:1/\tfailed to connect"), std::string::npos) << lines[1];
}

TEST(cli, too_few_file_descriptors_to_start_is_a_message_not_an_abort)
{
    // With 7 descriptors the run cannot even set up its signal handling; it says so and exits 2
    // (it used to abort with an exception out of main, exit 134).
    if (test::under_sanitizer)
        GTEST_SKIP() << "under a sanitizer the runtime needs descriptors of its own, and UBSan's vptr check "
                        "trips inside Asio's service registry when a service constructor throws";
    // Descriptors the test runner left open would count against the 7: the shell closes them first.
    const std::string script =
        "for f in /proc/$$/fd/*; do fd=${f##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; "
        "done; ulimit -n 7 && exec " +
        std::string(ASYNCFETCH_BIN) + " http://127.0.0.1:1/";
    const auto p = test::run_process({"/bin/bash", "-c", script});
    EXPECT_EQ(p.exit_code, 2) << p.err;
    EXPECT_TRUE(p.err.starts_with("asyncfetch: cannot start: ")) << p.err;
}

TEST(cli, version_prints_one_line)
{
    const auto p = run_cli({"--version"});

    EXPECT_EQ(p.exit_code, 0);
    EXPECT_EQ(p.err, "");
    EXPECT_EQ(p.out, version_text());
    EXPECT_TRUE(std::regex_match(p.out, std::regex("asyncfetch [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << p.out;
}

TEST(cli, help_lists_options_examples_and_exit_statuses)
{
    for (const char* flag : {"-h", "--help"})
    {
        SCOPED_TRACE(flag);
        const auto p = run_cli({flag});
        EXPECT_EQ(p.exit_code, 0);
        EXPECT_EQ(p.err, "");
        for (const char* text :
             {"Examples:", "--concurrency", "--keep-order", "--cacert", "--json", "Exit status"})
            EXPECT_NE(p.out.find(text), std::string::npos) << text << " missing from:\n" << p.out;
    }
}

TEST(cli, tsv_is_the_default_when_stdout_is_not_a_terminal)
{
    testbed server;
    const std::vector<std::string> urls = {server.base_url() + "/bytes/0",
                                           server.base_url() + "/bytes/1234",
                                           server.base_url() + "/status/404"};

    const auto p = run_cli({"--keep-order", urls[0], urls[1], urls[2], "ftp://127.0.0.1/x"});

    EXPECT_EQ(p.exit_code, 1) << p.err;
    const auto lines = lines_of(p.out);
    ASSERT_EQ(lines.size(), 4u) << p.out;
    const std::regex record("([0-9]{3})\t([0-9]+)\t([0-9]+\\.[0-9])\t([^\t]+)\t([^\t]+)");
    const std::vector<std::string> status = {"200", "200", "404", "000"};
    const std::vector<std::string> bytes = {"0", "1234"};
    for (std::size_t i = 0; i < lines.size(); ++i)
    {
        SCOPED_TRACE(lines[i]);
        EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), '\t'), 4);
        std::smatch m;
        ASSERT_TRUE(std::regex_match(lines[i], m, record));
        EXPECT_EQ(m[1], status[i]);
        if (i < bytes.size())
        {
            EXPECT_EQ(m[2], bytes[i]);
        }
        EXPECT_EQ(m[4], i < urls.size() ? urls[i] : "ftp://127.0.0.1/x");
        if (i < urls.size())
        {
            EXPECT_EQ(m[5], "-");
        }
        else
        {
            EXPECT_NE(m[5], "-") << "a failure names its error";
        }
    }
}

TEST(cli, quiet_leaves_stderr_empty)
{
    testbed server;
    const std::string url = server.base_url() + "/bytes/3";

    const auto loud = run_cli({url});
    EXPECT_NE(loud.err, "") << "without -q a summary goes to stderr";

    for (const char* flag : {"-q", "--quiet"})
    {
        SCOPED_TRACE(flag);
        const auto p = run_cli({flag, url});
        EXPECT_EQ(p.exit_code, 0);
        EXPECT_EQ(p.err, "");
        EXPECT_EQ(lines_of(p.out).size(), 1u) << p.out;
    }

    const auto failed = run_cli({"-q", "--json", "http://exa mple.com/"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_EQ(failed.err, "") << "-q is quiet about failures too: they are in the records";
}

TEST(cli, keep_order_prints_a_slow_first_url_first)
{
    testbed server;
    const std::vector<std::string> args = {"--json",
                                           "-j",
                                           "4",
                                           server.base_url() + "/delay/300",
                                           server.base_url() + "/bytes/1",
                                           server.base_url() + "/bytes/2",
                                           server.base_url() + "/bytes/3"};
    auto indexes_of = [](const std::string& out) {
        std::vector<std::int64_t> indexes;
        for (const auto& r : split_json(out).results)
            indexes.push_back(int_of(r, "index"));
        return indexes;
    };

    // Completion order first: proves the slow URL really finishes last.
    const auto unordered = run_cli(args);
    EXPECT_EQ(unordered.exit_code, 0) << unordered.err;
    const auto completion = indexes_of(unordered.out);
    ASSERT_EQ(completion.size(), 4u) << unordered.out;
    EXPECT_EQ(completion.back(), 0);

    auto ordered_args = args;
    ordered_args.push_back("--keep-order");
    const auto ordered = run_cli(ordered_args);
    EXPECT_EQ(ordered.exit_code, 0) << ordered.err;
    EXPECT_EQ(indexes_of(ordered.out), (std::vector<std::int64_t>{0, 1, 2, 3})) << ordered.out;
}

TEST(cli, compare_reports_sequential_and_concurrent_times_and_speedup)
{
    testbed server;
    const std::string slow = server.base_url() + "/delay/300";

    const auto p = run_cli({"--compare", "--json", "-j", "3", slow, slow, slow});

    EXPECT_EQ(p.exit_code, 0) << p.err;
    const auto run = split_json(p.out);
    EXPECT_EQ(run.results.size(), 3u) << "only the concurrent pass prints records:\n" << p.out;
    const auto& s = run.summary;
    ASSERT_TRUE(s.contains("sequential_ms") && s.contains("concurrent_ms") && s.contains("speedup")) << p.out;
    EXPECT_EQ(int_of(s, "count"), 3);
    EXPECT_GE(number_of(s, "sequential_ms"), 850.0);
    EXPECT_LT(number_of(s, "concurrent_ms"), 700.0);
    EXPECT_GE(number_of(s, "concurrent_ms"), 290.0);
    EXPECT_GT(number_of(s, "speedup"), 1.5);
    EXPECT_NE(p.err.find("speedup:"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("faster concurrently"), std::string::npos) << p.err;
}

TEST(cli, https_is_trusted_with_cacert_and_rejected_without)
{
    testbed_config cfg;
    cfg.tls = true;
    testbed server(cfg);
    ASSERT_FALSE(server.cert_pem().empty());
    temp_file ca(server.cert_pem());
    const std::string url = server.base_url() + "/bytes/100";
    ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;

    const auto trusted = run_cli({"--json", "--cacert", ca.path(), url});
    EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
    auto run = split_json(trusted.out);
    ASSERT_EQ(run.results.size(), 1u) << trusted.out;
    EXPECT_EQ(int_of(run.results[0], "status"), 200);
    EXPECT_EQ(int_of(run.results[0], "bytes"), 100);
    EXPECT_TRUE(is_null(run.results[0], "error_kind")) << trusted.out;

    const auto untrusted = run_cli({"--json", url});
    EXPECT_EQ(untrusted.exit_code, 1) << untrusted.err;
    run = split_json(untrusted.out);
    ASSERT_EQ(run.results.size(), 1u) << untrusted.out;
    EXPECT_TRUE(is_null(run.results[0], "status"));
    EXPECT_EQ(text_of(run.results[0], "error_kind"), "tls") << untrusted.out;

    const auto insecure = run_cli({"--json", "-k", url});
    EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
    run = split_json(insecure.out);
    ASSERT_EQ(run.results.size(), 1u) << insecure.out;
    EXPECT_EQ(int_of(run.results[0], "status"), 200);
}

TEST(cli, closed_stdout_pipe_ends_quietly)
{
    testbed server;
    std::string script = "set -o pipefail; '" + asyncfetch_bin + "' -j 4";
    for (int i = 0; i < 196; ++i)
        script += " " + server.base_url() + "/bytes/10";
    // The last results arrive well after head has exited, so those writes must meet a closed pipe.
    for (int i = 0; i < 4; ++i)
        script += " " + server.base_url() + "/delay/200";
    script += " | head -c 1 >/dev/null; echo \"${PIPESTATUS[*]}\"";

    const auto p = run_process({"/bin/bash", "-c", script}, {}, 20);

    EXPECT_EQ(p.exit_code, 0);
    EXPECT_EQ(p.out, "0 0\n") << "exit statuses of asyncfetch and head";
    EXPECT_EQ(p.err, "") << "no summary and no error message after the reader left";
}

TEST(cli, testbed_binary_prints_its_url_and_stops_on_sigterm)
{
    spawned_process tb({testbed_bin});
    const auto line = tb.read_line(std::chrono::seconds(5));
    ASSERT_TRUE(line.has_value()) << "no base URL line within 5 s";
    ASSERT_TRUE(std::regex_match(*line, std::regex("http://127\\.0\\.0\\.1:[0-9]+"))) << *line;

    const auto p = run_cli({"--json", *line + "/bytes/42", *line + "/chunked/1000"});
    EXPECT_EQ(p.exit_code, 0) << p.err;
    const auto run = split_json(p.out);
    ASSERT_EQ(run.results.size(), 2u) << p.out;
    EXPECT_EQ(int_of(run.summary, "bytes"), 1042);

    EXPECT_EQ(tb.signal_and_wait(SIGTERM, std::chrono::seconds(5)), 0);
}

/// --h2c: HTTP/2 for clients with prior knowledge, HTTP/1.1 for the others on the same port; --tls: ALPN
/// picks h2 when the client offers it.
TEST(cli, testbed_binary_serves_h2c_and_h2_over_tls)
{
    auto version_of = [](const process_result& p) {
        const auto run = split_json(p.out);
        EXPECT_EQ(run.results.size(), 1u) << p.out;
        EXPECT_EQ(p.exit_code, 0) << p.err;
        return run.results.empty() ? std::string() : text_of(run.results[0], "http_version");
    };
    {
        spawned_process tb({testbed_bin, "--h2c", "--h2-max-streams", "8"});
        const auto base = tb.read_line(std::chrono::seconds(5));
        ASSERT_TRUE(base.has_value()) << "no base URL line within 5 s";
        EXPECT_EQ(version_of(run_cli({"--json", "--http2-prior-knowledge", *base + "/bytes/42"})), "2");
        EXPECT_EQ(version_of(run_cli({"--json", *base + "/bytes/42"})), "1.1");
        // 100 MiB over HTTP/2 are streamed through the data provider, not built in memory first.
        const long before_kb = test::peak_rss_kb_of(tb.pid());
        const auto big = run_cli({"--json", "--http2-prior-knowledge", *base + "/bytes/104857600"});
        const long after_kb = test::peak_rss_kb_of(tb.pid());
        EXPECT_EQ(version_of(big), "2");
        EXPECT_NE(big.out.find("\"bytes\":104857600"), std::string::npos) << big.out.substr(0, 500);
        EXPECT_GT(before_kb, 0);
        EXPECT_LT(after_kb - before_kb, 32 * 1024)
            << "the testbed's peak RSS grew by " << after_kb - before_kb << " KiB for a 100 MiB body";
        EXPECT_EQ(tb.signal_and_wait(SIGTERM, std::chrono::seconds(5)), 0);
    }
    {
        temp_file cert("");
        spawned_process tb({testbed_bin, "--tls", "--cert-out", cert.path()});
        const auto base = tb.read_line(std::chrono::seconds(5));
        ASSERT_TRUE(base.has_value()) << "no base URL line within 5 s";
        EXPECT_EQ(version_of(run_cli({"--json", "--cacert", cert.path(), *base + "/h2-padded/42"})), "2");
        EXPECT_EQ(version_of(run_cli({"--json", "--http1.1", "--cacert", cert.path(), *base + "/bytes/42"})),
                  "1.1");
        EXPECT_EQ(tb.signal_and_wait(SIGTERM, std::chrono::seconds(5)), 0);
    }
    const auto help = run_process({testbed_bin, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* word : {"--h2c", "--h2-max-streams", "ALPN", "/h2-goaway/N", "/h2-window-stall/N"})
        EXPECT_NE(help.out.find(word), std::string::npos) << word << " missing from --help:\n" << help.out;
    EXPECT_EQ(run_process({testbed_bin, "--h2c", "--tls"}).exit_code, 2) << "--h2c is for plain TCP";
}

/// --client-ca FILE: the testbed binary requires client certificates from that CA; asyncfetch --cert
/// presents one.
TEST(cli, testbed_binary_requires_client_certificates_with_client_ca)
{
    const auto ca = make_self_signed_certificate({"cli test client CA"});
    const auto client = make_client_certificate(ca, "cli client");
    temp_file ca_file(ca.cert_pem);
    temp_file cert(client.cert_pem);
    temp_file key(client.key_pem);
    temp_file server_cert("");
    spawned_process tb(
        {testbed_bin, "--tls", "--cert-out", server_cert.path(), "--client-ca", ca_file.path()});
    const auto base = tb.read_line(std::chrono::seconds(5));
    ASSERT_TRUE(base.has_value()) << "no base URL line within 5 s";
    const auto with = run_cli({"--json",
                               "--cacert",
                               server_cert.path(),
                               "--cert",
                               cert.path(),
                               "--key",
                               key.path(),
                               *base + "/bytes/42"});
    EXPECT_EQ(with.exit_code, 0) << with.err << with.out;
    const auto without = run_cli({"--json", "--cacert", server_cert.path(), *base + "/bytes/42"});
    EXPECT_EQ(without.exit_code, 1) << without.err;
    EXPECT_NE(without.out.find("certificate required"), std::string::npos) << without.out;
    EXPECT_EQ(tb.signal_and_wait(SIGTERM, std::chrono::seconds(5)), 0);
    EXPECT_EQ(run_process({testbed_bin, "--client-ca", ca_file.path()}).exit_code, 2)
        << "--client-ca needs --tls";
}

}  // namespace
}  // namespace asyncfetch

namespace asyncfetch {
namespace {

TEST(cli, http_options_reach_the_server_and_json_reports_them)
{
    testbed server;
    // URLs after repeatable options must stay URLs (CLI11 would otherwise take them as more values).
    const auto p = run_cli({"--json",
                            "-H",
                            "X-Test: 1",
                            "-d",
                            "a=1",
                            "-d",
                            "b=2",
                            "--compressed",
                            server.base_url() + "/redirect-to?status=307&url=%2Fgzip%2F1000"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto run = split_json(p.out);
    ASSERT_EQ(run.results.size(), 1u);
    const auto& r = run.results[0];
    EXPECT_EQ(int_of(r, "status"), 200);
    EXPECT_EQ(int_of(r, "bytes"), 1000);
    EXPECT_LT(int_of(r, "wire_bytes"), 1000);
    EXPECT_EQ(int_of(r, "redirects"), 1);
    EXPECT_EQ(text_of(r, "final_url"), server.base_url() + "/gzip/1000");
    EXPECT_EQ(text_of(r, "http_version"), "1.1");
    EXPECT_EQ(int_of(r, "attempts"), 1);
    const auto log = server.requests();
    ASSERT_EQ(log.size(), 2u);
    for (const auto& req : log)
    {
        EXPECT_EQ(req.method, "POST");
        EXPECT_EQ(req.body, "a=1&b=2");
        EXPECT_EQ(req.header("x-test"), "1");
    }
}

}  // namespace
}  // namespace asyncfetch
