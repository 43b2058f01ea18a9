// The file is opened O_APPEND so logrotate's copytruncate and several writers stay
// safe. Events reach the JSON formatter as their own logger's records, so no text a
// client can influence is ever taken for JSON members.
#include "app/echo_server/log_sinks.hpp"

#include "core/log_event.hpp"
#include "net/setup_error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace echo::app {

namespace {

int open_log(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

std::string utc_timestamp(spdlog::log_clock::time_point t) {
    const auto since = t.time_since_epoch();
    const std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(since).count();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since).count() % 1000;
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[40];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", std::string_view{buf, n}, ms);
}

}  // namespace

reopenable_file_sink::reopenable_file_sink(std::string path)
    : path_(std::move(path)), fd_(open_log(path_)) {
    if (fd_ < 0) {
        throw net::setup_error("--log-file " + path_ + ": " + net::errno_text(errno));
    }
}

reopenable_file_sink::~reopenable_file_sink() {
    ::close(fd_);
}

void reopenable_file_sink::reopen() {
    std::lock_guard lock(mutex_);
    const int fd = open_log(path_);
    if (fd < 0) {
        const auto line = fmt::format("echo-server: reopen {}: {}; still writing to the old file\n",
                                      path_, net::errno_text(errno));
        [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
        return;
    }
    ::close(fd_);
    fd_ = fd;
}

void reopenable_file_sink::sink_it_(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const std::string_view payload{msg.payload.data(), msg.payload.size()};
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string members;
    if (std::string_view{msg.logger_name.data(), msg.logger_name.size()} == kEventsLogger) {
        members = payload;
    } else {
        members = "\"event\":\"message\",\"msg\":\"" + core::json_escape(payload) + "\"";
    }
    const auto line = core::json_line(utc_timestamp(msg.time),
                                      std::string_view{level.data(), level.size()}, members);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
    return std::make_unique<json_formatter>();
}

void logger_event_sink::emit(spdlog::level::level_enum level, const core::log_event& event,
                             std::string_view text) {
    if (structured_) {
        const auto members = core::json_members(event);
        logger_->log(level, spdlog::string_view_t{members.data(), members.size()});
    } else {
        logger_->log(level, spdlog::string_view_t{text.data(), text.size()});
    }
}

}  // namespace echo::app
