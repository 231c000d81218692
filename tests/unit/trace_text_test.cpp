// What -v and -D show, without sockets: request, response and connection lines, redaction, the -D
// block, and the stream log keeping concurrent writers' lines whole.
#include "trace_text.hpp"

#include "asyncfetch/exchange_log.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace asyncfetch::detail {
namespace {

void fill(request_head& h)
{
    h.method = "GET";
    h.target = "/a?b=1";
    h.fields.push_back({"Host", "example.test"});
    h.fields.push_back({"User-Agent", "ua/1"});
    h.fields.push_back({"Authorization", "Basic dTpw"});
    h.fields.push_back({"Proxy-Authorization", "Basic cHg="});
    h.fields.push_back({"cookie", "session=42"});
    h.fields.push_back({"Connection", "keep-alive"});
}

TEST(trace_text, http1_request_with_secrets_redacted)
{
    request_head h;
    fill(h);
    std::string out;
    trace_request(out, 12, h, "HTTP/1.1", false);
    EXPECT_EQ(out,
              "[12] > GET /a?b=1 HTTP/1.1\n"
              "[12] > Host: example.test\n"
              "[12] > User-Agent: ua/1\n"
              "[12] > Authorization: [redacted]\n"
              "[12] > Proxy-Authorization: [redacted]\n"
              "[12] > cookie: [redacted]\n"
              "[12] > Connection: keep-alive\n");
    EXPECT_EQ(out.find("dTpw"), std::string::npos);
}

TEST(trace_text, secrets_are_shown_when_asked)
{
    request_head h;
    fill(h);
    std::string out;
    trace_request(out, 0, h, "HTTP/1.1", true);
    EXPECT_NE(out.find("[0] > Authorization: Basic dTpw\n"), std::string::npos) << out;
    EXPECT_NE(out.find("[0] > cookie: session=42\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("[redacted]"), std::string::npos) << out;
}

TEST(trace_text, http2_request_as_curl_reconstructs_it)
{
    request_head h;
    fill(h);
    std::string out;
    trace_request(out, 3, h, "HTTP/2", false);
    EXPECT_EQ(out.rfind("[3] > GET /a?b=1 HTTP/2\n[3] > Host: example.test\n", 0), 0u) << out;
    EXPECT_EQ(out.find("Connection"), std::string::npos) << "not sent over HTTP/2: " << out;
}

TEST(trace_text, response_lines_redact_set_cookie)
{
    response_head r;
    r.status = 302;
    r.version = 11;
    r.reason = "Found";
    r.fields = {{"Location", "/b"}, {"Set-Cookie", "id=secret"}};
    std::string out;
    trace_response(out, 7, r, false);
    EXPECT_EQ(out, "[7] < HTTP/1.1 302 Found\n[7] < Location: /b\n[7] < Set-Cookie: [redacted]\n");
    out.clear();
    trace_response(out, 7, r, true);
    EXPECT_NE(out.find("Set-Cookie: id=secret"), std::string::npos);

    response_head h2;
    h2.status = 200;
    h2.version = 20;
    h2.fields = {{"content-length", "3"}};
    out.clear();
    trace_response(out, 1, h2, false);
    EXPECT_EQ(out, "[1] < HTTP/2 200\n[1] < content-length: 3\n");
}

TEST(trace_text, control_characters_never_split_a_line)
{
    std::string out;
    trace_line(out, 5, '*', "two\nlines\r and a\ttab");
    EXPECT_EQ(out, "[5] * two lines  and a tab\n");
}

TEST(trace_text, connection_lines_new_tls_and_reused)
{
    const peer_address peer{"127.0.0.1", 8443};
    tls_details tls;
    tls.version = "TLSv1.3";
    tls.cipher = "TLS_AES_256_GCM_SHA384";
    tls.alpn = "h2";
    tls.subject = "CN = localhost";
    tls.issuer = "CN = localhost";
    tls.expiry = "Jan  1 00:00:00 2030 GMT";
    std::string out;
    trace_connection(out, 2, "localhost", &peer, "HTTP/2", false, &tls);
    EXPECT_EQ(out,
              "[2] * Connected to localhost (127.0.0.1) port 8443, HTTP/2\n"
              "[2] * TLS connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n"
              "[2] * ALPN: server accepted h2\n"
              "[2] * Server certificate:\n"
              "[2] *  subject: CN = localhost\n"
              "[2] *  expire date: Jan  1 00:00:00 2030 GMT\n"
              "[2] *  issuer: CN = localhost\n");
    out.clear();
    trace_connection(out, 2, "localhost", &peer, "HTTP/1.1", true, nullptr);
    EXPECT_EQ(out, "[2] * Re-using existing connection to localhost (127.0.0.1) port 8443, HTTP/1.1\n");
}

TEST(trace_text, dump_is_the_raw_head_with_crlf)
{
    response_head r;
    r.status = 200;
    r.version = 11;
    r.reason = "OK";
    r.fields = {{"Set-Cookie", "id=1"}, {"Content-Length", "0"}};
    std::string out;
    dump_response_head(out, r);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nSet-Cookie: id=1\r\nContent-Length: 0\r\n\r\n")
        << "-D writes what came, as curl's";
}

TEST(trace_text, secret_field_names_are_case_insensitive)
{
    for (const char* name : {"Authorization", "proxy-authorization", "COOKIE", "Set-Cookie"})
        EXPECT_TRUE(is_secret_field(name)) << name;
    for (const char* name : {"Cookie2x", "X-Authorization", "Location"})
        EXPECT_FALSE(is_secret_field(name)) << name;
}

TEST(stream_exchange_log, concurrent_blocks_never_mix_within_a_line)
{
    std::ostringstream verbose;
    std::ostringstream heads;
    stream_exchange_log log({true, false, true}, &verbose, &heads);
    constexpr int writers = 8;
    constexpr int blocks = 200;
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
        threads.emplace_back([&log, w] {
            for (int b = 0; b < blocks; ++b)
            {
                std::string block;
                for (int line = 0; line < 5; ++line)
                    trace_line(block, static_cast<std::size_t>(w), '>', std::string(40 + w * 7, 'a' + w));
                log.verbose(block);
                log.headers("# [" + std::to_string(w) + "] u\n");
            }
        });
    for (auto& t : threads)
        t.join();
    std::istringstream in(verbose.str());
    std::string line;
    int count = 0;
    const std::regex grammar(R"(\[([0-9]+)\] > ([a-z]+))");
    while (std::getline(in, line))
    {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(line, m, grammar)) << line;
        const int w = std::stoi(m[1]);
        EXPECT_EQ(m[2].str(), std::string(40 + w * 7, 'a' + w)) << line;
        ++count;
    }
    EXPECT_EQ(count, writers * blocks * 5);
    EXPECT_EQ(heads.str().size(),
              static_cast<std::size_t>(writers * blocks) * std::string("# [0] u\n").size());
}

TEST(stream_exchange_log, a_null_stream_writes_nothing)
{
    std::ostringstream heads;
    stream_exchange_log log({false, false, true}, nullptr, &heads);
    log.verbose("[0] * x\n");
    log.headers("# [0] u\n");
    EXPECT_EQ(heads.str(), "# [0] u\n");
    EXPECT_FALSE(log.settings().verbose);
    EXPECT_TRUE(log.settings().headers);
}

}  // namespace
}  // namespace asyncfetch::detail
