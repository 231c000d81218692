// The tool's -v, -D and -w: reading and parsing the -w format, opening -D's file, making the log.
#include "app_inspect.hpp"

#include "local_file.hpp"

#include <cerrno>
#include <cstring>
#include <istream>

namespace asyncfetch::detail {

namespace {

/// The largest -w @FILE: a format, not data (/dev/zero would otherwise fill the memory).
constexpr std::size_t max_write_out_file = std::size_t{1} << 20;

}  // namespace

std::optional<std::string> inspect_outputs::prepare(const options& o,
                                                    std::istream& in,
                                                    std::ostream& out,
                                                    std::ostream& err)
{
    if (!o.write_out.empty())
    {
        std::string text = o.write_out;
        if (text.front() == '@')
        {
            const std::string path = text.substr(1);
            text.clear();
            if (path == "-")
            {
                if (auto problem = read_bounded(in, max_write_out_file, text))
                    return "asyncfetch: cannot read -w format from stdin: " + *problem + "\n";
            }
            else if (auto problem = read_local_file(path, max_write_out_file, text))
                return "asyncfetch: cannot read " + path + ": " + problem->message + "\n";
        }
        auto parsed = parse_write_out(text);
        if (!parsed.error.empty())
            return "asyncfetch: " + parsed.error + "\n";
        format_ = std::move(parsed.format);
    }
    std::ostream* headers_out = nullptr;
    if (o.dump_header == "-")
        headers_out = &out;
    else if (!o.dump_header.empty())
    {
        dump_file_.open(o.dump_header, std::ios::binary | std::ios::trunc);
        if (!dump_file_)
            return "asyncfetch: cannot write " + o.dump_header + ": " + std::strerror(errno) + "\n";
        headers_out = &dump_file_;
    }
    if (o.verbose || headers_out)
        log_ = std::make_unique<stream_exchange_log>(
            exchange_log_settings{o.verbose, o.verbose_secrets, headers_out != nullptr},
            o.verbose ? &err : nullptr,
            headers_out);
    return std::nullopt;
}

void inspect_outputs::configure(client_config& c) const
{
    c.log = log_.get();
    if (format_)
        c.keep_headers = format_->header_names();
}

}  // namespace asyncfetch::detail
