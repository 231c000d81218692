// Conditional re-runs: the validators (ETag, Last-Modified) seen per URL, kept in a --state file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {

struct fetch_result;

/// What a server gave to recognise a version of a resource; either may be empty.
struct validators
{
    std::string etag;           ///< the ETag field's value as sent, quotes included
    std::string last_modified;  ///< the Last-Modified field's value as sent (an HTTP date)

    bool empty() const noexcept { return etag.empty() && last_modified.empty(); }
    bool operator==(const validators&) const = default;
};

/// A --state file's entries: each URL (as its records show it, without user-info) and its validators,
/// in URL order.
using state_map = std::map<std::string, validators, std::less<>>;

/// A state file's text read back, and a warning for each line that was skipped.
struct state_parse
{
    state_map entries;
    std::vector<std::string> warnings;  ///< "line N: why", one per skipped line
};

/// Parses a state file's NDJSON text: one {"url":..., "etag":..., "last_modified":...} object a line
/// (the validators optional strings, other members ignored); blank lines are skipped, and so is any
/// line that is not such an object, with a warning. A later line for the same URL wins.
state_parse parse_state(std::string_view text);

/// The NDJSON text of entries, one object a line in URL order; an empty validator is left out.
std::string format_state(const state_map& entries);

/// Notes what a run learnt about r's URL: a 304 (r.not_modified) keeps its entry, taking any
/// validator the 304 sent; another success with a 2xx status replaces it with the response's
/// validators (removes it when there were none). Failures, skipped URLs and other statuses leave
/// the entry as it was.
void update_state(state_map& entries, const fetch_result& r);

/// Reads a state file: nothing (and no error) when it does not exist yet. The reason when it cannot
/// be read, a file past 256 MiB included; skipped lines go to warnings as "FILE:LINE: why".
std::optional<std::string> load_state_file(const std::string& path,
                                           state_map& entries,
                                           std::vector<std::string>& warnings);

}  // namespace asyncfetch
