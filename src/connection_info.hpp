// What a connection is, as the records and -v show it: its peer's address and its TLS details.
#pragma once

#include <cstdint>
#include <string>

namespace asyncfetch::detail {

/// Where a connection goes, set when it connects: the server's address, or the proxy's through one.
struct peer_address
{
    std::string ip;
    std::uint16_t port = 0;
};

/// What -v shows of a TLS connection, read from it on demand.
struct tls_details
{
    std::string version;  ///< "TLSv1.3"
    std::string cipher;
    std::string alpn;  ///< the protocol ALPN chose; empty when none
    bool resumed = false;
    std::string subject;  ///< of the peer's certificate; the three are empty without one
    std::string issuer;
    std::string expiry;
};

}  // namespace asyncfetch::detail
