// The HTTP/1.1 session fed raw bytes from memory: request text, framing, keep-alive, the stale rule.
#include "body_sink.hpp"
#include "engine_test_support.hpp"
#include "http1_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// The stream an HTTP/1.1 session needs, over Beast's in-memory test stream: the server's bytes are
/// appended to the client's input, and the request lands in the server end.
class memory_stream  // outside the anonymous namespace: coroutine frames of the session hold it
{
public:
    explicit memory_stream(net::io_context& ioc) : client_(ioc), server_(ioc) { client_.connect(server_); }

    template <class B, class T>
    auto async_read_some(const B& b, T&& token)
    {
        return client_.async_read_some(b, std::forward<T>(token));
    }
    template <class B, class T>
    auto async_write(const B& b, T&& token)
    {
        return net::async_write(client_, b, std::forward<T>(token));
    }
    void expires_at(clock_type::time_point) {}
    void shut_down() noexcept { client_.close(); }
    bool idle_and_quiet() noexcept { return quiet; }

    /// The server sends bytes.
    void serve(std::string_view bytes) { client_.append(bytes); }
    /// The server closes its end after what it sent.
    void close_from_server() { client_.close_remote(); }
    /// What the client wrote.
    std::string written() const { return std::string(server_.str()); }

    bool clean = false;
    bool quiet = true;

private:
    beast::test::stream client_;
    beast::test::stream server_;
};

namespace {

using memory_session = basic_http1_session<memory_stream>;

const clock_type::time_point far_deadline = clock_type::now() + std::chrono::hours(1);

/// A GET head for path on host.
struct get_head : request_head
{
    explicit get_head(std::string_view path = "/", std::string_view method_name = "GET")
    {
        method = method_name;
        target = path;
        fields.push_back({"Host", "example.test"});
    }
};

/// Runs f(session, stream) as a coroutine to completion.
void run(const std::function<net::awaitable<void>(memory_session&, memory_stream&)>& f)
{
    net::io_context ioc;
    auto owned = std::make_unique<memory_stream>(ioc);
    memory_stream& stream = *owned;
    memory_session s(std::move(owned));
    net::co_spawn(ioc, f(s, stream), net::detached);
    test::run_for(ioc);
}

/// One exchange on s: send head, read the body into a counting sink.
struct exchange_outcome
{
    failure sent;
    failure body;
    unsigned status = 0;
    std::uint64_t bytes = 0;
    bool reusable = false;
    bool retry = false;
};

net::awaitable<exchange_outcome> exchange_once(memory_session& s, const request_head& head)
{
    exchange_outcome out;
    exchange& ex = s.start_exchange();
    out.sent = co_await ex.send(head, nullptr, far_deadline);
    if (out.sent)
    {
        out.retry = ex.may_send_again(out.sent);
        s.end_exchange(ex);
        co_return out;
    }
    out.status = ex.response().status;
    body_sink sink;
    out.body = co_await ex.read_body(&sink, far_deadline);
    out.bytes = sink.decoded();
    out.reusable = ex.reusable();
    s.end_exchange(ex);
    co_return out;
}

TEST(http1_request, serialized_head_is_the_request_line_fields_and_a_blank_line)
{
    get_head h("/a?b=1");
    h.fields.push_back({"Accept", "*/*"});
    std::string out = "left over";
    serialize_request(h, out);
    EXPECT_EQ(out, "GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n");
}

TEST(http1_exchange, writes_the_request_and_body_and_reads_a_framed_response)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello");
        get_head h("/upload", "POST");
        exchange& ex = s.start_exchange();
        const request_body body("data!");
        EXPECT_FALSE(co_await ex.send(h, &body, far_deadline));
        EXPECT_EQ(stream.written(), "POST /upload HTTP/1.1\r\nHost: example.test\r\n\r\ndata!");
        const auto& r = ex.response();
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.version_text(), "1.1");
        EXPECT_EQ(r.content_length, 5u);
        EXPECT_EQ(r.find("x-a").value_or(""), "1");
        EXPECT_FALSE(r.find("location"));
        EXPECT_EQ(r.fields.size(), 3u);
        body_sink sink;
        EXPECT_FALSE(co_await ex.read_body(&sink, far_deadline));
        EXPECT_EQ(sink.decoded(), 5u);
        EXPECT_TRUE(ex.reusable());
        EXPECT_TRUE(stream.clean);
        s.end_exchange(ex);
    });
}

/// The server sends reply; then an exchange on s sends a GET and reads the head. Returns it.
net::awaitable<exchange*> get_with_reply(memory_session& s, memory_stream& stream, std::string_view reply)
{
    stream.serve(reply);
    exchange& ex = s.start_exchange();
    EXPECT_FALSE(co_await ex.send(get_head(), nullptr, far_deadline));
    co_return &ex;
}

TEST(http1_exchange, a_body_that_came_with_its_head_is_read_at_once_and_a_partial_one_waits)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        exchange& whole = *co_await get_with_reply(s,
                                                   stream,
                                                   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        body_sink sink;
        const auto now = whole.read_body_now(&sink);
        EXPECT_TRUE(now && !*now) << "the whole body came with the head";
        EXPECT_EQ(sink.decoded(), 5u);
        EXPECT_TRUE(whole.reusable());
        s.end_exchange(whole);

        exchange& part = *co_await get_with_reply(s,
                                                  stream,
                                                  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel");
        body_sink rest;
        EXPECT_FALSE(part.read_body_now(&rest)) << "two bytes are still to come";
        EXPECT_EQ(rest.decoded(), 3u);
        EXPECT_FALSE(part.reusable());
        stream.serve("lo");
        EXPECT_FALSE(co_await part.read_body(&rest, far_deadline));
        EXPECT_EQ(rest.decoded(), 5u);
        EXPECT_TRUE(part.reusable());
        s.end_exchange(part);

        exchange& bad = *co_await get_with_reply(
            s,
            stream,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        body_sink junk;
        const auto failed = bad.read_body_now(&junk);
        EXPECT_TRUE(failed && *failed && failed->got_response) << "a bad chunk size fails at once";
        EXPECT_FALSE(bad.reusable());
        s.end_exchange(bad);
    });
}

TEST(http1_exchange, bytes_past_a_response_belong_to_the_next_and_interim_responses_are_skipped)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        auto first = co_await exchange_once(s, get_head());
        EXPECT_EQ(first.status, 200u);
        EXPECT_EQ(first.bytes, 2u);
        EXPECT_TRUE(first.reusable);
        EXPECT_FALSE(s.alive()) << "bytes of the next response are buffered";
        auto second = co_await exchange_once(s, get_head());
        EXPECT_EQ(second.status, 404u);
        EXPECT_EQ(second.bytes, 3u);
        EXPECT_TRUE(second.reusable);
        EXPECT_TRUE(s.alive());
    });
}

TEST(http1_exchange, connection_close_and_http_1_0_are_not_reusable)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
        auto closed = co_await exchange_once(s, get_head());
        EXPECT_EQ(closed.status, 200u);
        EXPECT_FALSE(closed.reusable);
    });
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.0 200 OK\r\n\r\nuntil close");
        stream.close_from_server();
        exchange& ex = s.start_exchange();
        EXPECT_FALSE(co_await ex.send(get_head(), nullptr, far_deadline));
        EXPECT_EQ(ex.response().version_text(), "1.0");
        body_sink sink;
        EXPECT_FALSE(co_await ex.read_body(&sink, far_deadline));
        EXPECT_EQ(sink.decoded(), 11u);
        EXPECT_FALSE(ex.reusable());
        s.end_exchange(ex);
    });
}

TEST(http1_exchange, a_head_response_has_no_body_whatever_its_content_length)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        auto head = co_await exchange_once(s, get_head("/", "HEAD"));
        EXPECT_EQ(head.bytes, 0u);
        EXPECT_TRUE(head.reusable);
        auto next = co_await exchange_once(s, get_head());
        EXPECT_EQ(next.status, 204u);
    });
}

TEST(http1_exchange, a_body_cut_short_is_a_failure_and_not_reusable)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        stream.close_from_server();
        auto out = co_await exchange_once(s, get_head());
        EXPECT_EQ(out.status, 200u);
        EXPECT_EQ(out.body.ec, http::error::partial_message);
        EXPECT_EQ(out.body.where, phase::receive);
        EXPECT_FALSE(out.reusable);
        EXPECT_EQ(classify(out.body.ec), error_kind::truncated);
    });
}

TEST(http1_exchange, a_server_that_closed_an_idle_connection_may_be_retried_on_a_new_one)
{
    // The second request finds the connection closed before any byte of a response: stale.
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        stream.close_from_server();
        auto first = co_await exchange_once(s, get_head());
        EXPECT_TRUE(first.reusable);
        auto second = co_await exchange_once(s, get_head());
        EXPECT_EQ(second.sent.ec, http::error::end_of_stream);
        EXPECT_FALSE(second.sent.got_response);
        EXPECT_TRUE(second.retry);
    });
    // The first request on a new connection is never retried that way: the server saw it.
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.close_from_server();
        auto first = co_await exchange_once(s, get_head());
        EXPECT_EQ(first.sent.ec, http::error::end_of_stream);
        EXPECT_FALSE(first.retry);
    });
    // Part of a response arrived: the server was answering, so it is not stale.
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 2");
        stream.close_from_server();
        co_await exchange_once(s, get_head());
        auto second = co_await exchange_once(s, get_head());
        EXPECT_TRUE(second.sent);
        EXPECT_TRUE(second.sent.got_response);
        EXPECT_FALSE(second.retry);
    });
}

TEST(http1_exchange, too_many_header_fields_is_a_protocol_error)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
        for (int i = 0; i < 1001; ++i)
            response += "a: b\r\n";
        stream.serve(response + "\r\n");
        auto out = co_await exchange_once(s, get_head());
        EXPECT_EQ(out.sent.ec, errc::too_many_header_fields);
        EXPECT_EQ(classify(out.sent.ec), error_kind::protocol);
    });
}

TEST(http1_exchange, http2_frames_in_answer_get_a_hint_and_other_junk_does_not)
{
    // An h2c-only server answers an HTTP/1.1 request with SETTINGS and GOAWAY frames.
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve(std::string("\0\0\0\x04\0\0\0\0\0\0\0\x08\x07\0\0\0\0\0\0\0\0\0\0\0\x01", 26));
        auto out = co_await exchange_once(s, get_head());
        EXPECT_TRUE(out.sent);
        EXPECT_EQ(out.sent.detail, "the server answered in HTTP/2; try --http2-prior-knowledge");
    });
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("SSH-2.0-OpenSSH_9.2\r\n");
        auto out = co_await exchange_once(s, get_head());
        EXPECT_TRUE(out.sent);
        EXPECT_EQ(out.sent.detail, "");
    });
    EXPECT_FALSE(looks_like_http2(std::string_view("\0\0\0\x04\0\0\0\0", 8)));      // short of a frame header
    EXPECT_FALSE(looks_like_http2(std::string_view("\0\0\0\x04\0\0\0\0\x01", 9)));  // not stream 0
    EXPECT_TRUE(looks_like_http2(std::string_view("\0\0\x06\x04\0\0\0\0\0", 9)));
}

TEST(http1_exchange, interim_responses_share_one_header_budget)
{
    // 100 interim responses are accepted; the 101st is a protocol error, however fast they come.
    for (const int interims : {100, 101})
        run([interims](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
            std::string flood;
            for (int i = 0; i < interims; ++i)
                flood += "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n";
            stream.serve(flood + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            auto out = co_await exchange_once(s, get_head());
            if (interims == 100)
            {
                EXPECT_FALSE(out.sent) << out.sent.ec.message();
                EXPECT_EQ(out.status, 200u);
            }
            else
            {
                EXPECT_EQ(out.sent.ec, errc::too_many_interim_responses);
                EXPECT_EQ(classify(out.sent.ec), error_kind::protocol);
            }
        });
}

TEST(http1_exchange, a_body_whose_bytes_keep_coming_still_ends_at_the_deadline)
{
    // The stream never makes a read wait (here: it would wait forever for the missing bytes, with
    // no timer); the read loop checks the deadline itself.
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        stream.serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        exchange& ex = s.start_exchange();
        EXPECT_FALSE(co_await ex.send(get_head(), nullptr, far_deadline));
        body_sink sink;
        const auto f = co_await ex.read_body(&sink, clock_type::now() - std::chrono::milliseconds(1));
        EXPECT_EQ(f.ec, boost::beast::error::timeout);
        EXPECT_EQ(sink.decoded(), 3u);
        EXPECT_FALSE(ex.reusable());
        s.end_exchange(ex);
    });
}

TEST(http1_session, idle_liveness_follows_the_stream_and_cancel_shuts_it)
{
    run([](memory_session& s, memory_stream& stream) -> net::awaitable<void> {
        EXPECT_EQ(s.capacity(), 1u);
        EXPECT_TRUE(s.alive());
        stream.quiet = false;  // EOF or an unsolicited byte seen by the peek
        EXPECT_FALSE(s.alive());
        stream.quiet = true;
        s.cancel();
        auto out = co_await exchange_once(s, get_head());
        EXPECT_TRUE(out.sent);
        co_return;
    });
}

}  // namespace
}  // namespace asyncfetch::detail
