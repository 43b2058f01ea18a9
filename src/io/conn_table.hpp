// Each engine's per-connection state, indexed by the token's slot: a paged array,
// so states never move and an idle connection costs only its State.
#pragma once

#include "core/paged_array.hpp"
#include "io/engine.hpp"

#include <cerrno>
#include <new>

namespace echo::io {

// State must provide `bool names(conn_token) const noexcept`: true while it is the
// live state of exactly that connection (a reused slot names a newer token).
template <class State>
class conn_table {
public:
    [[nodiscard]] State* find(conn_token t) noexcept {
        const std::uint32_t i = token_index(t);
        return i < states_.size() && states_[i].names(t) ? &states_[i] : nullptr;
    }
    [[nodiscard]] const State* find(conn_token t) const noexcept {
        const std::uint32_t i = token_index(t);
        return i < states_.size() && states_[i].names(t) ? &states_[i] : nullptr;
    }
    // The slot for `t`, made room for; null when memory ran out (attach fails).
    [[nodiscard]] State* make_room(conn_token t) noexcept {
        try {
            states_.grow_to(std::size_t{token_index(t)} + 1);
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
        return &states_[token_index(t)];
    }
    [[nodiscard]] State& at(std::uint32_t index) noexcept { return states_[index]; }
    [[nodiscard]] std::size_t size() const noexcept { return states_.size(); }

private:
    core::paged_array<State> states_;
};

}  // namespace echo::io
