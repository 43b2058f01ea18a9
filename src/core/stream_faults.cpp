// Every value goes through quantity_text, so a fault key reads like ?delay= on an
// HTTP request, and every value has a cap (the constants in the header).
#include "core/stream_faults.hpp"

#include "core/fault_values.hpp"
#include "core/quantity_text.hpp"

#include <iterator>

namespace echo::core {

namespace {

constexpr std::string_view kKeys[] = {
    "faults_dir", "delay",      "jitter",       "jitter_dist", "rate",     "rate_total",
    "slice",      "close_after", "reset_after", "stall_after", "stall_for", "slow_close",
    "accept_delay", "refuse",   "toxicity",     "seed"};

std::optional<std::string> count_into(std::string_view key, std::string_view value,
                                      std::optional<std::uint64_t>& out) {
    std::uint64_t n = 0;
    auto problem = take_fault_bytes(key, value, kMaxFaultCount, n);
    if (problem.empty()) {
        out = n;
    }
    return problem;
}

// AVG,VARIATION[,GAP]: bytes, bytes, duration.
std::optional<std::string> slice_into(std::string_view value, stream_faults& out) {
    std::vector<std::string_view> parts;
    while (parts.size() < 4) {
        const auto comma = value.find(',');
        parts.push_back(value.substr(0, comma));
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
    const auto average = parts.size() >= 2 ? parse_byte_size(parts[0], kMaxSlice) : std::nullopt;
    const auto variation = parts.size() >= 2 ? parse_byte_size(parts[1], kMaxSlice) : std::nullopt;
    const auto gap = parts.size() == 3 ? parse_duration(parts[2])
                                       : std::optional{kDefaultSliceGap};
    if (parts.size() > 3 || !average || !variation || *average == 0 || *variation >= *average ||
        !gap || *gap > kMaxFaultDelay) {
        return std::string{"slice must be AVG,VARIATION[,GAP]: bytes up to 1MiB with "
                           "0 <= VARIATION < AVG, and a gap of at most 60 s (slice=100,20,5ms)"};
    }
    out.slice_average = static_cast<std::uint32_t>(*average);
    out.slice_variation = static_cast<std::uint32_t>(*variation);
    out.slice_gap = *gap;
    return std::string{};
}

std::optional<std::string> choice_into(std::string_view key, std::string_view value,
                                       stream_faults& out) {
    if (key == "faults_dir") {
        if (value == "out") {
            out.direction = fault_direction::out;
        } else if (value == "in") {
            out.direction = fault_direction::in;
        } else if (value == "both") {
            out.direction = fault_direction::both;
        } else {
            return std::string{"faults_dir must be in, out or both"};
        }
        return std::string{};
    }
    if (value == "uniform") {
        out.jitter_dist = jitter_distribution::uniform;
    } else if (value == "normal") {
        out.jitter_dist = jitter_distribution::normal;
    } else if (value == "pareto") {
        out.jitter_dist = jitter_distribution::pareto;
    } else {
        return std::string{"jitter_dist must be uniform, normal or pareto"};
    }
    return std::string{};
}

}  // namespace

bool stream_faults::any() const noexcept {
    return delay.count() > 0 || jitter.count() > 0 || rate > 0 || rate_total > 0 ||
           slice_average > 0 || close_after || reset_after || stall_after ||
           slow_close.count() > 0 || accept_delay.count() > 0 || refuse > 0;
}

std::optional<std::string> take_stream_fault_key(std::string_view key, std::string_view value,
                                                 std::optional<stream_faults>& out) {
    bool known = false;
    for (const auto k : kKeys) {
        known = known || k == key;
    }
    if (!known) {
        return std::nullopt;
    }
    if (!out) {
        out.emplace();
    }
    auto& f = *out;
    if (key == "faults_dir" || key == "jitter_dist") {
        return choice_into(key, value, f);
    }
    if (key == "delay" || key == "jitter") {
        return take_fault_duration(key, value, kMaxFaultDelay,
                                   key == "delay" ? f.delay : f.jitter);
    }
    if (key == "rate" || key == "rate_total") {
        return take_fault_rate(key, value, kMaxFaultRate, key == "rate" ? f.rate : f.rate_total);
    }
    if (key == "slice") {
        return slice_into(value, f);
    }
    if (key == "close_after") {
        return count_into(key, value, f.close_after);
    }
    if (key == "reset_after") {
        return count_into(key, value, f.reset_after);
    }
    if (key == "stall_after") {
        return count_into(key, value, f.stall_after);
    }
    if (key == "stall_for" || key == "slow_close") {
        return take_fault_duration(key, value, kMaxFaultHold,
                                   key == "stall_for" ? f.stall_for : f.slow_close);
    }
    if (key == "accept_delay") {
        return take_fault_duration(key, value, kMaxFaultDelay, f.accept_delay);
    }
    if (key == "refuse" || key == "toxicity") {
        return take_fault_probability(key, value, key == "refuse" ? f.refuse : f.toxicity);
    }
    return take_fault_seed(key, value, f.seed);
}

std::optional<std::string> finish_stream_faults(const std::optional<stream_faults>& faults) {
    if (!faults) {
        return std::nullopt;
    }
    if (faults->close_after && faults->reset_after) {
        return std::string{"close_after and reset_after both end the connection: give one"};
    }
    if (faults->stall_for.count() > 0 && !faults->stall_after) {
        return std::string{"stall_for needs stall_after"};
    }
    return std::nullopt;
}

std::vector<std::string_view> changed_stream_fault_keys(const stream_faults& before,
                                                        const stream_faults& after) {
    const auto& a = before;
    const auto& b = after;
    const bool changed[] = {
        a.direction != b.direction, a.delay != b.delay, a.jitter != b.jitter,
        a.jitter_dist != b.jitter_dist, a.rate != b.rate, a.rate_total != b.rate_total,
        a.slice_average != b.slice_average || a.slice_variation != b.slice_variation ||
            a.slice_gap != b.slice_gap,
        a.close_after != b.close_after, a.reset_after != b.reset_after,
        a.stall_after != b.stall_after, a.stall_for != b.stall_for,
        a.slow_close != b.slow_close, a.accept_delay != b.accept_delay, a.refuse != b.refuse,
        a.toxicity != b.toxicity, a.seed != b.seed};
    static_assert(std::size(changed) == std::size(kKeys));
    std::vector<std::string_view> keys;
    for (std::size_t i = 0; i < std::size(kKeys); ++i) {
        if (changed[i]) {
            keys.push_back(kKeys[i]);
        }
    }
    return keys;
}

bool reaches_open_connections(std::string_view key) noexcept {
    return key == "delay" || key == "jitter" || key == "jitter_dist" || key == "rate" ||
           key == "rate_total" || key == "slice" || key == "slow_close";
}

}  // namespace echo::core
