// The PROXY header reader against the spec's examples, whole, cut at every byte and
// followed by the stream's own bytes; every failure reason at the earliest byte that
// shows it; the writers read back; the log fields, hostile TLV bytes included.
#include "core/proxy_header.hpp"

#include "core/ip_text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace {

using namespace echo::core;
using namespace std::string_literals;

const std::string kSignature{"\r\n\r\n\0\r\nQUIT\n", 12};
const std::string kStreamBytes = "GET / HTTP/1.1\r\n\r\n";

proxy_parse_result parse(std::string_view text) {
    return parse_proxy_header(std::as_bytes(std::span{text}));
}

std::string be16(std::size_t v) {
    return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}

// A v2 header as a sender lays it out: the length field counts `rest`.
std::string v2(std::uint8_t version_command, std::uint8_t family, const std::string& rest) {
    return kSignature + static_cast<char>(version_command) + static_cast<char>(family) +
           be16(rest.size()) + rest;
}

std::string tlv(std::uint8_t type, const std::string& value) {
    return static_cast<char>(type) + be16(value.size()) + value;
}

const std::string kInetBlock = "\xc0\xa8\x00\x01"s + "\xc0\xa8\x00\x0b"s + be16(56324) + be16(443);

proxy_endpoint endpoint(std::string_view ip, std::uint16_t port) {
    const auto parsed = ip.find(':') == std::string_view::npos ? parse_ipv4_text(ip) : parse_ipv6_text(ip);
    EXPECT_TRUE(parsed) << ip;
    return {parsed.value_or(peer_address{}), port};
}

// `header` is done exactly at its last byte: every shorter prefix asks for more, and
// the stream's bytes after it are left to the stream.
proxy_header expect_done_at_end(const std::string& header) {
    for (std::size_t cut = 0; cut < header.size(); ++cut) {
        const auto r = parse(std::string_view{header}.substr(0, cut));
        EXPECT_EQ(r.status, proxy_parse_status::need_more) << "cut at " << cut << " of " << header.size()
                                                           << ": " << r.reason;
    }
    const auto whole = parse(header);
    EXPECT_EQ(whole.status, proxy_parse_status::done) << whole.reason;
    EXPECT_EQ(whole.consumed, header.size());
    static std::string followed;  // the views of the returned header point into it
    followed = header + kStreamBytes;
    const auto more = parse(followed);
    EXPECT_EQ(more.status, proxy_parse_status::done);
    EXPECT_EQ(more.consumed, header.size());
    return more.header;
}

// `text` is refused for `reason` from its first `known` bytes on, and not before.
void expect_invalid_from(const std::string& text, std::string_view reason, std::size_t known) {
    ASSERT_LE(known, text.size());
    for (std::size_t cut = 0; cut < known; ++cut) {
        const auto r = parse(std::string_view{text}.substr(0, cut));
        EXPECT_EQ(r.status, proxy_parse_status::need_more) << reason << ": cut at " << cut << " gave "
                                                           << r.reason;
    }
    for (std::size_t cut = known; cut <= text.size(); ++cut) {
        const auto r = parse(std::string_view{text}.substr(0, cut));
        EXPECT_EQ(r.status, proxy_parse_status::invalid) << reason << ": cut at " << cut;
        EXPECT_EQ(r.reason, reason) << "cut at " << cut;
    }
}

// The spec's example connection, 192.168.0.1:56324 to 192.168.0.11:443.
void expect_spec_example(const std::string& header, std::uint8_t version) {
    const auto h = expect_done_at_end(header);
    EXPECT_EQ(h.version, version);
    EXPECT_FALSE(h.local);
    EXPECT_EQ(h.family, proxy_family::inet);
    EXPECT_EQ(to_string(h.source), "192.168.0.1:56324");
    EXPECT_EQ(to_string(h.destination), "192.168.0.11:443");
    EXPECT_TRUE(h.tlvs.empty());
}

std::string text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ---- v1 -------------------------------------------------------------------------

TEST(ProxyHeaderV1, ReadsTheSpecsTcp4Example) {
    expect_spec_example("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", 1);
}

TEST(ProxyHeaderV1, ReadsTcp6InEveryWrittenForm) {
    const auto h = expect_done_at_end("PROXY TCP6 2001:DB8::1 2001:db8:0:0:0:0:0:11 0 65535\r\n");
    EXPECT_EQ(h.family, proxy_family::inet6);
    EXPECT_EQ(to_string(h.source), "[2001:db8::1]:0");
    EXPECT_EQ(to_string(h.destination), "[2001:db8::11]:65535");
    // inet_ntop writes an IPv4-mapped peer this way, so senders built on it do too.
    const auto mapped = expect_done_at_end("PROXY TCP6 ::ffff:192.0.2.7 :: 1 2\r\n");
    EXPECT_EQ(to_string(mapped.source), "192.0.2.7:1");
    EXPECT_EQ(to_string(mapped.destination), "[::]:2");
}

TEST(ProxyHeaderV1, UnknownIsLocalWhateverFollowsIt) {
    EXPECT_TRUE(expect_done_at_end("PROXY UNKNOWN\r\n").local);
    const std::string worst = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    ASSERT_EQ(worst.size(), 107U);  // the spec's longest line
    const auto h = expect_done_at_end(worst);
    EXPECT_TRUE(h.local);
    EXPECT_EQ(h.version, 1);
    EXPECT_TRUE(expect_done_at_end("PROXY UNKNOWN not even an address\r\n").local);
}

TEST(ProxyHeaderV1, RefusesWhatTheSpecDoesNotAllowAsSoonAsItShows) {
    expect_invalid_from("GET / HTTP/1.1\r\n", "not_proxy", 1);
    expect_invalid_from("PROXX TCP4", "not_proxy", 5);
    expect_invalid_from("PROXY X", "v1_syntax", 7);
    expect_invalid_from("PROXYTCP4", "v1_syntax", 6);
    expect_invalid_from("PROXY TCP4  1.2.3.4", "v1_syntax", 12);
    expect_invalid_from("PROXY TCP5 ", "v1_syntax", 10);
    expect_invalid_from("PROXY UNKNOWNX\r\n", "v1_syntax", 14);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "v1_syntax", 31);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "v1_syntax", 29);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "v1_syntax", 31);   // LF without CR
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "v1_syntax", 32);   // CR without LF
    expect_invalid_from("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n", "v1_address", 19);  // leading zero
    expect_invalid_from("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "v1_address", 20);
    expect_invalid_from("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "v1_address", 17);
    expect_invalid_from("PROXY TCP4 ::1 ::1 1 2\r\n", "v1_address", 12);  // family mismatch
    expect_invalid_from("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "v1_address", 19);
    expect_invalid_from("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", "v1_address", 27);
    expect_invalid_from("PROXY TCP6 1::2::3 ::1 1 2\r\n", "v1_address", 17);
    expect_invalid_from("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "v1_address", 19);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 +80 2\r\n", "v1_address", 28);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", "v1_address", 29);
    expect_invalid_from("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", "v1_address", 34);
    const std::string endless = "PROXY UNKNOWN " + std::string(200, 'a');
    expect_invalid_from(endless, "v1_too_long", 107);
    // A CRLF whose LF would be byte 108 is too late.
    expect_invalid_from("PROXY UNKNOWN " + std::string(92, 'a') + "\r\n", "v1_too_long", 107);
}

// ---- v2 -------------------------------------------------------------------------

TEST(ProxyHeaderV2, ReadsTcpOverIpv4) {
    expect_spec_example(v2(0x21, 0x11, kInetBlock), 2);
}

TEST(ProxyHeaderV2, ReadsTcpOverIpv6) {
    const std::string src = "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01"s;
    const std::string dst = std::string(15, '\0') + "\x01"s;
    const auto h = expect_done_at_end(v2(0x21, 0x21, src + dst + be16(1234) + be16(80)));
    EXPECT_EQ(h.family, proxy_family::inet6);
    EXPECT_EQ(to_string(h.source), "[2001:db8::1]:1234");
    EXPECT_EQ(to_string(h.destination), "[::1]:80");
}

TEST(ProxyHeaderV2, ReadsUnixStreamPathsWithoutTheirPadding) {
    std::string src = "/run/client.sock", dst = "\0abstract"s;
    src.resize(108, '\0');
    dst.resize(108, '\0');
    const auto h = expect_done_at_end(v2(0x21, 0x31, src + dst));
    EXPECT_EQ(h.family, proxy_family::unix_socket);
    EXPECT_EQ(h.unix_source, "/run/client.sock");
    EXPECT_EQ(h.unix_destination, "\0abstract"s);
}

TEST(ProxyHeaderV2, LocalIsServedAsTheSocketWhateverItsBlockHolds) {
    EXPECT_TRUE(expect_done_at_end(v2(0x20, 0x00, "")).local);
    // Receivers "must not assume zero is presented for LOCAL connections".
    const auto h = expect_done_at_end(v2(0x20, 0x12, kInetBlock + "junk"));
    EXPECT_TRUE(h.local);
    EXPECT_TRUE(h.tlvs.empty());
    // PROXY with UNSPEC: the spec leaves it to the receiver; we use the socket's own.
    EXPECT_TRUE(expect_done_at_end(v2(0x21, 0x00, "ignored")).local);
}

TEST(ProxyHeaderV2, KeepsTheValidatedTlvArea) {
    const std::string tlvs = tlv(0x01, "h2") + tlv(0x04, "") + tlv(0xF0, "\x01\x02"s);
    const auto h = expect_done_at_end(v2(0x21, 0x11, kInetBlock + tlvs));
    EXPECT_EQ(text(h.tlvs), tlvs);
}

TEST(ProxyHeaderV2, RefusesWhatTheSpecDoesNotAllowAsSoonAsItShows) {
    expect_invalid_from("\r\n\r\n\x01", "not_proxy", 5);
    expect_invalid_from(kSignature + "\x11\x11", "v2_version", 13);
    expect_invalid_from(kSignature + "\x22\x11", "v2_command", 13);
    expect_invalid_from(kSignature + "\x21\x41", "v2_family", 14);
    expect_invalid_from(kSignature + "\x21\x12" + be16(12) + kInetBlock, "v2_transport", 14);  // UDP
    expect_invalid_from(kSignature + "\x21\x13", "v2_transport", 14);
    expect_invalid_from(kSignature + "\x21\x10", "v2_transport", 14);
    expect_invalid_from(kSignature + "\x21\x11" + be16(11) + kInetBlock, "v2_address_length", 16);
    expect_invalid_from(kSignature + "\x21\x21" + be16(35), "v2_address_length", 16);
    expect_invalid_from(kSignature + "\x21\x31" + be16(215), "v2_address_length", 16);
    expect_invalid_from(kSignature + "\x21\x11" + be16(kMaxProxyHeader - 15), "too_long", 16);
    expect_invalid_from(kSignature + "\x20\x00\xff\xff"s, "too_long", 16);
}

TEST(ProxyHeaderV2, TakesAHeaderOfExactlyTheLimit) {
    const std::string pad = tlv(0x04, std::string(kMaxProxyHeader - 16 - 12 - 3, '\0'));
    const auto header = v2(0x21, 0x11, kInetBlock + pad);
    ASSERT_EQ(header.size(), kMaxProxyHeader);
    EXPECT_EQ(parse(header).status, proxy_parse_status::done);
    EXPECT_EQ(parse(header.substr(0, kMaxProxyHeader - 1)).status, proxy_parse_status::need_more);
}

TEST(ProxyHeaderV2, RefusesTlvsThatDoNotFitOnceTheHeaderIsWhole) {
    const auto whole = [](const std::string& tlvs) { return v2(0x21, 0x11, kInetBlock + tlvs); };
    const auto at_end = [&](const std::string& tlvs, std::string_view reason) {
        const auto header = whole(tlvs);
        expect_invalid_from(header, reason, header.size());
    };
    at_end("\x01\x00"s, "tlv_length");                           // cut in its length
    at_end(tlv(0x01, "h2").substr(0, 4), "tlv_length");         // value runs past the end
    at_end(tlv(0x05, std::string(129, 'u')), "tlv_length");    // unique id over 128 bytes
    at_end(tlv(0x20, "\x01\x00\x00"s), "ssl_tlv");             // no room for verify
    at_end(tlv(0x20, "\x01\x00\x00\x00\x00"s + "\x21\x00\x09TLS"s), "ssl_tlv");
    at_end(tlv(0x03, "\x00\x00\x00"s), "crc32c");              // not 4 bytes
    // Exactly 128 bytes of unique id, and an empty SSL sub-TLV list, are fine.
    EXPECT_EQ(parse(whole(tlv(0x05, std::string(128, 'u')))).status, proxy_parse_status::done);
    EXPECT_EQ(parse(whole(tlv(0x20, "\x00\x00\x00\x00\x00"s))).status, proxy_parse_status::done);
}

TEST(ProxyHeaderV2, ChecksTheCrc32cOverTheWholeHeader) {
    const auto src = endpoint("10.0.0.1", 4000);
    const auto dst = endpoint("10.0.0.2", 80);
    const std::array<proxy_tlv, 1> tlvs{{{0x02, "example.test"}}};
    const auto good = encode_proxy_v2(src, dst, tlvs, true);
    const auto h = expect_done_at_end(good);
    EXPECT_EQ(to_string(h.source), "10.0.0.1:4000");

    for (const std::size_t flip : {std::size_t{20}, good.size() - 1, good.size() - 8}) {
        auto bad = good;
        bad[flip] = static_cast<char>(bad[flip] ^ 0x01);
        expect_invalid_from(bad, "crc32c", bad.size());
    }
    const auto twice = v2(0x21, 0x11, kInetBlock + tlv(0x03, "\0\0\0\0"s) + tlv(0x03, "\0\0\0\0"s));
    EXPECT_EQ(parse(twice).reason, "crc32c");
}

TEST(ProxyHeader, EveryReasonIsReachedAndListed) {
    // One short example per reason, so a reason added to the parser without a test here fails.
    const std::vector<std::pair<std::string_view, std::string>> cases{
        {"not_proxy", "X"},
        {"v1_syntax", "PROXY X"},
        {"v1_address", "PROXY TCP4 01"},
        {"v1_too_long", "PROXY UNKNOWN " + std::string(93, ' ')},
        {"v2_version", kSignature + "\x31"},
        {"v2_command", kSignature + "\x2f"},
        {"v2_family", kSignature + "\x21\x51"},
        {"v2_transport", kSignature + "\x21\x22"},
        {"v2_address_length", kSignature + "\x21\x11" + be16(0)},
        {"too_long", kSignature + "\x21\x11" + be16(5000)},
        {"tlv_length", v2(0x21, 0x11, kInetBlock + "\x01")},
        {"ssl_tlv", v2(0x21, 0x11, kInetBlock + tlv(0x20, ""))},
        {"crc32c", v2(0x21, 0x11, kInetBlock + tlv(0x03, "\1\2\3\4"))},
    };
    std::set<std::string_view> reached;
    for (const auto& [reason, input] : cases) {
        const auto r = parse(input);
        EXPECT_EQ(r.status, proxy_parse_status::invalid) << reason;
        EXPECT_EQ(r.reason, reason);
        EXPECT_EQ(r.consumed, 0U);
        reached.insert(r.reason);
    }
    const auto listed = proxy_failure_reasons();
    EXPECT_EQ(reached, std::set<std::string_view>(listed.begin(), listed.end()));
    EXPECT_EQ(listed.size(), cases.size());
}

TEST(ProxyHeader, NeverAsksForMoreWithTheLimitInHand) {
    const std::string filler(kMaxProxyHeader, 'a');
    for (const auto& start : {"PROXY UNKNOWN "s, "P"s, kSignature + "\x21\x11\x0f\xf0"s}) {
        const auto r = parse(start + filler.substr(start.size()));
        EXPECT_NE(r.status, proxy_parse_status::need_more) << start;
    }
    EXPECT_EQ(parse("").status, proxy_parse_status::need_more);
}

// ---- writers --------------------------------------------------------------------

TEST(ProxyHeaderWriters, V1ReadsBackAsWritten) {
    const auto s4 = endpoint("192.0.2.1", 56324), d4 = endpoint("198.51.100.2", 443);
    EXPECT_EQ(encode_proxy_v1(s4, d4), "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
    const auto s6 = endpoint("2001:db8::5", 1), d6 = endpoint("::1", 65535);
    EXPECT_EQ(encode_proxy_v1(s6, d6), "PROXY TCP6 2001:db8::5 ::1 1 65535\r\n");
    for (const auto& [s, d] : {std::pair{s4, d4}, std::pair{s6, d6}, std::pair{s4, d6}}) {
        const auto h = expect_done_at_end(encode_proxy_v1(s, d));
        EXPECT_EQ(h.source.ip, s.ip);
        EXPECT_EQ(h.source.port, s.port);
        EXPECT_EQ(h.destination.ip, d.ip);
        EXPECT_EQ(h.destination.port, d.port);
    }
}

TEST(ProxyHeaderWriters, V2ReadsBackWithItsTlvs) {
    const auto s = endpoint("2001:db8::7", 5555), d = endpoint("2001:db8::8", 443);
    const std::array<proxy_tlv, 3> tlvs{{{0x01, "h2"}, {0x05, "\x00\xff"s}, {0xE0, std::string(8, 'g')}}};
    for (const bool crc : {false, true}) {
        const auto wire = encode_proxy_v2(s, d, tlvs, crc);
        const auto h = expect_done_at_end(wire);
        EXPECT_EQ(h.family, proxy_family::inet6);
        EXPECT_EQ(h.source.ip, s.ip);
        EXPECT_EQ(h.destination.port, 443);
        const auto expected = tlv(0x01, "h2") + tlv(0x05, "\x00\xff"s) + tlv(0xE0, std::string(8, 'g'));
        EXPECT_EQ(text(h.tlvs).substr(0, expected.size()), expected);
        EXPECT_EQ(h.tlvs.size(), expected.size() + (crc ? 7 : 0));
    }
    EXPECT_EQ(encode_proxy_v2(endpoint("1.2.3.4", 1), endpoint("5.6.7.8", 2)).size(), 28U);
    EXPECT_EQ(encode_proxy_v2_local(), v2(0x20, 0x00, ""));
    EXPECT_TRUE(expect_done_at_end(encode_proxy_v2_local()).local);
}

// ---- describe -------------------------------------------------------------------

std::string field(const proxy_log_fields& fields, std::string_view key) {
    const auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
    return it == fields.end() ? "<absent>" : it->second;
}

proxy_log_fields described(const std::string& header) {
    const auto r = parse(header);
    EXPECT_EQ(r.status, proxy_parse_status::done) << r.reason;
    proxy_log_fields out;
    describe_proxy_header(r.header, out);
    return out;
}

TEST(ProxyHeaderDescribe, NamesEveryKnownTlvAsHAProxySendsThem) {
    // send-proxy-v2-ssl-cn: the SSL block with version and the client certificate's CN.
    const std::string ssl = "\x07\x00\x00\x00\x00"s + tlv(0x21, "TLSv1.3") + tlv(0x22, "alice") +
                            tlv(0x23, "TLS_AES_128_GCM_SHA256") + tlv(0x24, "RSA-SHA256") +
                            tlv(0x25, "RSA2048") + tlv(0x2f, "?");
    const std::string tlvs = tlv(0x01, "h2") + tlv(0x02, "example.test") + tlv(0x04, "pad") +
                             tlv(0x05, "\x01\xab"s) + tlv(0x20, ssl) + tlv(0x30, "blue") +
                             tlv(0xEA, "\x01vpce-0123456789abcdef0"s) +
                             tlv(0xEE, "\x01\x78\x56\x34\x12"s) +
                             tlv(0xE0, "\x00\x00\x00\x00\x00\x00\x01\x02"s) + tlv(0xF1, "\x00\x10"s) +
                             tlv(0xEE, "\x02\x01"s);
    const auto f = described(v2(0x21, 0x11, kInetBlock + tlvs));
    EXPECT_EQ(field(f, "proxy_version"), "2");
    EXPECT_EQ(field(f, "proxy_dst"), "192.168.0.11:443");
    EXPECT_EQ(field(f, "proxy_alpn"), "h2");
    EXPECT_EQ(field(f, "proxy_authority"), "example.test");
    EXPECT_EQ(field(f, "proxy_unique_id"), "01ab");
    EXPECT_EQ(field(f, "proxy_ssl"), "ssl+cert_conn+cert_sess;verify=0");
    EXPECT_EQ(field(f, "proxy_ssl_version"), "TLSv1.3");
    EXPECT_EQ(field(f, "proxy_ssl_cn"), "alice");
    EXPECT_EQ(field(f, "proxy_ssl_cipher"), "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(field(f, "proxy_ssl_sig_alg"), "RSA-SHA256");
    EXPECT_EQ(field(f, "proxy_ssl_key_alg"), "RSA2048");
    EXPECT_EQ(field(f, "proxy_netns"), "blue");
    EXPECT_EQ(field(f, "proxy_aws_vpce_id"), "vpce-0123456789abcdef0");
    EXPECT_EQ(field(f, "proxy_azure_link_id"), std::to_string(0x12345678));
    EXPECT_EQ(field(f, "proxy_gcp_psc_id"), "258");
    EXPECT_EQ(field(f, "proxy_tlvs"), "0x20.0x2f:3f,0xf1:0010,0xee:0201");
    EXPECT_EQ(field(f, "proxy_crc32c"), "<absent>");
    EXPECT_EQ(field(f, "proxy_local"), "<absent>");
}

TEST(ProxyHeaderDescribe, HostileBytesCannotForgeALogLine) {
    const std::string tlvs = tlv(0x02, "evil\"\n2026 info forged") + tlv(0x30, "a,b\\c") +
                             tlv(0xEA, "\x01 x\r"s) + tlv(0x20, "\x09\x00\x00\x01\x00"s + tlv(0x22, "o\"k"));
    const std::array<proxy_tlv, 1> unknown{{{0xFF, "x"}}};
    const auto f = described(encode_proxy_v2(endpoint("1.2.3.4", 1), endpoint("5.6.7.8", 2), unknown, true));
    EXPECT_EQ(field(f, "proxy_crc32c"), "ok");
    EXPECT_EQ(field(f, "proxy_tlvs"), "0xff:78");
    const auto g = described(v2(0x21, 0x11, kInetBlock + tlvs));
    EXPECT_EQ(field(g, "proxy_authority"), "evil\\x22\\x0a2026\\x20info\\x20forged");
    EXPECT_EQ(field(g, "proxy_netns"), "a\\x2cb\\x5cc");
    EXPECT_EQ(field(g, "proxy_aws_vpce_id"), "\\x20x\\x0d");
    EXPECT_EQ(field(g, "proxy_ssl"), "ssl+0x08;verify=256");
    EXPECT_EQ(field(g, "proxy_ssl_cn"), "o\\x22k");
}

TEST(ProxyHeaderDescribe, BoundsWhatItPrints) {
    const std::string tlvs = tlv(0x02, std::string(300, 'a')) + tlv(0x05, std::string(100, '\x11'));
    std::string many;
    for (int i = 0; i < 40; ++i) {
        many += tlv(0xF2, "");
    }
    const auto f = described(v2(0x21, 0x11, kInetBlock + tlvs + many));
    EXPECT_EQ(field(f, "proxy_authority"), std::string(128, 'a') + "...");
    EXPECT_EQ(field(f, "proxy_unique_id"), std::string(128, '1') + "...");
    const auto list = field(f, "proxy_tlvs");
    EXPECT_EQ(std::count(list.begin(), list.end(), ','), 16);  // 16 items, then ",..."
    EXPECT_TRUE(list.ends_with(",..."));
}

TEST(ProxyHeaderDescribe, ARepeatedTlvIsLoggedOnceAndItsRepeatsCounted) {
    std::string repeated;
    for (int i = 0; i < 1000; ++i) {
        repeated += tlv(0x01, "h");
    }
    const auto f = described(v2(0x21, 0x11, kInetBlock + tlv(0x02, "first") + repeated +
                                                tlv(0x02, "second")));
    EXPECT_EQ(std::count_if(f.begin(), f.end(), [](const auto& x) { return x.first == "proxy_alpn"; }),
              1);
    EXPECT_EQ(field(f, "proxy_authority"), "first");
    EXPECT_EQ(field(f, "proxy_tlv_repeats"), "1000");
    EXPECT_LT(f.size(), 10U);
}

TEST(ProxyHeaderDescribe, UnixAndLocalHeaders) {
    std::string src = "/run/a\nb", dst = "/run/srv";
    src.resize(108, '\0');
    dst.resize(108, '\0');
    const auto f = described(v2(0x21, 0x31, src + dst));
    EXPECT_EQ(field(f, "proxy_src_unix"), "/run/a\\x0ab");
    EXPECT_EQ(field(f, "proxy_dst_unix"), "/run/srv");
    EXPECT_EQ(field(f, "proxy_dst"), "<absent>");
    const auto l = described("PROXY UNKNOWN\r\n");
    EXPECT_EQ(field(l, "proxy_version"), "1");
    EXPECT_EQ(field(l, "proxy_local"), "1");
}

}  // namespace
