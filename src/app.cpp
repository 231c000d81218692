// The tool's top level: builds the shared TLS context and io_context, runs the passes, prints.
#include "asyncfetch/app.hpp"

#include "app_files.hpp"
#include "app_inspect.hpp"
#include "app_sinks.hpp"
#include "asyncfetch/atomic_file.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/progress.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/request_body.hpp"
#include "asyncfetch/runner.hpp"
#include "asyncfetch/url.hpp"
#include "asyncfetch/url_source.hpp"
#include "asyncfetch/waterfall.hpp"
#include "options_cookies.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {

namespace net = boost::asio;
using detail::pass_recorders;
using detail::record_printer;

namespace {

/// The settings every pass shares; each pass sets its own concurrency.
run_config make_run_config(const options& o)
{
    run_config cfg;
    // The client's settings were parsed into their place; only the derived and the environment's
    // are added here.
    cfg.client = o.client;
    cfg.client.per_host = o.effective_per_host();
    cfg.client.max_idle = std::max(o.concurrency, o.effective_per_host());
    auto env = proxy_settings::from_environment();
    env.proxy = o.client.proxies.proxy;
    env.noproxy = o.client.proxies.noproxy;
    cfg.client.proxies = std::move(env);
    cfg.keep_order = o.keep_order;
    cfg.max_failures = o.max_failures;
    cfg.rate = o.rate;
    cfg.rate_per_host = o.rate_per_host;
    cfg.stop_on_interrupt = true;
    return cfg;
}

/// Setup that can fail before any request: the request body, the proxy URL, the output directory.
/// Returns the message for stderr.
std::optional<std::string> prepare(options& o)
{
    if (auto problem = load_request_body(o))
        return problem;
    if (auto problem = detail::prepare_cookies(o))
        return problem;
    if (auto problem = o.client.proxies.proxy.empty() ? std::nullopt
                                                      : proxy_url_problem(o.client.proxies.proxy))
        return "asyncfetch: " + *problem + "\n";
    if (!o.certificate.key_file.empty() && !o.certificate.given())
        return "asyncfetch: --key needs --cert\n";
    const std::string& dir = o.client.output_dir;
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    {
        // As curl: --output-dir must exist unless --create-dirs may make it.
        if (!o.client.create_dirs)
            return "asyncfetch: output directory " + dir + " does not exist (--create-dirs makes it)\n";
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir, ec))
            return "asyncfetch: cannot create output directory " + dir + ": " + ec.message() + "\n";
    }
    for (const auto& spec : o.client.outputs)
    {
        if (spec.remote_name || is_special_output(spec.path))
            continue;
        const std::string path = dir.empty() || spec.path.front() == '/' ? spec.path : dir + "/" + spec.path;
        if (std::filesystem::is_directory(path, ec))
            return "asyncfetch: -o " + spec.path +
                   ": is a directory; -o names one file per URL, as in curl: to save into a directory "
                   "use --output-dir DIR with -O or --remote-name-all\n";
    }
    // A picture that cannot be written is better known before a long run than after it.
    for (const std::string* path : {&o.waterfall, &o.har})
        if (!path->empty())
            if (auto problem = check_writable(*path))
                return "asyncfetch: cannot write " + *path + ": " + *problem + "\n";
    return std::nullopt;
}

/// The TLS context is built when the first https connection needs it, except with --cacert or
/// --cert: a CA file or a client certificate that cannot be loaded is a usage error before any
/// request. The certificate goes into the one shared context, so sessions still resume. Leaves ctx
/// null when the context can wait; returns the message when it cannot be built.
std::optional<std::string> make_tls_at_start(const options& o, std::unique_ptr<net::ssl::context>& ctx)
{
    if ((o.cacert.empty() || !o.client.verify) && !o.certificate.given())
        return std::nullopt;
    try
    {
        ctx = make_client_tls_context(o.client.verify, o.cacert);
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
    if (o.certificate.given())
        return use_client_certificate(*ctx, o.certificate);
    return std::nullopt;
}

/// The URLs after the arguments: -i FILE or '-' (stdin); nullptr for none. The message for stderr
/// when the file cannot be opened.
std::optional<std::string> open_input(const options& o,
                                      std::istream& in,
                                      std::ifstream& file,
                                      std::istream*& input)
{
    input = nullptr;
    if (o.input == "-")
        input = &in;
    else if (!o.input.empty())
    {
        // A directory opens as a stream that reads nothing: say so instead of running no URL.
        std::error_code ec;
        if (std::filesystem::is_directory(o.input, ec))
            return "asyncfetch: cannot read " + o.input + ": Is a directory\n";
        file.open(o.input);
        if (!file)
            return "asyncfetch: cannot read " + o.input + ": " + std::strerror(errno) + "\n";
        input = &file;
    }
    return std::nullopt;
}

/// --compare: the whole list is read first, then sequential and concurrent passes alternate o.runs
/// times; only the last concurrent pass prints. Returns the last pass that ran.
pass_outcome run_compare(net::io_context& ioc,
                         const tls_source& tls,
                         const options& o,
                         const run_config& base,
                         url_source& src,
                         const result_sink& print,
                         compare_summary& compare,
                         bool& sequential_failed,
                         pass_recorders& recorders)
{
    auto config_for = [&base](std::size_t concurrency) {
        run_config cfg = base;
        cfg.concurrency = concurrency;
        return cfg;
    };
    // Both passes need the same list, so it is read whole first.
    std::vector<std::string> urls;
    while (auto u = src.next())
        urls.push_back(std::move(*u));
    const result_sink discard = [](const fetch_result&) { return true; };
    // --warm: one client, so its pool (and DNS cache) carries over from pass to pass.
    std::optional<client> warm;
    if (o.warm)
        warm.emplace(ioc.get_executor(), tls, base.client);
    pass_outcome result;
    // Runs alternate sequential and concurrent passes, so a drift in the machine hits both.
    for (unsigned run = 1; run <= o.runs; ++run)
    {
        const bool last = run == o.runs;
        recorders.begin_run();
        vector_source seq_src(urls);
        auto seq_cfg = config_for(1);
        const result_sink seq_sink = recorders.keeping(discard);
        auto sequential = warm ? run_pass(ioc, *warm, seq_cfg, seq_src, seq_sink)
                               : run_pass(ioc, tls, seq_cfg, seq_src, seq_sink);
        recorders.end_pass("sequential", sequential.summary);
        compare.sequential = sequential.summary;
        compare.sequential_runs_ms.push_back(sequential.summary.elapsed_ms);
        sequential_failed = sequential_failed || sequential.summary.failed > 0;
        if (sequential.interrupted)
            return sequential;
        vector_source conc_src(urls);
        auto conc_cfg = config_for(o.concurrency);
        const result_sink conc_sink = recorders.keeping(last ? print : discard);
        result = warm ? run_pass(ioc, *warm, conc_cfg, conc_src, conc_sink)
                      : run_pass(ioc, tls, conc_cfg, conc_src, conc_sink);
        recorders.end_pass("concurrent", result.summary);
        compare.concurrent = result.summary;
        compare.concurrent_runs_ms.push_back(result.summary.elapsed_ms);
        if (result.stopped || result.interrupted)
            break;
    }
    return result;
}

/// The end of a run: the JSON summary line, the text for stderr, the --compare exports, and the
/// exit status.
int finish(const options& o,
           const pass_outcome& result,
           const compare_summary* cmp,
           bool sequential_failed,
           std::ostream& out,
           std::ostream& err)
{
    if (o.format == output_format::json && o.write_out.empty())
    {
        out << format_summary_json(result.summary, cmp);
        out.flush();
    }
    if (!o.quiet)
    {
        if (cmp)
            err << format_compare_text(*cmp);
        err << format_summary_text(result.summary);
        if (o.stats)
            err << format_stats_text(result.summary, terminal_width(2).value_or(80) > 40 ? 60 : 30);
        if (result.interrupted)
            err << "asyncfetch: interrupted by " << (result.signal == SIGTERM ? "SIGTERM" : "SIGINT") << "\n";
        else if (result.gave_up)
            err << "asyncfetch: stopped after " << result.summary.failed << " failed URL"
                << (result.summary.failed == 1 ? "" : "s") << "\n";
        err.flush();
    }
    if (cmp)
    {
        for (auto [path, text] : {std::pair{&o.export_json, &format_compare_export_json},
                                  std::pair{&o.export_markdown, &format_compare_export_markdown}})
        {
            if (path->empty())
                continue;
            std::ofstream f(*path, std::ios::binary | std::ios::trunc);
            f << text(*cmp);
            if (!f.flush())
            {
                err << "asyncfetch: cannot write " << *path << ": " << std::strerror(errno) << "\n";
                return exit_failed;
            }
        }
    }
    if (result.interrupted)
        return result.signal == SIGTERM ? exit_terminated : exit_interrupted;
    const bool any_failed = result.summary.failed > 0 || sequential_failed;
    return any_failed ? exit_failed : exit_ok;
}

}  // namespace

int run_app(options o, std::istream& in, std::ostream& out, std::ostream& err)
{
    if (auto problem = prepare(o))
    {
        err << *problem;
        return exit_usage;
    }
    detail::run_files files;
    if (auto problem = files.load(o, err))
    {
        err << *problem;
        return exit_usage;
    }

    std::unique_ptr<net::ssl::context> cacert_tls;
    if (auto problem = make_tls_at_start(o, cacert_tls))
    {
        err << "asyncfetch: " << *problem << "\n";
        return exit_usage;
    }
    tls_source tls = cacert_tls ? tls_source(*cacert_tls) : tls_source::deferred(o.client.verify, o.cacert);

    std::ifstream file;
    std::istream* input = nullptr;
    if (auto problem = open_input(o, in, file, input))
    {
        err << *problem;
        return exit_usage;
    }

    // The io_context outlives the sources: the stdin reader thread posts to it. One thread runs it,
    // and only it touches sockets and timers, so the reactor takes no locks (the scheduler still
    // does, for that thread's posts).
    net::io_context ioc(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
    vector_source args(o.urls);
    std::optional<line_source> lines;
    std::optional<threaded_line_source> piped;
    std::vector<url_source*> parts{&args};
    // stdin may be slow or endless (`tail -f log | asyncfetch`): read it on a thread of its own.
    if (input == &in)
        parts.push_back(&piped.emplace(*input, ioc.get_executor()));
    else if (input)
        parts.push_back(&lines.emplace(*input));
    chained_source src(std::move(parts));

    detail::inspect_outputs inspect;
    if (auto problem = inspect.prepare(o, in, out, err))
    {
        err << *problem;
        return exit_usage;
    }
    std::ostream& records = bodies_to_stdout(o) ? err : out;
    record_printer printer(records, o.format, !o.stdout_is_terminal, inspect.write_out());
    result_sink print = std::ref(printer);
    if (o.show_error)
    {
        // -S: one line per failed URL on stderr as well, as curl's "curl: (6) ..." under -sS.
        print = [&printer, &err](const fetch_result& r) {
            if (r.failed())
                err << "asyncfetch: " << r.url << ": " << to_string(r.kind) << ": " << r.error << "\n";
            return printer(r);
        };
    }
    print = files.learning(o, std::move(print));

    run_config base = make_run_config(o);
    inspect.configure(base.client);
    pass_recorders recorders;
    recorders.picture.on = !o.waterfall.empty();
    if (!o.har.empty())
    {
        // --har's log sees every exchange and hands -v and -D on to theirs.
        recorders.har = std::make_unique<har_recorder>(base.client.log, o.verbose_secrets);
        base.client.log = recorders.har.get();
    }
    base.run_id = new_run_id();
    base.on_flush = [&printer] { return printer.flush(); };
    if (o.progress)
    {
        const std::size_t width = terminal_width(2).value_or(80);
        base.on_progress = [&err, width](const progress_snapshot& p) {
            err << progress_redraw(p, width > 1 ? width - 1 : width);
            err.flush();
        };
    }

    pass_outcome result;
    std::optional<compare_summary> compare;
    bool sequential_failed = false;
    if (o.mode == run_mode::compare)
        result = run_compare(ioc, tls, o, base, src, print, compare.emplace(), sequential_failed, recorders);
    else
    {
        run_config cfg = base;
        cfg.concurrency = o.mode == run_mode::sequential ? 1 : o.concurrency;
        result = run_pass(ioc, tls, cfg, src, recorders.keeping(print));
        recorders.end_pass(o.mode == run_mode::sequential ? "sequential" : "concurrent", result.summary);
    }
    // Written whatever stopped the run: the picture and the archive show what happened up to then.
    bool write_failed = !recorders.write(o, err);
    // The -c jar and the --state file too (a jar on stdout after the records).
    if (o.cookie_jar == "-")
        printer.flush();
    if (!files.write(o, out, err))
        write_failed = true;

    // The reader closed stdout (e.g. `| head -1`): stop quietly, like grep and ripgrep.
    if (result.stopped || !printer.flush())
        return exit_ok;
    const compare_summary* cmp = compare && !compare->concurrent_runs_ms.empty() ? &*compare : nullptr;
    // curl's warning, once every URL was read: -o and -O left over had no URL to go with.
    if (!o.quiet && !result.interrupted && !result.gave_up && o.client.outputs.size() > result.summary.count)
        err << "asyncfetch: warning: got more output options (-o, -O) than URLs\n";
    const int status = finish(o, result, cmp, sequential_failed, records, err);
    // A read error ends the input as its end would: say so, and exit 2 as for an unreadable -i file.
    if (input && input->bad() && !result.interrupted && !result.gave_up)
    {
        err << "asyncfetch: cannot read " << (input == &in ? std::string("standard input") : o.input)
            << ": read error (the URLs before it were fetched)\n";
        return exit_usage;
    }
    return write_failed && status == exit_ok ? exit_failed : status;
}

}  // namespace asyncfetch
