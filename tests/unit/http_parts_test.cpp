// Pure HTTP helpers: redirect resolution, origins, base64, proxies, retry policy, output names, new flags.
#include "asyncfetch/error.hpp"
#include "asyncfetch/options.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/retry.hpp"
#include "asyncfetch/url.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using std::chrono::milliseconds;

url must_parse(std::string_view text)
{
    auto u = parse_url(text);
    EXPECT_TRUE(u) << text;
    return u ? *u : url{};
}

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

// ---------------------------------------------------------------------------------------------
// proxy

TEST(parse_proxy_url, bare_host_and_port_means_http)
{
    auto p = parse_proxy_url("127.0.0.1:3128");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->scheme, "http");
    EXPECT_EQ(p->host, "127.0.0.1");
    EXPECT_EQ(p->port, 3128);
    EXPECT_TRUE(p->userinfo.empty());
}

TEST(parse_proxy_url, missing_port_is_1080)
{
    auto p = parse_proxy_url("http://h");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->host, "h");
    EXPECT_EQ(p->port, 1080);

    auto bare = parse_proxy_url("  proxy.local  ");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->host, "proxy.local");
    EXPECT_EQ(bare->port, 1080);

    // The colon in the user-info is not a port separator.
    auto with_user = parse_proxy_url("http://u:p@h");
    ASSERT_TRUE(with_user);
    EXPECT_EQ(with_user->port, 1080);
    EXPECT_EQ(with_user->userinfo, "u:p");

    // Nor are the colons of an IPv6 literal.
    auto v6 = parse_proxy_url("http://[::1]");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 1080);
    auto v6_port = parse_proxy_url("http://[::1]:3128/");
    ASSERT_TRUE(v6_port);
    EXPECT_EQ(v6_port->port, 3128);
}

TEST(parse_proxy_url, userinfo_and_explicit_port)
{
    auto p = parse_proxy_url("http://u:p@h:8080");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->host, "h");
    EXPECT_EQ(p->port, 8080);
    EXPECT_EQ(p->userinfo, "u:p");
    EXPECT_EQ(p->basic_authorization(), "Basic dTpw");
}

TEST(parse_proxy_url, only_http_proxies)
{
    for (std::string_view bad :
         {"https://h", "socks5://h", "socks5h://h:1080", "ftp://h", "", "http://", "http://h:0"})
    {
        auto p = parse_proxy_url(bad);
        ASSERT_FALSE(p) << "'" << bad << "' parsed as " << p->absolute();
        EXPECT_EQ(p.error(), make_error_code(errc::invalid_proxy)) << bad;
    }
}

TEST(no_proxy_matches, star_matches_everything)
{
    EXPECT_TRUE(no_proxy_matches("*", "example.com"));
    EXPECT_TRUE(no_proxy_matches("*", "127.0.0.1"));
    EXPECT_TRUE(no_proxy_matches(" * ", "::1"));
}

TEST(no_proxy_matches, name_matches_itself_and_subdomains_only)
{
    EXPECT_TRUE(no_proxy_matches("example.com", "example.com"));
    EXPECT_TRUE(no_proxy_matches("example.com", "a.example.com"));
    EXPECT_TRUE(no_proxy_matches("example.com", "b.a.example.com"));
    EXPECT_FALSE(no_proxy_matches("example.com", "badexample.com"));
    EXPECT_FALSE(no_proxy_matches("example.com", "example.com.evil"));
    EXPECT_FALSE(no_proxy_matches("example.com", "com"));
    EXPECT_FALSE(no_proxy_matches("a.example.com", "example.com"));
}

TEST(no_proxy_matches, leading_dot_is_ignored)
{
    EXPECT_TRUE(no_proxy_matches(".example.com", "example.com"));
    EXPECT_TRUE(no_proxy_matches(".example.com", "www.example.com"));
    EXPECT_FALSE(no_proxy_matches(".example.com", "badexample.com"));
}

TEST(no_proxy_matches, comma_separated_list_with_blanks)
{
    const std::string_view list = " foo.org ,\texample.com , ,localhost ";
    EXPECT_TRUE(no_proxy_matches(list, "foo.org"));
    EXPECT_TRUE(no_proxy_matches(list, "www.example.com"));
    EXPECT_TRUE(no_proxy_matches(list, "localhost"));
    EXPECT_FALSE(no_proxy_matches(list, "bar.org"));
    EXPECT_FALSE(no_proxy_matches("", "example.com"));
    EXPECT_FALSE(no_proxy_matches(" , ", "example.com"));
}

TEST(no_proxy_matches, is_case_insensitive)
{
    EXPECT_TRUE(no_proxy_matches("EXAMPLE.com", "www.example.com"));
    EXPECT_TRUE(no_proxy_matches("example.com", "WWW.Example.COM"));
}

TEST(no_proxy_matches, ip_literals)
{
    EXPECT_TRUE(no_proxy_matches("[::1]", "::1"));
    EXPECT_TRUE(no_proxy_matches("::1", "::1"));
    EXPECT_FALSE(no_proxy_matches("[::1]", "::2"));
    EXPECT_TRUE(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
    EXPECT_FALSE(no_proxy_matches("127.0.0.1", "127.0.0.10"));
}

// The header promises "IP literals matched exactly": a name-style suffix match must not apply to
// an address.
TEST(no_proxy_matches, ip_literal_is_not_suffix_matched)
{
    EXPECT_FALSE(no_proxy_matches("0.0.1", "10.0.0.1"));
    EXPECT_FALSE(no_proxy_matches("1", "10.0.0.1"));
}

TEST(proxy_for, explicit_proxy_beats_environment)
{
    proxy_settings s;
    s.proxy = "http://explicit:1";
    s.env_http_proxy = "http://env:2";
    s.env_https_proxy = "http://envs:3";
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), s), "http://explicit:1");
    EXPECT_EQ(proxy_for(must_parse("https://example.com/"), s), "http://explicit:1");
}

TEST(proxy_for, environment_by_scheme)
{
    proxy_settings s;
    s.env_http_proxy = "http://env:2";
    s.env_https_proxy = "http://envs:3";
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), s), "http://env:2");
    EXPECT_EQ(proxy_for(must_parse("https://example.com/"), s), "http://envs:3");

    proxy_settings http_only;
    http_only.env_http_proxy = "http://env:2";
    EXPECT_EQ(proxy_for(must_parse("https://example.com/"), http_only), "");
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), proxy_settings{}), "");
}

TEST(proxy_for, env_no_proxy_applies_to_explicit_and_environment_proxies)
{
    proxy_settings s;
    s.env_http_proxy = "http://env:2";
    s.env_https_proxy = "http://envs:3";
    s.env_no_proxy = "example.com";
    EXPECT_EQ(proxy_for(must_parse("http://www.example.com/"), s), "");
    EXPECT_EQ(proxy_for(must_parse("https://example.com/"), s), "");
    EXPECT_EQ(proxy_for(must_parse("http://other.com/"), s), "http://env:2");
    s.proxy = "http://explicit:1";
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), s), "");
    EXPECT_EQ(proxy_for(must_parse("https://other.com/"), s), "http://explicit:1");
}

TEST(proxy_for, noproxy_option_replaces_environment_no_proxy)
{
    proxy_settings s;
    s.proxy = "http://explicit:1";
    s.env_no_proxy = "example.com";
    s.noproxy = "other.com";
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), s), "http://explicit:1");
    EXPECT_EQ(proxy_for(must_parse("http://other.com/"), s), "");

    // An empty --noproxy means no exceptions at all, even though no_proxy is set.
    s.noproxy = "";
    EXPECT_EQ(proxy_for(must_parse("http://example.com/"), s), "http://explicit:1");
    EXPECT_EQ(proxy_for(must_parse("http://other.com/"), s), "http://explicit:1");

    s.noproxy = "*";
    EXPECT_EQ(proxy_for(must_parse("http://anything.net/"), s), "");
}

// ---------------------------------------------------------------------------------------------
// retry

TEST(retry, retryable_statuses)
{
    for (unsigned s : {408u, 429u, 500u, 502u, 503u, 504u})
        EXPECT_TRUE(is_retryable_status(s)) << s;
    for (unsigned s : {0u, 200u, 204u, 301u, 400u, 404u, 409u, 501u, 505u})
        EXPECT_FALSE(is_retryable_status(s)) << s;
}

fetch_result result_of(error_kind kind, unsigned status = 0)
{
    fetch_result r;
    r.kind = kind;
    r.status = status;
    return r;
}

TEST(retry, retryable_results)
{
    EXPECT_TRUE(is_retryable(result_of(error_kind::connect)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::timeout)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::dns)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::tls)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::invalid_url)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::none, 503)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::http, 503)));
    EXPECT_TRUE(is_retryable(result_of(error_kind::http, 429)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::none, 200)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::http, 404)));
    EXPECT_FALSE(is_retryable(result_of(error_kind::none, 501)));
}

TEST(retry, idempotent_methods)
{
    for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
        EXPECT_TRUE(is_idempotent(m)) << m;
    for (const char* m : {"POST", "PATCH", "CONNECT", "", "get"})
        EXPECT_FALSE(is_idempotent(m)) << m;
}

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date.
const auto fixed_now = std::chrono::system_clock::from_time_t(784111777);

TEST(parse_retry_after, delay_seconds)
{
    EXPECT_EQ(parse_retry_after("120", fixed_now), milliseconds(120'000));
    EXPECT_EQ(parse_retry_after(" 5 ", fixed_now), milliseconds(5'000));
    EXPECT_EQ(parse_retry_after("0", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("99999999999", fixed_now), max_retry_wait);
}

TEST(parse_retry_after, invalid_values)
{
    for (std::string_view bad :
         {"abc", "", "   ", "-5", "1.5", "5s", "Sun, 06 Nov 1994 08:49:37", "tomorrow"})
        EXPECT_EQ(parse_retry_after(bad, fixed_now), std::nullopt) << "'" << bad << "'";
}

TEST(parse_retry_after, http_date)
{
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", fixed_now), milliseconds(30'000));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:07 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Sat, 01 Jan 1994 00:00:00 GMT", fixed_now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", fixed_now), milliseconds(86'400'000));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", fixed_now + milliseconds(500)),
              milliseconds(29'500));
}

TEST(retry_wait, doubles_from_the_base)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, std::nullopt), milliseconds(1000));
    EXPECT_EQ(retry_wait(2, milliseconds(1000), 0, std::nullopt), milliseconds(2000));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 0, std::nullopt), milliseconds(4000));
    EXPECT_EQ(retry_wait(4, milliseconds(250), 0, std::nullopt), milliseconds(2000));
}

TEST(retry_wait, jitter_adds_up_to_a_quarter)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 1.0, std::nullopt), milliseconds(1250));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0.5, std::nullopt), milliseconds(1125));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 1.0, std::nullopt), milliseconds(5000));
    // Out-of-range jitter is clamped.
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 7.0, std::nullopt), milliseconds(1250));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), -1.0, std::nullopt), milliseconds(1000));
}

TEST(retry_wait, retry_after_is_a_minimum)
{
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, milliseconds(10'000)), milliseconds(10'000));
    EXPECT_EQ(retry_wait(3, milliseconds(1000), 0, milliseconds(500)), milliseconds(4000));
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 1.0, milliseconds(0)), milliseconds(1250));
}

TEST(retry_wait, capped_at_max_retry_wait)
{
    EXPECT_EQ(max_retry_wait, milliseconds(300'000));
    EXPECT_EQ(retry_wait(20, milliseconds(1000), 0, std::nullopt), max_retry_wait);
    EXPECT_EQ(retry_wait(1000, milliseconds(1000), 0.9, std::nullopt), max_retry_wait);
    EXPECT_EQ(retry_wait(1, milliseconds(1000), 0, milliseconds(1'000'000)), max_retry_wait);
    EXPECT_EQ(retry_wait(9, milliseconds(1000), 0, std::nullopt), milliseconds(256'000));
    EXPECT_EQ(retry_wait(9, milliseconds(1000), 1.0, std::nullopt), max_retry_wait);
}

// ---------------------------------------------------------------------------------------------
// output_dir

TEST(safe_file_name, last_segment_without_query)
{
    EXPECT_EQ(safe_file_name("/a/b/file.txt?x=1"), "file.txt");
    EXPECT_EQ(safe_file_name("/file.txt#frag"), "file.txt");
    EXPECT_EQ(safe_file_name("/a/b%20c.html"), "b c.html");
    EXPECT_EQ(safe_file_name("/dir/?q=/x/y"), "index.html");
}

TEST(safe_file_name, empty_dot_and_dotdot_become_index_html)
{
    EXPECT_EQ(safe_file_name("/"), "index.html");
    EXPECT_EQ(safe_file_name("/dir/"), "index.html");
    EXPECT_EQ(safe_file_name(""), "index.html");
    EXPECT_EQ(safe_file_name("/."), "index.html");
    EXPECT_EQ(safe_file_name("/.."), "index.html");
    EXPECT_EQ(safe_file_name("/%2e%2e"), "index.html");
    EXPECT_EQ(safe_file_name("/%2E."), "index.html");
    EXPECT_EQ(safe_file_name("/%2e"), "index.html");
}

TEST(safe_file_name, encoded_slashes_cannot_escape)
{
    const std::string name = safe_file_name("/%2F..%2Fetc%2Fpasswd");
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_EQ(name, "_.._etc_passwd");
    EXPECT_EQ(safe_file_name("/a%5Cb"), "a_b");
    EXPECT_EQ(safe_file_name("/..%5C..%5Cwin.ini"), "_._.._win.ini");
}

TEST(safe_file_name, leading_dot_becomes_underscore)
{
    EXPECT_EQ(safe_file_name("/.hidden"), "_hidden");
    EXPECT_EQ(safe_file_name("/%2Ehidden"), "_hidden");
    EXPECT_EQ(safe_file_name("/..."), "_..");
    EXPECT_EQ(safe_file_name("/a.b"), "a.b");
}

TEST(safe_file_name, control_characters_become_underscores)
{
    EXPECT_EQ(safe_file_name("/a%00b"), "a_b");
    EXPECT_EQ(safe_file_name("/a%0Ab%0d"), "a_b_");
    EXPECT_EQ(safe_file_name("/a%7Fb"), "a_b");
    EXPECT_EQ(safe_file_name(std::string_view("/a\0b\x01"
                                              "c",
                                              6)),
              "a_b_c");
}

TEST(safe_file_name, long_names_are_cut_to_200_bytes)
{
    EXPECT_EQ(safe_file_name("/" + std::string(300, 'a')), std::string(200, 'a'));
    EXPECT_EQ(safe_file_name("/" + std::string(200, 'b')), std::string(200, 'b'));
    // 300 encoded bytes decode to 100.
    std::string encoded = "/";
    for (int i = 0; i < 100; ++i)
        encoded += "%41";
    EXPECT_EQ(safe_file_name(encoded), std::string(100, 'A'));
}

TEST(output_names, paths_are_inside_the_directory_and_unique)
{
    output_names names("out");
    EXPECT_EQ(names.dir(), "out");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "out/x");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "out/x.1");
    EXPECT_EQ(names.reserve(must_parse("http://other/y/x?q=2")), "out/x.2");
    EXPECT_EQ(names.reserve(must_parse("http://h/")), "out/index.html");
    EXPECT_EQ(names.reserve(must_parse("http://h/dir/")), "out/index.html.1");
}

TEST(output_names, suffixed_names_never_collide_with_real_ones)
{
    output_names names("d");
    EXPECT_EQ(names.reserve(must_parse("http://h/x.1")), "d/x.1");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "d/x");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "d/x.2");
    EXPECT_EQ(names.reserve(must_parse("http://h/x.2")), "d/x.2.1");
}

TEST(output_names, hostile_targets_stay_in_the_directory)
{
    output_names names("/tmp/dl");
    for (const char* target : {"http://h/../../etc/passwd",
                               "http://h/%2e%2e/%2e%2e/etc/passwd",
                               "http://h/a/%2F..%2F..%2Fetc%2Fpasswd",
                               "http://h/..",
                               "http://h/%2e%2e",
                               "http://h/.ssh"})
    {
        const std::string path = names.reserve(must_parse(target));
        ASSERT_EQ(path.rfind("/tmp/dl/", 0), 0u) << path;
        const std::string name = path.substr(8);
        EXPECT_EQ(name.find('/'), std::string::npos) << target << " -> " << path;
        EXPECT_NE(name.front(), '.') << target << " -> " << path;
        EXPECT_NE(name, "..");
    }
    output_names fresh("DIR");
    EXPECT_EQ(fresh.reserve(must_parse("http://h/../../etc/passwd")), "DIR/passwd");
}

// ---------------------------------------------------------------------------------------------
// options: the request, redirect, output, retry, proxy and resolve flags

parse_outcome parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), terminal_info{true, false});
}

void expect_usage_error(std::initializer_list<const char*> args, const std::string& why)
{
    auto p = parse(args);
    EXPECT_FALSE(p.opts) << why;
    EXPECT_EQ(p.exit_code, 2) << why;
    EXPECT_FALSE(p.err.empty()) << why;
}

TEST(options_request, method_user_agent_and_headers)
{
    auto p = parse({"http://a/",
                    "-X",
                    "PUT",
                    "-A",
                    "agent/1.0",
                    "-H",
                    "X-A: 1",
                    "-H",
                    "X-B:",
                    "-H",
                    "X-C;",
                    "-H",
                    "X-D: \t spaced value \t",
                    "--header",
                    "Accept:*/*"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& r = p.opts->request;
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.user_agent, "agent/1.0");
    ASSERT_EQ(r.headers.size(), 5u);
    EXPECT_EQ(r.headers[0].name, "X-A");
    EXPECT_EQ(r.headers[0].value, "1");
    EXPECT_FALSE(r.headers[0].remove);
    EXPECT_EQ(r.headers[1].name, "X-B");
    EXPECT_EQ(r.headers[1].value, "");
    EXPECT_TRUE(r.headers[1].remove);
    EXPECT_EQ(r.headers[2].name, "X-C");
    EXPECT_EQ(r.headers[2].value, "");
    EXPECT_FALSE(r.headers[2].remove);
    EXPECT_EQ(r.headers[3].name, "X-D");
    EXPECT_EQ(r.headers[3].value, "spaced value");
    EXPECT_EQ(r.headers[4].name, "Accept");
    EXPECT_EQ(r.headers[4].value, "*/*");
    EXPECT_EQ(p.opts->urls, std::vector<std::string>{"http://a/"});
}

TEST(options_request, long_spellings_and_defaults)
{
    auto p = parse({"--request", "DELETE", "--user-agent", "ua", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->request.method, "DELETE");
    EXPECT_EQ(p.opts->request.user_agent, "ua");

    auto d = parse({"http://a/"});
    ASSERT_TRUE(d.opts);
    EXPECT_EQ(d.opts->request.user_agent, std::string("asyncfetch/") + ASYNCFETCH_VERSION);
    EXPECT_TRUE(d.opts->request.headers.empty());
    EXPECT_TRUE(d.opts->data.empty());
    EXPECT_FALSE(d.opts->request.body);
    EXPECT_EQ(d.opts->max_redirs, 10u);
    EXPECT_FALSE(d.opts->allow_insecure_redirects);
    EXPECT_FALSE(d.opts->compressed);
    EXPECT_FALSE(d.opts->max_filesize);
    EXPECT_TRUE(d.opts->output_dir.empty());
    EXPECT_EQ(d.opts->retry.retries, 0u);
    EXPECT_EQ(d.opts->retry.base_delay, milliseconds(1000));
    EXPECT_EQ(d.opts->retry.max_time, milliseconds(0));
    EXPECT_FALSE(d.opts->retry.all_methods);
    EXPECT_TRUE(d.opts->proxy.empty());
    EXPECT_FALSE(d.opts->noproxy);
    EXPECT_TRUE(d.opts->resolves.empty());
    EXPECT_EQ(d.opts->ip_family, 0);
}

// A repeatable option takes one value per occurrence, as in curl: the URL after it is a URL.
// CLI11 vector options take every following non-option argument, so "-H 'X-A: 1' http://a/"
// sends a header "http: //a/" and has no URL. The other option tests put URLs first.
TEST(options_request, repeatable_options_do_not_swallow_urls)
{
    auto h = parse({"-H", "X-A: 1", "http://a/"});
    ASSERT_TRUE(h.opts) << h.err;
    EXPECT_EQ(h.opts->request.headers.size(), 1u);
    EXPECT_EQ(h.opts->urls, std::vector<std::string>{"http://a/"});

    auto d = parse({"-d", "a=1", "http://a/"});
    ASSERT_TRUE(d.opts) << d.err;
    EXPECT_EQ(d.opts->data.size(), 1u);
    EXPECT_EQ(d.opts->urls, std::vector<std::string>{"http://a/"});

    auto r = parse({"--resolve", "h:80:127.0.0.1", "http://h/"});
    ASSERT_TRUE(r.opts) << r.err;
    EXPECT_EQ(r.opts->resolves.size(), 1u);
    EXPECT_EQ(r.opts->urls, std::vector<std::string>{"http://h/"});
}

TEST(options_request, data_makes_the_method_post)
{
    auto p = parse({"http://a/", "-d", "a=1", "-d", "b=2", "--data-binary", "@body.bin"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& o = *p.opts;
    EXPECT_EQ(o.request.method, "POST");
    ASSERT_EQ(o.data.size(), 3u);
    EXPECT_FALSE(o.data[0].binary);
    EXPECT_EQ(o.data[0].value, "a=1");
    EXPECT_FALSE(o.data[1].binary);
    EXPECT_EQ(o.data[1].value, "b=2");
    EXPECT_TRUE(o.data[2].binary);
    EXPECT_EQ(o.data[2].value, "@body.bin");
    EXPECT_FALSE(o.request.body) << "files are read by load_request_body, not by the parser";

    auto bin = parse({"http://a/", "--data-binary", "x"});
    ASSERT_TRUE(bin.opts);
    EXPECT_EQ(bin.opts->request.method, "POST");

    auto put = parse({"http://a/", "-X", "PUT", "--data", "a"});
    ASSERT_TRUE(put.opts);
    EXPECT_EQ(put.opts->request.method, "PUT");
}

// The header says "-d (form) and --data-binary values in order": curl joins them in command-line order.
TEST(options_request, data_and_data_binary_keep_command_line_order)
{
    auto p = parse({"http://a/", "--data-binary", "b", "-d", "a", "--data-binary", "c"});
    ASSERT_TRUE(p.opts) << p.err;
    ASSERT_EQ(p.opts->data.size(), 3u);
    EXPECT_EQ(p.opts->data[0].value, "b");
    EXPECT_EQ(p.opts->data[1].value, "a");
    EXPECT_EQ(p.opts->data[2].value, "c");
}

TEST(options_redirects, flags)
{
    auto p = parse({"-L", "--max-redirs", "3", "--allow-insecure-redirects", "--compressed", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->max_redirs, 3u);
    EXPECT_TRUE(p.opts->allow_insecure_redirects);
    EXPECT_TRUE(p.opts->compressed);

    auto zero = parse({"--location", "--max-redirs", "0", "http://a/"});
    ASSERT_TRUE(zero.opts) << zero.err;
    EXPECT_EQ(zero.opts->max_redirs, 0u);

    expect_usage_error({"--max-redirs", "-1", "http://a/"}, "negative --max-redirs");
    expect_usage_error({"--max-redirs", "x", "http://a/"}, "non-numeric --max-redirs");
}

TEST(options_output, max_filesize_and_output_dir)
{
    auto p = parse({"--max-filesize", "2M", "-o", "dl", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->max_filesize, std::optional<std::uint64_t>(2u * 1024 * 1024));
    EXPECT_EQ(p.opts->output_dir, "dl");

    auto l = parse({"--output-dir", "/tmp/x y", "--max-filesize", "10", "http://a/"});
    ASSERT_TRUE(l.opts) << l.err;
    EXPECT_EQ(l.opts->output_dir, "/tmp/x y");
    EXPECT_EQ(l.opts->max_filesize, std::optional<std::uint64_t>(10));

    expect_usage_error({"--max-filesize", "1.5M", "http://a/"}, "fractional --max-filesize");
    expect_usage_error({"--max-filesize", "k", "http://a/"}, "suffix without number");
    expect_usage_error({"--max-filesize", "12x", "http://a/"}, "unknown suffix");
}

TEST(parse_size, suffixes_are_powers_of_1024)
{
    EXPECT_EQ(parse_size("10"), std::optional<std::uint64_t>(10));
    EXPECT_EQ(parse_size("0"), std::optional<std::uint64_t>(0));
    EXPECT_EQ(parse_size("1k"), std::optional<std::uint64_t>(1024));
    EXPECT_EQ(parse_size("1K"), std::optional<std::uint64_t>(1024));
    EXPECT_EQ(parse_size("2M"), std::optional<std::uint64_t>(2ull * 1024 * 1024));
    EXPECT_EQ(parse_size("2m"), std::optional<std::uint64_t>(2ull * 1024 * 1024));
    EXPECT_EQ(parse_size("3G"), std::optional<std::uint64_t>(3ull * 1024 * 1024 * 1024));
    EXPECT_EQ(parse_size("999999999999999"), std::optional<std::uint64_t>(999'999'999'999'999ull));
}

TEST(parse_size, rejects_malformed_sizes)
{
    for (std::string_view bad :
         {"", "k", "M", "1.5M", "-1", "+1", " 1", "1 ", "1 k", "1kk", "1T", "0x10", "1e3"})
        EXPECT_EQ(parse_size(bad), std::nullopt) << "'" << bad << "'";
}

// A size that does not fit in 64 bits must be rejected, not wrapped around to a small limit:
// 17179869184G is 2^64 bytes.
TEST(parse_size, rejects_overflow)
{
    EXPECT_EQ(parse_size("17179869184G"), std::nullopt);
    EXPECT_EQ(parse_size("17179869185G"), std::nullopt);
    EXPECT_EQ(parse_size("99999999999999G"), std::nullopt);
    EXPECT_EQ(parse_size("999999999999999k"), std::optional<std::uint64_t>(999'999'999'999'999ull * 1024));
}

TEST(options_retry, values_in_milliseconds)
{
    auto p = parse({"--retry",
                    "3",
                    "--retry-delay",
                    "0.5",
                    "--retry-max-time",
                    "10",
                    "--retry-all-methods",
                    "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->retry.retries, 3u);
    EXPECT_EQ(p.opts->retry.base_delay, milliseconds(500));
    EXPECT_EQ(p.opts->retry.max_time, milliseconds(10'000));
    EXPECT_TRUE(p.opts->retry.all_methods);

    auto z = parse({"--retry-delay", "0", "http://a/"});
    ASSERT_TRUE(z.opts) << z.err;
    EXPECT_EQ(z.opts->retry.base_delay, milliseconds(0));

    expect_usage_error({"--retry", "-1", "http://a/"}, "negative --retry");
    expect_usage_error({"--retry-delay", "-1", "http://a/"}, "negative --retry-delay");
    expect_usage_error({"--retry-max-time", "-2", "http://a/"}, "negative --retry-max-time");
}

TEST(options_proxy, proxy_and_noproxy)
{
    auto p = parse({"-x", "http://p:3128", "--noproxy", "a.com,b.com", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(p.opts->proxy, "http://p:3128");
    EXPECT_EQ(p.opts->noproxy, std::optional<std::string>("a.com,b.com"));

    auto l = parse({"--proxy", "p:1", "http://a/"});
    ASSERT_TRUE(l.opts) << l.err;
    EXPECT_EQ(l.opts->proxy, "p:1");
    EXPECT_FALSE(l.opts->noproxy);
}

TEST(options_proxy, empty_noproxy_is_kept_as_no_exceptions)
{
    auto p = parse({"--noproxy", "", "http://a/"});
    ASSERT_TRUE(p.opts) << p.err;
    ASSERT_TRUE(p.opts->noproxy.has_value());
    EXPECT_EQ(*p.opts->noproxy, "");
}

TEST(options_resolve, entries)
{
    auto p = parse({"http://a/",
                    "--resolve",
                    "Example.COM:443:1.2.3.4",
                    "--resolve",
                    "h:8080:[::1]",
                    "--resolve",
                    "v6:80:2001:db8::2"});
    ASSERT_TRUE(p.opts) << p.err;
    const auto& r = p.opts->resolves;
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].host, "example.com");
    EXPECT_EQ(r[0].port, 443);
    EXPECT_EQ(r[0].address, "1.2.3.4");
    EXPECT_EQ(r[1].host, "h");
    EXPECT_EQ(r[1].port, 8080);
    EXPECT_EQ(r[1].address, "::1");
    EXPECT_EQ(r[2].host, "v6");
    EXPECT_EQ(r[2].port, 80);
    EXPECT_EQ(r[2].address, "2001:db8::2");
}

TEST(options_resolve, malformed_entries_are_usage_errors)
{
    for (const char* bad : {"h:80",
                            "h:0:1.2.3.4",
                            "h:80:notanip",
                            ":80:1.2.3.4",
                            "h::1.2.3.4",
                            "h:65536:1.2.3.4",
                            "h:x:1.2.3.4",
                            "h:80:",
                            "h",
                            "h:80:[::1"})
        expect_usage_error({"http://a/", "--resolve", bad}, std::string("--resolve ") + bad);
}

TEST(options_ip_family, four_or_six)
{
    auto v4 = parse({"-4", "http://a/"});
    ASSERT_TRUE(v4.opts) << v4.err;
    EXPECT_EQ(v4.opts->ip_family, 4);
    auto v6 = parse({"--ipv6", "http://a/"});
    ASSERT_TRUE(v6.opts) << v6.err;
    EXPECT_EQ(v6.opts->ip_family, 6);
    expect_usage_error({"-4", "-6", "http://a/"}, "-4 with -6");
}

TEST(options_usage_errors, header_injection_and_bad_headers)
{
    expect_usage_error({"http://a/", "-H", "X-A: 1\r\nX-Evil: 2"}, "CRLF in header");
    expect_usage_error({"http://a/", "-H", "X-A: 1\rX"}, "CR in header");
    expect_usage_error({"http://a/", "-H", "X-A: 1\nX"}, "LF in header");
    expect_usage_error({"http://a/", "-H", "NoColon"}, "header without colon");
    expect_usage_error({"http://a/", "-H", "Bad Name: x"}, "space in header name");
    expect_usage_error({"http://a/", "-H", ": x"}, "empty header name");
    expect_usage_error({"http://a/", "-H", "X(A): x"}, "separator in header name");
    expect_usage_error({"http://a/", "-H", ";"}, "empty name before semicolon");
}

TEST(options_usage_errors, method_user_agent_proxy_and_url)
{
    expect_usage_error({"-X", "GE T", "http://a/"}, "method with space");
    expect_usage_error({"-X", "GET\r\n", "http://a/"}, "method with CRLF");
    expect_usage_error({"-X", "G/ET", "http://a/"}, "method with separator");
    expect_usage_error({"-A", "ua\r\nX-Evil: 1", "http://a/"}, "user agent with CRLF");
    expect_usage_error({"-x", "http://p:1/\n", "http://a/"}, "proxy with LF");
    expect_usage_error({"http://a/\n"}, "URL with LF");
    expect_usage_error({"http://a/\rx"}, "URL with CR");
}

// ---------------------------------------------------------------------------------------------
// load_request_body

class load_request_body_test : public ::testing::Test
{
protected:
    void SetUp() override
    {
        // mkdtemp: the same test may run at once from several build directories.
        std::string tmpl = (std::filesystem::temp_directory_path() / "asyncfetch-body-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }

    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::string write_file(const std::string& name, const std::string& content)
    {
        const auto path = (dir_ / name).string();
        std::ofstream out(path, std::ios::binary);
        out << content;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(load_request_body_test, no_data_leaves_the_body_unset)
{
    options o;
    EXPECT_EQ(load_request_body(o), std::nullopt);
    EXPECT_FALSE(o.request.body);
    EXPECT_FALSE(o.request.form_body);
}

TEST_F(load_request_body_test, data_values_are_joined_with_ampersand)
{
    options o;
    o.data = {{false, "a=1"}, {false, "b=2"}, {false, "c"}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.request.body);
    EXPECT_EQ(*o.request.body, "a=1&b=2&c");
    EXPECT_TRUE(o.request.form_body);
}

TEST_F(load_request_body_test, empty_data_sends_an_empty_body)
{
    options o;
    o.data = {{false, ""}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    EXPECT_EQ(o.request.body, std::optional<std::string>(""));
    EXPECT_TRUE(o.request.form_body);
}

TEST_F(load_request_body_test, data_file_loses_cr_and_lf)
{
    const auto path = write_file("form.txt", "x=1\r\ny=2\n\nz=3\r\n");
    options o;
    o.data = {{false, "@" + path}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.request.body);
    EXPECT_EQ(*o.request.body, "x=1y=2z=3");
    EXPECT_TRUE(o.request.form_body);
}

TEST_F(load_request_body_test, data_binary_file_is_sent_as_is)
{
    const std::string content("line1\r\nline2\n\0bin\xff", 17);
    const auto path = write_file("body.bin", content);
    options o;
    o.data = {{true, "@" + path}};
    EXPECT_EQ(load_request_body(o), std::nullopt);
    ASSERT_TRUE(o.request.body);
    EXPECT_EQ(*o.request.body, content);
    EXPECT_FALSE(o.request.form_body);
}

TEST_F(load_request_body_test, mixed_values_from_the_command_line)
{
    const auto path = write_file("f.txt", "k=v\n");
    const std::string at_path = "@" + path;
    auto p = parse({"http://a/", "-d", "a=1", "-d", at_path.c_str()});
    ASSERT_TRUE(p.opts) << p.err;
    EXPECT_EQ(load_request_body(*p.opts), std::nullopt);
    EXPECT_EQ(p.opts->request.body, std::optional<std::string>("a=1&k=v"));
    EXPECT_TRUE(p.opts->request.form_body);
    EXPECT_EQ(p.opts->request.method, "POST");
}

TEST_F(load_request_body_test, missing_file_is_an_error_message)
{
    const auto path = (dir_ / "does-not-exist.txt").string();
    options o;
    o.data = {{false, "@" + path}};
    const auto err = load_request_body(o);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find(path), std::string::npos) << *err;

    options b;
    b.data = {{false, "a=1"}, {true, "@" + path}};
    EXPECT_TRUE(load_request_body(b));
}

}  // namespace
}  // namespace asyncfetch
