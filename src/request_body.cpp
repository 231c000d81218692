// Builds the request body from -d and --data-binary values, reading '@FILE' and '@-' (stdin).
#include "asyncfetch/request_body.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

namespace asyncfetch {

std::optional<std::string> load_request_body(options& o)
{
    if (o.data.empty())
        return std::nullopt;
    std::string body;
    for (std::size_t i = 0; i < o.data.size(); ++i)
    {
        const auto& d = o.data[i];
        std::string part = d.value;
        if (!part.empty() && part.front() == '@')
        {
            const std::string path = part.substr(1);
            std::ifstream in;
            std::istream* src = &in;
            if (path == "-")
                src = &std::cin;
            else
                in.open(path, std::ios::binary);
            if (!*src)
                return "asyncfetch: cannot read " + path + "\n";
            part.assign(std::istreambuf_iterator<char>(*src), {});
            if (!d.binary)
                part.erase(
                    std::remove_if(part.begin(), part.end(), [](char c) { return c == '\r' || c == '\n'; }),
                    part.end());
        }
        if (i > 0)
            body += '&';
        body += part;
        o.client.request.form_body = o.client.request.form_body || !d.binary;
    }
    o.client.request.body = std::move(body);
    return std::nullopt;
}

}  // namespace asyncfetch
