// The sd_listen_fds(3) environment handshake and the notify line, without systemd.
#include "core/socket_activation.hpp"

#include <gtest/gtest.h>

namespace {

using echo::core::notify_status;
using echo::core::parse_socket_activation;
using echo::core::passed_fds;

int count_of(std::optional<std::string_view> pid, std::optional<std::string_view> fds) {
    const auto r = parse_socket_activation(pid, fds, 42);
    if (const auto* err = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << *err;
        return -1;
    }
    return std::get<passed_fds>(r).count;
}

std::string error_of(std::optional<std::string_view> pid, std::optional<std::string_view> fds) {
    const auto r = parse_socket_activation(pid, fds, 42);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(SocketActivation, OursWhenThePidMatchesOrIsUnset) {
    EXPECT_EQ(count_of(std::nullopt, std::nullopt), 0);
    EXPECT_EQ(count_of("42", "3"), 3);
    EXPECT_EQ(count_of(std::nullopt, "2"), 2);
    EXPECT_EQ(count_of("41", "3"), 0) << "meant for the process that exec'd us";
    EXPECT_EQ(count_of("42", "0"), 0);
}

TEST(SocketActivation, MalformedValuesAreErrorsNotSilence) {
    EXPECT_EQ(error_of("42", "3x"), "LISTEN_FDS='3x' is not a descriptor count");
    EXPECT_EQ(error_of("42", ""), "LISTEN_FDS='' is not a descriptor count");
    EXPECT_EQ(error_of("42", "-1"), "LISTEN_FDS='-1' is not a descriptor count");
    EXPECT_EQ(error_of("42", "100000"), "LISTEN_FDS='100000' is not a descriptor count");
    EXPECT_EQ(error_of("me", "1"), "LISTEN_PID='me' is not a process id");
}

TEST(SocketActivation, StatusIsOneLine) {
    EXPECT_EQ(notify_status("3 open\nok"), "STATUS=3 open ok");
}

}  // namespace
