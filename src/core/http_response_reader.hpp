// The responses an HTTP/1.1 client receives on a keep-alive connection, parsed as
// they arrive: the head is held (bounded), the body handed out in the pieces the
// input brings. The head's fields are the few a load generator acts on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace echo::core {

inline constexpr std::size_t kMaxResponseHead = 16 * 1024;

struct http_response_head {
    int status = 0;
    std::optional<std::uint64_t> content_length;
    bool close = false;               // Connection: close, or HTTP/1.0 without keep-alive
    bool connection_upgrade = false;  // Connection: upgrade
    bool upgrade_websocket = false;   // Upgrade: websocket
    std::string websocket_accept;     // Sec-WebSocket-Accept
};

struct http_event {
    enum class kind {
        progress,  // `used` bytes went into the head, which is not complete yet
        head,      // a head is complete: see head(); a 1xx is interim, another follows
        body,      // `payload` is the next piece of the body
        error,     // see problem(); every later call says so
    };
    kind what = kind::progress;
    std::size_t used = 0;
    std::span<const std::byte> payload;  // body: borrowed from the input
    bool response_end = false;           // head or body: the response is complete
};

// Bodies are delimited by Content-Length only: a chunked body or one that runs to
// the close is reported as an error, since neither is what an echo answers with.
// After a 101 the connection is another protocol's: the reader reports the head and
// takes no further bytes. Holds at most kMaxResponseHead bytes.
class http_response_reader {
public:
    [[nodiscard]] http_event next(std::span<const std::byte> in);
    [[nodiscard]] const http_response_head& head() const noexcept { return head_; }
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

private:
    http_event fail(std::string why);
    [[nodiscard]] bool parse_head();
    [[nodiscard]] bool take_field(std::string_view name, std::string_view value);

    std::string held_;  // the head so far
    http_response_head head_;
    bool in_body_ = false;
    bool switched_ = false;  // after a 101
    std::uint64_t body_left_ = 0;
    std::string problem_;
};

}  // namespace echo::core
