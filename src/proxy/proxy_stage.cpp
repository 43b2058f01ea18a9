// The header is parsed straight from the first chunk when it arrives whole (the
// usual case: a balancer writes it in one go); only a header split across reads is
// copied, into one pool chunk. Stream bytes after it move on in the chunks they
// came in.
#include "proxy/proxy_stage.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

namespace echo::proxy {

namespace {

enum class looks { header, data, undecided };

// From a listed balancer a header is there exactly when the stream starts with one
// of the two signatures; bytes that stray from both are the stream itself.
looks first_bytes(std::span<const std::byte> b) noexcept {
    static constexpr std::string_view kV1 = "PROXY ";
    static constexpr std::array<unsigned char, 12> kV2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                          0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    const auto starts = [&b](const auto& sig) {
        const std::size_t n = std::min(b.size(), sig.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (static_cast<unsigned char>(b[i]) != static_cast<unsigned char>(sig[i])) {
                return looks::data;
            }
        }
        return n == sig.size() ? looks::header : looks::undecided;
    };
    const auto v1 = starts(kV1);
    const auto v2 = starts(kV2);
    if (v1 == looks::header || v2 == looks::header) {
        return looks::header;
    }
    return v1 == looks::undecided || v2 == looks::undecided ? looks::undecided : looks::data;
}

void pass(core::chunk_list& to, core::chunk_ptr c) noexcept {
    if (c && c->size() > 0) {
        to.push_back(std::move(c));
    }
}

}  // namespace

proxy_stage::proxy_stage(core::chunk_pool& pool, reading mode) noexcept
    : pool_(pool), required_(mode == reading::required) {
    if (mode == reading::never) {
        open_as_itself();
    }
}

void proxy_stage::push_inbound(core::chunk_ptr bytes) noexcept {
    if (state_ == pipeline::stage_state::open) {
        pass(out_, std::move(bytes));
        return;
    }
    if (state_ == pipeline::stage_state::failed) {
        return;
    }
    if (partial_.empty()) {
        // Usually the whole header is in the first read: parsed where it lies.
        const std::size_t size = bytes->size();
        bytes->begin = bytes->end;
        if (decide({bytes->data + bytes->end - size, size}, bytes, size)) {
            return;
        }
        bytes->begin = bytes->end - static_cast<std::uint32_t>(size);
    }
    // Split across reads: copied, never more than a header's worth (past that the
    // parser has decided).
    const std::size_t take = std::min(core::kMaxProxyHeader - partial_.size(), bytes->size());
    try {
        partial_.append(reinterpret_cast<const char*>(bytes->payload().data()), take);
    } catch (const std::bad_alloc&) {
        fail("no_memory");
        return;
    }
    bytes->begin += static_cast<std::uint32_t>(take);
    if (!decide(std::as_bytes(std::span{partial_}), bytes, take) && bytes->size() > 0) {
        fail("too_long");  // cannot happen: a full header's worth always decides
    }
}

bool proxy_stage::decide(std::span<const std::byte> header, core::chunk_ptr& tail,
                         std::size_t from_tail) {
    // The bytes of `header` before the tail's; what is not header goes on from them.
    const std::size_t before_tail = header.size() - from_tail;
    const auto resume_at = [&](std::size_t consumed) {
        if (consumed < before_tail) {
            // Only when no header was read: the few signature-like bytes held back
            // from earlier reads (fewer than 12) go on first, in a chunk of their own.
            try {
                auto c = pool_.acquire();
                const std::size_t n = before_tail - consumed;
                std::memcpy(c->data, header.data() + consumed, n);
                c->end = static_cast<std::uint32_t>(n);
                pass(out_, std::move(c));
            } catch (const std::bad_alloc&) {
                fail("no_memory");
                return false;
            }
            consumed = before_tail;
        }
        tail->begin -= static_cast<std::uint32_t>(header.size() - consumed);
        pass(out_, std::move(tail));
        partial_.clear();
        partial_.shrink_to_fit();
        return true;
    };
    if (!required_) {
        switch (first_bytes(header)) {
            case looks::data:
                if (resume_at(0)) {
                    open_as_itself();
                }
                return true;
            case looks::undecided:
                return false;
            case looks::header:
                break;
        }
    }
    const auto r = core::parse_proxy_header(header);
    if (r.status == core::proxy_parse_status::need_more) {
        return false;
    }
    if (r.status == core::proxy_parse_status::invalid) {
        fail(r.reason);
        return true;
    }
    facts_.present = true;
    facts_.version = r.header.version;
    facts_.local = r.header.local;
    try {
        core::describe_proxy_header(r.header, facts_.fields);
    } catch (const std::bad_alloc&) {
        facts_.fields.clear();  // the log line loses its details, the connection nothing
    }
    claim_ = {};
    const bool ip = r.header.family == core::proxy_family::inet ||
                    r.header.family == core::proxy_family::inet6;
    if (!r.header.local && ip) {
        claim_.address = r.header.source.ip;
        claim_.port = r.header.source.port;
    }
    if (resume_at(r.consumed)) {
        state_ = pipeline::stage_state::open;
    }
    return true;
}

void proxy_stage::inbound_ended() noexcept {
    in_ended_ = true;
    if (state_ != pipeline::stage_state::opening) {
        return;
    }
    if (required_) {
        fail("closed_before_header");
        return;
    }
    // A listed balancer that sent a whole signature began a header and cut it short;
    // fewer bytes (under 12, so they fit any chunk) were too few to be one: stream
    // bytes.
    if (first_bytes(std::as_bytes(std::span{partial_})) == looks::header) {
        fail("closed_before_header");
        return;
    }
    if (!partial_.empty()) {
        try {
            auto c = pool_.acquire();
            std::memcpy(c->data, partial_.data(), partial_.size());
            c->end = static_cast<std::uint32_t>(partial_.size());
            pass(out_, std::move(c));
        } catch (const std::bad_alloc&) {
            fail("no_memory");
            return;
        }
    }
    partial_.clear();
    open_as_itself();
}

std::size_t proxy_stage::push_outbound(std::span<const std::byte> bytes) noexcept {
    if (state_ != pipeline::stage_state::open) {
        return 0;
    }
    // Only until the chain skips this stage, which it does as soon as it is open
    // and empty; copied, for the caller's bytes are not ours to keep.
    std::size_t taken = 0;
    while (taken < bytes.size()) {
        const std::size_t n = wire_.append_to_back(bytes.subspan(taken));
        if (n == 0) {
            try {
                wire_.push_back(pool_.acquire());
            } catch (const std::bad_alloc&) {
                break;
            }
        }
        taken += n;
    }
    return taken;
}

void proxy_stage::open_as_itself() noexcept {
    claim_ = {};
    state_ = pipeline::stage_state::open;
}

void proxy_stage::fail(std::string_view reason) noexcept {
    claim_ = {};
    failure_ = reason;
    state_ = pipeline::stage_state::failed;
    out_.clear();
    partial_.clear();
    partial_.shrink_to_fit();
}

}  // namespace echo::proxy
