// The plain-head reader (src/response.cpp): which heads it takes, and that every message comes out
// as Beast's parser alone reads it, whole or in two pieces.
#include "response_outcome.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace asyncfetch::detail {
namespace {

using fuzz::read_one_response;

/// nginx's answer to a GET of a small file, with its body and the start of the next response.
const std::string nginx_response =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Thu, 03 Dec 2026 14:00:00 GMT\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Length: 11\r\n"
    "Last-Modified: Thu, 03 Dec 2026 13:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "ETag: \"6750a1c0-b\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n"
    "hello worldHTTP/1.1 204 No Content\r\n\r\n";

/// Reads wire both ways, whole, and expects the same outcome; returns the plain reader's.
fuzz::response_outcome both_ways(std::string_view wire, bool head_method = false)
{
    const auto plain = read_one_response(wire, wire.size(), true, head_method);
    const auto beast = read_one_response(wire, wire.size(), false, head_method);
    EXPECT_FALSE(beast.read_plainly);
    EXPECT_TRUE(plain.same_as(beast))
        << "plain: " << plain.head_error.message() << " / " << plain.body_error.message() << " status "
        << plain.status << ", Beast: " << beast.head_error.message() << " / " << beast.body_error.message()
        << " status " << beast.status;
    return plain;
}

TEST(plain_head, an_nginx_response_is_read_plainly_as_beast_reads_it)
{
    const auto out = both_ways(nginx_response);
    EXPECT_TRUE(out.read_plainly);
    EXPECT_FALSE(out.head_error);
    EXPECT_EQ(out.status, 200u);
    EXPECT_EQ(out.version, 11u);
    EXPECT_EQ(out.reason, "OK");
    ASSERT_EQ(out.fields.size(), 8u);
    EXPECT_EQ(out.fields[3], (std::pair<std::string, std::string>{"Content-Length", "11"}));
    EXPECT_EQ(out.fields[6].second, "\"6750a1c0-b\"");
    EXPECT_TRUE(out.keep_alive);
    EXPECT_EQ(out.content_length, 11u);
    EXPECT_TRUE(out.done);
    EXPECT_EQ(out.body_bytes, 11u);
    EXPECT_EQ(out.left, "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(plain_head, heads_of_the_common_shape_are_read_plainly)
{
    const char* const taken[] = {
        // Names in any case, values trimmed of spaces and tabs, tabs and obs-text inside, empty values.
        "HTTP/1.1 404 Not Found\r\ncontent-length:3\r\nX-A: \t a\tb \t\r\nX-Empty:\r\nX-Bytes: "
        "caf\xc3\xa9\r\n\r\nabcEXTRA",
        "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",                            // an empty reason, no body
        "HTTP/1.1 200 \xe2\x9c\x93 fine\r\nContent-Length: 007\r\n\r\n1234567",  // leading zeros
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab",                        // HTTP/1.0: not kept alive
        "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 500 Oops\r\nCONNECTION: close\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 301 Moved\r\nLocation: /x\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",  // cut short: a partial message
        "HTTP/1.1 999 X\r\nContent-Length: 1\r\n\r\nz",
    };
    for (const char* wire : taken)
    {
        SCOPED_TRACE(wire);
        EXPECT_TRUE(both_ways(wire).read_plainly);
    }
    EXPECT_FALSE(both_ways("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab").keep_alive);
    EXPECT_TRUE(
        both_ways("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nab").keep_alive);
    EXPECT_EQ(both_ways("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").body_error,
              boost::beast::http::error::partial_message);
}

TEST(plain_head, every_other_head_goes_to_beast_and_comes_out_the_same)
{
    const char* const declined[] = {
        "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nz",  // no space after the status
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",  // chunked
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",  // repeated
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nzz",
        "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\nz",   // 19 digits
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nz",  // past 64 bits
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nConnection: close, upgrade\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nConnection:\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 1\r\n\r\nz",  // obs-fold
        "HTTP/1.1 200 OK\nContent-Length: 1\n\nz",                             // bare LF
        "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 O\x01K\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nz",  // space before the colon
        "HTTP/1.1 200 OK\r\n: empty\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nX(y): 1\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\nX\xc3\xa9: 1\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.2 200 OK\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/2.0 200 OK\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 99 OK\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 2000 OK\r\nContent-Length: 1\r\n\r\nz",
        "http/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 200 OK\r\n\r\nto the end",         // no length: the body runs until close
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n",  // the head never ends
        "",
    };
    for (const char* wire : declined)
    {
        SCOPED_TRACE(wire);
        EXPECT_FALSE(both_ways(wire).read_plainly);
    }
    // A HEAD request's response has no body, whatever its Content-Length says.
    const std::string_view head_answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    EXPECT_FALSE(both_ways(head_answer, true).read_plainly);
    EXPECT_TRUE(both_ways(head_answer, true).done);
}

TEST(plain_head, more_fields_than_it_keeps_go_to_beast)
{
    std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n";
    for (int i = 1; i < 32; ++i)
        wire += "X-" + std::to_string(i) + ": v\r\n";
    EXPECT_TRUE(both_ways(wire + "\r\nz").read_plainly);  // 32 fields
    EXPECT_FALSE(both_ways(wire + "X-32: v\r\n\r\nz").read_plainly);
}

TEST(plain_head, the_header_limit_and_the_field_size_limit_are_beasts)
{
    // A head of exactly the limit is read plainly; one byte more goes to Beast, which applies its
    // limit to the fields apart from the status line, so its error comes only past that.
    // Three fields fill it: one value of 64 KiB is already too large.
    const std::string status_line = "HTTP/1.1 200 OK\r\n";
    const std::string start = status_line + "Content-Length: 1\r\nX-Pad: " + std::string(50000, 'p') +
                              "\r\nX-Pad-2: " + std::string(50000, 'p') + "\r\nX-Pad-3: ";
    const std::string end = "\r\n\r\n";
    std::string pad(response_header_limit - start.size() - end.size(), 'p');
    const auto at_limit = both_ways(start + pad + end + "z");
    EXPECT_FALSE(at_limit.head_error);
    EXPECT_TRUE(at_limit.read_plainly);
    const auto past = both_ways(start + pad + "p" + end + "z");
    EXPECT_FALSE(past.head_error);
    EXPECT_FALSE(past.read_plainly);
    const auto over = both_ways(start + pad + std::string(status_line.size() + 1, 'p') + end + "z");
    EXPECT_EQ(over.head_error, boost::beast::http::error::header_limit);
    // A value of 64 KiB is the client's error, from the Beast path.
    const auto large = both_ways("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Large: " +
                                 std::string(response_parser::field_size_limit, 'v') + end + "z");
    EXPECT_EQ(large.head_error, errc::header_field_too_large);
    EXPECT_FALSE(large.read_plainly);
}

TEST(plain_head, a_response_in_two_pieces_comes_out_the_same_wherever_it_is_cut)
{
    const auto whole = read_one_response(nginx_response, nginx_response.size(), false, false);
    const std::size_t head_size = nginx_response.find("\r\n\r\n") + 4;
    for (std::size_t split = 0; split <= nginx_response.size(); ++split)
    {
        SCOPED_TRACE(split);
        const auto plain = read_one_response(nginx_response, split, true, false);
        EXPECT_TRUE(plain.same_as(whole));
        EXPECT_TRUE(plain.same_as(read_one_response(nginx_response, split, false, false)));
        // The plain reader takes a head whose bytes all came at once: none yet counts as at once.
        EXPECT_EQ(plain.read_plainly, split == 0 || split >= head_size);
    }
}

}  // namespace
}  // namespace asyncfetch::detail
