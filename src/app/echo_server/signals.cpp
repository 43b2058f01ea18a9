// signalfd plus poll: the main thread sleeps until a signal or the workers' exit.
#include "app/echo_server/signals.hpp"

#include "net/setup_error.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace echo::app {

signal_watch::signal_watch() {
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);   // reopen the log file
    sigaddset(&set, SIGUSR1);  // log a status line
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!signals_) {
        throw net::setup_error("signalfd: " + net::errno_text(errno));
    }
}

int signal_watch::wait(int other_fd, int timeout_ms) {
    pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {other_fd, POLLIN, 0}};
    int ready = 0;
    while ((ready = ::poll(fds, 2, timeout_ms)) < 0) {
        if (errno != EINTR) {
            throw net::setup_error("poll: " + net::errno_text(errno));
        }
    }
    if (ready == 0) {
        return -1;
    }
    if ((fds[0].revents & POLLIN) != 0) {
        signalfd_siginfo info{};
        if (::read(signals_.get(), &info, sizeof info) == sizeof info) {
            return static_cast<int>(info.ssi_signo);
        }
    }
    return 0;
}

}  // namespace echo::app
