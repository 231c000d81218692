// Where a run's results go besides the engine: the record printer (-w or a format) and the --waterfall
// recorder.
#pragma once

#include "asyncfetch/options.hpp"
#include "asyncfetch/output_format.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/runner.hpp"
#include "asyncfetch/waterfall.hpp"
#include "asyncfetch/write_out.hpp"

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace asyncfetch::detail {

/// Writes records to out; false once the reader has gone (EPIPE leaves the stream bad). On a
/// terminal every record is written at once; into a pipe or file they are batched (32 KiB, or
/// whatever has gathered when the runner calls flush() every 20 ms), so 10,000 records are not
/// 10,000 write calls, yet a slow run still streams.
class record_printer
{
public:
    /// write_out: -w's format, which replaces the records when it is not null.
    record_printer(std::ostream& out, output_format format, bool batched, const write_out_format* write_out)
        : out_(out), format_(format), batched_(batched), write_out_(write_out)
    {
    }

    bool operator()(const fetch_result& r);
    bool flush();

private:
    std::ostream& out_;
    output_format format_;
    bool batched_;
    const write_out_format* write_out_;
    bool header_done_ = false;
    std::string pending_;
};

/// --waterfall: the passes it draws, with their records (with --runs, those of the last run).
struct waterfall_recorder
{
    bool on = false;
    std::vector<fetch_result> pending;
    std::vector<waterfall_pass> passes;

    /// next, keeping a copy of each result for the picture first.
    result_sink keeping(result_sink next)
    {
        if (!on)
            return next;
        return [this, next = std::move(next)](const fetch_result& r) {
            pending.push_back(r);
            return next(r);
        };
    }

    void end_pass(std::string name, double wall_ms)
    {
        if (on)
            passes.push_back({std::move(name), std::move(pending), wall_ms});
        pending.clear();
    }

    /// Draws the passes into o.waterfall; false (with the message on err) when it cannot be written.
    bool write(const options& o, std::ostream& err) const;
};

}  // namespace asyncfetch::detail
