// DNS cache: the resolver runs once per name; a timer bounds it because the resolver ignores cancellation.
#include "dns_cache.hpp"

#include "asyncfetch/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asyncfetch::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace net::experimental::awaitable_operators;

namespace {
constexpr auto token = net::as_tuple(net::use_awaitable);
}

struct dns_cache::entry
{
    explicit entry(net::any_io_executor ex) : done_signal(ex, net::steady_timer::time_point::max()) {}

    bool done = false;
    resolved result;
    // Waiters sleep on this timer; cancelling it wakes them all when the lookup ends.
    net::steady_timer done_signal;
};

dns_cache::dns_cache(net::any_io_executor ex, int family) : ex_(std::move(ex)), family_(family) {}

void dns_cache::pin(const std::string& host, std::uint16_t port, const net::ip::address& address)
{
    auto e = std::make_shared<entry>(ex_);
    e->done = true;
    e->result.endpoints.emplace_back(address, port);
    entries_[host + ":" + std::to_string(port)] = std::move(e);
}

dns_cache::~dns_cache() = default;

net::awaitable<resolved> dns_cache::resolve(std::string host,
                                            std::uint16_t port,
                                            std::chrono::steady_clock::time_point deadline)
{
    boost::system::error_code parse_ec;
    auto address = net::ip::make_address(host, parse_ec);
    if (!parse_ec)
        co_return resolved{{}, {tcp::endpoint(address, port)}};

    const std::string key = host + ":" + std::to_string(port);
    if (auto it = entries_.find(key); it != entries_.end())
    {
        auto e = it->second;
        if (!e->done)
        {
            net::steady_timer limit(ex_, deadline);
            co_await (e->done_signal.async_wait(token) || limit.async_wait(token));
            if (!e->done)
                co_return resolved{errc::dns_timeout, {}};
        }
        co_return e->result;
    }

    auto e = std::make_shared<entry>(ex_);
    entries_.emplace(key, e);
    ++lookups_;

    auto resolver = std::make_shared<tcp::resolver>(ex_);
    net::steady_timer limit(ex_, deadline);
    // Shared with the handler: it may run after this frame is gone.
    auto timed_out = std::make_shared<bool>(false);
    limit.async_wait([resolver, timed_out](boost::system::error_code ec) {
        if (!ec)
        {
            *timed_out = true;
            resolver->cancel();
        }
    });
    auto [ec, results] = co_await resolver->async_resolve(host, std::to_string(port), token);
    limit.cancel();
    const bool expired = ec && *timed_out;

    if (expired)
        e->result.ec = errc::dns_timeout;
    else if (ec)
        e->result.ec = ec;
    else
    {
        for (const auto& r : results)
        {
            const auto& ep = r.endpoint();
            if (family_ == 0 || (family_ == 4 && ep.address().is_v4()) ||
                (family_ == 6 && ep.address().is_v6()))
                e->result.endpoints.push_back(ep);
        }
        if (e->result.endpoints.empty())
            e->result.ec = errc::dns_no_address;
    }
    e->done = true;
    e->done_signal.cancel();

    resolved out = e->result;
    // Only definitive answers are cached; a slow or failed lookup is tried again by the next fetch.
    if (expired || (ec && ec != net::error::host_not_found && ec != net::error::no_data))
        entries_.erase(key);
    co_return out;
}

}  // namespace asyncfetch::detail
