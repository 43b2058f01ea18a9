// Fuzzes the TLS stage. The first byte picks the mode; the rest is chunks, each
// after a one-byte length, so the fuzzer picks the split points as well as the bytes.
// Even: a hostile client's raw bytes (a length of 0 ends the stream). The stage
// must not crash, must hold a bounded number of chunks, must stay failed once
// failed, and must never let bytes through either way before it is open.
// Odd: a real client finishes a handshake (TLS 1.3, or 1.2 when bit 1 is set),
// then sends each chunk as a record that reaches the stage cut where the byte after
// the length says; a length of 0 closes (close_notify, or a bare end of stream
// when that byte is odd). Every byte must come back in order, and a close must
// end the input and let the stage's close_notify through.
#include "core/chunk_pool.hpp"
#include "property.hpp"
#include "support/memory_client.hpp"
#include "support/test_pki.hpp"
#include "tls/ticket_keys.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_errors.hpp"
#include "tls/tls_stage.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using echo::fuzz::require;
namespace core = echo::core;
namespace pipeline = echo::pipeline;
namespace tls = echo::tls;

// Made once per process: two identities (so SNI has a choice), a client CA with
// verify=optional (so a client certificate is parsed), ALPN and ticket keys (so
// a forged ticket reaches the key callback).
struct material {
    echo::testing::test_pki pki{"fuzz-ca"};
    std::shared_ptr<const tls::tls_context> context;

    material() {
        core::tls_settings settings;
        const auto localhost = pki.server("localhost", 0x1001, {"localhost", "127.0.0.1"});
        const auto other = pki.server("other.test", 0x1002);
        settings.identities = {{localhost.cert, localhost.key}, {other.cert, other.key}};
        settings.ca = pki.ca_file();
        settings.verify = core::tls_verify::optional;
        settings.alpn = {"echo", "h2"};
        std::vector<std::string> warnings;
        context = tls::tls_context::load(settings, "tls://fuzz", std::make_shared<tls::ticket_keys>(),
                                         warnings);
    }
};

// A handshake flight with two certificates fits in two 16 KiB chunks; the rest is
// slack for an alert. More would mean the stage keeps what it should have used.
constexpr std::size_t kMaxHeldAfterPull = 4;

bool known_failure(std::string_view reason) {
    return std::find(std::begin(tls::kFailureReasons), std::end(tls::kFailureReasons), reason) !=
           std::end(tls::kFailureReasons);
}

// What the worker does after each receive: pull until nothing comes, echo it,
// then send the wire bytes.
void pump(tls::tls_stage& stage, bool& ever_failed) {
    while (auto plain = stage.pull_inbound()) {
        require(stage.state() == pipeline::stage_state::open, "no plaintext before the stage is open");
        require(!ever_failed, "a failed stage lets nothing through");
        (void)stage.push_outbound(plain->payload());
    }
    const auto state = stage.state();
    if (ever_failed) {
        require(state == pipeline::stage_state::failed, "a failed stage stays failed");
    }
    if (state == pipeline::stage_state::failed) {
        ever_failed = true;
        require(known_failure(stage.failure()), "a failure has one of the fixed names");
        require(stage.inbound_finished(), "a failed stage has no more input");
    }
    if (state != pipeline::stage_state::open) {
        const std::byte probe[1] = {std::byte{'x'}};
        require(stage.push_outbound(probe) == 0, "nothing is sent before the stage is open");
    }
    require(stage.held() <= kMaxHeldAfterPull, "held() stays bounded");
    stage.wire().clear();  // sent
    // Every received byte was used (or dropped by a failure), unless the peer
    // closed first: then the worker stops receiving.
    require(stage.held() == 0 || (stage.inbound_finished() && !ever_failed),
            "what was received is used, not kept");
}

// The worker's loop with a real client on the other end: plaintext up and
// straight back down, wire bytes to the client, which reads what it can.
void echo_round(tls::tls_stage& stage, echo::testing::memory_client& client) {
    while (auto plain = stage.pull_inbound()) {
        auto rest = plain->payload();
        while (!rest.empty()) {
            const std::size_t n = stage.push_outbound(rest);
            require(n > 0, "an open stage takes what the application sends");
            rest = rest.subspan(n);
        }
    }
    std::string wire;
    while (auto c = stage.wire().pop_front()) {
        wire.append(reinterpret_cast<const char*>(c->payload().data()), c->size());
    }
    client.give_input(wire);
    client.step();
    require(stage.held() == 0, "an open stage keeps nothing once pulled and sent");
}

void hostile_bytes(const material& fixed, const std::uint8_t* data, std::size_t size) {
    core::chunk_pool pool{16 * 1024, 8};
    auto stage = tls::tls_stage::make(fixed.context, pool);
    require(stage != nullptr, "a stage is made");
    bool ever_failed = false;
    std::size_t at = 0;
    while (at < size) {
        const std::size_t length = data[at++];
        if (length == 0) {
            stage->inbound_ended();
            pump(*stage, ever_failed);
            break;
        }
        const std::size_t n = std::min(length, size - at);
        auto chunk = pool.acquire();
        std::memcpy(chunk->data, data + at, n);
        chunk->end = static_cast<std::uint32_t>(n);
        at += n;
        stage->push_inbound(std::move(chunk));
        pump(*stage, ever_failed);
    }
}

void after_handshake(const material& fixed, int version, const std::uint8_t* data,
                     std::size_t size) {
    core::chunk_pool pool{16 * 1024, 8};
    auto stage = tls::tls_stage::make(fixed.context, pool);
    require(stage != nullptr, "a stage is made");
    echo::testing::memory_client client{echo::testing::client_config{}.up_to(version)};
    const auto push = [&](std::string_view bytes) {
        auto chunk = pool.acquire();
        std::memcpy(chunk->data, bytes.data(), bytes.size());
        chunk->end = static_cast<std::uint32_t>(bytes.size());
        stage->push_inbound(std::move(chunk));
        echo_round(*stage, client);
    };
    for (int round = 0; round < 8 && stage->state() != pipeline::stage_state::open; ++round) {
        client.step();
        push(client.take_output());
    }
    require(stage->state() == pipeline::stage_state::open && client.done(),
            "a real client completes its handshake");
    std::size_t at = 0;
    while (at + 2 <= size) {
        const std::size_t length = data[at];
        const std::size_t cut = data[at + 1];
        at += 2;
        if (length == 0) {
            if (cut % 2 == 0) {
                client.close();
                push(client.take_output());
            } else {
                stage->inbound_ended();
                echo_round(*stage, client);
            }
            require(stage->inbound_finished(), "a close ends the stage's input");
            require(stage->state() == pipeline::stage_state::open, "a close is not a failure");
            stage->outbound_ended();
            echo_round(*stage, client);
            require(client.peer_closed(), "the stage's close_notify reaches the client");
            break;
        }
        const std::size_t n = std::min(length, size - at);
        if (n == 0) {
            break;  // a length with no bytes after it
        }
        const std::string text(reinterpret_cast<const char*>(data + at), n);
        at += n;
        client.write(text);
        const std::string record = client.take_output();
        const std::size_t split = cut % record.size();
        if (split > 0) {
            push(std::string_view{record}.substr(0, split));
        }
        push(std::string_view{record}.substr(split));
        require(client.take_received() == text, "every byte comes back, in order");
        require(stage->state() == pipeline::stage_state::open, "an echo keeps the stage open");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const material fixed;
    if (size == 0) {
        return 0;
    }
    if (data[0] % 2 == 0) {
        hostile_bytes(fixed, data + 1, size - 1);
    } else {
        after_handshake(fixed, (data[0] & 2) != 0 ? TLS1_2_VERSION : TLS1_3_VERSION, data + 1,
                        size - 1);
    }
    return 0;
}
