// Failure wording: every error kind a failed step can give, with its message.
#include "failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

#include <cerrno>

namespace asyncfetch::detail {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

failure_context direct()
{
    failure_context c;
    c.peer = "a.test:8080";
    c.target = "a.test:8080";
    c.resolved_host = "a.test";
    c.timeout = 30s;
    c.connect_timeout = 2500ms;
    return c;
}

failure_context via_proxy()
{
    failure_context c = direct();
    c.peer = "proxy.test:3128";
    c.resolved_host = "proxy.test";
    c.via_proxy = true;
    return c;
}

using described = std::pair<error_kind, std::string>;

TEST(failure_wording, limits_are_written_in_seconds_without_trailing_zeros)
{
    EXPECT_EQ(limit_seconds_text(2000ms), "2 s");
    EXPECT_EQ(limit_seconds_text(2500ms), "2.5 s");
    EXPECT_EQ(limit_seconds_text(1050ms), "1.05 s");
    EXPECT_EQ(limit_seconds_text(1ms), "0.001 s");
}

TEST(failure_wording, cancelled_only_for_an_aborted_operation)
{
    EXPECT_EQ(describe_failure({net::error::operation_aborted, phase::receive}, direct()),
              described(error_kind::io, "cancelled"));
    EXPECT_NE(describe_failure({net::error::connection_reset, phase::receive}, direct()).second, "cancelled");
}

TEST(failure_wording, out_of_file_descriptors_at_connect_is_a_retryable_connect_error)
{
    const boost::system::error_code emfile(EMFILE, boost::system::system_category());
    const auto [kind, message] = describe_failure({emfile, phase::connect}, direct());
    EXPECT_EQ(kind, error_kind::connect);
    EXPECT_EQ(message, "failed to connect to a.test:8080: " + emfile.message());
    EXPECT_NE(message.find("Too many open files"), std::string::npos) << message;
}

TEST(failure_wording, hostile_responses_are_protocol_errors_naming_what_was_too_large)
{
    EXPECT_EQ(describe_failure({errc::header_field_too_large, phase::receive, true}, direct()),
              described(error_kind::protocol, "response header field larger than 64 KiB"));
    EXPECT_EQ(describe_failure({errc::chunk_line_too_long, phase::receive, true}, direct()),
              described(error_kind::protocol, "chunk header line longer than 64 KiB"));
    EXPECT_EQ(describe_failure({errc::trailer_too_large, phase::receive, true}, direct()),
              described(error_kind::protocol, "trailer section larger than 128 KiB"));
    EXPECT_EQ(describe_failure({http::error::header_limit, phase::receive, true}, direct()),
              described(error_kind::protocol, "response header larger than 128 KiB"));
}

TEST(failure_wording, an_unreadable_request_body_file_is_io_naming_the_file)
{
    failure f{errc::request_body_file, phase::send};
    f.detail = "cannot read /tmp/x: No such file or directory";
    EXPECT_EQ(describe_failure(f, direct()),
              described(error_kind::io, "cannot read /tmp/x: No such file or directory"));
}

TEST(failure_wording, a_socks5_target_that_does_not_resolve_is_named_instead_of_the_proxy)
{
    failure f{errc::dns_not_found, phase::dns};
    f.detail = "origin.test";
    const auto [kind, message] = describe_failure(f, direct());
    EXPECT_EQ(kind, error_kind::dns);
    EXPECT_EQ(message.rfind("could not resolve host origin.test: ", 0), 0u) << message;
}

TEST(failure_wording, a_socks5_failure_is_a_proxy_error_with_its_detail)
{
    failure f{errc::proxy_failed, phase::proxy};
    f.detail = "SOCKS5 proxy 127.0.0.1:1080: TTL expired (SOCKS5 reply 6)";
    EXPECT_EQ(describe_failure(f, direct()),
              described(error_kind::proxy, "SOCKS5 proxy 127.0.0.1:1080: TTL expired (SOCKS5 reply 6)"));
}

TEST(failure_wording, timeouts_name_the_phase_and_the_limit_that_elapsed)
{
    const auto timeout = make_error_code(boost::beast::error::timeout);
    EXPECT_EQ(describe_failure({errc::dns_timeout, phase::dns}, direct()),
              described(error_kind::timeout, "resolving a.test:8080 timed out after 2.5 s"));
    EXPECT_EQ(describe_failure({timeout, phase::connect}, direct()),
              described(error_kind::timeout, "connect to a.test:8080 timed out after 2.5 s"));
    EXPECT_EQ(describe_failure({timeout, phase::tls}, direct()),
              described(error_kind::timeout, "TLS handshake with a.test:8080 timed out after 2.5 s"));
    EXPECT_EQ(describe_failure({timeout, phase::proxy}, direct()),
              described(error_kind::timeout, "proxy handshake with a.test:8080 timed out after 2.5 s"));
    EXPECT_EQ(describe_failure({timeout, phase::receive}, direct()),
              described(error_kind::timeout, "request timed out after 30 s"));
    EXPECT_EQ(describe_failure({errc::request_timeout, phase::connect}, direct()).first, error_kind::timeout);
    // When the whole request's deadline had passed, that is the limit that elapsed.
    auto late = direct();
    late.past_deadline = true;
    EXPECT_EQ(describe_failure({timeout, phase::connect}, late),
              described(error_kind::timeout, "request timed out after 30 s"));
}

TEST(failure_wording, dns_and_connect_failures_name_the_host_and_the_proxy)
{
    EXPECT_EQ(describe_failure({net::error::host_not_found, phase::dns}, direct()).first, error_kind::dns);
    EXPECT_EQ(describe_failure({net::error::host_not_found, phase::dns}, direct())
                  .second.rfind("could not resolve host a.test: ", 0),
              0u);
    EXPECT_EQ(describe_failure({net::error::host_not_found, phase::dns}, via_proxy())
                  .second.rfind("could not resolve proxy host proxy.test: ", 0),
              0u);
    EXPECT_EQ(describe_failure({errc::dns_no_address, phase::dns}, direct()),
              described(error_kind::dns, "could not resolve host a.test: host name resolved to no address"));
    EXPECT_EQ(describe_failure({errc::dns_not_found, phase::dns}, direct()),
              described(error_kind::dns, "could not resolve host a.test: no such host"));
    EXPECT_EQ(describe_failure({errc::dns_server_failure, phase::dns}, via_proxy()),
              described(error_kind::dns,
                        "could not resolve proxy host proxy.test: DNS server failure (SERVFAIL, refused or "
                        "unreachable)"));
    const auto refused = describe_failure({net::error::connection_refused, phase::connect}, direct());
    EXPECT_EQ(refused.first, error_kind::connect);
    EXPECT_EQ(refused.second.rfind("failed to connect to a.test:8080: ", 0), 0u);
    const auto proxy_refused = describe_failure({net::error::connection_refused, phase::connect},
                                                via_proxy());
    EXPECT_EQ(proxy_refused.first, error_kind::proxy);
    EXPECT_EQ(proxy_refused.second.rfind("failed to connect to proxy proxy.test:3128: ", 0), 0u);
    EXPECT_EQ(describe_failure({net::error::connection_reset, phase::proxy}, via_proxy()).first,
              error_kind::proxy);
    failure refused_tunnel{errc::proxy_refused, phase::proxy};
    refused_tunnel.detail = "proxy answered CONNECT with 407";
    EXPECT_EQ(describe_failure(refused_tunnel, via_proxy()),
              described(error_kind::proxy, "proxy answered CONNECT with 407"));
}

TEST(failure_wording, tls_failures_give_the_verification_result)
{
    failure f{make_error_code(net::ssl::error::unexpected_result), phase::tls};
    f.detail = "certificate verify failed: self-signed certificate";
    EXPECT_EQ(describe_failure(f, direct()),
              described(error_kind::tls,
                        "TLS handshake with a.test:8080 failed: certificate verify failed: "
                        "self-signed certificate"));
}

TEST(failure_wording, send_receive_and_body_failures)
{
    EXPECT_EQ(describe_failure({net::error::broken_pipe, phase::send}, direct()).first, error_kind::io);
    EXPECT_EQ(describe_failure({net::error::broken_pipe, phase::send}, direct())
                  .second.rfind("sending the request failed: ", 0),
              0u);
    EXPECT_EQ(describe_failure({http::error::end_of_stream, phase::receive}, direct()),
              described(error_kind::protocol, "server closed the connection without a response"));
    EXPECT_EQ(describe_failure({http::error::partial_message, phase::receive, true}, direct()),
              described(error_kind::truncated, "connection closed before the response was complete"));
    // A reset after the status line is a truncated body; before it, an I/O error.
    auto mid_body = direct();
    mid_body.got_status = true;
    EXPECT_EQ(describe_failure({net::error::connection_reset, phase::receive, true}, mid_body).first,
              error_kind::truncated);
    EXPECT_EQ(describe_failure({net::error::connection_reset, phase::receive, false}, direct()).first,
              error_kind::io);
    EXPECT_EQ(describe_failure({errc::size_limit, phase::receive, true}, mid_body),
              described(error_kind::size_limit, "body larger than --max-filesize"));
    EXPECT_EQ(describe_failure({errc::bad_encoding, phase::receive, true}, mid_body).first,
              error_kind::protocol);
    EXPECT_EQ(describe_failure({errc::file_error, phase::receive, true}, mid_body).first, error_kind::io);
    EXPECT_EQ(describe_failure({errc::too_many_header_fields, phase::receive, true}, direct()),
              described(error_kind::protocol, "too many header fields in the response"));
}

TEST(failure_wording, every_errc_has_its_own_message_and_kind)
{
    EXPECT_EQ(classify(errc::too_many_redirects), error_kind::redirect);
    EXPECT_EQ(classify(errc::http_error_status), error_kind::http);
    EXPECT_EQ(classify(errc::invalid_url), error_kind::invalid_url);
    EXPECT_EQ(classify(errc::invalid_request_field), error_kind::invalid_url);
    EXPECT_EQ(classify(errc::invalid_proxy), error_kind::proxy);
    for (int e = static_cast<int>(errc::invalid_url); e <= static_cast<int>(errc::http2_protocol); ++e)
        EXPECT_NE(describe(static_cast<errc>(e)), "unknown asyncfetch error") << e;
}

}  // namespace
}  // namespace asyncfetch::detail
