// A real peer: Debian's nginx on loopback serving 200 files, fetched over a kept-alive pool.
#include "real_peer.hpp"
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
using test::file_name;
using test::file_sizes;
using test::pick_free_port;
using test::port_accepts;
using test::run_urls;
using test::slurp;
namespace fs = std::filesystem;

constexpr const char* nginx_path = "/usr/sbin/nginx";
constexpr std::size_t concurrency = 16;
constexpr std::size_t file_count = 200;

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

        sizes_ = file_sizes(file_count);
        if (!test::write_files(dir_ / "www", sizes_))
        {
            setup_error_ = "cannot write the files under " + (dir_ / "www").string();
            return;
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
        if (auto error = peer_.start(
                {nginx_path, "-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/error.log"},
                port_,
                d + "/stdout.log");
            !error.empty())
            setup_error_ = error + "\n" + logs();
    }

    static void TearDownTestSuite()
    {
        peer_.stop();
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
    static inline test::spawned_peer peer_;
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
