// Redirects: where a Location leads, what the next hop takes (method, body), and the dropped body.
#include "asyncfetch/error.hpp"
#include "body_sink.hpp"
#include "client_impl.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace asyncfetch {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using detail::set_error;

namespace {

/// A redirect's own body is read and dropped up to this size so its connection can be reused.
constexpr std::uint64_t redirect_body_limit = 1024 * 1024;

}  // namespace

detail::redirect detail::redirect_target(const url& cur, std::string_view location, bool allow_insecure)
{
    redirect out;
    auto next = resolve_location(cur.absolute(), location);
    if (!next)
    {
        out.message = describe(next.error());
        return out;
    }
    out.text = std::move(*next);
    auto next_url = parse_url(out.text);
    if (!next_url)
        out.message = (next_url.error() == errc::unsupported_scheme ? describe(errc::redirect_scheme)
                                                                    : describe(errc::redirect_invalid)) +
                      ": " + out.text;
    else if (cur.tls() && !next_url->tls() && !allow_insecure)
        out.message = describe(errc::redirect_downgrade) + ": " + out.text;
    else
        out.target = std::move(*next_url);
    return out;
}

net::awaitable<void> client::impl::drop_redirect_body(detail::session_lease& lease,
                                                      clock_type::time_point deadline,
                                                      detail::fetch_trace* trace)
{
    // The redirect's own body is dropped; reading it lets the session be reused.
    detail::body_sink drop;
    drop.limit(redirect_body_limit);
    co_await lease->read_body(&drop, deadline);
    lease.release();
    if (trace) [[unlikely]]
        trace->end_hop(drop.wire(), drop.decoded(), nullptr);
}

bool client::impl::follow_redirect(const url& cur,
                                   std::string_view location,
                                   std::string& method,
                                   const request_body*& body,
                                   std::optional<url>& redirected,
                                   detail::fetch_trace* trace,
                                   fetch_result& r)
{
    if (r.redirects >= cfg.max_redirs)
    {
        set_error(r,
                  classify(errc::too_many_redirects),
                  "stopped after " + std::to_string(cfg.max_redirs) + " redirects (--max-redirs)");
        return false;
    }
    auto next = detail::redirect_target(cur, location, cfg.allow_insecure_redirects);
    if (!next)
    {
        set_error(r, error_kind::redirect, std::move(next.message));
        return false;
    }
    // As browsers and curl do: 303 turns into GET, and so do 301 and 302 after a POST.
    if ((r.status == 303 && method != "HEAD") || ((r.status == 301 || r.status == 302) && method == "POST"))
    {
        method = "GET";
        body = nullptr;
    }
    if (trace && trace->verbose) [[unlikely]]
    {
        detail::trace_line(trace->lines, trace->index, '*', "Following the redirect to " + next.text);
        trace->flush();
    }
    ++r.redirects;
    r.final_url = std::move(next.text);
    redirected = std::move(*next.target);
    return true;
}

}  // namespace asyncfetch
