// The caller's loop: feed what is waiting, drop what was taken, send, and stop
// offering when the session takes nothing while it still wants input (it waits
// for more of a frame).
#include "websocket_caller.hpp"

#include <algorithm>

namespace echo::testing {

session_run run_session(const core::websocket_settings& settings, std::string_view input,
                        const std::vector<std::size_t>& cuts, bool drain_when_blocked) {
    core::websocket_session session{settings};
    session_run r;
    std::string backlog;
    const auto drain = [&] {
        const auto out = session.output();
        r.output.append(reinterpret_cast<const char*>(out.data()), out.size());
        session.on_sent(out.size());
    };
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : input.size();
        backlog += input.substr(from, to - from);
        from = to;
        while (!backlog.empty() && session.state() != core::websocket_state::closed) {
            const auto taken = std::min(session.feed(std::as_bytes(std::span{backlog})), backlog.size());
            backlog.erase(0, taken);
            r.most_held = std::max(r.most_held, session.held_bytes());
            if (!drain_when_blocked || !session.wants_input()) drain();
            if (taken == 0 && session.wants_input()) break;
        }
    }
    drain();
    r.unread = backlog.size();
    r.state = session.state();
    r.close_code = session.close_code();
    r.peer_close_code = session.peer_close_code();
    r.failure = session.failure();
    r.counters = session.counters();
    return r;
}

}  // namespace echo::testing
