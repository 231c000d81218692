// One HTTP/1.1 response's parser: the field arena, the plain-head reader for heads of the common
// shape, and Beast's basic_parser for every other message.
#pragma once

#include "asyncfetch/error.hpp"
#include "body_sink.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncfetch::detail {

/// Memory for one response's header fields, reused by the next response on the connection: the
/// field texts are copied into its buffer (past it, into the heap) and their views kept in a vector
/// whose capacity stays, so a kept-alive connection's responses allocate nothing for their fields.
class field_arena
{
public:
    using field = std::pair<std::string_view, std::string_view>;  ///< name and value

    field_arena() = default;
    field_arena(const field_arena&) = delete;
    field_arena& operator=(const field_arena&) = delete;

    /// The arena emptied; views of the fields it held are gone.
    void reset() noexcept
    {
        fields_.clear();
        resource_.release();
    }

    /// Keeps a copy of a field (a header or trailer line) received.
    void add(std::string_view name, std::string_view value) { fields_.emplace_back(keep(name), keep(value)); }

    /// Keeps the fields of one block of bytes (a whole head) with one copy of the block: each field's
    /// name and value are views into block.
    template <class Fields>
    void add_block(std::string_view block, const Fields& fields)
    {
        const char* copy = keep(block).data();
        for (const auto& [name, value] : fields)
            fields_.emplace_back(std::string_view(copy + (name.data() - block.data()), name.size()),
                                 std::string_view(copy + (value.data() - block.data()), value.size()));
    }

    const std::vector<field>& fields() const noexcept { return fields_; }

private:
    std::string_view keep(std::string_view text)
    {
        if (text.empty())
            return {};
        auto* copy = static_cast<char*>(resource_.allocate(text.size(), 1));
        std::memcpy(copy, text.data(), text.size());
        return {copy, text.size()};
    }

    alignas(std::max_align_t) unsigned char buffer_[4096];
    std::pmr::monotonic_buffer_resource resource_{buffer_, sizeof buffer_};
    std::vector<field> fields_;
};

/// The head of a response of the common shape, read without Beast's parser: see parse_plain_head().
struct plain_head
{
    static constexpr std::size_t max_fields = 32;
    unsigned status = 0;
    unsigned version = 11;  ///< 10 or 11
    std::string_view reason;
    std::array<field_arena::field, max_fields> fields;
    std::size_t field_count = 0;
    std::uint64_t content_length = 0;
    bool keep_alive = false;
    std::size_t size = 0;  ///< bytes of the head, through the empty line
};

/// Reads the head at the start of bytes when it has the shape nearly every server sends: HTTP/1.0
/// or 1.1, a status of 200 or more other than 204 and 304, one Content-Length of digits, no
/// Transfer-Encoding or Upgrade, Connection (and Proxy-Connection) only "close" or "keep-alive",
/// no folded lines, at most plain_head::max_fields fields, the whole head within limit bytes and
/// each name and value under 64 KiB. Then fills h as Beast's parser would and returns true.
/// Anything else (including a head not yet complete) returns false, and Beast's parser reads it:
/// it decides every error. The views in h point into bytes.
bool parse_plain_head(std::string_view bytes, std::size_t limit, plain_head& h) noexcept;

/// One HTTP/1.1 response: the status line, the header fields kept in a field_arena (not in a Beast
/// message: no per-field node, index or allocation), and every body byte handed to a body_sink
/// (dropped when there is none). A head of the common shape whose bytes are all there at the first
/// put() is read by parse_plain_head() and its body counted out here; any other message is read by
/// Beast's basic_parser. Both give the same result for every head the first one takes (the unit
/// tests and fuzz_response compare them).
class response_parser final : private boost::beast::http::basic_parser<false>
{
    using base = boost::beast::http::basic_parser<false>;

public:
    /// Fields go to arena, or to an arena of the parser's own when there is none. With plain_heads
    /// false, every head goes through Beast's parser (for the comparison).
    explicit response_parser(field_arena* arena, bool plain_heads = true)
        : own_(arena ? nullptr : std::make_unique<field_arena>()),
          arena_(arena ? arena : own_.get()),
          plain_allowed_(plain_heads)
    {
        arena_->reset();
    }

    unsigned status() const noexcept { return status_; }
    unsigned version() const noexcept { return version_; }  ///< 10 or 11
    std::string_view reason() const noexcept { return reason_; }
    /// The header fields, then any trailer fields, in the order received.
    const std::vector<field_arena::field>& fields() const noexcept { return arena_->fields(); }
    std::size_t field_count() const noexcept { return arena_->fields().size(); }

    /// Where the body goes from now on; nullptr drops it.
    void sink(body_sink* s) noexcept { sink_ = s; }

    /// Whether parse_plain_head() read this message's head (for the tests).
    bool read_plainly() const noexcept { return plain_; }

    // basic_parser's interface, as the read loop uses it.
    void header_limit(std::uint32_t n)
    {
        header_limit_ = n;
        base::header_limit(n);
    }
    void body_limit(boost::optional<std::uint64_t> n)
    {
        body_limited_ = n.has_value();
        base::body_limit(n);
    }
    void skip(bool v)
    {
        skip_body_ = v;
        base::skip(v);
    }
    using base::eager;
    bool got_some() const noexcept { return plain_ || base::got_some(); }
    bool is_header_done() const noexcept { return plain_ || base::is_header_done(); }
    bool is_done() const noexcept { return plain_ ? plain_done_ : base::is_done(); }
    bool keep_alive() const { return plain_ ? plain_keep_alive_ : base::keep_alive(); }
    bool chunked() const noexcept { return !plain_ && base::chunked(); }
    boost::optional<std::uint64_t> content_length() const
    {
        return plain_ ? boost::optional<std::uint64_t>(plain_length_) : base::content_length();
    }
    boost::optional<std::uint64_t> content_length_remaining() const
    {
        return plain_ ? boost::optional<std::uint64_t>(plain_remaining_) : base::content_length_remaining();
    }
    std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec);
    void put_eof(boost::system::error_code& ec);

private:
    /// Takes a head parse_plain_head() read from the bytes head; returns its size.
    std::size_t take_plain_head(std::string_view head, const plain_head& h, boost::system::error_code& ec);
    /// Counts body bytes out of buffer, for a head taken by take_plain_head().
    std::size_t put_plain_body(boost::asio::const_buffer buffer, boost::system::error_code& ec);

    void on_request_impl(boost::beast::http::verb,
                         boost::beast::string_view,
                         boost::beast::string_view,
                         int,
                         boost::system::error_code& ec) override
    {
        ec = boost::beast::http::error::bad_method;  // never called: a response parser
    }

    void on_response_impl(int code,
                          boost::beast::string_view reason,
                          int version,
                          boost::system::error_code&) override
    {
        status_ = static_cast<unsigned>(code);
        version_ = static_cast<unsigned>(version);
        reason_.assign(reason.data(), reason.size());
    }

    void on_field_impl(boost::beast::http::field,
                       boost::beast::string_view name,
                       boost::beast::string_view value,
                       boost::system::error_code& ec) override
    {
        // Beast's own fields refuse these (16-bit offsets); the client keeps that limit.
        if (name.size() >= field_size_limit || value.size() >= field_size_limit)
        {
            ec = errc::header_field_too_large;
            return;
        }
        arena_->add({name.data(), name.size()}, {value.data(), value.size()});
    }

    void on_header_impl(boost::system::error_code&) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code&) override {}

    std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override
    {
        return give(body, ec);
    }

    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code&) override
    {
    }

    std::size_t on_chunk_body_impl(std::uint64_t,
                                   boost::beast::string_view body,
                                   boost::system::error_code& ec) override
    {
        return give(body, ec);
    }

    void on_finish_impl(boost::system::error_code& ec) override
    {
        if (sink_)
            ec = sink_->finish();
    }

    std::size_t give(boost::beast::string_view body, boost::system::error_code& ec)
    {
        if (sink_)
            if ((ec = sink_->put(reinterpret_cast<const unsigned char*>(body.data()), body.size())))
                return 0;
        return body.size();
    }

public:
    /// Names and values this long are an error (Beast's own fields' limit, kept by the client).
    static constexpr std::size_t field_size_limit = 65536;

private:
    std::unique_ptr<field_arena> own_;
    field_arena* arena_;
    body_sink* sink_ = nullptr;
    std::string reason_;
    unsigned status_ = 0;
    unsigned version_ = 11;
    std::uint32_t header_limit_ = 8192;  // Beast's default for responses
    bool body_limited_ = true;           // Beast's default for responses: 8 MB
    bool skip_body_ = false;
    bool plain_allowed_;
    bool plain_ = false;  // parse_plain_head() read the head: the rest is counted here
    bool plain_done_ = false;
    bool plain_keep_alive_ = false;
    std::uint64_t plain_length_ = 0;
    std::uint64_t plain_remaining_ = 0;
};

}  // namespace asyncfetch::detail
