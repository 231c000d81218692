// The runner's pure parts: which --rate-per-host bucket a URL falls in.
#include "asyncfetch/runner.hpp"

#include <gtest/gtest.h>

namespace asyncfetch {
namespace {

// One origin for the pool and for --rate-per-host: url::origin(), the default port filled in.
TEST(rate_bucket_of, explicit_default_port_is_the_same_bucket)
{
    EXPECT_EQ(rate_bucket_of("http://h/"), rate_bucket_of("http://h:80/"));
    EXPECT_EQ(rate_bucket_of("https://h/a"), rate_bucket_of("https://h:443/b"));
    EXPECT_EQ(rate_bucket_of("http://127.0.0.1:8080/"), rate_bucket_of("http://127.0.0.1:8080"));
    EXPECT_EQ(rate_bucket_of("http://h/"), "http://h:80");
}

TEST(rate_bucket_of, other_spellings_of_one_origin_are_the_same_bucket)
{
    EXPECT_EQ(rate_bucket_of("http://127.1:8080/"), rate_bucket_of("http://127.0.0.1:8080/"));
    EXPECT_EQ(rate_bucket_of("HTTP://User@H.example:80/x"), rate_bucket_of("http://h.example/y"));
    EXPECT_EQ(rate_bucket_of("http://[::1]/"), rate_bucket_of("http://[::1]:80/"));
}

TEST(rate_bucket_of, scheme_host_and_port_still_separate_buckets)
{
    EXPECT_NE(rate_bucket_of("http://h/"), rate_bucket_of("https://h/"));
    EXPECT_NE(rate_bucket_of("http://h/"), rate_bucket_of("http://h:8080/"));
    EXPECT_NE(rate_bucket_of("http://h/"), rate_bucket_of("http://g/"));
    EXPECT_NE(rate_bucket_of("http://h:443/"), rate_bucket_of("https://h/"));
}

TEST(rate_bucket_of, unparsable_urls_keep_their_text_origin)
{
    EXPECT_EQ(rate_bucket_of("not a url"), origin_of("not a url"));
    EXPECT_EQ(rate_bucket_of("ftp://files.example/x"), origin_of("ftp://files.example/x"));
}

}  // namespace
}  // namespace asyncfetch
