// Hand-written so the core keeps no system calls and no locale: the PROXY v1 line is
// the only place an address arrives as text, and it must be read strictly.
#include "core/ip_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace echo::core {

namespace {

constexpr std::size_t kMaxIpv6Text = 45;  // ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// One octet of a dotted quad. Every prefix of a valid octet is itself one, which is
// what could_start_ipv4_text relies on.
std::optional<std::uint8_t> octet(std::string_view digits) noexcept {
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
        return std::nullopt;
    }
    unsigned v = 0;
    for (const char c : digits) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 255) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(v);
}

// A dotted quad into out[0..4), or with `partial` whether `text` can still become one.
bool dotted_quad(std::string_view text, bool partial, std::uint8_t* out) noexcept {
    std::size_t index = 0;
    for (;;) {
        const auto dot = text.find('.');
        const auto part = text.substr(0, dot);
        const bool last = dot == std::string_view::npos;
        const auto value = octet(part);
        if (!value && !(partial && last && part.empty())) {
            return false;
        }
        if (out != nullptr && value) {
            out[index] = *value;
        }
        ++index;
        if (last) {
            return partial || index == 4;
        }
        if (index == 4) {
            return false;
        }
        text.remove_prefix(dot + 1);
    }
}

// The colon-separated groups on one side of "::" into `out`, counting bytes in `used`;
// the last group may be a dotted quad when `v4_tail`.
bool groups(std::string_view text, bool v4_tail, std::array<std::uint8_t, 16>& out,
            std::size_t& used) noexcept {
    used = 0;
    if (text.empty()) {
        return true;
    }
    for (;;) {
        const auto colon = text.find(':');
        const auto part = text.substr(0, colon);
        const bool last = colon == std::string_view::npos;
        if (last && v4_tail && part.find('.') != std::string_view::npos) {
            if (used + 4 > out.size() || !dotted_quad(part, false, out.data() + used)) {
                return false;
            }
            used += 4;
            return true;
        }
        if (part.empty() || part.size() > 4 || used + 2 > out.size()) {
            return false;
        }
        unsigned v = 0;
        for (const char c : part) {
            const int h = hex_value(c);
            if (h < 0) {
                return false;
            }
            v = v * 16 + static_cast<unsigned>(h);
        }
        out[used++] = static_cast<std::uint8_t>(v >> 8);
        out[used++] = static_cast<std::uint8_t>(v & 0xff);
        if (last) {
            return true;
        }
        text.remove_prefix(colon + 1);
    }
}

void append_hex_group(std::string& out, unsigned v) {
    constexpr char kHex[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        const unsigned digit = (v >> shift) & 0xf;
        if (digit != 0 || started || shift == 0) {
            out += kHex[digit];
            started = true;
        }
    }
}

void append_dotted_quad(std::string& out, const std::uint8_t* v4) {
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            out += '.';
        }
        out += std::to_string(v4[i]);
    }
}

}  // namespace

int hex_value(char c) noexcept {
    if (is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<peer_address> parse_ipv4_text(std::string_view text) noexcept {
    std::array<std::uint8_t, 4> v4{};
    if (!dotted_quad(text, false, v4.data())) {
        return std::nullopt;
    }
    return peer_address::ipv4(v4);
}

std::optional<peer_address> parse_ipv6_text(std::string_view text) noexcept {
    if (text.size() > kMaxIpv6Text) {
        return std::nullopt;
    }
    const auto gap = text.find("::");
    std::array<std::uint8_t, 16> front{};
    std::array<std::uint8_t, 16> back{};
    std::size_t front_used = 0;
    std::size_t back_used = 0;
    if (gap == std::string_view::npos) {
        if (!groups(text, true, front, front_used) || front_used != front.size()) {
            return std::nullopt;
        }
        return peer_address::ipv6(front);
    }
    const auto head = text.substr(0, gap);
    const auto tail = text.substr(gap + 2);
    // "::" stands for at least one zero group, so both sides hold 14 bytes at most.
    if (tail.find("::") != std::string_view::npos || !groups(head, false, front, front_used) ||
        !groups(tail, true, back, back_used) || front_used + back_used > 14) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> whole{};
    std::copy_n(front.begin(), front_used, whole.begin());
    std::copy_n(back.begin(), back_used, whole.end() - static_cast<std::ptrdiff_t>(back_used));
    return peer_address::ipv6(whole);
}

bool could_start_ipv4_text(std::string_view text) noexcept {
    return dotted_quad(text, true, nullptr);
}

bool could_start_ipv6_text(std::string_view text) noexcept {
    if (text.size() > kMaxIpv6Text || text.find(":::") != std::string_view::npos) {
        return false;
    }
    // One "::" at most; without one, eight groups have seven colons between them.
    const auto gap = text.find("::");
    if (gap == std::string_view::npos ? std::count(text.begin(), text.end(), ':') > 7
                                      : text.find("::", gap + 1) != std::string_view::npos) {
        return false;
    }
    if (text.size() >= 2 && text[0] == ':' && text[1] != ':') {
        return false;
    }
    // Past the last colon: a hex group being written, or the dotted quad at the end.
    const auto last_colon = text.rfind(':');
    const auto head = last_colon == std::string_view::npos ? std::string_view{}
                                                           : text.substr(0, last_colon);
    const auto tail = text.substr(last_colon == std::string_view::npos ? 0 : last_colon + 1);
    std::size_t run = 0;
    for (const char c : head) {
        run = c == ':' ? 0 : run + 1;
        if ((c != ':' && hex_value(c) < 0) || run > 4) {
            return false;
        }
    }
    if (tail.find('.') != std::string_view::npos) {
        return dotted_quad(tail, true, nullptr);
    }
    for (const char c : tail) {
        if (hex_value(c) < 0) {
            return false;
        }
    }
    // A group has at most four digits; a dotted quad's first octet, fewer.
    return tail.size() <= 4;
}

std::string format_ip(const peer_address& a) {
    if (a.is_ipv4()) {
        std::string out;
        append_dotted_quad(out, a.bytes.data() + 12);
        return out;
    }
    return format_ipv6(a);
}

std::string format_ipv6(const peer_address& a) {
    if (a.is_ipv4()) {
        std::string out = "::ffff:";
        append_dotted_quad(out, a.bytes.data() + 12);
        return out;
    }
    std::array<unsigned, 8> group{};
    for (std::size_t i = 0; i < group.size(); ++i) {
        group[i] = (unsigned{a.bytes[2 * i]} << 8) | a.bytes[2 * i + 1];
    }
    // RFC 5952 4.2: the longest run of zero groups (the first of equals), if 2 or more.
    std::size_t best_start = group.size();
    std::size_t best_length = 1;
    for (std::size_t i = 0; i < group.size();) {
        std::size_t j = i;
        while (j < group.size() && group[j] == 0) {
            ++j;
        }
        if (j - i > best_length) {
            best_start = i;
            best_length = j - i;
        }
        i = j == i ? i + 1 : j;
    }
    std::string out;
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (i == best_start) {
            out += "::";
            i += best_length - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') {
            out += ':';
        }
        append_hex_group(out, group[i]);
    }
    return out;
}

}  // namespace echo::core
