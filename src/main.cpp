// asyncfetch's entry point: wires the command line to the library.
#include "asyncfetch/app.hpp"
#include "asyncfetch/options.hpp"
#include "asyncfetch/report_command.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <utility>

int main(int argc, char** argv)
{
    // A closed stdout shows up as a failed write, which ends the run quietly.
    std::signal(SIGPIPE, SIG_IGN);
    if (asyncfetch::is_report_command(argc, argv))
    {
        auto report = asyncfetch::parse_report_command(argc, argv);
        if (!report.opts)
        {
            std::fputs(report.out.c_str(), stdout);
            std::fputs(report.err.c_str(), stderr);
            return report.exit_code;
        }
        std::ios::sync_with_stdio(false);
        return asyncfetch::run_report(*report.opts, std::cin, std::cout, std::cerr);
    }
    const asyncfetch::terminal_info term{isatty(STDIN_FILENO) == 1,
                                         isatty(STDOUT_FILENO) == 1,
                                         isatty(STDERR_FILENO) == 1};
    const asyncfetch::config_sources config{
        asyncfetch::default_config_path(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")),
        &std::cin};
    auto parsed = asyncfetch::parse_command_line(argc, argv, term, config);
    if (!parsed.opts)
    {
        std::fputs(parsed.out.c_str(), stdout);
        std::fputs(parsed.err.c_str(), stderr);
        return parsed.exit_code;
    }
    // Many concurrent connections need many descriptors: take the hard limit, as curl and wget2 do.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::ios::sync_with_stdio(false);
    try
    {
        return asyncfetch::run_app(std::move(*parsed.opts), std::cin, std::cout, std::cerr);
    }
    catch (const std::exception& e)
    {
        // Setting up the run failed (with very few file descriptors, the signal handling's pipe):
        // a message and exit 2, never an abort.
        std::cerr << "asyncfetch: cannot start: " << e.what() << std::endl;
        return 2;
    }
}
