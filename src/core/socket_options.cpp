// One table of the integer keys and a few special ones; every refusal says the
// accepted range, so an operator fixes the URL without reading the kernel's source.
#include "core/socket_options.hpp"

#include "core/whole_number.hpp"

#include <climits>

namespace echo::core {

namespace {

// An integer key: who takes it, its range (the kernel's, where it has one) and field.
struct int_key {
    std::string_view key;
    bool udp;  // UDP takes it too; every key here is TCP's
    int low;
    int high;
    const char* unit;
    std::optional<int> socket_options::*field;
};

// defer_accept: the kernel turns seconds into SYN-ACK retransmissions and gives up
// after a few minutes anyway; an hour is far beyond any use. user_timeout: any int.
constexpr int_key kIntKeys[] = {
    {"sndbuf", true, kMinSocketBuffer, kMaxSocketBuffer, " bytes", &socket_options::sndbuf},
    {"rcvbuf", true, kMinSocketBuffer, kMaxSocketBuffer, " bytes", &socket_options::rcvbuf},
    {"tos", true, 0, 255, "", &socket_options::tos},
    {"dscp", true, 0, 63, "", &socket_options::dscp},
    {"mss", false, kMinMss, kMaxMss, " bytes", &socket_options::mss},
    {"fastopen", false, 1, 65535, " (queue length)", &socket_options::fastopen},
    {"defer_accept", false, 1, 3600, " seconds", &socket_options::defer_accept},
    {"user_timeout", false, 1, INT_MAX, " milliseconds", &socket_options::user_timeout},
};

std::optional<std::string> set_int(const int_key& k, std::string_view value, socket_options& out) {
    const auto v = whole_number<long long>(value);
    if (!v || *v < k.low || *v > k.high) {
        return std::string{k.key} + " must be " + std::to_string(k.low) + "-" +
               std::to_string(k.high) + k.unit;
    }
    out.*k.field = static_cast<int>(*v);
    if (out.tos && out.dscp) {
        return "tos and dscp set the same byte; give one of them";
    }
    return std::nullopt;
}

std::optional<bool> flag(std::string_view value) {
    if (value != "0" && value != "1") {
        return std::nullopt;
    }
    return value == "1";
}

std::optional<keepalive_times> keepalive(std::string_view value) {
    int parts[3] = {};
    constexpr int kHigh[3] = {32767, 32767, 127};  // the kernel's MAX_TCP_KEEP* bounds
    for (int i = 0; i < 3; ++i) {
        const auto comma = value.find(',');
        if ((comma == std::string_view::npos) != (i == 2)) {
            return std::nullopt;  // not exactly three fields
        }
        const auto v = whole_number<int>(value.substr(0, comma));
        if (!v || *v < 1 || *v > kHigh[i]) {
            return std::nullopt;
        }
        parts[i] = *v;
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
    return keepalive_times{parts[0], parts[1], parts[2]};
}

// Kernel module names: letters, digits, '-' and '_'. Whether this kernel has it is
// known only at setsockopt, which then lists the ones it has.
bool congestion_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxCongestionName) {
        return false;
    }
    for (const char c : name) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<int> socket_options::traffic_class() const {
    if (dscp) {
        return *dscp << 2;
    }
    return tos;
}

std::optional<std::string> socket_options::set(transport kind, std::string_view key,
                                               std::string_view value) {
    const bool tcp = kind == transport::tcp;
    const bool ip = tcp || kind == transport::udp;
    for (const auto& k : kIntKeys) {
        if (key == k.key && (tcp || (k.udp && ip))) {
            return set_int(k, value, *this);
        }
    }
    if (key == "nodelay" && tcp) {
        const auto v = flag(value);
        if (!v) {
            return "nodelay must be 0 or 1";
        }
        nodelay = *v;
    } else if (key == "freebind" && ip) {
        freebind = flag(value);
        if (!freebind) {
            return "freebind must be 0 or 1";
        }
    } else if (key == "mark" && ip) {
        mark = whole_number<std::uint32_t>(value);
        if (!mark) {
            return "mark must be 0-4294967295";
        }
    } else if (key == "keepalive" && tcp) {
        keepalive = core::keepalive(value);
        if (!keepalive) {
            return "keepalive must be IDLE,INTERVAL,COUNT: seconds 1-32767, seconds 1-32767, "
                   "probes 1-127";
        }
    } else if (key == "cc" && tcp) {
        if (!congestion_name(value)) {
            return "cc must be a congestion control name of 1-15 letters, digits, '-' or '_'";
        }
        cc = std::string{value};
    } else {
        return "unknown option '" + std::string{key} + "' for this kind of listener";
    }
    return std::nullopt;
}

}  // namespace echo::core
