// What the logger writes through: an append-only file that SIGHUP can reopen, and
// a formatter for --log-format json (one object per line, stable keys).
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>

namespace echo::app {

class reopenable_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // Throws net::setup_error naming the file when it cannot be opened.
    explicit reopenable_file_sink(std::string path);
    ~reopenable_file_sink() override;
    // Opens the path anew; on failure keeps writing to the old file and says so.
    void reopen();

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}  // every line is one write(2) to an O_APPEND fd

private:
    std::string path_;
    int fd_ = -1;
};

class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace echo::app
