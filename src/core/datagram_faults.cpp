// Each value read by quantity_text, so "250ms", "1MiB" and "0.1" mean here what
// they mean in every other key; caps keep a typo from holding datagrams for hours.
#include "core/datagram_faults.hpp"

#include "core/quantity_text.hpp"
#include "core/whole_number.hpp"

namespace echo::core {

namespace {

std::optional<std::string> probability(std::string_view key, std::string_view value, double& out) {
    const auto p = parse_probability(value);
    if (!p) {
        return std::string{key} + " must be a probability from 0 to 1, e.g. 0.05";
    }
    out = *p;
    return std::string{};
}

std::optional<std::string> duration(std::string_view key, std::string_view value,
                                    std::chrono::nanoseconds& out) {
    const auto d = parse_duration(value);
    if (!d || *d > kMaxDatagramDelay) {
        return std::string{key} + " must be a duration of at most 60s, e.g. 20ms";
    }
    out = *d;
    return std::string{};
}

}  // namespace

std::optional<std::string> take_datagram_fault_key(std::string_view key, std::string_view value,
                                                   std::optional<datagram_faults>& out) {
    const auto faults = [&out]() -> datagram_faults& { return out ? *out : out.emplace(); };
    for (const auto& [name, field] : {std::pair{"drop", &datagram_faults::drop},
                                      std::pair{"dup", &datagram_faults::dup},
                                      std::pair{"reorder", &datagram_faults::reorder},
                                      std::pair{"corrupt", &datagram_faults::corrupt}}) {
        if (key == name) {
            return probability(key, value, faults().*field);
        }
    }
    if (key == "delay" || key == "jitter") {
        return duration(key, value, key == "delay" ? faults().delay : faults().jitter);
    }
    if (key == "rate") {
        const auto r = parse_byte_size(value, kMaxDatagramRate);
        if (!r || *r == 0) {
            return std::string{"rate must be bytes per second above 0, e.g. 64KiB"};
        }
        faults().rate = *r;
        return std::string{};
    }
    if (key == "seed") {
        const auto s = whole_number<std::uint64_t>(value);
        if (!s) {
            return std::string{"seed must be a whole number"};
        }
        faults().seed = *s;
        return std::string{};
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
