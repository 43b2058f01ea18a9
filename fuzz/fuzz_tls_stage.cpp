// Fuzzes the TLS stage with what a hostile client sends. The input is the client's
// bytes as chunks, each after a one-byte length (a length of 0 ends the stream),
// so the fuzzer picks the split points as well as the bytes. The stage must not
// crash, must hold a bounded number of chunks, must stay failed once failed, and
// must never let bytes through either way before it is open.
#include "core/chunk_pool.hpp"
#include "property.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static material fixed;
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
    if (stage->state() == pipeline::stage_state::open) {
        stage->outbound_ended();
        pump(*stage, ever_failed);
    }
    return 0;
}
