// DNS cache: one c-ares query per name at a time, answers kept for a TTL, each wait bounded by its deadline.
#include "dns_cache.hpp"

#include "ares_resolver.hpp"
#include "asyncfetch/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ares.h>

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
    boost::system::error_code ec;
    std::vector<net::ip::address> addresses;
    std::chrono::steady_clock::time_point expires;
    // Waiters sleep on this timer; cancelling it wakes them all when the lookup ends.
    net::steady_timer done_signal;
};

boost::system::error_code dns_error(int ares_status)
{
    switch (ares_status)
    {
    case ARES_SUCCESS: return {};
    case ARES_ENOTFOUND: return errc::dns_not_found;
    case ARES_ENODATA: return errc::dns_no_address;
    case ARES_EREFUSED: return errc::dns_refused;
    // c-ares tries every server again on SERVFAIL and REFUSED; when all fail so, or none can be
    // reached, it says ECONNREFUSED.
    case ARES_ESERVFAIL:
    case ARES_ECONNREFUSED: return errc::dns_server_failure;
    case ARES_EBADRESP:
    case ARES_EFORMERR:
    case ARES_ENOTIMP: return errc::dns_bad_answer;
    case ARES_ETIMEOUT: return errc::dns_no_answer;
    default: return errc::dns_failure;
    }
}

bool dns_cacheable(int ares_status) noexcept
{
    // NXDOMAIN and "no address of this family" are answers too (RFC 2308 lets resolvers keep them);
    // SERVFAIL, garbage and silence may be gone on the next try.
    return ares_status == ARES_SUCCESS || ares_status == ARES_ENOTFOUND || ares_status == ARES_ENODATA;
}

dns_cache::dns_cache(net::any_io_executor ex, dns_settings settings)
    : ex_(std::move(ex)), settings_(std::move(settings))
{
}

dns_cache::~dns_cache()
{
    // The resolver goes first: its callbacks point at this cache and are never called after it.
    resolver_.reset();
}

void dns_cache::pin(const std::string& host, std::uint16_t port, const net::ip::address& address)
{
    pins_[host + ":" + std::to_string(port)] = address;
}

ares_resolver& dns_cache::resolver()
{
    if (!resolver_)
        resolver_ = std::make_unique<ares_resolver>(ex_, settings_.servers);
    return *resolver_;
}

void dns_cache::start(const std::string& host, const std::shared_ptr<entry>& e)
{
    ++lookups_;
    resolver().lookup(host, settings_.family, [this, host, e](const ares_answer& a) {
        e->ec = dns_error(a.status);
        for (const auto& address : a.addresses)
            if (settings_.family == 0 || (settings_.family == 4 && address.is_v4()) ||
                (settings_.family == 6 && address.is_v6()))
                e->addresses.push_back(address);
        if (!e->ec && e->addresses.empty())
            e->ec = errc::dns_no_address;
        e->expires = settings_.now() + settings_.ttl;
        e->done = true;
        e->done_signal.cancel();
        if (!dns_cacheable(a.status))
            if (auto it = entries_.find(host); it != entries_.end() && it->second == e)
                entries_.erase(it);
    });
}

net::awaitable<resolved> dns_cache::resolve(std::string host,
                                            std::uint16_t port,
                                            std::chrono::steady_clock::time_point deadline)
{
    boost::system::error_code parse_ec;
    auto address = net::ip::make_address(host, parse_ec);
    if (!parse_ec)
        co_return resolved{{}, {tcp::endpoint(address, port)}, false};
    if (auto pin = pins_.find(host + ":" + std::to_string(port)); pin != pins_.end())
        co_return resolved{{}, {tcp::endpoint(pin->second, port)}, false};

    auto it = entries_.find(host);
    if (it != entries_.end() && it->second->done && it->second->expires <= settings_.now())
    {
        entries_.erase(it);
        it = entries_.end();
    }
    std::shared_ptr<entry> e;
    bool waited = false;
    if (it == entries_.end())
    {
        e = std::make_shared<entry>(ex_);
        entries_.emplace(host, e);
        waited = true;  // even an answer from /etc/hosts, which comes before start() returns
        start(host, e);
    }
    else
    {
        e = it->second;
    }

    if (!e->done)
    {
        waited = true;
        // The channel runs only while someone waits, so abandoned queries never hold the run open.
        if (waiting_++ == 0)
            resolver().drive(true);  // may finish e at once with what arrived while nobody drove
        if (!e->done)
        {
            net::steady_timer limit(ex_, deadline);
            co_await (e->done_signal.async_wait(token) || limit.async_wait(token));
        }
        if (--waiting_ == 0)
            resolver().drive(false);
        // The query goes on for whoever else waits, and its answer is still cached when it comes.
        if (!e->done)
            co_return resolved{errc::dns_timeout, {}, true};
    }
    resolved out{e->ec, {}, waited};
    for (const auto& a : e->addresses)
        out.endpoints.emplace_back(a, port);
    co_return out;
}

}  // namespace asyncfetch::detail
