// The shared connection context (client) and the per-URL fetch coroutine that runs on it.
#pragma once

#include "asyncfetch/client_config.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/result.hpp"
#include "asyncfetch/retry.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace asyncfetch {

/// Connection counts of a client.
struct client_counters
{
    std::size_t connections_opened = 0;  ///< new connections established
    std::size_t connections_reused = 0;  ///< requests sent over a pooled connection
    std::size_t tls_handshakes = 0;      ///< TLS handshakes completed
    std::size_t dns_lookups = 0;         ///< DNS queries sent (cache hits not counted)
    std::size_t tls_resumed = 0;         ///< TLS handshakes that resumed an earlier session
};

/// Where a client gets its TLS context: an existing one, or one built by make_client_tls_context()
/// the first time a TLS connection needs it. Creating an OpenSSL context initialises most of
/// libssl and libcrypto (about 2.5 MB of memory touched), which a run of http URLs never needs.
/// Copies share the context. Not thread-safe, like the client.
class tls_source
{
public:
    /// An existing context, which must outlive every client using it.
    tls_source(boost::asio::ssl::context& ctx) noexcept;  // NOLINT(google-explicit-constructor)

    /// A context made by make_client_tls_context(verify, cacert_file) at the first get().
    static tls_source deferred(bool verify, std::string cacert_file);

    /// The context; builds it on the first call of a deferred source. Throws what
    /// make_client_tls_context() throws.
    boost::asio::ssl::context& get();

    /// The context has been built (always true for an existing one).
    bool ready() const noexcept;

private:
    struct deferred_context;
    tls_source() = default;

    boost::asio::ssl::context* ctx_ = nullptr;
    std::shared_ptr<deferred_context> deferred_;
};

/// Why the fetches in flight are being stopped.
enum class stop_reason
{
    cancelled,    ///< --fail-fast, --max-failures or a closed stdout: results say "cancelled" (io)
    interrupted,  ///< Ctrl-C or SIGTERM: results have kind interrupted
};

/// The shared connection context: one DNS cache and one keep-alive pool over one executor and
/// one TLS context. Not thread-safe: all fetches run on the same single-threaded io_context.
class client
{
public:
    /// tls's context must outlive the client; it is configured by make_client_tls_context().
    client(boost::asio::any_io_executor ex, tls_source tls, client_config config);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Fetches one URL: resolve, connect, TLS, request, response. Never throws for network or
    /// server failures: they come back in the result. index and url_text are copied into it.
    boost::asio::awaitable<fetch_result> fetch(std::size_t index, std::string url_text);

    /// fetch() into a result the caller keeps (default-constructed, alive until this completes):
    /// the runner's way, which spares a coroutine frame the size of a result per URL. url_text is
    /// moved into r.url once the fetch has started (it is left as it was if the fetch cannot start).
    /// start is when the fetch began, for its time and its deadline (the runner has read the clock).
    boost::asio::awaitable<void> fetch_into(
        std::size_t index,
        std::string&& url_text,
        fetch_result& r,
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

    /// Closes idle connections that keep operations pending (an HTTP/2 connection reads all the
    /// time), so that io_context::run() returns once the fetches are done. Other idle connections
    /// stay pooled.
    void close_idle_multiplexed() noexcept;

    /// Connection counts so far.
    client_counters counters() const noexcept;

    /// Stops everything in flight: pending reads, writes and connects fail with operation_aborted,
    /// and fetches started later end at once. Their results say "cancelled" (kind io) for
    /// --fail-fast and a closed stdout, or have kind interrupted for Ctrl-C and SIGTERM.
    void cancel_all(stop_reason why = stop_reason::cancelled);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Builds the client TLS context: TLS 1.2+, peer verification against the system CA store,
/// or against cacert_file when given. Throws std::runtime_error when cacert_file can't be loaded.
std::unique_ptr<boost::asio::ssl::context> make_client_tls_context(bool verify,
                                                                   const std::string& cacert_file);

/// Loads the system CA store into a context from make_client_tls_context() the first time it is
/// needed (before the first TLS handshake); later calls do nothing.
void load_system_store_if_pending(boost::asio::ssl::context& ctx);

}  // namespace asyncfetch
