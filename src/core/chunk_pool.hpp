// Per-thread free list of heap chunks, so the data path reuses memory instead of
// allocating per message. Not thread-safe: one pool per event loop.
#pragma once

#include "core/chunk.hpp"

#include <cstddef>
#include <cstdint>

namespace echo::core {

class chunk_pool final : public chunk_source {
public:
    // Chunks of `chunk_size` bytes; at most `max_idle` free chunks are kept, the
    // rest go back to the allocator so a burst does not pin memory for ever.
    chunk_pool(std::uint32_t chunk_size, std::size_t max_idle) noexcept;
    ~chunk_pool();
    chunk_pool(const chunk_pool&) = delete;
    chunk_pool& operator=(const chunk_pool&) = delete;

    [[nodiscard]] chunk_ptr acquire();
    void recycle(chunk* c) noexcept override;

    [[nodiscard]] std::uint32_t chunk_size() const noexcept { return chunk_size_; }
    [[nodiscard]] std::size_t idle() const noexcept { return idle_count_; }
    [[nodiscard]] std::size_t lent() const noexcept { return lent_count_; }

private:
    std::uint32_t chunk_size_;
    std::size_t max_idle_;
    chunk* idle_head_ = nullptr;
    std::size_t idle_count_ = 0;
    std::size_t lent_count_ = 0;
};

}  // namespace echo::core
