// The SOCKS5 handshake's messages and reply checks, without sockets; the connect flags' parsing.
#include "socks5.hpp"

#include "asyncfetch/options.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/url.hpp"
#include "must_parse.hpp"
#include "options_connect.hpp"
#include "request_head.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace asyncfetch::detail {
namespace {

std::string bytes(std::initializer_list<int> list)
{
    std::string out;
    for (int b : list)
        out += static_cast<char>(b);
    return out;
}

TEST(socks5, greeting_offers_user_pass_only_with_credentials)
{
    EXPECT_EQ(socks5_greeting(false), bytes({5, 1, 0}));
    EXPECT_EQ(socks5_greeting(true), bytes({5, 2, 0, 2}));
}

TEST(socks5, auth_request_is_rfc1929)
{
    EXPECT_EQ(socks5_auth_request("al", "pw!"), bytes({1, 2, 'a', 'l', 3, 'p', 'w', '!'}));
    EXPECT_EQ(socks5_auth_request(std::string(256, 'u'), "p"), "");
}

TEST(socks5, user_name_and_password_are_each_1_to_255_bytes)
{
    // RFC 1929: ULEN and PLEN are 1 to 255; a zero length is not sent.
    EXPECT_EQ(socks5_auth_request("", "pw"), "");
    EXPECT_EQ(socks5_auth_request("al", ""), "");
    EXPECT_EQ(socks5_auth_request("u", std::string(256, 'p')), "");
    EXPECT_EQ(socks5_auth_request(std::string(255, 'u'), std::string(255, 'p')).size(), 3U + 255U + 255U);
    EXPECT_FALSE(socks5_credentials_problem("u", "p"));
    EXPECT_EQ(socks5_credentials_problem("", "secret"),
              "SOCKS5 proxy user name is empty (RFC 1929: 1 to 255 bytes each)");
    EXPECT_EQ(socks5_credentials_problem("u", ""),
              "SOCKS5 proxy password is empty (RFC 1929: 1 to 255 bytes each)");
    EXPECT_EQ(socks5_credentials_problem("u", std::string(256, 'p')),
              "SOCKS5 proxy password is longer than 255 bytes (RFC 1929: 1 to 255 bytes each)");
}

TEST(socks5, connect_request_sends_addresses_as_addresses_and_names_as_names)
{
    EXPECT_EQ(socks5_connect_request("127.0.0.1", 8080), bytes({5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90}));
    EXPECT_EQ(socks5_connect_request("::1", 443),
              bytes({5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xbb}));
    EXPECT_EQ(socks5_connect_request("ab.c", 80), bytes({5, 1, 0, 3, 4, 'a', 'b', '.', 'c', 0, 80}));
    EXPECT_EQ(socks5_connect_request(std::string(256, 'a'), 80), "");
}

TEST(socks5, method_reply)
{
    EXPECT_TRUE(check_method_reply(bytes({5, 0}), false).ok);
    EXPECT_TRUE(check_method_reply(bytes({5, 2}), true).ok);
    const auto not_offered = check_method_reply(bytes({5, 2}), false);
    EXPECT_FALSE(not_offered.ok);
    EXPECT_NE(not_offered.problem.find("not offered"), std::string::npos) << not_offered.problem;
    const auto none = check_method_reply(bytes({5, 0xff}), false);
    EXPECT_NE(none.problem.find("no acceptable authentication method"), std::string::npos) << none.problem;
    const auto version = check_method_reply(bytes({4, 0}), false);
    EXPECT_NE(version.problem.find("version 0x04"), std::string::npos) << version.problem;
    EXPECT_NE(check_method_reply(bytes({5}), false).problem.find("truncated"), std::string::npos);
}

TEST(socks5, auth_reply)
{
    EXPECT_TRUE(check_auth_reply(bytes({1, 0})).ok);
    EXPECT_NE(check_auth_reply(bytes({1, 1})).problem.find("authentication failed"), std::string::npos);
    EXPECT_NE(check_auth_reply(bytes({5, 0})).problem.find("version"), std::string::npos);
}

TEST(socks5, connect_reply_names_every_rfc1928_code)
{
    const std::vector<std::string> names{"general SOCKS server failure",
                                         "connection not allowed by ruleset",
                                         "network unreachable",
                                         "host unreachable",
                                         "connection refused",
                                         "TTL expired",
                                         "command not supported",
                                         "address type not supported"};
    for (int code = 1; code <= 8; ++code)
    {
        const auto v = check_connect_reply(bytes({5, code, 0, 1, 0, 0, 0, 0, 0, 0}));
        EXPECT_FALSE(v.ok);
        EXPECT_EQ(v.problem, names[code - 1] + " (SOCKS5 reply " + std::to_string(code) + ")");
    }
    EXPECT_EQ(socks5_reply_name(9), "unknown reply code 9");
    EXPECT_TRUE(check_connect_reply(bytes({5, 0, 0, 1, 127, 0, 0, 1, 0, 80})).ok);
    EXPECT_NE(check_connect_reply(bytes({5, 0, 0, 7, 1})).problem.find("address type"), std::string::npos);
    EXPECT_NE(check_connect_reply(bytes({0x48, 0x54, 0x54, 0x50})).problem.find("version"),
              std::string::npos);
    EXPECT_NE(check_connect_reply(bytes({5, 0})).problem.find("truncated"), std::string::npos);
}

TEST(socks5, connect_reply_size_follows_the_address_type)
{
    EXPECT_EQ(connect_reply_size(bytes({5, 0, 0, 1, 127})), 10u);
    EXPECT_EQ(connect_reply_size(bytes({5, 0, 0, 4, 0})), 22u);
    EXPECT_EQ(connect_reply_size(bytes({5, 0, 0, 3, 9})), 16u);
    EXPECT_EQ(connect_reply_size(bytes({5, 0, 0, 9, 9})), 0u);
    EXPECT_EQ(connect_reply_size(bytes({5, 0, 0})), 0u);
}

TEST(socks5, requests_through_socks_are_origin_form_without_proxy_credentials)
{
    const url target = test::must_parse("http://127.0.0.1:8080/a?b");
    const url proxy = *parse_proxy_url("socks5://u:p@127.0.0.1:1080");
    const std::string method = "GET";
    request_options req;
    request_head head;
    ASSERT_FALSE(build_request_head(req, {method, target, target, &proxy, nullptr, false}, head));
    EXPECT_EQ(head.target, "/a?b");
    EXPECT_TRUE(head.proxy_authorization.empty());
}

parse_outcome parse(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv{"asyncfetch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), terminal_info{true, false});
}

TEST(connect_options, last_of_proxy_socks5_and_socks5_hostname_wins)
{
    auto a = parse({"-x", "http://p:3128", "--socks5", "127.0.0.1:1080", "http://h/"});
    ASSERT_TRUE(a.opts) << a.err;
    EXPECT_EQ(a.opts->client.proxies.proxy, "socks5://127.0.0.1:1080");
    auto b = parse({"--socks5-hostname", "127.0.0.1:1080", "http://h/"});
    ASSERT_TRUE(b.opts) << b.err;
    EXPECT_EQ(b.opts->client.proxies.proxy, "socks5h://127.0.0.1:1080");
    auto c = parse({"--socks5", "127.0.0.1:1080", "--proxy", "socks5h://127.0.0.1:9", "http://h/"});
    ASSERT_TRUE(c.opts) << c.err;
    EXPECT_EQ(c.opts->client.proxies.proxy, "socks5h://127.0.0.1:9");
}

TEST(connect_options, cert_splits_the_password_at_the_first_unescaped_colon)
{
    using pair = std::pair<std::string, std::optional<std::string>>;
    EXPECT_EQ(split_cert_parameter("c.pem"), pair("c.pem", std::nullopt));
    EXPECT_EQ(split_cert_parameter("c.pem:se:cret"), pair("c.pem", "se:cret"));
    EXPECT_EQ(split_cert_parameter("a\\:b.pem:pw"), pair("a:b.pem", "pw"));
    EXPECT_EQ(split_cert_parameter("a\\\\:pw"), pair("a\\", "pw"));
    EXPECT_EQ(split_cert_parameter("c.pem:"), pair("c.pem", ""));
    EXPECT_EQ(split_cert_parameter("dir\\x.pem"), pair("dir\\x.pem", std::nullopt));
}

TEST(connect_options, cert_key_types_and_the_last_password_given)
{
    auto a = parse({"--cert",
                    "c.der:one",
                    "--cert-type",
                    "der",
                    "--key",
                    "k.der",
                    "--key-type",
                    "DER",
                    "--pass",
                    "two",
                    "https://h/"});
    ASSERT_TRUE(a.opts) << a.err;
    EXPECT_EQ(a.opts->certificate.cert_file, "c.der");
    EXPECT_EQ(a.opts->certificate.key_file, "k.der");
    EXPECT_TRUE(a.opts->certificate.cert_der);
    EXPECT_TRUE(a.opts->certificate.key_der);
    EXPECT_EQ(a.opts->certificate.password, "two");
    auto b = parse({"--pass", "two", "-E", "c.pem:one", "https://h/"});
    ASSERT_TRUE(b.opts) << b.err;
    EXPECT_EQ(b.opts->certificate.password, "one");
    EXPECT_FALSE(b.opts->certificate.cert_der);
    auto bad = parse({"--cert", "c.p12", "--cert-type", "P12", "https://h/"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("expected PEM or DER"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace asyncfetch::detail
