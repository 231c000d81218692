// libFuzzer target: the HTTP/2 client connection. A real connection state (the client's nghttp2
// session with its own callbacks, src/http2_state.hpp) carries N streams, each run by the client's
// own exchange code (send, then read_body into a body sink), while the fuzz bytes play the server:
// they go through state::receive, as the reader feeds them, in chunks, and what the client would
// send is taken out between chunks, as the writer takes it. At the end the connection fails, as
// it does when the server closes it.
// Input: one byte of settings, then the server's bytes.
//   bits 0-2  requests: 1-8
//   bits 3-4  bytes per receive: 1, 9, 100 or unlimited
//   bit 5     --max-filesize 1000
//   bit 6     the first request has a 3,000-byte body (POST)
// Invariants: every stream ends with exactly one result; no callback touches a freed stream (ASan);
// every DATA byte delivered is given back to the flow-control window; a response head handed out
// is final and within the header bounds; no more body bytes come out than went in.
#include "asyncfetch/error.hpp"
#include "asyncfetch/request.hpp"
#include "body_sink.hpp"
#include "http2_state.hpp"
#include "response.hpp"
#include "transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
using namespace asyncfetch::detail;

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "fuzz_h2_client: %s\n", what);
    std::abort();
}

struct outcome
{
    int results = 0;  // how many times the stream's exchange ended: must be 1
    std::uint64_t body_bytes = 0;
};

net::awaitable<void> run_stream(http2_session::state& st,
                                h2_stream& s,
                                const request_head& head,
                                const asyncfetch::request_body* body,
                                std::optional<std::uint64_t> limit,
                                outcome& out)
{
    const auto deadline = clock_type::now() + std::chrono::hours(1);
    auto f = co_await s.send(head, body, deadline);
    if (!f)
    {
        const auto& resp = s.response();
        if (!is_final_status(resp.status))
            fail("interim or missing status handed out as the response");
        if (resp.fields.size() > response_field_limit)
            fail("more header fields than the limit accepted");
        body_sink sink;
        sink.limit(limit);
        f = co_await s.read_body(&sink, deadline);
        out.body_bytes = sink.wire();
        if (limit && sink.decoded() > *limit && !f)
            fail("body past the size limit accepted");
    }
    ++out.results;
    st.end_stream(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::uint8_t bits = data[0];
    const int requests = 1 + (bits & 7);
    static constexpr std::array<std::size_t, 4> chunks{1, 9, 100, static_cast<std::size_t>(-1)};
    const std::size_t chunk = chunks[(bits >> 3) & 3];
    std::optional<std::uint64_t> limit;
    if (bits & 0x20)
        limit = 1000;
    const asyncfetch::request_body post_body(std::string(3000, 'p'));
    ++data;
    --size;

    net::io_context ioc;
    auto st = std::make_shared<http2_session::state>(std::make_unique<transport>(ioc.get_executor()),
                                                     http2_settings{});
    request_head get;
    get.method = "GET";
    get.target = "/";
    get.fields.push_back({"Host", "fuzz.test"});
    get.fields.push_back({"Accept", "*/*"});
    request_head post;
    post.method = "POST";
    post.target = "/upload";
    post.fields.push_back({"Host", "fuzz.test"});
    post.fields.push_back({"Content-Length", "3000"});

    std::vector<outcome> outcomes(static_cast<std::size_t>(requests));
    for (int i = 0; i < requests; ++i)
    {
        auto& s = st->streams.emplace_back(*st);
        const bool with_body = i == 0 && (bits & 0x40);
        net::co_spawn(ioc,
                      run_stream(*st,
                                 s,
                                 with_body ? post : get,
                                 with_body ? &post_body : nullptr,
                                 limit,
                                 outcomes[static_cast<std::size_t>(i)]),
                      net::detached);
    }
    std::string out;
    auto exchange_bytes = [&] {
        ioc.poll();
        out.clear();
        if (!st->dead)
            st->take_output(out, static_cast<std::size_t>(-1));
        ioc.poll();
    };
    exchange_bytes();
    for (std::size_t at = 0; at < size && !st->dead;)
    {
        const std::size_t n = std::min(chunk, size - at);
        st->receive(data + at, n);
        at += n;
        exchange_bytes();
    }
    // The server closes the connection.
    st->fail_all(failure{net::error::eof, phase::receive});
    ioc.poll();

    std::uint64_t body_bytes = 0;
    for (const auto& o : outcomes)
    {
        if (o.results != 1)
            fail("a stream ended with other than one result");
        body_bytes += o.body_bytes;
    }
    if (!st->streams.empty())
        fail("a stream outlived its exchange");
    if (body_bytes > st->data_bytes || body_bytes > size)
        fail("more body bytes than the server sent");
    if (st->consumed_bytes != st->data_bytes)
        fail("DATA bytes delivered but not given back to the window");
    return 0;
}
