// Micro-benchmarks of the hot paths: URL parsing, record formatting, and heap allocations per request.
#include "asyncfetch/fetch.hpp"
#include "asyncfetch/report.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/runner.hpp"
#include "asyncfetch/testbed.hpp"
#include "asyncfetch/url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

// ---------------------------------------------------------------------------------------------------
// Allocation counters. Only the calling thread's allocations are counted: the in-process testbed
// serves from a thread of its own, and its allocations are not the client's.

namespace {

struct alloc_counters
{
    std::uint64_t news = 0;       ///< calls to operator new (any form)
    std::uint64_t new_bytes = 0;  ///< bytes asked for through operator new
    std::uint64_t mallocs = 0;    ///< every C allocation: operator new's, OpenSSL's and Asio's aligned ones
    std::uint64_t aligned = 0;    ///< aligned_alloc, memalign and posix_memalign (Asio's frames and handlers)
    /// Of those, the ones over 1,021 bytes: Asio's per-thread recycling cache never keeps them
    /// (at most 255 chunks of 4 bytes plus one), so every coroutine frame that size is a malloc.
    std::uint64_t aligned_large = 0;
};

thread_local alloc_counters counters;

void count_aligned(std::size_t n) noexcept
{
    ++counters.mallocs;
    ++counters.aligned;
    if (n > 1021)
        ++counters.aligned_large;
}

}  // namespace

// glibc's own allocator under the interposed C functions (exported for exactly this use).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) noexcept
{
    ++counters.mallocs;
    return __libc_malloc(n);
}

void* calloc(std::size_t n, std::size_t size) noexcept
{
    ++counters.mallocs;
    return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t n) noexcept
{
    ++counters.mallocs;
    return __libc_realloc(p, n);
}

void* aligned_alloc(std::size_t al, std::size_t n) noexcept
{
    count_aligned(n);
    return __libc_memalign(al, n);
}

void* memalign(std::size_t al, std::size_t n) noexcept
{
    count_aligned(n);
    return __libc_memalign(al, n);
}

int posix_memalign(void** out, std::size_t al, std::size_t n) noexcept
{
    count_aligned(n);
    void* p = __libc_memalign(al, n);
    if (p == nullptr)
        return ENOMEM;
    *out = p;
    return 0;
}

void free(void* p) noexcept { __libc_free(p); }
}

namespace {

void* counted_new(std::size_t n)
{
    ++counters.news;
    counters.new_bytes += n;
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}

void* counted_new(std::size_t n, std::align_val_t al)
{
    ++counters.news;
    counters.new_bytes += n;
    ++counters.mallocs;
    if (void* p = __libc_memalign(static_cast<std::size_t>(al), n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, std::align_val_t al) { return counted_new(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_new(n, al); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

namespace net = boost::asio;

// ---------------------------------------------------------------------------------------------------
// Pure functions.

constexpr std::array<std::string_view, 5> typical_urls = {
    "http://127.0.0.1:8080/small/00042.bin",
    "https://example.com/",
    "https://www.example.org/path/to/some/resource.html?query=1&page=2",
    "HTTPS://User@Example.COM:8443/a/b/c?x=y#fragment",
    "http://[::1]:8080/index.html",
};

void bm_parse_url(benchmark::State& state)
{
    const std::string_view text = typical_urls[static_cast<std::size_t>(state.range(0))];
    state.SetLabel(std::string(text));
    const auto before = counters;
    for (auto _ : state)
    {
        auto u = asyncfetch::parse_url(text);
        benchmark::DoNotOptimize(u);
    }
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(counters.news - before.news),
                                                  benchmark::Counter::kAvgIterations);
}
BENCHMARK(bm_parse_url)->DenseRange(0, typical_urls.size() - 1);

asyncfetch::fetch_result typical_result(bool failed)
{
    asyncfetch::fetch_result r;
    r.index = 4242;
    r.url = "https://www.example.org/path/to/some/resource.html?query=1&page=2";
    r.status = failed ? 0 : 200;
    r.bytes = failed ? 0 : 1234;
    r.time_ms = 12.3456;
    r.ttfb_ms = 4.567;
    r.reused = !failed;
    if (failed)
    {
        r.kind = asyncfetch::error_kind::connect;
        r.error = "failed to connect to www.example.org: Connection refused";
    }
    return r;
}

template <std::string (*Format)(const asyncfetch::fetch_result&)>
void bm_format(benchmark::State& state)
{
    const auto r = typical_result(state.range(0) != 0);
    state.SetLabel(r.ok() ? "ok" : "failed");
    const auto before = counters;
    for (auto _ : state)
    {
        auto line = Format(r);
        benchmark::DoNotOptimize(line);
    }
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(counters.news - before.news),
                                                  benchmark::Counter::kAvgIterations);
}
BENCHMARK(bm_format<asyncfetch::format_tsv>)->Name("bm_format_tsv")->Arg(0)->Arg(1);
BENCHMARK(bm_format<asyncfetch::format_json>)->Name("bm_format_json")->Arg(0)->Arg(1);
BENCHMARK(bm_format<asyncfetch::format_table_row>)->Name("bm_format_table_row")->Arg(0)->Arg(1);

// ---------------------------------------------------------------------------------------------------
// Allocations per request: one client, an in-process testbed, small URLs fetched one after another
// over one kept-alive connection.

constexpr std::size_t batch = 1000;

/// A testbed and a TLS context that trusts it, shared by the fetch benchmarks.
struct server_fixture
{
    explicit server_fixture(bool tls) : server(asyncfetch::testbed_config{.tls = tls})
    {
        if (tls)
        {
            cert_file = std::filesystem::temp_directory_path() / "asyncfetch-micro-bench-ca.pem";
            std::ofstream(cert_file) << server.cert_pem();
        }
        tls_ctx = asyncfetch::make_client_tls_context(true, cert_file.string());
        for (std::size_t i = 0; i < batch; ++i)
            urls.push_back(server.base_url() + "/bytes/1024?i=" + std::to_string(i));
    }

    ~server_fixture()
    {
        if (!cert_file.empty())
            std::filesystem::remove(cert_file);
    }

    asyncfetch::testbed server;
    std::filesystem::path cert_file;
    std::unique_ptr<net::ssl::context> tls_ctx;
    std::vector<std::string> urls;
};

net::awaitable<void> fetch_all(asyncfetch::client& c,
                               const std::vector<std::string>& urls,
                               std::size_t& failed)
{
    for (std::size_t i = 0; i < urls.size(); ++i)
    {
        auto r = co_await c.fetch(i, urls[i]);
        failed += r.ok() ? 0 : 1;
    }
}

/// client::fetch alone: the per-request cost of the fetch coroutine, parser, pool and request.
void bm_fetch_sequential(benchmark::State& state)
{
    server_fixture fx(state.range(0) != 0);
    state.SetLabel(state.range(0) ? "https" : "http");
    net::io_context ioc(1);
    // HTTP/1.1, as these counts always were: the testbed offers h2 by ALPN under TLS now, and an
    // idle HTTP/2 connection keeps io_context::run() from returning between iterations.
    asyncfetch::client_config client_cfg;
    client_cfg.versions = asyncfetch::http_versions::http1_only;
    asyncfetch::client client(ioc.get_executor(), *fx.tls_ctx, client_cfg);
    std::size_t failed = 0;

    // The first request opens the connection (and does the TLS handshake): not counted.
    const std::vector<std::string> first{fx.urls.front()};
    net::co_spawn(ioc, fetch_all(client, first, failed), net::detached);
    ioc.run();

    std::uint64_t requests = 0;
    const auto before = counters;
    for (auto _ : state)
    {
        ioc.restart();
        net::co_spawn(ioc, fetch_all(client, fx.urls, failed), net::detached);
        ioc.run();
        requests += fx.urls.size();
    }
    const auto n = static_cast<double>(requests);
    state.counters["allocs_per_req"] = static_cast<double>(counters.news - before.news) / n;
    state.counters["bytes_per_req"] = static_cast<double>(counters.new_bytes - before.new_bytes) / n;
    state.counters["mallocs_per_req"] = static_cast<double>(counters.mallocs - before.mallocs) / n;
    state.counters["aligned_per_req"] = static_cast<double>(counters.aligned - before.aligned) / n;
    state.counters["aligned_large_per_req"] = static_cast<double>(counters.aligned_large -
                                                                  before.aligned_large) /
                                              n;
    state.counters["time_per_req"] = benchmark::Counter(
        n,
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["connections"] = static_cast<double>(client.counters().connections_opened);
    state.counters["failed"] = static_cast<double>(failed);
    state.SetItemsProcessed(static_cast<std::int64_t>(requests));
}
BENCHMARK(bm_fetch_sequential)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The whole pipeline the tool runs per URL at -j 1: source, runner, fetch, TSV record (not written).
void bm_run_pass_sequential(benchmark::State& state)
{
    server_fixture fx(state.range(0) != 0);
    state.SetLabel(state.range(0) ? "https" : "http");
    net::io_context ioc(1);
    asyncfetch::run_config cfg;
    cfg.concurrency = 1;
    cfg.client.versions = asyncfetch::http_versions::http1_only;
    std::size_t failed = 0;
    std::size_t bytes = 0;
    const asyncfetch::result_sink sink = [&](const asyncfetch::fetch_result& r) {
        failed += r.ok() ? 0 : 1;
        bytes += asyncfetch::format_tsv(r).size();
        return true;
    };

    std::uint64_t requests = 0;
    std::uint64_t connections = 0;
    const auto before = counters;
    for (auto _ : state)
    {
        asyncfetch::vector_source src(fx.urls);
        const auto out = asyncfetch::run_pass(ioc, *fx.tls_ctx, cfg, src, sink);
        requests += fx.urls.size();
        connections += out.summary.connections_opened;
    }
    benchmark::DoNotOptimize(bytes);
    const auto n = static_cast<double>(requests);
    state.counters["allocs_per_req"] = static_cast<double>(counters.news - before.news) / n;
    state.counters["bytes_per_req"] = static_cast<double>(counters.new_bytes - before.new_bytes) / n;
    state.counters["mallocs_per_req"] = static_cast<double>(counters.mallocs - before.mallocs) / n;
    state.counters["aligned_per_req"] = static_cast<double>(counters.aligned - before.aligned) / n;
    state.counters["time_per_req"] = benchmark::Counter(
        n,
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["connections"] = benchmark::Counter(static_cast<double>(connections),
                                                       benchmark::Counter::kAvgIterations);
    state.counters["failed"] = static_cast<double>(failed);
    state.SetItemsProcessed(static_cast<std::int64_t>(requests));
}
BENCHMARK(bm_run_pass_sequential)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
