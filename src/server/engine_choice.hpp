// Which I/O engine the loops run, decided once at start: the one asked for, or for
// `auto` io_uring where this kernel lets us use it, with why others were passed over.
#pragma once

#include "core/server_config.hpp"
#include "io/engine.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace echo::server {

class engine_choice {
public:
    // Throws net::setup_error when the engine asked for by name cannot run here.
    [[nodiscard]] static engine_choice choose(core::engine_choice wanted);

    [[nodiscard]] std::string_view name() const noexcept { return uring_ ? "io_uring" : "epoll"; }
    struct passed {
        std::string engine;
        std::string why;
    };
    // Each engine that would have been preferred but cannot run here, and why.
    [[nodiscard]] const std::vector<passed>& passed_over() const noexcept { return passed_over_; }
    // One engine for one loop, reading into chunks of `chunk_size` bytes.
    [[nodiscard]] std::unique_ptr<io::engine> make(std::uint32_t chunk_size) const;

private:
    bool uring_ = false;
    std::vector<passed> passed_over_;
};

}  // namespace echo::server
