// --har's timings against loopback servers: send ends when the request is written, a CONNECT tunnel's
// round trip is part of connect.
#include "asyncfetch/har.hpp"
#include "asyncfetch/testbed.hpp"
#include "test_proxy.hpp"
#include "test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asyncfetch {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// Keeps every exchange record the client hands over.
class exchange_recorder final : public exchange_log
{
public:
    exchange_recorder() : exchange_log(settings()) {}
    void verbose(std::string_view) override {}
    void headers(std::string_view) override {}
    void exchanges(std::size_t, std::vector<exchange_record>&& hops) override
    {
        std::lock_guard lock(mutex_);
        for (auto& h : hops)
            records_.push_back(std::move(h));
    }
    std::vector<exchange_record> records() const
    {
        std::lock_guard lock(mutex_);
        return records_;
    }

private:
    static exchange_log_settings settings()
    {
        exchange_log_settings s;
        s.exchanges = true;
        return s;
    }

    mutable std::mutex mutex_;
    std::vector<exchange_record> records_;
};

/// One HTTP/1.1 connection on 127.0.0.1: reads a request head, waits `pause` before reading the body
/// (Content-Length bytes), then answers 200 "ok" at once and closes.
class slow_reader
{
public:
    explicit slow_reader(std::chrono::milliseconds pause)
        : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0})
    {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this, pause] { serve(pause); });
    }
    ~slow_reader()
    {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }
    slow_reader(const slow_reader&) = delete;
    slow_reader& operator=(const slow_reader&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/upload"; }
    /// Body bytes read.
    std::uint64_t body_read() const { return body_read_; }

private:
    void serve(std::chrono::milliseconds pause)
    {
        boost::system::error_code ec;
        auto socket = acceptor_.accept(ec);
        if (ec)
            return;
        boost::asio::streambuf in;
        const std::size_t head_end = boost::asio::read_until(socket, in, "\r\n\r\n", ec);
        if (ec)
            return;
        const std::string head(static_cast<const char*>(in.data().data()), head_end);
        in.consume(head_end);
        const auto at = head.find("Content-Length: ");
        const std::uint64_t length = at == std::string::npos ? 0 : std::stoull(head.substr(at + 16));
        std::this_thread::sleep_for(pause);
        std::uint64_t have = in.size();
        std::vector<char> block(1 << 16);
        while (have < length && !ec)
            have += socket.read_some(boost::asio::buffer(block), ec);
        body_read_ = have;
        boost::asio::write(socket,
                           boost::asio::buffer(std::string(
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")),
                           ec);
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    }

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::uint64_t body_read_ = 0;
    std::thread thread_;
};

/// The entry format_har makes of one URL's exchanges.
json::object har_entry(const fetch_result& r, const std::vector<exchange_record>& hops)
{
    har_pass p;
    p.name = "concurrent";
    p.started_at = std::chrono::system_clock::now();
    p.urls.push_back({r, hops});
    auto doc = json::parse(format_har({p}, "GET", "1", false));
    return doc.at("log").at("entries").at(0).as_object();
}

double timing(const json::object& entry, const char* name)
{
    return entry.at("timings").at(name).to_number<double>();
}

/// A body larger than loopback's socket buffers cannot be written before the server reads it: the
/// server's pause before reading is send time, and wait is what follows the last byte.
TEST(har_timings, send_lasts_until_the_request_body_is_written)
{
    constexpr auto pause = 300ms;
    slow_reader server(pause);
    exchange_recorder log;
    auto cfg = test::config_with(1);
    cfg.client.log = &log;
    cfg.client.request.method = "POST";
    cfg.client.request.body = request_body(std::string(std::size_t{48} << 20, 'x'));
    const auto run = test::run_urls({server.url()}, cfg);
    ASSERT_EQ(run.results.size(), 1U);
    ASSERT_TRUE(run.results[0].ok()) << run.results[0].error;
    EXPECT_EQ(server.body_read(), std::uint64_t{48} << 20);
    const auto hops = log.records();
    ASSERT_EQ(hops.size(), 1U);
    const exchange_record& h = hops[0];
    EXPECT_EQ(h.request_body_bytes, std::uint64_t{48} << 20);
    // The writing waited for the server's pause; the answer came right after the last byte.
    EXPECT_GE(h.send_ms, 0.8 * static_cast<double>(pause.count())) << "wait " << h.wait_ms;
    EXPECT_LT(h.wait_ms, h.send_ms);
    // The hop's phases tile the URL's time: nothing is counted twice.
    const double phases = h.start_ms + h.blocked_ms + std::max(0.0, h.dns_ms) + std::max(0.0, h.connect_ms) +
                          h.send_ms + h.wait_ms + h.receive_ms;
    EXPECT_LE(phases, run.results[0].time_ms + 1);

    const auto entry = har_entry(run.results[0], hops);
    EXPECT_NEAR(timing(entry, "send"), h.send_ms, 0.001);
    EXPECT_GE(entry.at("time").to_number<double>(), timing(entry, "send") + timing(entry, "wait"));
}

/// A request without a body is written at once: send is small next to a slow answer's wait.
TEST(har_timings, a_slow_answer_is_wait_not_send)
{
    testbed server;
    exchange_recorder log;
    auto cfg = test::config_with(1);
    cfg.client.log = &log;
    const auto run = test::run_urls({server.base_url() + "/delay/200"}, cfg);
    ASSERT_EQ(run.results.size(), 1U);
    ASSERT_TRUE(run.results[0].ok()) << run.results[0].error;
    const auto hops = log.records();
    ASSERT_EQ(hops.size(), 1U);
    EXPECT_GE(hops[0].wait_ms, 150);
    EXPECT_GE(hops[0].send_ms, 0);
    EXPECT_LT(hops[0].send_ms, hops[0].wait_ms);
}

/// HAR has no field for a proxy's CONNECT: as Chrome, its round trip is connect (which holds ssl),
/// not blocked; the records' connect_ms hold it too, and queue_ms does not.
TEST(har_timings, connect_tunnel_round_trip_is_connect_not_blocked)
{
    constexpr auto delay = 250ms;
    testbed_config tls;
    tls.tls = true;
    testbed secure(tls);
    test::test_proxy proxy;
    proxy.delay_tunnels(delay);
    exchange_recorder log;
    auto cfg = test::config_with(1);
    cfg.client.log = &log;
    cfg.client.proxies.proxy = proxy.url();
    const auto run = test::run_urls({secure.base_url() + "/bytes/9"}, cfg, secure.cert_pem());
    ASSERT_EQ(run.results.size(), 1U);
    const fetch_result& r = run.results[0];
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(proxy.request_lines().size(), 1U);
    EXPECT_EQ(proxy.request_lines()[0].rfind("CONNECT ", 0), 0U);
    const double d = static_cast<double>(delay.count());
    EXPECT_GE(r.connect_ms, d);
    EXPECT_LT(r.queue_ms, d / 2);
    EXPECT_GT(r.tls_ms, 0);

    const auto hops = log.records();
    ASSERT_EQ(hops.size(), 1U);
    EXPECT_GE(hops[0].connect_ms, d);
    EXPECT_LT(hops[0].blocked_ms, d / 2);
    const auto entry = har_entry(r, hops);
    EXPECT_LT(timing(entry, "blocked"), d / 2);
    EXPECT_GT(timing(entry, "ssl"), 0);
    // HAR's connect includes ssl, and here the tunnel's round trip as well.
    EXPECT_GE(timing(entry, "connect"), d + timing(entry, "ssl") - 0.01);
}

}  // namespace
}  // namespace asyncfetch
