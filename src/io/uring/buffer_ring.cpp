// The ring's entries live in page-aligned memory io_uring reads directly; returning
// a buffer is a store and a tail advance, no syscall.
#include "io/uring/buffer_ring.hpp"

#include "net/setup_error.hpp"

#include <algorithm>
#include <cstdlib>

namespace echo::io {

namespace {
// Provide more buffers when fewer than this many are left in the kernel's hands.
constexpr std::uint32_t kLowWater = 16;
}  // namespace

buffer_ring::buffer_ring(io_uring& ring, std::uint32_t count, std::uint32_t size,
                         std::uint32_t initial)
    : ring_(ring), count_(count), size_(size), memory_(new std::byte[std::size_t{count} * size]),
      chunks_(count) {
    void* entries = nullptr;
    if (::posix_memalign(&entries, 4096, count * sizeof(io_uring_buf)) != 0) {
        throw net::setup_error("buffer ring: out of memory");
    }
    br_ = static_cast<io_uring_buf_ring*>(entries);
    io_uring_buf_ring_init(br_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(br_);
    reg.ring_entries = count;
    reg.bgid = kGroup;
    if (const int rc = io_uring_register_buf_ring(&ring_, &reg, 0); rc != 0) {
        std::free(br_);
        throw net::setup_error("io_uring_register_buf_ring: " + net::errno_text(-rc) +
                               " (needs Linux 5.19 or later)");
    }
    for (std::uint32_t id = 0; id < count; ++id) {
        chunks_[id].source = this;
        chunks_[id].data = memory_.get() + std::size_t{id} * size;
        chunks_[id].capacity = size;
        chunks_[id].tag = id;
    }
    provided_ = std::min(initial, count);
    for (std::uint32_t id = 0; id < provided_; ++id) {
        give_back(static_cast<std::uint16_t>(id));
    }
}

buffer_ring::~buffer_ring() {
    io_uring_unregister_buf_ring(&ring_, kGroup);
    std::free(br_);
}

core::chunk_ptr buffer_ring::take(std::uint16_t id, std::uint32_t bytes) noexcept {
    core::chunk& c = chunks_[id];
    c.next = nullptr;
    c.begin = 0;
    c.end = bytes;
    ++lent_;
    if (provided_ - lent_ < kLowWater && provided_ < count_) {
        provide_more();
    }
    return core::chunk_ptr{&c};
}

void buffer_ring::recycle(core::chunk* c) noexcept {
    --lent_;
    give_back(static_cast<std::uint16_t>(c->tag));
}

void buffer_ring::provide_more() noexcept {
    // Doubling: a burst reaches the full set in a few steps, a trickle never grows it.
    const std::uint32_t target = std::min(count_, std::max(provided_ * 2, kLowWater));
    for (; provided_ < target; ++provided_) {
        give_back(static_cast<std::uint16_t>(provided_));
    }
}

void buffer_ring::give_back(std::uint16_t id) noexcept {
    io_uring_buf_ring_add(br_, chunks_[id].data, size_, id, io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(br_, 1);
}

}  // namespace echo::io
