// Reads the PROXY protocol header as HAProxy's doc/proxy-protocol.txt (2020/03/05)
// defines it, strictly: whatever the spec does not allow is refused, as early as the
// bytes seen so far allow, with one of a few stable reasons.
#include "core/proxy_header.hpp"

#include "core/crc32c.hpp"
#include "core/ip_text.hpp"
#include "core/log_safe.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace echo::core {

namespace {

// Indexes kReasons; one name per way a header can be wrong.
enum class failure : std::uint8_t {
    not_proxy,          // neither signature
    v1_syntax,          // keywords, spaces, CRLF, field count
    v1_address,         // an address or port that is not canonical or not the family's
    v1_too_long,        // no CRLF within 107 bytes
    v2_version,         // version nibble other than 2
    v2_command,         // neither LOCAL nor PROXY
    v2_family,          // address family other than UNSPEC/INET/INET6/UNIX
    v2_transport,       // DGRAM (this reader serves streams), or an unassigned value
    v2_address_length,  // length too short for the family's addresses
    too_long,           // longer than kMaxProxyHeader
    tlv_length,         // a TLV running past the header, or too long for its type
    ssl_tlv,            // PP2_TYPE_SSL too short for its fields, or sub-TLVs not fitting
    crc32c,             // PP2_TYPE_CRC32C not 4 bytes, repeated, or not matching
};

constexpr std::array<std::string_view, 13> kReasons{
    "not_proxy",    "v1_syntax",    "v1_address",        "v1_too_long", "v2_version",
    "v2_command",   "v2_family",    "v2_transport",      "v2_address_length",
    "too_long",     "tlv_length",   "ssl_tlv",           "crc32c"};

// v1: the spec's worst case, "PROXY UNKNOWN" with two full IPv6 addresses, CRLF included.
constexpr std::size_t kMaxV1Line = 107;
constexpr std::string_view kV1Prefix = "PROXY";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV2Fixed = 16;  // signature, version/command, family, length

constexpr std::uint8_t kV2Version = 2;
constexpr std::uint8_t kCommandLocal = 0;
constexpr std::uint8_t kCommandProxy = 1;
constexpr std::uint8_t kFamilyUnspec = 0;
constexpr std::uint8_t kFamilyInet = 1;
constexpr std::uint8_t kFamilyInet6 = 2;
constexpr std::uint8_t kFamilyUnix = 3;
constexpr std::uint8_t kTransportUnspec = 0;
constexpr std::uint8_t kTransportStream = 1;
// Both addresses, then (inet, inet6) both ports; indexed by family.
constexpr std::array<std::size_t, 4> kAddressBlock{0, 2 * 4 + 2 * 2, 2 * 16 + 2 * 2, 2 * 108};
constexpr std::size_t kUnixPath = 108;

// TLV types, section 2.2 of the spec.
constexpr std::uint8_t kTlvAlpn = 0x01;
constexpr std::uint8_t kTlvAuthority = 0x02;
constexpr std::uint8_t kTlvCrc32c = 0x03;
constexpr std::uint8_t kTlvNoop = 0x04;
constexpr std::uint8_t kTlvUniqueId = 0x05;
constexpr std::uint8_t kTlvSsl = 0x20;
constexpr std::uint8_t kSubSslVersion = 0x21;
constexpr std::uint8_t kSubSslCn = 0x22;
constexpr std::uint8_t kSubSslCipher = 0x23;
constexpr std::uint8_t kSubSslSigAlg = 0x24;
constexpr std::uint8_t kSubSslKeyAlg = 0x25;
constexpr std::uint8_t kTlvNetns = 0x30;
// The custom range 0xE0-0xEF, as the clouds use it:
// - AWS NLB ("Proxy protocol" in the Network Load Balancer guide): 0xEA, first byte
//   subtype, 0x01 = PP2_SUBTYPE_AWS_VPCE_ID, then the VPC endpoint id as ASCII.
// - Azure Private Link ("Getting connection information using TCP Proxy v2"): 0xEE,
//   subtype 0x01 = PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID, then a UINT32 link id,
//   little-endian.
// - GCP Private Service Connect ("Viewing consumer connection information"): 0xE0,
//   the 8-byte pscConnectionId, big-endian (network order).
constexpr std::uint8_t kTlvGcp = 0xE0;
constexpr std::uint8_t kTlvAws = 0xEA;
constexpr std::uint8_t kTlvAzure = 0xEE;
constexpr std::uint8_t kSubAwsVpceId = 0x01;
constexpr std::uint8_t kSubAzureLinkId = 0x01;

constexpr std::size_t kTlvHead = 3;     // type, 16-bit length
constexpr std::size_t kSslFixed = 5;    // client flags, 32-bit verify
constexpr std::size_t kMaxUniqueId = 128;
constexpr std::size_t kCrc32cValue = 4;

// What a log line shows of one value at most: text bytes, and raw bytes as hex.
constexpr std::size_t kMaxLoggedText = 128;
constexpr std::size_t kMaxLoggedHex = 64;
constexpr std::size_t kMaxListedTlvs = 16;

proxy_parse_result fail(failure f) noexcept {
    proxy_parse_result r;
    r.status = proxy_parse_status::invalid;
    r.reason = kReasons[static_cast<std::size_t>(f)];
    return r;
}

std::uint8_t u8(std::byte b) noexcept {
    return static_cast<std::uint8_t>(b);
}

std::uint16_t be16(std::span<const std::byte> at) noexcept {
    return static_cast<std::uint16_t>((u8(at[0]) << 8) | u8(at[1]));
}

std::string_view as_text(std::span<const std::byte> bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ---- TLVs -----------------------------------------------------------------------

struct tlv {
    std::uint8_t type = 0;
    std::size_t offset = 0;  // of the type byte, within the area walked
    std::span<const std::byte> value;
};

// Calls visit(tlv) for each TLV of `area` in order; false as soon as one does not fit
// (then visit has seen only those before it).
template <class Visit>
bool for_each_tlv(std::span<const std::byte> area, Visit&& visit) {
    std::size_t at = 0;
    while (at < area.size()) {
        if (area.size() - at < kTlvHead) {
            return false;
        }
        const std::size_t length = be16(area.subspan(at + 1));
        if (area.size() - at - kTlvHead < length) {
            return false;
        }
        visit(tlv{u8(area[at]), at, area.subspan(at + kTlvHead, length)});
        at += kTlvHead + length;
    }
    return true;
}

bool ssl_block_fits(std::span<const std::byte> value) {
    return value.size() >= kSslFixed && for_each_tlv(value.subspan(kSslFixed), [](const tlv&) {});
}

// The TLV area of `header` (whole, `area_offset` bytes in) against the spec's rules.
std::optional<failure> check_tlvs(std::span<const std::byte> header, std::size_t area_offset) {
    std::optional<failure> found;
    std::optional<std::size_t> crc_at;
    const bool fits = for_each_tlv(header.subspan(area_offset), [&](const tlv& t) {
        if (found) {
            return;
        }
        if (t.type == kTlvSsl && !ssl_block_fits(t.value)) {
            found = failure::ssl_tlv;
        } else if (t.type == kTlvUniqueId && t.value.size() > kMaxUniqueId) {
            found = failure::tlv_length;
        } else if (t.type == kTlvCrc32c) {
            if (t.value.size() != kCrc32cValue || crc_at) {
                found = failure::crc32c;
            }
            crc_at = area_offset + t.offset + kTlvHead;
        }
    });
    if (!fits) {
        return failure::tlv_length;
    }
    if (found || !crc_at) {
        return found;
    }
    // The sum covers the whole header with its own field read as zeros.
    constexpr std::array<std::byte, kCrc32cValue> kZeros{};
    std::uint32_t sum = crc32c(header.first(*crc_at));
    sum = crc32c(kZeros, sum);
    sum = crc32c(header.subspan(*crc_at + kCrc32cValue), sum);
    const auto field = header.subspan(*crc_at, kCrc32cValue);
    const std::uint32_t sent = (std::uint32_t{be16(field)} << 16) | be16(field.subspan(2));
    if (sum != sent) {
        return failure::crc32c;
    }
    return std::nullopt;
}

// ---- v1 -------------------------------------------------------------------------

bool literal_could_be(std::string_view seen, std::string_view word) noexcept {
    return word.starts_with(seen);
}

std::optional<std::uint16_t> port_text(std::string_view text) noexcept {
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) {
        return std::nullopt;
    }
    unsigned v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(v);
}

// Reads one space-separated field at a time from the line after "PROXY ".
class v1_fields {
public:
    explicit v1_fields(std::string_view rest) noexcept : rest_(rest) {}

    // The next field; `last` when no space follows it (the line, or the bytes, end).
    std::string_view next(bool& last) noexcept {
        const auto space = rest_.find(' ');
        const auto field = rest_.substr(0, space);
        last = space == std::string_view::npos;
        rest_ = last ? std::string_view{} : rest_.substr(space + 1);
        return field;
    }

private:
    std::string_view rest_;
};

// Checks `line` (a v1 line without its CRLF) and fills `out`. With `partial`, the line
// may go on: its last field may be cut short and fields may be missing.
std::optional<failure> scan_v1(std::string_view line, bool partial, proxy_header& out) noexcept {
    const auto start = line.substr(0, kV1Prefix.size());
    if (!literal_could_be(start, kV1Prefix) || (!partial && start.size() < kV1Prefix.size())) {
        return failure::not_proxy;
    }
    if (line.size() <= kV1Prefix.size()) {
        return partial ? std::nullopt : std::optional{failure::v1_syntax};
    }
    if (line[kV1Prefix.size()] != ' ') {
        return failure::v1_syntax;
    }
    out.version = 1;
    v1_fields fields{line.substr(kV1Prefix.size() + 1)};
    bool last = false;
    const auto protocol = fields.next(last);
    if (last && partial) {
        return literal_could_be(protocol, "TCP4") || literal_could_be(protocol, "TCP6") ||
                       literal_could_be(protocol, "UNKNOWN")
                   ? std::nullopt
                   : std::optional{failure::v1_syntax};
    }
    if (protocol == "UNKNOWN") {  // the rest of the line is to be ignored
        out.local = true;
        return std::nullopt;
    }
    const bool v4 = protocol == "TCP4";
    if (!v4 && protocol != "TCP6") {
        return failure::v1_syntax;
    }
    out.family = v4 ? proxy_family::inet : proxy_family::inet6;
    for (int i = 0; i < 4; ++i) {
        if (last) {  // a space ended the previous field but the line ends here
            return partial ? std::nullopt : std::optional{failure::v1_syntax};
        }
        const auto field = fields.next(last);
        const bool cut = last && partial;
        // A lone CR or LF does not end the line; an empty field is a doubled space.
        if ((field.empty() && !cut) || field.find_first_of("\r\n") != std::string_view::npos) {
            return failure::v1_syntax;
        }
        if (i < 2) {
            auto& endpoint = i == 0 ? out.source : out.destination;
            const auto ip = v4 ? parse_ipv4_text(field) : parse_ipv6_text(field);
            const bool could = v4 ? could_start_ipv4_text(field) : could_start_ipv6_text(field);
            if (cut ? !could : !ip) {
                return failure::v1_address;
            }
            endpoint.ip = ip.value_or(peer_address{});
        } else {
            auto& endpoint = i == 2 ? out.source : out.destination;
            const auto port = port_text(field);
            if (!port && !(cut && field.empty())) {
                return failure::v1_address;
            }
            endpoint.port = port.value_or(0);
        }
    }
    if (!last) {
        return failure::v1_syntax;  // a space after the destination port
    }
    return std::nullopt;
}

proxy_parse_result parse_v1(std::span<const std::byte> received) noexcept {
    const auto text = as_text(received.first(std::min(received.size(), kMaxV1Line)));
    proxy_parse_result r;
    const auto crlf = text.find("\r\n");
    if (crlf != std::string_view::npos) {
        if (const auto f = scan_v1(text.substr(0, crlf), false, r.header)) {
            return fail(*f);
        }
        r.status = proxy_parse_status::done;
        r.consumed = crlf + 2;
        return r;
    }
    // A CR as the last byte seen ends the line if an LF follows, so what comes before
    // it must already be a whole line; anything else may still grow.
    const bool cr_last = text.ends_with('\r');
    if (const auto f = scan_v1(text.substr(0, text.size() - (cr_last ? 1 : 0)), !cr_last, r.header)) {
        return fail(*f);
    }
    if (text.size() >= kMaxV1Line) {
        return fail(failure::v1_too_long);
    }
    return {};
}

// ---- v2 -------------------------------------------------------------------------

proxy_endpoint v2_endpoint(std::span<const std::byte> address, std::span<const std::byte> port) {
    std::array<std::uint8_t, 16> bytes{};
    std::transform(address.begin(), address.end(), bytes.begin(), u8);
    proxy_endpoint e;
    e.ip = address.size() == 4 ? peer_address::ipv4(std::span<const std::uint8_t, 4>{bytes.data(), 4})
                               : peer_address::ipv6(bytes);
    e.port = be16(port);
    return e;
}

std::string_view unix_path(std::span<const std::byte> field) noexcept {
    auto text = as_text(field);
    while (!text.empty() && text.back() == '\0') {
        text.remove_suffix(1);
    }
    return text;
}

proxy_parse_result parse_v2(std::span<const std::byte> received) noexcept {
    const auto seen = std::min(received.size(), kV2Signature.size());
    if (as_text(received.first(seen)) != kV2Signature.substr(0, seen)) {
        return fail(failure::not_proxy);
    }
    if (received.size() <= kV2Signature.size()) {
        return {};
    }
    const std::uint8_t version_command = u8(received[12]);
    if (version_command >> 4 != kV2Version) {
        return fail(failure::v2_version);
    }
    const std::uint8_t command = version_command & 0xf;
    if (command != kCommandLocal && command != kCommandProxy) {
        return fail(failure::v2_command);
    }
    if (received.size() < 14) {
        return {};
    }
    // LOCAL: "the receiver must ... discard the protocol block including the family".
    const bool proxied = command == kCommandProxy;
    const std::uint8_t family = u8(received[13]) >> 4;
    const std::uint8_t transport = u8(received[13]) & 0xf;
    if (proxied && family > kFamilyUnix) {
        return fail(failure::v2_family);
    }
    // UNSPEC goes with UNSPEC only (the spec's list of expected bytes), and this reader
    // serves streams: a DGRAM header on a stream is a misconfigured sender.
    if (proxied && (transport > kTransportStream || (family == kFamilyUnspec) != (transport == kTransportUnspec))) {
        return fail(failure::v2_transport);
    }
    if (received.size() < kV2Fixed) {
        return {};
    }
    const std::size_t total = kV2Fixed + be16(received.subspan(14));
    if (total > kMaxProxyHeader) {
        return fail(failure::too_long);
    }
    const std::size_t address_block = proxied ? kAddressBlock[family] : 0;
    if (total - kV2Fixed < address_block) {
        return fail(failure::v2_address_length);
    }
    if (received.size() < total) {
        return {};
    }
    proxy_parse_result r;
    r.status = proxy_parse_status::done;
    r.consumed = total;
    r.header.version = 2;
    if (!proxied || family == kFamilyUnspec) {  // nothing to read: serve the socket's own
        r.header.local = true;
        return r;
    }
    const auto header = received.first(total);
    const auto block = header.subspan(kV2Fixed, address_block);
    if (family == kFamilyUnix) {
        r.header.family = proxy_family::unix_socket;
        r.header.unix_source = unix_path(block.first(kUnixPath));
        r.header.unix_destination = unix_path(block.subspan(kUnixPath));
    } else {
        const std::size_t ip = family == kFamilyInet ? 4 : 16;
        r.header.family = family == kFamilyInet ? proxy_family::inet : proxy_family::inet6;
        r.header.source = v2_endpoint(block.first(ip), block.subspan(2 * ip));
        r.header.destination = v2_endpoint(block.subspan(ip, ip), block.subspan(2 * ip + 2));
    }
    if (const auto f = check_tlvs(header, kV2Fixed + address_block)) {
        return fail(*f);
    }
    r.header.tlvs = header.subspan(kV2Fixed + address_block);
    return r;
}

// ---- describe -------------------------------------------------------------------

std::string logged_text(std::span<const std::byte> value) {
    auto out = log_safe(as_text(value.first(std::min(value.size(), kMaxLoggedText))));
    if (value.size() > kMaxLoggedText) {
        out += "...";
    }
    return out;
}

std::string logged_hex(std::span<const std::byte> value) {
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const std::byte b : value.first(std::min(value.size(), kMaxLoggedHex))) {
        out += kHex[u8(b) >> 4];
        out += kHex[u8(b) & 0xf];
    }
    if (value.size() > kMaxLoggedHex) {
        out += "...";
    }
    return out;
}

std::string type_hex(std::uint8_t type) {
    return "0x" + logged_hex(std::span{reinterpret_cast<const std::byte*>(&type), 1});
}

// Unknown TLVs as "0xNN:HEX" items of one comma-separated value; log_safe escapes
// commas, so the commas between items are the only ones.
class unknown_tlvs {
public:
    void add(std::string_view label, std::span<const std::byte> value) {
        if (count_++ == kMaxListedTlvs) {
            text_ += ",...";
        }
        if (count_ > kMaxListedTlvs) {
            return;
        }
        if (!text_.empty()) {
            text_ += ',';
        }
        text_ += label;
        text_ += ':';
        text_ += logged_hex(value);
    }
    void emit(proxy_log_fields& out) {
        if (!text_.empty()) {
            out.emplace_back("proxy_tlvs", std::move(text_));
        }
    }

private:
    std::size_t count_ = 0;
    std::string text_;
};

// "ssl+cert_conn;verify=0": the client flags by name, then the verify result.
std::string ssl_summary(std::span<const std::byte> value) {
    constexpr std::array<std::string_view, 3> kFlags{"ssl", "cert_conn", "cert_sess"};
    const std::uint8_t client = u8(value[0]);
    std::string out;
    const auto add = [&out](std::string_view name) {
        if (!out.empty()) {
            out += '+';
        }
        out += name;
    };
    for (std::size_t bit = 0; bit < kFlags.size(); ++bit) {
        if ((client & (1U << bit)) != 0) {
            add(kFlags[bit]);
        }
    }
    if (const std::uint8_t other = client & 0xf8; other != 0) {
        add(type_hex(other));
    }
    if (out.empty()) {
        out = "none";
    }
    const std::uint32_t verify = (std::uint32_t{be16(value.subspan(1))} << 16) | be16(value.subspan(3));
    out += ";verify=";
    out += std::to_string(verify);
    return out;
}

void describe_ssl(std::span<const std::byte> value, proxy_log_fields& out, unknown_tlvs& unknown) {
    out.emplace_back("proxy_ssl", ssl_summary(value));
    for_each_tlv(value.subspan(kSslFixed), [&](const tlv& t) {
        switch (t.type) {
        case kSubSslVersion: out.emplace_back("proxy_ssl_version", logged_text(t.value)); break;
        case kSubSslCn: out.emplace_back("proxy_ssl_cn", logged_text(t.value)); break;
        case kSubSslCipher: out.emplace_back("proxy_ssl_cipher", logged_text(t.value)); break;
        case kSubSslSigAlg: out.emplace_back("proxy_ssl_sig_alg", logged_text(t.value)); break;
        case kSubSslKeyAlg: out.emplace_back("proxy_ssl_key_alg", logged_text(t.value)); break;
        default: unknown.add(type_hex(kTlvSsl) + "." + type_hex(t.type), t.value);
        }
    });
}

// A TLV from the clouds' custom range by name, or false to list it as unknown.
bool describe_cloud(const tlv& t, proxy_log_fields& out) {
    const auto v = t.value;
    if (t.type == kTlvAws && !v.empty() && u8(v[0]) == kSubAwsVpceId) {
        out.emplace_back("proxy_aws_vpce_id", logged_text(v.subspan(1)));
        return true;
    }
    if (t.type == kTlvAzure && v.size() == 5 && u8(v[0]) == kSubAzureLinkId) {
        std::uint32_t id = 0;
        for (std::size_t i = 4; i >= 1; --i) {
            id = (id << 8) | u8(v[i]);
        }
        out.emplace_back("proxy_azure_link_id", std::to_string(id));
        return true;
    }
    if (t.type == kTlvGcp && v.size() == 8) {
        std::uint64_t id = 0;
        for (const std::byte b : v) {
            id = (id << 8) | u8(b);
        }
        out.emplace_back("proxy_gcp_psc_id", std::to_string(id));
        return true;
    }
    return false;
}

// ---- encode ---------------------------------------------------------------------

void put16(std::string& out, std::size_t v) {
    out += static_cast<char>((v >> 8) & 0xff);
    out += static_cast<char>(v & 0xff);
}

std::string v2_fixed(std::uint8_t command, std::uint8_t family_transport) {
    std::string out{kV2Signature};
    out += static_cast<char>((kV2Version << 4) | command);
    out += static_cast<char>(family_transport);
    put16(out, 0);  // the length, filled in last
    return out;
}

void set_v2_length(std::string& header) {
    const std::size_t length = header.size() - kV2Fixed;
    header[14] = static_cast<char>((length >> 8) & 0xff);
    header[15] = static_cast<char>(length & 0xff);
}

}  // namespace

proxy_parse_result parse_proxy_header(std::span<const std::byte> received) noexcept {
    if (received.empty()) {
        return {};
    }
    if (u8(received[0]) == static_cast<std::uint8_t>(kV1Prefix[0])) {
        return parse_v1(received);
    }
    return parse_v2(received);  // its signature check refuses any other first byte
}

std::span<const std::string_view> proxy_failure_reasons() noexcept {
    return kReasons;
}

void describe_proxy_header(const proxy_header& header, proxy_log_fields& out) {
    out.emplace_back("proxy_version", std::to_string(header.version));
    if (header.local) {
        out.emplace_back("proxy_local", "1");
        return;
    }
    if (header.family == proxy_family::unix_socket) {
        out.emplace_back("proxy_src_unix", logged_text(std::as_bytes(std::span{header.unix_source})));
        out.emplace_back("proxy_dst_unix", logged_text(std::as_bytes(std::span{header.unix_destination})));
    } else {
        out.emplace_back("proxy_dst", to_string(header.destination));
    }
    unknown_tlvs unknown;
    const std::size_t first_tlv_field = out.size();
    for_each_tlv(header.tlvs, [&](const tlv& t) {
        switch (t.type) {
        case kTlvAlpn: out.emplace_back("proxy_alpn", logged_text(t.value)); break;
        case kTlvAuthority: out.emplace_back("proxy_authority", logged_text(t.value)); break;
        case kTlvCrc32c: out.emplace_back("proxy_crc32c", "ok"); break;  // checked by the parser
        case kTlvNoop: break;
        case kTlvUniqueId: out.emplace_back("proxy_unique_id", logged_hex(t.value)); break;
        case kTlvNetns: out.emplace_back("proxy_netns", logged_text(t.value)); break;
        case kTlvSsl:
            if (ssl_block_fits(t.value)) {
                describe_ssl(t.value, out, unknown);
                break;
            }
            [[fallthrough]];
        default:
            if (!describe_cloud(t, out)) {
                unknown.add(type_hex(t.type), t.value);
            }
        }
    });
    // A header may repeat a TLV a thousand times: each key is logged once (the first),
    // so the line stays short and its JSON keys unique; the repeats are only counted.
    std::size_t kept = first_tlv_field;
    std::size_t repeats = 0;
    for (std::size_t i = first_tlv_field; i < out.size(); ++i) {
        bool seen = false;
        for (std::size_t j = first_tlv_field; j < kept && !seen; ++j) {
            seen = out[j].first == out[i].first;
        }
        if (seen) {
            ++repeats;
        } else {
            if (kept != i) {
                out[kept] = std::move(out[i]);
            }
            ++kept;
        }
    }
    out.resize(kept);
    if (repeats > 0) {
        out.emplace_back("proxy_tlv_repeats", std::to_string(repeats));
    }
    unknown.emit(out);
}

std::string to_string(const proxy_endpoint& e) {
    const auto ip = format_ip(e.ip);
    return (e.ip.is_ipv4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

std::string encode_proxy_v1(const proxy_endpoint& source, const proxy_endpoint& destination) {
    const bool v4 = source.ip.is_ipv4() && destination.ip.is_ipv4();
    const auto ip = [v4](const proxy_endpoint& e) { return v4 ? format_ip(e.ip) : format_ipv6(e.ip); };
    return std::string{"PROXY "} + (v4 ? "TCP4 " : "TCP6 ") + ip(source) + " " + ip(destination) +
           " " + std::to_string(source.port) + " " + std::to_string(destination.port) + "\r\n";
}

std::string encode_proxy_v2(const proxy_endpoint& source, const proxy_endpoint& destination,
                            std::span<const proxy_tlv> tlvs, bool with_crc32c) {
    const bool v4 = source.ip.is_ipv4() && destination.ip.is_ipv4();
    const std::uint8_t family = v4 ? kFamilyInet : kFamilyInet6;
    auto out = v2_fixed(kCommandProxy, static_cast<std::uint8_t>((family << 4) | kTransportStream));
    const std::size_t skip = v4 ? 12 : 0;  // IPv4 is the mapped form's last four bytes
    for (const auto* e : {&source, &destination}) {
        out.append(e->ip.bytes.begin() + static_cast<std::ptrdiff_t>(skip), e->ip.bytes.end());
    }
    put16(out, source.port);
    put16(out, destination.port);
    for (const auto& t : tlvs) {
        out += static_cast<char>(t.type);
        put16(out, t.value.size());
        out += t.value;
    }
    std::size_t crc_at = 0;
    if (with_crc32c) {
        out += static_cast<char>(kTlvCrc32c);
        put16(out, kCrc32cValue);
        crc_at = out.size();
        out.append(kCrc32cValue, '\0');
    }
    set_v2_length(out);
    if (with_crc32c) {
        const std::uint32_t sum = crc32c(std::as_bytes(std::span{out}));
        for (std::size_t i = 0; i < kCrc32cValue; ++i) {
            out[crc_at + i] = static_cast<char>((sum >> (24 - 8 * i)) & 0xff);
        }
    }
    return out;
}

std::string encode_proxy_v2_local() {
    return v2_fixed(kCommandLocal, (kFamilyUnspec << 4) | kTransportUnspec);
}

}  // namespace echo::core
