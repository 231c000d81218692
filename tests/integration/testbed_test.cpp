// The testbed's request log and endpoints for curl-like features, and the test proxy, over raw loopback HTTP.
#include "asyncfetch/testbed.hpp"

#include "protocols.hpp"
#include "test_proxy.hpp"
#include "test_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using asyncfetch::testbed;
using asyncfetch::test::test_proxy;
using namespace std::chrono_literals;

using response = http::response<http::string_body>;

/// Runs a coroutine on ioc for at most `timeout`; throws if it did not finish in time.
template <class T>
T run(net::io_context& ioc, net::awaitable<T> task, std::chrono::milliseconds timeout = 3s)
{
    std::optional<T> out;
    std::exception_ptr error;
    bool done = false;
    net::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e)
            out = std::move(value);
        done = true;
    });
    ioc.restart();
    ioc.run_for(timeout);
    if (!done)
        throw std::runtime_error("test coroutine timed out");
    if (error)
        std::rethrow_exception(error);
    return std::move(*out);
}

template <class T>
T run(net::awaitable<T> task, std::chrono::milliseconds timeout = 3s)
{
    net::io_context ioc;
    return run(ioc, std::move(task), timeout);
}

net::awaitable<tcp::socket> connect_to(std::uint16_t port)
{
    tcp::socket socket(co_await net::this_coro::executor);
    co_await socket.async_connect({net::ip::make_address_v4("127.0.0.1"), port}, net::use_awaitable);
    co_return socket;
}

net::awaitable<response> read_response(tcp::socket& socket, beast::flat_buffer& buffer, bool head = false)
{
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    parser.skip(head);
    co_await http::async_read(socket, buffer, parser, net::use_awaitable);
    co_return parser.release();
}

/// Sends each raw request in turn on one connection and reads its response.
net::awaitable<std::vector<response>> exchange_all(std::uint16_t port, std::vector<std::string> requests)
{
    auto socket = co_await connect_to(port);
    beast::flat_buffer buffer;
    std::vector<response> out;
    for (const auto& raw : requests)
    {
        co_await net::async_write(socket, net::buffer(raw), net::use_awaitable);
        out.push_back(co_await read_response(socket, buffer, raw.starts_with("HEAD ")));
    }
    co_return out;
}

response exchange(std::uint16_t port, std::string raw)
{
    return run(exchange_all(port, {std::move(raw)})).front();
}

response get(std::uint16_t port, const std::string& target)
{
    return exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

/// Inflates a whole zlib (window_bits 15) or gzip (15 + 16) stream; nullopt if corrupt or incomplete.
std::optional<std::string> inflate_all(const std::string& data, int window_bits)
{
    z_stream zs{};
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return std::nullopt;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    int rc = Z_OK;
    std::array<char, 64 * 1024> piece{};
    while (rc == Z_OK)
    {
        zs.next_out = reinterpret_cast<Bytef*>(piece.data());
        zs.avail_out = static_cast<uInt>(piece.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(piece.data(), piece.size() - zs.avail_out);
    }
    const bool complete = rc == Z_STREAM_END && zs.avail_in == 0;
    inflateEnd(&zs);
    return complete ? std::optional(out) : std::nullopt;
}

std::optional<std::string> unbrotli(const std::string& data)
{
    BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    auto next_in = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t avail_in = data.size();
    std::string out;
    auto rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
    {
        std::size_t avail_out = 0;
        rc = BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, nullptr, nullptr);
        std::size_t size = 0;
        const std::uint8_t* output = BrotliDecoderTakeOutput(state, &size);
        out.append(reinterpret_cast<const char*>(output), size);
    }
    BrotliDecoderDestroyInstance(state);
    return rc == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0 ? std::optional(out) : std::nullopt;
}

std::optional<std::string> decode(const std::string& coding, const std::string& data)
{
    if (coding == "gzip")
        return inflate_all(data, 15 + 16);
    if (coding == "deflate")
        return inflate_all(data, 15);
    return unbrotli(data);
}

std::string field(const response& res, std::string_view name) { return std::string(res[name]); }

// ---------------------------------------------------------------------------------------------------------
// Testbed endpoints

TEST(testbed_endpoints, echo_lists_method_target_headers_and_body)
{
    testbed server;
    auto post = exchange(server.port(),
                         "POST /echo/x?y=1 HTTP/1.1\r\nHost: a\r\nX-One: 1\r\nx-two: two\r\n"
                         "Content-Length: 5\r\n\r\nhello");
    EXPECT_EQ(post.result_int(), 200u);
    EXPECT_EQ(field(post, "Content-Type"), "text/plain");
    EXPECT_EQ(post.body(), "POST /echo/x?y=1\nHost: a\nX-One: 1\nx-two: two\nContent-Length: 5\n\nhello");

    auto custom = exchange(server.port(),
                           "PURGE /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    EXPECT_EQ(custom.result_int(), 200u);
    EXPECT_EQ(custom.body(), "PURGE /echo\nHost: a\nTransfer-Encoding: chunked\n\nabcde");

    auto head = exchange(server.port(), "HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(field(head, "Content-Length"), std::to_string(std::string("HEAD /echo\nHost: a\n\n").size()));
    EXPECT_TRUE(head.body().empty());

    // Other endpoints answer every method too.
    auto del = exchange(server.port(), "DELETE /bytes/3 HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(del.result_int(), 200u);
    EXPECT_EQ(del.body(), "xxx");
}

TEST(testbed_endpoints, request_log_records_method_target_headers_and_body)
{
    testbed server;
    const std::string absolute = server.base_url() + "/bytes/2?q=1";
    auto replies = run(exchange_all(server.port(),
                                    {"PUT " + absolute +
                                         " HTTP/1.1\r\nHost: h\r\nContent-Type: text/x\r\n"
                                         "X-Dup: 1\r\nx-dup: 2\r\nContent-Length: 3\r\n\r\nabc",
                                     "OPTIONS /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "4\r\nwxyz\r\n0\r\n\r\n"}));
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].body(), "xx");  // absolute-form is served as its path

    auto log = server.requests();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].method, "PUT");
    EXPECT_EQ(log[0].target, absolute);
    const std::vector<std::pair<std::string, std::string>> expected{{"Host", "h"},
                                                                    {"Content-Type", "text/x"},
                                                                    {"X-Dup", "1"},
                                                                    {"x-dup", "2"},
                                                                    {"Content-Length", "3"}};
    EXPECT_EQ(log[0].headers, expected);
    EXPECT_EQ(log[0].header("content-type"), "text/x");
    EXPECT_EQ(log[0].header("X-DUP"), "1");
    EXPECT_EQ(log[0].header("missing"), "");
    EXPECT_TRUE(log[0].has_header("HOST"));
    EXPECT_FALSE(log[0].has_header("Accept"));
    EXPECT_EQ(log[0].body, "abc");
    EXPECT_EQ(log[1].method, "OPTIONS");
    EXPECT_EQ(log[1].target, "/echo");
    EXPECT_EQ(log[1].body, "wxyz");

    server.clear_requests();
    EXPECT_TRUE(server.requests().empty());
}

TEST(testbed_endpoints, oversized_body_gets_413_and_is_logged)
{
    testbed server;
    auto res = exchange(server.port(),
                        "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 16777217\r\n\r\nsome of it");
    EXPECT_EQ(res.result_int(), 413u);
    EXPECT_FALSE(res.keep_alive());
    auto log = server.requests();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].header("Content-Length"), "16777217");
}

TEST(testbed_endpoints, expect_100_continue_is_answered_before_the_body)
{
    testbed server;
    auto task = [](std::uint16_t port) -> net::awaitable<std::pair<std::string, response>> {
        auto socket = co_await connect_to(port);
        const std::string
            head = "PATCH /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
        co_await net::async_write(socket, net::buffer(head), net::use_awaitable);
        std::string interim;
        auto n = co_await net::async_read_until(socket,
                                                net::dynamic_buffer(interim),
                                                "\r\n\r\n",
                                                net::use_awaitable);
        interim.resize(n);
        co_await net::async_write(socket, net::buffer(std::string("hello")), net::use_awaitable);
        beast::flat_buffer buffer;
        co_return std::pair(interim, co_await read_response(socket, buffer));
    };
    auto [interim, res] = run(task(server.port()));
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.body().ends_with("\n\nhello")) << res.body();
}

TEST(testbed_endpoints, redirect_to_sends_the_location_verbatim)
{
    testbed server;
    struct redirect_case
    {
        std::string query;
        unsigned status;
        std::string location;
    };
    const std::vector<redirect_case> cases{
        {"url=../x", 302, "../x"},
        {"url=%2F%2F127.0.0.1%3A1%2Fp&status=301", 301, "//127.0.0.1:1/p"},
        {"status=303&url=%3Fq%3D1", 303, "?q=1"},
        {"url=http%3A%2F%2F127.0.0.1%3A9%2Fa%3Fb%3Dc%26d&status=307", 307, "http://127.0.0.1:9/a?b=c&d"},
        {"url=/a+b%zz&status=308", 308, "/a+b%zz"},
    };
    for (const auto& c : cases)
    {
        auto res = get(server.port(), "/redirect-to?" + c.query);
        EXPECT_EQ(res.result_int(), c.status) << c.query;
        EXPECT_EQ(field(res, "Location"), c.location) << c.query;
    }
    auto nested = get(server.port(), "/a/b/redirect-to?url=..%2Fc&status=303");
    EXPECT_EQ(nested.result_int(), 303u);
    EXPECT_EQ(field(nested, "Location"), "../c");
    EXPECT_EQ(get(server.port(), "/redirect-to?url=/x&status=200").result_int(), 400u);
    EXPECT_EQ(get(server.port(), "/redirect-to?status=302").result_int(), 400u);
    EXPECT_EQ(get(server.port(), "/redirect-to?url=/x%0d%0aSet-Cookie:%20a=b").result_int(), 400u);
}

TEST(testbed_endpoints, pattern_is_numbered_lines)
{
    EXPECT_EQ(asyncfetch::testbed_pattern(70),
              "asyncfetch testbed line 00000000\nasyncfetch testbed line 00000001\nasyn");
    EXPECT_EQ(asyncfetch::testbed_pattern(0), "");
}

TEST(testbed_endpoints, encoded_bodies_decode_to_exactly_n_bytes)
{
    testbed server;
    for (std::string coding : {"gzip", "deflate", "br"})
    {
        for (std::uint64_t n : {0u, 1u, 33u, 100'000u})
        {
            auto res = get(server.port(), "/" + coding + "/" + std::to_string(n));
            const std::string what = coding + "/" + std::to_string(n);
            ASSERT_EQ(res.result_int(), 200u) << what;
            EXPECT_EQ(field(res, "Content-Encoding"), coding) << what;
            EXPECT_EQ(field(res, "Content-Length"), std::to_string(res.body().size())) << what;
            auto decoded = decode(coding, res.body());
            ASSERT_TRUE(decoded) << what;
            EXPECT_EQ(*decoded, asyncfetch::testbed_pattern(n)) << what;
            if (n == 100'000)
            {
                EXPECT_LT(res.body().size(), n / 4) << what;
            }
        }
        const std::uint64_t n = coding == "gzip" ? 1'000'000 : 200'000;
        auto chunked = get(server.port(), "/" + coding + "-chunked/" + std::to_string(n));
        ASSERT_EQ(chunked.result_int(), 200u) << coding;
        EXPECT_TRUE(chunked.chunked()) << coding;
        EXPECT_EQ(field(chunked, "Content-Encoding"), coding);
        auto decoded = decode(coding, chunked.body());
        ASSERT_TRUE(decoded) << coding;
        EXPECT_EQ(*decoded, asyncfetch::testbed_pattern(n)) << coding;
    }
    auto head = exchange(server.port(), "HEAD /br/1000 HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(field(head, "Content-Length"), std::to_string(get(server.port(), "/br/1000").body().size()));
    EXPECT_EQ(get(server.port(), "/gzip/67108865").result_int(), 400u);
}

TEST(testbed_endpoints, flaky_fails_n_times_per_key_then_succeeds)
{
    testbed server;
    for (int i = 0; i < 2; ++i)
    {
        auto res = get(server.port(), "/flaky/2?key=a&status=429&retry-after=1");
        EXPECT_EQ(res.result_int(), 429u) << i;
        EXPECT_EQ(field(res, "Retry-After"), "1") << i;
    }
    auto ok = get(server.port(), "/flaky/2?key=a&status=429&retry-after=1");
    EXPECT_EQ(ok.result_int(), 200u);
    EXPECT_EQ(ok.body(), "ok\n");
    EXPECT_EQ(field(ok, "Retry-After"), "");

    auto other = get(server.port(), "/flaky/1?key=b");
    EXPECT_EQ(other.result_int(), 503u);
    EXPECT_FALSE(other.count("Retry-After"));
    EXPECT_EQ(get(server.port(), "/flaky/1?key=b").result_int(), 200u);
    EXPECT_EQ(get(server.port(), "/flaky/1?key=c&status=99").result_int(), 400u);
}

TEST(testbed_endpoints, bomb_streams_and_the_server_survives_a_disconnect)
{
    testbed server;
    auto task = [](std::uint16_t port) -> net::awaitable<std::pair<response, std::string>> {
        auto socket = co_await connect_to(port);
        const std::string request = "GET /bomb/1099511627776 HTTP/1.1\r\nHost: h\r\n\r\n";
        co_await net::async_write(socket, net::buffer(request), net::use_awaitable);
        beast::flat_buffer buffer;
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        co_await http::async_read_header(socket, buffer, parser, net::use_awaitable);
        // Take 32 KiB of the compressed body, then hang up.
        std::string compressed;
        std::array<char, 4096> piece{};
        while (compressed.size() < 32 * 1024)
        {
            parser.get().body().data = piece.data();
            parser.get().body().size = piece.size();
            auto [ec,
                  n] = co_await http::async_read(socket, buffer, parser, net::as_tuple(net::use_awaitable));
            (void)n;
            if (ec && ec != http::error::need_buffer)
                throw boost::system::system_error(ec);
            compressed.append(piece.data(), piece.size() - parser.get().body().size);
        }
        response head;
        head.base() = parser.get().base();
        co_return std::pair(head, compressed);
    };
    auto [head, compressed] = run(task(server.port()));
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(field(head, "Content-Encoding"), "gzip");
    EXPECT_TRUE(head.chunked());

    // A prefix of the stream inflates to nothing but zeros, far more of them than it took.
    z_stream zs{};
    ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(compressed.data());
    zs.avail_in = static_cast<uInt>(compressed.size());
    std::vector<char> out(1 << 20);
    std::size_t total = 0;
    bool only_zeros = true;
    int rc = Z_OK;
    while (rc == Z_OK && zs.avail_in > 0)
    {
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = static_cast<uInt>(out.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t got = out.size() - zs.avail_out;
        only_zeros = only_zeros && std::all_of(out.begin(),
                                               out.begin() + static_cast<std::ptrdiff_t>(got),
                                               [](char c) { return c == 0; });
        total += got;
        if (got == 0)
            break;
    }
    inflateEnd(&zs);
    EXPECT_TRUE(rc == Z_OK || rc == Z_BUF_ERROR) << rc;
    EXPECT_TRUE(only_zeros);
    EXPECT_GT(total, 100 * compressed.size());

    // The client hung up mid-stream: the server answers the next one at once.
    const auto start = std::chrono::steady_clock::now();
    auto res = get(server.port(), "/bytes/10");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

// ---------------------------------------------------------------------------------------------------------
// Test proxy

TEST(testbed_proxy, forwards_absolute_form_requests_over_kept_alive_connections)
{
    testbed server;
    test_proxy proxy;
    const std::string port = std::to_string(server.port());
    auto replies = run(exchange_all(
        proxy.port(),
        {"GET http://127.0.0.1:" + port + "/echo?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port +
             "\r\nProxy-Authorization: Basic dTpw\r\nProxy-Connection: keep-alive\r\nX-Keep: yes\r\n\r\n",
         "POST http://localhost:" + port + "/echo HTTP/1.1\r\nHost: localhost:" + port +
             "\r\nContent-Length: 4\r\n\r\nbody",
         "GET http://127.0.0.1:" + port + "/gzip/1000 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n"}));
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replies[0].result_int(), 200u);
    EXPECT_TRUE(replies[0].body().starts_with("GET /echo?x=1\n")) << replies[0].body();
    EXPECT_NE(replies[0].body().find("X-Keep: yes\n"), std::string::npos);
    EXPECT_EQ(replies[0].body().find("Proxy-"), std::string::npos);
    EXPECT_TRUE(replies[1].body().starts_with("POST /echo\n")) << replies[1].body();
    EXPECT_TRUE(replies[1].body().ends_with("Content-Length: 4\n\nbody")) << replies[1].body();
    // Relayed byte for byte: the same encoded body as straight from the server.
    EXPECT_EQ(field(replies[2], "Content-Encoding"), "gzip");
    EXPECT_EQ(replies[2].body(), get(server.port(), "/gzip/1000").body());

    const std::vector<std::string> lines{"GET http://127.0.0.1:" + port + "/echo?x=1 HTTP/1.1",
                                         "POST http://localhost:" + port + "/echo HTTP/1.1",
                                         "GET http://127.0.0.1:" + port + "/gzip/1000 HTTP/1.1"};
    EXPECT_EQ(proxy.request_lines(), lines);
    EXPECT_EQ(proxy.proxy_authorizations(), (std::vector<std::string>{"Basic dTpw", "", ""}));
    EXPECT_EQ(proxy.connections(), 1u);

    auto log = server.requests();
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[0].target, "/echo?x=1");
    EXPECT_FALSE(log[0].has_header("Proxy-Authorization"));
    EXPECT_FALSE(log[0].has_header("Proxy-Connection"));
    EXPECT_EQ(log[1].body, "body");
    // One upstream connection for the three proxied requests, one for the direct one.
    EXPECT_EQ(server.counters().connections_accepted, 2u);
}

TEST(testbed_proxy, refuses_hosts_other_than_loopback)
{
    test_proxy proxy;
    EXPECT_EQ(
        exchange(proxy.port(), "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n").result_int(),
        403u);
    EXPECT_EQ(exchange(proxy.port(), "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                  .result_int(),
              403u);
    EXPECT_EQ(exchange(proxy.port(), "GET /x HTTP/1.1\r\nHost: h\r\n\r\n").result_int(), 400u);
}

TEST(testbed_proxy, requires_authorization_when_asked)
{
    testbed server;
    test_proxy proxy("Basic dTpw");
    const std::string target = server.base_url() + "/bytes/1";
    auto denied = exchange(proxy.port(), "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(denied.result_int(), 407u);
    EXPECT_EQ(field(denied, "Proxy-Authenticate"), "Basic realm=\"test-proxy\"");
    auto allowed = exchange(
        proxy.port(),
        "GET " + target + " HTTP/1.1\r\nHost: h\r\nProxy-Authorization: Basic dTpw\r\n\r\n");
    EXPECT_EQ(allowed.result_int(), 200u);
}

/// A CONNECT tunnel: the proxy's answer and the client's socket (a pointer, as co_spawn needs a
/// default-constructible result).
struct tunnel
{
    std::string answer;
    std::unique_ptr<tcp::socket> socket;
};

/// Opens a CONNECT tunnel to port through the proxy.
net::awaitable<tunnel> open_tunnel(std::uint16_t proxy_port, std::uint16_t port)
{
    auto socket = co_await connect_to(proxy_port);
    const std::string authority = "127.0.0.1:" + std::to_string(port);
    const std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
    co_await net::async_write(socket, net::buffer(request), net::use_awaitable);
    std::string answer;
    auto n = co_await net::async_read_until(socket,
                                            net::dynamic_buffer(answer),
                                            "\r\n\r\n",
                                            net::use_awaitable);
    EXPECT_EQ(answer.size(), n);  // nothing behind the answer before the client speaks
    co_return tunnel{answer, std::make_unique<tcp::socket>(std::move(socket))};
}

TEST(testbed_proxy, connect_tunnels_raw_http_to_the_testbed)
{
    testbed server;
    test_proxy proxy;
    net::io_context ioc;
    auto [answer, socket] = run(ioc, open_tunnel(proxy.port(), server.port()));
    EXPECT_EQ(answer, "HTTP/1.1 200 Connection established\r\n\r\n");

    auto talk = [](tcp::socket& s) -> net::awaitable<std::vector<response>> {
        beast::flat_buffer buffer;
        std::vector<response> out;
        for (std::string target : {"/bytes/5", "/echo"})
        {
            const std::string request = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
            co_await net::async_write(s, net::buffer(request), net::use_awaitable);
            out.push_back(co_await read_response(s, buffer));
        }
        co_return out;
    };
    auto replies = run(ioc, talk(*socket));
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].body(), "xxxxx");
    EXPECT_TRUE(replies[1].body().starts_with("GET /echo\n"));
    EXPECT_EQ(proxy.request_lines(),
              (std::vector<std::string>{"CONNECT 127.0.0.1:" + std::to_string(server.port()) + " HTTP/1.1"}));
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST(testbed_proxy, stops_promptly_with_a_tunnel_open)
{
    testbed server;
    std::optional<test_proxy> proxy(std::in_place);
    net::io_context ioc;
    auto [answer, socket] = run(ioc, open_tunnel(proxy->port(), server.port()));
    ASSERT_EQ(answer, "HTTP/1.1 200 Connection established\r\n\r\n");

    const auto start = std::chrono::steady_clock::now();
    proxy.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);

    // The tunnel is gone: the client sees its end.
    auto read_end = [](tcp::socket& s) -> net::awaitable<bool> {
        std::array<char, 64> sink{};
        auto [ec, n] = co_await s.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
        (void)n;
        co_return static_cast<bool>(ec);
    };
    EXPECT_TRUE(run(ioc, read_end(*socket)));
}

// ---- HTTP/2

/// Over h2c the log has the request as HTTP/2 carried it: Host from :authority first, names as sent.
TEST(testbed_h2, request_log_and_echo_over_h2c)
{
    asyncfetch::testbed_config cfg;
    cfg.h2c = true;
    testbed server(cfg);
    auto run_cfg = asyncfetch::test::speaking(asyncfetch::test::protocol::h2,
                                              asyncfetch::test::config_with(1));
    run_cfg.client.request.method = "POST";
    run_cfg.client.request.body = "hello";
    run_cfg.client.request.headers.push_back({"X-One", "1", false});
    const auto out = asyncfetch::test::run_urls({server.base_url() + "/echo/x?y=1"}, run_cfg);
    ASSERT_EQ(out.results.size(), 1u);
    const auto& r = out.results[0];
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.http_version, "2");

    const auto log = server.requests();
    ASSERT_EQ(log.size(), 1u);
    const auto& seen = log[0];
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.target, "/echo/x?y=1");
    EXPECT_EQ(seen.body, "hello");
    EXPECT_FALSE(seen.tls);
    ASSERT_FALSE(seen.headers.empty());
    EXPECT_EQ(seen.headers.front().first, "Host");
    EXPECT_EQ(seen.headers.front().second, "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(seen.header("x-one"), "1");
    // The echo is the same listing, so its length follows from the log.
    std::string echo = "POST /echo/x?y=1\n";
    for (const auto& [name, value] : seen.headers)
        echo += name + ": " + value + "\n";
    echo += "\nhello";
    EXPECT_EQ(r.bytes, echo.size());
    EXPECT_EQ(server.counters().http2_connections, 1u);
    EXPECT_EQ(server.counters().requests, 1u);
}

TEST(testbed_h2, oversized_body_over_h2_gets_413_and_is_logged)
{
    asyncfetch::testbed_config cfg;
    cfg.h2c = true;
    testbed server(cfg);
    auto run_cfg = asyncfetch::test::speaking(asyncfetch::test::protocol::h2,
                                              asyncfetch::test::config_with(1));
    run_cfg.client.request.method = "POST";
    run_cfg.client.request.body = std::string((std::size_t{16} << 20) + 1, 'b');
    const auto out = asyncfetch::test::run_urls({server.base_url() + "/echo"}, run_cfg);
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_EQ(out.results[0].status, 413u) << out.results[0].error;
    const auto log = server.requests();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].target, "/echo");
}

/// stop() closes HTTP/2 connections at once, open streams and all.
TEST(testbed_h2, stops_promptly_with_an_h2c_stream_open)
{
    asyncfetch::testbed_config cfg;
    cfg.h2c = true;
    testbed server(cfg);
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
    // The preface and an empty SETTINGS frame: enough for the server to start an HTTP/2 session.
    const std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                              std::string("\0\0\0\4\0\0\0\0\0", 9);
    net::write(socket, net::buffer(hello));
    // The server's SETTINGS come back: the session runs.
    std::array<char, 9> frame{};
    net::read(socket, net::buffer(frame));
    EXPECT_EQ(frame[3], 4) << "a SETTINGS frame";
    for (int i = 0; i < 100 && server.counters().http2_connections == 0; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server.counters().http2_connections, 1u);

    const auto start = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    // The connection is gone: reads end.
    boost::system::error_code ec;
    std::array<char, 4096> sink{};
    while (!ec)
        socket.read_some(net::buffer(sink), ec);
    EXPECT_TRUE(ec);
}

}  // namespace
