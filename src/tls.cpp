// The client TLS context shared by every connection of a run.
#include "asyncfetch/fetch.hpp"

#include <boost/asio/ssl/context.hpp>

#include <stdexcept>

namespace asyncfetch {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> make_client_tls_context(bool verify, const std::string& cacert_file)
{
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (verify)
    {
        boost::system::error_code ec;
        if (cacert_file.empty())
            ctx->set_default_verify_paths(ec);
        else
            ctx->load_verify_file(cacert_file, ec);
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

}  // namespace asyncfetch
