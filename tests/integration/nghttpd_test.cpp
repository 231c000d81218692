// A real HTTP/2 peer: Debian's nghttpd on loopback, over TLS with ALPN and over h2c, fetched with many
// streams multiplexed on one connection.
#include "asyncfetch/testbed.hpp"
#include "real_peer.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::config_with;
using test::file_name;
using test::run_urls;
namespace fs = std::filesystem;

constexpr const char* nghttpd_path = "/usr/sbin/nghttpd";
constexpr std::size_t file_count = 200;
constexpr std::size_t big_size = 5 * 1024 * 1024;  // past the 1 MiB stream window: WINDOW_UPDATEs

class nghttpd : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        skip_reason_.clear();
        setup_error_.clear();
        if (access(nghttpd_path, X_OK) != 0)
        {
            skip_reason_ = std::string(nghttpd_path) +
                           " not found: install nghttp2-server (scripts/test.sh does) to run the HTTP/2 "
                           "tests";
            return;
        }
        char tmpl[] = "/tmp/asyncfetch-nghttpd-XXXXXX";
        if (mkdtemp(tmpl) == nullptr)
        {
            setup_error_ = "mkdtemp failed";
            return;
        }
        dir_ = tmpl;
        sizes_ = test::file_sizes(file_count);
        sizes_.push_back(big_size);
        if (!test::write_files(dir_ / "www", sizes_))
        {
            setup_error_ = "cannot write the files under " + (dir_ / "www").string();
            return;
        }
        const auto cert = make_self_signed_certificate({"127.0.0.1", "localhost"});
        cert_pem_ = cert.cert_pem;
        std::ofstream(dir_ / "cert.pem") << cert.cert_pem;
        std::ofstream(dir_ / "key.pem") << cert.key_pem;

        tls_port_ = test::pick_free_port();
        h2c_port_ = test::pick_free_port();
        const std::string d = dir_.string();
        auto error = tls_.start({nghttpd_path,
                                 "-a",
                                 "127.0.0.1",
                                 "-d",
                                 d + "/www",
                                 std::to_string(tls_port_),
                                 d + "/key.pem",
                                 d + "/cert.pem"},
                                tls_port_,
                                d + "/tls.log");
        if (error.empty())
            error = h2c_.start({nghttpd_path,
                                "--no-tls",
                                "--echo-upload",
                                "-a",
                                "127.0.0.1",
                                "-d",
                                d + "/www",
                                std::to_string(h2c_port_)},
                               h2c_port_,
                               d + "/h2c.log");
        setup_error_ = error;
    }

    static void TearDownTestSuite()
    {
        tls_.stop();
        h2c_.stop();
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

    static std::vector<std::string> urls(const std::string& base, std::size_t count = file_count)
    {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < count; ++i)
            out.push_back(base + "/" + file_name(i));
        return out;
    }
    static std::string tls_base() { return "https://127.0.0.1:" + std::to_string(tls_port_); }
    static std::string h2c_base() { return "http://127.0.0.1:" + std::to_string(h2c_port_); }

    /// Every result is a 200 over HTTP/2 with its file's size.
    static void expect_all_files(const test::pass_results& run, const std::vector<std::string>& list)
    {
        ASSERT_EQ(run.results.size(), list.size());
        for (std::size_t i = 0; i < run.results.size(); ++i)
        {
            const auto& r = run.results[i];
            SCOPED_TRACE(r.url);
            EXPECT_EQ(r.url, list[i]);
            EXPECT_TRUE(r.ok()) << r.error;
            EXPECT_EQ(r.status, 200u);
            EXPECT_EQ(r.http_version, "2");
            EXPECT_EQ(r.bytes, sizes_[i]);
        }
        EXPECT_EQ(run.summary.failed, 0u);
    }

    static inline std::string skip_reason_;
    static inline std::string setup_error_;
    static inline fs::path dir_;
    static inline std::string cert_pem_;
    static inline std::vector<std::size_t> sizes_;
    static inline std::uint16_t tls_port_ = 0;
    static inline std::uint16_t h2c_port_ = 0;
    static inline test::spawned_peer tls_;
    static inline test::spawned_peer h2c_;
};

TEST_F(nghttpd, alpn_chooses_http2_and_two_hundred_files_share_one_connection)
{
    const auto list = urls(tls_base());
    const auto run = run_urls(list, config_with(50), cert_pem_);
    expect_all_files(run, list);
    EXPECT_EQ(run.summary.connections_opened, 1u);
    EXPECT_EQ(run.summary.tls_handshakes, 1u);
    EXPECT_EQ(run.summary.connections_reused, file_count - 1);
    const auto reused = std::count_if(run.results.begin(), run.results.end(), [](const auto& r) {
        return r.reused && r.dns_ms == 0 && r.connect_ms == 0 && r.tls_ms == 0;
    });
    EXPECT_EQ(static_cast<std::size_t>(reused), file_count - 1);
}

TEST_F(nghttpd, prior_knowledge_speaks_h2c_on_http_urls)
{
    const auto list = urls(h2c_base());
    auto cfg = config_with(50);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    const auto run = run_urls(list, cfg);
    expect_all_files(run, list);
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nghttpd, http1_only_against_an_h2_only_server_says_so)
{
    // nghttpd closes a TLS connection whose ALPN offered only http/1.1.
    auto cfg = config_with(2);
    cfg.client.versions = http_versions::http1_only;
    const auto run = run_urls(urls(tls_base(), 2), cfg, cert_pem_);
    ASSERT_EQ(run.results.size(), 2u);
    for (const auto& r : run.results)
    {
        EXPECT_EQ(r.kind, error_kind::protocol) << r.error;
        EXPECT_EQ(r.error,
                  "server closed the connection without a response "
                  "(the server may speak only HTTP/2; try without --http1.1)");
    }
}

TEST_F(nghttpd, http1_against_an_h2c_only_server_suggests_prior_knowledge)
{
    const auto run = run_urls(urls(h2c_base(), 2), config_with(2));
    ASSERT_EQ(run.results.size(), 2u);
    for (const auto& r : run.results)
    {
        EXPECT_EQ(r.kind, error_kind::protocol) << r.error;
        EXPECT_NE(r.error.find("(the server answered in HTTP/2; try --http2-prior-knowledge)"),
                  std::string::npos)
            << r.error;
    }
}

TEST_F(nghttpd, a_request_body_larger_than_the_initial_window_is_sent_whole)
{
    // nghttpd --echo-upload answers with the body it received; 100,000 bytes need several DATA
    // frames and the server's WINDOW_UPDATEs (its initial window is 65,535).
    auto cfg = config_with(2);
    cfg.client.versions = http_versions::http2_prior_knowledge;
    cfg.client.request.method = "POST";
    std::string body(100'000, '\0');
    for (std::size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<char>(i * 7);
    cfg.client.request.body = body;
    const auto run = run_urls({h2c_base() + "/" + file_name(1), h2c_base() + "/" + file_name(2)}, cfg);
    ASSERT_EQ(run.results.size(), 2u);
    for (const auto& r : run.results)
    {
        EXPECT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.http_version, "2");
        EXPECT_EQ(r.bytes, body.size()) << "the echo is as long as what was sent";
    }
}

TEST_F(nghttpd, sequential_requests_reuse_the_connection)
{
    const auto list = urls(tls_base(), 20);
    const auto run = run_urls(list, config_with(1), cert_pem_);
    expect_all_files(run, list);
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nghttpd, max_streams_bounds_the_streams_of_a_connection)
{
    // One stream at a time and one connection: every request still completes, in turn.
    const auto list = urls(tls_base(), 30);
    auto cfg = config_with(10, 1);
    cfg.client.max_streams = 1;
    const auto run = run_urls(list, cfg, cert_pem_);
    expect_all_files(run, list);
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nghttpd, a_body_larger_than_the_stream_window_arrives_whole_beside_small_ones)
{
    std::vector<std::string> list = urls(tls_base(), 10);
    list.push_back(tls_base() + "/" + file_name(file_count));  // 5 MiB
    const auto run = run_urls(list, config_with(11), cert_pem_);
    ASSERT_EQ(run.results.size(), list.size());
    EXPECT_EQ(run.results.back().bytes, big_size);
    EXPECT_TRUE(run.results.back().ok()) << run.results.back().error;
    EXPECT_EQ(run.summary.failed, 0u);
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nghttpd, a_stream_stopped_by_max_filesize_leaves_the_connection_to_the_others)
{
    std::vector<std::string> list{tls_base() + "/" + file_name(file_count)};
    for (const auto& u : urls(tls_base(), 20))
        list.push_back(u);
    auto cfg = config_with(21);
    cfg.client.max_filesize = 1024 * 1024;
    const auto run = run_urls(list, cfg, cert_pem_);
    ASSERT_EQ(run.results.size(), list.size());
    EXPECT_EQ(run.results[0].kind, error_kind::size_limit) << run.results[0].error;
    for (std::size_t i = 1; i < run.results.size(); ++i)
    {
        EXPECT_TRUE(run.results[i].ok()) << run.results[i].url << ": " << run.results[i].error;
        EXPECT_EQ(run.results[i].http_version, "2");
    }
    EXPECT_EQ(run.summary.connections_opened, 1u);
}

TEST_F(nghttpd, a_missing_file_is_a_404_and_head_reads_no_body)
{
    auto cfg = config_with(2);
    cfg.client.request.method = "HEAD";
    const auto run = run_urls({tls_base() + "/no-such-file", tls_base() + "/" + file_name(3)},
                              cfg,
                              cert_pem_);
    ASSERT_EQ(run.results.size(), 2u);
    EXPECT_EQ(run.results[0].status, 404u);
    EXPECT_EQ(run.results[1].status, 200u);
    EXPECT_EQ(run.results[1].bytes, 0u);
    EXPECT_TRUE(run.results[1].ok()) << run.results[1].error;
}

}  // namespace
}  // namespace asyncfetch
