// --waterfall end to end: the binary draws a real --compare run, xmllint and rsvg-convert read it.
#include "asyncfetch/testbed.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

namespace fs = std::filesystem;
using test::lines_of;
using test::process_result;
using test::run_cli;
using test::run_process;
using test::temp_dir;

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

bool have_program(const std::string& name)
{
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

/// An attribute of the root <svg> element as a number, -1 when missing.
double root_number(const std::string& svg, const std::string& name)
{
    const std::string root = svg.substr(svg.find("<svg"), svg.find('>', svg.find("<svg")) - svg.find("<svg"));
    std::smatch m;
    if (!std::regex_search(root, m, std::regex(" " + name + R"re(="([0-9.]+)")re")))
        return -1;
    return std::stod(m[1].str());
}

/// Width and height from a PNG's IHDR chunk; zeros when it is not a PNG.
std::array<std::uint32_t, 2> png_size(const std::string& png)
{
    if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || png.compare(12, 4, "IHDR") != 0)
        return {0, 0};
    const auto be32 = [&png](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i)
            v = (v << 8) | static_cast<unsigned char>(png[at + i]);
        return v;
    };
    return {be32(16), be32(20)};
}

TEST(waterfall_cli, compare_draws_both_passes_into_an_svg_that_renders)
{
    testbed server;
    const std::string slow = server.base_url() + "/delay/300";
    temp_dir dir;
    const std::string svg_path = dir.file("run.svg");

    const auto p = run_cli(
        {"--compare", "-q", "-j", "3", "--waterfall", svg_path, slow, slow + "?2", slow + "?3"});

    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(dir.entries(), 1u) << "no temporary file left behind";
    const std::string svg = read_file(svg_path);
    ASSERT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 200);
    EXPECT_NE(svg.find("3 URLs: sequential "), std::string::npos);
    EXPECT_NE(svg.find("x faster"), std::string::npos);
    EXPECT_NE(svg.find("data-pass=\"sequential\""), std::string::npos);
    EXPECT_NE(svg.find("data-pass=\"concurrent\""), std::string::npos);
    EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);

    if (have_program("xmllint"))
    {
        EXPECT_EQ(std::system(("xmllint --noout '" + svg_path + "'").c_str()), 0) << "not well-formed XML";
    }

    if (!have_program("rsvg-convert"))
        GTEST_SKIP() << "rsvg-convert is missing (librsvg2-bin; scripts/setup.sh installs it): not rendered";
    const std::string png_path = dir.file("run.png");
    ASSERT_EQ(std::system(("rsvg-convert -o '" + png_path + "' '" + svg_path + "'").c_str()), 0);
    const auto size = png_size(read_file(png_path));
    EXPECT_EQ(size[0], static_cast<std::uint32_t>(root_number(svg, "width")));
    EXPECT_EQ(size[1], static_cast<std::uint32_t>(root_number(svg, "height")));
    EXPECT_EQ(size[0], 1200u);
    EXPECT_GT(size[1], 200u);
}

TEST(waterfall_cli, html_page_holds_the_svg)
{
    testbed server;
    temp_dir dir;
    const std::string path = dir.file("run.html");
    const auto p = run_cli(
        {"-q", "--waterfall", path, server.base_url() + "/bytes/10", server.base_url() + "/status/404"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const std::string html = read_file(path);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("<title>2 URLs: concurrent "), std::string::npos) << html.substr(0, 400);
    if (have_program("xmllint"))
    {
        EXPECT_EQ(std::system(("xmllint --html --noout '" + path + "' 2>/dev/null").c_str()), 0);
    }
}

TEST(waterfall_cli, bad_extension_and_unwritable_path_are_errors_before_any_request)
{
    testbed server;
    const auto png = run_cli({"--waterfall", "out.png", server.base_url() + "/bytes/1"});
    EXPECT_EQ(png.exit_code, 2);
    EXPECT_NE(png.err.find(".svg or .html"), std::string::npos) << png.err;

    const auto nowhere = run_cli({"--waterfall", "/nonexistent-dir/x.svg", server.base_url() + "/bytes/1"});
    EXPECT_EQ(nowhere.exit_code, 2);
    EXPECT_NE(nowhere.err.find("cannot write /nonexistent-dir/x.svg"), std::string::npos) << nowhere.err;
    EXPECT_TRUE(nowhere.out.empty());
    EXPECT_EQ(server.counters().requests, 0u);
}

TEST(waterfall_cli, json_records_carry_start_and_run_and_the_summary_started_at)
{
    testbed server;
    const std::string base = server.base_url();
    const auto p = run_cli(
        {"--json", "-q", "-j", "2", base + "/delay/200", base + "/delay/200?2", base + "/delay/200?3"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    std::set<std::string> runs;
    std::vector<double> starts;
    std::string summary_run;
    std::string started_at;
    for (const auto& line : lines_of(p.out))
    {
        const auto o = boost::json::parse(line).as_object();
        if (o.at("type").as_string() == "result")
        {
            runs.insert(std::string(o.at("run").as_string()));
            starts.push_back(o.at("start_ms").to_number<double>());
        }
        else
        {
            summary_run = o.at("run").as_string();
            started_at = o.at("started_at").as_string();
        }
    }
    ASSERT_EQ(starts.size(), 3u);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(*runs.begin(), summary_run);
    EXPECT_TRUE(std::regex_match(summary_run, std::regex("[0-9a-f]{16}"))) << summary_run;
    EXPECT_TRUE(std::regex_match(started_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << started_at;
    std::sort(starts.begin(), starts.end());
    // -j 2: two start at once, the third when one of them has finished.
    EXPECT_LT(starts[1], 100.0);
    EXPECT_GE(starts[2], 190.0);

    const auto again = run_cli({"--json", "-q", base + "/bytes/1"});
    EXPECT_EQ(again.out.find(summary_run), std::string::npos) << "every run has its own id";
}

}  // namespace
}  // namespace asyncfetch
