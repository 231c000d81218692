// unique_ptr for OpenSSL objects: each freed by its own *_free function.
#pragma once

#include <memory>

namespace asyncfetch::detail {

/// Calls Free on the pointer (BIO_free, X509_free, EVP_PKEY_free, ...).
template <auto Free>
struct openssl_deleter
{
    template <class T>
    void operator()(T* p) const
    {
        Free(p);
    }
};

/// An OpenSSL object of type T owned alone, freed by Free.
template <class T, auto Free>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<Free>>;

}  // namespace asyncfetch::detail
