// JSON written by hand for the report: valid UTF-8 strings, rounded numbers, objects and arrays.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asyncfetch::detail {

/// A JSON number rounded to at most `decimals` places, trailing zeros dropped but one kept ("12.0").
std::string json_number(double v, int decimals);

/// A JSON string literal of s, quotes included; ill-formed UTF-8 becomes U+FFFD first.
std::string json_string(std::string_view s);

/// An object's members as (key, serialized value) pairs, in order. Objects are written by hand:
/// Boost.JSON 1.81 has no pretty printer and prints doubles as "2.99E0".
using json_fields = std::vector<std::pair<std::string, std::string>>;

/// An object on one line, as on the NDJSON lines.
std::string compact_object(const json_fields& fields);

/// An object whose closing brace is at `indent` spaces; nested values must be made for indent + 2.
std::string pretty_object(const json_fields& fields, std::size_t indent);

/// An array of numbers, each as json_number(v, decimals), separated by `separator`.
std::string json_array(const std::vector<double>& values, int decimals, std::string_view separator);

}  // namespace asyncfetch::detail
