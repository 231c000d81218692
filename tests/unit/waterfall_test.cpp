// The --waterfall picture without a process: phase spans, escaping, bar geometry, panels, views.
#include "asyncfetch/waterfall.hpp"

#include "waterfall_draw.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace asyncfetch {
namespace {

/// A successful record: start, queue, dns, connect, tls, first byte and total in ms.
fetch_result record(std::size_t index,
                    double start,
                    double total,
                    double ttfb,
                    double queue = 0,
                    double dns = 0,
                    double connect = 0,
                    double tls = 0)
{
    fetch_result r;
    r.index = index;
    r.url = "http://127.0.0.1:8080/delay/" + std::to_string(index);
    r.status = 200;
    r.start_ms = start;
    r.time_ms = total;
    r.ttfb_ms = ttfb;
    r.queue_ms = queue;
    r.dns_ms = dns;
    r.connect_ms = connect;
    r.tls_ms = tls;
    return r;
}

/// The attributes of one element, by name.
using attributes = std::map<std::string, std::string>;

attributes attributes_of(const std::string& tag)
{
    attributes out;
    static const std::regex attribute(R"re(([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)")re");
    for (std::sregex_iterator it(tag.begin(), tag.end(), attribute), end; it != end; ++it)
        out[(*it)[1]] = (*it)[2];
    return out;
}

/// Every start tag of the given element name whose class attribute contains cls, as attributes.
std::vector<attributes> elements(const std::string& svg, const std::string& name, const std::string& cls)
{
    std::vector<attributes> out;
    const std::regex tag("<" + name + R"re(\b[^>]*>)re");
    for (std::sregex_iterator it(svg.begin(), svg.end(), tag), end; it != end; ++it)
    {
        auto a = attributes_of(it->str());
        const std::string& c = a["class"];
        if (cls.empty() || (" " + c + " ").find(" " + cls + " ") != std::string::npos)
            out.push_back(std::move(a));
    }
    return out;
}

double number(const attributes& a, const std::string& key)
{
    auto it = a.find(key);
    EXPECT_NE(it, a.end()) << key;
    return it == a.end() ? NAN : std::stod(it->second);
}

/// Parses a start tag at doc[i] ("<name a="v" ...>" or "/>"): its name and whether it closes itself;
/// npos as the returned end when it is malformed.
std::size_t parse_start_tag(const std::string& doc, std::size_t i, std::string& name, bool& empty)
{
    const auto is_name = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.';
    };
    std::size_t k = i + 1;
    while (k < doc.size() && is_name(doc[k]))
        ++k;
    name = doc.substr(i + 1, k - i - 1);
    if (name.empty())
        return std::string::npos;
    for (;;)
    {
        const std::size_t before = k;
        while (k < doc.size() && std::isspace(static_cast<unsigned char>(doc[k])))
            ++k;
        if (k >= doc.size())
            return std::string::npos;
        if (doc[k] == '>' || doc.compare(k, 2, "/>") == 0)
        {
            empty = doc[k] == '/';
            return k + (empty ? 2 : 1);
        }
        if (k == before)
            return std::string::npos;  // attributes are separated by space
        const std::size_t attr = k;
        while (k < doc.size() && is_name(doc[k]))
            ++k;
        if (k == attr || doc.compare(k, 2, "=\"") != 0)
            return std::string::npos;
        const std::size_t close = doc.find('"', k + 2);
        if (close == std::string::npos || doc.substr(k + 2, close - k - 2).find('<') != std::string::npos)
            return std::string::npos;
        k = close + 1;
    }
}

/// A small well-formedness check: tags nest and close, attributes are quoted, text has no raw '<'
/// and every '&' starts an entity. Returns the first problem, empty when well-formed.
std::string xml_problem(const std::string& doc)
{
    std::vector<std::string> open;
    static const std::regex entity(R"(^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
    std::size_t i = 0;
    while (i < doc.size())
    {
        if (doc[i] == '&')
        {
            std::smatch m;
            const std::string rest = doc.substr(i, 12);
            if (!std::regex_search(rest, m, entity))
                return "bare & at " + std::to_string(i) + ": " + rest;
            i += static_cast<std::size_t>(m.length(0));
        }
        else if (doc.compare(i, 4, "<!--") == 0 || doc.compare(i, 2, "<?") == 0 ||
                 doc.compare(i, 9, "<!DOCTYPE") == 0)
            i = doc.find('>', i) + 1;
        else if (doc.compare(i, 2, "</") == 0)
        {
            const std::size_t end = doc.find('>', i);
            const std::string name = end == std::string::npos ? "" : doc.substr(i + 2, end - i - 2);
            if (open.empty() || open.back() != name)
                return "mismatched </" + name + "> at " + std::to_string(i);
            open.pop_back();
            i = end + 1;
        }
        else if (doc[i] == '<')
        {
            std::string name;
            bool empty = false;
            const std::size_t end = parse_start_tag(doc, i, name, empty);
            if (end == std::string::npos)
                return "bad start tag at " + std::to_string(i) + ": " + doc.substr(i, 80);
            if (!empty)
                open.push_back(name);
            i = end;
        }
        else if (doc[i] == '>')
            return "bare > at " + std::to_string(i);
        else
            ++i;
    }
    return open.empty() ? std::string() : "unclosed <" + open.back() + ">";
}

// ---- phase spans

TEST(waterfall_phase_spans, follow_each_other_from_the_start_and_end_at_the_total)
{
    const auto spans = phase_spans(record(0, 100, 50, 40, 2, 3, 4, 5));
    ASSERT_EQ(spans.size(), 6u);
    const waterfall_phase order[] = {waterfall_phase::queued,
                                     waterfall_phase::dns,
                                     waterfall_phase::connect,
                                     waterfall_phase::tls,
                                     waterfall_phase::waiting,
                                     waterfall_phase::receiving};
    const double lengths[] = {2, 3, 4, 5, 26, 10};
    double at = 100;
    for (std::size_t i = 0; i < 6; ++i)
    {
        EXPECT_EQ(spans[i].phase, order[i]);
        EXPECT_DOUBLE_EQ(spans[i].start_ms, at);
        EXPECT_DOUBLE_EQ(spans[i].ms, lengths[i]);
        at += lengths[i];
    }
    EXPECT_DOUBLE_EQ(at, 150);
}

TEST(waterfall_phase_spans, a_reused_connection_has_no_setup_phases)
{
    const auto spans = phase_spans(record(0, 0, 10, 8));
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].phase, waterfall_phase::waiting);
    EXPECT_EQ(spans[1].phase, waterfall_phase::receiving);
}

TEST(waterfall_phase_spans, setup_longer_than_the_first_byte_is_cut_and_nan_is_zero)
{
    auto r = record(0, 0, 10, 5, 4, NAN, 4, 4);
    const auto spans = phase_spans(r);
    double total = 0;
    for (const auto& s : spans)
        total += s.ms;
    EXPECT_DOUBLE_EQ(total, 10);
    ASSERT_EQ(spans.size(), 3u);
    EXPECT_EQ(spans[1].phase, waterfall_phase::connect);
    EXPECT_DOUBLE_EQ(spans[1].ms, 1);
}

TEST(waterfall_phase_spans, without_a_response_the_rest_is_waiting)
{
    auto r = record(0, 0, 30, 0, 0, 5);
    r.status = 0;
    r.kind = error_kind::timeout;
    const auto spans = phase_spans(r);
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[1].phase, waterfall_phase::waiting);
    EXPECT_DOUBLE_EQ(spans[1].ms, 25);
    EXPECT_TRUE(phase_spans(record(0, 0, 0, 0)).empty());
}

// ---- text

TEST(waterfall_text, userinfo_is_stripped_also_inside_messages)
{
    EXPECT_EQ(strip_userinfo("https://user:secret@example.com/a@b"), "https://example.com/a@b");
    EXPECT_EQ(strip_userinfo("http://example.com/?x=a@b"), "http://example.com/?x=a@b");
    EXPECT_EQ(strip_userinfo("redirect to http://u:p@h/ from https://v@g:8080"),
              "redirect to http://h/ from https://g:8080");
    EXPECT_EQ(strip_userinfo("no url"), "no url");
}

TEST(waterfall_text, xml_text_escapes_and_repairs)
{
    EXPECT_EQ(detail::xml_text(R"(a&b<c>"d'e)"), "a&amp;b&lt;c&gt;&quot;d&apos;e");
    EXPECT_EQ(detail::xml_text("tab\tnul" + std::string(1, '\0')), "tab nul ");
    EXPECT_EQ(detail::xml_text("a\nb"), "a b");
    EXPECT_EQ(detail::xml_text("a\nb\r", true), "a\nb ");
    EXPECT_EQ(detail::xml_text("bad \xff\xc3("), "bad \xEF\xBF\xBD\xEF\xBF\xBD(");
    EXPECT_EQ(detail::xml_text("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(detail::shorten("abcdef", 4), "abc…");
    EXPECT_EQ(detail::shorten("abcd", 4), "abcd");
}

TEST(waterfall_text, formats_come_from_the_extension)
{
    EXPECT_EQ(waterfall_format_of("out.svg"), waterfall_format::svg);
    EXPECT_EQ(waterfall_format_of("dir.x/Out.HTML"), waterfall_format::html);
    EXPECT_EQ(waterfall_format_of("a.htm"), waterfall_format::html);
    EXPECT_FALSE(waterfall_format_of("out.png"));
    EXPECT_FALSE(waterfall_format_of("svg"));
    EXPECT_FALSE(waterfall_format_of("dir.svg/out"));
}

TEST(waterfall_axis, steps_are_round_and_labels_use_ms_or_s)
{
    EXPECT_DOUBLE_EQ(detail::nice_step(3013, 8), 500);
    EXPECT_DOUBLE_EQ(detail::nice_step(1004, 8), 200);
    EXPECT_DOUBLE_EQ(detail::nice_step(7, 8), 1);
    const auto a = detail::make_time_axis(3013, 100, 800);
    EXPECT_DOUBLE_EQ(a.axis_ms, 3500);
    EXPECT_DOUBLE_EQ(a.x(3500), 900);
    EXPECT_EQ(detail::tick_label(1500, 500, 3500), "1.5 s");
    EXPECT_EQ(detail::tick_label(3000, 1000, 5000), "3 s");
    EXPECT_EQ(detail::tick_label(400, 200, 1200), "400 ms");
    EXPECT_EQ(detail::tick_label(0, 200, 1200), "0");
    EXPECT_EQ(detail::tick_label(0.5, 0.5, 4), "0.5 ms");
    EXPECT_EQ(detail::thousands(1000), "1,000");
    EXPECT_EQ(detail::thousands(999), "999");
}

// ---- one row per URL

std::vector<waterfall_pass> three_urls()
{
    waterfall_pass p;
    p.name = "concurrent";
    p.wall_ms = 1004;
    p.records.push_back(record(0, 0.5, 1003, 1002, 0.2, 0.3, 0.4));
    auto failed = record(1, 1.0, 300, 0, 0, 0.2, 0.4);
    failed.status = 0;
    failed.kind = error_kind::timeout;
    failed.error = "timed out";
    p.records.push_back(failed);
    auto reused = record(2, 0.2, 1001, 1000);
    reused.reused = true;
    reused.url = R"(https://user:secret@example.com/a?b=1&c=<2>&d="3")";
    p.records.push_back(reused);
    return {p};
}

TEST(waterfall_svg, is_well_formed_and_self_contained)
{
    const std::string svg = render_waterfall_svg(three_urls());
    EXPECT_EQ(xml_problem(svg), "") << svg;
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);
    EXPECT_NE(svg.find("font-family=\"sans-serif\""), std::string::npos);
    EXPECT_NE(svg.find("<title>3 URLs: concurrent 1.00 s</title>"), std::string::npos) << svg;
    for (const char* legend : {"queued",
                               "dns",
                               "connect",
                               "tls",
                               "waiting for the first byte",
                               "receiving",
                               "reused connection",
                               "failed"})
        EXPECT_NE(svg.find(std::string(">") + legend + "</text>"), std::string::npos) << legend;
}

TEST(waterfall_svg, escapes_urls_and_strips_passwords)
{
    const std::string svg = render_waterfall_svg(three_urls());
    EXPECT_EQ(svg.find("secret"), std::string::npos);
    EXPECT_EQ(svg.find("user:"), std::string::npos);
    EXPECT_NE(svg.find("https://example.com/a?b=1&amp;c=&lt;2&gt;&amp;d=&quot;3&quot;"), std::string::npos)
        << svg;
}

TEST(waterfall_svg, bars_sit_where_the_records_say)
{
    const auto passes = three_urls();
    const std::string svg = render_waterfall_svg(passes);
    const auto root = elements(svg, "svg", "").at(0);
    const double plot_x = number(root, "data-plot-x");
    const double plot_width = number(root, "data-plot-width");
    const double axis_ms = number(root, "data-axis-ms");
    EXPECT_GE(axis_ms, 1004);
    const auto bars = elements(svg, "rect", "bar");
    std::size_t expected = 0;
    for (const auto& r : passes[0].records)
    {
        const auto spans = phase_spans(r);
        expected += spans.size();
        for (const auto& s : spans)
        {
            const auto it = std::find_if(bars.begin(), bars.end(), [&](const attributes& a) {
                return a.at("data-index") == std::to_string(r.index) &&
                       a.at("data-phase") == std::string(to_string(s.phase));
            });
            ASSERT_NE(it, bars.end()) << r.index << " " << to_string(s.phase);
            EXPECT_NEAR(number(*it, "x"), plot_x + s.start_ms * plot_width / axis_ms, 0.01);
            EXPECT_NEAR(number(*it, "width"), s.ms * plot_width / axis_ms, 0.01);
            EXPECT_NEAR(number(*it, "data-start-ms"), s.start_ms, 0.01);
        }
    }
    EXPECT_EQ(bars.size(), expected);
}

TEST(waterfall_svg, rows_are_in_start_order_with_failed_and_reused_marked)
{
    const std::string svg = render_waterfall_svg(three_urls());
    const auto rows = elements(svg, "g", "row");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].at("data-index"), "2");
    EXPECT_EQ(rows[1].at("data-index"), "0");
    EXPECT_EQ(rows[2].at("data-index"), "1");
    EXPECT_EQ(rows[0].at("class"), "row reused");
    EXPECT_EQ(rows[1].at("class"), "row");
    EXPECT_EQ(rows[2].at("class"), "row failed");
    EXPECT_EQ(elements(svg, "rect", "reused-mark").size(), 1u);
    EXPECT_EQ(elements(svg, "rect", "failed-mark").size(), 1u);
    EXPECT_NE(svg.find("✕ timeout</text>"), std::string::npos);
    EXPECT_NE(svg.find("failed: timeout: timed out"), std::string::npos) << "the hover text names the error";
}

TEST(waterfall_svg, compare_has_two_panels_on_one_axis_and_the_speedup_in_the_title)
{
    waterfall_pass seq;
    seq.name = "sequential";
    seq.wall_ms = 3010;
    for (std::size_t i = 0; i < 3; ++i)
        seq.records.push_back(record(i, 1003.0 * static_cast<double>(i), 1002, 1001));
    waterfall_pass conc;
    conc.name = "concurrent";
    conc.wall_ms = 1003;
    for (std::size_t i = 0; i < 3; ++i)
        conc.records.push_back(record(i, 0.1, 1002, 1001));
    const std::string svg = render_waterfall_svg({seq, conc});
    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_NE(svg.find("3 URLs: sequential 3.01 s, concurrent 1.00 s, 3.00x faster"), std::string::npos)
        << svg;
    const auto panels = elements(svg, "g", "panel");
    ASSERT_EQ(panels.size(), 2u);
    EXPECT_EQ(panels[0].at("data-pass"), "sequential");
    EXPECT_EQ(panels[1].at("data-pass"), "concurrent");
    EXPECT_DOUBLE_EQ(number(panels[0], "data-wall-ms"), 3010);
    EXPECT_DOUBLE_EQ(number(panels[1], "data-wall-ms"), 1003);
    EXPECT_NE(svg.find("sequential: 3.010 s wall time"), std::string::npos);
    EXPECT_NE(svg.find("concurrent: 1.003 s wall time"), std::string::npos);
    // One axis: the wall-time lines are as far apart as the times.
    const auto walls = elements(svg, "line", "wall");
    ASSERT_EQ(walls.size(), 2u);
    const auto root = elements(svg, "svg", "").at(0);
    const double scale = number(root, "data-plot-width") / number(root, "data-axis-ms");
    EXPECT_NEAR(number(walls[0], "x1") - number(walls[1], "x1"), (3010 - 1003) * scale, 0.02);
    EXPECT_NE(svg.find(">3.5 s</text>"), std::string::npos) << "ticks every 0.5 s up to 3.5 s";

    waterfall_options opts;
    opts.note = "last of 3 runs";
    EXPECT_NE(render_waterfall_svg({seq, conc}, opts).find("3.00x faster (last of 3 runs)</title>"),
              std::string::npos);
}

TEST(waterfall_svg, many_urls_show_requests_in_flight_and_a_histogram)
{
    waterfall_pass p;
    p.name = "concurrent";
    p.wall_ms = 100;
    for (std::size_t i = 0; i < 1000; ++i)
    {
        auto r = record(i, 0, 100, 50, 10);
        if (i % 10 == 0)
            r.kind = error_kind::connect;
        p.records.push_back(r);
    }
    waterfall_options opts;
    opts.max_rows = 200;
    const std::string svg = render_waterfall_svg({p}, opts);
    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_NE(
        svg.find(
            "1,000 URLs: too many for one row each; showing requests in flight and the latency histogram"),
        std::string::npos);
    EXPECT_TRUE(elements(svg, "rect", "bar").empty());
    EXPECT_TRUE(elements(svg, "g", "row").empty());
    const auto panels = elements(svg, "g", "panel");
    ASSERT_EQ(panels.size(), 1u);
    EXPECT_EQ(panels[0].at("data-view"), "aggregate");
    const auto flight = elements(svg, "g", "in-flight").at(0);
    EXPECT_EQ(flight.at("data-buckets"), "200");
    EXPECT_NEAR(number(flight, "data-peak"), 1000, 0.01);
    std::vector<std::string> phases;
    for (const auto& a : elements(svg, "path", "area"))
        phases.push_back(a.at("data-phase"));
    EXPECT_EQ(phases, (std::vector<std::string>{"queued", "waiting", "receiving"}));
    std::size_t counted = 0;
    for (const auto& bin : elements(svg, "rect", "bin"))
        counted += static_cast<std::size_t>(number(bin, "data-count"));
    EXPECT_EQ(counted, 1000u);
    EXPECT_EQ(elements(svg, "rect", "failed").size(), 1u) << "failed requests are their own part of a bin";
}

TEST(waterfall_svg, at_the_threshold_rows_are_still_drawn)
{
    waterfall_pass p;
    p.wall_ms = 10;
    for (std::size_t i = 0; i < 5; ++i)
        p.records.push_back(record(i, 0, 10, 5));
    waterfall_options opts;
    opts.max_rows = 5;
    EXPECT_EQ(elements(render_waterfall_svg({p}, opts), "g", "row").size(), 5u);
    opts.max_rows = 4;
    EXPECT_TRUE(elements(render_waterfall_svg({p}, opts), "g", "row").empty());
}

TEST(waterfall_html, holds_the_same_svg_in_a_page)
{
    const auto passes = three_urls();
    const std::string html = render_waterfall_html(passes);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find(render_waterfall_svg(passes)), std::string::npos);
    EXPECT_NE(html.find("<title>3 URLs: concurrent 1.00 s</title>"), std::string::npos);
    EXPECT_EQ(render_waterfall(waterfall_format::html, passes), html);
    EXPECT_EQ(xml_problem(html.substr(html.find("<svg"), html.find("</svg>") + 6 - html.find("<svg"))), "");
}

TEST(waterfall_svg, no_records_is_still_a_picture)
{
    waterfall_pass p;
    p.name = "concurrent";
    const std::string svg = render_waterfall_svg({p});
    EXPECT_EQ(xml_problem(svg), "");
    EXPECT_NE(svg.find("0 URLs"), std::string::npos);
}

}  // namespace
}  // namespace asyncfetch
