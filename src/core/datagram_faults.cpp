// Each value read by quantity_text, so "250ms", "1MiB" and "0.1" mean here what
// they mean in every other key; caps keep a typo from holding datagrams for hours.
#include "core/datagram_faults.hpp"

#include "core/fault_values.hpp"

namespace echo::core {

std::optional<std::string> take_datagram_fault_key(std::string_view key, std::string_view value,
                                                   std::optional<datagram_faults>& out) {
    const auto faults = [&out]() -> datagram_faults& { return out ? *out : out.emplace(); };
    for (const auto& [name, field] : {std::pair{"drop", &datagram_faults::drop},
                                      std::pair{"dup", &datagram_faults::dup},
                                      std::pair{"reorder", &datagram_faults::reorder},
                                      std::pair{"corrupt", &datagram_faults::corrupt}}) {
        if (key == name) {
            return take_fault_probability(key, value, faults().*field);
        }
    }
    if (key == "delay" || key == "jitter") {
        return take_fault_duration(key, value, kMaxDatagramDelay,
                                   key == "delay" ? faults().delay : faults().jitter);
    }
    if (key == "rate") {
        return take_fault_rate(key, value, kMaxDatagramRate, faults().rate);
    }
    if (key == "seed") {
        std::uint64_t seed = 0;
        auto problem = take_fault_seed(key, value, seed);
        if (problem.empty()) {
            faults().seed = seed;
        }
        return problem;
    }
    return std::nullopt;
}

std::optional<std::string> finish_datagram_faults(const std::optional<datagram_faults>& f) {
    if (f && f->reorder > 0 && f->delay.count() == 0) {
        return std::string{"reorder needs delay= (how long the datagrams not reordered wait)"};
    }
    return std::nullopt;
}

}  // namespace echo::core
