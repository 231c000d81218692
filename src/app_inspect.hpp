// The tool's -v, -D and -w: the exchange log's streams and the -w format, set up before the first request.
#pragma once

#include "asyncfetch/client_config.hpp"
#include "asyncfetch/exchange_log.hpp"
#include "asyncfetch/options.hpp"
#include "asyncfetch/write_out.hpp"

#include <fstream>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace asyncfetch::detail {

/// What -v, -D and -w need for a run.
class inspect_outputs
{
public:
    /// Reads -w's '@FILE' ('@-': in) and parses the format, opens -D's file ('-': out), and makes
    /// the exchange log for -v (to err) and -D. The message for stderr (exit 2) on a problem.
    std::optional<std::string> prepare(const options& o,
                                       std::istream& in,
                                       std::ostream& out,
                                       std::ostream& err);

    /// Gives the client the log and the response fields -w shows.
    void configure(client_config& c) const;

    /// The -w format; null without -w.
    const write_out_format* write_out() const noexcept { return format_ ? &*format_ : nullptr; }

private:
    std::ofstream dump_file_;
    std::unique_ptr<stream_exchange_log> log_;
    std::optional<write_out_format> format_;
};

}  // namespace asyncfetch::detail
