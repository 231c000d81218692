// An in-process HTTP/2 (h2c) server on 127.0.0.1 over libnghttp2's server API, with fault paths:
// stalled, refused and reset streams, GOAWAY, oversized header blocks, a stream limit.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asyncfetch::test {

/// Paths it serves (h2c, prior knowledge only):
///   /ok/N          200 with N bytes of 'x'
///   /stall         never answers (the stream stays open)
///   /refuse-once   REFUSED_STREAM the first time, 200 "ok" afterwards
///   /reset         RST_STREAM INTERNAL_ERROR
///   /goaway-once   GOAWAY with last_stream_id 0 the first time (every open stream refused), then 200
///   /big-headers   200 with 140 header fields of 1,000 bytes: past the client's 128 KiB, within 9 frames
/// Anything else: 404.
class h2_fault_server
{
public:
    /// max_streams: SETTINGS_MAX_CONCURRENT_STREAMS it announces.
    explicit h2_fault_server(std::uint32_t max_streams = 100) : max_streams_(max_streams)
    {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        const int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 64) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("h2_fault_server: cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~h2_fault_server()
    {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        ::close(listener_);
        std::vector<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            threads.swap(threads_);
        }
        for (auto& t : threads)
            t.join();
    }
    h2_fault_server(const h2_fault_server&) = delete;
    h2_fault_server& operator=(const h2_fault_server&) = delete;

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// Connections accepted so far.
    int connections() const { return connections_; }
    /// Requests received so far (every stream that sent its headers).
    int requests() const { return requests_; }

private:
    struct stream
    {
        std::string path;
        std::string body;
        std::size_t sent = 0;
    };
    struct connection
    {
        h2_fault_server* server = nullptr;
        nghttp2_session* ng = nullptr;
        std::map<std::int32_t, stream> streams;
    };

    void accept_loop()
    {
        while (!stop_)
        {
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0)
                return;
            ++connections_;
            std::lock_guard<std::mutex> lock(mutex_);
            threads_.emplace_back([this, fd] { serve(fd); });
        }
    }

    static ssize_t read_body(nghttp2_session*,
                             std::int32_t,
                             std::uint8_t* buf,
                             std::size_t length,
                             std::uint32_t* flags,
                             nghttp2_data_source* source,
                             void*)
    {
        auto* s = static_cast<stream*>(source->ptr);
        const std::size_t n = std::min(length, s->body.size() - s->sent);
        std::memcpy(buf, s->body.data() + s->sent, n);
        s->sent += n;
        if (s->sent == s->body.size())
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        return static_cast<ssize_t>(n);
    }

    static nghttp2_nv nv(const std::string& name, const std::string& value)
    {
        return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
                name.size(),
                value.size(),
                NGHTTP2_NV_FLAG_NONE};
    }

    void respond(connection& c, std::int32_t id)
    {
        ++requests_;
        auto& s = c.streams[id];
        const std::string& p = s.path;
        if (p == "/stall")
            return;
        if (p == "/reset")
        {
            nghttp2_submit_rst_stream(c.ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
            return;
        }
        if (p == "/refuse-once" && !refused_.exchange(true))
        {
            nghttp2_submit_rst_stream(c.ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
            return;
        }
        if (p == "/goaway-once" && !went_away_.exchange(true))
        {
            nghttp2_submit_goaway(c.ng, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
            return;
        }
        std::string status = "200";
        std::vector<std::pair<std::string, std::string>> fields;
        if (p.rfind("/ok/", 0) == 0)
            s.body.assign(std::stoul(p.substr(4)), 'x');
        else if (p == "/refuse-once" || p == "/goaway-once")
            s.body = "ok";
        else if (p == "/big-headers")
            for (int i = 0; i < 140; ++i)
                fields.emplace_back("x-filler-" + std::to_string(i), std::string(1000, 'y'));
        else
            status = "404";
        const std::string status_name = ":status";
        const std::string length_name = "content-length";
        const std::string length = std::to_string(s.body.size());
        std::vector<nghttp2_nv> nva{nv(status_name, status), nv(length_name, length)};
        for (const auto& [name, value] : fields)
            nva.push_back(nv(name, value));
        nghttp2_data_provider provider{};
        provider.source.ptr = &s;
        provider.read_callback = read_body;
        nghttp2_submit_response(c.ng, id, nva.data(), nva.size(), s.body.empty() ? nullptr : &provider);
    }

    void serve(int fd)
    {
        connection c;
        c.server = this;
        nghttp2_session_callbacks* cb = nullptr;
        nghttp2_session_callbacks_new(&cb);
        nghttp2_session_callbacks_set_on_header_callback(
            cb,
            [](nghttp2_session*,
               const nghttp2_frame* frame,
               const std::uint8_t* name,
               std::size_t namelen,
               const std::uint8_t* value,
               std::size_t valuelen,
               std::uint8_t,
               void* user) {
                auto& conn = *static_cast<connection*>(user);
                if (frame->hd.type == NGHTTP2_HEADERS &&
                    std::string_view(reinterpret_cast<const char*>(name), namelen) == ":path")
                    conn.streams[frame->hd.stream_id].path.assign(reinterpret_cast<const char*>(value),
                                                                  valuelen);
                return 0;
            });
        nghttp2_session_callbacks_set_on_frame_recv_callback(
            cb,
            [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
                auto& conn = *static_cast<connection*>(user);
                if (frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
                    conn.server->respond(conn, frame->hd.stream_id);
                return 0;
            });
        // nghttp2 sends header blocks of 64 KiB at most unless told otherwise: /big-headers needs more.
        nghttp2_option* opt = nullptr;
        nghttp2_option_new(&opt);
        nghttp2_option_set_max_send_header_block_length(opt, 1 << 20);
        nghttp2_session_server_new2(&c.ng, cb, &c, opt);
        nghttp2_option_del(opt);
        nghttp2_session_callbacks_del(cb);
        const nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams_}};
        nghttp2_submit_settings(c.ng, NGHTTP2_FLAG_NONE, iv, 1);

        char buf[16384];
        bool open = true;
        while (open && !stop_)
        {
            const std::uint8_t* data = nullptr;
            ssize_t n;
            while ((n = nghttp2_session_mem_send(c.ng, &data)) > 0)
                for (ssize_t off = 0; off < n;)
                {
                    const ssize_t w = ::send(fd, data + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
                    if (w <= 0)
                    {
                        open = false;
                        break;
                    }
                    off += w;
                }
            if (n < 0 || (!nghttp2_session_want_read(c.ng) && !nghttp2_session_want_write(c.ng)))
                break;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
            if (r <= 0 || nghttp2_session_mem_recv(c.ng,
                                                   reinterpret_cast<std::uint8_t*>(buf),
                                                   static_cast<std::size_t>(r)) < 0)
                open = false;
        }
        // Flush what is queued (a GOAWAY), then close.
        const std::uint8_t* data = nullptr;
        ssize_t n;
        while ((n = nghttp2_session_mem_send(c.ng, &data)) > 0)
            ::send(fd, data, static_cast<std::size_t>(n), MSG_NOSIGNAL);
        nghttp2_session_del(c.ng);
        // A lingering close, as nginx does: closing with unread bytes would send a RST, which can
        // destroy the GOAWAY before the client reads it.
        ::shutdown(fd, SHUT_WR);
        for (int waited = 0; waited < 1000 && !stop_; waited += 50)
        {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0)
                break;
        }
        ::close(fd);
    }

    std::uint32_t max_streams_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> refused_{false};
    std::atomic<bool> went_away_{false};
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

}  // namespace asyncfetch::test
