// Tests of the ASCII text helpers in src/text.hpp that the per-request paths lean on.
#include "text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace asyncfetch::detail {
namespace {

/// find_any must agree with find_first_of, whatever the word boundaries and the bytes around.
void expect_same_as_find_first_of(const std::string& s, std::string_view set)
{
    for (std::size_t from = 0; from <= s.size(); ++from)
        ASSERT_EQ(find_any(s, set, from), std::string_view(s).find_first_of(set, from))
            << "from " << from << " in a string of " << s.size() << " bytes";
}

TEST(find_any, finds_the_first_byte_of_the_set_at_every_position_and_offset)
{
    // Fillers around the byte sought include 0x00, 0x01, 0x80 and 0xff: the word-at-a-time
    // search flags a byte by a borrow, and a borrow must not make it report a byte too early.
    const std::string set("/?#", 3);
    for (const char filler : {'a', '\0', '\x01', '\x80', '\xff', '.', '0'})
        for (std::size_t size = 0; size <= 40; ++size)
            for (std::size_t at = 0; at <= size; ++at)
                for (const char sought : {'/', '?', '#'})
                {
                    std::string s(size, filler);
                    if (at < size)
                        s[at] = sought;
                    expect_same_as_find_first_of(s, set);
                    // A second byte of the set further on: the first one is still the answer.
                    if (at + 9 < size)
                    {
                        s[at + 9] = '#';
                        expect_same_as_find_first_of(s, set);
                    }
                }
}

TEST(find_any, finds_nul_cr_and_lf_as_a_request_field_check_does)
{
    const std::string_view breaks("\r\n\0", 3);
    EXPECT_EQ(find_any("User-Agent", breaks), std::string_view::npos);
    EXPECT_EQ(find_any(std::string_view("a value\0 with a NUL", 19), breaks), 7U);
    EXPECT_EQ(find_any("a longer value, past a word,\r\n", breaks), 28U);
    EXPECT_EQ(find_any("twelve bytes\n", breaks), 12U);
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    expect_same_as_find_first_of(all, breaks);
    expect_same_as_find_first_of(all, "/?#\r\n\t\"");
    expect_same_as_find_first_of(all, "\xff");
    expect_same_as_find_first_of(all, "");
}

static_assert(find_any("http://h/p", "/?#", 5) == 5);
static_assert(find_any("abc", "/?#") == std::string_view::npos);

}  // namespace
}  // namespace asyncfetch::detail
