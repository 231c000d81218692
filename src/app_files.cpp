// The --state file and the -c cookie jar around a run: loaded before it, rewritten after it.
#include "app_files.hpp"

#include "asyncfetch/atomic_file.hpp"
#include "options_cookies.hpp"

#include <memory>
#include <ostream>
#include <utility>
#include <vector>

namespace asyncfetch::detail {

std::optional<std::string> run_files::load(options& o, std::ostream& err)
{
    if (o.state_file.empty())
        return std::nullopt;
    auto loaded = std::make_shared<state_map>();
    std::vector<std::string> warnings;
    if (auto problem = load_state_file(o.state_file, *loaded, warnings))
        return "asyncfetch: cannot read state file " + o.state_file + ": " + *problem + "\n";
    for (const auto& w : warnings)
        err << "asyncfetch: warning: state file " << w << " (line ignored)\n";
    if (auto problem = check_writable(o.state_file))
        return "asyncfetch: cannot write state file " + o.state_file + ": " + *problem + "\n";
    next_ = *loaded;
    o.client.conditions = std::move(loaded);
    return std::nullopt;
}

result_sink run_files::learning(const options& o, result_sink print)
{
    if (o.state_file.empty())
        return print;
    return [this, inner = std::move(print)](const fetch_result& r) {
        update_state(next_, r);
        return inner(r);
    };
}

bool run_files::write(const options& o, std::ostream& out, std::ostream& err) const
{
    bool ok = write_cookie_jar(o, out, err);
    // What was fetched is known; the other URLs keep their entries.
    if (!o.state_file.empty())
        if (auto problem = write_file_atomically(o.state_file, format_state(next_), true))
        {
            err << "asyncfetch: cannot write state file " << o.state_file << ": " << *problem << "\n";
            ok = false;
        }
    return ok;
}

}  // namespace asyncfetch::detail
