// DNS cache: one c-ares query per name at a time, answers kept for a TTL, each wait bounded by its deadline.
#include "dns_cache.hpp"

#include "ares_resolver.hpp"
#include "asyncfetch/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ares.h>

#include <algorithm>

namespace asyncfetch::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace net::experimental::awaitable_operators;

namespace {
constexpr auto token = net::as_tuple(net::use_awaitable);
}

struct dns_cache::entry
{
    explicit entry(net::any_io_executor ex) : changed(ex, net::steady_timer::time_point::max()) {}

    /// One address family's query.
    struct family_answer
    {
        bool asked = false;
        bool answered = false;
        int status = ARES_SUCCESS;
        std::vector<net::ip::address> addresses;
    };
    family_answer v6;
    family_answer v4;
    bool done = false;                        // every family asked has answered, or /etc/hosts answered
    std::size_t version = 0;                  // counts answers, so a waiter knows whether something changed
    boost::system::error_code ec;             // when done
    std::vector<net::ip::address> addresses;  // when done: IPv6 first, then IPv4
    std::chrono::steady_clock::time_point v4_at;  // IPv4 addresses came while IPv6 was pending
    std::chrono::steady_clock::time_point expires;
    // Waiters sleep on this timer; cancelling it wakes them all whenever a family answers.
    net::steady_timer changed;

    bool all_answered() const noexcept { return (!v6.asked || v6.answered) && (!v4.asked || v4.answered); }

    /// Connecting may start: every family answered, IPv6 addresses came, or IPv4 ones have waited
    /// the resolution delay for IPv6.
    bool ready(std::chrono::milliseconds resolution_delay) const
    {
        return done || !v6.addresses.empty() ||
               (!v4.addresses.empty() && std::chrono::steady_clock::now() >= v4_at + resolution_delay);
    }
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
    // /etc/hosts first and alone, as getaddrinfo: a name it lists never reaches DNS.
    if (auto listed = resolver().lookup_hosts(host, settings_.family))
    {
        for (const auto& a : listed->addresses)
            (a.is_v6() ? e->v6 : e->v4).addresses.push_back(a);
        e->v6.answered = e->v4.answered = true;
        finish(host, e);
        return;
    }
    // Two queries, AAAA then A, so connecting can start on the first answer (RFC 8305 section 3).
    const int families[2] = {settings_.family == 0 ? 6 : settings_.family, settings_.family == 0 ? 4 : 0};
    for (int f : families)
        if (f != 0)
            (f == 6 ? e->v6 : e->v4).asked = true;
    for (int f : families)
        if (f != 0)
            resolver().lookup(host, f, [this, host, e, f](const ares_answer& a) {
                answer(host, e, f, a.status, a.addresses);
            });
}

void dns_cache::answer(const std::string& host,
                       const std::shared_ptr<entry>& e,
                       int family,
                       int status,
                       const std::vector<net::ip::address>& addresses)
{
    if (e->done)
        return;
    auto& slot = family == 6 ? e->v6 : e->v4;
    slot.answered = true;
    slot.status = status;
    for (const auto& a : addresses)
        if (family == 6 ? a.is_v6() : a.is_v4())
            slot.addresses.push_back(a);
    if (family == 4 && !slot.addresses.empty() && e->v6.asked && !e->v6.answered)
        e->v4_at = std::chrono::steady_clock::now();
    ++e->version;
    if (e->all_answered())
        finish(host, e);
    e->changed.cancel();
}

void dns_cache::finish(const std::string& host, const std::shared_ptr<entry>& e)
{
    e->addresses = e->v6.addresses;
    e->addresses.insert(e->addresses.end(), e->v4.addresses.begin(), e->v4.addresses.end());
    int status = ARES_SUCCESS;
    if (e->addresses.empty())
    {
        // No such name beats "no address of this family"; any other failure beats both.
        status = ARES_ENODATA;
        for (const auto* f : {&e->v6, &e->v4})
            if (f->answered && f->status == ARES_ENOTFOUND)
                status = ARES_ENOTFOUND;
        for (const auto* f : {&e->v6, &e->v4})
            if (f->answered && f->status != ARES_SUCCESS && f->status != ARES_ENODATA &&
                f->status != ARES_ENOTFOUND)
                status = f->status;
    }
    e->ec = dns_error(status);
    if (!e->ec && e->addresses.empty())
        e->ec = errc::dns_no_address;
    e->expires = settings_.now() + settings_.ttl;
    e->done = true;
    ++e->version;
    e->changed.cancel();
    if (!dns_cacheable(status))
        if (auto it = entries_.find(host); it != entries_.end() && it->second == e)
            entries_.erase(it);
}

net::awaitable<void> dns_cache::wait_for(entry& e, std::chrono::steady_clock::time_point until)
{
    const auto seen = e.version;
    // The channel runs only while someone waits, so abandoned queries never hold the run open.
    if (waiting_++ == 0)
        resolver().drive(true);  // may answer at once with what arrived while nobody drove
    if (e.version == seen)
    {
        net::steady_timer limit(ex_, until);
        co_await (e.changed.async_wait(token) || limit.async_wait(token));
    }
    if (--waiting_ == 0)
        resolver().drive(false);
}

net::awaitable<resolved> dns_cache::resolve(std::string host,
                                            std::uint16_t port,
                                            std::chrono::steady_clock::time_point deadline)
{
    boost::system::error_code parse_ec;
    auto address = net::ip::make_address(host, parse_ec);
    if (!parse_ec)
        co_return resolved{{}, {tcp::endpoint(address, port)}, false, nullptr};
    if (auto pin = pins_.find(host + ":" + std::to_string(port)); pin != pins_.end())
        co_return resolved{{}, {tcp::endpoint(pin->second, port)}, false, nullptr};

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

    while (!e->ready(settings_.resolution_delay) && std::chrono::steady_clock::now() < deadline)
    {
        waited = true;
        auto until = deadline;
        if (!e->v4.addresses.empty())
            until = std::min(until, e->v4_at + settings_.resolution_delay);
        co_await wait_for(*e, until);
    }
    // The queries go on for whoever else waits, and their answer is still cached when it comes.
    if (!e->ready(settings_.resolution_delay))
        co_return resolved{errc::dns_timeout, {}, true, nullptr};
    resolved out{e->ec, {}, waited, nullptr};
    const auto& addresses = e->done ? e->addresses
                                    : (e->v6.addresses.empty() ? e->v4.addresses : e->v6.addresses);
    for (const auto& a : addresses)
        out.endpoints.emplace_back(a, port);
    if (!e->done)
        out.rest = e;
    co_return out;
}

net::awaitable<std::vector<tcp::endpoint>> dns_cache::resolve_rest(
    const resolved& early,
    std::uint16_t port,
    std::chrono::steady_clock::time_point deadline)
{
    // Cancelled when the connect no longer needs the rest: that is an answer too, not an exception.
    co_await net::this_coro::throw_if_cancelled(false);
    std::vector<tcp::endpoint> out;
    auto e = std::static_pointer_cast<entry>(early.rest);
    if (!e)
        co_return out;
    while (!e->done && std::chrono::steady_clock::now() < deadline)
    {
        co_await wait_for(*e, deadline);
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none)
            co_return out;
    }
    for (const auto& a : e->done ? e->addresses : std::vector<net::ip::address>{})
    {
        tcp::endpoint ep(a, port);
        if (std::find(early.endpoints.begin(), early.endpoints.end(), ep) == early.endpoints.end())
            out.push_back(ep);
    }
    co_return out;
}

}  // namespace asyncfetch::detail
