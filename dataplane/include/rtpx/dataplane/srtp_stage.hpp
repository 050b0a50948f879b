// The SRTP/SRTCP stage of the pipeline (issue 6): contexts per flow direction, built on the control
// thread, and the per-worker burst state that drives one SRTP backend.
//
// Control side (FlowTable::apply): make_srtp_direction() turns a flow's flowapi::SrtpParams into an
// rtp::srtp::SrtpContext. A modify that leaves a direction's parameters unchanged keeps its context
// (shared between the old and the new FlowConfig, so ROC, replay window and SRTCP index survive);
// changed parameters get a fresh context; the old one goes with the old configuration after the RCU
// grace period.
//
// Worker side (Worker::srtp_unprotect / Worker::srtp_protect, in srtp_stage.cpp): after lookup, the
// packets of flows with ingress SRTP are gathered and unprotected with one backend call for SRTP
// and one for SRTCP; failures are dropped (srtp_auth) before the source policy ever sees them.
// Packets of flows with egress SRTP are held after their rewrites and protected with one call per
// burst, then get their headers and go to TX. One IPsec-MB backend per worker, made when the worker
// is.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rte_mbuf.h>

#include <tl/expected.hpp>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/packet.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

namespace rtpx::dataplane {

// Per flow: every this many SRTP failures (authentication, MKI, malformed SRTP; not replays) the
// worker raises an srtp_failures event with the count. 0 disables the event.
inline constexpr std::uint32_t kDefaultSrtpFailureThreshold = 100;

// The rtp/srtp suite for a flow API suite; nullopt for kNone and for suites the backends lack
// (AES_192_CM_*).
[[nodiscard]] std::optional<rtp::srtp::Suite> backend_suite(flowapi::SrtpSuite suite) noexcept;

// Control thread. The direction for `params`: no context for kNone; `previous`'s context when its
// parameters are the same; otherwise a new context. Errors name the field under `field`
// ("srtp_ingress.suite: AES_192_CM_HMAC_SHA1_80 is not supported by the SRTP backends").
[[nodiscard]] tl::expected<SrtpStage, std::string> make_srtp_direction(
    const flowapi::SrtpParams& params, const SrtpStage* previous, std::string_view field);

// Does this unprotect status count as an SRTP failure of the flow (srtp_auth_failures)? Replayed
// and too-old packets are dropped as srtp_auth too, but duplicates are not key failures.
[[nodiscard]] constexpr bool counts_as_srtp_failure(rtp::srtp::SrtpStatus s) noexcept {
    return s != rtp::srtp::SrtpStatus::kOk && s != rtp::srtp::SrtpStatus::kReplayed &&
           s != rtp::srtp::SrtpStatus::kTooOld;
}

// What a worker keeps for the SRTP stage: its backend and the burst arrays (sized at init).
struct SrtpWorkerState {
    static constexpr std::size_t kMaxBurst = 32;

    // Makes the IPsec-MB backend (control thread, when the worker is made). backend stays null when
    // IPsec-MB cannot start; Dataplane::start refuses to run then.
    SrtpWorkerState() noexcept;

    std::unique_ptr<rtp::srtp::SrtpBackend> backend;

    // Packets held for egress protection until the end of the burst.
    struct Held {
        rte_mbuf* m;
        FlowEntry* flow;
        const FlowConfig* cfg;
        ParsedFrame p;
        bool rtcp;
    };
    std::array<Held, kMaxBurst> held{};
    std::uint16_t held_count = 0;

    // One backend call's worth: the packets, their statuses and where each came from.
    std::array<rtp::srtp::SrtpPacket, kMaxBurst> packets{};
    std::array<rtp::srtp::SrtpStatus, kMaxBurst> statuses{};
    std::array<std::uint16_t, kMaxBurst> origin{};
    std::array<bool, kMaxBurst> rtcp{};
    std::array<bool, kMaxBurst> ok{};
};

}  // namespace rtpx::dataplane
