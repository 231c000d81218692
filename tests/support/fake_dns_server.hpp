// A fake DNS server for the tests (UDP and TCP on 127.0.0.1, one thread), answering by per-name rules.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asyncfetch::test {

/// How the fake server answers one name: a delay, A and AAAA lists, NXDOMAIN, SERVFAIL, silence,
/// garbage or truncation. Names without a rule are NXDOMAIN.
struct dns_rule
{
    enum class kind
    {
        answer,    ///< the addresses below (none of a type: an empty NOERROR answer)
        nxdomain,  ///< the name does not exist
        servfail,  ///< server failure
        silent,    ///< never answers
        garbage,   ///< a reply with the right id and question, then bytes that are no record
        truncated  ///< over UDP only the TC bit, so the resolver asks again over TCP
    };
    kind what = kind::answer;
    std::chrono::milliseconds delay{0};  ///< before a UDP answer is sent
    /// Before a UDP answer to an AAAA question, when it differs from delay (negative: delay).
    std::chrono::milliseconds aaaa_delay{-1};
    std::vector<std::string> a;     ///< IPv4 addresses
    std::vector<std::string> aaaa;  ///< IPv6 addresses
};

/// The server. Lives at most max_life (a stuck test cannot keep it running); the destructor stops it.
class fake_dns_server
{
public:
    /// port 0: any free port (the same for UDP and TCP).
    explicit fake_dns_server(std::uint16_t port = 0,
                             std::chrono::seconds max_life = std::chrono::seconds(120))
        : until_(std::chrono::steady_clock::now() + max_life)
    {
        udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // The TCP listener needs the UDP socket's port: retry with a new one if it is taken.
        for (int tries = 0; tries < 20 && tcp_ < 0; ++tries)
        {
            sa.sin_port = htons(port);
            if (::bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
                throw std::runtime_error("fake_dns_server: bind");
            socklen_t len = sizeof sa;
            ::getsockname(udp_, reinterpret_cast<sockaddr*>(&sa), &len);
            port_ = ntohs(sa.sin_port);
            tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (::bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && ::listen(tcp_, 64) == 0)
                break;
            ::close(tcp_);
            tcp_ = -1;
            ::close(udp_);
            udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        }
        if (tcp_ < 0)
            throw std::runtime_error("fake_dns_server: no port free for UDP and TCP");
        thread_ = std::thread([this] { run(); });
    }

    ~fake_dns_server()
    {
        stop_ = true;
        thread_.join();
        ::close(udp_);
        ::close(tcp_);
    }

    fake_dns_server(const fake_dns_server&) = delete;
    fake_dns_server& operator=(const fake_dns_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// "127.0.0.1:PORT", for --dns-servers.
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    /// Sets the rule for name (any case).
    void set(const std::string& name, dns_rule rule)
    {
        std::lock_guard lock(mutex_);
        rules_[lower(name)] = std::move(rule);
    }

    /// Questions received for name, over UDP and TCP, A and AAAA each counted.
    std::size_t queries(const std::string& name) const
    {
        std::lock_guard lock(mutex_);
        auto it = counts_.find(lower(name));
        return it == counts_.end() ? 0 : it->second;
    }

private:
    struct pending
    {
        std::chrono::steady_clock::time_point due;
        std::vector<std::uint8_t> bytes;
        sockaddr_in to{};
    };

    static std::string lower(std::string s)
    {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    }

    static void put16(std::vector<std::uint8_t>& out, unsigned v)
    {
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v & 0xff));
    }

    /// The reply to query q (empty: none), and its delay; tcp: asked over TCP.
    std::vector<std::uint8_t> reply_to(const std::vector<std::uint8_t>& q,
                                       bool tcp,
                                       std::chrono::milliseconds& delay)
    {
        if (q.size() < 12 + 5)
            return {};
        // The question: labels up to the root, then type and class.
        std::size_t i = 12;
        std::string name;
        while (i < q.size() && q[i] != 0)
        {
            const std::size_t n = q[i];
            if (n > 63 || i + 1 + n > q.size())
                return {};
            if (!name.empty())
                name += '.';
            name.append(reinterpret_cast<const char*>(&q[i + 1]), n);
            i += 1 + n;
        }
        if (i + 5 > q.size())
            return {};
        const std::size_t question_end = i + 5;
        const unsigned qtype = (q[i + 1] << 8) | q[i + 2];
        dns_rule rule;
        rule.what = dns_rule::kind::nxdomain;
        {
            std::lock_guard lock(mutex_);
            ++counts_[lower(name)];
            if (auto it = rules_.find(lower(name)); it != rules_.end())
                rule = it->second;
        }
        delay = qtype == 28 && rule.aaaa_delay.count() >= 0 ? rule.aaaa_delay : rule.delay;
        if (rule.what == dns_rule::kind::silent)
            return {};
        std::vector<std::uint8_t> out(q.begin(), q.begin() + question_end);
        unsigned rcode = 0;
        if (rule.what == dns_rule::kind::nxdomain)
            rcode = 3;
        else if (rule.what == dns_rule::kind::servfail)
            rcode = 2;
        const bool tc = rule.what == dns_rule::kind::truncated && !tcp;
        out[2] = static_cast<std::uint8_t>(0x80 | (q[2] & 0x01) | (tc ? 0x02 : 0));  // QR, RD as asked, TC
        out[3] = static_cast<std::uint8_t>(0x80 | rcode);                            // RA, rcode
        out[4] = 0;
        out[5] = 1;
        std::fill(out.begin() + 6, out.begin() + 12, 0);
        if (rule.what == dns_rule::kind::garbage)
        {
            out[7] = 1;  // one answer record, cut off after its type
            for (std::uint8_t b : {0xc0, 0x0c, 0x00, 0x01, 0xde, 0xad})
                out.push_back(b);
            return out;
        }
        if (rcode != 0 || tc)
            return out;
        const auto& list = qtype == 1 ? rule.a : qtype == 28 ? rule.aaaa : std::vector<std::string>{};
        out[7] = static_cast<std::uint8_t>(list.size());
        for (const auto& text : list)
        {
            std::uint8_t raw[16];
            const bool v4 = qtype == 1;
            if (::inet_pton(v4 ? AF_INET : AF_INET6, text.c_str(), raw) != 1)
                throw std::runtime_error("fake_dns_server: bad address " + text);
            put16(out, 0xc00c);  // the name: a pointer to the question
            put16(out, qtype);
            put16(out, 1);  // IN
            put16(out, 0);
            put16(out, 60);  // TTL
            put16(out, v4 ? 4 : 16);
            out.insert(out.end(), raw, raw + (v4 ? 4 : 16));
        }
        return out;
    }

    void serve_tcp(int fd)
    {
        // Queries over TCP are small and come whole on loopback: read one, answer, close.
        pollfd p{fd, POLLIN, 0};
        std::vector<std::uint8_t> in(4096);
        std::size_t got = 0;
        while (got < in.size() && ::poll(&p, 1, 1000) > 0)
        {
            const auto n = ::read(fd, in.data() + got, in.size() - got);
            if (n <= 0)
                break;
            got += static_cast<std::size_t>(n);
            if (got >= 2 && got >= 2u + ((std::size_t{in[0]} << 8) | in[1]))
                break;
        }
        if (got > 2)
        {
            std::vector<std::uint8_t> q(in.begin() + 2, in.begin() + static_cast<long>(got));
            std::chrono::milliseconds delay{0};
            auto r = reply_to(q, true, delay);
            if (!r.empty())
            {
                std::vector<std::uint8_t> framed;
                put16(framed, static_cast<unsigned>(r.size()));
                framed.insert(framed.end(), r.begin(), r.end());
                [[maybe_unused]] auto w = ::write(fd, framed.data(), framed.size());
            }
        }
        ::close(fd);
    }

    void run()
    {
        std::vector<pending> queue;
        while (!stop_ && std::chrono::steady_clock::now() < until_)
        {
            auto now = std::chrono::steady_clock::now();
            for (auto it = queue.begin(); it != queue.end();)
            {
                if (it->due > now)
                {
                    ++it;
                    continue;
                }
                ::sendto(udp_,
                         it->bytes.data(),
                         it->bytes.size(),
                         0,
                         reinterpret_cast<sockaddr*>(&it->to),
                         sizeof it->to);
                it = queue.erase(it);
            }
            int wait_ms = 20;
            for (const auto& p : queue)
                wait_ms = std::min<int>(
                    wait_ms,
                    static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(p.due - now).count()));
            pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
            if (::poll(fds, 2, std::max(wait_ms, 0)) <= 0)
                continue;
            if (fds[1].revents & POLLIN)
            {
                const int c = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0)
                    serve_tcp(c);
            }
            while (fds[0].revents & POLLIN)
            {
                std::vector<std::uint8_t> q(1500);
                pending p;
                socklen_t len = sizeof p.to;
                const auto n = ::recvfrom(udp_,
                                          q.data(),
                                          q.size(),
                                          0,
                                          reinterpret_cast<sockaddr*>(&p.to),
                                          &len);
                if (n <= 0)
                    break;
                q.resize(static_cast<std::size_t>(n));
                std::chrono::milliseconds delay{0};
                p.bytes = reply_to(q, false, delay);
                if (p.bytes.empty())
                    continue;
                p.due = std::chrono::steady_clock::now() + delay;
                queue.push_back(std::move(p));
            }
        }
    }

    std::chrono::steady_clock::time_point until_;
    int udp_ = -1;
    int tcp_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::map<std::string, dns_rule> rules_;
    std::map<std::string, std::size_t> counts_;
    std::thread thread_;
};

}  // namespace asyncfetch::test
