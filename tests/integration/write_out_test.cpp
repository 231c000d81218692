// -w/--write-out end to end: every variable against the JSON record of the same run, over HTTP/1.1,
// HTTP/2 and TLS; formats from a file and from stdin; usage errors.
#include "asyncfetch/testbed.hpp"
#include "protocols.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

using test::lines_of;
using test::process_result;
using test::protocol;
using test::run_cli;
using test::temp_file;

/// Every variable, tab-separated, then the record itself last (its strings never hold a tab).
const std::string every_variable =
    "%{http_code}\\t%{response_code}\\t%{size_download}\\t%{time_total}\\t%{time_namelookup}\\t"
    "%{time_connect}\\t%{time_appconnect}\\t%{time_starttransfer}\\t%{url}\\t%{url_effective}\\t"
    "%{num_redirects}\\t%{http_version}\\t%{remote_ip}\\t%{remote_port}\\t%{errormsg}\\t%{error_kind}\\t"
    "%header{content-type}\\t%{json}\\n";

std::vector<std::string> split_tabs(const std::string& line)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (;;)
    {
        const auto tab = line.find('\t', pos);
        out.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
        if (tab == std::string::npos)
            return out;
        pos = tab + 1;
    }
}

double ms(const boost::json::object& o, const char* key) { return o.at(key).to_number<double>(); }

std::string text_or(const boost::json::object& o, const char* key, const std::string& null_text)
{
    const auto& v = o.at(key);
    return v.is_null() ? null_text : std::string(v.as_string());
}

/// Checks one -w line against the record it ends with; returns the record.
boost::json::object check_line(const std::string& line)
{
    const auto f = split_tabs(line);
    EXPECT_EQ(f.size(), 18u) << line;
    if (f.size() != 18)
        return {};
    const auto o = boost::json::parse(f[17]).as_object();
    const auto seconds = [](double v_ms) { return v_ms / 1000.0; };
    const auto near = [&](const std::string& text, double expected_s, const char* name) {
        EXPECT_EQ(text.size() - text.find('.') - 1, 6u) << name << " has six decimals: " << text;
        EXPECT_NEAR(std::stod(text), expected_s, 1.5e-6) << name << " in " << line;
    };
    const bool responded = !o.at("status").is_null();
    char code[8];
    std::snprintf(code,
                  sizeof code,
                  "%03d",
                  responded ? static_cast<int>(o.at("status").to_number<double>()) : 0);
    EXPECT_EQ(f[0], code);
    EXPECT_EQ(f[1], code);
    EXPECT_EQ(f[2], std::to_string(o.at("wire_bytes").to_number<std::uint64_t>()));
    near(f[3], seconds(ms(o, "time_ms")), "time_total");
    const double namelookup = ms(o, "queue_ms") + ms(o, "dns_ms");
    near(f[4], seconds(namelookup), "time_namelookup");
    near(f[5], seconds(namelookup + ms(o, "connect_ms")), "time_connect");
    near(f[6],
         ms(o, "tls_ms") > 0 ? seconds(namelookup + ms(o, "connect_ms") + ms(o, "tls_ms")) : 0,
         "time_appconnect");
    near(f[7], seconds(ms(o, "ttfb_ms")), "time_starttransfer");
    EXPECT_LE(std::stod(f[4]), std::stod(f[5]));
    EXPECT_LE(std::stod(f[5]), std::stod(f[7]) + (responded ? 0 : 1));
    EXPECT_LE(std::stod(f[7]), std::stod(f[3]));
    EXPECT_EQ(f[8], text_or(o, "url", "?"));
    EXPECT_EQ(f[9], text_or(o, "final_url", "?"));
    EXPECT_EQ(f[10], std::to_string(o.at("redirects").to_number<int>()));
    EXPECT_EQ(f[11], text_or(o, "http_version", "0"));
    EXPECT_EQ(f[12], text_or(o, "remote_ip", ""));
    EXPECT_EQ(f[13],
              o.at("remote_port").is_null() ? "0" : std::to_string(o.at("remote_port").to_number<int>()));
    EXPECT_EQ(f[14], text_or(o, "error", ""));
    EXPECT_EQ(f[15], text_or(o, "error_kind", ""));
    return o;
}

class write_out : public ::testing::TestWithParam<protocol>
{
};

INSTANTIATE_TEST_SUITE_P(protocols,
                         write_out,
                         ::testing::Values(protocol::http1, protocol::h2),
                         test::protocol_name{});

TEST_P(write_out, every_variable_matches_the_json_record_of_the_same_run)
{
    testbed server(test::serving_both());
    std::vector<std::string> args{GetParam() == protocol::h2 ? "--http2-prior-knowledge" : "--http1.1",
                                  "-q",
                                  "--keep-order",
                                  "--compressed",
                                  "-w",
                                  every_variable};
    const std::vector<std::string> urls{server.base_url() + "/bytes/100",
                                        server.base_url() + "/redirect/2",
                                        server.base_url() + "/status/404",
                                        server.base_url() + "/gzip/5000",
                                        "http://127.0.0.1:1/refused"};
    args.insert(args.end(), urls.begin(), urls.end());
    const auto p = run_cli(args);
    EXPECT_EQ(p.exit_code, 1) << "the refused URL fails: " << p.err;
    const auto lines = lines_of(p.out);
    ASSERT_EQ(lines.size(), urls.size()) << p.out;
    std::vector<boost::json::object> records;
    for (const auto& line : lines)
        records.push_back(check_line(line));
    ASSERT_EQ(records.size(), urls.size());
    const std::string version = GetParam() == protocol::h2 ? "2" : "1.1";
    EXPECT_EQ(split_tabs(lines[0])[0], "200");
    EXPECT_EQ(split_tabs(lines[0])[11], version);
    EXPECT_EQ(split_tabs(lines[0])[12], "127.0.0.1");
    EXPECT_EQ(split_tabs(lines[0])[16], "application/octet-stream") << "%header{} of the final response";
    EXPECT_EQ(split_tabs(lines[1])[10], "2");
    EXPECT_EQ(split_tabs(lines[1])[9], server.base_url() + "/redirect/0");
    EXPECT_EQ(split_tabs(lines[2])[0], "404");
    EXPECT_LT(std::stoul(split_tabs(lines[3])[2]), 5000u)
        << "size_download counts the gzip bytes as curl does";
    EXPECT_EQ(records[3].at("bytes").to_number<int>(), 5000);
    EXPECT_EQ(split_tabs(lines[4])[0], "000");
    EXPECT_EQ(split_tabs(lines[4])[15], "connect");
    EXPECT_EQ(split_tabs(lines[4])[11], "0");
    EXPECT_EQ(p.out.find("\"type\":\"summary\""), std::string::npos) << "-w replaces the records and summary";
}

TEST(write_out_tls, appconnect_counts_the_handshake_and_matches_the_record)
{
    testbed_config cfg;
    cfg.tls = true;
    testbed server(cfg);
    temp_file ca(server.cert_pem());
    const auto p = run_cli({"-q",
                            "--sequential",
                            "--cacert",
                            ca.path(),
                            "-w",
                            every_variable,
                            server.base_url() + "/bytes/10",
                            server.base_url() + "/bytes/11"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const auto lines = lines_of(p.out);
    ASSERT_EQ(lines.size(), 2u) << p.out;
    const auto first = check_line(lines[0]);
    ASSERT_FALSE(first.empty());
    EXPECT_GT(first.at("tls_ms").to_number<double>(), 0);
    EXPECT_GT(std::stod(split_tabs(lines[0])[6]), std::stod(split_tabs(lines[0])[5])) << lines[0];
    check_line(lines[1]);
    EXPECT_EQ(split_tabs(lines[1])[6], "0.000000") << "a reused connection makes no handshake";
}

TEST(write_out_cli, unknown_variable_exits_two_naming_it)
{
    const auto p = run_cli({"-w", "%{http_code} %{size_upload}\\n", "http://127.0.0.1:1/"});
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_NE(p.err.find("size_upload"), std::string::npos) << p.err;
    EXPECT_EQ(p.out, "");

    temp_file bad("%{url} %{nonsense}");
    const auto from_file = run_cli({"-w", "@" + bad.path(), "http://127.0.0.1:1/"});
    EXPECT_EQ(from_file.exit_code, 2);
    EXPECT_NE(from_file.err.find("nonsense"), std::string::npos) << from_file.err;
    EXPECT_EQ(from_file.out, "");

    const auto missing = run_cli({"-w", "@/nonexistent/asyncfetch-format", "http://127.0.0.1:1/"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("/nonexistent/asyncfetch-format"), std::string::npos) << missing.err;

    // A format is read with a bound: /dev/zero used to be read until the memory ran out.
    const auto endless = run_cli({"-w", "@/dev/zero", "http://127.0.0.1:1/"});
    EXPECT_EQ(endless.exit_code, 2);
    EXPECT_NE(endless.err.find("cannot read /dev/zero: larger than 1 MiB (the limit)"), std::string::npos)
        << endless.err;
    const auto directory = run_cli({"-w", "@/", "http://127.0.0.1:1/"});
    EXPECT_EQ(directory.exit_code, 2);
    EXPECT_NE(directory.err.find("cannot read /: Is a directory"), std::string::npos) << directory.err;
}

TEST(write_out_cli, format_from_a_file_and_from_stdin_in_input_order)
{
    testbed server;
    temp_file format("%{http_code} %{url}\n");
    const std::vector<std::string> urls{server.base_url() + "/delay/200",
                                        server.base_url() + "/status/201",
                                        server.base_url() + "/status/202"};
    std::vector<std::string> args{"-q", "--keep-order", "-w", "@" + format.path()};
    args.insert(args.end(), urls.begin(), urls.end());
    const auto p = run_cli(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(p.out, "200 " + urls[0] + "\n201 " + urls[1] + "\n202 " + urls[2] + "\n");

    args[3] = "@-";
    const auto from_stdin = run_cli(args, "[%{http_code}]\\n");
    ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
    EXPECT_EQ(from_stdin.out, "[200]\n[201]\n[202]\n");
}

TEST(write_out_cli, completion_order_without_keep_order)
{
    testbed server;
    const auto p = run_cli({"-q",
                            "-j",
                            "2",
                            "-w",
                            "%{url}\\n",
                            server.base_url() + "/delay/300",
                            server.base_url() + "/bytes/1"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(p.out, server.base_url() + "/bytes/1\n" + server.base_url() + "/delay/300\n");
}

}  // namespace
}  // namespace asyncfetch
