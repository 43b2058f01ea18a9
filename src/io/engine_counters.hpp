// What an engine tells about pressure on the resources its connections share: one
// writer (the loop's thread), any reader (the metrics thread), relaxed atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace echo::io {

enum class engine_event : std::uint8_t {
    budget_yields,    // a connection had more to read when its turn's budget ran out
    buffer_waits,     // io_uring: a receive found the provided-buffer ring empty
    buffers_copied,   // io_uring: a received buffer was copied out to free the ring
    sq_full,          // io_uring: the submission queue was full; the operation waited
    attach_failures,  // a socket the engine could not watch (refused, not fatal)
    held_back,        // io_uring: a connection made the server stop reading; from then
                      // on it gets one buffer per receive request
};
inline constexpr std::size_t kEngineEvents = 6;

[[nodiscard]] constexpr const char* name_of(engine_event e) noexcept {
    constexpr const char* names[kEngineEvents] = {"budget_yield",  "buffer_wait",
                                                  "buffer_copied", "sq_full",
                                                  "attach_failed", "held_back"};
    return names[static_cast<std::size_t>(e)];
}

class engine_counters {
public:
    void add(engine_event e, std::uint64_t n = 1) noexcept {
        auto& v = values_[static_cast<std::size_t>(e)];
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get(engine_event e) const noexcept {
        return values_[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
    }

private:
    std::array<std::atomic<std::uint64_t>, kEngineEvents> values_{};
};

}  // namespace echo::io
