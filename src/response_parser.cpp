// The response parser's own steps: the plain-head reader, and the body counted out after a head it read.
#include "response_parser.hpp"

#include "text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <span>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace asyncfetch::detail {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

/// is_token_char() as a table: the bytes a field name may have.
constexpr auto token_chars = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[c] = is_token_char(static_cast<char>(c));
    return t;
}();

/// The first byte at or after data[from] that is below 0x20 or is DEL (a control character), or end.
std::size_t first_control(const char* data, std::size_t from, std::size_t end) noexcept
{
    std::size_t i = from;
#if defined(__SSE2__)
    // Sixteen bytes at a time. The comparisons are signed: bytes of 0x80 and above (obs-text) are
    // negative, so "below 0x20" keeps only the bytes that are not negative.
    while (i + 16 <= end)
    {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        const __m128i below = _mm_and_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                            _mm_cmpgt_epi8(x, _mm_set1_epi8(-1)));
        const __m128i flagged = _mm_or_si128(below, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
        if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(flagged)))
            return i + static_cast<std::size_t>(std::countr_zero(mask));
        i += 16;
    }
#endif
    // Eight bytes at a time (text.hpp's word tests), then one at a time.
    if constexpr (std::endian::native == std::endian::little)
        for (; i + 8 <= end; i += 8)
        {
            const std::uint64_t w = load_word(data + i);
            if (const std::uint64_t flagged = bytes_below(w, 0x20) | bytes_equal_to(w, 0x7f))
                return i + static_cast<std::size_t>(std::countr_zero(flagged)) / 8;
        }
    while (i < end && static_cast<unsigned char>(data[i]) >= 0x20 && data[i] != 0x7f)
        ++i;
    return i;
}

/// Where the line that starts at bytes[from] ends (its CR, followed by LF), or npos when a control
/// character other than HT or DEL comes first, or end does before a CRLF. Beast's reason-phrase and
/// field-value rules: every other byte, obs-text too, may be in the line.
std::size_t line_end(std::string_view bytes, std::size_t from, std::size_t end) noexcept
{
    const char* data = bytes.data();
    for (std::size_t i = first_control(data, from, end);; i = first_control(data, i + 1, end))
    {
        if (i == end)
            return std::string_view::npos;
        if (data[i] != '\t')
            return data[i] == '\r' && i + 1 < end && data[i + 1] == '\n' ? i : std::string_view::npos;
    }
}

/// Where the field name that starts at bytes[from] ends: the first byte from there that is not a
/// token character, or end.
std::size_t name_end(std::string_view bytes, std::size_t from, std::size_t end) noexcept
{
    std::size_t i = from;
#if defined(__SSE2__)
    // Sixteen bytes at a time while they are letters, digits or '-', as nearly every name's are;
    // the table goes on from the first other byte. Signed comparisons: bytes of 0x80 and above
    // are negative, so they are none of these.
    while (i + 16 <= end)
    {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i));
        const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
        const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                             _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
        const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                            _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
        const __m128i dash = _mm_cmpeq_epi8(x, _mm_set1_epi8('-'));
        const auto usual = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), dash)));
        if (usual != 0xffff)
        {
            i += static_cast<std::size_t>(std::countr_one(usual));
            break;
        }
        i += 16;
    }
#endif
    while (i < end && token_chars[static_cast<unsigned char>(bytes[i])])
        ++i;
    return i;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// What a framing field's value does to h (Content-Length, Connection); false for a field or value
/// parse_plain_head() leaves to Beast.
bool take_framing_field(std::string_view name,
                        std::string_view value,
                        plain_head& h,
                        bool& have_length,
                        bool& close,
                        bool& keep_alive) noexcept
{
    switch (name.size())
    {
    case 7: return !iequals(name, "upgrade");
    case 10:
    case 16:
        if (!iequals(name, "connection") && !iequals(name, "proxy-connection"))
            return true;
        if (iequals(value, "close"))
            close = true;
        else if (iequals(value, "keep-alive"))
            keep_alive = true;
        else
            return false;  // a list, "upgrade", an empty value
        return true;
    case 14:
        if (!iequals(name, "content-length"))
            return true;
        // One Content-Length of at most 18 digits (no overflow); lists and repeats go to Beast.
        if (have_length || value.empty() || value.size() > 18)
            return false;
        h.content_length = 0;
        for (char c : value)
        {
            if (!is_digit(c))
                return false;
            h.content_length = h.content_length * 10 + static_cast<unsigned>(c - '0');
        }
        have_length = true;
        return true;
    case 17: return !iequals(name, "transfer-encoding");
    default: return true;
    }
}

}  // namespace

bool parse_plain_head(std::string_view bytes, std::size_t limit, plain_head& h) noexcept
{
    // Beast refuses a head longer than its limit: past it, bytes are not looked at.
    const std::size_t end = std::min(bytes.size(), limit);
    // "HTTP/1.x SSS ", then the reason phrase.
    if (end < 13 || bytes.substr(0, 7) != "HTTP/1." || (bytes[7] != '0' && bytes[7] != '1') ||
        bytes[8] != ' ' || !is_digit(bytes[9]) || !is_digit(bytes[10]) || !is_digit(bytes[11]) ||
        bytes[12] != ' ')
        return false;
    h.version = bytes[7] == '1' ? 11 : 10;
    h.status = static_cast<unsigned>((bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0'));
    if (h.status < 200 || h.status == 204 || h.status == 304)
        return false;  // interim and bodiless responses
    std::size_t p = 13;
    std::size_t eol = line_end(bytes, p, end);
    if (eol == std::string_view::npos)
        return false;
    h.reason = bytes.substr(p, eol - p);
    p = eol + 2;

    h.field_count = 0;
    bool have_length = false;
    bool close = false;
    bool keep_alive = false;
    for (;;)
    {
        if (p + 2 > end)
            return false;
        if (bytes[p] == '\r')
        {
            if (bytes[p + 1] != '\n')
                return false;
            p += 2;
            break;
        }
        const std::size_t name_start = p;
        p = name_end(bytes, p, end);
        if (p == name_start || p >= end || bytes[p] != ':')
            return false;
        const auto name = bytes.substr(name_start, p - name_start);
        ++p;
        eol = line_end(bytes, p, end);
        // The byte after the CRLF must be there, and not begin a folded continuation line.
        if (eol == std::string_view::npos || eol + 2 >= end || bytes[eol + 2] == ' ' ||
            bytes[eol + 2] == '\t')
            return false;
        const auto value = trim_ows(bytes.substr(p, eol - p));
        p = eol + 2;
        if (name.size() >= response_parser::field_size_limit ||
            value.size() >= response_parser::field_size_limit || h.field_count == plain_head::max_fields)
            return false;
        if (!take_framing_field(name, value, h, have_length, close, keep_alive))
            return false;
        h.fields[h.field_count++] = {name, value};
    }
    if (!have_length)
        return false;  // a body to the end of the connection
    // As Beast's keep_alive(): HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive".
    h.keep_alive = h.version == 11 ? !close : keep_alive;
    h.size = p;
    return true;
}

std::size_t response_parser::take_plain_head(std::string_view head, const plain_head& h, error_code& ec)
{
    status_ = h.status;
    version_ = h.version;
    reason_.assign(h.reason);
    arena_->add_block(head, std::span(h.fields.data(), h.field_count));
    plain_ = true;
    plain_keep_alive_ = h.keep_alive;
    plain_length_ = plain_remaining_ = h.content_length;
    ec = {};
    if (plain_length_ == 0)
    {
        // As Beast: complete with the head, then finished.
        plain_done_ = true;
        on_finish_impl(ec);
    }
    return h.size;
}

std::size_t response_parser::put_plain_body(boost::asio::const_buffer buffer, error_code& ec)
{
    ec = {};
    if (plain_done_)
    {
        ec = http::error::stale_parser;
        return 0;
    }
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(plain_remaining_, buffer.size()));
    const std::size_t used = give({static_cast<const char*>(buffer.data()), n}, ec);
    plain_remaining_ -= used;
    if (ec || plain_remaining_ > 0)
        return used;
    on_finish_impl(ec);
    if (!ec)
        plain_done_ = true;
    return used;
}

std::size_t response_parser::put(boost::asio::const_buffer buffer, error_code& ec)
{
    if (plain_)
        return put_plain_body(buffer, ec);
    if (plain_allowed_ && !skip_body_ && !body_limited_ && !base::got_some())
    {
        // One per thread, not one per call: a new plain_head zeroes its 32 field slots, which
        // showed in profiles; parse_plain_head() sets every field it reports.
        static thread_local plain_head h;
        if (parse_plain_head({static_cast<const char*>(buffer.data()), buffer.size()}, header_limit_, h))
        {
            const std::size_t used = take_plain_head({static_cast<const char*>(buffer.data()), h.size},
                                                     h,
                                                     ec);
            if (ec || plain_done_ || !base::eager() || used == buffer.size())
                return used;
            return used + put_plain_body(buffer + used, ec);
        }
    }
    return base::put(buffer, ec);
}

void response_parser::put_eof(error_code& ec)
{
    if (!plain_)
    {
        base::put_eof(ec);
        return;
    }
    // A Content-Length body: complete, or cut short.
    ec = plain_done_ ? error_code{} : error_code(http::error::partial_message);
}

}  // namespace asyncfetch::detail
