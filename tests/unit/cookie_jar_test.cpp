// The cookie jar without sockets: Set-Cookie parsing, dates, RFC 6265 domain and path matching,
// host-only, Secure, expiry, prefixes, size limits, public suffixes, and the Netscape file.
#include "asyncfetch/cookie_jar.hpp"

#include "must_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace asyncfetch {
namespace {

using test::must_parse;

constexpr std::int64_t now = 1'700'000'000;  // 2023-11-14

/// Stores field as set by a response to from_url.
cookie_outcome set(cookie_jar& jar, std::string_view from_url, std::string_view field, std::int64_t at = now)
{
    return jar.store(must_parse(from_url), field, at);
}

std::string sent(const cookie_jar& jar, std::string_view to_url, std::int64_t at = now)
{
    return jar.header_for(must_parse(to_url), at);
}

TEST(cookie_parse, name_value_and_attributes)
{
    auto c = parse_set_cookie(" sid = a b ; Path=/x; Domain=.Example.COM; Secure; HttpOnly; Max-Age=60");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, "sid");
    EXPECT_EQ(c->value, "a b");
    EXPECT_EQ(c->path, "/x");
    EXPECT_EQ(c->domain, "example.com");
    EXPECT_TRUE(c->secure);
    EXPECT_TRUE(c->http_only);
    EXPECT_EQ(c->max_age, 60);
    EXPECT_FALSE(c->expires);
}

TEST(cookie_parse, refuses_what_rfc_6265_ignores)
{
    EXPECT_FALSE(parse_set_cookie("novalue"));
    EXPECT_FALSE(parse_set_cookie("=value"));
    EXPECT_FALSE(parse_set_cookie(std::string("a=b\x01", 4)));
    // A tab would split the cookie file's fields (fuzz_cookie found it), as curl refuses it.
    EXPECT_FALSE(parse_set_cookie("a=b\tc"));
    EXPECT_FALSE(parse_set_cookie("a\tb=c"));
    EXPECT_EQ(parse_set_cookie("a=b; Path=/x\ty")->path, std::nullopt);
    EXPECT_FALSE(parse_set_cookie("a=" + std::string(4096, 'v')));
    EXPECT_TRUE(parse_set_cookie("a=" + std::string(4095, 'v')));
    // A path not starting with '/' is ignored, and so is an overlong attribute.
    auto c = parse_set_cookie("a=b; Path=rel; Domain=" + std::string(1025, 'd'));
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->path);
    EXPECT_FALSE(c->domain);
    auto m = parse_set_cookie("a=b; Max-Age=12x; Max-Age=-5");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->max_age, -5);
}

TEST(cookie_parse, dates_in_the_forms_servers_send)
{
    EXPECT_EQ(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412480);
    EXPECT_EQ(parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT"), 1445412480);
    EXPECT_EQ(parse_cookie_date("Wed Oct 21 07:28:00 2015"), 1445412480);
    EXPECT_EQ(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    EXPECT_FALSE(parse_cookie_date("Wed, 31 Feb 2015 07:28:00 GMT"));
    EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 2015 25:28:00 GMT"));
    EXPECT_FALSE(parse_cookie_date("tomorrow"));
    EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 1600 07:28:00 GMT"));
}

TEST(cookie_jar, host_only_cookie_goes_to_its_host_only)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://example.com/", "a=1"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "http://example.com/x"), "a=1");
    EXPECT_EQ(sent(jar, "http://www.example.com/"), "");
    EXPECT_EQ(sent(jar, "http://example.org/"), "");
    // Another port or scheme of the same host gets it (cookies ignore ports).
    EXPECT_EQ(sent(jar, "https://example.com:8443/"), "a=1");
}

TEST(cookie_jar, domain_cookie_goes_to_subdomains)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://www.example.com/", "a=1; Domain=example.com"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "http://example.com/"), "a=1");
    EXPECT_EQ(sent(jar, "http://deep.www.example.com/"), "a=1");
    EXPECT_EQ(sent(jar, "http://badexample.com/"), "");
    // A Domain the host is not under is refused.
    EXPECT_EQ(set(jar, "http://www.example.com/", "b=1; Domain=other.com"), cookie_outcome::foreign_domain);
    EXPECT_EQ(set(jar, "http://example.com/", "b=1; Domain=www.example.com"), cookie_outcome::foreign_domain);
}

TEST(cookie_jar, public_suffix_domains_are_refused)
{
    EXPECT_TRUE(is_public_suffix("co.uk"));
    EXPECT_TRUE(is_public_suffix("com"));
    EXPECT_FALSE(is_public_suffix("example.co.uk"));
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://www.example.co.uk/", "a=1; Domain=co.uk"), cookie_outcome::public_suffix);
    EXPECT_EQ(set(jar, "http://www.example.com/", "a=1; Domain=.com"), cookie_outcome::public_suffix);
    EXPECT_EQ(sent(jar, "http://other.co.uk/"), "");
    EXPECT_EQ(set(jar, "http://www.example.co.uk/", "b=1; Domain=example.co.uk"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "http://shop.example.co.uk/"), "b=1");
    // The suffix as the host itself: kept as host-only.
    EXPECT_EQ(set(jar, "http://co.uk/", "c=1; Domain=co.uk"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "http://co.uk/"), "c=1");
    EXPECT_EQ(sent(jar, "http://www.example.co.uk/"), "b=1");
}

TEST(cookie_jar, ip_hosts_get_host_only_cookies)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://127.0.0.1:8080/", "a=1; Domain=127.0.0.1"), cookie_outcome::stored);
    EXPECT_EQ(set(jar, "http://127.0.0.1/", "b=1; Domain=0.0.1"), cookie_outcome::foreign_domain);
    EXPECT_EQ(sent(jar, "http://127.0.0.1/"), "a=1");
    const auto all = jar.cookies(now);
    ASSERT_EQ(all.size(), 1U);
    EXPECT_TRUE(all[0].host_only);
}

TEST(cookie_jar, path_matching_and_default_path)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://h.test/docs/page?q=1", "dflt=1"), cookie_outcome::stored);
    EXPECT_EQ(set(jar, "http://h.test/", "root=1; Path=/"), cookie_outcome::stored);
    EXPECT_EQ(set(jar, "http://h.test/", "deep=1; Path=/docs/api"), cookie_outcome::stored);
    // Longer paths first.
    EXPECT_EQ(sent(jar, "http://h.test/docs/api/v1"), "deep=1; dflt=1; root=1");
    EXPECT_EQ(sent(jar, "http://h.test/docs"), "dflt=1; root=1");
    EXPECT_EQ(sent(jar, "http://h.test/docsx"), "root=1");
    EXPECT_EQ(sent(jar, "http://h.test/docs/apix"), "dflt=1; root=1");
}

TEST(cookie_jar, secure_cookies_need_https)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://h.test/", "s=1; Secure"), cookie_outcome::not_secure);
    EXPECT_EQ(set(jar, "https://h.test/", "s=1; Secure"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "https://h.test/"), "s=1");
    EXPECT_EQ(sent(jar, "http://h.test/"), "");
    // Over http a cookie may not replace (or shadow) a Secure one of the same name.
    EXPECT_EQ(set(jar, "http://h.test/", "s=2"), cookie_outcome::not_secure);
    EXPECT_EQ(sent(jar, "https://h.test/"), "s=1");
}

TEST(cookie_jar, max_age_wins_and_expiry_deletes)
{
    cookie_jar jar;
    set(jar, "http://h.test/", "a=1; Max-Age=100; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(sent(jar, "http://h.test/", now + 99), "a=1");
    EXPECT_EQ(sent(jar, "http://h.test/", now + 100), "");
    set(jar, "http://h.test/", "b=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
    EXPECT_EQ(sent(jar, "http://h.test/"), "a=1; b=1");
    EXPECT_EQ(set(jar, "http://h.test/", "b=gone; Max-Age=0"), cookie_outcome::removed);
    EXPECT_EQ(set(jar, "http://h.test/", "a=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
              cookie_outcome::removed);
    EXPECT_EQ(sent(jar, "http://h.test/"), "");
    EXPECT_TRUE(jar.cookies(now).empty());
}

TEST(cookie_jar, replacing_keeps_the_place_and_updates_the_value)
{
    cookie_jar jar;
    set(jar, "http://h.test/", "a=1");
    set(jar, "http://h.test/", "b=1");
    set(jar, "http://h.test/", "a=2");
    EXPECT_EQ(sent(jar, "http://h.test/"), "a=2; b=1");
    // Another path is another cookie.
    set(jar, "http://h.test/", "a=3; Path=/p");
    EXPECT_EQ(sent(jar, "http://h.test/p"), "a=3; a=2; b=1");
}

TEST(cookie_jar, same_name_domain_and_path_replace_whether_host_only_or_not)
{
    // RFC 6265, 5.3 step 11 keys on (name, domain, path): the host-only flag is not part of the key.
    cookie_jar jar;
    set(jar, "http://example.com/", "a=host");
    set(jar, "http://example.com/", "a=domain; Domain=example.com");
    EXPECT_EQ(sent(jar, "http://example.com/"), "a=domain");
    EXPECT_EQ(sent(jar, "http://www.example.com/"), "a=domain");
    auto held = jar.cookies(now);
    ASSERT_EQ(held.size(), 1U);
    EXPECT_FALSE(held[0].host_only);

    // And back: a host-only cookie replaces the Domain one, which subdomains then no longer get.
    set(jar, "http://example.com/", "a=host-again");
    EXPECT_EQ(sent(jar, "http://example.com/"), "a=host-again");
    EXPECT_EQ(sent(jar, "http://www.example.com/"), "");
    held = jar.cookies(now);
    ASSERT_EQ(held.size(), 1U);
    EXPECT_TRUE(held[0].host_only);
}

TEST(cookie_jar, secure_and_host_prefixes)
{
    cookie_jar jar;
    EXPECT_EQ(set(jar, "https://h.test/", "__Secure-a=1"), cookie_outcome::bad_prefix);
    EXPECT_EQ(set(jar, "https://h.test/", "__Secure-a=1; Secure"), cookie_outcome::stored);
    EXPECT_EQ(set(jar, "https://h.test/", "__Host-b=1; Secure; Path=/; Domain=h.test"),
              cookie_outcome::bad_prefix);
    EXPECT_EQ(set(jar, "https://h.test/x/y", "__Host-b=1; Secure"), cookie_outcome::bad_prefix);
    EXPECT_EQ(set(jar, "https://h.test/", "__host-b=1; Path=/"), cookie_outcome::bad_prefix);
    EXPECT_EQ(set(jar, "https://h.test/", "__Host-b=1; Secure; Path=/"), cookie_outcome::stored);
    EXPECT_EQ(sent(jar, "https://h.test/"), "__Secure-a=1; __Host-b=1");
}

TEST(cookie_jar, domain_holds_at_most_50_and_the_oldest_goes)
{
    cookie_jar jar;
    for (int i = 0; i < 55; ++i)
        set(jar, "http://h.test/", "c" + std::to_string(i) + "=v");
    const auto all = jar.cookies(now);
    ASSERT_EQ(all.size(), cookie_jar::max_per_domain);
    EXPECT_EQ(all.front().name, "c5");
    EXPECT_EQ(all.back().name, "c54");
}

TEST(cookie_jar, header_stops_before_8190_bytes)
{
    cookie_jar jar;
    for (int i = 0; i < 5; ++i)
        set(jar, "http://h.test/", "c" + std::to_string(i) + "=" + std::string(3000, 'v'));
    const std::string h = sent(jar, "http://h.test/");
    EXPECT_LE(h.size(), cookie_jar::max_header_size);
    EXPECT_EQ(h.substr(0, 3), "c0=");
    EXPECT_NE(h.find("c1="), std::string::npos);
    EXPECT_EQ(h.find("c2="), std::string::npos);
}

TEST(cookie_jar, netscape_file_round_trips)
{
    cookie_jar jar;
    set(jar, "https://www.example.com/a/b", "sess=1; HttpOnly");
    set(jar, "https://www.example.com/", "dom=2; Domain=example.com; Path=/; Secure; Max-Age=3600");
    const std::string text = jar.netscape_text(now);
    EXPECT_EQ(text.rfind("# Netscape HTTP Cookie File\n", 0), 0U) << text;
    EXPECT_NE(text.find("#HttpOnly_www.example.com\tFALSE\t/a\tFALSE\t0\tsess\t1\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("\n.example.com\tTRUE\t/\tTRUE\t" + std::to_string(now + 3600) + "\tdom\t2\n"),
              std::string::npos)
        << text;

    cookie_jar again;
    EXPECT_EQ(again.load_netscape(text, now), 0U);
    EXPECT_EQ(again.netscape_text(now), text);
    EXPECT_EQ(sent(again, "https://shop.example.com/"), "dom=2");
    EXPECT_EQ(sent(again, "https://www.example.com/a/x"), "sess=1; dom=2");
    // Past its expiry the file's cookie is not loaded.
    cookie_jar later;
    later.load_netscape(text, now + 7200);
    EXPECT_EQ(later.cookies(now + 7200).size(), 1U);
}

TEST(cookie_jar, netscape_file_skips_comments_malformed_lines_and_supercookies)
{
    const std::string text =
        "# a comment\r\n"
        "\n"
        "host.test\tFALSE\t/\tFALSE\t0\tok\tyes\r\n"
        "host.test\tFALSE\t/\tFALSE\tsoon\tbad\texpiry\n"
        "host.test\tFALSE\tnoslash\tFALSE\t0\tbad\tpath\n"
        ".co.uk\tTRUE\t/\tFALSE\t0\tsuper\tcookie\n"
        "host.test\tFALSE\t/\tFALSE\t0\tempty\n"
        "too\tfew\tfields\n";
    cookie_jar jar;
    EXPECT_EQ(jar.load_netscape(text, now), 4U);
    EXPECT_EQ(sent(jar, "http://host.test/"), "ok=yes; empty=");
    EXPECT_EQ(sent(jar, "http://www.example.co.uk/"), "");
}

TEST(cookie_jar, threads_may_share_one_jar)
{
    cookie_jar jar;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&jar, t] {
            const std::string host = "http://h" + std::to_string(t) + ".test/";
            for (int i = 0; i < 300; ++i)
            {
                set(jar, host, "c" + std::to_string(i % 60) + "=" + std::to_string(i));
                set(jar, "http://shared.test/", "t" + std::to_string(t) + "=" + std::to_string(i));
                EXPECT_FALSE(sent(jar, host).empty());
            }
        });
    for (auto& th : threads)
        th.join();
    // 50 per host (the cap) and the 4 shared ones.
    EXPECT_EQ(jar.cookies(now).size(), 4 * cookie_jar::max_per_domain + 4);
    const std::string shared = sent(jar, "http://shared.test/");
    for (int t = 0; t < 4; ++t)
        EXPECT_NE(shared.find("t" + std::to_string(t) + "=299"), std::string::npos) << shared;
}

TEST(cookie_jar, what_the_file_cannot_hold_is_refused_and_the_rest_round_trips)
{
    // Cases fuzz_cookie found: a host with a leading dot, a ';' in a default path, a '#' domain.
    cookie_jar jar;
    EXPECT_EQ(set(jar, "http://.odd/", "a=1"), cookie_outcome::foreign_domain);
    EXPECT_EQ(set(jar, "http://h.test/a;b/c", "p=1"), cookie_outcome::stored);
    const std::string text = jar.netscape_text(now);
    EXPECT_NE(text.find("h.test\tFALSE\t/a;b\tFALSE\t0\tp\t1\n"), std::string::npos) << text;
    cookie_jar again;
    EXPECT_EQ(again.load_netscape(text, now), 0U);
    EXPECT_EQ(again.netscape_text(now), text);
    EXPECT_EQ(again.load_netscape(".#HttpOnly_x\tFALSE\t/\tFALSE\t0\ta\t1\n..x\tTRUE\t/\tFALSE\t0\ta\t1\n"
                                  "x\tFALSE\t/\tFALSE\t0\ta\tb;c\n",
                                  now),
              3U);
}

}  // namespace
}  // namespace asyncfetch
