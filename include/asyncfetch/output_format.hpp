// The per-URL record formats (--format): which one is a choice of the options, rendered by report.
#pragma once

namespace asyncfetch {

/// Output formats for per-URL records.
enum class output_format
{
    tsv,
    table,
    json,
};

}  // namespace asyncfetch
