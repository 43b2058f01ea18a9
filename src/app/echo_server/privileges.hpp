// --user/--group: give up root once the privileged work (binding port 7, opening
// the log file) is done.
#pragma once

#include <string>

namespace echo::app {

// Clears supplementary groups, then setgid, then setuid, and checks that root cannot
// be regained. Empty names: nothing to do. Throws net::setup_error naming what failed.
void drop_privileges(const std::string& user, const std::string& group);

}  // namespace echo::app
