// Where a run's results go besides the engine: the record printer (-w or a format), the --waterfall
// recorder and --har's.
#pragma once

#include "asyncfetch/har.hpp"
#include "asyncfetch/options.hpp"
#include "asyncfetch/output_format.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/runner.hpp"
#include "asyncfetch/waterfall.hpp"
#include "asyncfetch/write_out.hpp"

#include <iosfwd>
#include <memory>
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

/// What the files written after the run keep of its passes: --waterfall's picture, --har's archive.
struct pass_recorders
{
    waterfall_recorder picture;
    std::unique_ptr<har_recorder> har;  ///< --har; it is the client's exchange log

    /// next, keeping each result for the picture and the archive first.
    result_sink keeping(result_sink next)
    {
        if (har)
            next = har->keeping(std::move(next));
        return picture.keeping(std::move(next));
    }

    /// A new --runs round: only the last one's passes are kept.
    void begin_run()
    {
        picture.passes.clear();
        if (har)
            har->clear();
    }

    void end_pass(const std::string& name, const run_summary& s)
    {
        if (har)
            har->end_pass(name, s.started_at);
        picture.end_pass(name, s.elapsed_ms);
    }

    /// Writes the picture and the archive the options ask for; false (with the message on err) when
    /// one cannot be written.
    bool write(const options& o, std::ostream& err) const;
};

}  // namespace asyncfetch::detail
