// Batch-run behaviour: progress on a terminal only, Ctrl-C with partial results, --rate accuracy,
// --fail-fast and --max-failures, --compare --runs and the exports.
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::config_with;

double ms_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string slurp(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

/// The asyncfetch binary as a child: stdout to a file, stderr to a pseudo-terminal or a file.
class child
{
public:
    child(const std::vector<std::string>& args, bool stderr_on_pty, bool stdin_pipe = false)
        : dir_(fs::temp_directory_path() /
               ("asyncfetch-batch-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)))
    {
        fs::create_directories(dir_);
        const int out = ::open((dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = -1;
        if (stderr_on_pty)
        {
            winsize ws{};
            ws.ws_col = 120;
            ws.ws_row = 40;
            if (openpty(&master_, &err, nullptr, nullptr, &ws) != 0)
                throw std::runtime_error("openpty failed");
        }
        else
            err = ::open((dir_ / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        int in_pipe[2] = {-1, -1};
        if (stdin_pipe)
        {
            if (::pipe2(in_pipe, O_CLOEXEC) != 0)
                throw std::runtime_error("pipe2 failed");
            posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
            stdin_ = in_pipe[1];
        }
        else
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out, 1);
        posix_spawn_file_actions_adddup2(&actions, err, 2);
        const int rc = test::spawn(args, actions, pid_);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out);
        ::close(err);
        if (in_pipe[0] >= 0)
            ::close(in_pipe[0]);
        if (rc != 0)
            throw std::runtime_error("posix_spawn failed");
    }

    ~child()
    {
        if (pid_ > 0)
        {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (master_ >= 0)
            ::close(master_);
        if (stdin_ >= 0)
            ::close(stdin_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    /// Reads what the pty shows until the child exits or timeout (exit status, or -1).
    int wait(std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        for (;;)
        {
            drain_pty(10);
            if (::waitpid(pid_, &status, WNOHANG) == pid_)
                break;
            if (std::chrono::steady_clock::now() > deadline)
                return -1;
        }
        pid_ = 0;
        drain_pty(50);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    void signal(int sig) { ::kill(pid_, sig); }
    void write_stdin(const std::string& text)
    {
        ASSERT_EQ(::write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    void close_stdin()
    {
        ::close(stdin_);
        stdin_ = -1;
    }
    std::string out() const { return slurp(dir_ / "out"); }
    std::string err() const { return master_ >= 0 ? pty_ : slurp(dir_ / "err"); }

private:
    void drain_pty(int poll_ms)
    {
        if (master_ < 0)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
            return;
        }
        pollfd p{master_, POLLIN, 0};
        while (::poll(&p, 1, poll_ms) > 0)
        {
            char buf[4096];
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0)
                break;
            pty_.append(buf, static_cast<std::size_t>(n));
            poll_ms = 0;
        }
    }

    static inline int counter_ = 0;
    fs::path dir_;
    pid_t pid_ = 0;
    int master_ = -1;
    int stdin_ = -1;
    std::string pty_;
};

/// Batch behaviour over HTTP/1.1 and over HTTP/2 (h2c with prior knowledge).
class batch_over : public ::testing::TestWithParam<test::protocol>
{
protected:
    /// The command-line flag for the protocol.
    std::string flag() const
    {
        return GetParam() == test::protocol::h2 ? "--http2-prior-knowledge" : "--http1.1";
    }
    run_config config(std::size_t concurrency) const
    {
        return test::speaking(GetParam(), config_with(concurrency));
    }
    void interrupt_with(int signo, std::string_view name);

    testbed server{test::serving_both()};
};

INSTANTIATE_TEST_SUITE_P(both,
                         batch_over,
                         ::testing::Values(test::protocol::http1, test::protocol::h2),
                         test::protocol_name{});

TEST(batch, progress_is_drawn_on_a_terminal_and_cleared)
{
    testbed server;
    std::vector<std::string> args{ASYNCFETCH_BIN, "-j", "2"};
    for (int i = 0; i < 6; ++i)
        args.push_back(server.base_url() + "/delay/300?" + std::to_string(i));
    child c(args, true);
    ASSERT_EQ(c.wait(10s), 0) << c.err();
    const std::string err = c.err();
    EXPECT_NE(err.find("\r\x1b[2K["), std::string::npos) << err;
    EXPECT_NE(err.find("/6 done"), std::string::npos) << err;
    EXPECT_NE(err.find("in flight"), std::string::npos) << err;
    // The last redraw clears the line; the summary follows on a clean line.
    const auto last_clear = err.rfind("\r\x1b[2K");
    ASSERT_NE(last_clear, std::string::npos);
    EXPECT_EQ(err.compare(last_clear + 5, 7, "6 URLs:"), 0) << err.substr(last_clear);
    EXPECT_EQ(c.out().find('\x1b'), std::string::npos);
}

TEST(batch, no_progress_in_a_pipe_or_with_quiet)
{
    testbed server;
    std::vector<std::string> args{ASYNCFETCH_BIN,
                                  "-j",
                                  "1",
                                  server.base_url() + "/delay/400",
                                  server.base_url() + "/delay/400"};
    child piped(args, false);
    ASSERT_EQ(piped.wait(10s), 0);
    EXPECT_EQ(piped.err().find('\x1b'), std::string::npos) << piped.err();
    EXPECT_EQ(piped.err().find('\r'), std::string::npos) << piped.err();

    args.push_back("-q");
    child quiet(args, true);
    ASSERT_EQ(quiet.wait(10s), 0);
    EXPECT_EQ(quiet.err(), "");
}

/// Sends signo while two quick URLs are done and two slow ones are in flight.
void batch_over::interrupt_with(int signo, std::string_view name)
{
    std::vector<std::string> args{ASYNCFETCH_BIN,
                                  flag(),
                                  "-j",
                                  "4",
                                  "--keep-order",
                                  server.base_url() + "/bytes/1",
                                  server.base_url() + "/bytes/2"};
    for (int i = 0; i < 20; ++i)
        args.push_back(server.base_url() + "/delay/5000?" + std::to_string(i));
    child c(args, false);
    // Wait until the quick results are out, then press Ctrl-C.
    const auto start = std::chrono::steady_clock::now();
    auto lines_out = [&c] {
        const std::string out = c.out();
        return std::count(out.begin(), out.end(), '\n');
    };
    while (lines_out() < 2 && ms_since(start) < 5000)
        std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(200ms);
    const auto signalled = std::chrono::steady_clock::now();
    c.signal(signo);
    EXPECT_EQ(c.wait(5s), 128 + signo) << c.err();
    EXPECT_LT(ms_since(signalled), 1500.0) << "the signal must cancel in-flight requests promptly";
    // Exactly one record per started URL: the two quick ones, and the four slow ones in flight
    // (-j 4) as interrupted; the 16 never started have none.
    const auto lines = test::lines_of(c.out());
    ASSERT_EQ(lines.size(), 6u) << c.out();
    EXPECT_EQ(lines[0].rfind("200\t1\t", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1].rfind("200\t2\t", 0), 0u) << lines[1];
    for (std::size_t i = 2; i < 6; ++i)
    {
        EXPECT_NE(lines[i].find("/delay/5000?" + std::to_string(i - 2) + "\tinterrupted"), std::string::npos)
            << lines[i];
    }
    EXPECT_NE(c.err().find("6 URLs: 2 ok, 4 failed"), std::string::npos) << c.err();
    EXPECT_NE(c.err().find("interrupted by " + std::string(name)), std::string::npos) << c.err();
}

TEST_P(batch_over, interrupt_prints_a_record_per_started_url_and_exits_130)
{
    interrupt_with(SIGINT, "SIGINT");
}

TEST_P(batch_over, sigterm_prints_a_record_per_started_url_and_exits_143)
{
    interrupt_with(SIGTERM, "SIGTERM");
}

TEST(batch, a_slow_stdin_never_stalls_requests_in_flight)
{
    testbed server;
    child c({ASYNCFETCH_BIN, "-m", "1", "-q"}, false, true);
    c.write_stdin(server.base_url() + "/delay/200\n");
    // The next line is 1.5 s away; the first request must finish (and print) meanwhile.
    const auto start = std::chrono::steady_clock::now();
    while (c.out().empty() && ms_since(start) < 1400)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(c.out().rfind("200\t3\t", 0), 0u) << "first record while stdin is still open: " << c.out();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500) - (std::chrono::steady_clock::now() - start));
    c.write_stdin(server.base_url() + "/bytes/5\n");
    c.close_stdin();
    ASSERT_EQ(c.wait(5s), 0) << c.err();
    const auto lines = test::lines_of(c.out());
    ASSERT_EQ(lines.size(), 2u) << c.out();
    EXPECT_EQ(lines[1].rfind("200\t5\t", 0), 0u) << lines[1];
}

TEST(batch, a_low_soft_descriptor_limit_is_raised_to_the_hard_one)
{
    testbed server;
    // 150 connections at once cannot fit in a soft limit of 64 descriptors.
    std::string urls;
    for (int i = 0; i < 150; ++i)
        urls += server.base_url() + "/delay/300?" + std::to_string(i) + "\n";
    auto p = test::run_process(
        {"/bin/bash", "-c", std::string("ulimit -Sn 64 && exec ") + ASYNCFETCH_BIN + " -j 150 -q"},
        urls);
    EXPECT_EQ(p.exit_code, 0) << p.out.substr(0, 2000);
    EXPECT_EQ(test::lines_of(p.out).size(), 150u);
    EXPECT_GE(server.counters().peak_connections, 100u);
}

TEST(batch, rate_caps_request_starts)
{
    testbed server;
    std::vector<std::string> urls(300, server.base_url() + "/bytes/1");
    auto cfg = config_with(50);
    cfg.rate = 200;
    auto out = test::run_urls(urls, cfg);
    EXPECT_EQ(out.summary.ok, 300u);
    // 300 starts at 200/s: the last one starts at 1.495 s.
    EXPECT_GE(out.summary.elapsed_ms, 1400.0);
    EXPECT_LT(out.summary.elapsed_ms, 2500.0);
}

TEST(batch, rate_per_host_caps_each_origin_separately)
{
    testbed a;
    testbed b;
    std::vector<std::string> urls;
    for (int i = 0; i < 40; ++i)
    {
        urls.push_back(a.base_url() + "/bytes/1");
        urls.push_back(b.base_url() + "/bytes/1");
    }
    auto cfg = config_with(20);
    cfg.rate_per_host = 50;
    auto out = test::run_urls(urls, cfg);
    EXPECT_EQ(out.summary.ok, 80u);
    // 40 starts per host at 50/s: 0.78 s, not the 1.58 s one shared limit would take.
    EXPECT_GE(out.summary.elapsed_ms, 700.0);
    EXPECT_LT(out.summary.elapsed_ms, 1400.0);
}

// 127.1 and 2130706433 are 127.0.0.1: one origin for the pool, so one --rate-per-host bucket
// (it used to be keyed on the URL's text, which gave each spelling a bucket of its own).
TEST(batch, rate_per_host_buckets_are_origins_not_spellings)
{
    testbed server;
    const std::string port = std::to_string(server.port());
    std::vector<std::string> urls{server.base_url() + "/bytes/1",
                                  "http://127.1:" + port + "/bytes/1",
                                  "http://2130706433:" + port + "/bytes/1"};
    auto cfg = config_with(3);
    cfg.rate_per_host = 2;
    auto out = test::run_urls(urls, cfg);
    EXPECT_EQ(out.summary.ok, 3u);
    // Three starts in one bucket at 2/s: the last one starts at 1.0 s.
    EXPECT_GE(out.summary.elapsed_ms, 950.0);
}

TEST_P(batch_over, fail_fast_cancels_in_flight_requests)
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor gone(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = gone.local_endpoint().port();
    gone.close();
    std::vector<std::string> urls{server.base_url() + "/delay/3000",
                                  server.base_url() + "/delay/3000",
                                  "http://127.0.0.1:" + std::to_string(port) + "/"};
    for (int i = 0; i < 20; ++i)
        urls.push_back(server.base_url() + "/delay/3000");

    boost::asio::io_context run_ioc(1);
    auto tls = make_client_tls_context(true, {});
    vector_source src(urls);
    std::vector<fetch_result> got;
    const result_sink sink = [&](const fetch_result& r) {
        got.push_back(r);
        return true;
    };
    auto cfg = config(4);
    cfg.max_failures = 1;
    const auto start = std::chrono::steady_clock::now();
    auto outcome = run_pass(run_ioc, *tls, cfg, src, sink);
    EXPECT_LT(ms_since(start), 1500.0);
    EXPECT_TRUE(outcome.gave_up);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].kind, error_kind::connect);
    EXPECT_EQ(outcome.summary.failed, 1u);
}

TEST(batch, max_failures_counts_to_n)
{
    testbed server;
    std::vector<std::string> urls;
    for (int i = 0; i < 10; ++i)
        urls.push_back("not a url " + std::to_string(i));
    auto cfg = config_with(1);
    cfg.max_failures = 3;
    auto out = test::run_urls(urls, cfg);
    EXPECT_EQ(out.results.size(), 3u);
    EXPECT_EQ(out.summary.failed, 3u);
}

TEST(batch, progress_snapshots_count_up_and_end_with_a_final_one)
{
    testbed server;
    std::vector<std::string> urls(8, server.base_url() + "/delay/150");
    auto cfg = config_with(2);
    cfg.progress_delay = 100ms;
    cfg.progress_interval = 50ms;
    std::vector<progress_snapshot> seen;
    cfg.on_progress = [&](const progress_snapshot& p) { seen.push_back(p); };
    auto out = test::run_urls(urls, cfg);
    EXPECT_EQ(out.summary.ok, 8u);
    ASSERT_GE(seen.size(), 5u);
    EXPECT_TRUE(seen.back().final);
    EXPECT_EQ(seen.back().done, 8u);
    for (std::size_t i = 0; i + 1 < seen.size(); ++i)
    {
        EXPECT_FALSE(seen[i].final);
        EXPECT_LE(seen[i].done, seen[i + 1].done);
        EXPECT_LE(seen[i].in_flight, 2u);
        ASSERT_TRUE(seen[i].total);
        EXPECT_EQ(*seen[i].total, 8u);
    }
}

TEST_P(batch_over, compare_runs_and_exports)
{
    const fs::path dir = fs::temp_directory_path() / ("asyncfetch-export-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string json_path = (dir / "cmp.json").string();
    const std::string md_path = (dir / "cmp.md").string();
    auto p = test::run_process({ASYNCFETCH_BIN,
                                flag(),
                                "--compare",
                                "--runs",
                                "2",
                                "--json",
                                "--export-json",
                                json_path,
                                "--export-markdown",
                                md_path,
                                server.base_url() + "/delay/200?a",
                                server.base_url() + "/delay/200?b",
                                server.base_url() + "/delay/200?c"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto lines = test::lines_of(p.out);
    ASSERT_EQ(lines.size(), 4u) << "records of the last concurrent run, then the summary";
    auto summary = boost::json::parse(lines.back()).as_object();
    ASSERT_EQ(summary.at("sequential_runs_ms").as_array().size(), 2u);
    ASSERT_EQ(summary.at("concurrent_runs_ms").as_array().size(), 2u);
    EXPECT_GT(summary.at("speedup").to_number<double>(), 1.8);

    auto exported = boost::json::parse(slurp(json_path)).as_object();
    EXPECT_EQ(exported.at("sequential").as_object().at("runs_ms").as_array().size(), 2u);
    EXPECT_GE(exported.at("sequential").as_object().at("mean_ms").to_number<double>(), 550.0);
    EXPECT_LT(exported.at("concurrent").as_object().at("mean_ms").to_number<double>(), 450.0);
    const std::string md = slurp(md_path);
    EXPECT_NE(md.find("| pass |"), std::string::npos) << md;
    EXPECT_NE(md.find("Speedup"), std::string::npos) << md;
    EXPECT_NE(p.err.find("± σ"), std::string::npos) << p.err;
    fs::remove_all(dir);
}

TEST_P(batch_over, warm_keeps_the_pool_between_passes)
{
    auto p = test::run_process({ASYNCFETCH_BIN,
                                flag(),
                                "--compare",
                                "--warm",
                                "--json",
                                "-j",
                                "1",
                                server.base_url() + "/bytes/1",
                                server.base_url() + "/bytes/2"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    // One connection for both passes: the concurrent pass (-j 1) finds it in the pool.
    EXPECT_EQ(server.counters().connections_accepted, 1u);
    EXPECT_EQ(server.counters().http2_connections, GetParam() == test::protocol::h2 ? 1u : 0u);
}

}  // namespace
}  // namespace asyncfetch
