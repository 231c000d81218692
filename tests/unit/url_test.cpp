// URL parsing: accepted forms, normalisation, and each way a URL is rejected.
#include "asyncfetch/url.hpp"

#include "asyncfetch/error.hpp"

#include <gtest/gtest.h>

namespace asyncfetch {
namespace {

TEST(url, plain_http_gets_default_port_and_root_target)
{
    auto u = parse_url("http://example.com");
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->scheme, "http");
    EXPECT_EQ(u->host, "example.com");
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");
    EXPECT_FALSE(u->ip_literal);
    EXPECT_FALSE(u->tls());
    EXPECT_EQ(u->host_header(), "example.com");
    EXPECT_EQ(u->origin(), "http://example.com:80");
}

TEST(url, scheme_and_host_are_lowered_fragment_dropped_query_kept)
{
    auto u = parse_url("HTTPS://Example.COM:8443/a/B?x=1&y=%20#frag");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->host, "example.com");
    EXPECT_EQ(u->port, 8443);
    EXPECT_EQ(u->target, "/a/B?x=1&y=%20");
    EXPECT_TRUE(u->tls());
    EXPECT_EQ(u->host_header(), "example.com:8443");
    EXPECT_EQ(u->origin(), "https://example.com:8443");
}

TEST(url, default_port_is_left_out_of_host_header)
{
    auto u = parse_url("https://example.com:443/");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host_header(), "example.com");
}

TEST(url, query_without_path_gets_a_slash)
{
    auto u = parse_url("http://example.com?q=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->target, "/?q=1");
}

TEST(url, ip_literals)
{
    auto v4 = parse_url("http://127.0.0.1:8080/x");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->ip_literal);
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->host_header(), "127.0.0.1:8080");

    auto v6 = parse_url("http://[::1]:8080/");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->ip_literal);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->host_header(), "[::1]:8080");
    EXPECT_EQ(v6->origin(), "http://[::1]:8080");
}

TEST(url, other_ipv4_forms_become_the_dotted_quad)
{
    for (const char* text : {"http://127.1/",
                             "http://2130706433/",
                             "http://0x7f.0.0.1/",
                             "http://0177.0.0.1/",
                             "http://0x7F000001/",
                             "http://127.0.1/",
                             "http://%31%32%37.0.0.1/"})
    {
        auto u = parse_url(text);
        ASSERT_TRUE(u) << text;
        EXPECT_TRUE(u->ip_literal) << text;
        EXPECT_EQ(u->host, "127.0.0.1") << text;
        EXPECT_EQ(u->host_header(), "127.0.0.1") << text;
    }
    // Not addresses: names, whatever the resolver then makes of them.
    for (const char* text : {"http://1.2.3.256/", "http://0x7g.0.0.1/", "http://1e3/"})
    {
        auto u = parse_url(text);
        ASSERT_TRUE(u) << text;
        EXPECT_FALSE(u->ip_literal) << text;
    }
}

TEST(url, surrounding_blanks_are_trimmed)
{
    auto u = parse_url("  http://example.com/a \r\n");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->target, "/a");
}

TEST(url, empty_port_means_default)
{
    auto u = parse_url("http://example.com:/");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 80);
}

TEST(url, userinfo_is_not_sent_in_the_target)
{
    auto u = parse_url("http://user:pw@example.com/p");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "example.com");
    EXPECT_EQ(u->target, "/p");
}

struct bad_case
{
    const char* text;
    errc expected;
};

class url_rejects : public ::testing::TestWithParam<bad_case>
{
};

TEST_P(url_rejects, with_the_right_error)
{
    auto u = parse_url(GetParam().text);
    ASSERT_FALSE(u) << GetParam().text;
    EXPECT_EQ(u.error(), make_error_code(GetParam().expected))
        << GetParam().text << ": " << u.error().message();
    EXPECT_EQ(classify(u.error()), error_kind::invalid_url);
}

INSTANTIATE_TEST_SUITE_P(cases,
                         url_rejects,
                         ::testing::Values(bad_case{"", errc::invalid_url},
                                           bad_case{"   ", errc::invalid_url},
                                           bad_case{"example.com", errc::invalid_url},
                                           bad_case{"ftp://example.com/", errc::unsupported_scheme},
                                           bad_case{"file:///etc/passwd", errc::unsupported_scheme},
                                           bad_case{"mailto:a@b.c", errc::unsupported_scheme},
                                           bad_case{"http:/example.com", errc::missing_host},
                                           bad_case{"http://", errc::missing_host},
                                           bad_case{"http://:80/", errc::missing_host},
                                           bad_case{"http://example.com:0/", errc::invalid_port},
                                           bad_case{"http://example.com:65536/", errc::invalid_port},
                                           bad_case{"http://example.com:99999/", errc::invalid_port},
                                           bad_case{"http://example.com:99999999999/", errc::invalid_port},
                                           bad_case{"http://exa mple.com/", errc::invalid_url},
                                           bad_case{"http://example.com/a b", errc::invalid_url},
                                           bad_case{"http://exa\x01mple.com/", errc::invalid_url},
                                           bad_case{"http://[::1/", errc::invalid_url},
                                           bad_case{"http://%zz/", errc::invalid_url},
                                           bad_case{"http://ex%00ample.com/", errc::invalid_url},
                                           bad_case{"http://example.com:8x/", errc::invalid_url}));

}  // namespace
}  // namespace asyncfetch
