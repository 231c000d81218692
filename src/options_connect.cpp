// The flags that decide how a server is reached: the proxy (http, SOCKS5) and the TLS client certificate.
#include "options_connect.hpp"

#include "option_values.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace asyncfetch::detail {

namespace {

/// PEM or DER, any case, as curl's --cert-type and --key-type; throws a usage error otherwise.
bool is_der(const std::string& flag, const std::string& value)
{
    std::string upper = value;
    for (auto& c : upper)
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (upper != "PEM" && upper != "DER")
        throw CLI::ValidationError(flag, "'" + value + "': expected PEM or DER");
    return upper == "DER";
}

void add_proxy_options(CLI::App& app, options& o)
{
    // Run as each is parsed, so that the last of -x, --socks5 and --socks5-hostname wins.
    app.add_option_function<std::string>(
           "-x,--proxy",
           [&o](const std::string& v) { o.client.proxies.proxy = v; },
           "Use this proxy: [http://|socks5://|socks5h://][user:pw@]host[:port]")
        ->type_name("URL")
        ->trigger_on_parse();
    app.add_option_function<std::string>(
           "--socks5",
           [&o](const std::string& v) { o.client.proxies.proxy = "socks5://" + v; },
           "Use this SOCKS5 proxy, names resolved locally: same as -x socks5://HOST:PORT")
        ->type_name("HOST:PORT")
        ->trigger_on_parse();
    app.add_option_function<std::string>(
           "--socks5-hostname",
           [&o](const std::string& v) { o.client.proxies.proxy = "socks5h://" + v; },
           "Use this SOCKS5 proxy, names resolved by it: same as -x socks5h://HOST:PORT")
        ->type_name("HOST:PORT")
        ->trigger_on_parse();
}

void add_certificate_options(CLI::App& app, options& o)
{
    // --cert's password and --pass set the same value: the last one given wins, as in curl.
    app.add_option_function<std::string>(
           "-E,--cert",
           [&o](const std::string& v) {
               auto [file, password] = split_cert_parameter(v);
               if (file.empty())
                   throw CLI::ValidationError("--cert", "no file name");
               o.certificate.cert_file = std::move(file);
               if (password)
                   o.certificate.password = std::move(*password);
           },
           "Client certificate FILE[:PASSWORD] for TLS ('\\:' is a colon in the name)")
        ->type_name("FILE[:PASSWORD]")
        ->trigger_on_parse();
    app.add_option("--key",
                   o.certificate.key_file,
                   "Private key FILE for --cert (default: in the --cert file)")
        ->type_name("FILE");
    app.add_option_function<std::string>(
           "--cert-type",
           [&o](const std::string& v) { o.certificate.cert_der = is_der("--cert-type", v); },
           "Format of the --cert file: PEM (default) or DER")
        ->type_name("PEM|DER");
    app.add_option_function<std::string>(
           "--key-type",
           [&o](const std::string& v) { o.certificate.key_der = is_der("--key-type", v); },
           "Format of the --key file: PEM (default) or DER")
        ->type_name("PEM|DER");
    app.add_option_function<std::string>(
           "--pass",
           [&o](const std::string& v) { o.certificate.password = v; },
           "Password of the private key")
        ->type_name("PHRASE")
        ->trigger_on_parse();
}

}  // namespace

std::pair<std::string, std::optional<std::string>> split_cert_parameter(std::string_view text)
{
    std::string file;
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && (text[i + 1] == ':' || text[i + 1] == '\\'))
        {
            file += text[++i];
            continue;
        }
        if (c == ':')
            return {std::move(file), std::string(text.substr(i + 1))};
        file += c;
    }
    return {std::move(file), std::nullopt};
}

void add_connect_options(CLI::App& app, options& o)
{
    add_proxy_options(app, o);
    add_certificate_options(app, o);
}

}  // namespace asyncfetch::detail
