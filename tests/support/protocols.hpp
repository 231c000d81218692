// The HTTP versions integration tests run over: HTTP/1.1, and HTTP/2 (ALPN over TLS, h2c over plain TCP).
#pragma once

#include "asyncfetch/fetch.hpp"
#include "asyncfetch/runner.hpp"
#include "asyncfetch/testbed.hpp"

#include <ostream>
#include <string>

namespace asyncfetch::test {

/// What a parameterised test speaks to the testbed.
enum class protocol
{
    http1,
    h2,
};

/// "http1" or "h2", for test names.
inline std::string to_string(protocol p) { return p == protocol::h2 ? "h2" : "http1"; }

inline void PrintTo(protocol p, std::ostream* out) { *out << to_string(p); }

/// gtest's name generator: ".../http1" and ".../h2".
struct protocol_name
{
    template <class Info>
    std::string operator()(const Info& info) const
    {
        return to_string(info.param);
    }
};

/// A testbed config that serves both: h2c on plain TCP (HTTP/1.1 clients are unaffected); over TLS, ALPN
/// decides anyway.
inline testbed_config serving_both(testbed_config cfg = {})
{
    cfg.h2c = !cfg.tls;
    return cfg;
}

/// The client's setting for `p`: HTTP/1.1 only, or HTTP/2 with prior knowledge on http:// and by ALPN on
/// https://.
inline http_versions versions_for(protocol p)
{
    return p == protocol::h2 ? http_versions::http2_prior_knowledge : http_versions::http1_only;
}

/// `cfg` speaking `p`.
inline run_config speaking(protocol p, run_config cfg)
{
    cfg.client.versions = versions_for(p);
    return cfg;
}

/// The http_version a record shows for `p`.
inline std::string version_of(protocol p) { return p == protocol::h2 ? "2" : "1.1"; }

}  // namespace asyncfetch::test
