// Content-Encoding decoding: coding lists, round trips through zlib and brotli, errors and the bomb guard.
#include "asyncfetch/decode.hpp"

#include "asyncfetch/error.hpp"
#include "body_sink.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

constexpr std::size_t whole = std::numeric_limits<std::size_t>::max();
constexpr std::size_t max_piece = 16 * 1024;

/// 100 KiB of text, the same every run: sentences with pseudo-random numbers so it does not
/// compress to nothing.
std::string known_text()
{
    std::string text;
    std::uint32_t state = 12345;
    for (unsigned line = 0; text.size() < 100 * 1024; ++line)
    {
        state = state * 1664525u + 1013904223u;
        text += "line " + std::to_string(line) + ": the quick brown fox jumps over the lazy dog " +
                std::to_string(state % 100000) + " times\n";
    }
    text.resize(100 * 1024);
    return text;
}

const std::string& text()
{
    static const std::string t = known_text();
    return t;
}

/// zlib deflate with the given window bits: 31 gzip, 15 zlib-wrapped, -15 raw.
std::string zlib_compress(const std::string& in, int window_bits)
{
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string gzip(const std::string& in) { return zlib_compress(in, 31); }
std::string zlib_wrapped(const std::string& in) { return zlib_compress(in, 15); }
std::string raw_deflate(const std::string& in) { return zlib_compress(in, -15); }

std::string brotli(const std::string& in)
{
    std::size_t size = BrotliEncoderMaxCompressedSize(in.size());
    std::string out(size, '\0');
    EXPECT_EQ(BrotliEncoderCompress(5,
                                    BROTLI_DEFAULT_WINDOW,
                                    BROTLI_MODE_GENERIC,
                                    in.size(),
                                    reinterpret_cast<const std::uint8_t*>(in.data()),
                                    &size,
                                    reinterpret_cast<std::uint8_t*>(out.data())),
              BROTLI_TRUE);
    out.resize(size);
    return out;
}

struct decoded
{
    boost::system::error_code write_error;  ///< the first write() error; writing stops there
    boost::system::error_code finish_error;
    std::string out;
    std::size_t largest_piece = 0;
};

/// Decodes body written in pieces of the given size, then finishes.
decoded decode(std::string_view coding, const std::string& body, std::size_t piece)
{
    decoded d;
    auto dec = content_decoder::create(coding);
    EXPECT_TRUE(dec) << coding;
    if (!dec)
        return d;
    const decoded_output out = [&](const unsigned char* data, std::size_t size) {
        d.out.append(reinterpret_cast<const char*>(data), size);
        d.largest_piece = std::max(d.largest_piece, size);
        return boost::system::error_code{};
    };
    for (std::size_t pos = 0; pos < body.size(); pos += piece)
    {
        const std::size_t n = std::min(piece, body.size() - pos);
        if (auto ec = dec->write(body.data() + pos, n, out))
        {
            d.write_error = ec;
            return d;
        }
    }
    d.finish_error = dec->finish();
    return d;
}

void expect_round_trip(std::string_view coding, const std::string& body, const std::string& expected)
{
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, whole})
    {
        SCOPED_TRACE("coding '" + std::string(coding) + "', pieces of " +
                     (piece == whole ? std::string("all") : std::to_string(piece)));
        const auto d = decode(coding, body, piece);
        EXPECT_FALSE(d.write_error) << d.write_error.message();
        EXPECT_FALSE(d.finish_error) << d.finish_error.message();
        EXPECT_EQ(d.out.size(), expected.size());
        EXPECT_TRUE(d.out == expected) << "decoded bytes differ";
        EXPECT_LE(d.largest_piece, max_piece);
    }
}

// ---------------------------------------------------------------------------------------------
// create

TEST(content_decoder_create, known_codings)
{
    for (std::string_view coding : {"gzip",
                                    "x-gzip",
                                    "deflate",
                                    "br",
                                    "gzip, br",
                                    " GZIP ",
                                    "Br",
                                    "deflate,gzip",
                                    "gzip, deflate, br",
                                    "gzip,\tidentity , br"})
    {
        auto d = content_decoder::create(coding);
        ASSERT_TRUE(d) << "'" << coding << "': " << d.error().message();
        EXPECT_FALSE(d->identity()) << coding;
    }
}

TEST(content_decoder_create, identity_and_empty_need_no_decoding)
{
    for (std::string_view coding : {"", "identity", " Identity ", "identity, identity"})
    {
        auto d = content_decoder::create(coding);
        ASSERT_TRUE(d) << "'" << coding << "'";
        EXPECT_TRUE(d->identity()) << coding;
        EXPECT_FALSE(d->finish());
    }
}

TEST(content_decoder_create, unknown_codings_are_unsupported)
{
    for (std::string_view coding : {"zstd", "compress", "gzip, zstd", "zstd, gzip", "gzip2", "g zip"})
    {
        auto d = content_decoder::create(coding);
        ASSERT_FALSE(d) << "'" << coding << "' accepted";
        EXPECT_EQ(d.error(), make_error_code(errc::unsupported_encoding)) << coding;
    }
}

TEST(content_decoder_create, at_most_three_codings)
{
    EXPECT_EQ(content_decoder::max_depth, 3u);
    EXPECT_TRUE(content_decoder::create("gzip, gzip, gzip"));
    EXPECT_TRUE(content_decoder::create("identity, gzip, br, deflate"));
    for (std::string_view coding : {"gzip, gzip, gzip, gzip", "gzip, br, deflate, gzip", "br,br,br,br,br"})
    {
        auto d = content_decoder::create(coding);
        ASSERT_FALSE(d) << coding;
        EXPECT_EQ(d.error(), make_error_code(errc::unsupported_encoding));
    }
}

TEST(content_decoder, identity_passes_bytes_through)
{
    auto dec = content_decoder::create("identity");
    ASSERT_TRUE(dec);
    std::string out;
    const decoded_output collect = [&](const unsigned char* data, std::size_t size) {
        out.append(reinterpret_cast<const char*>(data), size);
        return boost::system::error_code{};
    };
    EXPECT_FALSE(dec->write("abc", 3, collect));
    EXPECT_FALSE(dec->write("", 0, collect));
    EXPECT_FALSE(dec->write("de", 2, collect));
    EXPECT_FALSE(dec->finish());
    EXPECT_EQ(out, "abcde");
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST(content_decoder, known_text_is_100_kib)
{
    EXPECT_EQ(text().size(), 102'400u);
    EXPECT_EQ(text().substr(0, 8), "line 0: ");
}

TEST(content_decoder, gzip_round_trip)
{
    expect_round_trip("gzip", gzip(text()), text());
    expect_round_trip("x-gzip", gzip(text()), text());
}

TEST(content_decoder, deflate_zlib_wrapped_round_trip)
{
    expect_round_trip("deflate", zlib_wrapped(text()), text());
}

TEST(content_decoder, deflate_raw_round_trip_in_large_pieces)
{
    const std::string body = raw_deflate(text());
    for (std::size_t piece : {std::size_t{7}, std::size_t{4096}, whole})
    {
        SCOPED_TRACE(piece);
        const auto d = decode("deflate", body, piece);
        EXPECT_FALSE(d.write_error) << d.write_error.message();
        EXPECT_FALSE(d.finish_error) << d.finish_error.message();
        EXPECT_TRUE(d.out == text());
    }
}

// Raw deflate (no zlib header) is detected from the first bytes; when they arrive one at a
// time the decoder must still fall back to raw deflate without losing the byte already taken.
TEST(content_decoder, deflate_raw_round_trip_one_byte_at_a_time)
{
    const auto d = decode("deflate", raw_deflate(text()), 1);
    EXPECT_FALSE(d.write_error) << d.write_error.message();
    EXPECT_FALSE(d.finish_error) << d.finish_error.message();
    EXPECT_TRUE(d.out == text());
}

TEST(content_decoder, brotli_round_trip) { expect_round_trip("br", brotli(text()), text()); }

TEST(content_decoder, gzip_then_brotli_chain)
{
    // Codings are listed in the order applied: gzip first, br last.
    expect_round_trip("gzip, br", brotli(gzip(text())), text());
}

TEST(content_decoder, three_coding_chain)
{
    expect_round_trip("deflate, gzip, br", brotli(gzip(zlib_wrapped(text()))), text());
    expect_round_trip("br, identity, deflate", zlib_wrapped(brotli(text())), text());
}

TEST(content_decoder, highly_compressible_bodies_decode_completely)
{
    const std::string zeros(1024 * 1024, '\0');
    expect_round_trip("gzip", gzip(zeros), zeros);
    expect_round_trip("deflate", zlib_wrapped(zeros), zeros);
    expect_round_trip("br", brotli(zeros), zeros);
}

TEST(content_decoder, highly_compressible_raw_deflate_decodes_completely)
{
    const std::string zeros(1024 * 1024, '\0');
    const std::string body = raw_deflate(zeros);
    for (std::size_t piece : {std::size_t{7}, std::size_t{4096}, whole})
    {
        SCOPED_TRACE(piece);
        const auto d = decode("deflate", body, piece);
        EXPECT_FALSE(d.write_error) << d.write_error.message();
        EXPECT_FALSE(d.finish_error) << d.finish_error.message();
        EXPECT_EQ(d.out.size(), zeros.size());
        EXPECT_TRUE(d.out == zeros);
    }
}

std::string abc_pattern(std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += static_cast<char>('a' + (i / 7) % 3);
    return s;
}

// Raw deflate has no trailer: the last input byte can be taken in while decoded output is still
// pending because the 16 KiB output buffer was full. That output must still come out and the
// stream must count as complete.
TEST(content_decoder, raw_deflate_output_pending_at_the_end_is_not_lost)
{
    for (const std::string& body : {abc_pattern(16385), std::string(16451, '\0'), std::string(16387, 'a')})
    {
        SCOPED_TRACE(body.size());
        const auto d = decode("deflate", raw_deflate(body), whole);
        EXPECT_FALSE(d.write_error) << d.write_error.message();
        EXPECT_FALSE(d.finish_error) << d.finish_error.message();
        EXPECT_EQ(d.out.size(), body.size());
        EXPECT_TRUE(d.out == body);
    }
}

TEST(content_decoder, sizes_around_16_kib_round_trip_with_trailers)
{
    for (std::size_t n : {std::size_t{16383},
                          std::size_t{16384},
                          std::size_t{16385},
                          std::size_t{16451},
                          std::size_t{32768},
                          std::size_t{32769}})
    {
        const std::string body = abc_pattern(n);
        SCOPED_TRACE(n);
        expect_round_trip("gzip", gzip(body), body);
        expect_round_trip("deflate", zlib_wrapped(body), body);
        expect_round_trip("br", brotli(body), body);
    }
}

TEST(content_decoder, empty_content_round_trip)
{
    expect_round_trip("gzip", gzip(""), "");
    expect_round_trip("deflate", zlib_wrapped(""), "");
    expect_round_trip("br", brotli(""), "");
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(content_decoder, truncated_input_fails_at_finish)
{
    struct
    {
        const char* coding;
        std::string body;
    } cases[] = {
        {"gzip", gzip(text())},
        {"deflate", zlib_wrapped(text())},
        {"deflate", raw_deflate(text())},
        {"br", brotli(text())},
        {"gzip, br", brotli(gzip(text()))},
    };
    for (auto& c : cases)
    {
        for (std::size_t cut : {std::size_t{1}, std::size_t{4}, c.body.size() / 2})
        {
            SCOPED_TRACE(std::string(c.coding) + " without its last " + std::to_string(cut) + " bytes");
            const auto d = decode(c.coding, c.body.substr(0, c.body.size() - cut), 4096);
            EXPECT_FALSE(d.write_error) << d.write_error.message();
            EXPECT_EQ(d.finish_error, make_error_code(errc::bad_encoding));
        }
    }
}

TEST(content_decoder, no_body_at_all_is_incomplete)
{
    for (const char* coding : {"gzip", "deflate", "br"})
    {
        auto dec = content_decoder::create(coding);
        ASSERT_TRUE(dec);
        EXPECT_EQ(dec->finish(), make_error_code(errc::bad_encoding)) << coding;
    }
}

TEST(content_decoder, corrupt_input_fails_in_write)
{
    std::string bad_magic = gzip(text());
    bad_magic[1] = static_cast<char>(0x8c);
    EXPECT_EQ(decode("gzip", bad_magic, whole).write_error, make_error_code(errc::bad_encoding));

    std::string bad_crc = gzip(text());
    bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 0x55);
    EXPECT_EQ(decode("gzip", bad_crc, whole).write_error, make_error_code(errc::bad_encoding));
    EXPECT_EQ(decode("gzip", bad_crc, 7).write_error, make_error_code(errc::bad_encoding));

    std::string bad_length = gzip(text());
    bad_length[bad_length.size() - 1] = static_cast<char>(bad_length[bad_length.size() - 1] ^ 1);
    EXPECT_EQ(decode("gzip", bad_length, whole).write_error, make_error_code(errc::bad_encoding));

    std::string bad_adler = zlib_wrapped(text());
    bad_adler.back() = static_cast<char>(bad_adler.back() ^ 0x55);
    EXPECT_EQ(decode("deflate", bad_adler, whole).write_error, make_error_code(errc::bad_encoding));

    EXPECT_EQ(decode("gzip", "this is plain text, not gzip", whole).write_error,
              make_error_code(errc::bad_encoding));

    // 64 bytes of 0xff in the middle of a brotli stream.
    std::string br = brotli(text());
    std::string bad_br = br.substr(0, 20) + std::string(64, '\xff') + br.substr(84);
    EXPECT_EQ(decode("br", bad_br, whole).write_error, make_error_code(errc::bad_encoding));
}

TEST(content_decoder, trailing_garbage_after_a_complete_stream_is_an_error)
{
    struct
    {
        const char* coding;
        std::string body;
    } cases[] = {
        {"gzip", gzip(text())},
        {"deflate", zlib_wrapped(text())},
        {"br", brotli(text())},
    };
    for (auto& c : cases)
    {
        SCOPED_TRACE(c.coding);
        // In the same write as the end of the stream.
        EXPECT_EQ(decode(c.coding, c.body + "garbage", whole).write_error,
                  make_error_code(errc::bad_encoding));
        // In a write of its own.
        auto dec = content_decoder::create(c.coding);
        ASSERT_TRUE(dec);
        const decoded_output ignore = [](const unsigned char*, std::size_t) {
            return boost::system::error_code{};
        };
        EXPECT_FALSE(dec->write(c.body.data(), c.body.size(), ignore));
        EXPECT_EQ(dec->write("x", 1, ignore), make_error_code(errc::bad_encoding));
    }
}

TEST(content_decoder, second_gzip_member_is_trailing_data)
{
    const std::string body = gzip("one") + gzip("two");
    EXPECT_EQ(decode("gzip", body, whole).write_error, make_error_code(errc::bad_encoding));
}

// ---------------------------------------------------------------------------------------------
// The bomb guard: an error from the output callback stops decoding at once.

struct bomb_result
{
    boost::system::error_code write_error;
    std::size_t delivered = 0;
    std::size_t calls_after_error = 0;
    std::size_t largest_piece = 0;
};

bomb_result decode_with_limit(std::string_view coding,
                              const std::string& body,
                              std::size_t piece,
                              std::size_t limit)
{
    bomb_result r;
    auto dec = content_decoder::create(coding);
    EXPECT_TRUE(dec);
    bool failed = false;
    const decoded_output out = [&](const unsigned char*, std::size_t size) -> boost::system::error_code {
        if (failed)
            ++r.calls_after_error;
        r.delivered += size;
        r.largest_piece = std::max(r.largest_piece, size);
        if (r.delivered > limit)
        {
            failed = true;
            return errc::size_limit;
        }
        return {};
    };
    for (std::size_t pos = 0; pos < body.size(); pos += piece)
    {
        if (auto ec = dec->write(body.data() + pos, std::min(piece, body.size() - pos), out))
        {
            r.write_error = ec;
            break;
        }
    }
    return r;
}

TEST(content_decoder, output_error_stops_a_gzip_bomb)
{
    const std::string zeros(10 * 1024 * 1024, '\0');
    const std::string body = gzip(zeros);
    ASSERT_LT(body.size(), 100'000u);
    for (std::size_t piece : {whole, std::size_t{4096}})
    {
        SCOPED_TRACE(piece);
        const auto r = decode_with_limit("gzip", body, piece, 1024 * 1024);
        EXPECT_EQ(r.write_error, make_error_code(errc::size_limit));
        EXPECT_GT(r.delivered, 1024u * 1024u);
        EXPECT_LT(r.delivered, 1'100'000u);
        EXPECT_EQ(r.calls_after_error, 0u);
        EXPECT_LE(r.largest_piece, max_piece);
    }
}

TEST(content_decoder, output_error_stops_bombs_of_every_coding)
{
    const std::string zeros(10 * 1024 * 1024, '\0');
    struct
    {
        const char* coding;
        std::string body;
    } cases[] = {
        {"deflate", zlib_wrapped(zeros)},
        {"br", brotli(zeros)},
        {"gzip, br", brotli(gzip(zeros))},
        {"gzip, gzip", gzip(gzip(zeros))},
    };
    for (auto& c : cases)
    {
        SCOPED_TRACE(c.coding);
        const auto r = decode_with_limit(c.coding, c.body, whole, 1024 * 1024);
        EXPECT_EQ(r.write_error, make_error_code(errc::size_limit));
        EXPECT_LT(r.delivered, 1'100'000u);
        EXPECT_EQ(r.calls_after_error, 0u);
        EXPECT_LE(r.largest_piece, max_piece);
    }
}

TEST(body_sink, decoding_stops_at_the_deadline_however_fast_the_input)
{
    // A compressed body decodes far more bytes than arrive: the deadline is checked for every
    // piece the decoder gives out, not only between reads.
    const std::string packed = gzip(text());
    detail::body_sink late;
    ASSERT_FALSE(detail::decode_content(late, "gzip"));
    late.deadline(std::chrono::steady_clock::now() - std::chrono::milliseconds(1));
    EXPECT_EQ(late.put(reinterpret_cast<const unsigned char*>(packed.data()), packed.size()),
              errc::request_timeout);
    EXPECT_LT(late.decoded(), text().size());

    detail::body_sink in_time;
    ASSERT_FALSE(detail::decode_content(in_time, "gzip"));
    in_time.deadline(std::chrono::steady_clock::now() + std::chrono::hours(1));
    EXPECT_FALSE(in_time.put(reinterpret_cast<const unsigned char*>(packed.data()), packed.size()));
    EXPECT_FALSE(in_time.finish());
    EXPECT_EQ(in_time.decoded(), text().size());
}

TEST(body_sink, codings_on_two_lines_are_one_list_applied_in_order)
{
    const std::string twice = gzip(gzip(text()));
    detail::body_sink sink;
    ASSERT_FALSE(detail::decode_content(sink, "gzip, gzip"));
    EXPECT_FALSE(sink.put(reinterpret_cast<const unsigned char*>(twice.data()), twice.size()));
    EXPECT_FALSE(sink.finish());
    EXPECT_EQ(sink.decoded(), text().size());
}

}  // namespace
}  // namespace asyncfetch
