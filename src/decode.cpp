// Content-Encoding decoders over zlib (gzip, deflate) and libbrotli (br), chained and streaming.
#include "asyncfetch/decode.hpp"

#include "asyncfetch/error.hpp"
#include "text.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <string>

namespace asyncfetch {

namespace {
constexpr std::size_t chunk = 16 * 1024;
}

/// One coding to undo. push() decodes input and hands output on; end() checks completeness.
struct content_decoder::stage
{
    virtual ~stage() = default;
    /// Decodes; calls emit for each piece of output. Sets done when the coded stream ended.
    virtual boost::system::error_code push(
        const unsigned char* data,
        std::size_t size,
        const std::function<boost::system::error_code(const unsigned char*, std::size_t)>& emit) = 0;
    virtual bool complete() const noexcept = 0;
};

namespace {

using emit_fn = std::function<boost::system::error_code(const unsigned char*, std::size_t)>;

class zlib_stage final : public content_decoder::stage
{
public:
    /// gzip: window 15 + 16. deflate: the zlib wrapper (RFC 1950), or raw deflate, which some
    /// servers send instead; the first two bytes tell which.
    explicit zlib_stage(bool gzip)
    {
        if (gzip)
            init(15 + 16);
    }
    ~zlib_stage() override
    {
        if (initialized_)
            inflateEnd(&z_);
    }

    boost::system::error_code push(const unsigned char* data, std::size_t size, const emit_fn& emit) override
    {
        if (!initialized_)
        {
            while (size > 0 && head_.size() < 2)
            {
                head_.push_back(*data++);
                --size;
            }
            if (head_.size() < 2)
                return {};
            const unsigned cmf = head_[0];
            const unsigned flg = head_[1];
            const bool wrapped = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
            init(wrapped ? 15 : -15);
            if (auto ec = inflate_some(head_.data(), head_.size(), emit))
                return ec;
        }
        return inflate_some(data, size, emit);
    }

    bool complete() const noexcept override { return done_; }

private:
    void init(int window_bits)
    {
        z_ = z_stream{};
        inflateInit2(&z_, window_bits);
        initialized_ = true;
    }

    boost::system::error_code inflate_some(const unsigned char* data, std::size_t size, const emit_fn& emit)
    {
        if (done_)
            return size == 0 ? boost::system::error_code{} : boost::system::error_code(errc::bad_encoding);
        z_.next_in = const_cast<unsigned char*>(data);
        z_.avail_in = static_cast<uInt>(size);
        for (;;)
        {
            std::array<unsigned char, chunk> buf;
            z_.next_out = buf.data();
            z_.avail_out = static_cast<uInt>(buf.size());
            const int rc = inflate(&z_, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                return errc::bad_encoding;
            const std::size_t produced = buf.size() - z_.avail_out;
            if (produced > 0)
                if (auto ec = emit(buf.data(), produced))
                    return ec;
            if (rc == Z_STREAM_END)
            {
                done_ = true;
                break;
            }
            // A full buffer may leave output pending even with all input consumed: go round again.
            if (z_.avail_out != 0)
                break;
        }
        // Bytes after the end of the coded stream are not part of any body.
        if (done_ && z_.avail_in > 0)
            return errc::bad_encoding;
        return {};
    }

    z_stream z_{};
    bool initialized_ = false;
    bool done_ = false;
    std::vector<unsigned char> head_;
};

class brotli_stage final : public content_decoder::stage
{
public:
    brotli_stage() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
    ~brotli_stage() override { BrotliDecoderDestroyInstance(state_); }

    boost::system::error_code push(const unsigned char* data, std::size_t size, const emit_fn& emit) override
    {
        if (!state_)
            return errc::bad_encoding;
        if (done_)
            return size == 0 ? boost::system::error_code{} : boost::system::error_code(errc::bad_encoding);
        std::size_t avail_in = size;
        const std::uint8_t* next_in = data;
        for (;;)
        {
            std::array<unsigned char, chunk> buf;
            std::size_t avail_out = buf.size();
            std::uint8_t* next_out = buf.data();
            const auto rc = BrotliDecoderDecompressStream(state_,
                                                          &avail_in,
                                                          &next_in,
                                                          &avail_out,
                                                          &next_out,
                                                          nullptr);
            if (rc == BROTLI_DECODER_RESULT_ERROR)
                return errc::bad_encoding;
            const std::size_t produced = buf.size() - avail_out;
            if (produced > 0)
                if (auto ec = emit(buf.data(), produced))
                    return ec;
            if (rc == BROTLI_DECODER_RESULT_SUCCESS)
            {
                done_ = true;
                return avail_in > 0 ? boost::system::error_code(errc::bad_encoding)
                                    : boost::system::error_code{};
            }
            if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
                return {};
            // NEEDS_MORE_OUTPUT: loop with a fresh buffer.
        }
    }

    bool complete() const noexcept override { return done_; }

private:
    BrotliDecoderState* state_;
    bool done_ = false;
};

}  // namespace

content_decoder::content_decoder(content_decoder&&) noexcept = default;
content_decoder& content_decoder::operator=(content_decoder&&) noexcept = default;
content_decoder::~content_decoder() = default;

boost::system::result<content_decoder> content_decoder::create(std::string_view content_encoding)
{
    std::vector<std::string> codings;
    std::size_t pos = 0;
    while (pos <= content_encoding.size())
    {
        auto comma = content_encoding.find(',', pos);
        if (comma == std::string_view::npos)
            comma = content_encoding.size();
        auto coding = detail::ascii_lower(detail::trim_ows(content_encoding.substr(pos, comma - pos)));
        if (!coding.empty() && coding != "identity")
            codings.push_back(std::move(coding));
        pos = comma + 1;
    }
    if (codings.size() > max_depth)
        return errc::unsupported_encoding;

    content_decoder d;
    // The last coding applied is undone first.
    for (auto it = codings.rbegin(); it != codings.rend(); ++it)
    {
        if (*it == "gzip" || *it == "x-gzip")
            d.stages_.push_back(std::make_unique<zlib_stage>(true));
        else if (*it == "deflate")
            d.stages_.push_back(std::make_unique<zlib_stage>(false));
        else if (*it == "br")
            d.stages_.push_back(std::make_unique<brotli_stage>());
        else
            return errc::unsupported_encoding;
    }
    return d;
}

boost::system::error_code content_decoder::feed(std::size_t index,
                                                const unsigned char* data,
                                                std::size_t size,
                                                const decoded_output& out)
{
    if (index == stages_.size())
        return out(data, size);
    return stages_[index]->push(data, size, [&](const unsigned char* d, std::size_t n) {
        return feed(index + 1, d, n, out);
    });
}

boost::system::error_code content_decoder::write(const void* data,
                                                 std::size_t size,
                                                 const decoded_output& out)
{
    if (size == 0)
        return {};
    return feed(0, static_cast<const unsigned char*>(data), size, out);
}

boost::system::error_code content_decoder::finish() const
{
    for (const auto& s : stages_)
        if (!s->complete())
            return errc::bad_encoding;
    return {};
}

}  // namespace asyncfetch
