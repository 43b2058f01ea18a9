// Reads each file named on the command line as one byte stream through the HTTP/1
// request reader with the server's default limits, and prints what the server sees
// in the canonical form tests/diff/http_parser_diff compares against llhttp's.
#include "core/http_request_reader.hpp"

#include <openssl/sha.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

namespace {

using echo::core::http_request;
using echo::core::http_request_reader;

// Bytes outside printable ASCII, and the backslash, as \xNN: one line per item.
std::string escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b >= 0x7f || b == '\\') {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", b);
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

std::string hex(const std::uint8_t* p, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        char two[3];
        std::snprintf(two, sizeof two, "%02x", p[i]);
        out += two;
    }
    return out;
}

void print(const http_request& q) {
    std::cout << "request " << q.method << ' ' << escaped(q.target) << " HTTP/" << q.version_major
              << '.' << q.version_minor << '\n';
    for (const auto& h : q.headers) {
        std::cout << "header " << escaped(h.name) << ": " << escaped(h.value) << '\n';
    }
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    if (q.body_kept) {
        SHA256(reinterpret_cast<const unsigned char*>(q.body.data()), q.body.size(), digest);
    }
    std::cout << "body " << q.body_size << ' '
              << (q.body_kept ? hex(digest, sizeof digest) : hex(q.body_sha256.data(), 32)) << '\n';
    if (q.upgrade) {
        std::cout << "upgrade\n";
    }
}

// One stream, as the HTTP application reads it: request after request until one
// is refused, one closes the connection, or the bytes run out.
void dump(std::string_view input) {
    http_request_reader reader(echo::core::http_limits{});
    auto rest = std::span{reinterpret_cast<const std::byte*>(input.data()), input.size()};
    while (true) {
        rest = rest.subspan(reader.feed(rest, 0));
        if (reader.current() == http_request_reader::state::ready) {
            print(reader.request());
            if (!reader.request().keep_alive) {
                std::cout << "end closed\n";  // the server answers, then closes
                return;
            }
            reader.next();
            continue;
        }
        if (reader.current() == http_request_reader::state::failed) {
            std::cout << "end rejected " << status_of(reader.refusal()) << ' '
                      << name_of(reader.refusal()) << '\n';
            return;
        }
        break;
    }
    // The peer has not closed: a request begun waits for more, as on a live connection.
    std::cout << (reader.current() == http_request_reader::state::idle ? "end complete\n"
                                                                       : "end incomplete\n");
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::cerr << "http_parse_dump: cannot read " << argv[i] << '\n';
            return 2;
        }
        const std::string input{std::istreambuf_iterator<char>(in), {}};
        std::cout << "input " << argv[i] << '\n';
        dump(input);
    }
    return 0;
}
