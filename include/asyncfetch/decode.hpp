// Streaming Content-Encoding decoding (gzip, deflate, br) for response bodies.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// Receives decoded bytes; returning an error stops decoding with that error.
using decoded_output = std::function<boost::system::error_code(const unsigned char* data, std::size_t size)>;

/// Decodes a chain of content codings as the bytes stream in. Memory use is fixed: output is
/// handed on in pieces of at most 16 KiB, so a decompression bomb is stopped by whatever limit
/// the output callback enforces.
class content_decoder
{
public:
    /// Most codings in one Content-Encoding header.
    static constexpr std::size_t max_depth = 3;

    /// A decoder for a Content-Encoding value such as "gzip" or "deflate, br" (codings listed in
    /// the order they were applied; "identity" is skipped). Fails with errc::unsupported_encoding
    /// for an unknown coding or a chain deeper than max_depth.
    static boost::system::result<content_decoder> create(std::string_view content_encoding);

    content_decoder(content_decoder&&) noexcept;
    content_decoder& operator=(content_decoder&&) noexcept;
    ~content_decoder();

    /// True when no decoding is needed (no codings or only identity).
    bool identity() const noexcept { return stages_.empty(); }

    /// Decodes size bytes of the encoded body; errc::bad_encoding on corrupt input.
    boost::system::error_code write(const void* data, std::size_t size, const decoded_output& out);

    /// Ends the body: errc::bad_encoding if a coding's stream was not complete.
    boost::system::error_code finish() const;

    struct stage;

private:
    content_decoder() = default;
    boost::system::error_code feed(std::size_t index,
                                   const unsigned char* data,
                                   std::size_t size,
                                   const decoded_output& out);

    // stages_[0] undoes the last coding applied.
    std::vector<std::unique_ptr<stage>> stages_;
};

}  // namespace asyncfetch
