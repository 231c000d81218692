// The request body from -d and --data-binary: built (files counted, not loaded), read back per request.
#include "asyncfetch/request_body.hpp"

#include "asyncfetch/error.hpp"
#include "local_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <vector>

namespace asyncfetch {

namespace {

bool is_newline(unsigned char c) noexcept { return c == '\r' || c == '\n'; }

/// Leaves out CR and LF from the n bytes at p; returns how many are left.
std::size_t strip_newlines(unsigned char* p, std::size_t n) noexcept
{
    return static_cast<std::size_t>(std::remove_if(p, p + n, is_newline) - p);
}

/// A file descriptor closed when it goes out of scope.
struct file_handle
{
    explicit file_handle(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~file_handle()
    {
        if (fd >= 0)
            ::close(fd);
    }
    file_handle(const file_handle&) = delete;
    file_handle& operator=(const file_handle&) = delete;
    int fd;
};

/// The bytes a regular file will send: its size, or (strip) its bytes other than CR and LF, counted
/// in one pass. Empty when it cannot be read.
std::optional<std::uint64_t> count_file(int fd, const struct stat& st, bool strip)
{
    if (!strip)
        return static_cast<std::uint64_t>(st.st_size);
    std::vector<unsigned char> block(64 * 1024);
    std::uint64_t n = 0;
    for (;;)
    {
        const ssize_t r = ::read(fd, block.data(), block.size());
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return std::nullopt;
        if (r == 0)
            return n;
        n += static_cast<std::uint64_t>(
            std::count_if(block.begin(), block.begin() + r, [](unsigned char c) { return !is_newline(c); }));
    }
}

void append_text(request_body& body, std::string text)
{
    body.size += text.size();
    if (!body.pieces.empty() && !body.pieces.back().file)
        body.pieces.back().text += text;
    else
        body.pieces.push_back({std::move(text)});
}

/// Adds '@path' to body: a regular file as a piece read while sending, anything else (stdin, a
/// pipe) read now, as it cannot be read again. Returns an error message.
std::optional<std::string> append_file(request_body& body,
                                       const std::string& path,
                                       bool strip,
                                       std::size_t memory_limit)
{
    std::string text;
    if (path != "-")
    {
        file_handle f(path);
        struct stat st
        {
        };
        if (f.fd < 0 || ::fstat(f.fd, &st) != 0)
            return "asyncfetch: cannot read " + path + ": " + std::strerror(errno) + "\n";
        if (S_ISREG(st.st_mode))
        {
            const auto n = count_file(f.fd, st, strip);
            if (!n)
                return "asyncfetch: cannot read " + path + ": " + std::strerror(errno) + "\n";
            body.pieces.push_back({path, true, strip});
            body.size += *n;
            return std::nullopt;
        }
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return "asyncfetch: cannot read " + path + "\n";
        if (auto problem = detail::read_bounded(in, memory_limit, text))
            return "asyncfetch: cannot read " + path + ": " + *problem + "\n";
    }
    else
    {
        if (!std::cin)
            return "asyncfetch: cannot read -\n";
        if (auto problem = detail::read_bounded(std::cin, memory_limit, text))
            return "asyncfetch: cannot read -: " + *problem + "\n";
    }
    if (strip)
        text.resize(strip_newlines(reinterpret_cast<unsigned char*>(text.data()), text.size()));
    append_text(body, std::move(text));
    return std::nullopt;
}

}  // namespace

std::optional<std::string> load_request_body(options& o) { return load_request_body(o, max_memory_body); }

std::optional<std::string> load_request_body(options& o, std::size_t memory_limit)
{
    if (o.data.empty())
        return std::nullopt;
    request_body body;
    for (std::size_t i = 0; i < o.data.size(); ++i)
    {
        const auto& d = o.data[i];
        if (i > 0)
            append_text(body, "&");
        if (!d.value.empty() && d.value.front() == '@')
        {
            if (auto problem = append_file(body, d.value.substr(1), !d.binary, memory_limit))
                return problem;
        }
        else
        {
            append_text(body, d.value);
        }
        o.client.request.form_body = o.client.request.form_body || !d.binary;
    }
    if (body.pieces.empty())
        body.pieces.push_back({});
    o.client.request.body = std::move(body);
    return std::nullopt;
}

body_reader::~body_reader() { close_file(); }

void body_reader::close_file() noexcept
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

std::size_t body_reader::fail(boost::system::error_code& ec, std::string why)
{
    close_file();
    problem_ = std::move(why);
    ec = errc::request_body_file;
    return 0;
}

std::size_t body_reader::read(unsigned char* out, std::size_t n, boost::system::error_code& ec)
{
    ec = {};
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, left_));
    std::size_t done = 0;
    while (done < n && piece_ < body_.pieces.size())
    {
        const auto& p = body_.pieces[piece_];
        if (!p.file)
        {
            const std::size_t c = std::min(n - done, p.text.size() - offset_);
            std::copy_n(p.text.data() + offset_, c, out + done);
            done += c;
            offset_ += c;
            if (offset_ == p.text.size())
            {
                ++piece_;
                offset_ = 0;
            }
            continue;
        }
        if (fd_ < 0 && (fd_ = ::open(p.text.c_str(), O_RDONLY | O_CLOEXEC)) < 0)
            return fail(ec, "cannot read " + p.text + ": " + std::strerror(errno));
        const ssize_t r = ::read(fd_, out + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(ec, "cannot read " + p.text + ": " + std::strerror(errno));
        if (r == 0)
        {
            close_file();
            ++piece_;
            continue;
        }
        done += p.strip_newlines ? strip_newlines(out + done, static_cast<std::size_t>(r))
                                 : static_cast<std::size_t>(r);
    }
    left_ -= done;
    if (done == 0 && left_ > 0)
        return fail(ec,
                    "a request body file ended " + std::to_string(left_) +
                        " bytes before the size counted when the run started (it changed)");
    if (left_ == 0)
        close_file();
    return done;
}

std::string read_whole_body(const request_body& body)
{
    body_reader reader(body);
    std::string out;
    unsigned char block[16 * 1024];
    boost::system::error_code ec;
    while (reader.left() > 0)
    {
        const std::size_t n = reader.read(block, sizeof block, ec);
        if (ec)
            return {};
        out.append(reinterpret_cast<const char*>(block), n);
    }
    return out;
}

}  // namespace asyncfetch
