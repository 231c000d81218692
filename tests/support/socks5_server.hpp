// A SOCKS5 proxy for tests (RFC 1928, RFC 1929 auth), relaying to 127.0.0.1 only, with misbehaviour modes.
#pragma once

#include "asyncfetch/server_thread.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace asyncfetch::test {

/// How the SOCKS5 test server behaves.
struct socks5_server_config
{
    /// Non-empty: username/password authentication (method 0x02) is required, with these credentials;
    /// a client that offers only "no authentication" gets 0xFF (no acceptable method).
    std::string user;
    std::string password;

    enum class fault
    {
        none,
        truncated_method_reply,   ///< one byte of the method reply, then close
        wrong_version,            ///< a method reply with version 4
        reply_code,               ///< the CONNECT reply carries reply_code, then close
        truncated_connect_reply,  ///< six bytes of a success reply, then close
        stall,                    ///< reads the greeting and never answers
    };
    fault mode = fault::none;
    std::uint8_t reply_code = 1;  ///< for fault::reply_code
};

/// What one CONNECT request asked for.
struct socks5_request
{
    std::uint8_t address_type = 0;  ///< 1 IPv4, 3 domain name, 4 IPv6
    std::string host;               ///< the address as text, or the name as sent
    std::uint16_t port = 0;
    std::string user;  ///< the RFC 1929 user name sent, "" when none
};

/// A SOCKS5 proxy on 127.0.0.1 with a port of its own, on a thread of its own. CONNECT only; whatever
/// the request names (address or domain name), the connection goes to 127.0.0.1 at the requested port,
/// so a test never reaches another address. A refused upstream connect gets reply 5.
class socks5_server
{
public:
    explicit socks5_server(socks5_server_config config = {}) : config_(std::move(config))
    {
        server_.listen();
        port_ = server_.port();
        server_.start(accept_loop());
    }

    ~socks5_server()
    {
        server_.stop([this] { close_everything(); });
    }

    socks5_server(const socks5_server&) = delete;
    socks5_server& operator=(const socks5_server&) = delete;

    std::uint16_t port() const { return port_; }

    /// "127.0.0.1:PORT".
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    /// The CONNECT requests received, in order.
    std::vector<socks5_request> requests() const
    {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    /// Client connections accepted.
    std::size_t connections() const { return connections_.load(); }

private:
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::system::error_code;
    template <class T>
    using awaitable = boost::asio::awaitable<T>;
    static constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    using fault = socks5_server_config::fault;

    struct registration
    {
        registration(socks5_server& owner, tcp::socket& socket) : owner_(owner), socket_(socket)
        {
            owner_.sockets_.insert(&socket_);
        }
        ~registration() { owner_.sockets_.erase(&socket_); }
        registration(const registration&) = delete;
        registration& operator=(const registration&) = delete;

        socks5_server& owner_;
        tcp::socket& socket_;
    };

    awaitable<void> accept_loop()
    {
        auto& acceptor = server_.acceptor();
        while (acceptor.is_open())
        {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec)
            {
                if (!acceptor.is_open())
                    break;
                continue;
            }
            ++connections_;
            boost::asio::co_spawn(server_.context(), session(std::move(socket)), boost::asio::detached);
        }
    }

    awaitable<void> session(tcp::socket client)
    {
        try
        {
            if (stopping_)
                co_return;
            tcp::socket upstream(server_.context());
            registration client_registration(*this, client);
            registration upstream_registration(*this, upstream);
            co_await serve(client, upstream);
        }
        catch (const std::exception&)
        {
            // One connection failing must not take the server down.
        }
    }

    /// Reads exactly n bytes; empty on failure.
    static awaitable<std::string> read(tcp::socket& socket, std::size_t n)
    {
        std::string out(n, '\0');
        auto [ec, got] = co_await boost::asio::async_read(socket, boost::asio::buffer(out), use_tuple);
        if (ec || got != n)
            out.clear();
        co_return out;
    }

    static awaitable<bool> write(tcp::socket& socket, std::string bytes)
    {
        auto [ec, n] = co_await boost::asio::async_write(socket, boost::asio::buffer(bytes), use_tuple);
        (void)n;
        co_return !ec;
    }

    /// The bytes given as numbers. Variadic rather than a braced list: gcc 12 rejects a braced list
    /// inside a coroutine's co_await expression ("array used as initializer").
    template <class... B>
    static std::string bytes(B... b)
    {
        return std::string{static_cast<char>(b)...};
    }

    /// Waits until the client goes away or the server stops.
    static awaitable<void> drain(tcp::socket& socket)
    {
        std::array<char, 512> piece{};
        for (;;)
        {
            auto [ec, n] = co_await socket.async_read_some(boost::asio::buffer(piece), use_tuple);
            if (ec)
                co_return;
        }
    }

    /// The method negotiation and, when required, authentication; the user name sent, or false.
    awaitable<bool> negotiate(tcp::socket& client, std::string& user)
    {
        const auto head = co_await read(client, 2);
        if (head.size() != 2 || head[0] != 5)
            co_return false;
        const auto methods = co_await read(client, static_cast<unsigned char>(head[1]));
        if (config_.mode == fault::stall)
        {
            co_await drain(client);
            co_return false;
        }
        if (config_.mode == fault::truncated_method_reply)
        {
            // Built outside the co_await: gcc 12 rejects a braced list in a coroutine's suspending
            // expression.
            co_await write(client, bytes(5));
            co_return false;
        }
        if (config_.mode == fault::wrong_version)
        {
            co_await write(client, bytes(4, 0));
            co_return false;
        }
        const std::uint8_t wanted = config_.user.empty() ? 0x00 : 0x02;
        if (methods.find(static_cast<char>(wanted)) == std::string::npos)
        {
            co_await write(client, bytes(5, 0xff));
            co_return false;
        }
        if (!co_await write(client, bytes(5, wanted)))
            co_return false;
        if (wanted == 0x00)
            co_return true;
        const auto version_and_length = co_await read(client, 2);
        if (version_and_length.size() != 2)
            co_return false;
        user = co_await read(client, static_cast<unsigned char>(version_and_length[1]));
        const auto password_length = co_await read(client, 1);
        if (password_length.size() != 1)
            co_return false;
        const auto password = co_await read(client, static_cast<unsigned char>(password_length[0]));
        const bool ok = user == config_.user && password == config_.password;
        co_await write(client, bytes(1, ok ? 0 : 1));
        co_return ok;
    }

    /// Reads the CONNECT request; false when it is not one.
    static awaitable<bool> read_request(tcp::socket& client, socks5_request& request)
    {
        const auto head = co_await read(client, 4);
        if (head.size() != 4 || head[0] != 5 || head[1] != 1)
            co_return false;
        request.address_type = static_cast<std::uint8_t>(head[3]);
        if (request.address_type == 1 || request.address_type == 4)
        {
            const auto raw = co_await read(client, request.address_type == 1 ? 4 : 16);
            if (raw.empty())
                co_return false;
            if (request.address_type == 1)
            {
                boost::asio::ip::address_v4::bytes_type b{};
                std::copy(raw.begin(), raw.end(), b.begin());
                request.host = boost::asio::ip::address_v4(b).to_string();
            }
            else
            {
                boost::asio::ip::address_v6::bytes_type b{};
                std::copy(raw.begin(), raw.end(), b.begin());
                request.host = boost::asio::ip::address_v6(b).to_string();
            }
        }
        else if (request.address_type == 3)
        {
            const auto length = co_await read(client, 1);
            if (length.empty())
                co_return false;
            request.host = co_await read(client, static_cast<unsigned char>(length[0]));
        }
        else
        {
            co_return false;
        }
        const auto port = co_await read(client, 2);
        if (port.size() != 2)
            co_return false;
        request.port = static_cast<std::uint16_t>(static_cast<unsigned char>(port[0]) << 8 |
                                                  static_cast<unsigned char>(port[1]));
        co_return true;
    }

    awaitable<void> serve(tcp::socket& client, tcp::socket& upstream)
    {
        using namespace boost::asio::experimental::awaitable_operators;
        socks5_request request;
        if (!co_await negotiate(client, request.user))
            co_return;
        if (!co_await read_request(client, request))
            co_return;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
        }
        if (config_.mode == fault::reply_code)
        {
            co_await write(client, bytes(5, config_.reply_code, 0, 1, 0, 0, 0, 0, 0, 0));
            co_return;
        }
        if (config_.mode == fault::truncated_connect_reply)
        {
            co_await write(client, bytes(5, 0, 0, 1, 127, 0));
            co_return;
        }
        tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), request.port);
        if (stopping_)
            co_return;
        auto [ec] = co_await upstream.async_connect(endpoint, use_tuple);
        if (ec)
        {
            co_await write(client, bytes(5, 5, 0, 1, 0, 0, 0, 0, 0, 0));
            co_return;
        }
        if (!co_await write(client, bytes(5, 0, 0, 1, 127, 0, 0, 1, request.port >> 8, request.port & 0xff)))
            co_return;
        co_await (pump(client, upstream) && pump(upstream, client));
    }

    /// Copies from one side to the other until the end of the stream, passed on as a half-close.
    static awaitable<void> pump(tcp::socket& from, tcp::socket& to)
    {
        std::vector<char> piece(64 * 1024);
        for (;;)
        {
            auto [ec, n] = co_await from.async_read_some(boost::asio::buffer(piece), use_tuple);
            if (n > 0)
            {
                auto [write_ec, written] = co_await boost::asio::async_write(
                    to,
                    boost::asio::buffer(piece.data(), n),
                    use_tuple);
                (void)written;
                if (write_ec)
                    ec = write_ec;
            }
            error_code ignored;
            if (ec == boost::asio::error::eof)
            {
                to.shutdown(tcp::socket::shutdown_send, ignored);
                co_return;
            }
            if (ec)
            {
                from.close(ignored);
                to.close(ignored);
                co_return;
            }
        }
    }

    void close_everything()
    {
        stopping_ = true;
        error_code ignored;
        server_.acceptor().close(ignored);
        for (auto* socket : sockets_)
            socket->close(ignored);
    }

    socks5_server_config config_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    mutable std::mutex mutex_;
    std::vector<socks5_request> requests_;      ///< guarded by mutex_
    std::unordered_set<tcp::socket*> sockets_;  ///< io thread only
    bool stopping_ = false;                     ///< io thread only
    // Declared last: destroying the io_context destroys pending coroutine frames, which touch the above.
    server_thread server_;
};

}  // namespace asyncfetch::test
