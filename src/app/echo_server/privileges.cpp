// The order matters: groups first (setgroups needs CAP_SETGID, gone after setuid),
// uid last. glibc applies each call to every thread of the process, so the logging
// and metrics threads drop with us.
#include "app/echo_server/privileges.hpp"

#include "net/setup_error.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace echo::app {

namespace {

struct identity {
    uid_t uid;
    gid_t gid;  // the user's primary group
};

identity look_up_user(const std::string& name) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    const int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (found == nullptr) {
        throw net::setup_error("--user " + name + ": " +
                               (rc != 0 ? net::errno_text(rc) : std::string{"no such user"}));
    }
    return {pw.pw_uid, pw.pw_gid};
}

gid_t look_up_group(const std::string& name) {
    group gr{};
    group* found = nullptr;
    std::vector<char> buf(16384);
    const int rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
    if (found == nullptr) {
        throw net::setup_error("--group " + name + ": " +
                               (rc != 0 ? net::errno_text(rc) : std::string{"no such group"}));
    }
    return gr.gr_gid;
}

void check(int rc, const std::string& what) {
    if (rc != 0) {
        throw net::setup_error(what + ": " + net::errno_text(errno) +
                               (errno == EPERM ? " (needs root or CAP_SETUID/CAP_SETGID)" : ""));
    }
}

}  // namespace

void drop_privileges(const std::string& user, const std::string& group) {
    if (user.empty() && group.empty()) {
        return;
    }
    const auto id = user.empty() ? identity{::getuid(), ::getgid()} : look_up_user(user);
    const gid_t gid = group.empty() ? id.gid : look_up_group(group);
    check(::setgroups(0, nullptr), "setgroups");
    check(::setgid(gid), "setgid " + std::to_string(gid));
    if (!user.empty()) {
        check(::setuid(id.uid), "setuid " + std::to_string(id.uid));
        if (id.uid != 0 && ::setuid(0) == 0) {
            throw net::setup_error("--user " + user + ": root could be regained after setuid");
        }
    }
}

}  // namespace echo::app
