// Intrusive queue of chunks; bytes_ tracks payload so flow control needs no walk.
#include "core/chunk_list.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace echo::core {

chunk_list::chunk_list(chunk_list&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      count_(std::exchange(other.count_, 0)),
      bytes_(std::exchange(other.bytes_, 0)) {}

chunk_list& chunk_list::operator=(chunk_list&& other) noexcept {
    if (this != &other) {
        clear();
        head_ = std::exchange(other.head_, nullptr);
        tail_ = std::exchange(other.tail_, nullptr);
        count_ = std::exchange(other.count_, 0);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

void chunk_list::push_back(chunk_ptr c) noexcept {
    chunk* raw = c.release();
    raw->next = nullptr;
    if (tail_ != nullptr) {
        tail_->next = raw;
    } else {
        head_ = raw;
    }
    tail_ = raw;
    ++count_;
    bytes_ += static_cast<std::uint32_t>(raw->size());
}

chunk_ptr chunk_list::pop_front() noexcept {
    chunk* raw = head_;
    if (raw == nullptr) {
        return chunk_ptr{};
    }
    head_ = raw->next;
    if (head_ == nullptr) {
        tail_ = nullptr;
    }
    raw->next = nullptr;
    --count_;
    bytes_ -= static_cast<std::uint32_t>(raw->size());
    return chunk_ptr{raw};
}

void chunk_list::consume_front(std::size_t n) noexcept {
    head_->begin += static_cast<std::uint32_t>(n);
    bytes_ -= static_cast<std::uint32_t>(n);
}

std::size_t chunk_list::append_to_back(std::span<const std::byte> bytes) noexcept {
    // An empty span may carry a null pointer, which memcpy must not be given.
    if (tail_ == nullptr || bytes.empty()) {
        return 0;
    }
    const std::size_t n = std::min<std::size_t>(bytes.size(), tail_->capacity - tail_->end);
    std::memcpy(tail_->data + tail_->end, bytes.data(), n);
    tail_->end += static_cast<std::uint32_t>(n);
    bytes_ += static_cast<std::uint32_t>(n);
    return n;
}

void chunk_list::clear() noexcept {
    while (!empty()) {
        (void)pop_front();
    }
}

}  // namespace echo::core
