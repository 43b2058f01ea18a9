// The listen() backlog the server asks for, given what the kernel will grant.
#pragma once

#include <optional>

namespace echo::core {

struct backlog_choice {
    int value;
    bool capped;  // the request exceeded somaxconn, so the kernel silently lowers it
};

[[nodiscard]] constexpr backlog_choice choose_backlog(std::optional<int> requested,
                                                      int somaxconn) noexcept {
    if (!requested) {
        return {somaxconn, false};
    }
    return {*requested, *requested > somaxconn};
}

}  // namespace echo::core
