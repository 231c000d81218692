// Happy Eyeballs without sockets: address order, and the race against a fake socket with scripted delays.
#include "happy_eyeballs.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace asyncfetch::detail {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

tcp::endpoint ep(const char* address) { return {net::ip::make_address(address), 80}; }

/// How the fake connect to one address ends.
struct scripted
{
    std::chrono::milliseconds after{0};
    boost::system::error_code ec;  ///< empty: connected
    bool never = false;            ///< black hole: only a close ends it
};

/// What the race did, in order: "start ADDRESS at MS", "close ADDRESS".
struct journal
{
    steady::time_point t0 = steady::now();
    std::map<std::string, scripted> script;
    std::vector<std::string> events;
    std::map<std::string, double> started_ms;
    std::string winner;  ///< the address of the socket the race gave back
};

class fake_socket
{
public:
    fake_socket(net::any_io_executor ex, journal& j) : timer_(ex), journal_(&j) {}

    template <class Token>
    net::awaitable<std::tuple<boost::system::error_code>> async_connect(tcp::endpoint e, Token)
    {
        const auto name = e.address().to_string();
        address_ = name;
        journal_->started_ms[name] = std::chrono::duration<double, std::milli>(steady::now() - journal_->t0)
                                         .count();
        journal_->events.push_back("start " + name);
        const scripted s = journal_->script[name];
        if (s.never)
            timer_.expires_at(steady::time_point::max());
        else
            timer_.expires_after(s.after);
        co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
        if (closed_)
            co_return std::tuple{boost::system::error_code(net::error::operation_aborted)};
        co_return std::tuple{s.ec};
    }

    void close(boost::system::error_code&)
    {
        if (!closed_)
            journal_->events.push_back("close " + address_);
        closed_ = true;
        timer_.cancel();
    }

    std::string address_;

private:
    net::steady_timer timer_;
    journal* journal_;
    bool closed_ = false;
};

using race = connect_race<fake_socket>;

struct race_run
{
    race& r;
    journal& j;
    std::vector<tcp::endpoint> order;
    race::outcome out{};
    double took_ms = 0;
};

net::awaitable<void> run_race(race_run& rr)
{
    net::any_io_executor ex = co_await net::this_coro::executor;
    rr.out = co_await rr.r.run(rr.order, [&rr, ex] { return fake_socket(ex, rr.j); });
    rr.took_ms = std::chrono::duration<double, std::milli>(steady::now() - rr.j.t0).count();
}

race::outcome race_once(journal& j,
                        std::vector<tcp::endpoint> order,
                        double& took_ms,
                        std::chrono::milliseconds deadline = 5000ms,
                        std::chrono::milliseconds delay = 250ms)
{
    net::io_context ioc(1);
    race r(ioc.get_executor(), delay, steady::now() + deadline);
    j.t0 = steady::now();
    race_run rr{r, j, std::move(order)};
    net::co_spawn(ioc, run_race(rr), net::detached);
    ioc.run_for(10s);
    took_ms = rr.took_ms;
    // The winner's socket (and its timer) must go before the io_context does.
    if (rr.out.socket)
        j.winner = rr.out.socket->address_;
    rr.out.socket.reset();
    return std::move(rr.out);
}

TEST(happy_eyeballs_order, ipv6_first_then_families_alternate)
{
    auto order = interleave_families({ep("10.0.0.1"), ep("10.0.0.2"), ep("::1"), ep("::2"), ep("::3")});
    std::vector<std::string> got;
    for (const auto& e : order)
        got.push_back(e.address().to_string());
    EXPECT_EQ(got, (std::vector<std::string>{"::1", "10.0.0.1", "::2", "10.0.0.2", "::3"}));
    EXPECT_EQ(interleave_families({ep("10.0.0.2"), ep("10.0.0.1")}).front(), ep("10.0.0.2"));
    EXPECT_TRUE(interleave_families({}).empty());
}

TEST(happy_eyeballs_race, a_black_holed_ipv6_hands_over_to_ipv4_after_the_delay)
{
    journal j;
    j.script["::1"] = {0ms, {}, true};
    j.script["127.0.0.1"] = {10ms, {}, false};
    double took = 0;
    auto out = race_once(j, {ep("::1"), ep("127.0.0.1")}, took);
    ASSERT_FALSE(out.ec) << out.ec.message();
    EXPECT_EQ(out.endpoint, ep("127.0.0.1"));
    EXPECT_EQ(j.winner, "127.0.0.1");
    EXPECT_EQ(out.attempts, 2u);
    EXPECT_GE(j.started_ms["127.0.0.1"], 245.0);
    EXPECT_LT(j.started_ms["127.0.0.1"], 450.0);
    EXPECT_LT(took, 600.0);
    // The first attempt went on while the second ran, and was closed once the second won.
    EXPECT_EQ(j.events, (std::vector<std::string>{"start ::1", "start 127.0.0.1", "close ::1"}));
}

TEST(happy_eyeballs_race, a_failed_attempt_hands_over_at_once)
{
    journal j;
    j.script["::1"] = {5ms, net::error::connection_refused, false};
    j.script["127.0.0.1"] = {5ms, {}, false};
    double took = 0;
    auto out = race_once(j, {ep("::1"), ep("127.0.0.1")}, took);
    ASSERT_FALSE(out.ec) << out.ec.message();
    EXPECT_EQ(out.endpoint, ep("127.0.0.1"));
    EXPECT_LT(j.started_ms["127.0.0.1"], 150.0);  // not the 250 ms delay
}

TEST(happy_eyeballs_race, a_slow_first_attempt_still_wins_when_it_connects_first)
{
    journal j;
    j.script["::1"] = {300ms, {}, false};
    j.script["127.0.0.1"] = {400ms, {}, false};
    double took = 0;
    auto out = race_once(j, {ep("::1"), ep("127.0.0.1")}, took);
    ASSERT_FALSE(out.ec) << out.ec.message();
    EXPECT_EQ(out.endpoint, ep("::1"));
    EXPECT_EQ(j.winner, "::1");
    EXPECT_LT(took, 500.0);
    EXPECT_EQ(j.events, (std::vector<std::string>{"start ::1", "start 127.0.0.1", "close 127.0.0.1"}));
}

TEST(happy_eyeballs_race, every_address_failing_gives_the_last_error)
{
    journal j;
    j.script["::1"] = {5ms, net::error::connection_refused, false};
    j.script["127.0.0.1"] = {5ms, net::error::network_unreachable, false};
    double took = 0;
    auto out = race_once(j, {ep("::1"), ep("127.0.0.1")}, took);
    EXPECT_EQ(out.ec, net::error::network_unreachable);
    EXPECT_EQ(j.winner, "");
    EXPECT_EQ(out.attempts, 2u);
    EXPECT_LT(took, 200.0);
}

TEST(happy_eyeballs_race, the_deadline_ends_attempts_that_never_answer)
{
    journal j;
    j.script["::1"] = {0ms, {}, true};
    j.script["127.0.0.1"] = {0ms, {}, true};
    double took = 0;
    auto out = race_once(j, {ep("::1"), ep("127.0.0.1")}, took, 400ms);
    EXPECT_EQ(out.ec, net::error::timed_out);
    EXPECT_GE(took, 395.0);
    EXPECT_LT(took, 600.0);
    EXPECT_EQ(j.events,
              (std::vector<std::string>{"start ::1", "start 127.0.0.1", "close ::1", "close 127.0.0.1"}));
}

TEST(happy_eyeballs_race, cancel_closes_every_attempt)
{
    journal j;
    j.script["::1"] = {0ms, {}, true};
    net::io_context ioc(1);
    race r(ioc.get_executor(), 250ms, steady::now() + 5s);
    race_run rr{r, j, {ep("::1")}};
    net::co_spawn(ioc, run_race(rr), net::detached);
    net::steady_timer later(ioc, 50ms);
    later.async_wait([&r](boost::system::error_code) { r.cancel(); });
    ioc.run_for(5s);
    EXPECT_EQ(rr.out.ec, net::error::operation_aborted);
    EXPECT_LT(rr.took_ms, 300.0);
    EXPECT_EQ(j.events, (std::vector<std::string>{"start ::1", "close ::1"}));
}

TEST(happy_eyeballs_race, addresses_added_later_join_the_race)
{
    // The IPv6 answer came first and its address refuses; the race waits for the IPv4 answer
    // instead of ending, and wins with it.
    journal j;
    j.script["::1"] = {5ms, net::error::connection_refused, false};
    j.script["127.0.0.1"] = {5ms, {}, false};
    net::io_context ioc(1);
    race r(ioc.get_executor(), 250ms, steady::now() + 5s);
    r.expect_more();
    race_run rr{r, j, {ep("::1")}};
    net::co_spawn(ioc, run_race(rr), net::detached);
    net::steady_timer later(ioc, 100ms);
    later.async_wait([&r](boost::system::error_code) { r.add({ep("127.0.0.1"), ep("::1")}); });
    ioc.run_for(5s);
    ASSERT_FALSE(rr.out.ec) << rr.out.ec.message();
    EXPECT_EQ(rr.out.endpoint, ep("127.0.0.1"));
    EXPECT_GE(j.started_ms["127.0.0.1"], 95.0);
    EXPECT_EQ(rr.out.attempts, 2u) << "an address already tried is not tried again";
    rr.out.socket.reset();
}

TEST(happy_eyeballs_race, an_empty_late_answer_ends_the_race_with_the_failure)
{
    journal j;
    j.script["::1"] = {5ms, net::error::connection_refused, false};
    net::io_context ioc(1);
    race r(ioc.get_executor(), 250ms, steady::now() + 5s);
    r.expect_more();
    race_run rr{r, j, {ep("::1")}};
    net::co_spawn(ioc, run_race(rr), net::detached);
    net::steady_timer later(ioc, 100ms);
    later.async_wait([&r](boost::system::error_code) { r.add({}); });
    ioc.run_for(5s);
    EXPECT_EQ(rr.out.ec, net::error::connection_refused);
    EXPECT_GE(rr.took_ms, 95.0);
    EXPECT_LT(rr.took_ms, 1000.0);
}

TEST(happy_eyeballs_race, a_late_answer_that_never_comes_ends_at_the_deadline_with_the_failure)
{
    journal j;
    j.script["::1"] = {5ms, net::error::connection_refused, false};
    double took = 0;
    net::io_context ioc(1);
    race r(ioc.get_executor(), 250ms, steady::now() + 300ms);
    r.expect_more();
    j.t0 = steady::now();
    race_run rr{r, j, {ep("::1")}};
    net::co_spawn(ioc, run_race(rr), net::detached);
    ioc.run_for(5s);
    took = rr.took_ms;
    EXPECT_EQ(rr.out.ec, net::error::connection_refused) << "the attempt's failure, not a timeout";
    EXPECT_GE(took, 295.0);
}

}  // namespace
}  // namespace asyncfetch::detail
