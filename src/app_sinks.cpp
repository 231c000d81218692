// The record printer's batching, the --waterfall recorder's picture and the --har file.
#include "app_sinks.hpp"

#include "asyncfetch/atomic_file.hpp"
#include "asyncfetch/report.hpp"

#include <ostream>

namespace asyncfetch::detail {

bool record_printer::operator()(const fetch_result& r)
{
    if (write_out_)
        pending_ += expand_write_out(*write_out_, r);
    else
    {
        if (format_ == output_format::table && !header_done_)
        {
            pending_ += format_table_header();
            header_done_ = true;
        }
        append_record(pending_, format_, r);
    }
    if (!batched_ || pending_.size() >= 32 * 1024)
        return flush();
    return static_cast<bool>(out_);
}

bool record_printer::flush()
{
    if (!pending_.empty())
    {
        out_.write(pending_.data(), static_cast<std::streamsize>(pending_.size()));
        pending_.clear();
    }
    out_.flush();
    return static_cast<bool>(out_);
}

bool waterfall_recorder::write(const options& o, std::ostream& err) const
{
    waterfall_options opts;
    if (o.runs > 1 && passes.size() == 2)
        opts.note = "last of " + std::to_string(o.runs) + " runs";
    const std::string text = render_waterfall(
        waterfall_format_of(o.waterfall).value_or(waterfall_format::svg),
        passes,
        opts);
    if (auto problem = write_file_atomically(o.waterfall, text))
    {
        err << "asyncfetch: cannot write " << o.waterfall << ": " << *problem << "\n";
        return false;
    }
    return true;
}

bool pass_recorders::write(const options& o, std::ostream& err) const
{
    bool ok = !picture.on || picture.write(o, err);
    if (har)
    {
        const std::string text = format_har(har->passes(),
                                            o.client.request.method,
                                            ASYNCFETCH_VERSION,
                                            o.verbose_secrets);
        if (auto problem = write_file_atomically(o.har, text))
        {
            err << "asyncfetch: cannot write " << o.har << ": " << *problem << "\n";
            ok = false;
        }
    }
    return ok;
}

}  // namespace asyncfetch::detail
