// The client TLS context shared by every connection of a run.
#include "asyncfetch/fetch.hpp"
#include "tls_sessions.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace asyncfetch {

namespace ssl = boost::asio::ssl;

namespace {

/// The system's hashed certificate directory, when there is one and SSL_CERT_FILE does not ask for
/// a bundle instead. A directory is read lazily, one certificate per lookup during verification,
/// where the default bundle file is parsed whole up front: about 20 ms at every start, https or not.
std::optional<std::string> lazy_system_store()
{
    if (const char* file = std::getenv(X509_get_default_cert_file_env()); file && *file)
        return std::nullopt;
    const char* env_dir = std::getenv(X509_get_default_cert_dir_env());
    const std::string dir = env_dir && *env_dir ? env_dir : X509_get_default_cert_dir();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    {
        // OpenSSL's lookup names files by subject hash: "1a2b3c4d.0".
        const auto name = entry.path().filename().string();
        if (name.size() == 10 && name[8] == '.' && name[9] == '0')
            return dir;
    }
    return std::nullopt;
}

int pending_system_store_index()
{
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

}  // namespace

namespace detail {

namespace {

int cache_index()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int key_index()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int on_new_session(SSL* ssl, SSL_SESSION* session)
{
    auto* cache = static_cast<session_cache*>(SSL_get_ex_data(ssl, cache_index()));
    const auto* key = static_cast<const std::string*>(SSL_get_ex_data(ssl, key_index()));
    if (!cache || !key)
        return 0;
    cache->store(*key, session);
    return 1;  // the cache owns the session now
}

}  // namespace

void session_cache::attach(SSL* ssl, const std::string* key)
{
    SSL_set_ex_data(ssl, cache_index(), this);
    SSL_set_ex_data(ssl, key_index(), const_cast<std::string*>(key));
}

void session_cache::detach(SSL* ssl)
{
    SSL_set_ex_data(ssl, cache_index(), nullptr);
    SSL_set_ex_data(ssl, key_index(), nullptr);
}

void enable_session_cache(SSL_CTX* ctx)
{
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
}

}  // namespace detail

void load_system_store_if_pending(ssl::context& ctx)
{
    SSL_CTX* handle = ctx.native_handle();
    if (SSL_CTX_get_ex_data(handle, pending_system_store_index()) == nullptr)
        return;
    SSL_CTX_set_ex_data(handle, pending_system_store_index(), nullptr);
    // A failure leaves the store empty: every handshake then fails verification with a clear message.
    boost::system::error_code ignored;
    if (auto dir = lazy_system_store())
        ctx.add_verify_path(*dir, ignored);
    else
        ctx.set_default_verify_paths(ignored);
}

std::unique_ptr<ssl::context> make_client_tls_context(bool verify, const std::string& cacert_file)
{
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    detail::enable_session_cache(ctx->native_handle());
    if (verify)
    {
        boost::system::error_code ec;
        if (!cacert_file.empty())
            ctx->load_verify_file(cacert_file, ec);
        else
            // The system store is loaded by the first TLS connection: a run of http URLs (and
            // --version) never pays for parsing a CA bundle.
            SSL_CTX_set_ex_data(ctx->native_handle(), pending_system_store_index(), ctx.get());
        if (ec)
            throw std::runtime_error("cannot load CA certificates" +
                                     (cacert_file.empty() ? std::string() : " from " + cacert_file) + ": " +
                                     ec.message());
        ctx->set_verify_mode(ssl::verify_peer);
    }
    else
    {
        ctx->set_verify_mode(ssl::verify_none);
    }
    return ctx;
}

struct tls_source::deferred_context
{
    bool verify = true;
    std::string cacert_file;
    std::unique_ptr<ssl::context> ctx;
};

tls_source::tls_source(ssl::context& ctx) noexcept : ctx_(&ctx) {}

tls_source tls_source::deferred(bool verify, std::string cacert_file)
{
    tls_source s;
    s.deferred_ = std::make_shared<deferred_context>();
    s.deferred_->verify = verify;
    s.deferred_->cacert_file = std::move(cacert_file);
    return s;
}

ssl::context& tls_source::get()
{
    if (ctx_)
        return *ctx_;
    if (!deferred_->ctx)
        deferred_->ctx = make_client_tls_context(deferred_->verify, deferred_->cacert_file);
    return *deferred_->ctx;
}

bool tls_source::ready() const noexcept { return ctx_ || deferred_->ctx; }

}  // namespace asyncfetch
