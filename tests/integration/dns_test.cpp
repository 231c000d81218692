// Name resolution through c-ares against a fake DNS server: parallel lookups, deadlines, failures, cache.
#include "asyncfetch/testbed.hpp"
#include "dns_cache.hpp"
#include "fake_dns_server.hpp"
#include "test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::config_with;
using test::dns_rule;
using test::fake_dns_server;
using test::run_urls;
namespace net = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

double ms_since(steady::time_point t)
{
    return std::chrono::duration<double, std::milli>(steady::now() - t).count();
}

dns_rule answer(std::vector<std::string> a,
                std::chrono::milliseconds delay = 0ms,
                std::vector<std::string> aaaa = {})
{
    dns_rule r;
    r.a = std::move(a);
    r.aaaa = std::move(aaaa);
    r.delay = delay;
    return r;
}

dns_rule rule_of(dns_rule::kind k, std::chrono::milliseconds delay = 0ms)
{
    dns_rule r;
    r.what = k;
    r.delay = delay;
    return r;
}

class dns : public ::testing::Test
{
protected:
    std::string url(const std::string& host, const std::string& path = "/bytes/3") const
    {
        return "http://" + host + ":" + std::to_string(server_.port()) + path;
    }

    run_config config(std::size_t concurrency) const
    {
        auto cfg = config_with(concurrency);
        cfg.client.dns_servers = dns_.address();
        return cfg;
    }

    testbed server_;
    fake_dns_server dns_;
};

TEST_F(dns, fifty_slow_names_resolve_in_parallel)
{
    std::vector<std::string> urls;
    for (int i = 0; i < 50; ++i)
    {
        dns_.set("h" + std::to_string(i) + ".test", answer({"127.0.0.1"}, 200ms));
        urls.push_back(url("h" + std::to_string(i) + ".test"));
    }
    const auto t = steady::now();
    auto out = run_urls(urls, config(50));
    const double elapsed = ms_since(t);
    ASSERT_EQ(out.results.size(), 50u);
    for (const auto& r : out.results)
    {
        EXPECT_TRUE(r.ok()) << r.url << ": " << r.error;
        EXPECT_GE(r.dns_ms, 150.0) << r.url;
    }
    // One lookup time (200 ms), not fifty (10 s); the margin is for slow CI machines.
    EXPECT_LT(elapsed, 2000.0);
    EXPECT_EQ(out.summary.dns_lookups, 50u);
    std::printf("50 names at 200 ms each: %.0f ms\n", elapsed);
}

TEST_F(dns, names_that_never_answer_time_out_alone)
{
    std::vector<std::string> urls;
    for (int i = 0; i < 3; ++i)
    {
        dns_.set("hang" + std::to_string(i) + ".test", rule_of(dns_rule::kind::silent));
        urls.push_back(url("hang" + std::to_string(i) + ".test"));
    }
    for (int i = 0; i < 20; ++i)
    {
        dns_.set("ok" + std::to_string(i) + ".test", answer({"127.0.0.1"}, 10ms));
        urls.push_back(url("ok" + std::to_string(i) + ".test"));
    }
    auto cfg = config(50);
    cfg.client.connect_timeout = 1000ms;
    const auto t = steady::now();
    auto out = run_urls(urls, cfg);
    const double elapsed = ms_since(t);
    ASSERT_EQ(out.results.size(), 23u);
    for (std::size_t i = 0; i < 3; ++i)
    {
        const auto& r = out.results[i];
        EXPECT_EQ(r.kind, error_kind::timeout) << r.error;
        EXPECT_NE(r.error.find("resolving hang"), std::string::npos) << r.error;
        EXPECT_NE(r.error.find("timed out after 1 s"), std::string::npos) << r.error;
        EXPECT_GE(r.time_ms, 950.0);
        EXPECT_LT(r.time_ms, 1300.0);
        std::printf("%s: %.1f ms\n", r.url.c_str(), r.time_ms);
    }
    for (std::size_t i = 3; i < out.results.size(); ++i)
    {
        EXPECT_TRUE(out.results[i].ok()) << out.results[i].error;
        EXPECT_LT(out.results[i].time_ms, 500.0) << out.results[i].url;
    }
    // The abandoned queries do not hold the run open after the last URL.
    EXPECT_LT(elapsed, 1800.0);
}

TEST_F(dns, failures_are_dns_errors_at_once)
{
    dns_.set("gone.test", rule_of(dns_rule::kind::nxdomain));
    dns_.set("broken.test", rule_of(dns_rule::kind::servfail));
    dns_.set("garbage.test", rule_of(dns_rule::kind::garbage));
    dns_.set("nothing.test", answer({}));
    auto cfg = config(10);
    cfg.client.connect_timeout = 5000ms;
    auto out = run_urls({url("gone.test"), url("broken.test"), url("garbage.test"), url("nothing.test")},
                        cfg);
    ASSERT_EQ(out.results.size(), 4u);
    const char* words[] = {"no such host",
                           "DNS server failure",
                           "malformed DNS answer",
                           "resolved to no address"};
    for (std::size_t i = 0; i < 4; ++i)
    {
        const auto& r = out.results[i];
        EXPECT_EQ(r.kind, error_kind::dns) << r.url << ": " << r.error;
        EXPECT_NE(r.error.find("could not resolve host "), std::string::npos) << r.error;
        EXPECT_NE(r.error.find(words[i]), std::string::npos) << r.error;
        EXPECT_LT(r.time_ms, 1000.0) << r.url;
    }
}

TEST_F(dns, hosts_file_names_resolve_before_dns)
{
    // The fake server says no to every name it has no rule for: localhost comes from /etc/hosts.
    auto out = run_urls({url("localhost")}, config(1));
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_EQ(dns_.queries("localhost"), 0u);
}

TEST_F(dns, truncated_answers_are_asked_again_over_tcp)
{
    auto rule = answer({"127.0.0.1"});
    rule.what = dns_rule::kind::truncated;
    dns_.set("big.test", rule);
    auto out = run_urls({url("big.test")}, config(1));
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
}

TEST_F(dns, one_name_is_asked_once_for_many_urls)
{
    dns_.set("same.test", answer({"127.0.0.1"}, 100ms));
    std::vector<std::string> urls;
    for (int i = 0; i < 20; ++i)
        urls.push_back(url("same.test", "/bytes/" + std::to_string(i)));
    auto out = run_urls(urls, config(20));
    for (const auto& r : out.results)
        EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(out.summary.dns_lookups, 1u);
    EXPECT_EQ(dns_.queries("same.test"), 2u);  // one A and one AAAA question
}

// The cache on its own, with a clock the test moves.
struct cache_probe
{
    detail::dns_cache& cache;
    std::string host;
    steady::duration limit;
    detail::resolved out{};
};

net::awaitable<void> probe(cache_probe& p)
{
    p.out = co_await p.cache.resolve(p.host, 80, steady::now() + p.limit);
}

detail::resolved resolve_once(net::io_context& ioc,
                              detail::dns_cache& cache,
                              const std::string& host,
                              steady::duration limit = 2s)
{
    cache_probe p{cache, host, limit};
    net::co_spawn(ioc, probe(p), net::detached);
    ioc.restart();
    ioc.run_for(10s);
    return p.out;
}

TEST_F(dns, answers_expire_by_the_clock)
{
    net::io_context ioc(1);
    auto now = steady::now();
    detail::dns_settings settings;
    settings.servers = dns_.address();
    settings.now = [&now] { return now; };
    detail::dns_cache cache(ioc.get_executor(), settings);

    dns_.set("moving.test", answer({"127.0.0.2"}));
    auto first = resolve_once(ioc, cache, "moving.test");
    ASSERT_FALSE(first.ec) << first.ec.message();
    ASSERT_EQ(first.endpoints.size(), 1u);
    EXPECT_EQ(first.endpoints[0].address().to_string(), "127.0.0.2");
    EXPECT_TRUE(first.waited);

    dns_.set("moving.test", answer({"127.0.0.3"}));
    now += 59s;
    auto cached = resolve_once(ioc, cache, "moving.test");
    EXPECT_EQ(cached.endpoints.at(0).address().to_string(), "127.0.0.2");
    EXPECT_FALSE(cached.waited);
    EXPECT_EQ(cache.lookups(), 1u);

    now += 2s;
    auto fresh = resolve_once(ioc, cache, "moving.test");
    EXPECT_EQ(fresh.endpoints.at(0).address().to_string(), "127.0.0.3");
    EXPECT_EQ(cache.lookups(), 2u);
}

TEST_F(dns, failures_other_than_no_such_name_are_not_kept)
{
    net::io_context ioc(1);
    detail::dns_cache cache(ioc.get_executor(), detail::dns_settings{0, dns_.address()});
    dns_.set("flaky.test", rule_of(dns_rule::kind::servfail));
    EXPECT_EQ(resolve_once(ioc, cache, "flaky.test").ec, errc::dns_server_failure);
    dns_.set("flaky.test", answer({"127.0.0.4"}));
    auto later = resolve_once(ioc, cache, "flaky.test");
    ASSERT_FALSE(later.ec) << later.ec.message();
    EXPECT_EQ(later.endpoints.at(0).address().to_string(), "127.0.0.4");

    dns_.set("typo.test", rule_of(dns_rule::kind::nxdomain));
    EXPECT_EQ(resolve_once(ioc, cache, "typo.test").ec, errc::dns_not_found);
    const auto asked = dns_.queries("typo.test");
    EXPECT_EQ(resolve_once(ioc, cache, "typo.test").ec, errc::dns_not_found);
    EXPECT_EQ(dns_.queries("typo.test"), asked);  // NXDOMAIN is an answer: kept
}

TEST_F(dns, the_deadline_bounds_a_lookup_to_within_50_ms)
{
    net::io_context ioc(1);
    detail::dns_cache cache(ioc.get_executor(), detail::dns_settings{0, dns_.address()});
    dns_.set("silent.test", rule_of(dns_rule::kind::silent));
    const auto t = steady::now();
    auto r = resolve_once(ioc, cache, "silent.test", 300ms);
    const double took = ms_since(t);
    EXPECT_EQ(r.ec, errc::dns_timeout);
    EXPECT_GE(took, 299.0);
    EXPECT_LT(took, 350.0);
    std::printf("silent name with a 300 ms deadline: %.1f ms\n", took);
}

// ---- RFC 8305 section 3: connecting starts on the first address family to answer

dns_rule split_answer(std::chrono::milliseconds a_delay, std::chrono::milliseconds aaaa_delay)
{
    auto r = answer({"127.0.0.1"}, a_delay, {"::1"});
    r.aaaa_delay = aaaa_delay;
    return r;
}

struct rest_probe
{
    detail::dns_cache& cache;
    const detail::resolved& early;
    std::vector<boost::asio::ip::tcp::endpoint> out{};
};

net::awaitable<void> probe_rest(rest_probe& p)
{
    p.out = co_await p.cache.resolve_rest(p.early, 80, steady::now() + 5s);
}

TEST_F(dns, an_ipv4_answer_waits_only_the_resolution_delay_for_ipv6)
{
    net::io_context ioc(1);
    detail::dns_cache cache(ioc.get_executor(), detail::dns_settings{0, dns_.address()});
    dns_.set("split.test", split_answer(0ms, 1500ms));
    const auto t = steady::now();
    auto early = resolve_once(ioc, cache, "split.test");
    const double took = ms_since(t);
    ASSERT_FALSE(early.ec) << early.ec.message();
    EXPECT_GE(took, 49.0) << "an IPv4 answer waits the resolution delay (50 ms) for IPv6";
    EXPECT_LT(took, 700.0) << "not the AAAA answer's 1500 ms";
    ASSERT_EQ(early.endpoints.size(), 1u);
    EXPECT_EQ(early.endpoints[0].address().to_string(), "127.0.0.1");
    ASSERT_TRUE(early.rest) << "the IPv6 answer is still to come";

    rest_probe p{cache, early};
    net::co_spawn(ioc, probe_rest(p), net::detached);
    ioc.restart();
    ioc.run_for(10s);
    ASSERT_EQ(p.out.size(), 1u);
    EXPECT_EQ(p.out[0].address().to_string(), "::1");
    // Both families are now one cached answer, IPv6 first.
    auto cached = resolve_once(ioc, cache, "split.test");
    EXPECT_FALSE(cached.rest);
    ASSERT_EQ(cached.endpoints.size(), 2u);
    EXPECT_EQ(cached.endpoints[0].address().to_string(), "::1");
    EXPECT_EQ(cache.lookups(), 1u);
}

TEST_F(dns, an_ipv6_answer_is_used_at_once)
{
    net::io_context ioc(1);
    detail::dns_cache cache(ioc.get_executor(), detail::dns_settings{0, dns_.address()});
    dns_.set("v6first.test", split_answer(1500ms, 0ms));
    const auto t = steady::now();
    auto early = resolve_once(ioc, cache, "v6first.test");
    EXPECT_LT(ms_since(t), 700.0);
    ASSERT_FALSE(early.ec) << early.ec.message();
    ASSERT_EQ(early.endpoints.size(), 1u);
    EXPECT_EQ(early.endpoints[0].address().to_string(), "::1");
    EXPECT_TRUE(early.rest);
}

TEST_F(dns, a_fetch_connects_on_the_first_family_to_answer)
{
    // The testbed listens on 127.0.0.1; the AAAA answer comes 2 s late.
    dns_.set("v4first.test", split_answer(0ms, 2000ms));
    const auto t = steady::now();
    auto out = run_urls({url("v4first.test")}, config(1));
    const double took = ms_since(t);
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_LT(took, 1000.0) << "the A answer is enough to connect";
    std::printf("A at once, AAAA after 2 s: fetched in %.1f ms\n", took);
}

TEST_F(dns, a_failed_first_family_hands_over_to_the_late_one)
{
    // ::1 answers first but nothing listens there: the connect waits for the A answer (400 ms)
    // instead of failing, then connects over IPv4.
    dns_.set("late4.test", split_answer(400ms, 0ms));
    const auto t = steady::now();
    auto out = run_urls({url("late4.test")}, config(1));
    const double took = ms_since(t);
    ASSERT_EQ(out.results.size(), 1u);
    EXPECT_TRUE(out.results[0].ok()) << out.results[0].error;
    EXPECT_GE(took, 350.0);
    EXPECT_LT(took, 2000.0);
}

}  // namespace
}  // namespace asyncfetch
