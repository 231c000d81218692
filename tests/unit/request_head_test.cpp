// The request head of a hop, without sockets: default and removed fields, credentials across origins,
// the proxy's forms, and CR/LF rejection.
#include "request_head.hpp"

#include "asyncfetch/error.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace asyncfetch::detail {
namespace {

url must_parse(std::string_view text)
{
    auto u = parse_url(text);
    EXPECT_TRUE(u) << text;
    return u ? *u : url{};
}

/// The head's fields as "Name: value" lines.
std::string fields_of(const request_head& h)
{
    std::string out;
    for (const auto& f : h.fields)
        out.append(f.name).append(": ").append(f.value).append("\n");
    return out;
}

TEST(request_head, defaults_are_host_user_agent_and_accept)
{
    request_options req;
    req.user_agent = "ua/1";
    const std::string method = "GET";
    const url u = must_parse("http://Example.test:8080/p?q=1");
    request_head h;
    ASSERT_FALSE(build_request_head(req, {method, u, u}, h));
    EXPECT_EQ(h.method, "GET");
    EXPECT_EQ(h.target, "/p?q=1");
    EXPECT_EQ(fields_of(h), "Host: example.test:8080\nUser-Agent: ua/1\nAccept: */*\n");
}

TEST(request_head, a_head_built_again_for_another_origin_gets_that_origins_host)
{
    // One head reused from request to request keeps its Host value only for the same origin.
    request_options req;
    const std::string method = "GET";
    request_head h;
    for (const char* text : {"http://a.test/1",
                             "http://a.test/2",
                             "http://a.test:8080/3",
                             "https://a.test:8080/4",
                             "https://b.test:8080/5",
                             "https://b.test:8080/6",
                             "http://[::1]:8080/7"})
    {
        const url u = must_parse(text);
        ASSERT_FALSE(build_request_head(req, {method, u, u}, h));
        EXPECT_EQ(h.host, u.host_header()) << text;
        EXPECT_EQ(h.fields.at(0).value, u.host_header()) << text;
    }
}

TEST(origin_memo, keeps_only_for_the_same_scheme_host_and_port)
{
    origin_memo m;
    EXPECT_FALSE(m.keep_for(must_parse("http://a.test/"))) << "nothing built yet";
    EXPECT_TRUE(m.keep_for(must_parse("http://a.test/other?q")));
    EXPECT_TRUE(m.keep_for(must_parse("http://a.test:80/"))) << "the default port is the same port";
    EXPECT_FALSE(m.keep_for(must_parse("https://a.test:80/")));
    EXPECT_FALSE(m.keep_for(must_parse("https://a.test/")));
    EXPECT_FALSE(m.keep_for(must_parse("https://b.test/")));
    EXPECT_TRUE(m.keep_for(must_parse("https://b.test/x")));
    m.forget();
    EXPECT_FALSE(m.keep_for(must_parse("https://b.test/x")));
}

TEST(request_head, user_fields_replace_or_remove_defaults_and_compression_is_asked_for)
{
    request_options req;
    req.headers = {{"accept", "text/html", false}, {"User-Agent", "", true}, {"X-Empty", "", false}};
    const std::string method = "GET";
    const url u = must_parse("http://example.test/");
    request_head h;
    request_target t{method, u, u};
    t.compressed = true;
    ASSERT_FALSE(build_request_head(req, t, h));
    EXPECT_EQ(fields_of(h),
              "Host: example.test\nAccept-Encoding: gzip, deflate, br\naccept: text/html\nX-Empty: \n");
}

TEST(request_head, a_body_gets_its_length_and_a_form_its_type)
{
    request_options req;
    req.user_agent.clear();
    req.form_body = true;
    const std::string method = "POST";
    const request_body body("a=1&b=2");
    const url u = must_parse("http://example.test/form");
    request_head h;
    request_target t{method, u, u};
    t.body = &body;
    ASSERT_FALSE(build_request_head(req, t, h));
    EXPECT_EQ(fields_of(h),
              "Host: example.test\nAccept: */*\nContent-Type: application/x-www-form-urlencoded\n"
              "Content-Length: 7\n");
}

TEST(request_head, credentials_stay_with_the_original_origin)
{
    request_options req;
    req.user_agent.clear();
    req.headers = {{"Authorization", "Bearer secret", false},
                   {"Cookie", "c=1", false},
                   {"X-Other", "1", false}};
    const std::string method = "GET";
    const url original = must_parse("https://user:pw@a.test/");
    request_head same;
    ASSERT_FALSE(build_request_head(req, {method, original, original}, same));
    EXPECT_EQ(fields_of(same),
              "Host: a.test\nAccept: */*\nAuthorization: Bearer secret\nCookie: c=1\nX-Other: 1\n");

    // A redirect to another host, another port or another scheme is another origin.
    for (const char* other : {"https://b.test/", "https://a.test:8443/", "http://a.test/"})
    {
        const url next = must_parse(other);
        request_head h;
        ASSERT_FALSE(build_request_head(req, {method, next, original}, h));
        EXPECT_EQ(fields_of(h).find("secret"), std::string::npos) << other;
        EXPECT_EQ(fields_of(h).find("Cookie"), std::string::npos) << other;
        EXPECT_NE(fields_of(h).find("X-Other: 1"), std::string::npos) << other;
    }
}

TEST(request_head, one_cookie_field_from_the_jar_and_the_b_pairs)
{
    request_options req;
    req.user_agent.clear();
    req.cookie = "pair=1; two=2";
    const std::string method = "GET";
    const url a = must_parse("http://a.test/");
    const url b = must_parse("http://b.test/");
    request_head h;
    ASSERT_FALSE(build_request_head(req, {method, a, a, nullptr, nullptr, false, "jar=x"}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nCookie: jar=x; pair=1; two=2\n");
    ASSERT_FALSE(build_request_head(req, {method, a, a}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nCookie: pair=1; two=2\n");
    // A redirect to another origin takes the jar's cookies for that hop, never the -b pairs.
    ASSERT_FALSE(build_request_head(req, {method, b, a, nullptr, nullptr, false, "theirs=y"}, h));
    EXPECT_EQ(fields_of(h), "Host: b.test\nAccept: */*\nCookie: theirs=y\n");
    ASSERT_FALSE(build_request_head(req, {method, b, a}, h));
    EXPECT_EQ(fields_of(h), "Host: b.test\nAccept: */*\n");
}

TEST(request_head, a_user_cookie_field_replaces_the_pairs_and_takes_the_jar)
{
    request_options req;
    req.user_agent.clear();
    req.cookie = "pair=1";
    req.headers = {{"Cookie", "mine=0", false}, {"X-Other", "1", false}};
    const std::string method = "GET";
    const url a = must_parse("http://a.test/");
    const url b = must_parse("http://b.test/");
    request_head h;
    ASSERT_FALSE(build_request_head(req, {method, a, a, nullptr, nullptr, false, "jar=x"}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nCookie: mine=0; jar=x\nX-Other: 1\n");
    ASSERT_FALSE(build_request_head(req, {method, a, a}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nCookie: mine=0\nX-Other: 1\n");
    // The user's field stays with its origin; the other origin's jar cookies go alone.
    ASSERT_FALSE(build_request_head(req, {method, b, a, nullptr, nullptr, false, "theirs=y"}, h));
    EXPECT_EQ(fields_of(h), "Host: b.test\nAccept: */*\nCookie: theirs=y\nX-Other: 1\n");
    // -H 'Cookie:' sends no Cookie at all.
    req.headers = {{"Cookie", "", true}};
    ASSERT_FALSE(build_request_head(req, {method, a, a, nullptr, nullptr, false, "jar=x"}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\n");
}

TEST(request_head, url_credentials_become_basic_auth_on_the_same_origin_only)
{
    request_options req;
    req.user_agent.clear();
    const std::string method = "GET";
    const url original = must_parse("http://user:pw@a.test/");
    request_head h;
    ASSERT_FALSE(build_request_head(req, {method, original, original}, h));
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nAuthorization: Basic dXNlcjpwdw==\n");
    const url next = must_parse("http://b.test/");
    ASSERT_FALSE(build_request_head(req, {method, next, original}, h));
    EXPECT_EQ(fields_of(h), "Host: b.test\nAccept: */*\n");
}

TEST(request_head, plain_requests_through_a_proxy_are_absolute_form_with_the_proxy_credentials)
{
    request_options req;
    req.user_agent.clear();
    const std::string method = "GET";
    const url u = must_parse("http://a.test/x");
    const url proxy = must_parse("http://p:s@proxy.test:3128");
    request_head h;
    request_target t{method, u, u};
    t.proxy = &proxy;
    ASSERT_FALSE(build_request_head(req, t, h));
    EXPECT_EQ(h.target, "http://a.test/x");
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\nProxy-Authorization: Basic cDpz\n");

    // Through a tunnel, the request is the target's own: origin-form, no proxy credentials.
    const url secure = must_parse("https://a.test/x");
    request_target tunnel{method, secure, secure};
    tunnel.proxy = &proxy;
    ASSERT_FALSE(build_request_head(req, tunnel, h));
    EXPECT_EQ(h.target, "/x");
    EXPECT_EQ(fields_of(h), "Host: a.test\nAccept: */*\n");
}

TEST(request_head, cr_lf_or_nul_anywhere_is_refused)
{
    const url u = must_parse("http://a.test/");
    request_head h;
    for (const std::string& bad :
         {std::string("a\r\nX-Injected: 1"), std::string("a\nb"), std::string("a\0b", 3)})
    {
        request_options req;
        req.headers = {{"X-Value", bad, false}};
        const std::string method = "GET";
        EXPECT_EQ(build_request_head(req, {method, u, u}, h), errc::invalid_request_field);
        req.headers = {{bad, "v", false}};
        EXPECT_EQ(build_request_head(req, {method, u, u}, h), errc::invalid_request_field);
        // A user's field named as a default one is the user's, and checked.
        for (const char* name : {"Host", "Accept", "Accept-Encoding"})
        {
            req.headers = {{name, bad, false}};
            request_target t{method, u, u};
            t.compressed = true;
            EXPECT_EQ(build_request_head(req, t, h), errc::invalid_request_field) << name;
        }
        req.headers.clear();
        EXPECT_EQ(build_request_head(req, {bad, u, u}, h), errc::invalid_request_field);
    }
    EXPECT_EQ(classify(errc::invalid_request_field), error_kind::invalid_url);
}

}  // namespace
}  // namespace asyncfetch::detail
