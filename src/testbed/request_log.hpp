// The testbed's request log: the newest requests read, capped in number and in body bytes.
#pragma once

#include "asyncfetch/testbed.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch::detail::testbed_parts {

/// The requests a testbed read, oldest first, for testbed::requests(). Thread-safe.
class request_log
{
public:
    /// Adds a request read on a connection (over TLS or not, with that SNI), dropping the oldest beyond
    /// 100,000 requests or 256 MiB of bodies.
    void add(const boost::beast::http::request<boost::beast::http::string_body>& request,
             bool tls,
             const std::optional<std::string>& server_name);
    /// A copy of the log, oldest first.
    std::vector<recorded_request> snapshot() const;
    /// Empties the log.
    void clear();

private:
    mutable std::mutex mutex_;
    std::deque<recorded_request> log_;  ///< guarded by mutex_
    std::size_t body_bytes_ = 0;        ///< guarded by mutex_
};

}  // namespace asyncfetch::detail::testbed_parts
