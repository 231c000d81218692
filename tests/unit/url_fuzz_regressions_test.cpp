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

// parse_url takes plain URLs a faster way than Boost.URL's grammar; both ways must agree on every
// input, accepted or not (fuzz_url and fuzz_location check the same on random input).
TEST(url_fast_path, plain_urls_parse_as_the_general_grammar_does)
{
    std::string long_path = "http://h/";
    long_path.append(3000, 'a');
    for (std::string_view text : {
             std::string_view("http://127.0.0.1:18080/small/00000.bin"),
             std::string_view("HTTPS://Example.COM:8443/a/B?x=1&y=%20"),
             std::string_view("hTtP://h"),
             std::string_view("http://h:"),
             std::string_view("http://h:/"),
             std::string_view("http://h:0/"),
             std::string_view("http://h:0080/"),
             std::string_view("http://h:65535/"),
             std::string_view("http://h:65536/"),
             std::string_view("http://h:99999/"),
             std::string_view("http://h:655350/"),
             std::string_view("http://h:8x/"),
             std::string_view("http://h:-1/"),
             std::string_view("http://:80/"),
             std::string_view("http:///x"),
             std::string_view("http://h?x"),
             std::string_view("http://h?x?y/z"),
             std::string_view("http://h/?"),
             std::string_view("http://h/a/../../b/./c"),
             std::string_view("http://h//etc/passwd"),
             std::string_view("http://h/%41%zz"),
             std::string_view("http://h/%4"),
             std::string_view("http://h/a%"),
             std::string_view("http://h/'()*!$&+,;=:@~"),
             std::string_view("http://h/[x]"),
             std::string_view("http://h/a\\b"),
             std::string_view("http://h/{x}|^`\"<>"),
             std::string_view("http://h/#frag"),
             std::string_view("http://example.com./"),
             std::string_view("http://a_b.example/"),
             std::string_view("http://-h-/"),
             std::string_view("http://a..b/"),
             std::string_view("http://127.1/"),
             std::string_view("http://0x7f.0.0.1/"),
             std::string_view("http://2130706433/"),
             std::string_view("http://999.1.1.1/"),
             std::string_view("http://1.2.3.4.5/"),
             std::string_view("http://%31%32%37.0.0.1/"),
             std::string_view("http://h~x/"),
             std::string_view("http://h!x/"),
             std::string_view("http://u:p@h/"),
             std::string_view("http://[::1]:8080/x"),
             std::string_view("http://b\xc3\xbc"
                              "cher.example/"),
             std::string_view("ftp://h/"),
             std::string_view("http:/h/"),
             std::string_view("  \thttp://h/ \r\n"),
             std::string_view(long_path),
         })
    {
        SCOPED_TRACE(std::string(text));
        auto fast = parse_url(text);
        auto general = detail::parse_url_general(text);
        ASSERT_EQ(fast.has_value(), general.has_value());
        if (!fast)
        {
            EXPECT_EQ(fast.error(), general.error());
            continue;
        }
        EXPECT_EQ(fast->scheme, general->scheme);
        EXPECT_EQ(fast->host, general->host);
        EXPECT_EQ(fast->port, general->port);
        EXPECT_EQ(fast->target, general->target);
        EXPECT_EQ(fast->ip_literal, general->ip_literal);
        EXPECT_EQ(fast->userinfo, general->userinfo);
        expect_invariants(text);
    }
    EXPECT_EQ(parse_url("HTTP://Example.COM:0080?q").value().absolute(), "http://example.com/?q");
    EXPECT_EQ(parse_url("http://0x7f.1/x").value().host, "127.0.0.1");
}

}  // namespace
}  // namespace asyncfetch
