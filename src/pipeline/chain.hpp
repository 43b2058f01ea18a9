// A connection's stages in order, wire side first, seen from the worker as one
// stage: bytes climb from the wire to the application and go back down.
#pragma once

#include "pipeline/stage.hpp"

#include <memory>
#include <vector>

namespace echo::pipeline {

class chain {
public:
    // `stages` is not empty; stages[0] touches the wire.
    explicit chain(std::vector<std::unique_ptr<stage>> stages) noexcept;

    void push_wire(core::chunk_ptr bytes) noexcept { stages_[first_]->push_inbound(std::move(bytes)); }
    void wire_ended() noexcept { stages_[first_]->inbound_ended(); }
    // The next chunk for the application, or null.
    [[nodiscard]] core::chunk_ptr pull_app() noexcept;
    [[nodiscard]] bool app_input_finished() const noexcept {
        return stages_.back()->inbound_finished();
    }
    // Application bytes going out; returns how many the top stage took.
    [[nodiscard]] std::size_t push_app(std::span<const std::byte> bytes) noexcept;
    // The application is done sending. Each stage is told once everything above it
    // has reached it, however many pumps that takes.
    void app_ended() noexcept;
    [[nodiscard]] core::chunk_list& wire() noexcept { return stages_[first_]->wire(); }

    [[nodiscard]] stage_state state() const noexcept;
    [[nodiscard]] std::string_view failure() const noexcept;
    [[nodiscard]] std::size_t held() const noexcept;
    // How many stages, from the wire up, are open: each may have its own deadline.
    [[nodiscard]] std::size_t opened() const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return stages_.size(); }
    // Every stage is open, passes bytes through unchanged and holds nothing: the
    // connection may go on without the chain.
    [[nodiscard]] bool transparent() const noexcept;
    // The first stage that knows (or is still learning) who the client is.
    [[nodiscard]] peer_claim claim() const noexcept;
    // The stage of the given type, for what only it can tell (TLS names, ...).
    template <class S>
    [[nodiscard]] const S* find() const noexcept {
        for (const auto& s : stages_) {
            if (const auto* hit = dynamic_cast<const S*>(s.get())) {
                return hit;
            }
        }
        return nullptr;
    }

    // Every stage below the first of the given type is open: bytes have reached it.
    template <class S>
    [[nodiscard]] bool reached() const noexcept {
        for (const auto& s : stages_) {
            if (dynamic_cast<const S*>(s.get()) != nullptr) {
                return true;
            }
            if (s->state() != stage_state::open) {
                return false;
            }
        }
        return false;
    }

private:
    void carry_down() noexcept;
    // Stops handing bytes to the wire-side stages that are open, transparent and
    // empty: they would only pass them on.
    void skip_transparent() noexcept;

    std::vector<std::unique_ptr<stage>> stages_;
    std::vector<bool> in_ended_;   // inbound_ended() passed to stage i (i >= 1)
    std::vector<bool> out_ended_;  // outbound_ended() passed to stage i
    std::size_t first_ = 0;        // the lowest stage bytes still go through
};

}  // namespace echo::pipeline
