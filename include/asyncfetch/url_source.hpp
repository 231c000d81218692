// Where input URLs come from: a vector (the arguments), a stream's lines (-i FILE), stdin on a thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

/// Input URLs, read lazily so a long list streams instead of loading whole.
class url_source
{
public:
    virtual ~url_source() = default;
    /// The next URL, or nullopt at the end.
    virtual std::optional<std::string> next() = 0;
    /// How many URLs are left, when that is known without reading ahead.
    virtual std::optional<std::size_t> remaining() const { return std::nullopt; }
    /// The next URL without blocking the event loop; the default calls next().
    virtual boost::asio::awaitable<std::optional<std::string>> async_next();
    /// async_next() when it would not wait: true with the next URL (nullopt at the end) in out;
    /// false when only async_next() can answer. The default calls next(); a source whose
    /// async_next() waits overrides this too. The runner asks this first, so a URL already read
    /// costs no coroutine.
    virtual bool try_next(std::optional<std::string>& out);
};

/// URLs from a vector (the vector must outlive the source).
class vector_source final : public url_source
{
public:
    explicit vector_source(const std::vector<std::string>& urls) : urls_(urls) {}
    std::optional<std::string> next() override;
    std::optional<std::size_t> remaining() const override { return urls_.size() - pos_; }

private:
    const std::vector<std::string>& urls_;
    std::size_t pos_ = 0;
};

/// URLs from a stream, one a line: blank lines and lines starting with '#' are skipped,
/// surrounding blanks and a trailing CR are trimmed. Of a line longer than max_url_length only the
/// first max_url_length + 1 bytes are kept (the fetch then fails it as too long), so memory stays
/// bounded whatever the input.
class line_source final : public url_source
{
public:
    explicit line_source(std::istream& in) : in_(in) {}
    std::optional<std::string> next() override;

private:
    static constexpr std::streamsize block_size = 64 * 1024;

    /// The next line without its '\n', cut to its first cap bytes (the rest is skipped): a view
    /// valid until the next call. False at the end of the input.
    bool next_line(std::string_view& line, std::size_t cap);
    /// Takes what the stream holds (at most block_size bytes) into block_; false at its end.
    bool refill();

    std::istream& in_;
    std::string block_;     // bytes taken from the stream, lines found in them by memchr
    std::size_t pos_ = 0;   // the first byte of block_ not read yet
    std::string spanning_;  // a line that goes on past block_, gathered (cut at cap)
};

/// URLs from a stream read on a thread of its own, one a line (as line_source), so a slow or
/// endless producer (`tail -f log | asyncfetch`) never stalls requests in flight. At most 4096
/// lines wait in memory: a fast producer is held back while the fetches catch up. Unties in
/// (in.tie(nullptr)): a tied stream's reads would flush the output from the reading thread.
class threaded_line_source final : public url_source
{
public:
    threaded_line_source(std::istream& in, boost::asio::any_io_executor ex);
    ~threaded_line_source() override;
    std::optional<std::string> next() override;
    boost::asio::awaitable<std::optional<std::string>> async_next() override;
    bool try_next(std::optional<std::string>& out) override;

private:
    struct shared;
    std::shared_ptr<shared> shared_;
    std::shared_ptr<boost::asio::steady_timer> arrived_;
};

/// The URLs of one source after another's.
class chained_source final : public url_source
{
public:
    explicit chained_source(std::vector<url_source*> parts) : parts_(std::move(parts)) {}
    std::optional<std::string> next() override;
    std::optional<std::size_t> remaining() const override;
    boost::asio::awaitable<std::optional<std::string>> async_next() override;
    bool try_next(std::optional<std::string>& out) override;

private:
    std::vector<url_source*> parts_;
    std::size_t pos_ = 0;
};

}  // namespace asyncfetch
