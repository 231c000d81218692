// asyncfetch-testbed: a small HTTP/1.1 server with well-behaved and deliberately faulty endpoints.
#include "asyncfetch/testbed.hpp"

#include "text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/system_error.hpp>

#include <brotli/encode.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace asyncfetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Certificates

template <auto Free>
struct openssl_deleter
{
    template <class T>
    void operator()(T* p) const
    {
        Free(p);
    }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free_all>>;
using general_names_ptr = std::unique_ptr<GENERAL_NAMES, openssl_deleter<GENERAL_NAMES_free>>;
using general_name_ptr = std::unique_ptr<GENERAL_NAME, openssl_deleter<GENERAL_NAME_free>>;
using octet_string_ptr = std::unique_ptr<ASN1_OCTET_STRING, openssl_deleter<ASN1_OCTET_STRING_free>>;
using ia5_string_ptr = std::unique_ptr<ASN1_IA5STRING, openssl_deleter<ASN1_IA5STRING_free>>;
using extension_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION_free>>;

[[noreturn]] void throw_openssl(const char* what)
{
    std::string message = std::string("make_self_signed_certificate: ") + what;
    if (unsigned long code = ERR_get_error(); code != 0)
    {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        message += ": ";
        message += text.data();
    }
    ERR_clear_error();
    throw std::runtime_error(message);
}

void check(bool ok, const char* what)
{
    if (!ok)
        throw_openssl(what);
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const char* value)
{
    extension_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void add_subject_alt_names(X509* cert, const std::vector<std::string>& names)
{
    general_names_ptr names_ext(sk_GENERAL_NAME_new_null());
    check(names_ext != nullptr, "sk_GENERAL_NAME_new_null");
    for (const auto& name : names)
    {
        general_name_ptr entry(GENERAL_NAME_new());
        check(entry != nullptr, "GENERAL_NAME_new");
        // a2i_IPADDRESS accepts exactly the IPv4 and IPv6 literals; anything else is a DNS name.
        if (octet_string_ptr ip(a2i_IPADDRESS(name.c_str())); ip)
        {
            GENERAL_NAME_set0_value(entry.get(), GEN_IPADD, ip.release());
        }
        else
        {
            ERR_clear_error();
            ia5_string_ptr dns(ASN1_IA5STRING_new());
            check(dns != nullptr, "ASN1_IA5STRING_new");
            check(ASN1_STRING_set(dns.get(), name.data(), static_cast<int>(name.size())) == 1,
                  "ASN1_STRING_set");
            GENERAL_NAME_set0_value(entry.get(), GEN_DNS, dns.release());
        }
        check(sk_GENERAL_NAME_push(names_ext.get(), entry.get()) > 0, "sk_GENERAL_NAME_push");
        entry.release();
    }
    check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names_ext.get(), 0, X509V3_ADD_DEFAULT) == 1,
          "X509_add1_ext_i2d(subjectAltName)");
}

std::string bio_to_string(BIO* bio)
{
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    check(size >= 0 && data != nullptr, "BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(size));
}

// ---------------------------------------------------------------------------------------------------------
// Responses

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::uint64_t max_length = std::uint64_t{1} << 40;
constexpr std::uint64_t max_delay_ms = 24ULL * 3600 * 1000;
constexpr std::size_t piece_size = 64 * 1024;
constexpr std::size_t chunk_size = 16 * 1024;
constexpr auto tls_shutdown_timeout = 500ms;
constexpr auto drop_idle_delay = 20ms;
constexpr auto stop_grace = 2s;
constexpr auto linger_timeout = 500ms;
constexpr std::uint64_t max_encoded_length = std::uint64_t{64} << 20;
constexpr std::uint64_t max_request_body = std::uint64_t{16} << 20;
constexpr std::uint32_t max_request_header = 64 * 1024;
constexpr std::size_t max_logged_requests = 100'000;
constexpr std::size_t max_logged_body_bytes = std::size_t{256} << 20;

/// The source of every body: 64 KiB of 'x', never allocated per response.
const std::string& filler()
{
    static const std::string bytes(piece_size, 'x');
    return bytes;
}

net::const_buffer filler_piece(std::uint64_t n)
{
    return net::buffer(filler().data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, piece_size)));
}

/// A decimal number, all of `text`, at most `limit`.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t limit)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value > limit)
        return std::nullopt;
    return value;
}

std::string status_line(unsigned code)
{
    std::string_view reason = http::obsolete_reason(http::int_to_status(code));
    if (reason.empty() || reason.front() == '<')
        reason = "Unknown";
    return "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
}

/// A whole error response, body included, announcing that the connection ends.
std::string closing_error(unsigned code, std::string_view body)
{
    return status_line(code) + "Server: asyncfetch-testbed\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
}

/// What the connection does once a response is written.
enum class after_response
{
    keep_alive,       ///< read the next request
    close_graceful,   ///< TLS close_notify (bounded), then close
    close_abrupt,     ///< close the TCP socket, no close_notify
    close_lingering,  ///< like close_graceful, but first drain what the client still sends (bounded), so
                      ///< that unread request bytes do not turn the close into a reset that loses the answer
    drop_when_idle,   ///< keep alive, but close silently if the client stays idle for 20 ms
};

/// The endpoint name and its argument: "/bytes/10?x" gives {"bytes", "10", true}.
struct route
{
    std::string_view name;
    std::string_view arg;
    bool has_arg = false;
};

route split_target(std::string_view target)
{
    target = target.substr(0, target.find('?'));
    // Absolute-form, as sent to a proxy: serve the path.
    for (std::string_view scheme : {"http://", "https://"})
    {
        if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme))
        {
            target.remove_prefix(scheme.size());
            auto slash = target.find('/');
            target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
            break;
        }
    }
    if (target.empty() || target.front() != '/')
        return {};
    // /redirect-to answers under any prefix too, so that relative references have a base to climb.
    constexpr std::string_view redirect_to = "/redirect-to";
    if (target.size() >= redirect_to.size() &&
        target.substr(target.size() - redirect_to.size()) == redirect_to)
        return {redirect_to.substr(1), {}, false};
    target.remove_prefix(1);
    route result;
    auto slash = target.find('/');
    result.name = target.substr(0, slash);
    if (slash != std::string_view::npos)
    {
        result.arg = target.substr(slash + 1);
        result.has_arg = true;
    }
    return result;
}

bool is_parse_error(const error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
constexpr bool is_tls_stream = false;

template <class Next>
constexpr bool is_tls_stream<ssl::stream<Next>> = true;

// ---------------------------------------------------------------------------------------------------------
// Queries

using detail::percent_decode;

/// The percent-decoded value of the first `name=` parameter in the target's query; nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name)
{
    auto question = target.find('?');
    if (question == std::string_view::npos)
        return std::nullopt;
    std::string_view query = target.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty())
    {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals)) != name)
            continue;
        return equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1));
    }
    return std::nullopt;
}

/// A value that would break the header it goes into.
bool has_control_characters(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

// ---------------------------------------------------------------------------------------------------------
// Content codings

constexpr std::string_view pattern_prefix = "asyncfetch testbed line ";
constexpr std::size_t pattern_digits = 8;
constexpr std::size_t pattern_line = pattern_prefix.size() + pattern_digits + 1;

/// Appends bytes [offset, offset + n) of the endless pattern that testbed_pattern() starts.
void append_pattern(std::uint64_t offset, std::size_t n, std::string& out)
{
    std::array<char, pattern_line> line{};
    std::copy(pattern_prefix.begin(), pattern_prefix.end(), line.begin());
    line.back() = '\n';
    std::uint64_t index = offset / pattern_line;
    auto column = static_cast<std::size_t>(offset % pattern_line);
    while (n > 0)
    {
        // Zero-padded line number, wrapping after 10^8 lines.
        std::uint64_t number = index % 100'000'000;
        for (std::size_t d = 0; d < pattern_digits; ++d)
        {
            line[pattern_prefix.size() + pattern_digits - 1 - d] = static_cast<char>('0' + number % 10);
            number /= 10;
        }
        const std::size_t take = std::min(n, pattern_line - column);
        out.append(line.data() + column, take);
        n -= take;
        column = 0;
        ++index;
    }
}

/// A Content-Encoding the testbed can produce.
enum class coding
{
    gzip,
    deflate,  ///< the zlib format (RFC 1950), which is what "deflate" means in HTTP
    br,
};

std::string_view coding_name(coding kind)
{
    switch (kind)
    {
    case coding::gzip: return "gzip";
    case coding::deflate: return "deflate";
    case coding::br: return "br";
    }
    return {};
}

/// The coding an endpoint name asks for: "gzip" or "gzip-chunked" and so on.
struct coding_route
{
    coding kind = coding::gzip;
    bool chunked = false;
};

std::optional<coding_route> coding_of(std::string_view name)
{
    constexpr std::string_view suffix = "-chunked";
    coding_route result;
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix)
    {
        result.chunked = true;
        name.remove_suffix(suffix.size());
    }
    for (coding kind : {coding::gzip, coding::deflate, coding::br})
    {
        if (name == coding_name(kind))
        {
            result.kind = kind;
            return result;
        }
    }
    return std::nullopt;
}

/// A streaming compressor for one coding. Throws std::runtime_error when the library fails, which only
/// happens on a programming error or without memory.
class encoder
{
public:
    /// zlib_level and zlib_strategy apply to gzip and deflate; br uses quality 5, a fast setting.
    explicit encoder(coding kind,
                     int zlib_level = Z_DEFAULT_COMPRESSION,
                     int zlib_strategy = Z_DEFAULT_STRATEGY)
        : kind_(kind)
    {
        if (kind_ == coding::br)
        {
            brotli_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
            if (brotli_ == nullptr)
                throw std::runtime_error("BrotliEncoderCreateInstance failed");
            BrotliEncoderSetParameter(brotli_, BROTLI_PARAM_QUALITY, 5);
            return;
        }
        // windowBits + 16 asks zlib for the gzip wrapper, plain windowBits for the zlib one.
        const int window_bits = kind_ == coding::gzip ? 15 + 16 : 15;
        if (deflateInit2(&zlib_, zlib_level, Z_DEFLATED, window_bits, 8, zlib_strategy) != Z_OK)
            throw std::runtime_error("deflateInit2 failed");
    }

    ~encoder()
    {
        if (kind_ == coding::br)
            BrotliEncoderDestroyInstance(brotli_);
        else
            deflateEnd(&zlib_);
    }

    encoder(const encoder&) = delete;
    encoder& operator=(const encoder&) = delete;

    /// Compresses `input` and appends whatever output is ready to `out`; `last` ends the stream.
    void put(std::string_view input, bool last, std::string& out)
    {
        if (kind_ == coding::br)
            put_brotli(input, last, out);
        else
            put_zlib(input, last, out);
    }

private:
    void put_zlib(std::string_view input, bool last, std::string& out)
    {
        constexpr std::size_t room = 64 * 1024;
        zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
        zlib_.avail_in = static_cast<uInt>(input.size());
        for (;;)
        {
            const std::size_t used = out.size();
            out.resize(used + room);
            zlib_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
            zlib_.avail_out = static_cast<uInt>(room);
            const int rc = deflate(&zlib_, last ? Z_FINISH : Z_NO_FLUSH);
            out.resize(used + room - zlib_.avail_out);
            if (rc == Z_STREAM_ERROR)
                throw std::runtime_error("deflate failed");
            // Without Z_FINISH, room left over means all input was taken; with it, only the end counts.
            if (last ? rc == Z_STREAM_END : zlib_.avail_out != 0)
                return;
        }
    }

    void put_brotli(std::string_view input, bool last, std::string& out)
    {
        auto next_in = reinterpret_cast<const std::uint8_t*>(input.data());
        std::size_t avail_in = input.size();
        const auto operation = last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
        for (;;)
        {
            std::size_t avail_out = 0;
            if (!BrotliEncoderCompressStream(brotli_,
                                             operation,
                                             &avail_in,
                                             &next_in,
                                             &avail_out,
                                             nullptr,
                                             nullptr))
                throw std::runtime_error("BrotliEncoderCompressStream failed");
            std::size_t size = 0;
            const std::uint8_t* output = BrotliEncoderTakeOutput(brotli_, &size);
            out.append(reinterpret_cast<const char*>(output), size);
            if (avail_in == 0 && !BrotliEncoderHasMoreOutput(brotli_) &&
                (!last || BrotliEncoderIsFinished(brotli_)))
                return;
        }
    }

    coding kind_;
    z_stream zlib_{};
    BrotliEncoderState* brotli_ = nullptr;
};

/// The text of an /echo answer.
std::string echo_text(const http::request<http::string_body>& request)
{
    std::string out;
    out.reserve(256 + request.body().size());
    out.append(request.method_string()).append(" ").append(request.target()).append("\n");
    for (const auto& field : request)
        out.append(field.name_string()).append(": ").append(field.value()).append("\n");
    out += '\n';
    out += request.body();
    return out;
}

}  // namespace

self_signed_certificate make_self_signed_certificate(const std::vector<std::string>& names,
                                                     long not_before_days,
                                                     long valid_days)
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");

    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    // A random positive 159-bit serial, as RFC 5280 asks for at most 20 octets.
    bignum_ptr serial(BN_new());
    check(serial != nullptr, "BN_new");
    check(BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "BN_to_ASN1_INTEGER");

    constexpr long day = 86400;
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_days * day) != nullptr,
          "X509_gmtime_adj(notBefore)");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), (not_before_days + valid_days) * day) != nullptr,
          "X509_gmtime_adj(notAfter)");

    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    const std::string common_name = names.empty() ? std::string("asyncfetch-testbed") : names.front();
    X509_NAME* subject = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(subject,
                                     "CN",
                                     MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1,
                                     -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(cert.get(), subject) == 1, "X509_set_issuer_name");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
    if (!names.empty())
        add_subject_alt_names(cert.get(), names);

    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    check(cert_bio != nullptr, "BIO_new");
    check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");

    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    check(key_bio != nullptr, "BIO_new");
    check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");

    return {bio_to_string(cert_bio.get()), bio_to_string(key_bio.get())};
}

std::string recorded_request::header(std::string_view name) const
{
    for (const auto& [field, value] : headers)
    {
        if (beast::iequals(field, name))
            return value;
    }
    return {};
}

bool recorded_request::has_header(std::string_view name) const
{
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
        return beast::iequals(h.first, name);
    });
}

std::string testbed_pattern(std::uint64_t n)
{
    std::string out;
    out.reserve(static_cast<std::size_t>(n));
    append_pattern(0, static_cast<std::size_t>(n), out);
    return out;
}

struct testbed::impl
{
    /// An open connection, registered so that stop() can close it.
    struct live_connection
    {
        live_connection(impl& owner, tcp::socket& lowest)
            : owner_(owner), socket_(lowest), timer_(lowest.get_executor())
        {
            owner_.connections_.insert(this);
            auto open = owner_.connections_.size();
            if (open > owner_.peak_connections_.load(std::memory_order_relaxed))
                owner_.peak_connections_.store(open, std::memory_order_relaxed);
        }

        ~live_connection() { owner_.connections_.erase(this); }

        live_connection(const live_connection&) = delete;
        live_connection& operator=(const live_connection&) = delete;

        /// Closes the TCP socket: no close_notify, pending operations fail.
        void close()
        {
            error_code ignored;
            socket_.close(ignored);
            timer_.cancel();
        }

        impl& owner_;
        tcp::socket& socket_;
        net::steady_timer timer_;                 ///< for /delay, /drop and the TLS shutdown bound
        bool tls_ = false;                        ///< the TLS handshake completed
        std::optional<std::string> server_name_;  ///< the SNI the client sent, if any
    };

    /// Counts one request as in flight for its lifetime.
    struct in_flight_guard
    {
        explicit in_flight_guard(impl& owner) : owner_(owner)
        {
            auto now = ++owner_.in_flight_;
            if (now > owner_.peak_in_flight_.load(std::memory_order_relaxed))
                owner_.peak_in_flight_.store(now, std::memory_order_relaxed);
        }

        ~in_flight_guard() { --owner_.in_flight_; }

        in_flight_guard(const in_flight_guard&) = delete;
        in_flight_guard& operator=(const in_flight_guard&) = delete;

        impl& owner_;
    };

    explicit impl(testbed_config config);
    ~impl();

    void stop();
    void close_everything();

    net::awaitable<void> accept_loop();
    net::awaitable<void> handle_connection(tcp::socket socket);

    template <class Stream>
    net::awaitable<void> serve(Stream& stream, live_connection& conn);

    template <class Stream>
    net::awaitable<after_response> respond(Stream& stream,
                                           live_connection& conn,
                                           const http::request<http::string_body>& request);

    template <class Stream>
    net::awaitable<void> finish(Stream& stream, live_connection& conn, after_response how);

    template <class Stream>
    net::awaitable<error_code> write_fixed(Stream& stream, std::string head, std::uint64_t body_bytes);

    template <class Stream>
    net::awaitable<error_code> write_chunked(Stream& stream, std::string head, std::uint64_t body_bytes);

    template <class Stream>
    net::awaitable<error_code> write_chunk(Stream& stream, std::string_view data);

    template <class Stream>
    net::awaitable<error_code> write_encoded_chunked(Stream& stream,
                                                     live_connection& conn,
                                                     std::string head,
                                                     encoder& compress,
                                                     std::uint64_t body_bytes,
                                                     bool zeros);

    net::awaitable<std::optional<std::string>> encode_whole(live_connection& conn,
                                                            coding kind,
                                                            std::uint64_t body_bytes);

    template <class Stream>
    net::awaitable<void> wait_for_close(Stream& stream);

    net::awaitable<void> sleep(live_connection& conn, std::chrono::steady_clock::duration how_long);

    /// Lets the other connections run between two pieces of a long computation.
    net::awaitable<void> yield();

    /// Adds a request read on conn to the log, dropping the oldest beyond the caps.
    void record(const http::request<http::string_body>& request, const live_connection& conn);

    testbed_config config_;
    std::string cert_pem_;
    std::optional<ssl::context> ssl_ctx_;

    std::atomic<std::size_t> connections_accepted_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::size_t> peak_connections_{0};
    std::atomic<std::size_t> peak_in_flight_{0};
    std::size_t in_flight_ = 0;  ///< io thread only

    std::unordered_set<live_connection*> connections_;  ///< io thread only
    bool stopping_ = false;                             ///< io thread only
    std::unordered_map<std::string, std::uint64_t>
        flaky_counts_;  ///< /flaky requests seen per key, io thread only

    mutable std::mutex log_mutex_;
    std::deque<recorded_request> log_;  ///< guarded by log_mutex_
    std::size_t log_body_bytes_ = 0;    ///< guarded by log_mutex_

    std::mutex stop_mutex_;
    bool stopped_ = false;

    // Declared after everything the coroutines touch: destroying the io_context destroys any coroutine
    // frame still pending, and those frames unregister themselves from connections_.
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    std::string base_url_;
    std::promise<void> finished_;
    std::future<void> finished_future_ = finished_.get_future();
    std::thread thread_;
};

testbed::impl::impl(testbed_config config) : config_(std::move(config))
{
    if (config_.tls)
    {
        auto cert = make_self_signed_certificate(config_.cert_names);
        ssl_ctx_.emplace(ssl::context::tls_server);
        SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_2_VERSION);
        ssl_ctx_->use_certificate_chain(net::buffer(cert.cert_pem));
        ssl_ctx_->use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
        cert_pem_ = std::move(cert.cert_pem);
    }

    // Bind synchronously so that port() is valid when the constructor returns.
    const std::string where = config_.address + " port " + std::to_string(config_.port);
    try
    {
        error_code ec;
        auto address = net::ip::make_address(config_.address, ec);
        tcp::endpoint endpoint(address, config_.port);
        if (ec)
        {
            // A name such as "localhost": take the first address it has.
            tcp::resolver resolver(ioc_);
            auto results = resolver.resolve(config_.address,
                                            std::to_string(config_.port),
                                            tcp::resolver::passive);
            endpoint = results.begin()->endpoint();
        }
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }
    catch (const boost::system::system_error& e)
    {
        throw std::runtime_error("cannot listen on " + where + ": " + e.code().message());
    }

    auto local = acceptor_.local_endpoint();
    port_ = local.port();
    auto host = local.address().to_string();
    if (local.address().is_v6())
        host = "[" + host + "]";
    base_url_ = std::string(config_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_);

    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] {
        for (;;)
        {
            try
            {
                ioc_.run();
                break;
            }
            catch (const std::exception&)
            {
                // A handler outside any coroutine threw: keep serving the others.
            }
        }
        finished_.set_value();
    });
}

testbed::impl::~impl() { stop(); }

void testbed::impl::stop()
{
    std::lock_guard lock(stop_mutex_);
    if (stopped_)
        return;
    stopped_ = true;
    if (!thread_.joinable())
        return;
    net::post(ioc_, [this] { close_everything(); });
    // With every socket closed and every timer cancelled the coroutines end and run() returns by itself.
    // The bound is a safety net: stopping the loop leaves the frames to the io_context's destructor.
    const bool ended = finished_future_.wait_for(stop_grace) == std::future_status::ready;
    if (!ended)
        ioc_.stop();
    thread_.join();
    // The loop thread is gone, so this thread may touch its state: close whatever is still open.
    if (!ended)
        close_everything();
}

void testbed::impl::close_everything()
{
    stopping_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    // close() only queues completions, so the set does not change under the loop.
    for (auto* conn : connections_)
        conn->close();
}

net::awaitable<void> testbed::impl::accept_loop()
{
    net::steady_timer backoff(ioc_);
    while (acceptor_.is_open())
    {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec)
        {
            if (!acceptor_.is_open() || ec == net::error::operation_aborted)
                break;
            // Out of descriptors or similar: wait a little instead of spinning.
            backoff.expires_after(50ms);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        ++connections_accepted_;
        net::co_spawn(ioc_, handle_connection(std::move(socket)), net::detached);
    }
}

net::awaitable<void> testbed::impl::handle_connection(tcp::socket socket)
{
    try
    {
        // Accepted just before stop() ran: it could not see this socket.
        if (stopping_)
            co_return;
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (ssl_ctx_)
        {
            ssl::stream<tcp::socket> stream(std::move(socket), *ssl_ctx_);
            live_connection conn(*this, stream.next_layer());
            auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
            if (ec)
                co_return;
            conn.tls_ = true;
            // Null when the ClientHello had no server_name extension, as RFC 6066 asks for IP literals.
            if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name))
                conn.server_name_ = name;
            co_await serve(stream, conn);
        }
        else
        {
            live_connection conn(*this, socket);
            co_await serve(socket, conn);
        }
    }
    catch (const std::exception&)
    {
        // One connection failing must not take the server down.
    }
}

net::awaitable<void> testbed::impl::sleep(live_connection& conn, std::chrono::steady_clock::duration how_long)
{
    // A closed socket means stop() already ran and cancelled the timer: do not start a new wait.
    if (!conn.socket_.is_open())
        co_return;
    conn.timer_.expires_after(how_long);
    co_await conn.timer_.async_wait(use_tuple);
}

template <class Stream>
net::awaitable<void> testbed::impl::serve(Stream& stream, live_connection& conn)
{
    using namespace net::experimental::awaitable_operators;

    beast::flat_buffer buffer;
    bool drop_when_idle = false;
    for (;;)
    {
        if (drop_when_idle && buffer.size() == 0)
        {
            // /drop: close without a word unless the client starts a request within 20 ms.
            conn.timer_.expires_after(drop_idle_delay);
            auto which = co_await (conn.socket_.async_wait(tcp::socket::wait_read, use_tuple) ||
                                   conn.timer_.async_wait(use_tuple));
            // The timer won, or the wait failed because stop() closed the socket.
            if (which.index() == 1 || std::get<0>(std::get<0>(which)))
            {
                conn.close();
                co_return;
            }
        }

        http::request_parser<http::string_body> parser;
        parser.header_limit(max_request_header);
        parser.body_limit(max_request_body);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        (void)n;
        if (!ec)
        {
            ++requests_;
            // A client that sent "Expect: 100-continue" may wait for this before sending the body.
            const auto& head = parser.get();
            if (!parser.is_done() && head.version() >= 11 &&
                beast::iequals(head[http::field::expect], "100-continue"))
            {
                static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
                std::tie(ec, n) = co_await net::async_write(stream,
                                                            net::buffer(go_on.data(), go_on.size()),
                                                            use_tuple);
                if (ec)
                    co_return;
            }
            if (!parser.is_done())
                std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_tuple);
        }
        if (ec)
        {
            if (ec == http::error::body_limit)
            {
                // A Content-Length over the limit fails while reading the header, so count it here.
                if (!parser.is_header_done())
                    ++requests_;
                record(parser.get(), conn);
                co_await write_fixed(stream, closing_error(413, "request body over 16 MiB\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            else if (ec == http::error::header_limit)
            {
                co_await write_fixed(stream, closing_error(431, "request header over 64 KiB\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            else if (is_parse_error(ec))
            {
                co_await write_fixed(stream, closing_error(400, "bad request\n"), 0);
                co_await finish(stream, conn, after_response::close_lingering);
            }
            co_return;
        }
        record(parser.get(), conn);

        after_response how = after_response::close_graceful;
        {
            in_flight_guard guard(*this);
            how = co_await respond(stream, conn, parser.get());
        }
        if (how == after_response::keep_alive || how == after_response::drop_when_idle)
        {
            drop_when_idle = how == after_response::drop_when_idle;
            continue;
        }
        co_await finish(stream, conn, how);
        co_return;
    }
}

template <class Stream>
net::awaitable<void> testbed::impl::finish(Stream& stream, live_connection& conn, after_response how)
{
    using namespace net::experimental::awaitable_operators;

    const bool graceful = how == after_response::close_graceful || how == after_response::close_lingering;
    if (graceful && conn.socket_.is_open())
    {
        if constexpr (is_tls_stream<Stream>)
        {
            // close_notify, bounded: a peer that never answers it must not hold the connection.
            conn.timer_.expires_after(tls_shutdown_timeout);
            co_await (stream.async_shutdown(use_tuple) || conn.timer_.async_wait(use_tuple));
        }
        else
        {
            error_code ignored;
            conn.socket_.shutdown(tcp::socket::shutdown_send, ignored);
            if (how == after_response::close_lingering)
            {
                // Closing with unread bytes sends a reset, which can destroy the answer before it is read.
                conn.timer_.expires_after(linger_timeout);
                co_await (wait_for_close(stream) || conn.timer_.async_wait(use_tuple));
            }
        }
    }
    conn.close();
}

template <class Stream>
net::awaitable<void> testbed::impl::wait_for_close(Stream& stream)
{
    // Discard whatever arrives until the client goes away or stop() closes the socket.
    std::array<char, 1024> sink;
    for (;;)
    {
        auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
        (void)n;
        if (ec)
            co_return;
    }
}

template <class Stream>
net::awaitable<error_code> testbed::impl::write_fixed(Stream& stream,
                                                      std::string head,
                                                      std::uint64_t body_bytes)
{
    // The head goes out with the first piece: one write for every small response.
    std::uint64_t left = body_bytes;
    auto first = filler_piece(left);
    std::array<net::const_buffer, 2> buffers{net::buffer(head), first};
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    (void)n;
    left -= first.size();
    while (!ec && left > 0)
    {
        auto piece = filler_piece(left);
        std::tie(ec, n) = co_await net::async_write(stream, piece, use_tuple);
        left -= piece.size();
    }
    co_return ec;
}

template <class Stream>
net::awaitable<error_code> testbed::impl::write_chunked(Stream& stream,
                                                        std::string head,
                                                        std::uint64_t body_bytes)
{
    static constexpr std::string_view crlf = "\r\n";
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    std::uint64_t left = body_bytes;
    net::const_buffer prefix = net::buffer(head);
    error_code ec;
    while (left > 0)
    {
        auto size = std::min<std::uint64_t>(left, chunk_size);
        std::array<char, 24> size_line{};
        auto [end, conv] = std::to_chars(size_line.data(), size_line.data() + 16, size, 16);
        (void)conv;
        *end++ = '\r';
        *end++ = '\n';
        std::array<net::const_buffer, 4> buffers{
            prefix,
            net::buffer(size_line.data(), static_cast<std::size_t>(end - size_line.data())),
            filler_piece(size),
            net::buffer(crlf.data(), crlf.size())};
        std::size_t n = 0;
        std::tie(ec, n) = co_await net::async_write(stream, buffers, use_tuple);
        if (ec)
            co_return ec;
        prefix = {};
        left -= size;
    }
    std::array<net::const_buffer, 2> buffers{prefix, net::buffer(last_chunk.data(), last_chunk.size())};
    std::size_t n = 0;
    std::tie(ec, n) = co_await net::async_write(stream, buffers, use_tuple);
    co_return ec;
}

template <class Stream>
net::awaitable<error_code> testbed::impl::write_chunk(Stream& stream, std::string_view data)
{
    // Empty data is the last chunk, without trailers.
    static constexpr std::string_view crlf = "\r\n";
    std::array<char, 24> size_line{};
    auto [end, conv] = std::to_chars(size_line.data(), size_line.data() + 16, data.size(), 16);
    (void)conv;
    *end++ = '\r';
    *end++ = '\n';
    std::array<net::const_buffer, 4> buffers{
        net::buffer(size_line.data(), static_cast<std::size_t>(end - size_line.data())),
        net::buffer(data.data(), data.size()),
        net::buffer(crlf.data(), data.empty() ? 0 : crlf.size()),
        net::buffer(crlf.data(), data.empty() ? crlf.size() : 0)};
    auto [ec, n] = co_await net::async_write(stream, buffers, use_tuple);
    (void)n;
    co_return ec;
}

net::awaitable<void> testbed::impl::yield() { co_await net::post(ioc_, net::use_awaitable); }

net::awaitable<std::optional<std::string>> testbed::impl::encode_whole(live_connection& conn,
                                                                       coding kind,
                                                                       std::uint64_t body_bytes)
{
    encoder compress(kind);
    std::string out;
    std::string input;
    std::uint64_t offset = 0;
    bool last = false;
    do
    {
        const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes - offset, piece_size));
        input.clear();
        append_pattern(offset, size, input);
        offset += size;
        last = offset == body_bytes;
        compress.put(input, last, out);
        // Up to 64 MiB takes a while: let the other connections in, and give up once stop() ran.
        co_await yield();
        if (!conn.socket_.is_open())
            co_return std::nullopt;
    } while (!last);
    co_return out;
}

template <class Stream>
net::awaitable<error_code> testbed::impl::write_encoded_chunked(Stream& stream,
                                                                live_connection& conn,
                                                                std::string head,
                                                                encoder& compress,
                                                                std::uint64_t body_bytes,
                                                                bool zeros)
{
    static const std::string nothing(piece_size, '\0');
    auto [ec, n] = co_await net::async_write(stream, net::buffer(head), use_tuple);
    (void)n;
    std::string out;
    std::string input;
    std::uint64_t offset = 0;
    bool last = false;
    while (!ec && !last)
    {
        const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(body_bytes - offset, piece_size));
        std::string_view piece(nothing.data(), size);
        if (!zeros)
        {
            input.clear();
            append_pattern(offset, size, input);
            piece = input;
        }
        offset += size;
        last = offset == body_bytes;
        compress.put(piece, last, out);
        // Output comes in bursts (about every 4 MiB of zeros): send it in chunks of a useful size.
        if (out.size() >= chunk_size || (last && !out.empty()))
        {
            ec = co_await write_chunk(stream, out);
            out.clear();
        }
        else
        {
            co_await yield();
            if (!conn.socket_.is_open())
                ec = net::error::operation_aborted;
        }
    }
    if (!ec)
        ec = co_await write_chunk(stream, {});
    co_return ec;
}

template <class Stream>
net::awaitable<after_response> testbed::impl::respond(Stream& stream,
                                                      live_connection& conn,
                                                      const http::request<http::string_body>& request)
{
    const bool head_only = request.method() == http::verb::head;
    const bool keep_alive = request.keep_alive();
    const std::string_view target = request.target();
    const route where = split_target(target);

    // HTTP/1.1 is persistent by default; an HTTP/1.0 client that asked for keep-alive gets it confirmed.
    std::string connection_field;
    if (!keep_alive)
        connection_field = "Connection: close\r\n";
    else if (request.version() < 11)
        connection_field = "Connection: keep-alive\r\n";
    const after_response persistent = keep_alive ? after_response::keep_alive
                                                 : after_response::close_graceful;
    auto finished = [&](const error_code& ec) { return ec ? after_response::close_abrupt : persistent; };

    const std::string server_field = "Server: asyncfetch-testbed\r\n";
    auto fixed_head =
        [&](unsigned code, std::string_view type, std::uint64_t length, std::string_view extra) {
            return status_line(code) + server_field + "Content-Type: " + std::string(type) + "\r\n" +
                   "Content-Length: " + std::to_string(length) + "\r\n" + std::string(extra) +
                   connection_field + "\r\n";
        };

    // Small text answers: the body is appended to the head, which is written alone.
    std::string text_head;
    auto text = [&](unsigned code, std::string_view body, std::string_view extra = {}) {
        text_head = fixed_head(code, "text/plain", body.size(), extra);
        if (!head_only)
            text_head += body;
    };
    // A status with its number as the body, or no body at all where the status forbids one.
    auto status_text = [&](unsigned code, std::string_view extra = {}) {
        if (code == 204 || code == 304)
            text_head = status_line(code) + server_field + std::string(extra) + connection_field + "\r\n";
        else
            text(code, std::to_string(code) + "\n", extra);
    };

    const std::string_view name = where.name;
    if (name == "silent" && !where.has_arg)
    {
        co_await wait_for_close(stream);
        co_return after_response::close_abrupt;
    }
    if (name == "echo")
    {
        text(200, echo_text(request));
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "redirect-to" && !where.has_arg)
    {
        const auto url = query_param(target, "url");
        std::optional<std::uint64_t> code = 302;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 999);
        const bool redirect_code = code && (*code == 301 || *code == 302 || *code == 303 || *code == 307 ||
                                            *code == 308);
        if (!url || !redirect_code || has_control_characters(*url))
            text(400, "bad request\n");
        else
            text(static_cast<unsigned>(*code), "redirecting to " + *url + "\n", "Location: " + *url + "\r\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }

    const auto encoded = coding_of(name);
    const bool takes_number = name == "bytes" || name == "delay" || name == "status" || name == "chunked" ||
                              name == "redirect" || name == "close" || name == "truncate" || name == "cut" ||
                              name == "interim" || name == "drop" || name == "bomb" || name == "flaky" ||
                              encoded.has_value();
    if (!takes_number || !where.has_arg)
    {
        text(404, "not found\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }

    std::uint64_t limit = max_length;
    if (name == "delay")
        limit = max_delay_ms;
    else if (encoded && !encoded->chunked)
        limit = max_encoded_length;
    const auto value = parse_number(where.arg, limit);
    if (!value || (name == "status" && (*value < 200 || *value > 599)))
    {
        text(400, "bad request\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    const std::uint64_t n = *value;
    const std::uint64_t body = head_only ? 0 : n;
    error_code ec;

    if (name == "bytes")
    {
        ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
        co_return finished(ec);
    }
    if (name == "delay")
    {
        co_await sleep(conn, std::chrono::milliseconds(n));
        text(200, "ok\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "status")
    {
        status_text(static_cast<unsigned>(n));
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "chunked")
    {
        std::string head = status_line(200) + server_field +
                           "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n" +
                           connection_field + "\r\n";
        if (head_only)
            ec = co_await write_fixed(stream, head, 0);
        else
            ec = co_await write_chunked(stream, head, n);
        co_return finished(ec);
    }
    if (name == "redirect")
    {
        if (n == 0)
            text(200, "ok\n");
        else
            text(302, "", "Location: /redirect/" + std::to_string(n - 1) + "\r\n");
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (name == "close" || name == "cut")
    {
        // No Content-Length: the end of the connection ends the body.
        std::string head = status_line(200) + server_field +
                           "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
        ec = co_await write_fixed(stream, head, body);
        if (ec)
            co_return after_response::close_abrupt;
        co_return name == "close" ? after_response::close_graceful : after_response::close_abrupt;
    }
    if (name == "truncate")
    {
        // Announces 2N, sends N, then closes without close_notify: the client sees a short body.
        co_await write_fixed(stream, fixed_head(200, "application/octet-stream", 2 * n, {}), body);
        co_return after_response::close_abrupt;
    }
    if (name == "interim")
    {
        static constexpr std::string_view interim =
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\n"
            "Link: </style.css>; rel=preload\r\n\r\n";
        std::size_t written = 0;
        std::tie(ec, written) = co_await net::async_write(stream,
                                                          net::buffer(interim.data(), interim.size()),
                                                          use_tuple);
        if (!ec)
            ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
        co_return finished(ec);
    }
    if (name == "flaky")
    {
        const std::string key = query_param(target, "key").value_or(std::string());
        std::optional<std::uint64_t> code = 503;
        if (auto status = query_param(target, "status"))
            code = parse_number(*status, 599);
        const auto retry_after = query_param(target, "retry-after");
        if (!code || *code < 200 || (retry_after && has_control_characters(*retry_after)))
        {
            text(400, "bad request\n");
        }
        else if (flaky_counts_[key]++ < n)
        {
            status_text(static_cast<unsigned>(*code),
                        retry_after ? "Retry-After: " + *retry_after + "\r\n" : std::string());
        }
        else
        {
            text(200, "ok\n");
        }
        co_return finished(co_await write_fixed(stream, text_head, 0));
    }
    if (encoded && !encoded->chunked)
    {
        // Compressed whole first, so that Content-Length can give the encoded size.
        auto compressed = co_await encode_whole(conn, encoded->kind, n);
        if (!compressed)
            co_return after_response::close_abrupt;
        const std::string extra = "Content-Encoding: " + std::string(coding_name(encoded->kind)) + "\r\n";
        std::string head = fixed_head(200, "text/plain", compressed->size(), extra);
        std::array<net::const_buffer, 2> buffers{
            net::buffer(head),
            net::buffer(*compressed, head_only ? 0 : compressed->size())};
        std::size_t written = 0;
        std::tie(ec, written) = co_await net::async_write(stream, buffers, use_tuple);
        co_return finished(ec);
    }
    if (encoded || name == "bomb")
    {
        const coding kind = encoded ? encoded->kind : coding::gzip;
        const std::string type = encoded ? "text/plain" : "application/octet-stream";
        std::string head = status_line(200) + server_field + "Content-Type: " + type + "\r\n" +
                           "Content-Encoding: " + std::string(coding_name(kind)) +
                           "\r\nTransfer-Encoding: chunked\r\n" + connection_field + "\r\n";
        if (head_only)
            co_return finished(co_await write_fixed(stream, head, 0));
        // Zeros: run-length matching at the best level gives deflate's ceiling of about 1000:1, fast.
        auto compress = encoded ? std::make_unique<encoder>(kind)
                                : std::make_unique<encoder>(kind, Z_BEST_COMPRESSION, Z_RLE);
        ec = co_await write_encoded_chunked(stream, conn, std::move(head), *compress, n, !encoded);
        co_return finished(ec);
    }
    // drop
    ec = co_await write_fixed(stream, fixed_head(200, "application/octet-stream", n, {}), body);
    if (ec)
        co_return after_response::close_abrupt;
    co_return keep_alive ? after_response::drop_when_idle : after_response::close_graceful;
}

void testbed::impl::record(const http::request<http::string_body>& request, const live_connection& conn)
{
    if (!config_.record_requests)
        return;
    recorded_request entry;
    entry.method = request.method_string();
    entry.target = request.target();
    for (const auto& field : request)
        entry.headers.emplace_back(field.name_string(), field.value());
    entry.body = request.body();
    entry.tls = conn.tls_;
    entry.server_name = conn.server_name_;

    std::lock_guard lock(log_mutex_);
    log_body_bytes_ += entry.body.size();
    log_.push_back(std::move(entry));
    while (log_.size() > max_logged_requests || (log_body_bytes_ > max_logged_body_bytes && log_.size() > 1))
    {
        log_body_bytes_ -= log_.front().body.size();
        log_.pop_front();
    }
}

testbed::testbed(testbed_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

testbed::~testbed() { stop(); }

std::string testbed::base_url() const { return impl_->base_url_; }

std::uint16_t testbed::port() const { return impl_->port_; }

const std::string& testbed::cert_pem() const { return impl_->cert_pem_; }

testbed_counters testbed::counters() const
{
    testbed_counters result;
    result.connections_accepted = impl_->connections_accepted_.load(std::memory_order_relaxed);
    result.requests = impl_->requests_.load(std::memory_order_relaxed);
    result.peak_connections = impl_->peak_connections_.load(std::memory_order_relaxed);
    result.peak_in_flight = impl_->peak_in_flight_.load(std::memory_order_relaxed);
    return result;
}

std::vector<recorded_request> testbed::requests() const
{
    std::lock_guard lock(impl_->log_mutex_);
    return {impl_->log_.begin(), impl_->log_.end()};
}

void testbed::clear_requests()
{
    std::lock_guard lock(impl_->log_mutex_);
    impl_->log_.clear();
    impl_->log_body_bytes_ = 0;
}

void testbed::stop() { impl_->stop(); }

}  // namespace asyncfetch
