// At scale, end to end: 100,000 URLs on stdin, a fifth failing, give 100,000 records, exit 1, flat memory;
// and records on a terminal are written once while stdin is still being read.
#include "asyncfetch/testbed.hpp"
#include "fault_server.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

/// Planted in every tenth URL, in turn: each is refused by the URL parser with a message of its own.
constexpr std::array<const char*, 4> invalid_urls = {
    "not a url ",               // no scheme, a space
    "ftp://127.0.0.1/",         // unsupported scheme
    "http://127.0.0.1:99999/",  // port out of range
    "http:///",                 // no host
};

/// n URLs and what each must give: 8 in 10 quick testbed URLs (/bytes/10 with a unique query),
/// 1 in 10 invalid (the four kinds above in turn), 1 in 10 refused by a port with no listener.
/// Every URL is unique, so a record names its input line.
struct planted_urls
{
    std::vector<std::string> urls;
    std::vector<int> plant;  ///< -1 for a testbed URL, -2 refused, 0..3 the invalid_urls kind
    std::string stdin_text;  ///< the URLs one a line, with comment and blank lines mixed in
};

planted_urls plant_urls(std::size_t n, const testbed& server, const test::refused_port& refused)
{
    planted_urls out;
    out.urls.reserve(n);
    out.plant.reserve(n);
    out.stdin_text.reserve(n * 40);
    for (std::size_t i = 0; i < n; ++i)
    {
        const std::string id = std::to_string(i);
        if (i % 10 == 0)
        {
            const int kind = static_cast<int>(i / 10 % invalid_urls.size());
            out.urls.push_back(invalid_urls[static_cast<std::size_t>(kind)] + id);
            out.plant.push_back(kind);
        }
        else if (i % 10 == 5)
        {
            out.urls.push_back(refused.url("/" + id));
            out.plant.push_back(-2);
        }
        else
        {
            out.urls.push_back(server.base_url() + "/bytes/10?" + id);
            out.plant.push_back(-1);
        }
        // Lines that are not URLs must not become records.
        if (i % 1000 == 0)
            out.stdin_text += "# comment " + id + "\n\n";
        out.stdin_text += out.urls.back() + "\n";
    }
    return out;
}

/// A string member's text; "<missing>" when absent, "<null>" when null, "<not a string>" otherwise.
std::string text_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr)
        return "<missing>";
    if (v->is_null())
        return "<null>";
    return v->is_string() ? std::string(v->as_string()) : "<not a string>";
}

/// An integer member; -1 when absent or not an integer.
std::int64_t integer_of(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !(v->is_int64() || v->is_uint64()))
        return -1;
    return v->to_number<std::int64_t>();
}

/// Runs the binary over the planted URLs and checks every record; returns the child's peak RSS in KiB.
long run_and_check(const planted_urls& planted, int timeout_s)
{
    const std::size_t n = planted.urls.size();
    const auto start = std::chrono::steady_clock::now();
    const auto p = test::run_process({ASYNCFETCH_BIN, "--json", "-j", "50"}, planted.stdin_text, timeout_s);
    const double took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "scale: %zu URLs in %.1f s, peak RSS %ld KiB, exit %d\n",
                 n,
                 took_s,
                 p.peak_rss_kb,
                 p.exit_code);
    EXPECT_EQ(p.exit_code, 1) << p.err.substr(0, 2000);

    const auto lines = test::lines_of(p.out);
    // One record per URL and the summary last.
    EXPECT_EQ(lines.size(), n + 1);
    std::vector<int> seen(n, 0);
    std::size_t records = 0;
    std::size_t ok = 0;
    std::size_t refused = 0;
    std::array<std::size_t, invalid_urls.size()> invalid{};
    std::array<std::string, invalid_urls.size()> invalid_message;
    std::size_t wrong = 0;  // records that are not what their URL was planted to give; reported up to 10
    auto report_wrong = [&](const std::string& line, const char* why) {
        if (++wrong <= 10)
            ADD_FAILURE() << why << ": " << line;
    };
    boost::json::object summary;
    for (const auto& line : lines)
    {
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (ec || !value.is_object())
        {
            report_wrong(line, "not a JSON object");
            continue;
        }
        const auto& o = value.as_object();
        const std::string type = text_of(o, "type");
        if (type == "summary")
        {
            EXPECT_TRUE(summary.empty()) << "two summaries";
            summary = o;
            continue;
        }
        ++records;
        const std::int64_t index = integer_of(o, "index");
        if (type != "result" || index < 0 || static_cast<std::size_t>(index) >= n)
        {
            report_wrong(line, "not a result record with an index in range");
            continue;
        }
        const auto i = static_cast<std::size_t>(index);
        if (++seen[i] != 1)
            report_wrong(line, "a second record for this index");
        if (text_of(o, "url") != planted.urls[i])
            report_wrong(line, ("not the URL of this index: " + planted.urls[i]).c_str());
        const std::string kind = text_of(o, "error_kind");
        const int plant = planted.plant[i];
        if (plant == -1)
        {
            if (kind != "<null>" || integer_of(o, "status") != 200 || integer_of(o, "bytes") != 10)
                report_wrong(line, "planted to succeed with 10 bytes");
            else
                ++ok;
        }
        else if (plant == -2)
        {
            if (kind != "connect")
                report_wrong(line, "planted to be refused (connect)");
            else
                ++refused;
        }
        else
        {
            const auto k = static_cast<std::size_t>(plant);
            const std::string message = text_of(o, "error");
            if (kind != "invalid_url")
                report_wrong(line, "planted to be an invalid URL");
            // Each kind of invalid URL fails the same way every time.
            else if (!invalid_message[k].empty() && message != invalid_message[k])
                report_wrong(line,
                             ("not the message of the others of its kind: " + invalid_message[k]).c_str());
            else
            {
                invalid_message[k] = message;
                ++invalid[k];
            }
        }
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(records, n);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<std::ptrdiff_t>(n))
        << "indices without exactly one record";
    EXPECT_EQ(ok, n / 10 * 8);
    EXPECT_EQ(refused, n / 10);
    for (std::size_t k = 0; k < invalid.size(); ++k)
        EXPECT_EQ(invalid[k], n / 10 / invalid.size()) << invalid_urls[k];

    // The summary agrees with the records.
    if (summary.empty())
    {
        ADD_FAILURE() << "no summary record";
        return p.peak_rss_kb;
    }
    const auto expect_count = [&](const boost::json::object& o, const char* key, std::size_t expected) {
        EXPECT_EQ(integer_of(o, key), static_cast<std::int64_t>(expected))
            << key << " in " << boost::json::serialize(o);
    };
    expect_count(summary, "count", n);
    expect_count(summary, "ok", n / 10 * 8);
    expect_count(summary, "failed", n / 10 * 2);
    expect_count(summary, "bytes", n / 10 * 8 * 10);
    const auto* errors = summary.if_contains("error_counts");
    if (errors == nullptr || !errors->is_object())
    {
        ADD_FAILURE() << "no error_counts in " << boost::json::serialize(summary);
    }
    else
    {
        EXPECT_EQ(errors->as_object().size(), 2u) << boost::json::serialize(*errors);
        expect_count(errors->as_object(), "connect", n / 10);
        expect_count(errors->as_object(), "invalid_url", n / 10);
    }
    return p.peak_rss_kb;
}

TEST(scale, hundred_thousand_urls_a_fifth_failing_give_one_record_each_exit_1_and_flat_memory)
{
    testbed_config cfg;
    // The test checks the records; a log of 100,000 requests would only weigh on the test process.
    cfg.record_requests = false;
    testbed server(cfg);
    test::refused_port refused;

    long small_kb = 0;
    std::size_t served = 100'000 / 10 * 8;
    if (!test::under_sanitizer)
    {
        // Only for the memory comparison.
        small_kb = run_and_check(plant_urls(10'000, server, refused), 60);
        served += 10'000 / 10 * 8;
    }
    const long large_kb = run_and_check(plant_urls(100'000, server, refused), 240);
    // Each testbed URL was fetched once: no retries, nothing skipped.
    EXPECT_EQ(server.counters().requests, served);

    if (test::under_sanitizer)
    {
        std::fprintf(stderr, "scale: peak RSS not compared under a sanitizer\n");
        return;
    }
    // Memory must not grow with the number of URLs: stdin is read through a bounded queue, records are
    // written as they come, and latencies go into a fixed-size histogram beyond 10,000 samples.
    // Measured in RelWithDebInfo: 8.4-8.6 MiB peak for 10,000 URLs, 8.6-8.9 MiB for 100,000 (11.3-11.7
    // MiB before the histogram, when every latency was kept twice: ~32 bytes a URL). The bound,
    // 1.25x + 4 MiB (about 14.6 MiB), sits 5 MiB above what is measured, far beyond the noise seen
    // (under 0.5 MiB), yet trips at ~70 bytes a URL: keeping each result (a 256-byte fetch_result plus
    // its URLs; tried, 48 MiB at 100,000 URLs) fails it, and so does keeping each URL's text (~80 bytes).
    ASSERT_GT(small_kb, 0) << "the child's peak RSS could not be read";
    ASSERT_GT(large_kb, 0) << "the child's peak RSS could not be read";
    EXPECT_LE(large_kb, small_kb + small_kb / 4 + 4 * 1024)
        << "peak RSS " << small_kb << " KiB for 10,000 URLs, " << large_kb << " KiB for 100,000";
}

/// Runs the binary with stdin from a file, stdout on a pseudo-terminal and stderr to /dev/null; returns
/// what the terminal showed, without the '\r' it adds, up to timeout_s seconds.
std::string run_on_terminal(const std::vector<std::string>& args,
                            const std::string& stdin_text,
                            int timeout_s)
{
    const int in_fd = test::input_file(stdin_text);
    int master = -1;
    int slave = -1;
    if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
        throw std::runtime_error("openpty failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, slave, 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = test::spawn(args, actions, pid);
    posix_spawn_file_actions_destroy(&actions);
    // Only the child holds the terminal now: once it exits, reading the master ends with EIO.
    close(slave);
    close(in_fd);
    std::string shown;
    if (rc == 0)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        pollfd p{master, POLLIN, 0};
        while (std::chrono::steady_clock::now() < deadline)
        {
            const int ready = poll(&p, 1, 100);
            if (ready < 0)
                break;
            if (ready == 0)
                continue;
            char buffer[65536];
            const ssize_t n = read(master, buffer, sizeof buffer);
            // EIO once the child has gone and everything it wrote has been read.
            if (n <= 0)
                break;
            // The terminal turns "\n" into "\r\n".
            std::copy_if(buffer, buffer + n, std::back_inserter(shown), [](char c) { return c != '\r'; });
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
    close(master);
    return shown;
}

// stdin is read on a thread of its own, and std::cin is tied to std::cout: every std::getline there
// flushed std::cout while the event loop wrote records to it, a data race on the stream's buffer that
// ThreadSanitizer cannot see (inside libstdc++). On a terminal, where records are written one at a time,
// 7-10% of 20,000 records came out twice, a few were lost or garbled (`cat urls | asyncfetch`).
// threaded_line_source now unties its stream; runner_test checks that, this checks what a user sees.
TEST(scale, records_on_a_terminal_are_written_once_while_stdin_is_read)
{
    constexpr std::size_t n = 20'000;
    std::string input;
    for (std::size_t i = 0; i < n; ++i)
        input += "not-a-url-" + std::to_string(i) + "\n";
    const auto shown = run_on_terminal({ASYNCFETCH_BIN, "--json", "-q"}, input, 60);
    std::size_t records = 0;
    std::size_t garbled = 0;
    std::set<std::int64_t> indices;
    for (const auto& line : test::lines_of(shown))
    {
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (ec || !value.is_object())
        {
            if (++garbled <= 5)
                ADD_FAILURE() << "not a JSON record: " << line.substr(0, 200);
            continue;
        }
        if (text_of(value.as_object(), "type") != "result")
            continue;
        ++records;
        indices.insert(integer_of(value.as_object(), "index"));
    }
    EXPECT_EQ(garbled, 0u);
    EXPECT_EQ(records, n);
    EXPECT_EQ(indices.size(), n);
}

}  // namespace
}  // namespace asyncfetch
