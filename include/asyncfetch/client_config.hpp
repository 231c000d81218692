// The settings every fetch of a client shares, as the command line (or a library user) gives them.
#pragma once

#include "asyncfetch/fetch_state.hpp"
#include "asyncfetch/output_dir.hpp"
#include "asyncfetch/proxy.hpp"
#include "asyncfetch/request.hpp"
#include "asyncfetch/retry.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asyncfetch {

class exchange_log;
class cookie_jar;

/// Settings every fetch of a client shares.
struct client_config
{
    std::chrono::milliseconds connect_timeout{10'000};  ///< DNS, TCP connect and TLS handshake
    std::chrono::milliseconds timeout{30'000};          ///< one attempt, redirects included
    std::size_t per_host = 50;                          ///< most connections to one origin
    std::size_t max_idle = 50;                          ///< most idle pooled connections in all
    bool fail = false;                                  ///< HTTP >= 400 is a failure
    bool verify = true;                                 ///< verify certificates and host names
    request_options request;                            ///< method, headers, body
    unsigned max_redirs = 10;                           ///< 0: do not follow redirects
    bool allow_insecure_redirects = false;              ///< follow https -> http
    bool compressed = false;                            ///< ask for and decode gzip, deflate, br
    std::optional<std::uint64_t> max_filesize;          ///< stop bodies (decoded) past this
    std::string output_dir;                             ///< --output-dir: -O files, relative -o files
    retry_policy retry;                                 ///< --retry and friends
    proxy_settings proxies;                             ///< -x, environment, --noproxy
    std::vector<resolve_entry> resolves;                ///< --resolve
    int ip_family = 0;                                  ///< 4 or 6 to use only that family; 0 both
    std::string dns_servers;                            ///< --dns-servers as "ADDR[:PORT],..."; empty: system
    std::chrono::milliseconds happy_eyeballs_delay{250};  ///< between connect attempts (RFC 8305)
    http_versions versions = http_versions::http2;        ///< --http1.1, --http2, --http2-prior-knowledge
    std::size_t max_streams = 100;                        ///< most streams at once on an HTTP/2 connection
    std::vector<output_spec> outputs;  ///< -o FILE and -O in order: the Nth pairs with the Nth URL
    bool remote_name_all = false;      ///< --remote-name-all: URLs past the -o/-O list get -O names
    bool create_dirs = false;          ///< --create-dirs: make missing directories of saved files
    bool no_clobber = false;           ///< --no-clobber: keep an existing file and skip its URL
    /// -v, -D: told about every connection, request and response (exchange_log.hpp); must outlive
    /// the client. Null (the default) logs nothing and costs one test per hop.
    exchange_log* log = nullptr;
    /// Response fields to keep in fetch_result::headers (-w %header{NAME}); empty keeps none.
    std::vector<std::string> keep_headers;
    /// The cookie engine (-b FILE, -c): every hop's Set-Cookie is stored here and its Cookie field
    /// built from it. Shared by every fetch holding the pointer (and by copies of this config: the
    /// passes of --compare). Null (the default): cookies are neither stored nor sent.
    std::shared_ptr<cookie_jar> cookies;
    /// --state: the validators to send per URL (If-None-Match, If-Modified-Since), keyed as
    /// fetch_result::url shows the URL; null sends none and keeps no validators in the results.
    std::shared_ptr<const state_map> conditions;
    /// -N: a saved file's modification time goes as If-Modified-Since (when --state has no entry),
    /// and after a 2xx download the file's time is set from Last-Modified.
    bool timestamping = false;
};

}  // namespace asyncfetch
