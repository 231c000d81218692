// Inputs the fuzzers (fuzz/) found or that guard what they check: every accepted URL rebuilds to itself.
#include "asyncfetch/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace asyncfetch {
namespace {

/// The invariants fuzz/url_invariants.hpp checks, as test expectations.
void expect_invariants(std::string_view text)
{
    SCOPED_TRACE(std::string(text));
    auto u = parse_url(text);
    if (!u)
        return;
    EXPECT_TRUE(u->scheme == "http" || u->scheme == "https");
    EXPECT_FALSE(u->host.empty());
    EXPECT_NE(u->port, 0);
    ASSERT_FALSE(u->target.empty());
    EXPECT_EQ(u->target.front(), '/');
    for (const std::string& part : {u->host, u->target, u->host_header()})
        EXPECT_EQ(part.find_first_of(std::string_view("\r\n\0 ", 4)), std::string::npos) << part;

    auto again = parse_url(u->scheme + "://" + u->host_header() + u->target);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->scheme, u->scheme);
    EXPECT_EQ(again->host, u->host);
    EXPECT_EQ(again->port, u->port);
    EXPECT_EQ(again->target, u->target);
    EXPECT_EQ(again->ip_literal, u->ip_literal);
}

TEST(url_fuzz_regressions, accepted_urls_rebuild_to_the_same_url)
{
    for (const char* text : {
             "http://example.com",
             "HTTPS://Example.COM:8443/a/B?x=1&y=%20#frag",
             "http://h:/",
             "http://h:0080/",
             "http://h?x",
             "http://h#f",
             "http://h//etc/passwd",
             "http://h/a/../../b/./c",
             "http://[::1]:8080/x",
             "http://[::ffff:1.2.3.4]/",
             "https://[2001:DB8::1]/",
             "http://user:pass@h/",
             "http://ex%61mple.com/",
             "http://a_b.example/",
             "http://example.com./",
             "http://2130706433/",
             "  \thttp://h/ \r\n",
         })
        expect_invariants(text);
}

TEST(url_fuzz_regressions, bytes_a_request_line_cannot_carry_are_rejected)
{
    for (std::string_view text : {
             std::string_view("http://h/\r\nX-Injected: 1"),
             std::string_view("http://h/a b"),
             std::string_view("http://h/\0x", 11),
             std::string_view("http://h%0d%0a/"),
             std::string_view("http://h%20x/"),
             std::string_view("http://[fe80::1%25eth0]/"),
         })
    {
        EXPECT_FALSE(parse_url(text)) << text;
        expect_invariants(text);
    }
}

// Found by fuzz_url: Boost.URL takes "%32.1.1.0" for a registered name, which decodes to "2.1.1.0";
// ip_literal stayed false, so https sent the address as SNI and checked it as a DNS name, while the same
// URL rebuilt as "http://2.1.1.0/" is an IP literal. The decoded host is an IPv4 address: an IP literal.
TEST(url_fuzz_regressions, percent_encoded_ipv4_host_is_an_ip_literal)
{
    for (const char* text : {"http://%32.1.1.0", "https://%31%32%37.0.0.1:8443/x"})
    {
        auto u = parse_url(text);
        if (!u)
            continue;
        EXPECT_TRUE(u->ip_literal) << text << " -> host " << u->host;
        expect_invariants(text);
    }
}

}  // namespace
}  // namespace asyncfetch
