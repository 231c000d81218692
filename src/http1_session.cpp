// HTTP/1.1 sessions on a transport, and the request text and response head they exchange.
#include "http1_session.hpp"

#include "text.hpp"
#include "transport.hpp"

#include <boost/beast/http/field.hpp>

namespace asyncfetch::detail {

namespace net = boost::asio;
namespace http = boost::beast::http;

template class basic_http1_session<transport>;

void serialize_request(const request_head& head, std::string& out)
{
    out.clear();
    out.append(head.method).append(" ").append(head.target).append(" HTTP/1.1\r\n");
    for (const auto& f : head.fields)
        out.append(f.name).append(": ").append(f.value).append("\r\n");
    out.append("\r\n");
}

void read_response_head(const response_parser& p, response_head& head)
{
    head.status = p.status();
    head.version = p.version() == 10 ? 10 : 11;
    head.reason = p.reason();
    head.fields.clear();
    for (const auto& [name, value] : p.fields())
        head.fields.push_back({name, value});
    head.content_length.reset();
    if (auto n = p.content_length())
        head.content_length = *n;
}

bool looks_like_http2(std::string_view bytes) noexcept
{
    // A frame header: 24-bit length, type, flags, then a 31-bit stream id, here 0.
    if (bytes.size() < 9)
        return false;
    const auto type = static_cast<unsigned char>(bytes[3]);
    return (type == 0x04 || type == 0x07) && bytes.substr(5, 4) == std::string_view("\0\0\0\0", 4);
}

bool is_stale_connection_error(const boost::system::error_code& ec) noexcept
{
    return ec == http::error::end_of_stream || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::eof || ec == net::ssl::error::stream_truncated;
}

}  // namespace asyncfetch::detail
