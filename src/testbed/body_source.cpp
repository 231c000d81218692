// The testbed's bodies made on demand for HTTP/2: filler, text, and compression while sending.
#include "encoders.hpp"

#include <algorithm>
#include <utility>

namespace asyncfetch::detail::testbed_parts {

body_source body_source::filler(std::uint64_t n)
{
    body_source source;
    source.left_ = n;
    return source;
}

body_source body_source::text(std::string text)
{
    body_source source;
    source.kind_ = kind::text;
    source.pending_ = std::move(text);
    return source;
}

body_source body_source::encoded(coding kind, std::uint64_t n, bool zeros)
{
    body_source source;
    source.kind_ = kind::encoded;
    source.left_ = n;
    source.zeros_ = zeros;
    source.encoder_ = zeros ? std::make_unique<encoder>(kind, Z_BEST_COMPRESSION, Z_RLE)
                            : std::make_unique<encoder>(kind);
    return source;
}

bool body_source::done() const
{
    const bool drained = pending_at_ == pending_.size();
    switch (kind_)
    {
    case kind::filler: return left_ == 0;
    case kind::text: return drained;
    case kind::encoded: return drained && !encoder_;
    }
    return true;
}

std::size_t body_source::read(std::uint8_t* out, std::size_t max)
{
    if (kind_ == kind::filler)
    {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, max));
        std::fill_n(out, n, static_cast<std::uint8_t>('x'));
        left_ -= n;
        return n;
    }
    // Encoded: compress until some output is ready (zeros give output only every few MiB of input).
    static const std::string nothing(piece_size, '\0');
    std::string input;
    while (kind_ == kind::encoded && pending_at_ == pending_.size() && encoder_)
    {
        pending_.clear();
        pending_at_ = 0;
        const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(left_, piece_size));
        std::string_view piece(nothing.data(), size);
        if (!zeros_)
        {
            input.clear();
            append_pattern(offset_, size, input);
            piece = input;
        }
        offset_ += size;
        left_ -= size;
        encoder_->put(piece, left_ == 0, pending_);
        if (left_ == 0)
            encoder_.reset();
    }
    const std::size_t n = std::min(max, pending_.size() - pending_at_);
    std::copy_n(pending_.data() + pending_at_, n, out);
    pending_at_ += n;
    return n;
}

}  // namespace asyncfetch::detail::testbed_parts
