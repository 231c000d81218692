// Proxy selection: parsing proxy URLs, NO_PROXY matching and which proxy a URL goes through.
#include "asyncfetch/proxy.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/url.hpp"
#include "must_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace asyncfetch {
namespace {

using test::must_parse;

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

TEST(parse_proxy_url, user_and_password_are_split_before_decoding)
{
    // %3A in the user name is a colon of the name, not the separator.
    auto p = parse_proxy_url("socks5://us%3Aer:pw%3Ax@h");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->user(), "us:er");
    EXPECT_EQ(p->password(), "pw:x");
    auto no_password = parse_proxy_url("socks5://user@h");
    ASSERT_TRUE(no_password);
    EXPECT_EQ(no_password->user(), "user");
    EXPECT_EQ(no_password->password(), "");
    // A url built by hand splits at the first colon.
    url by_hand;
    by_hand.userinfo = "a:b:c";
    EXPECT_EQ(by_hand.user(), "a");
    EXPECT_EQ(by_hand.password(), "b:c");
}

TEST(proxy_url_problem, socks5_credentials_outside_rfc_1929_and_bad_urls)
{
    EXPECT_FALSE(proxy_url_problem("socks5://u:p@h:1080"));
    EXPECT_FALSE(proxy_url_problem("socks5h://h"));
    // HTTP proxies take Basic credentials, which have no such bounds.
    EXPECT_FALSE(proxy_url_problem("http://:p@h"));
    const std::string long_name(256, 'u');
    for (const std::string& text : {std::string("socks5://:secret@h"),
                                    std::string("socks5h://u:@h"),
                                    std::string("socks5://u@h"),
                                    "socks5://" + long_name + ":secret@h"})
    {
        const auto problem = proxy_url_problem(text);
        ASSERT_TRUE(problem) << text;
        EXPECT_NE(problem->find("(RFC 1929: 1 to 255 bytes each)"), std::string::npos) << *problem;
        EXPECT_EQ(problem->find("secret"), std::string::npos) << *problem;
    }
    EXPECT_NE(proxy_url_problem("socks5://:secret@h")->find("user name is empty"), std::string::npos);
    EXPECT_NE(proxy_url_problem("socks5://u:@h")->find("password is empty"), std::string::npos);
    const auto bad = proxy_url_problem("ftp://u:secret@h");
    ASSERT_TRUE(bad);
    EXPECT_NE(bad->find("invalid proxy URL"), std::string::npos) << *bad;
    EXPECT_EQ(bad->find("secret"), std::string::npos) << *bad;
}

TEST(parse_proxy_url, socks5_and_socks5h_keep_their_scheme)
{
    auto local = parse_proxy_url("socks5://u:p%40ss@127.0.0.1:9050");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->scheme, "socks5");
    EXPECT_EQ(local->host, "127.0.0.1");
    EXPECT_EQ(local->port, 9050);
    EXPECT_EQ(local->userinfo, "u:p@ss");
    EXPECT_TRUE(is_socks_proxy(*local));
    auto remote = parse_proxy_url("SOCKS5H://proxy.example");
    ASSERT_TRUE(remote);
    EXPECT_EQ(remote->scheme, "socks5h");
    EXPECT_EQ(remote->port, 1080);
    EXPECT_TRUE(is_socks_proxy(*remote));
    EXPECT_FALSE(is_socks_proxy(*parse_proxy_url("http://h:3128")));
}

TEST(proxy_for, all_proxy_is_used_when_the_scheme_has_no_variable)
{
    proxy_settings s;
    s.env_all_proxy = "socks5://127.0.0.1:1080";
    s.env_https_proxy = "http://127.0.0.1:3128";
    EXPECT_EQ(proxy_for(*parse_url("http://example.com/"), s), "socks5://127.0.0.1:1080");
    EXPECT_EQ(proxy_for(*parse_url("https://example.com/"), s), "http://127.0.0.1:3128");
    s.env_no_proxy = "example.com";
    EXPECT_EQ(proxy_for(*parse_url("http://example.com/"), s), "");
    s.noproxy = "";
    s.proxy = "socks5h://127.0.0.1:9";
    EXPECT_EQ(proxy_for(*parse_url("http://example.com/"), s), "socks5h://127.0.0.1:9");
}

TEST(proxy_settings, any_is_true_for_every_way_a_proxy_is_set_and_not_for_no_proxy_alone)
{
    proxy_settings none;
    none.env_no_proxy = "example.com";
    none.noproxy = "*";
    EXPECT_FALSE(none.any());
    EXPECT_EQ(proxy_for(*parse_url("http://a.test/"), none), "");
    for (std::string proxy_settings::*field : {&proxy_settings::proxy,
                                               &proxy_settings::env_http_proxy,
                                               &proxy_settings::env_https_proxy,
                                               &proxy_settings::env_all_proxy})
    {
        proxy_settings s;
        s.*field = "http://127.0.0.1:3128";
        EXPECT_TRUE(s.any());
    }
}

TEST(parse_proxy_url, only_http_and_socks5_proxies)
{
    for (std::string_view bad :
         {"https://h", "socks4://h", "socks5://", "socks4a://h:1080", "ftp://h", "", "http://", "http://h:0"})
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

}  // namespace
}  // namespace asyncfetch
