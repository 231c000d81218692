// The testbed's response bodies: the text pattern, gzip/deflate/br encoders and the body framings.
#include "encoders.hpp"

#include "asyncfetch/testbed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace asyncfetch {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace detail::testbed_parts {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::string_view pattern_prefix = "asyncfetch testbed line ";
constexpr std::size_t pattern_digits = 8;
constexpr std::size_t pattern_line = pattern_prefix.size() + pattern_digits + 1;

/// The source of every body: 64 KiB of 'x', never allocated per response.
const std::string& filler()
{
    static const std::string bytes(piece_size, 'x');
    return bytes;
}

net::const_buffer filler_piece(std::uint64_t n)
{
    return net::buffer(filler().data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, piece_size)));
}

/// Lets the other connections run between two pieces of a long computation.
net::awaitable<void> yield(tcp::socket& socket)
{
    co_await net::post(socket.get_executor(), net::use_awaitable);
}

/// Writes one chunk; empty data is the last chunk, without trailers.
template <class Stream>
net::awaitable<error_code> write_chunk(Stream& stream, std::string_view data)
{
    static constexpr std::string_view crlf = "\r\n";
    std::array<char, 24> size_line{};
    auto [end, conv] = std::to_chars(size_line.data(), size_line.data() + 16, data.size(), 16);
    (void)conv;
    *end++ = '\r';
    *end++ = '\n';
    std::array<net::const_buffer, 4> buffers{
        net::buffer(size_line.data(), static_cast<std::size_t>(end - size_line.data())),
        net::buffer(data.data(), data.size()),
        net::buffer(crlf.data(), data.empty() ? 0 : crlf.size()),
        net::buffer(crlf.data(), data.empty() ? crlf.size() : 0)};
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    (void)n;
    co_return ec;
}

}  // namespace

void append_pattern(std::uint64_t offset, std::size_t n, std::string& out)
{
    std::array<char, pattern_line> line{};
    std::copy(pattern_prefix.begin(), pattern_prefix.end(), line.begin());
    line.back() = '\n';
    std::uint64_t index = offset / pattern_line;
    auto column = static_cast<std::size_t>(offset % pattern_line);
    while (n > 0)
    {
        // Zero-padded line number, wrapping after 10^8 lines.
        std::uint64_t number = index % 100'000'000;
        for (std::size_t d = 0; d < pattern_digits; ++d)
        {
            line[pattern_prefix.size() + pattern_digits - 1 - d] = static_cast<char>('0' + number % 10);
            number /= 10;
        }
        const std::size_t take = std::min(n, pattern_line - column);
        out.append(line.data() + column, take);
        n -= take;
        column = 0;
        ++index;
    }
}

std::string_view coding_name(coding kind)
{
    switch (kind)
    {
    case coding::gzip: return "gzip";
    case coding::deflate: return "deflate";
    case coding::br: return "br";
    }
    return {};
}

std::optional<coding_route> coding_of(std::string_view name)
{
    constexpr std::string_view suffix = "-chunked";
    coding_route result;
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix)
    {
        result.chunked = true;
        name.remove_suffix(suffix.size());
    }
    for (coding kind : {coding::gzip, coding::deflate, coding::br})
    {
        if (name == coding_name(kind))
        {
            result.kind = kind;
            return result;
        }
    }
    return std::nullopt;
}

encoder::encoder(coding kind, int zlib_level, int zlib_strategy) : kind_(kind)
{
    if (kind_ == coding::br)
    {
        brotli_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
        if (brotli_ == nullptr)
            throw std::runtime_error("BrotliEncoderCreateInstance failed");
        BrotliEncoderSetParameter(brotli_, BROTLI_PARAM_QUALITY, 5);
        return;
    }
    // windowBits + 16 asks zlib for the gzip wrapper, plain windowBits for the zlib one.
    const int window_bits = kind_ == coding::gzip ? 15 + 16 : 15;
    if (deflateInit2(&zlib_, zlib_level, Z_DEFLATED, window_bits, 8, zlib_strategy) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
}

encoder::~encoder()
{
    if (kind_ == coding::br)
        BrotliEncoderDestroyInstance(brotli_);
    else
        deflateEnd(&zlib_);
}

void encoder::put(std::string_view input, bool last, std::string& out)
{
    if (kind_ == coding::br)
        put_brotli(input, last, out);
    else
        put_zlib(input, last, out);
}

void encoder::put_zlib(std::string_view input, bool last, std::string& out)
{
    constexpr std::size_t room = 64 * 1024;
    zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zlib_.avail_in = static_cast<uInt>(input.size());
    for (;;)
    {
        const std::size_t used = out.size();
        out.resize(used + room);
        zlib_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
        zlib_.avail_out = static_cast<uInt>(room);
        const int rc = deflate(&zlib_, last ? Z_FINISH : Z_NO_FLUSH);
        out.resize(used + room - zlib_.avail_out);
        if (rc == Z_STREAM_ERROR)
            throw std::runtime_error("deflate failed");
        // Without Z_FINISH, room left over means all input was taken; with it, only the end counts.
        if (last ? rc == Z_STREAM_END : zlib_.avail_out != 0)
            return;
    }
}

void encoder::put_brotli(std::string_view input, bool last, std::string& out)
{
    auto next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    std::size_t avail_in = input.size();
    const auto operation = last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    for (;;)
    {
        std::size_t avail_out = 0;
        if (!BrotliEncoderCompressStream(brotli_,
                                         operation,
                                         &avail_in,
                                         &next_in,
                                         &avail_out,
                                         nullptr,
                                         nullptr))
            throw std::runtime_error("BrotliEncoderCompressStream failed");
        std::size_t size = 0;
        const std::uint8_t* output = BrotliEncoderTakeOutput(brotli_, &size);
        out.append(reinterpret_cast<const char*>(output), size);
        if (avail_in == 0 && !BrotliEncoderHasMoreOutput(brotli_) &&
            (!last || BrotliEncoderIsFinished(brotli_)))
            return;
    }
}

template <class Stream>
net::awaitable<error_code> write_fixed(Stream& stream, std::string head, std::uint64_t body_bytes)
{
    // The head goes out with the first piece: one write for every small response.
    std::uint64_t left = body_bytes;
    auto first = filler_piece(left);
    std::array<net::const_buffer, 2> buffers{net::buffer(head), first};
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    (void)n;
    left -= first.size();
    while (!ec && left > 0)
    {
        auto piece = filler_piece(left);
        std::tie(ec, n) = co_await net::async_write(stream, piece, use_tuple);
        left -= piece.size();
    }
    co_return ec;
}

template <class Stream>
net::awaitable<error_code> write_chunked(Stream& stream, std::string head, std::uint64_t body_bytes)
{
    static constexpr std::string_view crlf = "\r\n";
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    std::uint64_t left = body_bytes;
    net::const_buffer prefix = net::buffer(head);
    error_code ec;
    while (left > 0)
    {
        auto size = std::min<std::uint64_t>(left, chunk_size);
        std::array<char, 24> size_line{};
        auto [end, conv] = std::to_chars(size_line.data(), size_line.data() + 16, size, 16);
        (void)conv;
        *end++ = '\r';
        *end++ = '\n';
        std::array<net::const_buffer, 4> buffers{
            prefix,
            net::buffer(size_line.data(), static_cast<std::size_t>(end - size_line.data())),
            filler_piece(size),
            net::buffer(crlf.data(), crlf.size())};
        std::size_t n = 0;
        std::tie(ec, n) = co_await net::async_write(stream, buffers, use_tuple);
        if (ec)
            co_return ec;
        prefix = {};
        left -= size;
    }
    std::array<net::const_buffer, 2> buffers{prefix, net::buffer(last_chunk.data(), last_chunk.size())};
    std::size_t n = 0;
    std::tie(ec, n) = co_await net::async_write(stream, buffers, use_tuple);
    co_return ec;
}

net::awaitable<std::optional<std::string>> encode_whole(tcp::socket& socket,
                                                        coding kind,
                                                        std::uint64_t body_bytes)
{
    encoder compress(kind);
    std::string out;
    std::string input;
    std::uint64_t offset = 0;
    bool last = false;
    do
    {
        const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes - offset, piece_size));
        input.clear();
        append_pattern(offset, size, input);
        offset += size;
        last = offset == body_bytes;
        compress.put(input, last, out);
        // Up to 64 MiB takes a while: let the other connections in, and give up once stop() ran.
        co_await yield(socket);
        if (!socket.is_open())
            co_return std::nullopt;
    } while (!last);
    co_return out;
}

template <class Stream>
net::awaitable<error_code> write_encoded_chunked(Stream& stream,
                                                 tcp::socket& socket,
                                                 std::string head,
                                                 encoder& compress,
                                                 std::uint64_t body_bytes,
                                                 bool zeros)
{
    static const std::string nothing(piece_size, '\0');
    auto [ec, n] = co_await net::async_write(stream, net::buffer(head), use_tuple);
    (void)n;
    std::string out;
    std::string input;
    std::uint64_t offset = 0;
    bool last = false;
    while (!ec && !last)
    {
        const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes - offset, piece_size));
        std::string_view piece(nothing.data(), size);
        if (!zeros)
        {
            input.clear();
            append_pattern(offset, size, input);
            piece = input;
        }
        offset += size;
        last = offset == body_bytes;
        compress.put(piece, last, out);
        // Output comes in bursts (about every 4 MiB of zeros): send it in chunks of a useful size.
        if (out.size() >= chunk_size || (last && !out.empty()))
        {
            ec = co_await write_chunk(stream, out);
            out.clear();
        }
        else
        {
            co_await yield(socket);
            if (!socket.is_open())
                ec = net::error::operation_aborted;
        }
    }
    if (!ec)
        ec = co_await write_chunk(stream, {});
    co_return ec;
}

template net::awaitable<error_code> write_fixed(tcp::socket&, std::string, std::uint64_t);
template net::awaitable<error_code> write_fixed(ssl::stream<tcp::socket>&, std::string, std::uint64_t);
template net::awaitable<error_code> write_chunked(tcp::socket&, std::string, std::uint64_t);
template net::awaitable<error_code> write_chunked(ssl::stream<tcp::socket>&, std::string, std::uint64_t);
template net::awaitable<error_code> write_encoded_chunked(tcp::socket&,
                                                          tcp::socket&,
                                                          std::string,
                                                          encoder&,
                                                          std::uint64_t,
                                                          bool);
template net::awaitable<error_code> write_encoded_chunked(ssl::stream<tcp::socket>&,
                                                          tcp::socket&,
                                                          std::string,
                                                          encoder&,
                                                          std::uint64_t,
                                                          bool);

}  // namespace detail::testbed_parts

std::string testbed_pattern(std::uint64_t n)
{
    std::string out;
    out.reserve(static_cast<std::size_t>(n));
    detail::testbed_parts::append_pattern(0, static_cast<std::size_t>(n), out);
    return out;
}

}  // namespace asyncfetch
