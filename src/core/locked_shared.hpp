// A value one thread replaces while others read it, held by shared_ptr: readers keep
// what they loaded for as long as they need it, whatever is stored after.
#pragma once

#include <memory>
#include <mutex>

namespace echo::core {

// Thread-safe. A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 builds
// that on a spin lock whose load() unlocks with relaxed order, so a later store()
// does not happen after the reader's read of the pointer: a data race in the C++
// memory model, which ThreadSanitizer reports. Callers load only when the value may
// have changed (a new connection, a moved version), never per message, so the
// uncontended lock costs nothing that shows.
template <class T>
class locked_shared {
public:
    explicit locked_shared(std::shared_ptr<T> value) : value_(std::move(value)) {}

    void store(std::shared_ptr<T> value) {
        const std::lock_guard lock{mutex_};
        value_.swap(value);
    }  // the old value is released here, after the lock: its destructor runs outside

    [[nodiscard]] std::shared_ptr<T> load() const {
        const std::lock_guard lock{mutex_};
        return value_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<T> value_;
};

}  // namespace echo::core
