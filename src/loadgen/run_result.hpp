// What one load thread measured; the threads' results merge into the run's.
#pragma once

#include "core/latency_histogram.hpp"

#include <cstdint>
#include <string>

namespace echo::loadgen {

struct error_counts {
    std::uint64_t mismatch = 0;        // an echoed byte differs from the one sent
    std::uint64_t early_close = 0;     // EOF while echoes were owed, or before the end
    std::uint64_t reset = 0;           // ECONNRESET / EPIPE
    std::uint64_t connect_failed = 0;  // refused, timed out, unreachable
    std::uint64_t unanswered = 0;      // messages still owed when the drain ran out
    std::uint64_t lost = 0;            // UDP: no reply within the loss timeout
    std::uint64_t late = 0;            // UDP: a reply after its loss
    std::uint64_t duplicated = 0;      // UDP: a second (or later) reply to one datagram
    std::uint64_t corrupted = 0;       // UDP: a reply one bit off a datagram sent
    std::uint64_t other = 0;           // any other socket error
    std::uint64_t tls = 0;             // a TLS handshake failed, or a record was bad
    std::uint64_t status = 0;          // http: a status other than 2xx
    std::uint64_t protocol = 0;        // http/ws: a malformed response or frame, a failed upgrade

    [[nodiscard]] std::uint64_t total() const noexcept {
        return mismatch + early_close + reset + connect_failed + unanswered + lost + late +
               duplicated + corrupted + other + tls + status + protocol;
    }
    void merge(const error_counts& o) noexcept {
        mismatch += o.mismatch;
        early_close += o.early_close;
        reset += o.reset;
        connect_failed += o.connect_failed;
        unanswered += o.unanswered;
        lost += o.lost;
        late += o.late;
        duplicated += o.duplicated;
        corrupted += o.corrupted;
        other += o.other;
        tls += o.tls;
        status += o.status;
        protocol += o.protocol;
    }
};

struct run_result {
    core::latency_histogram latency;  // messages completed inside the measured window
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;        // echoed payload bytes in the window (one direction)
    std::uint64_t verified_bytes = 0;  // every byte compared, warm-up and drain included
    std::uint64_t sent_messages = 0;
    std::uint64_t reordered = 0;  // UDP: replies that overtook an earlier one
    std::uint64_t connections = 0;  // --messages-per-conn: connections done in the window
    std::uint64_t clean_closes = 0;  // ws: closes the server answered at the end of the run
    error_counts errors;
    std::string first_error;  // the first problem seen, in words
    // TLS targets: every handshake, warm-up and reconnects included, and the first's
    // negotiated parameters.
    core::latency_histogram handshake_latency;  // from the TCP connect to TLS finished
    std::uint64_t handshakes = 0;
    std::uint64_t resumed = 0;
    std::uint64_t window_handshakes = 0;  // those completed inside the measured window
    std::string tls_version, tls_cipher, tls_alpn;

    void merge(const run_result& o) {
        latency.merge(o.latency);
        messages += o.messages;
        bytes += o.bytes;
        verified_bytes += o.verified_bytes;
        sent_messages += o.sent_messages;
        reordered += o.reordered;
        connections += o.connections;
        clean_closes += o.clean_closes;
        errors.merge(o.errors);
        if (first_error.empty()) {
            first_error = o.first_error;
        }
        handshake_latency.merge(o.handshake_latency);
        handshakes += o.handshakes;
        resumed += o.resumed;
        window_handshakes += o.window_handshakes;
        if (tls_version.empty()) {
            tls_version = o.tls_version;
            tls_cipher = o.tls_cipher;
            tls_alpn = o.tls_alpn;
        }
    }
};

}  // namespace echo::loadgen
