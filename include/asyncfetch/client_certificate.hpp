// The TLS client certificate (--cert, --key, --cert-type, --key-type, --pass), loaded into a client context.
#pragma once

#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace asyncfetch {

/// A client certificate and its key, as curl's flags give them.
struct client_certificate
{
    std::string cert_file;  ///< --cert: the certificate, then any chain certificates; empty: none
    std::string key_file;   ///< --key: the private key; empty: the key is in cert_file (PEM)
    bool cert_der = false;  ///< --cert-type DER (one certificate, no chain)
    bool key_der = false;   ///< --key-type DER (PKCS#8, encrypted or not, or a traditional key)
    std::string password;   ///< --cert FILE:PASSWORD or --pass: decrypts an encrypted key

    /// A certificate was asked for.
    bool given() const noexcept { return !cert_file.empty(); }
};

/// Loads c into ctx, once, so every connection of the run presents it (and the session cache keeps
/// working). Returns nothing on success, else a message naming the cause and the file: unreadable,
/// not a certificate or key in the format given, an encrypted key without a password or with a wrong
/// one, a key that does not match the certificate. The password never appears in the message.
std::optional<std::string> use_client_certificate(boost::asio::ssl::context& ctx,
                                                  const client_certificate& c);

}  // namespace asyncfetch
