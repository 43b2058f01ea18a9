// An HTTP/2 client in memory for tests: nghttp2's client session, whose bytes the
// caller moves by hand to the application under test and back. Also raw frames,
// for the clients nghttp2 would never be (floods, rapid resets).
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::testing {

struct h2_response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool closed = false;
    std::uint32_t error = 0;  // the stream's close code (RST_STREAM)

    [[nodiscard]] std::string header(std::string_view name) const;
};

class h2_client {
public:
    h2_client();
    ~h2_client();
    h2_client(const h2_client&) = delete;
    h2_client& operator=(const h2_client&) = delete;

    // A request with :method, :path, :scheme and :authority first, then `extra`.
    std::int32_t request(std::string_view method, std::string_view path,
                         std::vector<std::pair<std::string, std::string>> extra = {},
                         std::string body = {});
    // An HTTP/1.1 GET asking to go on as h2c; its answer arrives on stream 1.
    [[nodiscard]] std::string upgrade_request(std::string_view path);
    // Bytes the client wants to send now (the preface comes with the first).
    [[nodiscard]] std::string take_output();
    // The server's bytes; false when the client session refused them.
    bool feed(std::string_view server_bytes);

    std::map<std::int32_t, h2_response> responses;
    bool goaway = false;
    std::uint32_t goaway_error = 0;

private:
    struct upload {
        std::string bytes;
        std::size_t at = 0;
    };
    static int on_header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t*, std::size_t,
                         const std::uint8_t*, std::size_t, std::uint8_t, void*);
    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t, const std::uint8_t*,
                       std::size_t, void*);
    static int on_frame(nghttp2_session*, const nghttp2_frame*, void*);
    static int on_close(nghttp2_session*, std::int32_t, std::uint32_t, void*);
    static ssize_t read_upload(nghttp2_session*, std::int32_t, std::uint8_t*, std::size_t,
                               std::uint32_t*, nghttp2_data_source*, void*);

    nghttp2_session* session_ = nullptr;
    std::map<std::int32_t, upload> uploads_;
};

// Raw frames (RFC 9113 4.1) and a GET header block from HPACK's static table.
[[nodiscard]] std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                                   std::string_view payload);
[[nodiscard]] std::string h2_get_block(std::string_view path = "/");
inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace echo::testing
