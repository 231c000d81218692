// c-ares on Asio: socket-state callback -> descriptor waits -> ares_process_fd; one timer for ares_timeout.
#include "ares_resolver.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <ares.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace asyncfetch::detail {

namespace net = boost::asio;

namespace {

/// One socket of the channel and the waits on it.
struct ares_socket
{
    ares_socket(const net::any_io_executor& ex, int fd) : descriptor(ex, fd) {}

    net::posix::stream_descriptor descriptor;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;  // a read wait is pending
    bool writing = false;
    bool closed = false;  // c-ares closed it: never touch the descriptor again
};

void library_init()
{
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

boost::system::system_error ares_error(int status, const char* what)
{
    return boost::system::system_error(boost::system::error_code(EINVAL, boost::system::generic_category()),
                                       std::string(what) + ": " + ares_strerror(status));
}

}  // namespace

struct ares_resolver::state : std::enable_shared_from_this<state>
{
    explicit state(net::any_io_executor e) : ex(e), timer(e) {}

    net::any_io_executor ex;
    ares_channel channel = nullptr;
    ares_channel hosts = nullptr;  // /etc/hosts only: it never opens a socket
    net::steady_timer timer;
    std::unordered_map<int, std::shared_ptr<ares_socket>> sockets;
    bool driving = false;
    bool destroyed = false;

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable)
    {
        auto* self = static_cast<state*>(data);
        auto it = self->sockets.find(fd);
        if (!readable && !writable)
        {
            // c-ares closes the socket right after this: let go of it without closing it.
            if (it != self->sockets.end())
            {
                auto s = std::move(it->second);
                self->sockets.erase(it);
                s->closed = true;
                release(*s);
            }
            return;
        }
        if (it == self->sockets.end())
            it = self->sockets.emplace(fd, std::make_shared<ares_socket>(self->ex, fd)).first;
        it->second->want_read = readable != 0;
        it->second->want_write = writable != 0;
        self->arm(it->second);
    }

    static void release(ares_socket& s)
    {
        if (s.descriptor.is_open())
            s.descriptor.release();  // cancels its waits; their handlers see closed
    }

    void arm(const std::shared_ptr<ares_socket>& s)
    {
        if (destroyed || !driving || s->closed)
            return;
        if (s->want_read && !s->reading)
        {
            s->reading = true;
            s->descriptor.async_wait(net::posix::descriptor_base::wait_read,
                                     [self = shared_from_this(), s](boost::system::error_code ec) {
                                         s->reading = false;
                                         self->ready(s, ec, true);
                                     });
        }
        if (s->want_write && !s->writing)
        {
            s->writing = true;
            s->descriptor.async_wait(net::posix::descriptor_base::wait_write,
                                     [self = shared_from_this(), s](boost::system::error_code ec) {
                                         s->writing = false;
                                         self->ready(s, ec, false);
                                     });
        }
    }

    void ready(const std::shared_ptr<ares_socket>& s, boost::system::error_code ec, bool read)
    {
        if (destroyed || s->closed)
            return;
        if (!ec && driving)
        {
            const int fd = s->descriptor.native_handle();
            ares_process_fd(channel, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
            schedule();
        }
        arm(s);
    }

    /// Sets the timer to c-ares's next retry or timeout, or stops it when no query is pending.
    void schedule()
    {
        if (destroyed)
            return;
        timeval tv{};
        if (!driving || !ares_timeout(channel, nullptr, &tv))
        {
            timer.cancel();
            return;
        }
        timer.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->destroyed || !self->driving)
                return;
            ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            self->schedule();
        });
    }
};

namespace {

struct query
{
    ares_resolver::callback done;
    std::weak_ptr<ares_resolver::state> owner;
};

void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* ai)
{
    std::unique_ptr<query> q(static_cast<query*>(arg));
    ares_answer answer{status, {}};
    if (ai)
    {
        for (auto* node = ai->nodes; node; node = node->ai_next)
        {
            if (node->ai_family == AF_INET)
            {
                const auto* sin = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
                net::ip::address_v4::bytes_type b;
                std::memcpy(b.data(), &sin->sin_addr, b.size());
                answer.addresses.emplace_back(net::ip::address_v4(b));
            }
            else if (node->ai_family == AF_INET6)
            {
                const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
                net::ip::address_v6::bytes_type b;
                std::memcpy(b.data(), &sin6->sin6_addr, b.size());
                answer.addresses.emplace_back(net::ip::address_v6(b, sin6->sin6_scope_id));
            }
        }
        ares_freeaddrinfo(ai);
    }
    // The channel is being destroyed with its owner: nobody is left to tell.
    auto owner = q->owner.lock();
    if (status == ARES_EDESTRUCTION || !owner || owner->destroyed)
        return;
    q->done(std::move(answer));
}

}  // namespace

ares_resolver::ares_resolver(net::any_io_executor ex, const std::string& servers_csv)
    : s_(std::make_shared<state>(std::move(ex)))
{
    library_init();
    ares_options opts{};
    opts.sock_state_cb = &state::on_socket_state;
    opts.sock_state_cb_data = s_.get();
    static char lookups[] = "fb";  // /etc/hosts first, then DNS, as getaddrinfo does
    opts.lookups = lookups;
    if (int rc = ares_init_options(&s_->channel, &opts, ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS);
        rc != ARES_SUCCESS)
        throw ares_error(rc, "cannot start the DNS resolver");
    static char file_only[] = "f";
    ares_options hosts_opts{};
    hosts_opts.lookups = file_only;
    if (int rc = ares_init_options(&s_->hosts, &hosts_opts, ARES_OPT_LOOKUPS); rc != ARES_SUCCESS)
    {
        ares_destroy(s_->channel);
        s_->channel = nullptr;
        throw ares_error(rc, "cannot start the DNS resolver");
    }
    if (!servers_csv.empty())
    {
        if (int rc = ares_set_servers_ports_csv(s_->channel, servers_csv.c_str()); rc != ARES_SUCCESS)
        {
            ares_destroy(s_->channel);
            s_->channel = nullptr;
            ares_destroy(s_->hosts);
            s_->hosts = nullptr;
            throw ares_error(rc, "invalid DNS server list");
        }
    }
}

ares_resolver::~ares_resolver()
{
    s_->destroyed = true;
    s_->timer.cancel();
    // Asio lets go of every descriptor first; ares_destroy then closes each socket exactly once.
    for (auto& [fd, s] : s_->sockets)
    {
        s->closed = true;
        state::release(*s);
    }
    s_->sockets.clear();
    if (s_->channel)
        ares_destroy(s_->channel);
    s_->channel = nullptr;
    if (s_->hosts)
        ares_destroy(s_->hosts);
    s_->hosts = nullptr;
}

void ares_resolver::lookup(const std::string& host, int family, callback done)
{
    ares_addrinfo_hints hints{};
    hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    auto* q = new query{std::move(done), s_};
    ares_getaddrinfo(s_->channel, host.c_str(), nullptr, &hints, &on_addrinfo, q);
    s_->schedule();
}

std::optional<ares_answer> ares_resolver::lookup_hosts(const std::string& host, int family)
{
    ares_addrinfo_hints hints{};
    hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    // A file lookup answers before ares_getaddrinfo returns; the holder outlives a late one anyway.
    auto answered = std::make_shared<std::optional<ares_answer>>();
    auto* q = new query{[answered](const ares_answer& a) { *answered = a; }, s_};
    ares_getaddrinfo(s_->hosts, host.c_str(), nullptr, &hints, &on_addrinfo, q);
    if (!*answered || (*answered)->status != ARES_SUCCESS || (*answered)->addresses.empty())
        return std::nullopt;
    return std::move(*answered);
}

void ares_resolver::drive(bool on)
{
    if (on == s_->driving || s_->destroyed)
        return;
    s_->driving = on;
    if (!on)
    {
        s_->timer.cancel();
        for (auto& [fd, s] : s_->sockets)
        {
            boost::system::error_code ignored;
            s->descriptor.cancel(ignored);
        }
        return;
    }
    // Whatever arrived or timed out while nobody was driving is handled now.
    ares_process_fd(s_->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    for (auto& [fd, s] : s_->sockets)
        s_->arm(s);
    s_->schedule();
}

std::string ares_resolver::status_text(int status) { return ares_strerror(status); }

}  // namespace asyncfetch::detail
