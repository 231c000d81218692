// The run's c-ares channel (/etc/hosts, then DNS), driven single-threaded by the run's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch::detail {

/// What one lookup found: a c-ares status (ARES_SUCCESS, ARES_ENOTFOUND, ...) and the addresses.
struct ares_answer
{
    int status = 0;
    std::vector<boost::asio::ip::address> addresses;
};

/// One c-ares channel: /etc/hosts first, then DNS (the system's servers, or servers_csv).
class ares_resolver
{
public:
    using callback = std::function<void(ares_answer)>;

    /// servers_csv: "ADDR[:PORT],..." replacing the system's servers; empty keeps them. Throws
    /// boost::system::system_error when the channel cannot be made or the list is refused.
    ares_resolver(boost::asio::any_io_executor ex, const std::string& servers_csv);
    ~ares_resolver();
    ares_resolver(const ares_resolver&) = delete;
    ares_resolver& operator=(const ares_resolver&) = delete;

    /// Looks host up (family: 4, 6, or 0 for both, A and AAAA asked in parallel). done runs once,
    /// possibly before lookup() returns (a name from /etc/hosts), never after the resolver is gone.
    void lookup(const std::string& host, int family, callback done);

    /// The name's addresses from /etc/hosts alone (family as for lookup()), answered at once; nullopt
    /// when the file does not list it. getaddrinfo answers such a name from the file with whatever
    /// families it lists, and never asks DNS for the others.
    std::optional<ares_answer> lookup_hosts(const std::string& host, int family);

    /// While nobody waits for an answer the channel is not driven, so its sockets and timer keep no
    /// io_context running; queries still in flight go on when it is driven again.
    void drive(bool on);

    /// The c-ares text for a status.
    static std::string status_text(int status);

    struct state;

private:
    std::shared_ptr<state> s_;
};

}  // namespace asyncfetch::detail
