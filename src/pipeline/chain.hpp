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

    void push_wire(core::chunk_ptr bytes) noexcept { stages_.front()->push_inbound(std::move(bytes)); }
    void wire_ended() noexcept { stages_.front()->inbound_ended(); }
    // The next chunk for the application, or null.
    [[nodiscard]] core::chunk_ptr pull_app() noexcept;
    [[nodiscard]] bool app_input_finished() const noexcept {
        return stages_.back()->inbound_finished();
    }
    // Application bytes going out; returns how many the top stage took.
    [[nodiscard]] std::size_t push_app(std::span<const std::byte> bytes) noexcept;
    void app_ended() noexcept;
    [[nodiscard]] core::chunk_list& wire() noexcept { return stages_.front()->wire(); }

    [[nodiscard]] stage_state state() const noexcept;
    [[nodiscard]] std::string_view failure() const noexcept;
    [[nodiscard]] std::size_t held() const noexcept;
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

private:
    void carry_down(std::size_t from) noexcept;

    std::vector<std::unique_ptr<stage>> stages_;
    std::vector<bool> ended_;  // inbound_ended() passed to stage i (i >= 1)
};

}  // namespace echo::pipeline
