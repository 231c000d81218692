// The testbed's HTTP/2 callbacks: nghttp2 hands over requests, bodies, PING ACKs and asks for data.
#include "h2_session.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace asyncfetch::detail::testbed_parts {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t max_request_body = std::size_t{16} << 20;

std::string_view view(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

int h2_session::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        self.streams_[frame->hd.stream_id].request.version(20);
    return 0;
}

int h2_session::on_header(nghttp2_session*,
                          const nghttp2_frame* frame,
                          const std::uint8_t* name_data,
                          std::size_t namelen,
                          const std::uint8_t* value_data,
                          std::size_t valuelen,
                          std::uint8_t,
                          void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    auto* stream = self.find(frame->hd.stream_id);
    if (!stream || frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;  // trailers are not recorded
    const auto name = view(name_data, namelen);
    const auto value = view(value_data, valuelen);
    auto& request = stream->request;
    if (name == ":method")
        request.method_string(value);
    else if (name == ":path")
    {
        request.target(value);
        stream->stall_window = value.starts_with("/h2-window-stall/");
    }
    else if (name == ":authority")
        request.insert(http::field::host, value);  // pseudo-headers come first: Host leads, as over HTTP/1.1
    else if (name == "host" && request.count(http::field::host) != 0)
        return 0;
    else if (!name.starts_with(":"))
        request.insert(name, value);
    return 0;
}

int h2_session::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    const auto id = frame->hd.stream_id;
    switch (frame->hd.type)
    {
    case NGHTTP2_HEADERS:
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
            ++self.server_.requests_;
        [[fallthrough]];
    case NGHTTP2_DATA:
        if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && self.find(id))
            self.ended_.push_back(id);
        break;
    case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK)
        {
            ++self.server_.ping_acks_;
            ++self.acks_;
        }
        break;
    default: break;
    }
    return 0;
}

int h2_session::on_data_chunk(nghttp2_session*,
                              std::uint8_t,
                              std::int32_t id,
                              const std::uint8_t* data,
                              std::size_t len,
                              void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    // Consumed after mem_recv returns, for streams nobody reads any more too, or the connection stalls.
    self.consume_.emplace_back(id, len);
    auto* stream = self.find(id);
    if (!stream)
        return 0;
    auto& body = stream->request.body();
    if (stream->too_big || body.size() + len > max_request_body)
    {
        // Answered 413 at once, as servers do, not after the rest of the body.
        if (!stream->too_big)
            self.ended_.push_back(id);
        stream->too_big = true;
        body.clear();
        return 0;
    }
    body.append(view(data, len));
    return 0;
}

int h2_session::on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    auto it = self.streams_.find(id);
    if (it == self.streams_.end())
        return 0;
    if (it->second.counted)
        self.server_.end_request();
    self.streams_.erase(it);
    return 0;
}

ssize_t h2_session::select_padding(nghttp2_session*, const nghttp2_frame* frame, std::size_t max, void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    auto* stream = frame->hd.type == NGHTTP2_DATA ? self.find(frame->hd.stream_id) : nullptr;
    if (!stream || !stream->padded)
        return static_cast<ssize_t>(frame->hd.length);
    // The Pad Length octet and up to 255 bytes of padding.
    return static_cast<ssize_t>(std::min(max, frame->hd.length + 256));
}

ssize_t h2_session::read_body(nghttp2_session* ng,
                              std::int32_t id,
                              std::uint8_t* buf,
                              std::size_t length,
                              std::uint32_t* flags,
                              nghttp2_data_source* source,
                              void* user)
{
    auto& self = *static_cast<h2_session*>(user);
    auto& stream = *static_cast<h2_request*>(source->ptr);
    if (stream.goaway_at && !self.goaway_sent_)
    {
        // /h2-goaway: half the body, then the GOAWAY goes out before the rest.
        if (stream.sent >= *stream.goaway_at)
        {
            self.goaway_due_ = true;
            return NGHTTP2_ERR_DEFERRED;
        }
        length = static_cast<std::size_t>(std::min<std::uint64_t>(length, *stream.goaway_at - stream.sent));
    }
    const std::size_t n = stream.body->read(buf, length);
    stream.sent += n;
    if (stream.body->done())
    {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (stream.reset_after)
        {
            // /h2-reset and /truncate: the body stops short of its end and the stream is reset.
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            self.to_reset_.push_back(id);
        }
        else if (stream.trailers > 0)
        {
            // /h2-trailers: the stream ends with a trailer block instead of on its last DATA frame.
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            const std::string value(stream.trailer_size, 't');
            std::vector<std::string> names;
            std::vector<nghttp2_nv> nva;
            names.reserve(stream.trailers);
            for (std::uint64_t i = 0; i < stream.trailers; ++i)
            {
                names.push_back("x-trailer-" + std::to_string(i));
                nva.push_back({reinterpret_cast<std::uint8_t*>(names.back().data()),
                               const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
                               names.back().size(),
                               value.size(),
                               NGHTTP2_NV_FLAG_NONE});
            }
            nghttp2_submit_trailer(ng, id, nva.data(), nva.size());
        }
    }
    return static_cast<ssize_t>(n);
}

}  // namespace asyncfetch::detail::testbed_parts
