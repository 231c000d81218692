// asyncfetch-testbed: serves the testbed endpoints from the command line until SIGINT or SIGTERM.
#include "asyncfetch/testbed.hpp"

#include <CLI/CLI.hpp>
#include <pthread.h>

#include <csignal>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

int main(int argc, char** argv)
{
    CLI::App app{
        "A small HTTP/1.1 and HTTP/2 test server on loopback with well-behaved and faulty endpoints.\n"
        "Prints its base URL as the first line of stdout, then serves until SIGINT or SIGTERM.\n"
        "With --tls, ALPN offers h2 and http/1.1 and HTTP/2 is served when the client chooses it; with\n"
        "--h2c, plain connections that start with the HTTP/2 preface get HTTP/2 (prior knowledge).\n\n"
        "Endpoints: /bytes/N, /delay/MS, /status/CODE, /chunked/N, /redirect/N, /close/N, /truncate/N,\n"
        "/cut/N, /silent, /interim/N, /drop/N, /echo, /redirect-to?url=URL&status=CODE, /gzip/N,\n"
        "/deflate/N, /br/N, /gzip-chunked/N, /deflate-chunked/N, /br-chunked/N, /bomb/N,\n"
        "/flaky/N?key=K&status=S&retry-after=R, /basic-auth?user=U&password=P,\n"
        "/cookie/set?NAME=VALUE&set=RAW&location=URL (Set-Cookie fields),\n"
        "/cookie/echo (the Cookie received), /cond/NAME (ETag and Last-Modified, 304 when unchanged),\n"
        "/cond-bump/NAME (its next version).\n"
        "HTTP/2 faults (HTTP/2 only): /h2-goaway/N?key=K&streams=S (GOAWAY halfway through the body,\n"
        "last_stream_id this stream, once per key, after S more streams are open), /h2-refuse/N?key=K\n"
        "(the first N streams refused), /h2-reset/N (N bytes, then RST_STREAM INTERNAL_ERROR),\n"
        "/h2-window-stall/N (the request body's window never reopens),\n"
        "/h2-ping/N?count=C (C PINGs first), /h2-headers/N?size=S (N extra fields of S bytes),\n"
        "/h2-padded/N (padded DATA frames). See asyncfetch/testbed.hpp for the details.",
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
    std::string client_ca;
    app.add_option("--client-ca",
                   client_ca,
                   "Require TLS client certificates signed by the CA certificates in FILE (PEM; needs --tls)")
        ->type_name("FILE")
        ->check(CLI::ExistingFile)
        ->needs(tls);
    app.add_flag("--h2c", config.h2c, "Also serve HTTP/2 with prior knowledge on plain TCP")->excludes(tls);
    app.add_option("--h2-max-streams",
                   config.h2_max_streams,
                   "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS to announce")
        ->check(CLI::Range(1u, 0x7fffffffu))
        ->capture_default_str();

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

    if (!client_ca.empty())
    {
        std::ifstream in(client_ca, std::ios::binary);
        config.client_ca_pem.assign(std::istreambuf_iterator<char>(in), {});
        if (!in || config.client_ca_pem.empty())
        {
            std::cerr << "asyncfetch-testbed: cannot read " << client_ca << "\n";
            return 2;
        }
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
