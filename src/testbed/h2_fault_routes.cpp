// The testbed's HTTP/2 fault endpoints (/h2-goaway, /h2-refuse, /h2-reset, /h2-ping, ...): their plans.
#include "routes.hpp"

namespace asyncfetch::detail::testbed_parts {

namespace {

// The client's nghttp2 counts a storm of unanswered PING ACKs of 1000 as a flood: stay below.
constexpr std::uint64_t max_pings = 900;
constexpr std::uint64_t max_fields = 10'000;
constexpr std::uint64_t max_field_size = 16 * 1024;

}  // namespace

std::optional<response_plan> plan_h2_fault(std::string_view name,
                                           std::uint64_t n,
                                           std::string_view target,
                                           route_state& state)
{
    const std::string key = query_param(target, "key").value_or(std::string());
    if (name == "h2-goaway")
    {
        const auto streams = parse_number(query_param(target, "streams").value_or("0"), max_fields);
        if (!streams)
            return text_plan(400, "bad request\n");
        auto plan = filler_plan(n);
        plan.fault_count = *streams;
        auto& used = state.went_away_[key];
        if (!used)
            plan.fault = h2_fault::goaway;
        used = true;
        return plan;
    }
    if (name == "h2-refuse")
    {
        if (!among_first(state.refused_counts_, key, n))
            return text_plan(200, "ok\n");
        response_plan plan;
        plan.fault = h2_fault::refuse;
        return plan;
    }
    if (name == "h2-reset")
    {
        auto plan = filler_plan(n);
        plan.fault = h2_fault::reset;
        return plan;
    }
    if (name == "h2-window-stall")
    {
        auto plan = filler_plan(n);
        plan.fault = h2_fault::window_stall;
        return plan;
    }
    if (name == "h2-ping")
    {
        const auto count = parse_number(query_param(target, "count").value_or("500"), max_pings);
        if (!count)
            return text_plan(400, "bad request\n");
        auto plan = filler_plan(n);
        plan.fault = h2_fault::ping_storm;
        plan.fault_count = *count;
        return plan;
    }
    if (name == "h2-headers")
    {
        const auto size = parse_number(query_param(target, "size").value_or("100"), max_field_size);
        if (!size || n > max_fields)
            return text_plan(400, "bad request\n");
        auto plan = text_plan(200, "ok\n");
        for (std::uint64_t i = 0; i < n; ++i)
            plan.fields.emplace_back("x-filler-" + std::to_string(i), std::string(*size, 'y'));
        return plan;
    }
    if (name == "h2-trailers")
    {
        const auto size = parse_number(query_param(target, "size").value_or("100"), max_field_size);
        if (!size || n > max_fields)
            return text_plan(400, "bad request\n");
        auto plan = text_plan(200, "ok\n");
        plan.fault = h2_fault::trailers;
        plan.fault_count = n;
        plan.trailer_size = *size;
        return plan;
    }
    if (name == "h2-padded")
    {
        auto plan = filler_plan(n);
        plan.fault = h2_fault::padded;
        return plan;
    }
    return std::nullopt;
}

}  // namespace asyncfetch::detail::testbed_parts
