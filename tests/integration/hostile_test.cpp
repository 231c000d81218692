// Hostile servers and hostile input, round two: unparsed bytes held in bounds, header fields too large
// for Beast, early answers to an upload, request bodies streamed from files, running out of descriptors.
#include "asyncfetch/request_body.hpp"
#include "asyncfetch/testbed.hpp"
#include "fault_server.hpp"
#include "test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;
using test::close_connection;
using test::fault_script;
using test::fault_server;
using test::hold_open;
using test::pause_for;
using test::reset_connection;
using test::send_bytes;
using test::temp_dir;

const std::string asyncfetch_bin = ASYNCFETCH_BIN;

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

/// The two ways a pass runs the same URLs.
enum class mode
{
    concurrent,
    sequential,
};

class hostile : public ::testing::TestWithParam<mode>
{
protected:
    run_config config(std::chrono::milliseconds timeout = 3000ms) const
    {
        auto cfg = test::config_with(GetParam() == mode::concurrent ? 4 : 1);
        cfg.client.max_idle = 16;
        cfg.client.timeout = timeout;
        cfg.client.connect_timeout = 1000ms;
        return cfg;
    }

    /// Runs urls in-process; a pass that does not end within 30 s aborts: a hang must not pass.
    static std::vector<fetch_result> run(const std::vector<std::string>& urls, const run_config& cfg)
    {
        auto task = std::async(std::launch::async, [&] { return test::run_urls(urls, cfg); });
        if (task.wait_for(30s) != std::future_status::ready)
        {
            std::fprintf(stderr, "hostile_test: the pass did not end within 30 s\n");
            std::abort();
        }
        auto out = task.get();
        EXPECT_EQ(out.results.size(), urls.size());
        return out.results;
    }

    /// Two URLs on a server that plays script on every connection; each must fail as protocol with
    /// a message containing words.
    void expect_protocol(const fault_script& script, const std::string& words)
    {
        fault_server server({script});
        for (const auto& r : run({server.url("/0"), server.url("/1")}, config()))
        {
            EXPECT_EQ(to_string(r.kind), "protocol") << r.url << ": " << r.error;
            EXPECT_NE(r.error.find(words), std::string::npos) << r.error;
        }
    }
};

std::string mode_name(const ::testing::TestParamInfo<mode>& info)
{
    return info.param == mode::concurrent ? "concurrent" : "sequential";
}

void PrintTo(mode m, std::ostream* os) { *os << (m == mode::concurrent ? "concurrent" : "sequential"); }

INSTANTIATE_TEST_SUITE_P(, hostile, ::testing::Values(mode::concurrent, mode::sequential), mode_name);

const std::string chunked_head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

// --- Unparsed bytes: chunk-size lines, trailers --------------------------------------------------

TEST_P(hostile, chunk_extension_without_a_line_end_is_protocol_naming_the_chunk_line)
{
    // 1 MiB of extension and no CRLF: the parser can take none of it.
    expect_protocol({send_bytes(chunked_head + "5;ext=" + std::string(1 << 20, 'a')), hold_open()},
                    "chunk header line longer than 64 KiB");
}

TEST_P(hostile, chunk_size_with_a_megabyte_of_leading_zeros_is_protocol)
{
    expect_protocol({send_bytes(chunked_head + "2\r\nok\r\n" + std::string(1 << 20, '0')), hold_open()},
                    "chunk header line longer than 64 KiB");
}

TEST_P(hostile, endless_trailer_section_is_protocol_naming_the_trailers)
{
    std::string trailers;
    while (trailers.size() < 512 * 1024)
        trailers += "X-Trailer: 0123456789abcdef\r\n";
    expect_protocol({send_bytes(chunked_head + "2\r\nok\r\n0\r\n" + trailers), hold_open()},
                    "trailer section larger than 128 KiB");
}

TEST_P(hostile, chunks_with_short_extensions_and_trailers_are_still_read)
{
    // Connection: close, so each URL has a connection (and a script run) of its own.
    fault_server server(
        {{send_bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                     "2;a=b\r\nok\r\n000003;x\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"),
          close_connection()}});
    for (const auto& r : run({server.url("/0"), server.url("/1")}, config()))
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.bytes, 5u);
    }
}

// --- Header fields too large for Beast ----------------------------------------------------------------

TEST_P(hostile, header_value_of_100_kb_is_protocol_naming_the_field)
{
    // Under the 128 KiB header limit, but past the 64 KiB Beast can hold in one field.
    expect_protocol({send_bytes("HTTP/1.1 200 OK\r\nX-Big: " + std::string(100'000, 'v') +
                                "\r\nContent-Length: 2\r\n\r\nok"),
                     hold_open()},
                    "header field larger than 64 KiB");
}

TEST_P(hostile, location_of_100_kb_is_protocol_naming_the_field)
{
    expect_protocol({send_bytes("HTTP/1.1 301 Moved\r\nLocation: /" + std::string(100'000, 'l') +
                                "\r\nContent-Length: 0\r\n\r\n"),
                     hold_open()},
                    "header field larger than 64 KiB");
}

TEST_P(hostile, trailer_field_of_70_kb_is_protocol_naming_the_field)
{
    expect_protocol(
        {send_bytes(chunked_head + "2\r\nok\r\n0\r\nX-T: " + std::string(70'000, 't') + "\r\n\r\n"),
         hold_open()},
        "header field larger than 64 KiB");
}

// --- A server that answers before it has read the body -----------------------------------------------

const std::string too_large_413 =
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large";

TEST_P(hostile, answer_413_then_close_while_the_body_is_sent_is_the_result)
{
    fault_server server({{send_bytes(too_large_413), close_connection()}});
    auto cfg = config();
    cfg.client.request.method = "POST";
    cfg.client.request.body = std::string(32 << 20, 'b');
    for (const auto& r : run({server.url("/0"), server.url("/1")}, cfg))
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.status, 413u) << r.error;
        EXPECT_EQ(r.bytes, 9u);
    }
}

TEST_P(hostile, answer_413_then_reset_while_a_file_body_is_sent_is_the_result)
{
    temp_dir dir;
    options o;
    o.data = {{true, "@" + dir.sparse_file("upload.bin", 64 << 20)}};
    ASSERT_EQ(load_request_body(o), std::nullopt);
    fault_server server({{send_bytes(too_large_413), reset_connection()}});
    auto cfg = config();
    cfg.client.request.method = "POST";
    cfg.client.request.body = o.client.request.body;
    for (const auto& r : run({server.url("/0"), server.url("/1")}, cfg))
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.status, 413u) << r.error;
    }
}

TEST_P(hostile, answer_401_from_a_server_that_stops_reading_ends_the_upload)
{
    // The server answers and then reads nothing for 5 s: the rest of the 64 MiB cannot go out, and
    // waiting for it would reach the 3 s timeout.
    fault_server server(
        {{send_bytes("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"), pause_for(5s)}});
    auto cfg = config();
    cfg.client.request.method = "PUT";
    cfg.client.request.body = std::string(64 << 20, 'b');
    const auto start = std::chrono::steady_clock::now();
    for (const auto& r : run({server.url("/0"), server.url("/1")}, cfg))
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.status, 401u) << r.error;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ(server.connections(), 2u) << "a connection whose upload was cut short is not reused";
}

// --- Request bodies from files ---------------------------------------------------------------------

/// POSTs the file through a 307 to the testbed's /echo, over HTTP/1.1 or HTTP/2, and checks that the
/// body arrived whole after the redirect.
void expect_file_body_after_307(bool h2)
{
    temp_dir dir;
    std::string content;
    for (int i = 0; content.size() < (3 << 20); ++i)
        content += "row " + std::to_string(i) + " of a body streamed from its file\r\n";
    const auto path = dir.write("body.txt", content);
    std::filesystem::create_directory(dir.path() / "out");

    testbed_config tc;
    tc.h2c = h2;
    testbed tb(tc);
    for (const bool binary : {true, false})
    {
        SCOPED_TRACE(binary ? "--data-binary @file" : "-d @file");
        options o;
        o.data = {{binary, "@" + path}};
        ASSERT_EQ(load_request_body(o), std::nullopt);
        auto cfg = test::config_with(2);
        cfg.client.request.method = "POST";
        cfg.client.request.body = o.client.request.body;
        cfg.client.request.form_body = o.client.request.form_body;
        cfg.client.output_dir = (dir.path() / "out").string();
        cfg.client.remote_name_all = true;  // -O for every URL: the echo is saved under out/
        if (h2)
            cfg.client.versions = http_versions::http2_prior_knowledge;
        const auto results = test::run_urls({tb.base_url() + "/redirect-to?url=/echo&status=307"}, cfg)
                                 .results;
        ASSERT_EQ(results.size(), 1u);
        const auto& r = results[0];
        EXPECT_EQ(r.kind, error_kind::none) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.redirects, 1u);
        EXPECT_EQ(r.http_version, h2 ? "2" : "1.1");
        std::string expected = content;
        if (!binary)
            std::erase_if(expected, [](char c) { return c == '\r' || c == '\n'; });
        const std::string echoed = slurp(r.file);
        ASSERT_GE(echoed.size(), expected.size());
        EXPECT_TRUE(echoed.ends_with(expected)) << "the body after the 307 is not the file's";
        // "Content-Length" over HTTP/1.1, "content-length" over HTTP/2.
        std::string fields = echoed.substr(0, echoed.find("\n\n"));
        std::transform(fields.begin(), fields.end(), fields.begin(), [](unsigned char c) {
            return static_cast<char>(std::tolower(c));
        });
        EXPECT_NE(fields.find("content-length: " + std::to_string(expected.size())), std::string::npos)
            << fields;
        std::filesystem::remove(r.file);
    }
}

TEST(hostile_upload, file_body_is_sent_again_after_a_307_over_http1) { expect_file_body_after_307(false); }

TEST(hostile_upload, file_body_is_sent_again_after_a_307_over_http2) { expect_file_body_after_307(true); }

TEST(hostile_h2, trailer_block_past_128_kib_resets_only_its_stream)
{
    testbed_config tc;
    tc.h2c = true;
    testbed tb(tc);
    auto cfg = test::config_with(4);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    const auto results = test::run_urls({tb.base_url() + "/h2-trailers/200?size=1000",
                                         tb.base_url() + "/h2-trailers/10?size=100",
                                         tb.base_url() + "/bytes/5"},
                                        cfg)
                             .results;
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(to_string(results[0].kind), "protocol") << results[0].error;
    EXPECT_NE(results[0].error.find("trailer section larger than 128 KiB"), std::string::npos)
        << results[0].error;
    for (std::size_t i = 1; i < 3; ++i)
    {
        EXPECT_EQ(results[i].kind, error_kind::none) << results[i].url << ": " << results[i].error;
        EXPECT_EQ(results[i].http_version, "2");
    }
    EXPECT_EQ(results[1].bytes, 3u);
}

TEST(hostile_h2, an_early_413_ends_the_upload_of_its_stream)
{
    // The testbed answers 413 as soon as a body passes 16 MiB. The rest of a 16 GiB file is not
    // sent: the client resets its stream (NO_ERROR) once the response is complete, so the fetch
    // ends in milliseconds instead of after the upload (seconds, at any loopback speed).
    temp_dir dir;
    options o;
    o.data = {{true, "@" + dir.sparse_file("huge.bin", std::uint64_t{16} << 30)}};
    ASSERT_EQ(load_request_body(o), std::nullopt);
    testbed_config tc;
    tc.h2c = true;
    testbed tb(tc);
    auto cfg = test::config_with(2);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    cfg.client.request.method = "POST";
    cfg.client.request.body = o.client.request.body;
    cfg.client.timeout = 8s;
    const auto start = std::chrono::steady_clock::now();
    const auto results = test::run_urls({tb.base_url() + "/echo", tb.base_url() + "/bytes/5"}, cfg).results;
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results)
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.status, 413u) << r.url;
        EXPECT_EQ(r.http_version, "2");
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

/// An HTTP/1.1 server on 127.0.0.1 that reads each request's body (Content-Length) and drops it,
/// answering 200 with the number of body bytes it read. One connection at a time.
class upload_sink
{
public:
    upload_sink()
    {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listen_fd_, 16) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("upload_sink: bind or listen failed");
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~upload_sink()
    {
        stopping_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    upload_sink(const upload_sink&) = delete;
    upload_sink& operator=(const upload_sink&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/upload"; }
    /// Body bytes read so far, over all requests.
    std::uint64_t received() const noexcept { return received_; }

private:
    bool wait_readable(int fd)
    {
        while (!stopping_)
        {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 5) > 0)
                return true;
        }
        return false;
    }

    void loop()
    {
        while (wait_readable(listen_fd_))
        {
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            serve(fd);
            ::close(fd);
        }
    }

    void serve(int fd)
    {
        std::string head;
        std::vector<char> buf(256 * 1024);
        std::size_t end = std::string::npos;
        while ((end = head.find("\r\n\r\n")) == std::string::npos)
        {
            if (!wait_readable(fd))
                return;
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n <= 0)
                return;
            head.append(buf.data(), static_cast<std::size_t>(n));
        }
        std::uint64_t got = head.size() - end - 4;
        std::string lower = head.substr(0, end);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
            return std::tolower(c);
        });
        std::uint64_t length = 0;
        if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos)
            length = std::strtoull(lower.c_str() + at + 17, nullptr, 10);
        while (got < length)
        {
            if (!wait_readable(fd))
                return;
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n <= 0)
                break;
            got += static_cast<std::uint64_t>(n);
        }
        received_ += got;
        const std::string body = std::to_string(got);
        const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body;
        (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> received_{0};
    std::thread thread_;
};

// --- Memory bounds, in a child process ---------------------------------------------------------------

/// Runs the asyncfetch binary with args and returns what it did, peak RSS included.
test::process_result run_asyncfetch(std::vector<std::string> args, int timeout_s = 60)
{
    args.insert(args.begin(), asyncfetch_bin);
    return test::run_process(args, {}, timeout_s);
}

TEST(hostile_memory, chunk_extension_flood_keeps_memory_flat)
{
    if (test::under_sanitizer)
        GTEST_SKIP() << "RSS is not meaningful under a sanitizer";
    // 64 MiB of chunk extension without a line end: unbounded, the read buffer held all of it
    // (518 MB peak for 256 MB); bounded, the response fails at 64 KiB.
    fault_server server({{send_bytes(chunked_head + "5;" + std::string(64 << 20, 'e')), close_connection()}});
    // A second URL that takes 500 ms keeps the process alive long enough for its peak to be read.
    testbed tb;
    const auto p = run_asyncfetch({"-q", "--format", "tsv", server.url("/"), tb.base_url() + "/delay/500"});
    EXPECT_EQ(p.exit_code, 1) << p.err;
    EXPECT_NE(p.out.find("chunk header line longer than 64 KiB"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("200\t3\t"), std::string::npos) << p.out;
    ASSERT_GT(p.peak_rss_kb, 1024) << "the child's peak RSS could not be read";
    std::fprintf(stderr, "chunk extension flood: peak RSS %ld KiB\n", p.peak_rss_kb);
    EXPECT_LT(p.peak_rss_kb, 32 * 1024);
}

/// Uploads a sparse file of size bytes with flag (--data-binary or -d) to an upload_sink from the
/// binary; checks every byte arrived and returns the child's peak RSS in KiB.
long upload_peak_kb(const std::string& flag, std::uint64_t size)
{
    temp_dir dir;
    const auto path = dir.sparse_file("upload.bin", size);
    upload_sink sink;
    const auto start = std::chrono::steady_clock::now();
    const auto p = run_asyncfetch({"-q", "--format", "tsv", "-m", "100", flag, "@" + path, sink.url()}, 110);
    EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
    const std::string count = std::to_string(size);
    EXPECT_TRUE(p.out.starts_with("200\t" + std::to_string(count.size()) + "\t")) << p.out;
    EXPECT_EQ(sink.received(), size);
    std::fprintf(stderr,
                 "%s @file of %llu MiB: peak RSS %ld KiB, %.1f s\n",
                 flag.c_str(),
                 static_cast<unsigned long long>(size >> 20),
                 p.peak_rss_kb,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return p.peak_rss_kb;
}

TEST(hostile_memory, data_binary_file_of_256_mib_is_streamed_in_under_20_mib)
{
    if (test::under_sanitizer)
        GTEST_SKIP() << "RSS is not meaningful under a sanitizer";
    // Loaded whole, a 64 MB file held 262 MB; streamed, memory does not depend on the size.
    const long kb = upload_peak_kb("--data-binary", std::uint64_t{256} << 20);
    ASSERT_GT(kb, 1024) << "the child's peak RSS could not be read";
    EXPECT_LT(kb, 20 * 1024);
}

TEST(hostile_memory, data_file_of_64_mib_is_counted_then_streamed_in_under_20_mib)
{
    if (test::under_sanitizer)
        GTEST_SKIP() << "RSS is not meaningful under a sanitizer";
    // -d: a first pass counts the bytes other than CR and LF (the Content-Length), the second sends them.
    const long kb = upload_peak_kb("-d", std::uint64_t{64} << 20);
    ASSERT_GT(kb, 1024) << "the child's peak RSS could not be read";
    EXPECT_LT(kb, 20 * 1024);
}

// --- Running out of file descriptors ------------------------------------------------------------------

TEST(hostile_descriptors, three_hundred_urls_at_j300_under_ulimit_64_all_succeed)
{
    if (test::under_sanitizer)
        GTEST_SKIP() << "under a sanitizer the runtime needs descriptors of its own";
    testbed_config tc;
    tc.record_requests = false;
    testbed tb(tc);
    std::string urls;
    for (int i = 0; i < 300; ++i)
        urls += tb.base_url() + "/bytes/10?" + std::to_string(i) + "\n";
    // Descriptors the test runner left open would count against the 64: the shell closes them first.
    const std::string script =
        "for f in /proc/$$/fd/*; do fd=${f##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; "
        "done; ulimit -n 64 && exec " +
        asyncfetch_bin + " -j 300 -q --format tsv";
    const auto p = test::run_process({"/bin/bash", "-c", script}, urls, 110);
    EXPECT_EQ(p.exit_code, 0) << p.err;
    const auto lines = test::lines_of(p.out);
    EXPECT_EQ(lines.size(), 300u);
    std::size_t ok = 0;
    for (const auto& line : lines)
    {
        if (line.starts_with("200\t10\t") && line.ends_with("\t-"))
            ++ok;
        else
            ADD_FAILURE() << line;
    }
    EXPECT_EQ(ok, 300u);
}

}  // namespace
}  // namespace asyncfetch
