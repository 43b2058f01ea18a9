// A fuzz input read as a command line: a fixed program name, then one word per line,
// so the seeds are readable text and a word can hold anything but a newline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace echo::fuzz {

class argv_words {
public:
    argv_words(const char* program, const std::uint8_t* data, std::size_t size) {
        words_.emplace_back(program);
        std::string_view rest{reinterpret_cast<const char*>(data), size};
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            words_.emplace_back(rest.substr(0, nl));
            rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        }
        // Pointers taken once all words are in place: the vector no longer moves them.
        for (const auto& w : words_) {
            argv_.push_back(w.c_str());
        }
        argv_.push_back(nullptr);
    }

    // argv() points into words_: a copy would point into the original.
    argv_words(const argv_words&) = delete;
    argv_words& operator=(const argv_words&) = delete;

    [[nodiscard]] int argc() const { return static_cast<int>(words_.size()); }
    [[nodiscard]] const char* const* argv() const { return argv_.data(); }

private:
    std::vector<std::string> words_;
    std::vector<const char*> argv_;
};

}  // namespace echo::fuzz
