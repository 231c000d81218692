// The run's DNS cache: one lookup per host name at a time, shared by every fetch that needs it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace asyncfetch::detail {

class ares_resolver;

/// Addresses of a host, or why there are none.
struct resolved
{
    boost::system::error_code ec;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    bool waited = false;  ///< a lookup was waited for (false: IP literal, --resolve or cache)
    /// Set when only one address family has answered so far (RFC 8305 section 3): connecting may
    /// start, and dns_cache::resolve_rest() gives the other family's addresses when they come.
    std::shared_ptr<void> rest;
};

/// How the cache resolves and how long it keeps answers.
struct dns_settings
{
    int family = 0;                ///< 4 or 6 keeps only that address family, 0 keeps both
    std::string servers;           ///< "ADDR[:PORT],..." instead of the system's servers; empty: system
    std::chrono::seconds ttl{60};  ///< how long an answer is reused (curl's default)
    /// With both families asked: how long an IPv4 answer waits for the IPv6 one before connecting
    /// starts with it (RFC 8305's Resolution Delay). An IPv6 answer never waits.
    std::chrono::milliseconds resolution_delay{50};
    /// The clock answers expire by (tests set their own).
    std::function<std::chrono::steady_clock::time_point()> now = [] {
        return std::chrono::steady_clock::now();
    };
};

/// Resolves host names through c-ares, many at once. A and AAAA are two queries, so connecting can
/// start on the first family's answer. Concurrent lookups of one name share its queries. Addresses
/// and definitive negative answers (no such name, no address) are kept for settings.ttl; other
/// failures and timeouts are not kept.
class dns_cache
{
public:
    explicit dns_cache(boost::asio::any_io_executor ex, dns_settings settings = {});
    ~dns_cache();
    dns_cache(const dns_cache&) = delete;
    dns_cache& operator=(const dns_cache&) = delete;

    /// Pins host:port to an address (--resolve); later lookups of it never reach the resolver.
    void pin(const std::string& host, std::uint16_t port, const boost::asio::ip::address& address);

    /// Resolves host:port before deadline, which bounds the wait whatever the query underneath
    /// does (errc::dns_timeout). IP literals never reach the resolver. Returns once every family
    /// has answered, or early with `rest` set: at once when IPv6 addresses came first, after the
    /// resolution delay when IPv4 addresses came first.
    boost::asio::awaitable<resolved> resolve(std::string host,
                                             std::uint16_t port,
                                             std::chrono::steady_clock::time_point deadline);

    /// The addresses of an early answer's other family (empty when it has none, or when deadline
    /// comes first). Cancellable: a connect that no longer needs them stops waiting.
    boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve_rest(
        const resolved& early,
        std::uint16_t port,
        std::chrono::steady_clock::time_point deadline);

    /// Queries sent to the resolver (cache hits and shared queries not counted).
    std::size_t lookups() const noexcept { return lookups_; }

private:
    struct entry;
    void start(const std::string& host, const std::shared_ptr<entry>& e);
    void answer(const std::string& host,
                const std::shared_ptr<entry>& e,
                int family,
                int status,
                const std::vector<boost::asio::ip::address>& addresses);
    void finish(const std::string& host, const std::shared_ptr<entry>& e);
    /// Waits until e changes or until `until`, driving the channel meanwhile.
    boost::asio::awaitable<void> wait_for(entry& e, std::chrono::steady_clock::time_point until);
    ares_resolver& resolver();

    boost::asio::any_io_executor ex_;
    dns_settings settings_;
    std::unordered_map<std::string, std::shared_ptr<entry>> entries_;  // by host name
    std::unordered_map<std::string, boost::asio::ip::address> pins_;   // by host:port
    std::unique_ptr<ares_resolver> resolver_;                          // made at the first lookup
    std::size_t lookups_ = 0;
    std::size_t waiting_ = 0;  // fetches waiting for an answer: the channel is driven while > 0
};

/// The error for a c-ares status (ARES_SUCCESS gives none).
boost::system::error_code dns_error(int ares_status);

/// Whether an answer with this c-ares status is definitive and kept in the cache.
bool dns_cacheable(int ares_status) noexcept;

}  // namespace asyncfetch::detail
