// The client keeps every response whole, by stream id, so a test compares them
// across split points.
#include "support/h2_client.hpp"

#include <cstring>
#include <stdexcept>

namespace echo::testing {

std::string h2_response::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

h2_client::h2_client() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    const int rv = nghttp2_session_client_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0 || nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0) != 0) {
        throw std::runtime_error("nghttp2 client session");
    }
}

h2_client::~h2_client() { nghttp2_session_del(session_); }

std::int32_t h2_client::request(std::string_view method, std::string_view path,
                                std::vector<std::pair<std::string, std::string>> extra,
                                std::string body) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", std::string{method}},
        {":path", std::string{path}},
        {":scheme", "http"},
        {":authority", "test"}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    std::vector<nghttp2_nv> nv;
    for (auto& [n, v] : fields) {
        nv.push_back({reinterpret_cast<std::uint8_t*>(n.data()),
                      reinterpret_cast<std::uint8_t*>(v.data()), n.size(), v.size(),
                      NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = read_upload;
    const bool has_body = !body.empty();
    const auto id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                           has_body ? &provider : nullptr, nullptr);
    if (id < 0) {
        throw std::runtime_error("nghttp2_submit_request");
    }
    if (has_body) {
        uploads_[id].bytes = std::move(body);
    }
    return id;
}

std::string h2_client::upgrade_request(std::string_view path) {
    std::uint8_t payload[64];
    const nghttp2_settings_entry entries[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
    const auto n = nghttp2_pack_settings_payload(payload, sizeof payload, entries, 1);
    if (n < 0 || nghttp2_session_upgrade2(session_, payload, static_cast<std::size_t>(n), 0,
                                          nullptr) != 0) {
        throw std::runtime_error("nghttp2 client upgrade");
    }
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string encoded;
    std::uint32_t bits = 0;
    int count = 0;
    for (ssize_t i = 0; i < n; ++i) {
        bits = bits << 8 | payload[i];
        count += 8;
        while (count >= 6) {
            count -= 6;
            encoded += kAlphabet[bits >> count & 63];
        }
    }
    if (count > 0) {
        encoded += kAlphabet[bits << (6 - count) & 63];
    }
    return "GET " + std::string{path} +
           " HTTP/1.1\r\nHost: test\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           "Upgrade: h2c\r\nHTTP2-Settings: " + encoded + "\r\n\r\n";
}

std::string h2_client::take_output() {
    std::string out;
    for (;;) {
        const std::uint8_t* p = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &p);
        if (n <= 0) {
            return out;
        }
        out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    }
}

bool h2_client::feed(std::string_view server_bytes) {
    const auto n = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const std::uint8_t*>(server_bytes.data()), server_bytes.size());
    return n == static_cast<ssize_t>(server_bytes.size());
}

int h2_client::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                         std::uint8_t, void* user_data) {
    auto& r = static_cast<h2_client*>(user_data)->responses[frame->hd.stream_id];
    const std::string n{reinterpret_cast<const char*>(name), namelen};
    const std::string v{reinterpret_cast<const char*>(value), valuelen};
    if (n == ":status") {
        r.status = std::stoi(v);
    } else {
        r.headers.emplace_back(n, v);
    }
    return 0;
}

int h2_client::on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                       std::size_t len, void* user_data) {
    static_cast<h2_client*>(user_data)->responses[id].body.append(
        reinterpret_cast<const char*>(data), len);
    return 0;
}

int h2_client::on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& self = *static_cast<h2_client*>(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        self.goaway = true;
        self.goaway_error = frame->goaway.error_code;
    }
    return 0;
}

int h2_client::on_close(nghttp2_session*, std::int32_t id, std::uint32_t error, void* user_data) {
    auto& r = static_cast<h2_client*>(user_data)->responses[id];
    r.closed = true;
    r.error = error;
    return 0;
}

ssize_t h2_client::read_upload(nghttp2_session*, std::int32_t id, std::uint8_t* buf,
                               std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                               void* user_data) {
    auto& up = static_cast<h2_client*>(user_data)->uploads_[id];
    const auto n = std::min(length, up.bytes.size() - up.at);
    std::memcpy(buf, up.bytes.data() + up.at, n);
    up.at += n;
    if (up.at == up.bytes.size()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
}

std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                     std::string_view payload) {
    std::string f;
    const auto n = payload.size();
    f += static_cast<char>(n >> 16);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    f += static_cast<char>(stream >> 24 & 0x7f);
    f += static_cast<char>(stream >> 16);
    f += static_cast<char>(stream >> 8);
    f += static_cast<char>(stream);
    f += payload;
    return f;
}

// :method GET, :scheme http (static indices 2 and 6), :path and :authority as
// literals without indexing, so the block never touches the dynamic table.
std::string h2_get_block(std::string_view path) {
    std::string b = "\x82\x86";
    b += '\x04';  // literal without indexing, name :path (index 4)
    b += static_cast<char>(path.size());
    b += path;
    b += '\x01';  // :authority (index 1)
    b += '\x04';
    b += "test";
    return b;
}

}  // namespace echo::testing
