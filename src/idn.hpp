// International host names: UTF-8 names to their A-labels (punycode) with UTS #46 processing, through
// libidn2.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace asyncfetch::detail {

/// True when the text holds a byte outside ASCII.
bool has_non_ascii(std::string_view text) noexcept;

/// A UTF-8 host name as the ASCII name DNS, SNI and certificates use ("bücher.example" becomes
/// "xn--bcher-kva.example"): UTS #46 non-transitional processing, transitional as a fallback, as
/// curl does. Fails with an errc::idn_* value naming the reason.
boost::system::result<std::string> idn_to_ascii(std::string_view host);

}  // namespace asyncfetch::detail
