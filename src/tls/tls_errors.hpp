// OpenSSL's error queue, read into one line for people and into one short stable
// name for metrics.
#pragma once

#include <string>
#include <string_view>

namespace echo::tls {

// The oldest queued error as text ("no such file", ...), clearing the queue.
[[nodiscard]] std::string last_error_text();

// Why a handshake failed, from the error queue (cleared): a name from a small
// fixed set, so the metric's label values stay few whatever clients do.
[[nodiscard]] std::string_view handshake_failure_reason() noexcept;

// Every name handshake_failure_reason() can return, in a fixed order.
inline constexpr std::string_view kFailureReasons[] = {
    "not_tls", "version", "no_shared_cipher", "no_client_cert", "bad_client_cert",
    "protocol", "eof", "reset", "other"};

}  // namespace echo::tls
