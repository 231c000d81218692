// In private network and mount namespaces: Happy Eyeballs past a black-holed ::1, the system resolver.
#include "asyncfetch/testbed.hpp"
#include "fake_dns_server.hpp"
#include "test_support.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

namespace asyncfetch {
namespace {

using test::config_with;
using test::dns_rule;
using test::fake_dns_server;
using test::run_urls;
using namespace std::chrono_literals;

// Each test runs in a forked child and skips where namespaces cannot be made (not root) or nft is missing.
constexpr int skip_no_namespace = 77;
constexpr int skip_no_nft = 78;

/// Brings the loopback interface of the current network namespace up.
bool loopback_up()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    if (fd >= 0)
        ::close(fd);
    return ok;
}

/// Runs body in a forked child inside new namespaces (flags for unshare); the child writes what it
/// saw to the returned text and exits with body's status (0 passed, 77/78 skipped, else failed).
std::pair<int, std::string> in_namespaces(int flags, const std::function<int(std::string&)>& body)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return {1, "pipe failed"};
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        ::close(fds[0]);
        std::string text;
        int code = skip_no_namespace;
        if (::unshare(flags) != 0)
            text = std::string("unshare: ") + std::strerror(errno);
        else if (!loopback_up())
            text = "cannot bring lo up";
        else
        {
            try
            {
                code = body(text);
            }
            catch (const std::exception& e)
            {
                text += std::string("exception: ") + e.what();
                code = 1;
            }
        }
        [[maybe_unused]] auto w = ::write(fds[1], text.data(), text.size());
        ::_exit(code);
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

int happy_eyeballs_body(std::string& text)
{
    testbed server;  // 127.0.0.1:P
    const auto port = server.port();
    // [::1]:P listens too, but its SYNs are dropped: a black hole, as a broken IPv6 route is.
    const int v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    sa.sin6_port = htons(port);
    if (::bind(v6, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(v6, 16) != 0)
    {
        text = "cannot listen on [::1]";
        return 1;
    }
    const std::string rules =
        "nft add table inet he_test && nft add chain inet he_test in "
        "'{ type filter hook input priority 0; }' && nft add rule inet he_test in "
        "ip6 daddr ::1 tcp dport " +
        std::to_string(port) + " tcp flags syn drop";
    if (std::system((rules + " 2>/dev/null").c_str()) != 0)
    {
        text = "nft is missing or cannot add a rule";
        return skip_no_nft;
    }
    fake_dns_server dns;
    dns_rule both;
    both.a = {"127.0.0.1"};
    both.aaaa = {"::1"};
    dns.set("dual.test", both);
    auto cfg = config_with(1);
    cfg.client.dns_servers = dns.address();
    cfg.client.connect_timeout = 5000ms;
    auto out = run_urls({"http://dual.test:" + std::to_string(port) + "/bytes/5"}, cfg);
    ::close(v6);
    const auto& r = out.results.at(0);
    char line[256];
    std::snprintf(line,
                  sizeof line,
                  "ok=%d time_ms=%.1f connect_ms=%.1f error=%s",
                  r.ok(),
                  r.time_ms,
                  r.connect_ms,
                  r.error.c_str());
    text = line;
    // IPv6 first, IPv4 250 ms later wins: about 250 ms, far from the 5 s connect timeout.
    return r.ok() && r.connect_ms >= 200 && r.time_ms < 1000 ? 0 : 1;
}

TEST(netns, black_holed_ipv6_connects_over_ipv4_in_about_the_delay)
{
    auto [code, text] = in_namespaces(CLONE_NEWNET, happy_eyeballs_body);
    if (code == skip_no_namespace)
        GTEST_SKIP() << "cannot make a private network namespace (needs root): " << text;
    if (code == skip_no_nft)
        GTEST_SKIP() << "cannot drop SYNs to ::1 in the namespace: " << text;
    EXPECT_EQ(code, 0) << text;
    std::printf("%s\n", text.c_str());
}

int system_resolver_body(std::string& text)
{
    // A private mount namespace, so /etc/resolv.conf can point at the fake server on port 53.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    {
        text = std::string("mount --make-rprivate /: ") + std::strerror(errno);
        return skip_no_namespace;
    }
    char path[] = "/tmp/asyncfetch-resolv-XXXXXX";
    const int fd = ::mkstemp(path);
    const std::string conf = "nameserver 127.0.0.1\noptions timeout:5 attempts:1\n";
    if (fd < 0 || ::write(fd, conf.data(), conf.size()) != static_cast<ssize_t>(conf.size()))
    {
        text = "cannot write a resolv.conf";
        return 1;
    }
    ::close(fd);
    const bool bound = ::mount(path, "/etc/resolv.conf", nullptr, MS_BIND, nullptr) == 0;
    ::unlink(path);
    if (!bound)
    {
        text = std::string("bind mount over /etc/resolv.conf: ") + std::strerror(errno);
        return skip_no_namespace;
    }
    fake_dns_server dns(53);
    testbed server;
    std::vector<std::string> urls;
    for (int i = 0; i < 20; ++i)
    {
        dns_rule r;
        r.a = {"127.0.0.1"};
        r.delay = 300ms;
        dns.set("sys" + std::to_string(i) + ".test", r);
        urls.push_back("http://sys" + std::to_string(i) + ".test:" + std::to_string(server.port()) +
                       "/bytes/2");
    }
    const auto t = std::chrono::steady_clock::now();
    auto out = run_urls(urls, config_with(50));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    std::size_t ok = 0;
    for (const auto& r : out.results)
        ok += r.ok();
    char line[256];
    std::snprintf(line,
                  sizeof line,
                  "%zu of 20 ok in %.0f ms; first error: %s",
                  ok,
                  ms,
                  out.results.empty() ? "" : out.results[0].error.c_str());
    text = line;
    // 20 lookups of 300 ms: about 300 ms in parallel, 6 s one after another.
    return ok == 20 && ms < 2000 ? 0 : 1;
}

TEST(netns, system_resolver_lookups_run_in_parallel)
{
    auto [code, text] = in_namespaces(CLONE_NEWNET | CLONE_NEWNS, system_resolver_body);
    if (code == skip_no_namespace)
        GTEST_SKIP() << "cannot make private network and mount namespaces (needs root): " << text;
    EXPECT_EQ(code, 0) << text;
    std::printf("%s\n", text.c_str());
}

}  // namespace
}  // namespace asyncfetch
