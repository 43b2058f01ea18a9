// The header and the bytes share one allocation, so a chunk costs one malloc the
// first time and none after that while it stays in the idle list.
#include "core/chunk_pool.hpp"

#include <cstdlib>
#include <new>

namespace echo::core {

chunk_pool::chunk_pool(std::uint32_t chunk_size, std::size_t max_idle) noexcept
    : chunk_size_(chunk_size), max_idle_(max_idle) {}

chunk_pool::~chunk_pool() {
    while (idle_head_ != nullptr) {
        chunk* c = idle_head_;
        idle_head_ = c->next;
        c->~chunk();
        ::operator delete(c);
    }
}

chunk_ptr chunk_pool::acquire() {
    chunk* c = idle_head_;
    if (c != nullptr) {
        idle_head_ = c->next;
        --idle_count_;
    } else {
        void* raw = ::operator new(sizeof(chunk) + chunk_size_);
        c = new (raw) chunk{};
        c->source = this;
        c->data = reinterpret_cast<std::byte*>(c + 1);
        c->capacity = chunk_size_;
    }
    c->next = nullptr;
    c->begin = 0;
    c->end = 0;
    ++lent_count_;
    return chunk_ptr{c};
}

void chunk_pool::recycle(chunk* c) noexcept {
    --lent_count_;
    if (idle_count_ >= max_idle_) {
        c->~chunk();
        ::operator delete(c);
        return;
    }
    c->next = idle_head_;
    idle_head_ = c;
    ++idle_count_;
}

}  // namespace echo::core
