// The per-lcore RTCP agent: RTCP termination with SR/RR generation (RFC 3550) and transport-cc
// feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) with a GCC estimate per flow,
// driven by a sched/ TimerWheel that the worker advances once per poll loop.
//
// Per flow (one direction: media from the "ingress leg" arrives at spec.local and leaves from
// spec.egress_source towards the "egress leg" at spec.egress_destination):
// - rtcp_mode terminate: RTCP arriving from the ingress leg is consumed (counted as the drop reason
//   rtcp_terminated, never forwarded) and used: the sender's SR gives LSR/DLSR for our report
//   blocks, a report block about what the leg receives gives its view (fraction lost, jitter) and
//   the RTT (A - LSR - DLSR). At RFC 3550 intervals (rtp::rtcp_interval, members 2, the configured
//   RTCP bandwidth and minimum; randomised) the agent sends
//     towards the ingress leg, from spec.local: RR (SSRC: the flow's agent SSRC) with a report
//     block
//       from the flow's RFC 3550 statistics (fraction lost, cumulative lost, extended highest seq,
//       jitter, LSR, DLSR) + SDES CNAME;
//     towards the egress leg, from spec.egress_source, when the flow forwarded media since its last
//       report: SR for the forwarded stream (its egress SSRC, packet and octet counts, NTP now and
//       the RTP timestamp extrapolated from the last forwarded packet) + SDES CNAME.
//   A leg of a call (two flows) so gets an RR about the stream it sends (from the flow it sends to)
//   and an SR about the stream it receives (from the flow that sends to it).
// - transport_cc_feedback: every RTP packet with the transport-wide sequence number (ID
//   spec.transport_cc_extension_id, read before the ID remap) is recorded with its arrival time
//   (rtp::TransportCcRecorder); every feedback_interval the agent sends RTPFB FMT 15 feedback
//   towards the ingress leg and feeds the same window (send times from the RTP timestamps, arrival
//   times, losses from sequence gaps) into an rtp::GccEstimator whose target rate is the flow's
//   estimated_bitrate_bps.
//
// Memory and threads: RtcpFlowState is allocated on the control thread (FlowTable::apply) for
// flows that need it and freed with the flow entry; the owning worker alone writes it. The agent's
// timer slots are sized at construction. Timers carry a slot index; a slot remembers the flow's
// hash key and entry, and a firing timer first looks the key up again (under the worker's RCU
// read side), so a deleted flow's timer never touches freed memory. No heap, lock or log in any
// noexcept function here.
//
// SRTCP (RFC 3711 section 3.4): generated RTCP towards a leg that speaks SRTP is protected (E flag
// set, the context's next SRTCP index, tag) before it leaves, with the worker's SRTP backend:
// - the SR towards the egress leg with the flow's egress context (cfg.srtp_egress: the context
//   that protects the media this flow forwards to that leg; same lcore, same SRTCP index space);
// - the RR and transport-cc feedback towards the ingress leg with cfg.srtcp_to_ingress: a context
//   of its own, made by FlowTable::apply from the egress SRTP parameters of the reverse flow (the
//   flow keyed at spec.egress_source whose egress_source is spec.local: the direction that sends
//   media to the ingress leg, so the key that leg expects from us). When the ingress leg sends
//   SRTP but no reverse flow says which key it expects, nothing is sent to it (counted as
//   srtcp_unavailable): RTCP never goes out in clear to an SRTP leg.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/rtp/gcc.hpp"
#include "rtpx/rtp/rtp_packet.hpp"
#include "rtpx/rtp/srtp/backend.hpp"
#include "rtpx/rtp/transport_cc_recorder.hpp"
#include "rtpx/sched/timer_wheel.hpp"

namespace rtpx::dataplane {

inline constexpr std::size_t kTccWindowPackets = 512;

// transport-cc receive state of a flow (~80 KiB: the arrival ring and the GCC window), allocated
// only for transport_cc_feedback flows.
struct TransportCcState {
    rtp::TransportCcRecorder recorder;
    rtp::GccEstimator gcc;
    std::array<rtp::GccPacket, kTccWindowPackets> window;
    std::size_t window_count = 0;
    bool window_started = false;
    std::int64_t window_highest = 0;  // highest unwrapped transport seq when the window opened
    bool have_send_clock = false;
    std::uint32_t last_send_ts = 0;
    std::int64_t last_send_us = 0;
};

// What the agent keeps per flow. Written by the owning worker only, except where noted.
struct RtcpFlowState {
    explicit RtcpFlowState(const flowapi::FlowSpec& spec);
    ~RtcpFlowState() { delete tcc.load(std::memory_order_relaxed); }
    RtcpFlowState(const RtcpFlowState&) = delete;
    RtcpFlowState& operator=(const RtcpFlowState&) = delete;

    std::uint32_t local_ssrc;  // our SSRC on RTCP towards the ingress leg (from the flow key)
    std::int32_t slot = -1;    // the agent slot whose timer serves this flow; -1: none yet
    std::int64_t next_report_ns = 0;
    std::int64_t next_feedback_ns = 0;
    bool initial = true;  // no report sent yet (RFC 3550 6.3: the first interval is halved)
    // Where the ingress leg is: the port the flow's packets arrive on and the last hop's MAC.
    std::uint16_t ingress_port = 0;
    bool have_peer_mac = false;
    std::array<std::uint8_t, 6> peer_mac{};
    // The forwarded stream, for SR sender info.
    bool have_egress_ts = false;
    std::uint32_t egress_ts = 0;  // RTP timestamp of the last forwarded packet, as it left
    std::int64_t egress_ts_ns = 0;
    std::uint64_t packets_at_last_sr = 0;
    std::uint64_t payload_octets = 0;  // RTP payload octets seen (SR octet count)
    // The ingress leg's RTCP.
    std::uint32_t peer_ssrc = 0;
    bool have_peer_view = false;
    rtp::ReportBlock peer_view;  // its last report block (its view of what it receives)
    std::int64_t rtt_ns = 0;     // 0: unknown
    // transport-cc: set once by the control thread (at creation, or by the modify that turns
    // transport_cc_feedback on), never replaced; freed with the state.
    std::atomic<TransportCcState*> tcc{nullptr};
    // Read by the control thread (stats).
    std::atomic<std::uint64_t> estimated_bitrate_bps{0};
    std::atomic<std::uint64_t> reports_sent{0};
    std::atomic<std::uint64_t> feedback_sent{0};
};

// Whether a flow needs agent state.
[[nodiscard]] inline bool needs_rtcp_state(const flowapi::FlowSpec& spec) noexcept {
    return spec.rtcp_mode == flowapi::RtcpMode::kTerminate || spec.transport_cc_feedback;
}
// Control thread: allocates / frees flow state (FlowTable calls these).
[[nodiscard]] RtcpFlowState* make_rtcp_state(const flowapi::FlowSpec& spec);
void destroy_rtcp_state(RtcpFlowState* state) noexcept;

struct RtcpAgentConfig {
    std::uint32_t max_flows = 4096;                   // flows with a pending timer on this lcore
    double min_interval_s = 5.0;                      // RTCP_MIN_TIME (RFC 3550 6.2)
    double rtcp_bandwidth = 1000.0;                   // octets/s: 5 % of the session bandwidth
    std::int64_t feedback_interval_ns = 100'000'000;  // transport-cc feedback cadence
    std::string_view cname = "rtpx-dataplane";   // SDES CNAME (at most 255 bytes; kept by value)
    rte_mempool* pool = nullptr;                 // mbufs for generated packets
    std::uint64_t seed = 0x9E3779B97F4A7C15ull;  // the interval's randomisation
};

// Counters of one agent (single writer: its lcore).
struct RtcpAgentCounters {
    Counter rtcp_consumed;      // terminated RTCP compounds
    Counter rtcp_invalid;       // terminated RTCP that did not parse (still consumed)
    Counter reports_sent;       // SR/RR compounds
    Counter feedback_sent;      // transport-cc feedback packets
    Counter tcc_recorded;       // transport-wide sequence numbers recorded
    Counter no_mbuf;            // generation skipped: pool empty
    Counter unresolved;         // generation skipped: no MAC for the destination yet
    Counter no_destination;     // RR skipped: the ingress leg's address is not known yet
    Counter slots_exhausted;    // a flow could not get a timer (max_flows armed)
    Counter srtcp_protected;    // generated packets sent as SRTCP
    Counter srtcp_unavailable;  // skipped: the leg speaks SRTP but no key (or no backend) for it
    Counter srtcp_failed;       // skipped: the backend refused to protect (index exhausted, ...)
};

// Control thread (FlowTable::apply): the SRTP parameters for RTCP that `spec`'s flow generates
// towards its ingress leg: the egress SRTP of the reverse flow, looked for first among the batch's
// add/modify specs, then through `installed` (the spec of the flow at a key, or nullptr). kNone
// when there is no reverse flow.
[[nodiscard]] flowapi::SrtpParams reverse_egress_srtp(
    const flowapi::FlowSpec& spec, const std::vector<const flowapi::FlowSpec*>& batch,
    const flowapi::FlowSpec* installed) noexcept;

// Control thread: FlowTable::apply for `batch`, plus a re-key of the RTCP the installed flows
// generate towards their ingress legs. An installed flow F with agent state whose reverse flow
// (keyed at F's egress_source and sending from F's local endpoint) the batch adds, modifies or
// deletes, while the batch leaves F itself alone, is modified in the same atomic batch with its
// own installed spec: FlowTable::apply then rebuilds F's srtcp_to_ingress from the reverse flow's
// new egress SRTP (a context of its own for a new key, the old one kept when the key is the same,
// none when the reverse flow is gone). The reply counts and names the caller's ops only.
[[nodiscard]] flowapi::BatchReply apply_with_reverse_rekeys(FlowTable& table,
                                                            const flowapi::Batch& batch,
                                                            const PortAddressBook& ports);

class RtcpAgent {
  public:
    // ports: the worker's ports (PortContext array of port_count); flows: the table it looks up.
    RtcpAgent(const RtcpAgentConfig& config, const PortContext* ports, std::uint16_t port_count,
              FlowTable* flows, std::int64_t now_ns);
    RtcpAgent(const RtcpAgent&) = delete;
    RtcpAgent& operator=(const RtcpAgent&) = delete;

    // Worker hooks (the flow has agent state: entry->rtcp != nullptr).
    // An RTP packet of the flow arrived (before rewrites; view over the packet as received).
    void on_rtp(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st,
                const rtp::RtpView& view, std::size_t size, const std::uint8_t* frame,
                std::int64_t now_ns) noexcept;
    // A terminated RTCP compound from the ingress leg (the caller then drops it as
    // rtcp_terminated).
    void on_rtcp(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st, rtp::ByteSpan rtcp,
                 const std::uint8_t* frame, std::int64_t now_ns) noexcept;

    // Where generated frames go: emit(port index, mbuf); the callee owns the mbuf.
    struct Emitter {
        void* context = nullptr;
        void (*emit)(void* context, std::uint16_t port, rte_mbuf* m) noexcept = nullptr;
        // The worker's SRTP backend, for SRTCP (none: packets for SRTP legs are not sent).
        rtp::srtp::SrtpBackend* srtp = nullptr;
    };
    // Fires what is due by now_ns. One call per poll loop; a shift and a compare when nothing is
    // due. Returns the number of timers fired.
    std::size_t advance(std::int64_t now_ns, const Emitter& out) noexcept;

    [[nodiscard]] const RtcpAgentCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t armed() const noexcept { return wheel_.armed(); }
    [[nodiscard]] const RtcpAgentConfig& config() const noexcept { return config_; }

  private:
    struct Slot {
        FlowHashKey key{};
        FlowEntry* entry = nullptr;
        std::int32_t next_free = -1;
    };
    void arm(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st,
             std::int64_t now_ns) noexcept;
    void on_timer(std::uint32_t slot, std::int64_t now_ns, const Emitter& out) noexcept;
    void release(std::uint32_t slot) noexcept;
    void schedule_report(RtcpFlowState& st, bool we_sent, std::int64_t now_ns) noexcept;
    void send_reports(FlowEntry& entry, const FlowConfig& cfg, RtcpFlowState& st,
                      std::int64_t now_ns, const Emitter& out) noexcept;
    void send_feedback(FlowEntry& entry, const FlowConfig& cfg, RtcpFlowState& st,
                       std::int64_t now_ns, const Emitter& out) noexcept;
    // Wraps `payload` in Ethernet/IP/UDP: towards the ingress leg or the egress leg.
    // SRTCP-protected first when the leg speaks SRTP (see above).
    [[nodiscard]] bool send_to_ingress_leg(const FlowEntry& entry, const FlowConfig& cfg,
                                           const RtcpFlowState& st, rtp::ByteSpan payload,
                                           const Emitter& out) noexcept;
    [[nodiscard]] bool send_to_egress_leg(const FlowConfig& cfg, rtp::ByteSpan payload,
                                          const Emitter& out) noexcept;
    // `payload` as SRTCP with `context` in srtcp_buf_ (plain when `srtp_leg` is false); empty
    // with the reason counted when it cannot be.
    [[nodiscard]] rtp::ByteSpan protect(bool srtp_leg, rtp::srtp::SrtpContext* context,
                                        rtp::ByteSpan payload, const Emitter& out) noexcept;
    [[nodiscard]] bool send_frame(std::uint16_t port, const EgressHeaders& headers,
                                  rtp::ByteSpan payload, const Emitter& out) noexcept;
    [[nodiscard]] double random01() noexcept;

    RtcpAgentConfig config_;
    std::array<char, 255> cname_{};
    std::size_t cname_size_ = 0;
    const PortContext* ports_;
    std::uint16_t port_count_;
    FlowTable* flows_;
    sched::TimerWheel wheel_;
    std::unique_ptr<Slot[]> slots_;
    std::int32_t free_slot_ = -1;
    std::uint64_t random_state_;
    RtcpAgentCounters counters_;
    std::array<std::uint8_t, 1500> srtcp_buf_{};
};

}  // namespace rtpx::dataplane
