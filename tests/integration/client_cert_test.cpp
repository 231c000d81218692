// TLS client certificates end to end: the binary with --cert/--key/--pass against a testbed that requires
// them.
#include "asyncfetch/client_certificate.hpp"
#include "asyncfetch/fetch.hpp"
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::run_cli;
using test::temp_dir;

/// The "result" records of --json output, in output order.
std::vector<boost::json::object> results_of(const std::string& out)
{
    std::vector<boost::json::object> records;
    for (const auto& line : test::lines_of(out))
    {
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("type") && v.as_object().at("type") == "result")
            records.push_back(v.as_object());
    }
    return records;
}

std::string text(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// A testbed that requires client certificates from one CA, and files for the client: the testbed's
/// certificate to trust, a client certificate from that CA (PEM, DER, encrypted), one from another CA.
struct cert_fixture
{
    cert_fixture()
        : ca(make_self_signed_certificate({"asyncfetch test client CA"})),
          other_ca(make_self_signed_certificate({"some other CA"})),
          server([this] {
              testbed_config cfg;
              cfg.tls = true;
              cfg.client_ca_pem = ca.cert_pem;
              return cfg;
          }())
    {
        const auto client = make_client_certificate(ca, "client one");
        const auto locked = make_client_certificate(ca, "client two", "s3cret:pw");
        const auto stranger = make_client_certificate(other_ca, "stranger");
        cacert = dir.write("server.pem", server.cert_pem());
        cert = dir.write("client.pem", client.cert_pem);
        key = dir.write("client.key", client.key_pem);
        both = dir.write("both.pem", client.key_pem + client.cert_pem);
        cert_der = dir.write("client.der", certificate_to_der(client.cert_pem));
        key_der = dir.write("client.key.der", private_key_to_der(client.key_pem));
        locked_cert = dir.write("locked:name.pem", locked.cert_pem);
        // --cert splits at a colon: the file name's own colon is escaped.
        locked_cert_arg = locked_cert;
        locked_cert_arg.replace(locked_cert_arg.find("locked:"), 7, "locked\\:");
        locked_key = dir.write("locked.key", locked.key_pem);
        stranger_cert = dir.write("stranger.pem", stranger.cert_pem);
        stranger_key = dir.write("stranger.key", stranger.key_pem);
    }

    /// Runs the binary with --json --cacert and args, then url.
    test::process_result fetch(std::vector<std::string> args, const std::string& path = "/bytes/100") const
    {
        std::vector<std::string> all{"--json", "--cacert", cacert};
        all.insert(all.end(), args.begin(), args.end());
        all.push_back(server.base_url() + path);
        return run_cli(all, {}, 20);
    }

    self_signed_certificate ca;
    self_signed_certificate other_ca;
    testbed server;
    temp_dir dir;
    std::string locked_cert_arg;
    std::string cacert, cert, key, both, cert_der, key_der, locked_cert, locked_key, stranger_cert,
        stranger_key;
};

void expect_ok(const test::process_result& p, const std::string& version, const std::string& why)
{
    EXPECT_EQ(p.exit_code, 0) << why << ": " << p.err << p.out;
    const auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << why << ": " << p.out;
    EXPECT_EQ(records[0].at("status").as_int64(), 200) << why << ": " << p.out;
    EXPECT_EQ(text(records[0], "http_version"), version) << why << ": " << p.out;
}

void expect_tls_error(const test::process_result& p, const std::string& says, const std::string& why)
{
    EXPECT_EQ(p.exit_code, 1) << why << ": " << p.err;
    const auto records = results_of(p.out);
    ASSERT_EQ(records.size(), 1u) << why << ": " << p.out;
    EXPECT_EQ(text(records[0], "error_kind"), "tls") << why << ": " << p.out;
    EXPECT_NE(text(records[0], "error").find(says), std::string::npos) << why << ": " << p.out;
}

void expect_usage_error(const test::process_result& p, const std::string& says, const testbed& server)
{
    EXPECT_EQ(p.exit_code, 2) << p.err;
    EXPECT_NE(p.err.find(says), std::string::npos) << p.err;
    EXPECT_TRUE(p.out.empty()) << p.out;
    EXPECT_EQ(server.counters().connections_accepted, 0u) << "a usage error comes before any request";
}

class client_cert_over : public ::testing::TestWithParam<bool>
{
protected:
    /// --http1.1, or nothing (ALPN h2).
    std::vector<std::string> with(std::vector<std::string> args) const
    {
        if (GetParam())
            args.insert(args.begin(), "--http1.1");
        return args;
    }
    std::string version() const { return GetParam() ? "1.1" : "2"; }
};

INSTANTIATE_TEST_SUITE_P(both, client_cert_over, ::testing::Values(true, false), [](const auto& info) {
    return info.param ? std::string("http1") : std::string("h2");
});

TEST_P(client_cert_over, accepted_certificate_in_pem_der_encrypted_and_one_file)
{
    cert_fixture f;
    expect_ok(f.fetch(with({"--cert", f.cert, "--key", f.key})), version(), "PEM");
    expect_ok(
        f.fetch(with({"--cert", f.cert_der, "--cert-type", "DER", "--key", f.key_der, "--key-type", "DER"})),
        version(),
        "DER");
    expect_ok(f.fetch(with({"--cert", f.both})), version(), "key and certificate in one file");
    // The file name has a colon, escaped with "\:"; ":PASSWORD" follows it.
    expect_ok(f.fetch(with({"-E", f.locked_cert_arg + ":s3cret:pw", "--key", f.locked_key})),
              version(),
              "FILE:PASSWORD");
    expect_ok(f.fetch(with({"--cert", f.locked_cert_arg, "--key", f.locked_key, "--pass", "s3cret:pw"})),
              version(),
              "--pass");
}

TEST_P(client_cert_over, missing_certificate_is_a_tls_error_naming_the_alert)
{
    cert_fixture f;
    // TLS 1.3: the server's alert "certificate required" (OpenSSL: "tlsv13 alert certificate required").
    expect_tls_error(f.fetch(with({})), "certificate required", "no --cert");
    expect_tls_error(f.fetch(with({})), "the server requires a client certificate (--cert)", "the hint");
}

TEST_P(client_cert_over, certificate_from_another_ca_is_a_tls_error_naming_the_alert)
{
    cert_fixture f;
    expect_tls_error(f.fetch(with({"--cert", f.stranger_cert, "--key", f.stranger_key})),
                     "alert unknown ca (SSL routines); the server does not trust the client certificate",
                     "a certificate from another CA");
}

TEST(client_cert, several_urls_share_one_context_and_resume_sessions_concurrent_and_sequential)
{
    cert_fixture f;
    for (const char* mode : {"--sequential", "-j4"})
    {
        std::vector<std::string> args{"--json", "--cacert", f.cacert, "--cert", f.cert, "--key", f.key, mode};
        for (int i = 0; i < 6; ++i)
            args.push_back(f.server.base_url() + "/bytes/" + std::to_string(10 + i));
        const auto p = run_cli(args, {}, 20);
        EXPECT_EQ(p.exit_code, 0) << mode << ": " << p.err << p.out;
        const auto records = results_of(p.out);
        ASSERT_EQ(records.size(), 6u) << p.out;
        for (const auto& r : records)
            EXPECT_EQ(r.at("status").as_int64(), 200) << mode << ": " << boost::json::serialize(r);
    }
}

/// The certificate is loaded once into the client's one context: reconnects resume their TLS session and
/// still count as the same client. HTTP/1.1, where /close/N ends the connection.
TEST(client_cert, reconnects_resume_the_session_with_the_certificate_loaded_once)
{
    cert_fixture f;
    boost::asio::io_context ioc(1);
    auto ctx = make_client_tls_context(true, {});
    ctx->add_certificate_authority(boost::asio::buffer(f.server.cert_pem()));
    client_certificate identity;
    identity.cert_file = f.cert_der;
    identity.cert_der = true;
    identity.key_file = f.locked_key;
    identity.password = "s3cret:pw";
    ASSERT_TRUE(use_client_certificate(*ctx, identity)) << "a key of another certificate does not load";
    identity.key_file = f.key_der;
    identity.key_der = true;
    identity.password.clear();
    const auto problem = use_client_certificate(*ctx, identity);
    ASSERT_FALSE(problem) << *problem;
    client_config cfg;
    cfg.versions = http_versions::http1_only;
    client c(ioc.get_executor(), *ctx, cfg);
    std::vector<fetch_result> results;
    auto scenario = [&]() -> boost::asio::awaitable<void> {
        for (std::size_t i = 0; i < 3; ++i)
            results.push_back(co_await c.fetch(i, f.server.base_url() + "/close/10"));
    };
    boost::asio::co_spawn(ioc, scenario, boost::asio::detached);
    ioc.run_for(std::chrono::seconds(10));
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results)
        EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(c.counters().tls_handshakes, 3u);
    EXPECT_EQ(c.counters().tls_resumed, 2u);
}

TEST(client_cert, wrong_key_password_is_a_usage_error_before_any_request)
{
    cert_fixture f;
    const auto p = f.fetch({"--cert", f.locked_cert_arg, "--key", f.locked_key, "--pass", "not it"});
    expect_usage_error(p, "wrong password", f.server);
    EXPECT_EQ(p.err.find("not it"), std::string::npos) << "the password is never printed: " << p.err;
    expect_usage_error(f.fetch({"--cert", f.locked_cert_arg, "--key", f.locked_key}),
                       "is encrypted",
                       f.server);
}

TEST(client_cert, mismatched_key_is_a_usage_error_before_any_request)
{
    cert_fixture f;
    expect_usage_error(f.fetch({"--cert", f.cert, "--key", f.stranger_key}),
                       "does not match the certificate",
                       f.server);
}

TEST(client_cert, unreadable_or_wrong_format_files_are_usage_errors)
{
    cert_fixture f;
    expect_usage_error(f.fetch({"--cert", f.dir / "missing.pem", "--key", f.key}),
                       "cannot read certificate",
                       f.server);
    expect_usage_error(f.fetch({"--cert", f.cert, "--key", f.dir / "missing.key"}),
                       "cannot read key",
                       f.server);
    // A directory says so, instead of a generic read or format error.
    const std::string dir = f.dir.path().string();
    expect_usage_error(f.fetch({"--cert", dir, "--key", f.key}),
                       "cannot read certificate " + dir + ": Is a directory",
                       f.server);
    expect_usage_error(f.fetch({"--cert", f.cert, "--key", dir}),
                       "cannot read key " + dir + ": Is a directory",
                       f.server);
    expect_usage_error(f.fetch({"--cert", f.cert_der, "--key", f.key}), "no certificate found", f.server);
    expect_usage_error(f.fetch({"--cert", f.cert}), "no private key found", f.server);
    expect_usage_error(f.fetch({"--key", f.key}), "--key needs --cert", f.server);
}

}  // namespace
}  // namespace asyncfetch
