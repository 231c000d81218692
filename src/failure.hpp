// Why an exchange or a connect failed (the error, the phase, what had arrived) and the words a user reads.
#pragma once

#include "asyncfetch/error.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

namespace asyncfetch::detail {

/// Where a request failed; decides the error kind of errors that could come from several phases.
enum class phase
{
    dns,
    connect,
    proxy,
    tls,
    send,
    receive,
};

/// A failed step of a fetch, or success when ec is empty.
struct failure
{
    failure() = default;
    failure(boost::system::error_code e, phase p, bool got = false) : ec(e), where(p), got_response(got) {}

    boost::system::error_code ec;
    phase where = phase::send;
    bool got_response = false;  ///< some byte of a response arrived
    std::string detail;         ///< extra words for the message (TLS verification result, proxy status)

    explicit operator bool() const noexcept { return static_cast<bool>(ec); }
};

/// What describe_failure() needs to know about the request besides the failure itself.
struct failure_context
{
    std::string_view peer;           ///< host[:port] connected to: the proxy's when there is one
    std::string_view target;         ///< the URL's host[:port]
    std::string_view resolved_host;  ///< the host name that was resolved (the proxy's when there is one)
    bool via_proxy = false;
    bool past_deadline = false;  ///< the whole-request deadline had passed when it failed
    bool got_status = false;     ///< a response status line had been read
    bool interrupted = false;    ///< Ctrl-C or SIGTERM stopped the run (client::cancel_all)
    std::chrono::milliseconds timeout{0};
    std::chrono::milliseconds connect_timeout{0};
};

/// The server closed the connection before any byte of a response.
bool closed_without_response(const failure& f) noexcept;

/// "2 s", "1.5 s": a duration the way the messages give it.
std::string limit_seconds_text(std::chrono::milliseconds d);

/// The error kind and one-line message for a failure. operation_aborted, which the engine gives only
/// when the run is stopped, is "interrupted" after Ctrl-C or SIGTERM and "cancelled" (io) after
/// --fail-fast or a closed stdout.
std::pair<error_kind, std::string> describe_failure(const failure& f, const failure_context& c);

}  // namespace asyncfetch::detail
