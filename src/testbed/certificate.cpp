// The testbed's TLS certificates, made in memory with OpenSSL: EC P-256 self-signed ones, client certificates
// a CA signs, and their DER and encrypted encodings.
#include "asyncfetch/testbed.hpp"
#include "openssl_ptr.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace asyncfetch {

namespace {

using pkey_ptr = detail::openssl_ptr<EVP_PKEY, EVP_PKEY_free>;
using x509_ptr = detail::openssl_ptr<X509, X509_free>;
using bignum_ptr = detail::openssl_ptr<BIGNUM, BN_free>;
using bio_ptr = detail::openssl_ptr<BIO, BIO_free_all>;
using general_names_ptr = detail::openssl_ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using general_name_ptr = detail::openssl_ptr<GENERAL_NAME, GENERAL_NAME_free>;
using octet_string_ptr = detail::openssl_ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using ia5_string_ptr = detail::openssl_ptr<ASN1_IA5STRING, ASN1_IA5STRING_free>;
using extension_ptr = detail::openssl_ptr<X509_EXTENSION, X509_EXTENSION_free>;

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

void set_serial_and_validity(X509* cert, long not_before_days, long valid_days)
{
    // A random positive 159-bit serial, as RFC 5280 asks for at most 20 octets.
    bignum_ptr serial(BN_new());
    check(serial != nullptr, "BN_new");
    check(BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr, "BN_to_ASN1_INTEGER");
    constexpr long day = 86400;
    check(X509_gmtime_adj(X509_getm_notBefore(cert), not_before_days * day) != nullptr,
          "X509_gmtime_adj(notBefore)");
    check(X509_gmtime_adj(X509_getm_notAfter(cert), (not_before_days + valid_days) * day) != nullptr,
          "X509_gmtime_adj(notAfter)");
}

void set_common_name(X509* cert, const std::string& common_name)
{
    check(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert),
                                     "CN",
                                     MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1,
                                     -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
}

/// The certificate and key as PEM; the key in PKCS#8, encrypted with AES-256-CBC when a password is given.
self_signed_certificate to_pem(X509* cert, EVP_PKEY* key, const std::string& password = {})
{
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    check(cert_bio != nullptr, "BIO_new");
    check(PEM_write_bio_X509(cert_bio.get(), cert) == 1, "PEM_write_bio_X509");
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    check(key_bio != nullptr, "BIO_new");
    const EVP_CIPHER* cipher = password.empty() ? nullptr : EVP_aes_256_cbc();
    check(PEM_write_bio_PKCS8PrivateKey(key_bio.get(),
                                        key,
                                        cipher,
                                        password.empty() ? nullptr : password.data(),
                                        static_cast<int>(password.size()),
                                        nullptr,
                                        nullptr) == 1,
          "PEM_write_bio_PKCS8PrivateKey");
    return {bio_to_string(cert_bio.get()), bio_to_string(key_bio.get())};
}

pkey_ptr read_key(const std::string& key_pem)
{
    bio_ptr bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    check(bio != nullptr, "BIO_new_mem_buf");
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    check(key != nullptr, "PEM_read_bio_PrivateKey");
    return key;
}

x509_ptr read_certificate(const std::string& cert_pem)
{
    bio_ptr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    check(bio != nullptr, "BIO_new_mem_buf");
    x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    check(cert != nullptr, "PEM_read_bio_X509");
    return cert;
}

}  // namespace

self_signed_certificate make_client_certificate(const self_signed_certificate& ca,
                                                const std::string& common_name,
                                                const std::string& key_password)
{
    auto ca_cert = read_certificate(ca.cert_pem);
    auto ca_key = read_key(ca.key_pem);
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    set_serial_and_validity(cert.get(), -1, 30);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    set_common_name(cert.get(), common_name);
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1,
          "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca_cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), ctx, NID_ext_key_usage, "clientAuth");
    add_extension(cert.get(), ctx, NID_authority_key_identifier, "keyid");
    check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign");
    return to_pem(cert.get(), key.get(), key_password);
}

std::string certificate_to_der(const std::string& cert_pem)
{
    auto cert = read_certificate(cert_pem);
    unsigned char* out = nullptr;
    const int size = i2d_X509(cert.get(), &out);
    check(size > 0, "i2d_X509");
    std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
    OPENSSL_free(out);
    return der;
}

std::string private_key_to_der(const std::string& key_pem)
{
    auto key = read_key(key_pem);
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(i2d_PKCS8PrivateKey_bio(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "i2d_PKCS8PrivateKey_bio");
    return bio_to_string(bio.get());
}

self_signed_certificate make_self_signed_certificate(const std::vector<std::string>& names,
                                                     long not_before_days,
                                                     long valid_days)
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");

    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    set_serial_and_validity(cert.get(), not_before_days, valid_days);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    const std::string common_name = names.empty() ? std::string("asyncfetch-testbed") : names.front();
    set_common_name(cert.get(), common_name);
    X509_NAME* subject = X509_get_subject_name(cert.get());
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

    return to_pem(cert.get(), key.get());
}

}  // namespace asyncfetch
