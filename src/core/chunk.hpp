// A fixed-capacity byte chunk handed out by a chunk_source (a pool or an io_uring
// buffer ring), and the owning handle that gives it back exactly once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace echo::core {

class chunk_source;

// Bytes [begin, end) of data are the unconsumed payload. `next` links chunks in a
// chunk_list so queuing needs no allocation; `tag` is the source's own identifier
// (an io_uring buffer id, for instance).
struct chunk {
    chunk* next = nullptr;
    chunk_source* source = nullptr;
    std::byte* data = nullptr;
    std::uint32_t capacity = 0;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::uint32_t tag = 0;

    [[nodiscard]] std::span<const std::byte> payload() const noexcept {
        return {data + begin, end - begin};
    }
    [[nodiscard]] std::size_t size() const noexcept { return end - begin; }
};

// Anything that lends chunks. recycle() is called once per lent chunk, when its
// last user is done; it must not throw.
class chunk_source {
public:
    virtual void recycle(chunk* c) noexcept = 0;

protected:
    ~chunk_source() = default;
};

struct chunk_recycler {
    void operator()(chunk* c) const noexcept { c->source->recycle(c); }
};

// Unique ownership of a lent chunk: destroying it returns the chunk to its source.
using chunk_ptr = std::unique_ptr<chunk, chunk_recycler>;

}  // namespace echo::core
