// Growing a ring addressed by absolute indices (slot = index & (size - 1)): live
// entries [head, tail) move to the slots their indices give in a ring twice as big.
#pragma once

#include <cstdint>
#include <vector>

namespace echo::core {

template <class T>
void grow_ring(std::vector<T>& ring, std::uint64_t head, std::uint64_t tail,
               std::size_t first_size) {
    std::vector<T> bigger(ring.empty() ? first_size : ring.size() * 2);
    for (std::uint64_t i = head; i < tail; ++i) {
        bigger[i & (bigger.size() - 1)] = ring[i & (ring.size() - 1)];
    }
    ring.swap(bigger);
}

}  // namespace echo::core
