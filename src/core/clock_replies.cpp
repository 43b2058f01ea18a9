// The calendar arithmetic is std::chrono's (proleptic Gregorian, no time zone
// database), so formatting reads no file and makes no syscall.
#include "core/clock_replies.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace echo::core {

namespace {

constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                   "May",     "June",     "July",      "August",
                                   "September", "October", "November", "December"};

}  // namespace

daytime_text daytime_at(std::int64_t unix_seconds) noexcept {
    using namespace std::chrono;
    const sys_seconds t{seconds{unix_seconds}};
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss clock{t - day};
    daytime_text out;
    const int n = std::snprintf(
        reinterpret_cast<char*>(out.bytes.data()), out.bytes.size(),
        "%s, %s %u, %d %02ld:%02ld:%02ld-UTC\r\n", kWeekdays[weekday{day}.c_encoding()],
        kMonths[static_cast<unsigned>(date.month()) - 1],
        static_cast<unsigned>(date.day()), static_cast<int>(date.year()),
        static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
        static_cast<long>(clock.seconds().count()));
    out.size = n < 0 ? 0 : std::min(static_cast<std::size_t>(n), out.bytes.size() - 1);
    return out;
}

std::array<std::byte, 4> time_at(std::int64_t unix_seconds) noexcept {
    const auto since_1900 = static_cast<std::uint32_t>(unix_seconds + kSeconds1900To1970);
    return {static_cast<std::byte>(since_1900 >> 24), static_cast<std::byte>(since_1900 >> 16),
            static_cast<std::byte>(since_1900 >> 8), static_cast<std::byte>(since_1900)};
}

}  // namespace echo::core
