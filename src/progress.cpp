// Progress line rendering: counts, rate, bytes, elapsed time and ETA, redrawn with CR and EL.
#include "asyncfetch/progress.hpp"

#include "asyncfetch/units.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace asyncfetch {

std::string format_progress(const progress_snapshot& p, std::size_t width)
{
    const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
    std::string line;
    if (p.total && *p.total > 0)
    {
        constexpr std::size_t bar = 20;
        const std::size_t filled = std::min(bar, p.done * bar / *p.total);
        line += "[" + std::string(filled, '=') + (filled < bar ? ">" : "") +
                std::string(bar - filled - (filled < bar ? 1 : 0), ' ') + "] ";
        line += std::to_string(p.done) + "/" + std::to_string(*p.total) + " done";
    }
    else
    {
        line += std::to_string(p.done) + " done";
    }
    line += " · " + std::to_string(p.in_flight) + " in flight";
    line += " · " + std::to_string(p.failed) + " failed";
    line += " · " + fixed_point(rate, 1) + " req/s";
    line += " · " + human_bytes(p.bytes);
    line += " · " + human_elapsed(p.elapsed_s);
    if (p.total && rate > 0 && *p.total >= p.done)
        line += " · ETA " + human_elapsed(static_cast<double>(*p.total - p.done) / rate);

    // Cut to the width in columns: every "·" is one column but two bytes.
    std::size_t columns = 0;
    std::size_t cut = 0;
    for (; cut < line.size() && columns < width; ++cut)
        if ((static_cast<unsigned char>(line[cut]) & 0xC0) != 0x80)
            ++columns;
    while (cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
        ++cut;
    if (columns >= width && cut < line.size())
        line.resize(cut);
    return line;
}

std::string progress_redraw(const progress_snapshot& p, std::size_t width)
{
    std::string out = "\r\x1b[2K";
    if (!p.final)
        out += format_progress(p, width);
    return out;
}

std::optional<std::size_t> terminal_width(int fd)
{
    if (!isatty(fd))
        return std::nullopt;
    winsize ws{};
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return static_cast<std::size_t>(ws.ws_col);
    return 80;
}

}  // namespace asyncfetch
