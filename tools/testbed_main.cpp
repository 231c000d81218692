// asyncfetch-testbed: serves the testbed endpoints from the command line until SIGINT or SIGTERM.
#include "asyncfetch/testbed.hpp"

#include <CLI/CLI.hpp>
#include <pthread.h>

#include <csignal>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
    CLI::App app{
        "A small HTTP/1.1 test server on loopback with well-behaved and faulty endpoints.\n"
        "Prints its base URL as the first line of stdout, then serves until SIGINT or SIGTERM.",
        "asyncfetch-testbed"};
    asyncfetch::testbed_config config;
    // Nothing reads the request log of a server run as a process: keep long benchmark runs lean.
    config.record_requests = false;
    std::string cert_out;
    app.add_option("--port", config.port, "Port to listen on (0 picks a free one)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app.add_option("--address", config.address, "Address to bind")->capture_default_str();
    auto* tls = app.add_flag("--tls", config.tls, "Serve https with a generated self-signed certificate");
    app.add_option("--cert-out", cert_out, "Write the certificate PEM to FILE (needs --tls)")
        ->type_name("FILE")
        ->needs(tls);

    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError& e)
    {
        // --help and --version are not errors; everything else is a usage error.
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    // Block the signals before the server thread starts so that it inherits the mask and sigwait sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    try
    {
        asyncfetch::testbed server(config);
        if (!cert_out.empty())
        {
            std::ofstream out(cert_out, std::ios::binary | std::ios::trunc);
            out << server.cert_pem();
            out.close();
            if (!out)
            {
                std::cerr << "asyncfetch-testbed: cannot write " << cert_out << "\n";
                return 1;
            }
        }
        std::cout << server.base_url() << std::endl;

        int received = 0;
        sigwait(&signals, &received);
        server.stop();
    }
    catch (const std::exception& e)
    {
        std::cerr << "asyncfetch-testbed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
