// URLs: accepted forms, normalisation, rejections, redirect resolution, origins, base64.
#include "asyncfetch/url.hpp"

#include "asyncfetch/error.hpp"
#include "must_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

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

TEST(url, host_and_port_always_has_the_port_and_brackets_an_ipv6_host)
{
    // A CONNECT request's target: the default port is written too, unlike in the Host header.
    auto u = parse_url("https://example.com/");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host_and_port(), "example.com:443");
    auto v6 = parse_url("http://[::1]/");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host_and_port(), "[::1]:80");
    EXPECT_EQ(v6->host_header(), "[::1]");
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

// Boost.URL 1.81 refused these (boostorg/url#755): a leading dotted quad was taken for an address.
// curl reads them as host names, and so do services such as nip.io.
TEST(url, a_name_that_starts_like_an_ipv4_address_is_a_name)
{
    for (const char* text : {"http://127.0.0.1.nip.io/x",
                             "https://1.2.3.4.example:8443/",
                             "http://u:p@10.0.0.1.example/",
                             "http://1.2.3.4.5/",
                             "http://1.2.3.4x/",
                             "http://999.1.1.1/"})
    {
        for (auto parse : {&parse_url, &detail::parse_url_general})
        {
            auto u = parse(text);
            ASSERT_TRUE(u) << text;
            EXPECT_FALSE(u->ip_literal) << text;
            EXPECT_EQ(std::string_view(text).find(u->host),
                      std::string_view(text).find("://") + 3 + (u->userinfo.empty() ? 0 : 4))
                << text;
        }
    }
}

TEST(url, dotted_quads_and_names_that_only_look_like_them)
{
    struct expected
    {
        const char* text;
        const char* host;
        bool ip_literal;
    };
    for (const expected& e : {expected{"http://0.0.0.0/", "0.0.0.0", true},
                              expected{"http://255.255.255.255/", "255.255.255.255", true},
                              expected{"http://01.02.03.04/", "1.2.3.4", true},
                              expected{"http://0xcafe/", "0.0.202.254", true},
                              expected{"http://1.2.3.256/", "1.2.3.256", false},
                              expected{"http://1234.1.1.1/", "1234.1.1.1", false},
                              expected{"http://1.2.3.4./", "1.2.3.4.", false},
                              expected{"http://1..2.3/", "1..2.3", false},
                              expected{"http://cafe/", "cafe", false}})
    {
        const url u = test::must_parse(e.text);
        EXPECT_EQ(u.host, e.host) << e.text;
        EXPECT_EQ(u.ip_literal, e.ip_literal) << e.text;
    }
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

using test::must_parse;

// ---------------------------------------------------------------------------------------------
// resolve_location

constexpr std::string_view rfc_base = "http://a/b/c/d;p?q";

std::string resolved(std::string_view base, std::string_view location)
{
    auto r = resolve_location(base, location);
    if (!r)
        return "error: " + r.error().message();
    return *r;
}

TEST(resolve_location, rfc3986_normal_examples)
{
    EXPECT_EQ(resolved(rfc_base, "g"), "http://a/b/c/g");
    EXPECT_EQ(resolved(rfc_base, "./g"), "http://a/b/c/g");
    EXPECT_EQ(resolved(rfc_base, "g/"), "http://a/b/c/g/");
    EXPECT_EQ(resolved(rfc_base, "/g"), "http://a/g");
    EXPECT_EQ(resolved(rfc_base, "//g"), "http://g");
    EXPECT_EQ(resolved(rfc_base, "?y"), "http://a/b/c/d;p?y");
    EXPECT_EQ(resolved(rfc_base, "g?y"), "http://a/b/c/g?y");
    EXPECT_EQ(resolved(rfc_base, ";x"), "http://a/b/c/;x");
    EXPECT_EQ(resolved(rfc_base, "g;x?y"), "http://a/b/c/g;x?y");
    EXPECT_EQ(resolved(rfc_base, "."), "http://a/b/c/");
    EXPECT_EQ(resolved(rfc_base, ".."), "http://a/b/");
    EXPECT_EQ(resolved(rfc_base, "../g"), "http://a/b/g");
    EXPECT_EQ(resolved(rfc_base, "../.."), "http://a/");
    EXPECT_EQ(resolved(rfc_base, "../../g"), "http://a/g");
}

TEST(resolve_location, rfc3986_abnormal_examples)
{
    EXPECT_EQ(resolved(rfc_base, "/./g"), "http://a/g");
    EXPECT_EQ(resolved(rfc_base, "g."), "http://a/b/c/g.");
    EXPECT_EQ(resolved(rfc_base, "./../g"), "http://a/b/g");
    EXPECT_EQ(resolved(rfc_base, "g/./h"), "http://a/b/c/g/h");
    EXPECT_EQ(resolved(rfc_base, "g/../h"), "http://a/b/c/h");
}

// RFC 3986 section 5.4.2: ".." above the root is removed ("remove_dot_segments"), so no request
// target ever starts with "/..". Boost.URL 1.81's resolve() keeps them.
TEST(resolve_location, dot_segments_above_the_root_are_removed)
{
    EXPECT_EQ(resolved(rfc_base, "../../../g"), "http://a/g");
    EXPECT_EQ(resolved(rfc_base, "../../../../g"), "http://a/g");
    EXPECT_EQ(resolved(rfc_base, "/../g"), "http://a/g");
}

TEST(resolve_location, fragments_are_dropped)
{
    EXPECT_EQ(resolved(rfc_base, "#s"), "http://a/b/c/d;p?q");
    EXPECT_EQ(resolved(rfc_base, "g#s"), "http://a/b/c/g");
    EXPECT_EQ(resolved(rfc_base, "g?y#s"), "http://a/b/c/g?y");
    EXPECT_EQ(resolved(rfc_base, "g;x?y#s"), "http://a/b/c/g;x?y");
}

TEST(resolve_location, absolute_location_replaces_the_base)
{
    EXPECT_EQ(resolved(rfc_base, "https://other:8443/x#frag"), "https://other:8443/x");
    EXPECT_EQ(resolved("https://a/x", "http://b/y?z"), "http://b/y?z");
}

TEST(resolve_location, surrounding_blanks_are_trimmed)
{
    EXPECT_EQ(resolved(rfc_base, "  /g\t"), "http://a/g");
}

TEST(resolve_location, spaces_and_utf8_are_percent_encoded)
{
    EXPECT_EQ(resolved("http://a/b/c", "/a b/\xC3\xA9t\xC3\xA9?q=x y"),
              "http://a/a%20b/%C3%A9t%C3%A9?q=x%20y");
    EXPECT_EQ(resolved("http://a/b/c", "d e"), "http://a/b/d%20e");
}

TEST(resolve_location, control_characters_and_empty_are_invalid)
{
    for (std::string_view bad : {std::string_view(""),
                                 std::string_view("   "),
                                 std::string_view("/a\x01"
                                                  "b"),
                                 std::string_view("/a\r\nSet-Cookie: x"),
                                 std::string_view("/a\nb"),
                                 std::string_view("/a\tb"),
                                 std::string_view("/a\x7f"
                                                  "b"),
                                 std::string_view("/a\0b", 4)})
    {
        auto r = resolve_location(rfc_base, bad);
        ASSERT_FALSE(r) << "location '" << bad << "' resolved to " << *r;
        EXPECT_EQ(r.error(), make_error_code(errc::redirect_invalid)) << bad;
    }
}

// ---------------------------------------------------------------------------------------------
// same_origin, base64_encode, url::absolute, url::basic_authorization

TEST(same_origin, scheme_host_and_port_must_all_match)
{
    const url a = must_parse("http://example.com/a");
    EXPECT_TRUE(same_origin(a, must_parse("http://EXAMPLE.com:80/other?q")));
    EXPECT_TRUE(same_origin(a, must_parse("http://user:pw@example.com/")));
    EXPECT_FALSE(same_origin(a, must_parse("https://example.com/a")));
    EXPECT_FALSE(same_origin(a, must_parse("http://example.com:8080/a")));
    EXPECT_FALSE(same_origin(a, must_parse("http://www.example.com/a")));
    EXPECT_TRUE(same_origin(must_parse("https://h/"), must_parse("https://h:443/")));
    EXPECT_TRUE(same_origin(must_parse("http://[::1]:8080/"), must_parse("http://[0:0::1]:8080/x")));
}

TEST(base64_encode, rfc4648_test_vectors)
{
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(base64_encode, high_bytes_use_plus_and_slash)
{
    EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
    EXPECT_EQ(base64_encode("\xfb\xef"), "++8=");
    EXPECT_EQ(base64_encode(std::string_view("\0\0\0", 3)), "AAAA");
}

TEST(url_absolute, leaves_out_userinfo_fragment_and_default_ports)
{
    EXPECT_EQ(must_parse("http://user:pw@Example.com:80/p?q=1#frag").absolute(), "http://example.com/p?q=1");
    EXPECT_EQ(must_parse("https://h:443").absolute(), "https://h/");
    EXPECT_EQ(must_parse("https://h:80/").absolute(), "https://h:80/");
    EXPECT_EQ(must_parse("http://h:8080/x").absolute(), "http://h:8080/x");
}

TEST(url_absolute, ipv6_is_bracketed)
{
    EXPECT_EQ(must_parse("http://[::1]:8080/x").absolute(), "http://[::1]:8080/x");
    EXPECT_EQ(must_parse("https://[2001:db8::1]/").absolute(), "https://[2001:db8::1]/");
    EXPECT_EQ(must_parse("http://127.0.0.1/").absolute(), "http://127.0.0.1/");
}

TEST(url_userinfo, is_stored_percent_decoded)
{
    const url u = must_parse("http://user:pa%20ss@h/");
    EXPECT_EQ(u.userinfo, "user:pa ss");
    EXPECT_EQ(u.target, "/");
    EXPECT_EQ(u.host, "h");
}

TEST(url_basic_authorization, encodes_the_decoded_userinfo)
{
    EXPECT_EQ(must_parse("http://user:pa%20ss@h/").basic_authorization(),
              "Basic " + base64_encode("user:pa ss"));
    EXPECT_EQ(must_parse("http://user:pa%20ss@h/").basic_authorization(), "Basic dXNlcjpwYSBzcw==");
    EXPECT_EQ(must_parse("http://u:p@h/").basic_authorization(), "Basic dTpw");
}

TEST(url_basic_authorization, empty_without_userinfo)
{
    EXPECT_EQ(must_parse("http://h/").basic_authorization(), "");
    EXPECT_TRUE(must_parse("http://h/").userinfo.empty());
}

TEST(url_idn, a_utf8_host_becomes_its_a_label)
{
    const url u = must_parse("https://b\u00fccher.example/p?q");
    EXPECT_EQ(u.host, "xn--bcher-kva.example");
    EXPECT_EQ(u.target, "/p?q");
    EXPECT_FALSE(u.ip_literal);
    // UTS #46 maps upper case; user-info and port stay as they were.
    const url upper = must_parse("http://me:pw@B\u00dcCHER.example:8080/");
    EXPECT_EQ(upper.host, "xn--bcher-kva.example");
    EXPECT_EQ(upper.port, 8080);
    EXPECT_EQ(upper.userinfo, "me:pw");
    EXPECT_EQ(upper.host_header(), "xn--bcher-kva.example:8080");
    // Non-transitional: sharp s stays itself (transitional processing would make it "ss").
    EXPECT_EQ(must_parse("http://fa\u00df.de/").host, "xn--fa-hia.de");
}

TEST(url_idn, a_percent_encoded_utf8_host_is_converted_too)
{
    EXPECT_EQ(must_parse("http://b%C3%BCcher.example/").host, "xn--bcher-kva.example");
}

TEST(url_idn, ascii_and_a_label_hosts_are_unchanged)
{
    EXPECT_EQ(must_parse("http://xn--bcher-kva.example/").host, "xn--bcher-kva.example");
    // Only the host is converted: raw UTF-8 in the path is refused as before, not as an IDN error.
    auto path = parse_url("http://example.com/b\u00fccher");
    ASSERT_FALSE(path.has_value());
    EXPECT_EQ(path.error(), errc::invalid_url);
}

TEST(url_idn, a_name_idna_maps_to_nothing_is_a_missing_host)
{
    // Found by fuzz_location: U+034F and the soft hyphen U+00AD are mapped away, leaving no host.
    for (const char* text : {"http://%CD%8F://d:99999/", "http://%C2%AD/", "http://\u00ad/"})
    {
        auto r = parse_url(text);
        ASSERT_FALSE(r.has_value()) << text;
        EXPECT_EQ(r.error(), errc::missing_host) << text;
    }
    // A redirect there resolves as text, and fetching it is the same refusal.
    auto next = resolve_location("http://example.com/a", "http://%CD%8F/");
    ASSERT_TRUE(next.has_value());
    EXPECT_FALSE(parse_url(*next).has_value());
    EXPECT_EQ(must_parse("http://a%C2%ADb.example/").host, "ab.example");
}

TEST(url_idn, an_invalid_name_is_invalid_url_with_the_reason)
{
    const auto reason = [](std::string_view text) {
        auto r = parse_url(text);
        EXPECT_FALSE(r.has_value()) << text;
        return r ? boost::system::error_code{} : r.error();
    };
    EXPECT_EQ(reason("http://a\xff.example/"), errc::idn_bad_encoding);
    EXPECT_EQ(reason("http://\u00fc\ufffd.de/"), errc::idn_disallowed);
    EXPECT_EQ(reason("http://-\u00fc.de/"), errc::idn_invalid);
    std::string long_label = "http://";
    for (int i = 0; i < 64; ++i)
        long_label += "\u00fc";
    EXPECT_EQ(reason(long_label + ".de/"), errc::idn_too_long);
    EXPECT_EQ(classify(errc::idn_disallowed), error_kind::invalid_url);
    EXPECT_EQ(describe(errc::idn_disallowed), "host name has a character IDNA does not allow");
}

TEST(url_length, a_url_past_the_limit_is_too_long)
{
    std::string text = "http://h/";
    text.resize(max_url_length, 'a');
    EXPECT_TRUE(parse_url(text).has_value());
    text += 'a';
    ASSERT_FALSE(parse_url(text).has_value());
    EXPECT_EQ(parse_url(text).error(), errc::url_too_long);
    EXPECT_EQ(classify(errc::url_too_long), error_kind::invalid_url);
}

}  // namespace
}  // namespace asyncfetch
