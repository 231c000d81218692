// The testbed's request log: the newest requests read, capped in number and in body bytes.
#include "request_log.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <utility>

namespace asyncfetch {

namespace beast = boost::beast;
namespace http = beast::http;

namespace detail::testbed_parts {

namespace {

constexpr std::size_t max_logged_requests = 100'000;
constexpr std::size_t max_logged_body_bytes = std::size_t{256} << 20;

}  // namespace

void request_log::add(const http::request<http::string_body>& request,
                      bool tls,
                      const std::optional<std::string>& server_name)
{
    recorded_request entry;
    entry.method = request.method_string();
    entry.target = request.target();
    for (const auto& field : request)
        entry.headers.emplace_back(field.name_string(), field.value());
    entry.body = request.body();
    entry.tls = tls;
    entry.server_name = server_name;

    std::lock_guard lock(mutex_);
    body_bytes_ += entry.body.size();
    log_.push_back(std::move(entry));
    while (log_.size() > max_logged_requests || (body_bytes_ > max_logged_body_bytes && log_.size() > 1))
    {
        body_bytes_ -= log_.front().body.size();
        log_.pop_front();
    }
}

std::vector<recorded_request> request_log::snapshot() const
{
    std::lock_guard lock(mutex_);
    return {log_.begin(), log_.end()};
}

void request_log::clear()
{
    std::lock_guard lock(mutex_);
    log_.clear();
    body_bytes_ = 0;
}

}  // namespace detail::testbed_parts

std::string recorded_request::header(std::string_view name) const
{
    for (const auto& [field, value] : headers)
    {
        if (beast::iequals(field, name))
            return value;
    }
    return {};
}

bool recorded_request::has_header(std::string_view name) const
{
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
        return beast::iequals(h.first, name);
    });
}

}  // namespace asyncfetch
