// Runs many fetches over one client: at most -j at once, or one at a time, results streamed to a sink.
#pragma once

#include "asyncfetch/fetch.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/stats.hpp"

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace asyncfetch {

/// Input URLs, read lazily so a long list streams instead of loading whole.
class url_source
{
public:
    virtual ~url_source() = default;
    /// The next URL, or nullopt at the end.
    virtual std::optional<std::string> next() = 0;
};

/// URLs from a vector (the vector must outlive the source).
class vector_source final : public url_source
{
public:
    explicit vector_source(const std::vector<std::string>& urls) : urls_(urls) {}
    std::optional<std::string> next() override;

private:
    const std::vector<std::string>& urls_;
    std::size_t pos_ = 0;
};

/// URLs from a stream, one a line: blank lines and lines starting with '#' are skipped,
/// surrounding blanks and a trailing CR are trimmed.
class line_source final : public url_source
{
public:
    explicit line_source(std::istream& in) : in_(in) {}
    std::optional<std::string> next() override;

private:
    std::istream& in_;
};

/// The URLs of one source after another's.
class chained_source final : public url_source
{
public:
    explicit chained_source(std::vector<url_source*> parts) : parts_(std::move(parts)) {}
    std::optional<std::string> next() override;

private:
    std::vector<url_source*> parts_;
    std::size_t pos_ = 0;
};

/// How one pass runs.
struct run_config
{
    std::size_t concurrency = 50;  ///< most fetches in flight; 1 is the sequential baseline
    bool keep_order = false;       ///< deliver results in input order
    client_config client;          ///< settings for the pass's client
};

/// Receives each result when it is ready; returns false to stop the pass (the reader went away).
using result_sink = std::function<bool(const fetch_result&)>;

/// What a pass ended with.
struct pass_outcome
{
    run_summary summary;  ///< totals, connection counts and wall time
    bool stopped = false;  ///< the sink asked to stop; in-flight fetches were cancelled
};

/// Runs one pass over src with a fresh client (fresh DNS cache and pool) on ioc, which must not be
/// running. Every URL gets exactly one result, delivered to sink, unless the sink stops the pass.
pass_outcome run_pass(boost::asio::io_context& ioc,
                      boost::asio::ssl::context& tls,
                      const run_config& config,
                      url_source& src,
                      const result_sink& sink);

}  // namespace asyncfetch
