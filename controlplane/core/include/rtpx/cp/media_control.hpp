// MediaControl: the B2BUA's view of media (the seam between call signalling and rtpx_media).
//
// The B2BUA names a call's media by its A-leg Call-ID. EngineMediaControl (media_engine.cpp) runs
// it on rtpx::media::MediaEngine and real data planes; tests of signalling alone use a fake.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/cp/config.hpp"
#include "rtpx/flowapi/flow.hpp"

namespace rtpx::cp {

enum class CallLeg : std::uint8_t { kA, kB };
[[nodiscard]] constexpr CallLeg other(CallLeg l) noexcept {
    return l == CallLeg::kA ? CallLeg::kB : CallLeg::kA;
}
[[nodiscard]] constexpr std::string_view to_string(CallLeg l) noexcept {
    return l == CallLeg::kA ? "A" : "B";
}

// How a call's media is anchored (from its route and the limits).
struct MediaPolicy {
    std::string a_interface;
    std::string b_interface;
    SrtpPolicy srtp = SrtpPolicy::kPassThrough;
    std::uint32_t inactivity_timeout_ms = 0;
};

struct LegMediaStats {
    std::uint64_t packets = 0, bytes = 0, lost = 0, errors = 0;
    double jitter_ms = 0, mos = 0;
    std::string codec;
};

struct MediaTotals {
    std::uint64_t flows = 0;
    std::uint64_t rx_packets = 0, tx_packets = 0;
    std::array<std::uint64_t, flowapi::kDropReasonCount> drops{};
    std::uint64_t srtp_failures = 0;
    bool ok = false;  // false: no data plane answered
};

class MediaControl {
  public:
    virtual ~MediaControl() = default;

    // `sdp` came from leg `from`; returns the SDP to send to the other leg.
    [[nodiscard]] virtual tl::expected<std::string, std::string> offer(
        const std::string& call, CallLeg from, std::string_view sdp, const MediaPolicy& policy) = 0;
    [[nodiscard]] virtual tl::expected<std::string, std::string> answer(
        const std::string& call, CallLeg from, std::string_view sdp, const MediaPolicy& policy) = 0;
    // Applies the call's pending flow changes as one batch.
    [[nodiscard]] virtual tl::expected<void, std::string> commit(const std::string& call) = 0;
    // While the offer is pending: program the answerer-to-offerer direction of plain-RTP streams,
    // so the callee's first (early) media is relayed even before its answer has been processed.
    [[nodiscard]] virtual tl::expected<void, std::string> commit_early(
        const std::string& /*call*/) {
        return {};
    }
    // Per-leg statistics (A, B) of a call's flows.
    [[nodiscard]] virtual std::optional<std::array<LegMediaStats, 2>> stats(
        const std::string& call) = 0;
    // Tears the call's flows down (one batch) and forgets the session.
    virtual void release(const std::string& call) = 0;
    // The same for several calls, in as few data-plane round trips as the implementation can.
    virtual void release_many(const std::vector<std::string>& calls) {
        for (const auto& c : calls) release(c);
    }
    // The end of a call: its statistics go to `done` (nullopt: none), then its flows are deleted
    // and the session forgotten. The default does it at once; EngineMediaControl gathers the calls
    // ended during one loop pass and ends them in flush_ended(): one stats query and one delete
    // batch behind it for all of them, instead of two blocking round trips per call.
    using StatsDone = std::function<void(const std::optional<std::array<LegMediaStats, 2>>&)>;
    virtual void end_call(const std::string& call, StatsDone done) {
        done(stats(call));
        release(call);
    }
    // Ends what end_call() gathered (the B2BUA calls it once per loop pass and at shutdown), and
    // reports pipelined requests the data plane refused.
    virtual void flush_ended() {}

    // Journal: the call's media session as JSON text (nullopt: nothing to save), rebuilt from it
    // after a restart, and re-attached to the flows the data planes still hold.
    [[nodiscard]] virtual std::optional<std::string> save(const std::string& /*call*/) {
        return std::nullopt;
    }
    [[nodiscard]] virtual bool restore(const std::string& /*call*/, std::string_view /*json*/) {
        return false;
    }
    virtual void reattach() {}

    // Data-plane events for the loop: a readable fd (or -1) and the events by call.
    [[nodiscard]] virtual int event_fd() const noexcept { return -1; }
    [[nodiscard]] virtual std::vector<std::pair<std::string, flowapi::Event>> drain_events() {
        return {};
    }
};

}  // namespace rtpx::cp
