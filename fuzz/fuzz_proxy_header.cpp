// Fuzzes the PROXY header reader as a stream delivers it: the input whole, cut at a
// point the input picks, and followed by more bytes must agree; a header it takes is
// described safely and, written again by the encoders, reads back the same.
#include "core/proxy_header.hpp"
#include "property.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;

std::string_view text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool same_endpoint(const core::proxy_endpoint& a, const core::proxy_endpoint& b) {
    return a.ip == b.ip && a.port == b.port;
}

// Equal contents; the views may point into different buffers.
bool same_header(const core::proxy_header& a, const core::proxy_header& b) {
    return a.version == b.version && a.local == b.local && a.family == b.family &&
           same_endpoint(a.source, b.source) && same_endpoint(a.destination, b.destination) &&
           a.unix_source == b.unix_source && a.unix_destination == b.unix_destination &&
           text(a.tlvs) == text(b.tlvs);
}

core::proxy_parse_result parse(std::string_view bytes) {
    return core::parse_proxy_header(std::as_bytes(std::span{bytes}));
}

void check_result(const core::proxy_parse_result& r, std::size_t size) {
    const auto reasons = core::proxy_failure_reasons();
    switch (r.status) {
    case core::proxy_parse_status::need_more:
        require(size < core::kMaxProxyHeader && r.consumed == 0, "need_more only below the limit");
        break;
    case core::proxy_parse_status::invalid:
        require(std::find(reasons.begin(), reasons.end(), r.reason) != reasons.end(),
                "an invalid header gives a listed reason");
        break;
    case core::proxy_parse_status::done:
        require(r.consumed > 0 && r.consumed <= size && r.consumed <= core::kMaxProxyHeader,
                "a header ends within the bytes and the limit");
        require(r.header.version == 1 || r.header.version == 2, "a header has a version");
        break;
    }
}

// Every value is one log_safe token, or comma-separated ones (proxy_tlvs).
void check_description(const core::proxy_header& h) {
    core::proxy_log_fields fields;
    core::describe_proxy_header(h, fields);
    require(!fields.empty() && fields.front().first == "proxy_version", "the version comes first");
    for (const auto& [key, value] : fields) {
        require(key.starts_with("proxy_") && value.size() <= 4096, "a bounded proxy_ field");
        for (std::size_t i = 0; i < value.size(); ++i) {
            const auto u = static_cast<unsigned char>(value[i]);
            require(u > 0x20 && u < 0x7f && u != '"' && (u != ',' || key == "proxy_tlvs"),
                    "a value cannot break the log line");
            // A backslash only as log_safe writes one: \xHH.
            require(u != '\\' || (value.substr(i + 1, 1) == "x" && value.size() >= i + 4),
                    "a backslash only starts an escape");
        }
    }
}

// The TLVs of a header read back as encoder input, leaving out the CRC the encoder adds.
std::vector<core::proxy_tlv> tlvs_of(std::span<const std::byte> area) {
    std::vector<core::proxy_tlv> out;
    const auto bytes = text(area);
    std::size_t at = 0;
    while (at + 3 <= bytes.size()) {
        const std::size_t length = (std::size_t{static_cast<unsigned char>(bytes[at + 1])} << 8) |
                                   static_cast<unsigned char>(bytes[at + 2]);
        const auto type = static_cast<std::uint8_t>(bytes[at]);
        if (type != 0x03) {
            out.push_back({type, std::string{bytes.substr(at + 3, length)}});
        }
        at += 3 + length;
    }
    return out;
}

void check_reads_back(const std::string& wire, const core::proxy_header& h, std::string_view what) {
    const auto r = parse(wire);
    require(r.status == core::proxy_parse_status::done && r.consumed == wire.size(), what.data());
    require(same_endpoint(r.header.source, h.source) && same_endpoint(r.header.destination, h.destination),
            what.data());
}

void check_encoders(const core::proxy_header& h) {
    const auto local = core::encode_proxy_v2_local();
    require(parse(local).header.local, "v2 LOCAL reads back as local");
    if (h.local || (h.family != core::proxy_family::inet && h.family != core::proxy_family::inet6)) {
        return;
    }
    check_reads_back(core::encode_proxy_v1(h.source, h.destination), h, "v1 reads back");
    check_reads_back(core::encode_proxy_v2(h.source, h.destination), h, "v2 reads back");
    const auto tlvs = tlvs_of(h.tlvs);
    const auto with_crc = core::encode_proxy_v2(h.source, h.destination, tlvs, true);
    if (with_crc.size() <= core::kMaxProxyHeader) {
        check_reads_back(with_crc, h, "v2 with TLVs and CRC32C reads back");
        std::string written;
        for (const auto& t : tlvs) {
            written += static_cast<char>(t.type);
            written += static_cast<char>(t.value.size() >> 8);
            written += static_cast<char>(t.value.size() & 0xff);
            written += t.value;
        }
        const auto again = text(parse(with_crc).header.tlvs);
        require(again.size() == written.size() + 7 && again.starts_with(written),
                "the TLVs are written back whole, the CRC32C after them");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    const auto whole = parse(input);
    check_result(whole, size);

    // A cut the input chooses: what a first read could have held.
    const std::size_t cut = size == 0 ? 0 : (static_cast<std::size_t>(data[size - 1]) * 257 + data[0]) % (size + 1);
    const auto part = parse(input.substr(0, cut));
    check_result(part, cut);
    if (part.status == core::proxy_parse_status::invalid) {
        require(whole.status == core::proxy_parse_status::invalid, "refused early stays refused");
    }
    if (part.status == core::proxy_parse_status::done) {
        require(whole.status == core::proxy_parse_status::done && whole.consumed == part.consumed &&
                    same_header(whole.header, part.header),
                "a header read from a prefix is the same with more bytes");
    }
    if (whole.status == core::proxy_parse_status::need_more) {
        require(part.status == core::proxy_parse_status::need_more, "a prefix of need_more needs more");
    }
    if (whole.status != core::proxy_parse_status::done) {
        return 0;
    }
    require(cut >= whole.consumed || part.status == core::proxy_parse_status::need_more,
            "never done before the header's last byte");

    std::string longer{input};
    longer.append(input);  // the stream's bytes after the header: anything at all
    const auto more = parse(longer);
    require(more.status == core::proxy_parse_status::done && more.consumed == whole.consumed &&
                same_header(more.header, whole.header),
            "bytes after a header do not change it");

    check_description(whole.header);
    check_encoders(whole.header);
    return 0;
}
