// A fuzz input read as a command line: a fixed program name, then one word per line,
// so the seeds are readable text and a word can hold anything but a newline.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace echo::fuzz {

// Two allocations per input, whatever the number of words: the words stay in one
// copy of the input with each newline turned into the terminating NUL.
class argv_words {
public:
    argv_words(const char* program, const std::uint8_t* data, std::size_t size)
        : text_(reinterpret_cast<const char*>(data), size) {
        const auto lines = size == 0 ? 0 : std::count(text_.begin(), text_.end(), '\n') + 1;
        argv_.reserve(static_cast<std::size_t>(lines) + 2);
        argv_.push_back(program);
        // Pointers taken once the text is complete: the string no longer reallocates.
        if (size > 0) {
            argv_.push_back(text_.data());
        }
        for (std::size_t i = 0; i < size; ++i) {
            if (text_[i] == '\n') {
                text_[i] = '\0';
                // A newline ends a word; only one with something after it starts another.
                if (i + 1 < size) {
                    argv_.push_back(text_.data() + i + 1);
                }
            }
        }
        argv_.push_back(nullptr);
    }

    // argv() points into text_: a copy would point into the original.
    argv_words(const argv_words&) = delete;
    argv_words& operator=(const argv_words&) = delete;

    [[nodiscard]] int argc() const { return static_cast<int>(argv_.size() - 1); }
    [[nodiscard]] const char* const* argv() const { return argv_.data(); }

private:
    std::string text_;
    std::vector<const char*> argv_;
};

}  // namespace echo::fuzz
