// A ring of provided buffers registered with io_uring, lent out as chunks: a chunk
// goes back to the ring exactly once, when its last user drops it.
#pragma once

#include "core/chunk.hpp"

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace echo::io {

class buffer_ring final : public core::chunk_source {
public:
    static constexpr std::uint16_t kGroup = 0;

    // Registers room for `count` (a power of two) buffers of `size` bytes with `ring`
    // and provides the first `initial`; more are provided as the lent ones pile up, so
    // a light load keeps touching the same few pages instead of rotating through all.
    buffer_ring(io_uring& ring, std::uint32_t count, std::uint32_t size,
                std::uint32_t initial);
    ~buffer_ring();
    buffer_ring(const buffer_ring&) = delete;
    buffer_ring& operator=(const buffer_ring&) = delete;

    // The buffer the kernel filled, `bytes` long, as an owned chunk.
    [[nodiscard]] core::chunk_ptr take(std::uint16_t id, std::uint32_t bytes) noexcept;
    void recycle(core::chunk* c) noexcept override;

    // Provides more buffers, up to the ring's size (a receive found none left: the
    // growth in take() never runs while every provided buffer is lent).
    void provide_more() noexcept;
    [[nodiscard]] std::uint32_t lent() const noexcept { return lent_; }
    // Buffers the kernel may fill now.
    [[nodiscard]] std::uint32_t available() const noexcept { return provided_ - lent_; }
    // More than half the ring is lent out: what arrives now is copied out and its
    // buffer given back at once, so peers that hold data cannot pin the whole ring.
    [[nodiscard]] bool under_pressure() const noexcept { return lent_ > count_ / 2; }
    [[nodiscard]] std::uint32_t provided() const noexcept { return provided_; }

private:
    void give_back(std::uint16_t id) noexcept;

    io_uring& ring_;
    io_uring_buf_ring* br_ = nullptr;
    std::uint32_t count_;
    std::uint32_t size_;
    std::unique_ptr<std::byte[]> memory_;  // untouched until the kernel writes a buffer
    std::vector<core::chunk> chunks_;      // one header per buffer, id = tag
    std::uint32_t provided_ = 0;
    std::uint32_t lent_ = 0;
};

}  // namespace echo::io
