// FIFO of owned chunks linked through chunk::next: queuing costs no allocation and
// an empty list is two pointers, so an idle connection holds no buffer.
#pragma once

#include "core/chunk.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace echo::core {

class chunk_list {
public:
    chunk_list() = default;
    ~chunk_list() { clear(); }
    chunk_list(const chunk_list&) = delete;
    chunk_list& operator=(const chunk_list&) = delete;
    chunk_list(chunk_list&& other) noexcept;
    chunk_list& operator=(chunk_list&& other) noexcept;

    void push_back(chunk_ptr c) noexcept;
    [[nodiscard]] chunk_ptr pop_front() noexcept;
    [[nodiscard]] chunk* front() const noexcept { return head_; }
    [[nodiscard]] chunk* back() const noexcept { return tail_; }
    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
    // Drops `n` payload bytes from the front chunk; the caller keeps n <= front size.
    void consume_front(std::size_t n) noexcept;
    // Copies what fits of `bytes` into the free room after the back chunk's payload
    // and returns how much that was (0 when the list is empty or the chunk full).
    // Safe while the front chunk is being sent: only bytes past its end change.
    std::size_t append_to_back(std::span<const std::byte> bytes) noexcept;
    void clear() noexcept;

private:
    chunk* head_ = nullptr;
    chunk* tail_ = nullptr;
    // 32 bits each: a list holds at most --max-buffer bytes, and this sits in every
    // connection, idle ones included.
    std::uint32_t count_ = 0;
    std::uint32_t bytes_ = 0;
};

}  // namespace echo::core
