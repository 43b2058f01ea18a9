// The client frame writer and the server frame reader, written from RFC 6455 §5.2
// independently of the server's frame head reader, so the tests do not check it against itself.
#include "websocket_frames.hpp"

namespace echo::testing {
namespace {

void put_length(std::string& out, std::uint8_t mask_bit, std::uint64_t n) {
    if (n < 126) {
        out += static_cast<char>(mask_bit | n);
        return;
    }
    const int bytes = n < 65536 ? 2 : 8;
    out += static_cast<char>(mask_bit | (bytes == 2 ? 126 : 127));
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
}

}  // namespace

std::string client_frame(std::uint8_t opcode, std::string_view payload, const client_frame_bits& bits) {
    std::string out;
    out += static_cast<char>((bits.fin ? 0x80 : 0) | ((bits.rsv & 7) << 4) | (opcode & 0x0f));
    put_length(out, bits.masked ? 0x80 : 0, payload.size());
    if (!bits.masked) return out += payload;
    for (auto m : bits.mask) out += static_cast<char>(m);
    for (std::size_t i = 0; i < payload.size(); ++i) out += static_cast<char>(payload[i] ^ bits.mask[i % 4]);
    return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    return out += reason;
}

void PrintTo(const server_frame& f, std::ostream* os) {
    static constexpr const char* kNames[16] = {"cont", "text", "binary", "3", "4", "5", "6", "7",
                                                "close", "ping", "pong", "11", "12", "13", "14", "15"};
    *os << kNames[f.opcode & 0x0f] << (f.fin ? " fin " : " more ") << f.payload.size() << " '";
    for (char c : f.payload.substr(0, 40)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            *os << c;
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            *os << "\\x" << kHex[u >> 4] << kHex[u & 15];
        }
    }
    *os << (f.payload.size() > 40 ? "'..." : "'");
}

server_frames read_server_frames(std::string_view bytes) {
    server_frames result;
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (bytes.size() - at < 2) break;
        const std::uint8_t b0 = byte(at), b1 = byte(at + 1);
        if ((b0 & 0x70) != 0) return result.error = "RSV bits set", result;
        if ((b1 & 0x80) != 0) return result.error = "masked server frame", result;
        std::uint64_t length = b1 & 0x7f;
        std::size_t head = 2;
        if (length >= 126) {
            const std::size_t extra = length == 126 ? 2 : 8;
            if (bytes.size() - at < 2 + extra) break;
            length = 0;
            for (std::size_t i = 0; i < extra; ++i) length = length << 8 | byte(at + 2 + i);
            if ((extra == 2 && length < 126) || (extra == 8 && length < 65536)) {
                return result.error = "length not in its shortest form", result;
            }
            head += extra;
        }
        const std::uint8_t opcode = b0 & 0x0f;
        const bool fin = (b0 & 0x80) != 0;
        if ((opcode & 0x8) != 0 && (length > 125 || !fin)) {
            return result.error = "control frame over 125 bytes or fragmented", result;
        }
        if (bytes.size() - at - head < length) break;
        result.frames.push_back({fin, opcode, std::string{bytes.substr(at + head, length)}});
        at += head + length;
    }
    result.incomplete = bytes.size() - at;
    return result;
}

}  // namespace echo::testing
