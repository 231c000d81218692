// What -v and -D see of each fetch: the sink the fetch rules hand whole blocks of lines to.
#pragma once

#include <iosfwd>
#include <mutex>
#include <string_view>

namespace asyncfetch {

/// What an exchange log wants to be told.
struct exchange_log_settings
{
    bool verbose = false;  ///< -v: connections, requests and responses, lines prefixed "[INDEX] "
    bool secrets = false;  ///< --verbose-secrets: show Authorization, Proxy-Authorization, Cookie, Set-Cookie
    bool headers = false;  ///< -D: every response head of each URL, one block per URL
};

/// Receives -v lines and -D blocks from the fetches of a client (client_config::log). Every call
/// carries whole lines, and an implementation writes each call at once, so the lines of URLs in
/// flight together never mix within a line.
class exchange_log
{
public:
    explicit exchange_log(exchange_log_settings s) noexcept : settings_(s) {}
    virtual ~exchange_log() = default;
    exchange_log(const exchange_log&) = delete;
    exchange_log& operator=(const exchange_log&) = delete;

    const exchange_log_settings& settings() const noexcept { return settings_; }

    /// -v: a block of lines of one URL, each "[INDEX] " prefixed and ending in '\n'.
    virtual void verbose(std::string_view lines) = 0;

    /// -D: one URL's response heads, after a "# [INDEX] URL" line, at the end of its fetch.
    virtual void headers(std::string_view block) = 0;

private:
    exchange_log_settings settings_;
};

/// Writes -v blocks to one stream and -D blocks to another (null: not written), each block with
/// one write and a flush under one mutex, so callers on several threads are safe too.
class stream_exchange_log final : public exchange_log
{
public:
    stream_exchange_log(exchange_log_settings s,
                        std::ostream* verbose_out,
                        std::ostream* headers_out) noexcept
        : exchange_log(s), verbose_out_(verbose_out), headers_out_(headers_out)
    {
    }

    void verbose(std::string_view lines) override { write(verbose_out_, lines); }
    void headers(std::string_view block) override { write(headers_out_, block); }

private:
    void write(std::ostream* out, std::string_view text);

    std::mutex mutex_;
    std::ostream* verbose_out_;
    std::ostream* headers_out_;
};

}  // namespace asyncfetch
