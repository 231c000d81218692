// Loading the TLS client certificate and key (PEM or DER, the key maybe encrypted) into the client context.
#include "asyncfetch/client_certificate.hpp"

#include "local_file.hpp"
#include "openssl_ptr.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace asyncfetch {

namespace {

using bio_ptr = detail::openssl_ptr<BIO, BIO_free>;
using x509_ptr = detail::openssl_ptr<X509, X509_free>;
using pkey_ptr = detail::openssl_ptr<EVP_PKEY, EVP_PKEY_free>;

/// Certificate and key files are a few KiB; past this a file is not one.
constexpr std::size_t max_certificate_file = 16 * 1024 * 1024;

/// The file's bytes, or the message saying why it cannot be read ("Is a directory" for a directory).
std::optional<std::string> read_whole(const std::string& path, const char* what, std::string& out)
{
    if (auto problem = detail::read_local_file(path, max_certificate_file, out))
        return std::string("cannot read ") + what + " " + path + ": " + problem->message;
    return std::nullopt;
}

bio_ptr memory_bio(const std::string& bytes)
{
    return bio_ptr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

/// OpenSSL's reason for the last failure, then the queue emptied.
std::string openssl_reason()
{
    const unsigned long code = ERR_peek_last_error();
    std::string out = code ? ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "unknown error"
                           : "no details";
    ERR_clear_error();
    return out;
}

/// Hands OpenSSL the password without ever prompting, and notes that the key asked for one.
struct password_source
{
    const std::string& password;
    bool asked = false;
};

int give_password(char* buf, int size, int /*rwflag*/, void* user)
{
    auto* source = static_cast<password_source*>(user);
    source->asked = true;
    const auto n = static_cast<int>(source->password.size());
    if (n == 0 || n > size)
        return -1;
    std::memcpy(buf, source->password.data(), static_cast<std::size_t>(n));
    return n;
}

/// The certificate (and, in PEM, the chain certificates after it), or a message.
std::optional<std::string> load_certificates(const client_certificate& c,
                                             x509_ptr& leaf,
                                             std::vector<x509_ptr>& chain)
{
    std::string bytes;
    if (auto problem = read_whole(c.cert_file, "certificate", bytes))
        return problem;
    auto bio = memory_bio(bytes);
    if (c.cert_der)
        leaf.reset(d2i_X509_bio(bio.get(), nullptr));
    else
        leaf.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!leaf)
    {
        ERR_clear_error();
        return "no certificate found in " + c.cert_file +
               (c.cert_der ? " (DER)" : " (PEM; --cert-type DER?)");
    }
    while (!c.cert_der)
    {
        x509_ptr next(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!next)
            break;
        chain.push_back(std::move(next));
    }
    ERR_clear_error();
    return std::nullopt;
}

/// The private key, decrypted with the password when it is encrypted, or a message.
std::optional<std::string> load_key(const client_certificate& c, pkey_ptr& key)
{
    const std::string& path = c.key_file.empty() ? c.cert_file : c.key_file;
    const bool der = c.key_file.empty() ? c.cert_der : c.key_der;
    std::string bytes;
    if (auto problem = read_whole(path, "key", bytes))
        return problem;
    password_source source{c.password};
    auto bio = memory_bio(bytes);
    if (der)
    {
        key.reset(d2i_PrivateKey_bio(bio.get(), nullptr));
        if (!key)
        {
            bio = memory_bio(bytes);
            key.reset(d2i_PKCS8PrivateKey_bio(bio.get(), nullptr, give_password, &source));
        }
    }
    else
    {
        key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, give_password, &source));
    }
    if (key)
    {
        ERR_clear_error();
        return std::nullopt;
    }
    const std::string reason = openssl_reason();
    if (source.asked && c.password.empty())
        return "the private key in " + path +
               " is encrypted: give its password with --pass or --cert FILE:PASSWORD";
    if (source.asked)
        return "cannot decrypt the private key in " + path + ": wrong password (" + reason + ")";
    return "no private key found in " + path + (der ? " (DER)" : " (PEM)") +
           (c.key_file.empty() ? "; give it with --key" : "");
}

}  // namespace

std::optional<std::string> use_client_certificate(boost::asio::ssl::context& ctx, const client_certificate& c)
{
    x509_ptr leaf;
    std::vector<x509_ptr> chain;
    if (auto problem = load_certificates(c, leaf, chain))
        return problem;
    pkey_ptr key;
    if (auto problem = load_key(c, key))
        return problem;
    if (X509_check_private_key(leaf.get(), key.get()) != 1)
    {
        ERR_clear_error();
        return "the private key in " + (c.key_file.empty() ? c.cert_file : c.key_file) +
               " does not match the certificate in " + c.cert_file;
    }
    SSL_CTX* handle = ctx.native_handle();
    if (SSL_CTX_use_certificate(handle, leaf.get()) != 1)
        return "cannot use the certificate in " + c.cert_file + ": " + openssl_reason();
    if (SSL_CTX_use_PrivateKey(handle, key.get()) != 1)
        return "cannot use the private key for " + c.cert_file + ": " + openssl_reason();
    for (auto& extra : chain)
        if (SSL_CTX_add1_chain_cert(handle, extra.get()) != 1)
            return "cannot use a chain certificate in " + c.cert_file + ": " + openssl_reason();
    return std::nullopt;
}

}  // namespace asyncfetch
