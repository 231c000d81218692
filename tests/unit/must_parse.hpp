// must_parse for the unit tests: a URL the test takes to be valid (an invalid one fails the test).
#pragma once

#include "asyncfetch/url.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace asyncfetch::test {

/// The parsed URL; an invalid one fails the calling test and gives an empty url.
inline url must_parse(std::string_view text)
{
    auto u = parse_url(text);
    EXPECT_TRUE(u) << text;
    return u ? *u : url{};
}

}  // namespace asyncfetch::test
