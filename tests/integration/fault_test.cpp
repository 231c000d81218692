// Broken servers: each way a response can go wrong still ends every URL with one result of the right kind.
#include "asyncfetch/testbed.hpp"
#include "fault_server.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using namespace std::chrono_literals;
using test::close_connection;
using test::fault_script;
using test::fault_server;
using test::hold_open;
using test::pause_for;
using test::read_request;
using test::reset_connection;
using test::send_bytes;
using test::trickle_bytes;

/// A complete 200 response that ends the connection.
std::string ok_and_close(const std::string& body)
{
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

/// A complete 200 response that keeps the connection alive.
std::string ok_keep_alive(const std::string& body)
{
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// The two ways a pass runs the same URLs.
enum class mode
{
    concurrent,  ///< config_with(4)
    sequential,  ///< config_with(1)
};

class fault : public ::testing::TestWithParam<mode>
{
protected:
    /// The pass's settings: short timeouts so a hang shows as a wrong kind, not as a stuck test.
    run_config config(std::chrono::milliseconds timeout = 1500ms) const
    {
        auto cfg = test::config_with(GetParam() == mode::concurrent ? 4 : 1);
        // Room in the pool for every origin of a test, so an idle connection is not evicted by another's.
        cfg.client.max_idle = 16;
        cfg.client.timeout = timeout;
        cfg.client.connect_timeout = 1000ms;
        return cfg;
    }

    /// Runs urls in-process and checks that each came back exactly once. A pass that does not end
    /// within 20 s aborts the test binary: a hang must not pass as a slow test.
    static test::pass_results run(const std::vector<std::string>& urls, const run_config& cfg)
    {
        auto task = std::async(std::launch::async, [&] { return test::run_urls(urls, cfg); });
        if (task.wait_for(20s) != std::future_status::ready)
        {
            std::fprintf(stderr, "fault_test: the pass did not end within 20 s\n");
            std::abort();
        }
        auto out = task.get();
        if (std::getenv("ASYNCFETCH_TEST_VERBOSE") && urls.size() <= 50)
            for (const auto& r : out.results)
                std::fprintf(stderr,
                             "  [%zu] %s status=%u bytes=%llu time=%.0fms reused=%d kind=%s error=%s\n",
                             r.index,
                             r.url.c_str(),
                             r.status,
                             static_cast<unsigned long long>(r.bytes),
                             r.time_ms,
                             r.reused ? 1 : 0,
                             std::string(to_string(r.kind)).c_str(),
                             r.error.c_str());
        EXPECT_EQ(out.results.size(), urls.size());
        EXPECT_EQ(out.summary.count, urls.size());
        std::set<std::size_t> seen;
        for (const auto& r : out.results)
        {
            EXPECT_TRUE(seen.insert(r.index).second) << "two results for index " << r.index;
            if (r.index < urls.size())
                EXPECT_EQ(r.url, urls[r.index]);
            else
                ADD_FAILURE() << "result for index " << r.index << " of " << urls.size() << " URLs";
        }
        return out;
    }

    /// Three URLs on a server that plays script on every connection.
    std::vector<fetch_result> run_script(const fault_script& script, const run_config& cfg)
    {
        fault_server server({script});
        return run({server.url("/0"), server.url("/1"), server.url("/2")}, cfg).results;
    }

    /// Three URLs on script, each expected to fail with kind.
    std::vector<fetch_result> expect_kind(const fault_script& script,
                                          error_kind kind,
                                          std::chrono::milliseconds timeout = 1500ms)
    {
        auto results = run_script(script, config(timeout));
        for (const auto& r : results)
            EXPECT_EQ(to_string(r.kind), to_string(kind)) << r.url << ": " << r.error;
        return results;
    }

    /// first, then second on the same origin, with ~100 ms of other work in between in both modes,
    /// so the connection first used sits idle in the pool before second takes it.
    static std::vector<std::string> with_gap(const std::string& first,
                                             const std::string& second,
                                             const testbed& tb)
    {
        std::vector<std::string> urls{first};
        for (int i = 0; i < 4; ++i)
            urls.push_back(tb.base_url() + "/delay/100?" + std::to_string(i));
        urls.push_back(second);
        return urls;
    }
};

std::string mode_name(const ::testing::TestParamInfo<mode>& info)
{
    return info.param == mode::concurrent ? "concurrent" : "sequential";
}

void PrintTo(mode m, std::ostream* os)
{
    *os << (m == mode::concurrent ? "concurrent (4 workers)" : "sequential (1 worker)");
}

INSTANTIATE_TEST_SUITE_P(, fault, ::testing::Values(mode::concurrent, mode::sequential), mode_name);

// --- Connecting and waiting -------------------------------------------------------------------------

TEST_P(fault, refused_connection_is_connect)
{
    test::refused_port refused;
    auto out = run({refused.url("/0"), refused.url("/1"), refused.url("/2")}, config());
    for (const auto& r : out.results)
    {
        EXPECT_EQ(to_string(r.kind), "connect") << r.error;
        EXPECT_EQ(r.status, 0u);
    }
    EXPECT_EQ(out.summary.failed, 3u);
}

TEST_P(fault, accepted_but_never_answered_is_timeout)
{
    for (const auto& r : expect_kind({hold_open()}, error_kind::timeout, 300ms))
    {
        EXPECT_EQ(r.status, 0u);
        EXPECT_GE(r.time_ms, 250.0);
        EXPECT_LT(r.time_ms, 1000.0);
    }
}

// The deadline timer of a kept-alive connection is not re-armed for each request while the next
// deadline comes later (transport::expires_at): the wait for the first request's deadline must move on
// to the second request's, neither cutting the second short nor letting it run past its own.
TEST_P(fault, second_request_on_a_kept_alive_connection_times_out_at_its_own_deadline)
{
    if (GetParam() == mode::concurrent)
        GTEST_SKIP() << "the second URL must wait for the first one's connection: sequential only";
    testbed tb;
    fault_server server({{send_bytes(ok_keep_alive("ok")), read_request(), hold_open()}});
    // The second request starts about 700 ms after the first, whose deadline is 1 s after its start.
    auto out = run({server.url("/first"), tb.base_url() + "/delay/700", server.url("/second")},
                   config(1000ms));
    ASSERT_EQ(out.results.size(), 3u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    const auto& second = out.results[2];
    EXPECT_EQ(to_string(second.kind), "timeout") << second.error;
    EXPECT_GE(second.time_ms, 800.0) << "cut short at the first request's deadline";
    EXPECT_LT(second.time_ms, 3000.0);
    EXPECT_EQ(out.summary.connections_reused, 1u);
}

TEST_P(fault, body_trickling_past_the_deadline_is_timeout)
{
    const fault_script script{send_bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
                              trickle_bytes(std::string(100, 'x'), 50ms)};
    for (const auto& r : expect_kind(script, error_kind::timeout, 300ms))
    {
        EXPECT_EQ(r.status, 200u);
        EXPECT_GE(r.time_ms, 250.0);
        EXPECT_LT(r.time_ms, 1000.0);
        EXPECT_LT(r.bytes, 100u);
    }
}

// --- The connection ends too early ---------------------------------------------------------------------

TEST_P(fault, empty_reply_is_protocol)
{
    for (const auto& r : expect_kind({close_connection()}, error_kind::protocol))
        EXPECT_EQ(r.status, 0u);
}

TEST_P(fault, reset_in_the_middle_of_the_body_is_truncated)
{
    // The pause lets the client read the head and the first part before the RST discards its queue.
    const fault_script script{
        send_bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(300, 'x')),
        pause_for(100ms),
        reset_connection(),
    };
    for (const auto& r : expect_kind(script, error_kind::truncated))
    {
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.bytes, 300u);
    }
}

TEST_P(fault, content_length_longer_than_the_body_then_close_is_truncated)
{
    const fault_script script{
        send_bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(10, 'x')),
        close_connection()};
    for (const auto& r : expect_kind(script, error_kind::truncated))
    {
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.bytes, 10u);
    }
}

TEST_P(fault, chunked_body_cut_off_is_truncated)
{
    const fault_script script{send_bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         "10\r\n0123456789abcdef\r\n"
                                         "10\r\n01234"),
                              close_connection()};
    for (const auto& r : expect_kind(script, error_kind::truncated))
        EXPECT_EQ(r.status, 200u);
}

// --- Framing a client must refuse ---------------------------------------------------------------------

/// A response with the given header lines (each with its CRLF) and a 2-byte body, then the connection
/// stays open so that only the parser can end the fetch.
fault_script header_lines(const std::string& lines)
{
    return {send_bytes("HTTP/1.1 200 OK\r\n" + lines + "\r\nok"), hold_open()};
}

TEST_P(fault, negative_content_length_is_protocol)
{
    expect_kind(header_lines("Content-Length: -1\r\n"), error_kind::protocol);
}

TEST_P(fault, non_numeric_content_length_is_protocol)
{
    expect_kind(header_lines("Content-Length: two\r\n"), error_kind::protocol);
}

TEST_P(fault, content_length_of_two_to_the_64_is_protocol)
{
    expect_kind(header_lines("Content-Length: 18446744073709551616\r\n"), error_kind::protocol);
}

TEST_P(fault, conflicting_duplicate_content_length_is_protocol)
{
    expect_kind(header_lines("Content-Length: 2\r\nContent-Length: 3\r\n"), error_kind::protocol);
}

// RFC 9112 6.3 lets a client either reject this or let chunked win; Beast 1.81 rejects it in both orders
// (bad_transfer_encoding when Content-Length came first, bad_content_length when chunked did), so it is
// a protocol error. The body is valid chunked framing, so a client letting chunked win would read "ok".
TEST_P(fault, content_length_with_chunked_is_protocol)
{
    const std::string chunked_ok = "2\r\nok\r\n0\r\n\r\n";
    for (const char* lines : {"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                              "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n"})
    {
        const fault_script script{
            send_bytes(std::string("HTTP/1.1 200 OK\r\n") + lines + "\r\n" + chunked_ok),
            hold_open()};
        for (const auto& r : run_script(script, config()))
            EXPECT_EQ(to_string(r.kind), "protocol") << lines << r.error;
    }
}

TEST_P(fault, invalid_chunk_size_is_protocol)
{
    expect_kind({send_bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n"),
                 hold_open()},
                error_kind::protocol);
}

TEST_P(fault, megabyte_header_line_is_protocol)
{
    expect_kind(header_lines("X-Big: " + std::string(1024 * 1024, 'a') + "\r\nContent-Length: 2\r\n"),
                error_kind::protocol);
}

TEST_P(fault, ten_thousand_headers_are_protocol)
{
    // 28 bytes a line: 280 KB of header, past the client's 128 KiB limit.
    std::string lines;
    char line[64];
    for (int i = 0; i < 10'000; ++i)
    {
        std::snprintf(line, sizeof line, "X-Filler-%05d: 0123456789\r\n", i);
        lines += line;
    }
    expect_kind(header_lines(lines + "Content-Length: 2\r\n"), error_kind::protocol);
}

/// count header fields of 6 bytes each ("X: 1\r\n" and so on): far under the 128 KiB size limit.
std::string short_fields(int count)
{
    std::string lines;
    for (int i = 0; i < count; ++i)
        lines += "X" + std::to_string(i % 10) + ": 1\r\n";
    return lines;
}

TEST_P(fault, more_header_fields_than_the_limit_is_protocol_even_when_small)
{
    // 1,500 fields in 10 KB: only the count bound (1,000 fields) refuses it.
    for (const auto& r :
         expect_kind(header_lines(short_fields(1499) + "Content-Length: 2\r\n"), error_kind::protocol))
        EXPECT_NE(r.error.find("too many header fields"), std::string::npos) << r.error;
}

TEST_P(fault, header_fields_up_to_the_limit_are_accepted)
{
    // 999 + Content-Length = exactly the 1,000 fields allowed.
    fault_server server(
        {{send_bytes("HTTP/1.1 200 OK\r\n" + short_fields(999) + "Content-Length: 2\r\n\r\nok"),
          close_connection()}});
    for (const auto& r : run({server.url("/0"), server.url("/1")}, config()).results)
    {
        EXPECT_EQ(r.kind, error_kind::none) << r.url << ": " << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.bytes, 2u);
    }
}

TEST_P(fault, nul_in_a_header_is_protocol)
{
    expect_kind(header_lines(std::string("X-Bad: a") + '\0' + "b\r\nContent-Length: 2\r\n"),
                error_kind::protocol);
}

TEST_P(fault, ssh_banner_instead_of_a_status_line_is_protocol)
{
    expect_kind({send_bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), hold_open()},
                error_kind::protocol);
}

// Bare LF line endings: acceptable outcomes are reading the response (as curl does) or a protocol error,
// never a wait for a CRLF that does not come. Beast 1.81 rejects the status line at once ("bad reason":
// the LF is not a valid reason-phrase character), whether the server closes or keeps the connection.
TEST_P(fault, lf_only_line_endings_then_close_is_ok_or_protocol)
{
    const fault_script script{send_bytes("HTTP/1.1 200 OK\nContent-Length: 2\nConnection: close\n\nok"),
                              close_connection()};
    for (const auto& r : run_script(script, config()))
        EXPECT_TRUE(r.kind == error_kind::none || r.kind == error_kind::protocol)
            << to_string(r.kind) << ": " << r.error;
}

TEST_P(fault, lf_only_line_endings_kept_open_is_ok_or_protocol)
{
    const fault_script script{send_bytes("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), hold_open()};
    for (const auto& r : run_script(script, config(1000ms)))
        EXPECT_TRUE(r.kind == error_kind::none || r.kind == error_kind::protocol)
            << to_string(r.kind) << ": " << r.error;
}

// --- Repeated field lines ------------------------------------------------------------------------------

TEST_P(fault, content_encoding_on_two_lines_is_decoded_twice)
{
    // Two Content-Encoding lines are one list (RFC 9110, 5.3): a body gzipped twice.
    const std::string twice(
        "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x93\xef\xe6\x60\x00\x01\x26\x66\x6d"
        "\xcd\xf3\x3e\x7e\xa1\x1e\xeb\x4f\xe9\x68\x78\xf8\x06\x7a\x9c\xf2\x5f\xf9\x84"
        "\x89\xe1\x46\x63\x5d\x8d\x30\x50\x1a\x00\x53\x1e\x83\x41\x27\x00\x00\x00",
        56);
    const fault_script script{
        send_bytes("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Encoding: gzip\r\nContent-Length: 56"
                   "\r\n\r\n" +
                   twice),
        close_connection(),
    };
    auto cfg = config();
    cfg.client.compressed = true;
    for (const auto& r : run_script(script, cfg))
    {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.bytes, std::string("twice gzipped body\n").size());
        EXPECT_EQ(r.wire_bytes, 56u);
    }
}

// --- Interim responses ---------------------------------------------------------------------------------

TEST_P(fault, interim_responses_before_the_final_one_are_ok)
{
    const fault_script script{
        send_bytes("HTTP/1.1 100 Continue\r\n\r\n"),
        pause_for(20ms),
        send_bytes("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"),
        pause_for(20ms),
        send_bytes(ok_and_close("abc")),
        close_connection(),
    };
    for (const auto& r : run_script(script, config()))
    {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.bytes, 3u);
    }
}

// No final response ever starts: the fetch reports that the server closed without a response
// (http::error::end_of_stream on the parser of the final response), a protocol error.
TEST_P(fault, interim_response_then_close_is_protocol)
{
    for (const auto& r :
         expect_kind({send_bytes("HTTP/1.1 100 Continue\r\n\r\n"), close_connection()}, error_kind::protocol))
        EXPECT_NE(r.status, 200u);
}

// --- Pooled connections ----------------------------------------------------------------------------

// The first response is followed at once by a complete second response the client never asked for.
// HTTP/1.1 without pipelining has no place for it: the next request on the same origin must get its
// own, genuine response (the connection is not reused, or the leftover bytes are dropped with it),
// or at worst a clean protocol error, never the smuggled response.
TEST_P(fault, bytes_after_a_complete_response_do_not_corrupt_the_next_one)
{
    testbed tb;
    const std::string genuine = ok_and_close("genuine");
    fault_server server({
        {send_bytes(ok_keep_alive("ok") + ok_keep_alive("EVIL!")), read_request(), send_bytes(genuine)},
        {send_bytes(genuine)},
    });
    auto out = run(with_gap(server.url("/first"), server.url("/second"), tb), config());
    ASSERT_EQ(out.results.size(), 6u);
    EXPECT_TRUE(out.results.front().ok()) << out.results.front().error;
    EXPECT_EQ(out.results.front().bytes, 2u);
    const auto& second = out.results.back();
    if (second.ok())
    {
        EXPECT_EQ(second.status, 200u);
        EXPECT_EQ(second.bytes, 7u) << "the smuggled response was taken for the second URL's";
    }
    else
    {
        EXPECT_EQ(to_string(second.kind), "protocol") << second.error;
    }
}

// An idle pooled connection receives "408 Request Timeout" and a close before the client sends anything
// (servers do this when their keep-alive timer fires). RFC 9110 15.5.9: the client may repeat the request
// on a new connection. The second URL must get the genuine 200, not a 408 its request never received.
TEST_P(fault, unsolicited_408_on_a_pooled_connection_is_retried_on_a_new_one)
{
    testbed tb;
    const std::string genuine = ok_and_close("genuine");
    fault_server server({
        {send_bytes(ok_keep_alive("ok")),
         pause_for(30ms),
         send_bytes("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
         close_connection()},
        {send_bytes(genuine)},
    });
    auto out = run(with_gap(server.url("/first"), server.url("/second"), tb), config());
    ASSERT_EQ(out.results.size(), 6u);
    EXPECT_TRUE(out.results.front().ok()) << out.results.front().error;
    const auto& second = out.results.back();
    EXPECT_TRUE(second.ok()) << to_string(second.kind) << ": " << second.error;
    EXPECT_EQ(second.status, 200u);
    EXPECT_EQ(second.bytes, 7u);
}

// The same 408, but the server's idle timer fires just as the request arrives: the 408 and the close come
// after the request was sent, which looks like a genuine answer. The client may retry it on a new
// connection (RFC 9110 15.5.9) or report the 408; either way the URL gets one result and no mix-up.
// Today the 408 is reported (status 408, a completed transfer).
TEST_P(fault, request_racing_a_408_on_a_pooled_connection_gets_one_clean_result)
{
    testbed tb;
    fault_server server({
        {send_bytes(ok_keep_alive("ok")),
         read_request(),
         send_bytes("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
         close_connection()},
        {send_bytes(ok_and_close("genuine"))},
    });
    auto out = run(with_gap(server.url("/first"), server.url("/second"), tb), config());
    ASSERT_EQ(out.results.size(), 6u);
    const auto& second = out.results.back();
    EXPECT_TRUE(second.ok()) << to_string(second.kind) << ": " << second.error;
    if (second.status == 200u)
        EXPECT_EQ(second.bytes, 7u);
    else
        EXPECT_EQ(second.status, 408u);
}

// --- Many URLs -----------------------------------------------------------------------------------------

TEST_P(fault, two_thousand_urls_with_a_quarter_failing_give_two_thousand_results)
{
    testbed tb;
    test::refused_port refused;
    const char* invalid[] = {"not a url", "ftp://127.0.0.1/", "http://127.0.0.1:99999/", "http:///x"};
    std::vector<std::string> urls;
    std::vector<error_kind> expected;
    for (int i = 0; i < 2000; ++i)
    {
        const std::string n = std::to_string(i);
        switch (i % 8)
        {
        case 0:
            urls.push_back(invalid[(i / 8) % 4] + std::string(i / 8 % 4 == 0 ? " " + n : ""));
            expected.push_back(error_kind::invalid_url);
            break;
        case 1:
            urls.push_back(refused.url("/" + n));
            expected.push_back(error_kind::connect);
            break;
        default: urls.push_back(tb.base_url() + "/bytes/10?" + n); expected.push_back(error_kind::none);
        }
    }
    auto out = run(urls, config());
    ASSERT_EQ(out.results.size(), 2000u);
    for (std::size_t i = 0; i < out.results.size(); ++i)
    {
        const auto& r = out.results[i];
        ASSERT_EQ(r.index, i);
        EXPECT_EQ(to_string(r.kind), to_string(expected[i])) << r.url << ": " << r.error;
    }
    EXPECT_EQ(out.summary.ok, 1500u);
    EXPECT_EQ(out.summary.failed, 500u);
    EXPECT_EQ(out.summary.bytes, 15'000u);
}

}  // namespace
}  // namespace asyncfetch
