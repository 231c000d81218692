// The testbed's response bodies: the text pattern, gzip/deflate/br encoders and the body framings.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <brotli/encode.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace asyncfetch::detail::testbed_parts {

/// Bodies are written in pieces of this size at most.
inline constexpr std::size_t piece_size = 64 * 1024;
/// The data size of each chunk of a /chunked/N body.
inline constexpr std::size_t chunk_size = 16 * 1024;

/// Appends bytes [offset, offset + n) of the endless pattern that testbed_pattern() starts.
void append_pattern(std::uint64_t offset, std::size_t n, std::string& out);

/// A Content-Encoding the testbed can produce.
enum class coding
{
    gzip,
    deflate,  ///< the zlib format (RFC 1950), which is what "deflate" means in HTTP
    br,
};

/// The Content-Encoding token of `kind`.
std::string_view coding_name(coding kind);

/// The coding an endpoint name asks for: "gzip" or "gzip-chunked" and so on.
struct coding_route
{
    coding kind = coding::gzip;
    bool chunked = false;
};

/// The coding of an endpoint name; nullopt for names that are not a coding.
std::optional<coding_route> coding_of(std::string_view name);

/// A streaming compressor for one coding. Throws std::runtime_error when the library fails, which only
/// happens on a programming error or without memory.
class encoder
{
public:
    /// zlib_level and zlib_strategy apply to gzip and deflate; br uses quality 5, a fast setting.
    explicit encoder(coding kind,
                     int zlib_level = Z_DEFAULT_COMPRESSION,
                     int zlib_strategy = Z_DEFAULT_STRATEGY);
    ~encoder();
    encoder(const encoder&) = delete;
    encoder& operator=(const encoder&) = delete;

    /// Compresses `input` and appends whatever output is ready to `out`; `last` ends the stream.
    void put(std::string_view input, bool last, std::string& out);

private:
    void put_zlib(std::string_view input, bool last, std::string& out);
    void put_brotli(std::string_view input, bool last, std::string& out);

    coding kind_;
    z_stream zlib_{};
    BrotliEncoderState* brotli_ = nullptr;
};

/// A body made on demand, piece by piece, for HTTP/2's data provider: memory stays bounded whatever
/// its length.
class body_source
{
public:
    /// `n` bytes of 'x'.
    static body_source filler(std::uint64_t n);
    /// `text` as is.
    static body_source text(std::string text);
    /// The first `n` bytes of the pattern (or `n` zeros, compressed about 1000:1) compressed with `kind`.
    static body_source encoded(coding kind, std::uint64_t n, bool zeros);

    /// Copies up to `max` bytes of the body to `out` and returns how many; 0 only once done().
    std::size_t read(std::uint8_t* out, std::size_t max);
    /// Whether every byte has been read.
    bool done() const;

private:
    enum class kind
    {
        filler,
        text,
        encoded,
    };
    kind kind_ = kind::filler;
    std::uint64_t left_ = 0;    ///< filler: bytes left; encoded: input bytes left
    std::uint64_t offset_ = 0;  ///< encoded: input bytes taken
    bool zeros_ = false;
    std::string pending_;  ///< text, or encoded output not read yet
    std::size_t pending_at_ = 0;
    std::unique_ptr<encoder> encoder_;
};

// The writers below are instantiated in encoders.cpp for tcp::socket and ssl::stream<tcp::socket>.

/// Writes `head` and then `body_bytes` bytes of 'x'.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> write_fixed(Stream& stream,
                                                              std::string head,
                                                              std::uint64_t body_bytes);

/// Writes `head` and then `body_bytes` bytes of 'x' in chunked transfer encoding.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> write_chunked(Stream& stream,
                                                                std::string head,
                                                                std::uint64_t body_bytes);

/// Writes `head`, then `body_bytes` bytes of the pattern (or of zeros) compressed while sending,
/// chunked. Gives up with operation_aborted once `socket` (the lowest layer of `stream`) is closed.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> write_encoded_chunked(Stream& stream,
                                                                        boost::asio::ip::tcp::socket& socket,
                                                                        std::string head,
                                                                        encoder& compress,
                                                                        std::uint64_t body_bytes,
                                                                        bool zeros);

/// The first `body_bytes` bytes of the pattern compressed whole; nullopt once `socket` is closed.
boost::asio::awaitable<std::optional<std::string>> encode_whole(boost::asio::ip::tcp::socket& socket,
                                                                coding kind,
                                                                std::uint64_t body_bytes);

}  // namespace asyncfetch::detail::testbed_parts
