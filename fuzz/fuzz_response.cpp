// libFuzzer target: the response path. Bytes from a fake server go through the client's own read
// loop (src/response.hpp: parser limits, 1xx handling, header field bound, body sink, decoders),
// up to three responses on one kept-alive connection, as a pooled connection reads them. The corpus
// has the hostile shapes too: chunk-size lines and trailers past their bounds, fields of 64 KiB.
// Every input is also read by the plain-head reader and by Beast's parser alone, whole and in two
// pieces, and the two must agree.
// Input: one byte of settings, then the server's bytes.
//   bit 0     HEAD request (no body expected)
//   bit 1     --compressed: decode the Content-Encoding
//   bit 2     --max-filesize 1000
//   bits 3-5  bytes per read: 1, 2, 7, 64, 512, 4096, 65536 or unlimited
#include "asyncfetch/error.hpp"
#include "http1_session.hpp"
#include "response.hpp"
#include "response_outcome.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string_view>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asyncfetch::detail::body_sink;
using asyncfetch::detail::response_parser;
using boost::system::error_code;

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "fuzz_response: %s\n", what);
    std::abort();
}

struct settings
{
    bool head = false;
    bool compressed = false;
    std::optional<std::uint64_t> limit;
};

net::awaitable<void> read_responses(beast::test::stream& stream, settings s, std::size_t input_size)
{
    // Bounded as the session's is: unparsed bytes past the limits are an error, never more memory.
    beast::flat_buffer buffer(asyncfetch::detail::response_buffer_limit);
    std::uint64_t total_wire = 0;
    for (int n = 0; n < 3; ++n)
    {
        std::optional<response_parser> parser;
        if (co_await asyncfetch::detail::read_final_header(stream, buffer, parser, s.head))
            co_return;
        if (parser->status() < 100 || parser->status() > 999)
            fail("status outside 100-999 accepted");
        if (!asyncfetch::detail::is_final_status(parser->status()))
            fail("interim status returned as final");
        if (parser->field_count() > asyncfetch::detail::response_field_limit)
            fail("more header fields than the limit accepted");

        body_sink sink;
        sink.limit(s.limit);
        if (s.compressed)
        {
            // As the client's rules do: the codings of every Content-Encoding line, as one list.
            asyncfetch::detail::response_head head;
            asyncfetch::detail::read_response_head(*parser, head);
            if (asyncfetch::detail::decode_content(sink, head.list("content-encoding")))
                co_return;
        }
        const auto length = parser->content_length();
        const auto ec = co_await asyncfetch::detail::read_response_body(stream, buffer, *parser, &sink);
        total_wire += sink.wire();
        if (total_wire > input_size)
            fail("more body bytes than the server sent");
        if (s.limit && sink.decoded() > *s.limit && !ec)
            fail("body past the size limit accepted");
        if (ec)
            co_return;
        if (!parser->is_done())
            fail("read ended without error before the message did");
        const unsigned status = parser->status();
        const bool bodiless = s.head || status / 100 == 1 || status == 204 || status == 304;
        if (length && !bodiless && sink.wire() != *length)
            fail("body length differs from Content-Length");
        if (bodiless && sink.wire() != 0)
            fail("body bytes in a response that has no body");
        if (!s.compressed && sink.decoded() != sink.wire())
            fail("identity body decoded to a different size");
        if (!parser->keep_alive())
            co_return;
    }
}

net::awaitable<void> run(beast::test::stream& stream, settings s, std::size_t input_size, bool& finished)
{
    co_await read_responses(stream, s, input_size);
    finished = true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    static constexpr std::array<std::size_t, 8> read_sizes{1, 2, 7, 64, 512, 4096, 65536, 1 << 30};
    settings s;
    s.head = data[0] & 1;
    s.compressed = data[0] & 2;
    if (data[0] & 4)
        s.limit = 1000;
    const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

    // A head parse_plain_head() reads must come out as Beast's parser reads it: whole, and in two
    // pieces cut where the last byte says.
    const std::size_t split = data[size - 1] * wire.size() / 255;
    for (const std::size_t cut : {wire.size(), split})
    {
        const auto plain = asyncfetch::fuzz::read_one_response(wire, cut, true, s.head);
        if (!plain.same_as(asyncfetch::fuzz::read_one_response(wire, cut, false, s.head)))
            fail("the plain-head reader and Beast's parser read a response differently");
    }

    net::io_context ioc;
    beast::test::stream stream(ioc);
    stream.read_size(read_sizes[(data[0] >> 3) & 7]);
    stream.append(wire);
    stream.close_remote();
    bool finished = false;
    net::co_spawn(ioc, run(stream, s, wire.size(), finished), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run();
    // Every read either completes or fails once the input is used up: nothing waits forever.
    if (!finished)
        fail("the read loop did not finish after the input ended");
    return 0;
}
