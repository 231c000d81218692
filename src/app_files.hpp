// What a run keeps in files from one run to the next: the --state validators and the -c cookie jar,
// read before the run and written after it, whatever stopped it.
#pragma once

#include "asyncfetch/fetch_state.hpp"
#include "asyncfetch/options.hpp"
#include "asyncfetch/runner.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace asyncfetch::detail {

class run_files
{
public:
    /// --state: the file's entries (a missing file is an empty state) become o's conditions, and a
    /// copy of them the state to update; skipped lines are warnings on err. The message for stderr
    /// when the file cannot be read, or would not be writable after the run.
    std::optional<std::string> load(options& o, std::ostream& err);

    /// print, and under --state the URL's validators learnt from each record printed (in --compare,
    /// the last concurrent pass's).
    result_sink learning(const options& o, result_sink print);

    /// Writes the -c jar (to out when "-") and the --state file; false when one of them failed (said
    /// on err).
    bool write(const options& o, std::ostream& out, std::ostream& err) const;

private:
    state_map next_;
};

}  // namespace asyncfetch::detail
