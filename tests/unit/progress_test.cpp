// The progress line: exact text with and without a known total, width limits, redraw bytes.
#include "asyncfetch/progress.hpp"

#include <gtest/gtest.h>

namespace asyncfetch {
namespace {

progress_snapshot sample()
{
    progress_snapshot p;
    p.done = 120;
    p.total = 300;
    p.in_flight = 50;
    p.failed = 2;
    p.bytes = 3 * 1024 * 1024 / 2;
    p.elapsed_s = 2.0;
    return p;
}

TEST(progress, with_a_known_total)
{
    EXPECT_EQ(
        format_progress(sample(), 200),
        "[========>           ] 120/300 done · 50 in flight · 2 failed · 60.0 req/s · 1.5 MiB · 2.0 s · "
        "ETA 3.0 s");
}

TEST(progress, without_a_total)
{
    auto p = sample();
    p.total.reset();
    p.bytes = 10;
    EXPECT_EQ(format_progress(p, 200), "120 done · 50 in flight · 2 failed · 60.0 req/s · 10 B · 2.0 s");
}

TEST(progress, complete_bar_and_minutes)
{
    auto p = sample();
    p.done = 300;
    p.in_flight = 0;
    p.elapsed_s = 125;
    EXPECT_EQ(
        format_progress(p, 200),
        "[====================] 300/300 done · 0 in flight · 2 failed · 2.4 req/s · 1.5 MiB · 2 min 5 s · "
        "ETA 0.0 s");
}

TEST(progress, cut_to_the_width_in_columns)
{
    const std::string line = format_progress(sample(), 40);
    std::size_t columns = 0;
    for (unsigned char c : line)
        if ((c & 0xC0) != 0x80)
            ++columns;
    EXPECT_EQ(columns, 40u);
    EXPECT_EQ(line.rfind("[========>", 0), 0u);
}

TEST(progress, nothing_done_yet_has_no_eta)
{
    progress_snapshot p;
    p.total = 10;
    p.in_flight = 3;
    p.elapsed_s = 0.6;
    EXPECT_EQ(format_progress(p, 200),
              "[>                   ] 0/10 done · 3 in flight · 0 failed · 0.0 req/s · 0 B · 0.6 s");
}

TEST(progress, redraw_returns_to_the_line_start_and_the_final_one_clears)
{
    auto p = sample();
    EXPECT_EQ(progress_redraw(p, 200), "\r\x1b[2K" + format_progress(p, 200));
    p.final = true;
    EXPECT_EQ(progress_redraw(p, 200), "\r\x1b[2K");
}

}  // namespace
}  // namespace asyncfetch
