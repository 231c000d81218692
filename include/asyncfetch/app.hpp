// The whole tool behind main(): options in, records and summary out, exit status back.
#pragma once

#include "asyncfetch/options.hpp"

#include <iosfwd>

namespace asyncfetch {

/// Exit statuses, as documented in --help and the README.
enum exit_status : int
{
    exit_ok = 0,             ///< every URL succeeded (or the reader closed stdout early)
    exit_failed = 1,         ///< at least one URL failed
    exit_usage = 2,          ///< bad command line, unreadable input or CA file
    exit_interrupted = 130,  ///< Ctrl-C: every started URL's result was printed
    exit_terminated = 143,   ///< SIGTERM: as for Ctrl-C
};

/// Runs the fetches the options ask for. Records go to out, the summary and messages to err;
/// stdin is read for URLs when the options say "-" (and for a '@-' body). Returns the exit status.
int run_app(options opts, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace asyncfetch
