// International host names to A-labels through libidn2 (UTS #46), with the failure reasons as errc values.
#include "idn.hpp"

#include "asyncfetch/error.hpp"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace asyncfetch::detail {

namespace {

errc idn_error(int rc) noexcept
{
    switch (rc)
    {
    case IDN2_ENCODING_ERROR:
    case IDN2_ICONV_FAIL: return errc::idn_bad_encoding;
    case IDN2_PUNYCODE_BIG_OUTPUT:
    case IDN2_TOO_BIG_DOMAIN:
    case IDN2_TOO_BIG_LABEL: return errc::idn_too_long;
    case IDN2_DISALLOWED:
    case IDN2_UNASSIGNED:
    case IDN2_CONTEXTJ:
    case IDN2_CONTEXTJ_NO_RULE:
    case IDN2_CONTEXTO:
    case IDN2_CONTEXTO_NO_RULE: return errc::idn_disallowed;
    default: return errc::idn_invalid;
    }
}

}  // namespace

bool has_non_ascii(std::string_view text) noexcept
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x80;
    });
}

boost::system::result<std::string> idn_to_ascii(std::string_view host)
{
    const std::string name(host);  // libidn2 wants a NUL-terminated string
    const auto* in = reinterpret_cast<const std::uint8_t*>(name.c_str());
    char* out = nullptr;
    int rc = idn2_lookup_u8(in,
                            reinterpret_cast<std::uint8_t**>(&out),
                            IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK)
    {
        // Names valid only under the older, transitional mapping (curl retries the same way).
        out = nullptr;
        const int first = rc;
        rc = idn2_lookup_u8(in, reinterpret_cast<std::uint8_t**>(&out), IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
        if (rc != IDN2_OK)
            return idn_error(first);
    }
    const std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
    return std::string(out);
}

}  // namespace asyncfetch::detail
