// The request body from -d and --data-binary: values joined in command-line order, '@FILE' streamed.
#pragma once

#include "asyncfetch/options.hpp"

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace asyncfetch {

/// Builds opts.request.body from the data arguments (several values are joined with '&', as in
/// curl). A regular '@FILE' becomes a piece read while sending, its size counted now (for -d, a
/// first pass counts the bytes other than CR and LF, which are left out while sending, as curl
/// does); '@-' and files that cannot be read twice (pipes) are read into memory. Returns an error
/// message for an unreadable file.
std::optional<std::string> load_request_body(options& opts);

/// The most a body read into memory ('@-', a pipe, a device) may hold: 1 GiB. A regular file is
/// streamed while sending and has no such limit.
inline constexpr std::size_t max_memory_body = std::size_t{1} << 30;

/// load_request_body() with another memory limit (tests).
std::optional<std::string> load_request_body(options& opts, std::size_t memory_limit);

/// Reads a request body from its start, for one request: pieces in memory are copied, files are
/// opened and read a block at a time. Holds at most one open file.
class body_reader
{
public:
    explicit body_reader(const request_body& body) noexcept : body_(body), left_(body.size) {}
    ~body_reader();
    body_reader(const body_reader&) = delete;
    body_reader& operator=(const body_reader&) = delete;

    /// Copies up to n of the next bytes into out and returns how many; 0 once left() is 0. On a
    /// file that cannot be read, or that ends before the size counted for it, 0 with
    /// errc::request_body_file in ec and the reason in problem().
    std::size_t read(unsigned char* out, std::size_t n, boost::system::error_code& ec);

    /// Bytes still to send.
    std::uint64_t left() const noexcept { return left_; }
    /// Why the last read failed: "cannot read FILE: reason".
    const std::string& problem() const noexcept { return problem_; }

private:
    std::size_t fail(boost::system::error_code& ec, std::string why);
    void close_file() noexcept;

    const request_body& body_;
    std::uint64_t left_;
    std::size_t piece_ = 0;
    std::size_t offset_ = 0;  // into a piece held in memory
    int fd_ = -1;
    std::string problem_;
};

/// The whole body, read through a body_reader (for tests and small bodies); empty on an error.
std::string read_whole_body(const request_body& body);

}  // namespace asyncfetch
