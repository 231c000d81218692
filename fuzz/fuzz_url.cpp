// libFuzzer target: asyncfetch::parse_url on arbitrary bytes, with the invariants of an accepted URL.
#include "url_invariants.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    asyncfetch::fuzz::check_parse(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
