// event_sink: log_event formats the text line only for a text sink that wants the
// level, and a worker cannot be made without a sink.
#include "server/event_sink.hpp"
#include "server/worker.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using echo::core::log_event;
using echo::server::event_sink;

// Counts how often it is formatted, to show when the text line was built.
struct counted {
    int* formatted;
};

struct recorded {
    spdlog::level::level_enum level;
    std::string event;
    std::string peer;
    std::string text;
};

class recording_sink final : public event_sink {
public:
    recording_sink(spdlog::level::level_enum threshold, bool structured)
        : threshold_(threshold), structured_(structured) {}

    [[nodiscard]] bool wants(spdlog::level::level_enum level) const noexcept override {
        return level >= threshold_;
    }
    [[nodiscard]] bool structured() const noexcept override { return structured_; }
    void emit(spdlog::level::level_enum level, const log_event& e,
              std::string_view text) override {
        records.push_back({level, std::string{e.event}, std::string{e.peer}, std::string{text}});
    }

    std::vector<recorded> records;

private:
    spdlog::level::level_enum threshold_;
    bool structured_;
};

}  // namespace

template <>
struct fmt::formatter<counted> : fmt::formatter<std::string_view> {
    auto format(const counted& c, fmt::format_context& ctx) const {
        ++*c.formatted;
        return fmt::formatter<std::string_view>::format("x", ctx);
    }
};

namespace {

void log_connected(event_sink& sink, spdlog::level::level_enum level, int& formatted) {
    echo::server::log_event(sink, level, {.event = "connected", .peer = "127.0.0.1:9"},
                            "connected by {} {}", "127.0.0.1:9", counted{&formatted});
}

TEST(EventSink, TextSinkGetsTheFormattedLineAndTheEvent) {
    recording_sink sink{spdlog::level::info, false};
    int formatted = 0;
    log_connected(sink, spdlog::level::warn, formatted);
    ASSERT_EQ(sink.records.size(), 1U);
    EXPECT_EQ(formatted, 1);
    EXPECT_EQ(sink.records[0].level, spdlog::level::warn);
    EXPECT_EQ(sink.records[0].event, "connected");
    EXPECT_EQ(sink.records[0].peer, "127.0.0.1:9");
    EXPECT_EQ(sink.records[0].text, "connected by 127.0.0.1:9 x");
}

TEST(EventSink, StructuredSinkGetsTheEventAndNoTextIsFormatted) {
    recording_sink sink{spdlog::level::info, true};
    int formatted = 0;
    log_connected(sink, spdlog::level::info, formatted);
    ASSERT_EQ(sink.records.size(), 1U);
    EXPECT_EQ(formatted, 0);
    EXPECT_EQ(sink.records[0].event, "connected");
    EXPECT_EQ(sink.records[0].text, "");
}

TEST(EventSink, UnwantedLevelIsNeitherFormattedNorEmitted) {
    for (const bool structured : {false, true}) {
        recording_sink sink{spdlog::level::warn, structured};
        int formatted = 0;
        log_connected(sink, spdlog::level::info, formatted);
        EXPECT_TRUE(sink.records.empty()) << "structured=" << structured;
        EXPECT_EQ(formatted, 0) << "structured=" << structured;
    }
}

TEST(EventSink, WorkerRequiresASink) {
    EXPECT_THROW(echo::server::worker(nullptr, {}, echo::server::worker_options{}),
                 std::invalid_argument);
}

}  // namespace
