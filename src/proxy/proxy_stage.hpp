// The PROXY protocol as a pipeline stage: it reads the header a balancer puts
// before the stream, says who the client really is, and then passes every byte
// through untouched (the chain then skips it). It never writes to the wire.
#pragma once

#include "core/chunk_pool.hpp"
#include "core/proxy_header.hpp"
#include "pipeline/stage.hpp"

#include <string>

namespace echo::proxy {

// What the header said, kept after it is parsed (the bytes are not).
struct header_facts {
    bool present = false;  // false: served as itself (no header from this source)
    std::uint8_t version = 0;
    bool local = false;
    core::proxy_log_fields fields;  // destination and TLVs, for the log line
};

// What one peer can hold here: a copy of the header so far while it arrives split
// across reads (at most core::kMaxProxyHeader bytes, whatever it claims), for at
// most proxy_timeout; after the header, nothing of its own. That copy is the stage's
// scratch, not stream bytes: it is left out of held(), so a small --max-buffer never
// stops the reads that would complete the header.
class proxy_stage final : public pipeline::stage {
public:
    enum class reading {
        required,    // the connection must start with a header
        if_present,  // a listed balancer: a header is read if the stream starts with one
        never,       // anyone else, under proxy=optional: open from the start
    };
    proxy_stage(core::chunk_pool& pool, reading mode) noexcept;

    void push_inbound(core::chunk_ptr bytes) noexcept override;
    void inbound_ended() noexcept override;
    [[nodiscard]] core::chunk_ptr pull_inbound() noexcept override { return out_.pop_front(); }
    [[nodiscard]] bool inbound_finished() const noexcept override {
        return in_ended_ && out_.empty() && state_ != pipeline::stage_state::opening;
    }
    [[nodiscard]] std::size_t push_outbound(std::span<const std::byte> bytes) noexcept override;
    void outbound_ended() noexcept override {}
    [[nodiscard]] core::chunk_list& wire() noexcept override { return wire_; }
    [[nodiscard]] pipeline::stage_state state() const noexcept override { return state_; }
    [[nodiscard]] std::string_view failure() const noexcept override { return failure_; }
    [[nodiscard]] std::size_t held() const noexcept override {
        return out_.count() + wire_.count();
    }
    [[nodiscard]] bool transparent() const noexcept override {
        return state_ == pipeline::stage_state::open;
    }
    [[nodiscard]] pipeline::peer_claim claim() const noexcept override { return claim_; }

    [[nodiscard]] const header_facts& facts() const noexcept { return facts_; }

private:
    // Parses `header` (the bytes so far); true when it decided (open or failed).
    // `tail` is the chunk the last of them came in, its begin just past them;
    // `from_tail` of them came from it, and what follows the header is passed on.
    bool decide(std::span<const std::byte> header, core::chunk_ptr& tail, std::size_t from_tail);
    void open_as_itself() noexcept;
    void fail(std::string_view reason) noexcept;

    core::chunk_pool& pool_;
    bool required_;
    std::string partial_;      // the header's bytes so far, when they span reads
    core::chunk_list out_;     // stream bytes after the header, for the stage above
    core::chunk_list wire_;    // outbound bytes, passed through once open
    pipeline::stage_state state_ = pipeline::stage_state::opening;
    std::string_view failure_;
    pipeline::peer_claim claim_{true, std::nullopt, 0};
    header_facts facts_;
    bool in_ended_ = false;
};

}  // namespace echo::proxy
