// Whether a freshly accepted connection may stay: the accept-rate bucket, the global
// count and the per-address count. Pure bookkeeping; the caller serialises access.
#pragma once

#include "core/connection_limits.hpp"
#include "core/token_bucket.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace echo::core {

class admission {
public:
    explicit admission(const connection_limits& limits) noexcept;

    // `address_key` identifies the peer's address (none for Unix peers). Admitted
    // connections are counted open until release().
    [[nodiscard]] std::optional<refusal> admit(std::optional<std::uint64_t> address_key,
                                               std::int64_t now_ns);
    void release(std::optional<std::uint64_t> address_key) noexcept;

    [[nodiscard]] std::uint64_t open() const noexcept { return open_; }
    [[nodiscard]] std::size_t addresses() const noexcept { return per_address_.size(); }

private:
    connection_limits limits_;
    double burst_;
    token_bucket accepts_;
    std::uint64_t open_ = 0;
    std::unordered_map<std::uint64_t, std::uint32_t> per_address_;  // only addresses with open ones
};

}  // namespace echo::core
