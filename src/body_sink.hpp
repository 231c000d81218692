// Where a response body goes: counted, decoded, limited and optionally saved, never kept whole.
#pragma once

#include "asyncfetch/decode.hpp"
#include "asyncfetch/error.hpp"

#include <boost/system/error_code.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace asyncfetch::detail {

/// Where a response body goes: counted as received, decoded, limited and optionally saved.
/// Nothing is kept in memory, so memory stays flat for any body size.
class body_sink
{
public:
    body_sink() : output_([this](const unsigned char* d, std::size_t n) { return take(d, n); }) {}
    body_sink(const body_sink&) = delete;
    body_sink& operator=(const body_sink&) = delete;
    ~body_sink()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }

    void limit(std::optional<std::uint64_t> max) noexcept { limit_ = max; }
    /// Past t, taking more bytes fails with errc::request_timeout: checked for every piece a
    /// decoder gives out too, so a decompression bomb cannot outrun the request's deadline.
    void deadline(std::chrono::steady_clock::time_point t) noexcept { deadline_ = t; }
    void decode_with(content_decoder d) { decoder_.emplace(std::move(d)); }
    void save_to(int fd) noexcept { fd_ = fd; }

    boost::system::error_code put(const unsigned char* data, std::size_t n)
    {
        wire_ += n;
        if (decoder_ && !decoder_->identity())
            return decoder_->write(data, n, output_);
        return take(data, n);
    }

    /// The bytes are only counted: no decoding and no file. A reader may then drop them unread
    /// and call skip() instead of put().
    bool discards() const noexcept { return fd_ < 0 && (!decoder_ || decoder_->identity()); }
    /// Counts n bytes of an identity body that were dropped unread (see discards()).
    boost::system::error_code skip(std::size_t n) noexcept
    {
        wire_ += n;
        decoded_ += n;
        if (limit_ && decoded_ > *limit_)
            return errc::size_limit;
        if (past_deadline())
            return errc::request_timeout;
        return {};
    }
    boost::system::error_code finish() const
    {
        return decoder_ ? decoder_->finish() : boost::system::error_code{};
    }

    std::uint64_t wire() const noexcept { return wire_; }
    std::uint64_t decoded() const noexcept { return decoded_; }

private:
    boost::system::error_code take(const unsigned char* data, std::size_t n)
    {
        decoded_ += n;
        if (limit_ && decoded_ > *limit_)
            return errc::size_limit;
        if (past_deadline())
            return errc::request_timeout;
        while (fd_ >= 0 && n > 0)
        {
            const ssize_t w = ::write(fd_, data, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return errc::file_error;
            data += w;
            n -= static_cast<std::size_t>(w);
        }
        return {};
    }

    bool past_deadline() const noexcept
    {
        return deadline_ != std::chrono::steady_clock::time_point::max() &&
               std::chrono::steady_clock::now() >= deadline_;
    }

    std::uint64_t wire_ = 0;
    std::uint64_t decoded_ = 0;
    std::optional<std::uint64_t> limit_;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    std::optional<content_decoder> decoder_;
    int fd_ = -1;
    decoded_output output_;
};

/// Makes sink decode the body as a Content-Encoding value says; nothing for an empty value;
/// unsupported_encoding for an unknown coding or more than content_decoder::max_depth of them.
inline boost::system::error_code decode_content(body_sink& sink, std::string_view content_encoding)
{
    if (content_encoding.empty())
        return {};
    auto decoder = content_decoder::create(content_encoding);
    if (!decoder)
        return decoder.error();
    sink.decode_with(std::move(*decoder));
    return {};
}

}  // namespace asyncfetch::detail
