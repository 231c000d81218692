// The run's DNS cache: one lookup per host and port, shared by every fetch that needs it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace asyncfetch::detail {

/// Addresses of a host, or why there are none.
struct resolved
{
    boost::system::error_code ec;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

/// Resolves host names once per run. Concurrent lookups of one name wait for the first.
/// Successful and definitive failures are cached; timeouts are not.
class dns_cache
{
public:
    /// family: 4 or 6 keeps only that address family, 0 keeps both.
    explicit dns_cache(boost::asio::any_io_executor ex, int family = 0);

    /// Pins host:port to an address (--resolve); later lookups of it never reach the resolver.
    void pin(const std::string& host, std::uint16_t port, const boost::asio::ip::address& address);
    ~dns_cache();

    /// Resolves host:port before deadline. IP literals never reach the resolver.
    boost::asio::awaitable<resolved> resolve(std::string host,
                                             std::uint16_t port,
                                             std::chrono::steady_clock::time_point deadline);

    /// Lookups that went to the system resolver.
    std::size_t lookups() const noexcept { return lookups_; }

private:
    struct entry;
    boost::asio::any_io_executor ex_;
    int family_ = 0;
    std::unordered_map<std::string, std::shared_ptr<entry>> entries_;
    std::size_t lookups_ = 0;
};

}  // namespace asyncfetch::detail
