// The tool's top level: builds the shared TLS context and io_context, runs the passes, prints.
#include "asyncfetch/app.hpp"

#include "asyncfetch/proxy.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cerrno>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iostream>

namespace asyncfetch {

namespace net = boost::asio;

namespace {

run_config make_run_config(const options& o, std::size_t concurrency)
{
    run_config cfg;
    cfg.concurrency = concurrency;
    cfg.keep_order = o.keep_order;
    cfg.client.connect_timeout = o.connect_timeout;
    cfg.client.timeout = o.timeout;
    cfg.client.per_host = o.effective_per_host();
    cfg.client.max_idle = std::max(o.concurrency, o.effective_per_host());
    cfg.client.fail = o.fail;
    cfg.client.verify = !o.insecure;
    cfg.client.request = o.request;
    cfg.client.max_redirs = o.max_redirs;
    cfg.client.allow_insecure_redirects = o.allow_insecure_redirects;
    cfg.client.compressed = o.compressed;
    cfg.client.max_filesize = o.max_filesize;
    cfg.client.output_dir = o.output_dir;
    cfg.client.retry = o.retry;
    cfg.client.proxies = proxy_settings::from_environment();
    cfg.client.proxies.proxy = o.proxy;
    cfg.client.proxies.noproxy = o.noproxy;
    cfg.client.resolves = o.resolves;
    cfg.client.ip_family = o.ip_family;
    return cfg;
}

/// Writes records to out; false once the reader has gone (EPIPE leaves the stream bad).
class record_printer
{
public:
    record_printer(std::ostream& out, output_format format) : out_(out), format_(format) {}

    bool operator()(const fetch_result& r)
    {
        if (format_ == output_format::table && !header_done_)
        {
            out_ << format_table_header();
            header_done_ = true;
        }
        out_ << format_record(format_, r);
        out_.flush();
        return static_cast<bool>(out_);
    }

private:
    std::ostream& out_;
    output_format format_;
    bool header_done_ = false;
};

}  // namespace

int run_app(options o, std::istream& in, std::ostream& out, std::ostream& err)
{
    if (auto problem = load_request_body(o))
    {
        err << *problem;
        return exit_usage;
    }
    if (!o.proxy.empty() && !parse_proxy_url(o.proxy))
    {
        err << "asyncfetch: invalid proxy URL '" << o.proxy << "' (only http:// proxies are supported)\n";
        return exit_usage;
    }
    if (!o.output_dir.empty())
    {
        std::error_code ec;
        std::filesystem::create_directories(o.output_dir, ec);
        if (ec || !std::filesystem::is_directory(o.output_dir))
        {
            err << "asyncfetch: cannot create output directory " << o.output_dir << ": " << ec.message() << "\n";
            return exit_usage;
        }
    }

    std::unique_ptr<net::ssl::context> tls;
    try
    {
        tls = make_client_tls_context(!o.insecure, o.cacert);
    }
    catch (const std::exception& e)
    {
        err << "asyncfetch: " << e.what() << "\n";
        return exit_usage;
    }

    std::ifstream file;
    std::istream* input = nullptr;
    if (o.input == "-")
        input = &in;
    else if (!o.input.empty())
    {
        file.open(o.input);
        if (!file)
        {
            err << "asyncfetch: cannot read " << o.input << ": " << std::strerror(errno) << "\n";
            return exit_usage;
        }
        input = &file;
    }

    vector_source args(o.urls);
    std::optional<line_source> lines;
    std::vector<url_source*> parts{&args};
    if (input)
        parts.push_back(&lines.emplace(*input));
    chained_source src(std::move(parts));

    net::io_context ioc(1);
    record_printer printer(out, o.format);
    const result_sink print = std::ref(printer);

    pass_outcome result;
    std::optional<compare_summary> compare;
    if (o.mode == run_mode::compare)
    {
        // Both passes need the same list, so it is read whole first.
        std::vector<std::string> urls;
        while (auto u = src.next())
            urls.push_back(std::move(*u));
        vector_source seq_src(urls);
        const result_sink discard = [](const fetch_result&) { return true; };
        auto sequential = run_pass(ioc, *tls, make_run_config(o, 1), seq_src, discard);
        vector_source conc_src(urls);
        result = run_pass(ioc, *tls, make_run_config(o, o.concurrency), conc_src, print);
        compare = compare_summary{sequential.summary, result.summary};
    }
    else
    {
        const std::size_t concurrency = o.mode == run_mode::sequential ? 1 : o.concurrency;
        result = run_pass(ioc, *tls, make_run_config(o, concurrency), src, print);
    }

    // The reader closed stdout (e.g. `| head -1`): stop quietly, like grep and ripgrep.
    if (result.stopped)
        return exit_ok;

    if (o.format == output_format::json)
    {
        out << format_summary_json(result.summary, compare ? &*compare : nullptr);
        out.flush();
    }
    if (!o.quiet)
    {
        if (compare)
            err << format_compare_text(*compare);
        err << format_summary_text(result.summary);
        err.flush();
    }
    const bool any_failed = result.summary.failed > 0 || (compare && compare->sequential.failed > 0);
    return any_failed ? exit_failed : exit_ok;
}

}  // namespace asyncfetch
