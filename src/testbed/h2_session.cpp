// The testbed's HTTP/2 session state: one nghttp2 server session, its streams and the h2 faults.
#include "h2_session.hpp"

#include "text.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>

namespace asyncfetch::detail::testbed_parts {

namespace http = boost::beast::http;

namespace {

/// nghttp2 sends header blocks of 64 KiB at most unless told otherwise: /h2-headers needs more.
constexpr std::size_t max_send_header_block = std::size_t{4} << 20;
/// /h2-goaway?streams=S answers after this long even when fewer streams came.
constexpr auto goaway_wait_limit = std::chrono::seconds(1);

std::string_view view(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

nghttp2_nv nv(const std::string& name, const std::string& value)
{
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
            name.size(),
            value.size(),
            NGHTTP2_NV_FLAG_NONE};
}

/// A header block as nghttp2 takes it; the strings live as long as this.
struct header_block
{
    void add(std::string_view name, std::string value)
    {
        // HTTP/2 field names are lower case: an upper-case one is a malformed message.
        fields.emplace_back(ascii_lower(name), std::move(value));
    }
    std::vector<nghttp2_nv> nva() const
    {
        std::vector<nghttp2_nv> out;
        out.reserve(fields.size());
        for (const auto& [name, value] : fields)
            out.push_back(nv(name, value));
        return out;
    }
    std::vector<std::pair<std::string, std::string>> fields;
};

/// The whole body of an encoded_whole plan.
std::string compress_whole(coding kind, std::uint64_t n)
{
    auto source = body_source::encoded(kind, n, false);
    std::string out;
    std::array<std::uint8_t, 16 * 1024> piece;
    while (!source.done())
        out.append(view(piece.data(), source.read(piece.data(), piece.size())));
    return out;
}

}  // namespace

h2_session::h2_session(live_connection& conn) : conn_(conn), server_(conn.owner_)
{
    nghttp2_session_callbacks* callbacks = nullptr;
    if (nghttp2_session_callbacks_new(&callbacks) != 0)
        throw std::bad_alloc();
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_callbacks_set_select_padding_callback(callbacks, select_padding);
    nghttp2_option* options = nullptr;
    nghttp2_option_new(&options);
    // Windows open as the bytes are taken, so that /h2-window-stall can leave one shut.
    nghttp2_option_set_no_auto_window_update(options, 1);
    nghttp2_option_set_max_send_header_block_length(options, max_send_header_block);
    const int rv = nghttp2_session_server_new2(&ng_, callbacks, this, options);
    nghttp2_option_del(options);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0)
        throw std::runtime_error("nghttp2_session_server_new2 failed");
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, server_.config_.h2_max_streams}};
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    work_ = true;
}

h2_session::~h2_session()
{
    for (auto& [id, stream] : streams_)
        if (stream.counted)
            server_.end_request();
    nghttp2_session_del(ng_);
}

bool h2_session::recv(const std::uint8_t* data, std::size_t size)
{
    const ssize_t rv = nghttp2_session_mem_recv(ng_, data, size);
    if (rv < 0)
        return false;
    after_callbacks();
    work_ = true;  // SETTINGS and PING want an answer, consumed bytes a WINDOW_UPDATE
    return true;
}

bool h2_session::send(std::string& out, std::size_t batch)
{
    after_callbacks();
    while (out.size() < batch)
    {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(ng_, &data);
        if (n < 0)
            return false;
        // The data callbacks may have asked for a GOAWAY or a reset: queue them, then go on.
        const bool queued = after_callbacks();
        if (n == 0)
        {
            if (queued)
                continue;
            break;
        }
        out.append(view(data, static_cast<std::size_t>(n)));
    }
    return true;
}

bool h2_session::alive() const { return nghttp2_session_want_read(ng_) || nghttp2_session_want_write(ng_); }

bool h2_session::take_work() { return std::exchange(work_, false); }

std::optional<h2_session::clock::time_point> h2_session::answer_due(clock::time_point now)
{
    while (!delayed_.empty() && delayed_.begin()->first <= now)
    {
        auto node = delayed_.extract(delayed_.begin());
        const auto id = node.mapped().first;
        if (auto* stream = find(id))
        {
            submit(id, *stream, node.mapped().second);
            work_ = true;
        }
    }
    if (goaway_wait_ && goaway_wait_->second <= now)
        answer_goaway();
    std::optional<clock::time_point> next;
    if (!delayed_.empty())
        next = delayed_.begin()->first;
    if (goaway_wait_ && (!next || goaway_wait_->second < *next))
        next = goaway_wait_->second;
    return next;
}

h2_request* h2_session::find(std::int32_t id)
{
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : &it->second;
}

bool h2_session::after_callbacks()
{
    const bool queued = goaway_due_ || !to_reset_.empty() || !ended_.empty();
    const auto submitted_before = submitted_;
    for (const auto& [id, size] : consume_)
    {
        auto* stream = find(id);
        // A stalled stream's window stays shut; the connection's opens, so the other streams go on.
        if (stream && stream->stall_window)
            nghttp2_session_consume_connection(ng_, size);
        else
            nghttp2_session_consume(ng_, id, size);
    }
    consume_.clear();
    for (auto id : std::exchange(ended_, {}))
        answer(id);
    if (goaway_wait_ && goaway_stream_ &&
        static_cast<std::uint64_t>(std::distance(streams_.upper_bound(*goaway_stream_), streams_.end())) >=
            goaway_wait_->first.fault_count)
        answer_goaway();
    for (auto it = awaiting_acks_.begin(); it != awaiting_acks_.end();)
    {
        auto& [acks, id, plan] = *it;
        if (acks_ < acks)
        {
            ++it;
            continue;
        }
        if (auto* stream = find(id))
            submit(id, *stream, plan);
        it = awaiting_acks_.erase(it);
    }
    if (goaway_due_ && goaway_stream_)
    {
        // A lower last_stream_id than the streams the client has open: those above it are refused.
        goaway_due_ = false;
        goaway_sent_ = true;
        nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, *goaway_stream_, NGHTTP2_NO_ERROR, nullptr, 0);
        nghttp2_session_resume_data(ng_, *goaway_stream_);
    }
    for (auto id : std::exchange(to_reset_, {}))
        nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
    return queued || submitted_ != submitted_before;
}

void h2_session::answer(std::int32_t id)
{
    auto* stream = find(id);
    if (!stream || stream->counted)
        return;
    // After /h2-goaway the streams above its own are left to the GOAWAY, which refuses them.
    if (goaway_stream_ && id > *goaway_stream_)
        return;
    server_.record(stream->request, conn_);
    server_.begin_request();
    stream->counted = true;
    auto plan = plan_response(stream->request, server_.routes_, true);
    if (stream->too_big)
    {
        plan = response_plan{};
        plan.status = 413;
        plan.content_type = "text/plain";
        plan.body = response_plan::body_type::text;
        plan.text = "request body over 16 MiB\n";
    }
    if (plan.end == response_plan::ending::silent)
        return;
    if (plan.fault == h2_fault::goaway)
    {
        goaway_stream_ = id;
        if (plan.fault_count > 0)
        {
            // The client's other streams are on their way: wait for them (bounded), so that they are
            // above last_stream_id when the GOAWAY goes.
            goaway_wait_.emplace(plan, clock::now() + goaway_wait_limit);
            return;
        }
    }
    if (plan.delay.count() == 0)
    {
        submit(id, *stream, plan);
        return;
    }
    // The due time first: the plan is moved into the map.
    const auto due = clock::now() + plan.delay;
    delayed_.emplace(due, std::pair{id, std::move(plan)});
}

void h2_session::answer_goaway()
{
    auto waited = std::move(goaway_wait_);
    goaway_wait_.reset();
    if (auto* stream = find(*goaway_stream_))
        submit(*goaway_stream_, *stream, waited->first);
    work_ = true;
}

void h2_session::submit(std::int32_t id, h2_request& stream, const response_plan& plan)
{
    ++submitted_;
    using body_type = response_plan::body_type;
    if (plan.fault == h2_fault::refuse || (plan.fault == h2_fault::reset && plan.length == 0))
    {
        const auto code = plan.fault == h2_fault::refuse ? NGHTTP2_REFUSED_STREAM : NGHTTP2_INTERNAL_ERROR;
        nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, code);
        return;
    }
    if (plan.fault == h2_fault::ping_storm && plan.fault_count > 0)
    {
        // The answer waits for every ACK: a client that does not answer PINGs times out.
        for (std::uint64_t i = 0; i < plan.fault_count; ++i)
            nghttp2_submit_ping(ng_, NGHTTP2_FLAG_NONE, nullptr);
        pings_sent_ += plan.fault_count;
        auto answered = plan;
        answered.fault = h2_fault::none;
        awaiting_acks_.emplace_back(pings_sent_, id, std::move(answered));
        return;
    }
    if (plan.interim)
    {
        const std::string status = ":status";
        const std::string go_on = "100";
        const std::string early = "103";
        const std::string link_name = "link";
        const std::string link = "</style.css>; rel=preload";
        const nghttp2_nv continue_nv[] = {nv(status, go_on)};
        const nghttp2_nv hints_nv[] = {nv(status, early), nv(link_name, link)};
        nghttp2_submit_headers(ng_, NGHTTP2_FLAG_NONE, id, nullptr, continue_nv, 1, nullptr);
        nghttp2_submit_headers(ng_, NGHTTP2_FLAG_NONE, id, nullptr, hints_nv, 2, nullptr);
    }

    header_block head;
    head.add(":status", std::to_string(plan.status));
    head.add("server", "asyncfetch-testbed");
    if (!plan.content_type.empty())
        head.add("content-type", plan.content_type);
    std::optional<body_source> body;
    if (plan.body == body_type::text)
    {
        head.add("content-length", std::to_string(plan.text.size()));
        body = body_source::text(plan.text);
    }
    else if (plan.body == body_type::filler)
    {
        const bool delimited = plan.chunked || plan.end == response_plan::ending::until_close ||
                               plan.end == response_plan::ending::cut;
        if (!delimited)
        {
            const auto announced = plan.end == response_plan::ending::truncate ? 2 * plan.length
                                                                               : plan.length;
            head.add("content-length", std::to_string(announced));
        }
        body = body_source::filler(plan.length);
    }
    else if (plan.body == body_type::encoded_whole)
    {
        auto whole = compress_whole(plan.encoding, plan.length);
        head.add("content-length", std::to_string(whole.size()));
        body = body_source::text(std::move(whole));
    }
    else if (plan.body == body_type::encoded_stream)
        body = body_source::encoded(plan.encoding, plan.length, plan.zeros);
    for (const auto& [name, value] : plan.fields)
        head.add(name, value);

    stream.reset_after = plan.fault == h2_fault::reset || plan.end == response_plan::ending::truncate;
    stream.padded = plan.fault == h2_fault::padded;
    if (plan.fault == h2_fault::trailers)
    {
        stream.trailers = plan.fault_count;
        stream.trailer_size = plan.trailer_size;
    }
    if (plan.fault == h2_fault::goaway)
        stream.goaway_at = plan.length / 2;
    const auto nva = head.nva();
    if (plan.head_only || !body || (body->done() && !stream.reset_after))
    {
        nghttp2_submit_response(ng_, id, nva.data(), nva.size(), nullptr);
        if (plan.fault == h2_fault::goaway)
            goaway_due_ = true;
        return;
    }
    stream.body = std::move(body);
    nghttp2_data_provider provider{};
    provider.source.ptr = &stream;
    provider.read_callback = read_body;
    nghttp2_submit_response(ng_, id, nva.data(), nva.size(), &provider);
}

}  // namespace asyncfetch::detail::testbed_parts
