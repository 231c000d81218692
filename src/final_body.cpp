// The final response's body: its sink set up (decoding, size limit, file), read at once when it came
// with the head or awaited, and its outcome into the result.
#include "asyncfetch/error.hpp"
#include "body_sink.hpp"
#include "client_impl.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>
#include <string>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::failure;
using detail::set_error;

namespace {

/// --fail makes a status of 400 or more the URL's failure, and its body is not saved.
bool failed_status(const client_config& cfg, const fetch_result& r) noexcept
{
    return cfg.fail && r.status >= 400;
}

}  // namespace

bool client::impl::begin_final_body(const url& cur,
                                    const url* proxy,
                                    bool head_method,
                                    clock_type::time_point deadline,
                                    fetch_result& r,
                                    detail::exchange& ex,
                                    detail::body_sink& sink)
{
    const auto& resp = ex.response();
    if (cfg.conditions || cfg.timestamping)
    {
        r.etag = resp.find("etag").value_or("");
        r.last_modified = resp.find("last-modified").value_or("");
    }
    sink.limit(cfg.max_filesize);
    sink.deadline(deadline);
    if (cfg.compressed)
    {
        // Codings on several field lines are one list, applied in order.
        const std::string coding = resp.list("content-encoding");
        if (auto ec = detail::decode_content(sink, coding))
        {
            set_error(r, error_kind::protocol, describe(ec) + ": " + coding);
            return true;
        }
    }
    if (cfg.max_filesize && !head_method && resp.content_length && *resp.content_length > *cfg.max_filesize &&
        !cfg.compressed)
    {
        set_error(r,
                  error_kind::size_limit,
                  "body of " + std::to_string(*resp.content_length) + " bytes is larger than --max-filesize");
        return true;
    }
    // The file is made when the final response arrives, as curl does; /dev/null is not opened, so
    // the body is only counted. A 304 to a conditional request leaves the saved file as it is.
    if (!r.file.empty() && r.file != "/dev/null" && !failed_status(cfg, r) && !r.not_modified)
    {
        const int fd = open_output(r.file, cfg.create_dirs);
        if (fd < 0)
        {
            set_error(r, error_kind::io, "cannot write " + r.file + ": " + std::strerror(errno));
            return true;
        }
        sink.save_to(fd);
    }
    auto now = ex.read_body_now(&sink);
    if (!now)
        return false;
    end_final_body(*now, cur, proxy, deadline, r, sink);
    return true;
}

net::awaitable<void> client::impl::read_final_body(const url& cur,
                                                   const url* proxy,
                                                   clock_type::time_point deadline,
                                                   fetch_result& r,
                                                   detail::exchange& ex,
                                                   detail::body_sink& sink)
{
    const auto f = co_await ex.read_body(&sink, deadline);
    end_final_body(f, cur, proxy, deadline, r, sink);
}

void client::impl::end_final_body(const failure& f,
                                  const url& cur,
                                  const url* proxy,
                                  clock_type::time_point deadline,
                                  fetch_result& r,
                                  const detail::body_sink& sink) const
{
    r.bytes = sink.decoded();
    r.wire_bytes = sink.wire();
    if (f)
        return fail(r, f, cur, proxy, deadline);
    if (failed_status(cfg, r))
        set_error(r, classify(errc::http_error_status), "HTTP status " + std::to_string(r.status));
}

}  // namespace asyncfetch
