// A real peer: Debian's nginx on loopback serving 200 files, fetched over a kept-alive pool.
#include "test_support.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::config_with;
using test::run_urls;
namespace fs = std::filesystem;

constexpr const char* nginx_path = "/usr/sbin/nginx";
constexpr std::size_t file_count = 200;
constexpr std::size_t concurrency = 16;

std::string slurp(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// A free loopback port: bound, read back and released (nginx binds it right after).
std::uint16_t pick_free_port()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

bool port_accepts(std::uint16_t port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

// Deterministic sizes from 0 to ~300 KB, with the edge cases 0, 1 and 65536 pinned.
std::vector<std::size_t> file_sizes()
{
    std::vector<std::size_t> sizes(file_count);
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state] {
        // xorshift64: the same sequence on every platform and standard library.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (auto& s : sizes)
    {
        const std::uint64_t r = next();
        // One file in four is large, the rest small, as on a typical site.
        s = r % 4 == 0 ? static_cast<std::size_t>(next() % 300'001)
                       : static_cast<std::size_t>(next() % 4'097);
    }
    sizes[0] = 0;
    sizes[1] = 1;
    sizes[2] = 65536;
    sizes[3] = 300'000;
    sizes[100] = 0;
    sizes[150] = 65536;
    return sizes;
}

std::string file_name(std::size_t i)
{
    std::string n = std::to_string(i);
    return "f" + std::string(3 - std::min<std::size_t>(3, n.size()), '0') + n + ".bin";
}

class nginx : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        skip_reason_.clear();
        setup_error_.clear();
        if (access(nginx_path, X_OK) != 0)
        {
            skip_reason_ = std::string(nginx_path) +
                           " not found: install nginx-light (scripts/test.sh does) to run the nginx tests";
            return;
        }

        char tmpl[] = "/tmp/asyncfetch-nginx-XXXXXX";
        if (mkdtemp(tmpl) == nullptr)
        {
            setup_error_ = "mkdtemp failed";
            return;
        }
        dir_ = tmpl;

        sizes_ = file_sizes();
        fs::create_directory(dir_ / "www");
        for (std::size_t i = 0; i < sizes_.size(); ++i)
        {
            std::string body(sizes_[i], '\0');
            for (std::size_t j = 0; j < body.size(); ++j)
                body[j] = static_cast<char>('a' + (i + j) % 26);
            std::ofstream f(dir_ / "www" / file_name(i), std::ios::binary);
            f << body;
            if (!f)
            {
                setup_error_ = "cannot write " + (dir_ / "www" / file_name(i)).string();
                return;
            }
        }

        port_ = pick_free_port();
        if (port_ == 0)
        {
            setup_error_ = "cannot find a free loopback port";
            return;
        }
        const std::string d = dir_.string();
        std::ostringstream conf;
        // Workers would run as nobody and could not read the 0700 temp dir.
        if (geteuid() == 0)
            conf << "user root;\n";
        conf << "daemon off;\n"
             << "master_process on;\n"
             << "worker_processes 1;\n"
             << "pid " << d << "/nginx.pid;\n"
             << "error_log " << d << "/error.log;\n"
             << "events {}\n"
             << "http {\n"
             << "    access_log off;\n"
             << "    keepalive_requests 10000;\n"
             << "    client_body_temp_path " << d << "/client_body;\n"
             << "    proxy_temp_path " << d << "/proxy;\n"
             << "    fastcgi_temp_path " << d << "/fastcgi;\n"
             << "    uwsgi_temp_path " << d << "/uwsgi;\n"
             << "    scgi_temp_path " << d << "/scgi;\n"
             << "    server {\n"
             << "        listen 127.0.0.1:" << port_ << ";\n"
             << "        root " << d << "/www;\n"
             << "    }\n"
             << "}\n";
        {
            std::ofstream f(dir_ / "nginx.conf");
            f << conf.str();
        }

        // nginx's own stdout and stderr go to a file for the failure message.
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        const std::string out_log = d + "/stdout.log";
        posix_spawn_file_actions_addopen(&actions, 1, out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        const int rc = test::spawn(
            {nginx_path, "-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/error.log"},
            actions,
            pid_);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0)
        {
            pid_ = 0;
            setup_error_ = "posix_spawn of nginx failed: " + std::string(std::strerror(rc));
            return;
        }

        // Bounded polling: nginx gives no other sign of readiness.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!port_accepts(port_))
        {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_)
            {
                pid_ = 0;
                setup_error_ = "nginx exited early (" +
                               (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                  : "signal " + std::to_string(WTERMSIG(status))) +
                               ")\n" + logs();
                return;
            }
            if (std::chrono::steady_clock::now() > deadline)
            {
                setup_error_ = "nginx did not accept on port " + std::to_string(port_) + " within 5 s\n" +
                               logs();
                return;
            }
            usleep(20'000);
        }
    }

    static void TearDownTestSuite()
    {
        if (pid_ > 0)
        {
            // SIGTERM is nginx's fast shutdown; SIGKILL only if it hangs.
            kill(pid_, SIGTERM);
            int status = 0;
            bool reaped = false;
            for (int waited_ms = 0; waited_ms < 5000 && !reaped; waited_ms += 10)
            {
                reaped = waitpid(pid_, &status, WNOHANG) == pid_;
                if (!reaped)
                    usleep(10'000);
            }
            if (!reaped)
            {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
            }
            pid_ = 0;
        }
        if (!dir_.empty())
        {
            std::error_code ec;
            fs::remove_all(dir_, ec);
            dir_.clear();
        }
    }

    void SetUp() override
    {
        if (!skip_reason_.empty())
            GTEST_SKIP() << skip_reason_;
        ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    }

    static std::string logs()
    {
        return "error.log:\n" + slurp(dir_ / "error.log") + "stdout/stderr:\n" + slurp(dir_ / "stdout.log");
    }

    static std::string url_of(const std::string& path)
    {
        return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
    }

    static inline std::string skip_reason_;
    static inline std::string setup_error_;
    static inline fs::path dir_;
    static inline std::vector<std::size_t> sizes_;
    static inline std::uint16_t port_ = 0;
    static inline pid_t pid_ = 0;
};

TEST_F(nginx, two_hundred_files_over_a_pool_of_sixteen_connections)
{
    std::vector<std::string> urls;
    for (std::size_t i = 0; i < sizes_.size(); ++i)
        urls.push_back(url_of(file_name(i)));

    const auto run = run_urls(urls, config_with(concurrency));

    ASSERT_EQ(run.results.size(), file_count);
    for (std::size_t i = 0; i < run.results.size(); ++i)
    {
        const auto& r = run.results[i];
        SCOPED_TRACE(r.url);
        EXPECT_EQ(r.index, i);
        EXPECT_EQ(r.url, urls[i]);
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.bytes, sizes_[i]);
    }
    const auto& s = run.summary;
    EXPECT_EQ(s.count, file_count);
    EXPECT_EQ(s.ok, file_count);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_EQ(s.bytes, std::accumulate(sizes_.begin(), sizes_.end(), std::uint64_t{0}));
    EXPECT_LE(s.connections_opened, concurrency);
    EXPECT_GE(s.connections_reused, file_count - concurrency);
    const auto reused = std::count_if(run.results.begin(), run.results.end(), [](const auto& r) {
        return r.reused;
    });
    EXPECT_EQ(static_cast<std::size_t>(reused), s.connections_reused);
    EXPECT_EQ(s.connections_opened + s.connections_reused, file_count) << logs();
}

TEST_F(nginx, missing_file_is_a_404_result_not_a_failure)
{
    const auto run = run_urls({url_of("no-such-file.bin"), url_of(file_name(2))}, config_with(1));

    ASSERT_EQ(run.results.size(), 2u);
    const auto& missing = run.results[0];
    EXPECT_EQ(missing.status, 404u);
    EXPECT_TRUE(missing.ok()) << missing.error;
    EXPECT_GT(missing.bytes, 0u) << "nginx sends an HTML error page";
    // The 404 did not cost the connection: the next request reuses it.
    EXPECT_EQ(run.results[1].status, 200u);
    EXPECT_EQ(run.results[1].bytes, sizes_[2]);
    EXPECT_TRUE(run.results[1].reused);
    EXPECT_EQ(run.summary.failed, 0u);
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nginx, missing_file_with_fail_is_an_http_failure)
{
    auto cfg = config_with(1);
    cfg.client.fail = true;
    const auto run = run_urls({url_of("no-such-file.bin")}, cfg);

    ASSERT_EQ(run.results.size(), 1u);
    const auto& r = run.results[0];
    EXPECT_EQ(r.status, 404u);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.kind, error_kind::http);
    EXPECT_EQ(run.summary.failed, 1u);
}

}  // namespace
}  // namespace asyncfetch
