// A worker lcore: run-to-completion on one queue of every port. Per burst of up to 32 frames:
// parse, exception path (answered in place), bulk flow lookup, classify (RFC 7983 / RFC 5761),
// SRTP/SRTCP unprotect (one backend call per burst), source policy, RFC 3550 statistics, RTP
// rewrites, SRTP/SRTCP protect (one backend call per burst), header rewrite and checksums,
// transmit. Every drop goes through drop() (one reason, one counter; freed in bulk). No heap, lock
// or log here.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/srtp_stage.hpp"
#include "rtpx/rtp/demux.hpp"

namespace rtpx::dataplane {

class RtcpAgent;      // rtcp_agent.hpp
class ExceptionPath;  // exception.hpp

inline constexpr std::uint16_t kBurstSize = 32;

// rtp::classify with rtcp_mux (RFC 5761's PT rule tells RTCP from RTP on any port), its RTP and
// RTCP answers inline: the first byte of every media packet is 128..191.
[[nodiscard]] inline rtp::PacketClass classify_media(rtp::ByteSpan packet) noexcept {
    const std::size_t n = packet.size();
    if (n >= 2 && packet[0] >= 128 && packet[0] <= 191) [[likely]] {
        const std::uint8_t pt = packet[1] & 0x7F;
        if (pt >= 64 && pt <= 95) {
            return n >= rtp::kMinRtcpSize ? rtp::PacketClass::kRtcp : rtp::PacketClass::kUnknown;
        }
        return n >= rtp::kMinRtpSize ? rtp::PacketClass::kRtp : rtp::PacketClass::kUnknown;
    }
    return rtp::classify(packet, true);
}
inline constexpr std::size_t kMaxPorts = 8;

// IP -> MAC for next hops on one port. Written by the control thread only (never deleted: an entry
// is updated in place), read lock-free by workers. Open addressing; an empty slot ends a probe.
class NeighbourTable {
  public:
    static constexpr std::size_t kSlots = 4096;
    [[nodiscard]] bool lookup(flowapi::AddressFamily family, const std::uint8_t* ip,
                              std::array<std::uint8_t, 6>& mac) const noexcept;
    // False when the table is full.
    bool update(const flowapi::IpAddress& ip, const std::array<std::uint8_t, 6>& mac) noexcept;

  private:
    struct Slot {
        std::atomic<std::uint64_t> mac{0};  // bit 48 set: valid
        std::array<std::uint8_t, 16> ip{};
        std::uint8_t family = 0;
    };
    [[nodiscard]] static std::size_t start(flowapi::AddressFamily family,
                                           const std::uint8_t* ip) noexcept;
    std::array<Slot, kSlots> slots_{};
};

// What a worker knows about a port (shared, read-only after start).
struct PortContext {
    std::uint16_t port_id = 0;  // DPDK port
    PortIdentity identity;
    ChecksumOffload offload;
    NeighbourTable* neighbours = nullptr;
    // The port's exception port (exception.hpp), when it has one: the DPDK port of its TAP.
    bool has_exception = false;
    std::uint16_t exception_port_id = 0;
    std::uint32_t exception_rate_pps = 0;  // per worker; 0: no limit
};

struct alignas(64) LcoreCounters {
    Counter rx;
    Counter tx;
    std::array<Counter, flowapi::kDropReasonCount> drops;
    Counter messages_lost;  // to-control ring full
    // The worker loop: the longest time (TSC cycles) between the ends of two consecutive loop
    // iterations, deliberate idle sleeps excluded (a stall, preemption or long batch shows here),
    // and how many times the loop slept for lack of work.
    Counter max_loop_gap_cycles;
    Counter idle_sleeps;
    Counter busy_cycles;  // TSC cycles of loop iterations that handled packets (DPDK's "busy")
};

// Idle back-off, as DPDK's power-aware examples do it: after kSpinPolls empty polls in a row the
// worker sleeps, 1 µs first and doubling each further empty poll up to max_sleep_us; one poll
// with work returns it to busy polling. max_sleep_us == 0 keeps a pure busy poll. Pure state, no
// clock: the worker loop does the sleeping.
class IdleBackoff {
  public:
    static constexpr std::uint32_t kSpinPolls = 256;
    explicit IdleBackoff(std::uint32_t max_sleep_us) noexcept : max_sleep_us_(max_sleep_us) {}

    // Called after every poll; returns how long to sleep (µs) before the next one, 0 for none.
    [[nodiscard]] std::uint32_t after_poll(bool had_work) noexcept {
        if (had_work || max_sleep_us_ == 0) {
            empty_polls_ = 0;
            sleep_us_ = 0;
            return 0;
        }
        if (empty_polls_ < kSpinPolls) {
            ++empty_polls_;
            return 0;
        }
        sleep_us_ = sleep_us_ == 0 ? 1 : std::min(2 * sleep_us_, max_sleep_us_);
        return sleep_us_;
    }

  private:
    std::uint32_t max_sleep_us_;
    std::uint32_t empty_polls_ = 0;
    std::uint32_t sleep_us_ = 0;
};

// Worker -> control thread, by value on an SPSC rte_ring (elements of this size).
struct WorkerMessage {
    enum class Kind : std::uint32_t { kEvent, kNeighbour, kResolve };
    Kind kind = Kind::kEvent;
    std::uint32_t port = 0;  // port index
    flowapi::Event event;    // kEvent
    flowapi::IpAddress ip;   // kNeighbour, kResolve
    std::array<std::uint8_t, 6> mac{};
    std::uint16_t pad = 0;
};
static_assert(sizeof(WorkerMessage) % 4 == 0);

// Unix time from the TSC, computed once per burst.
struct TscClock {
    std::int64_t unix_ns_at_start = 0;
    std::uint64_t tsc_at_start = 0;
    std::uint64_t ns_per_tsc_q32 = 0;  // 1e9 / hz in 32.32 fixed point
    static TscClock start() noexcept;
    [[nodiscard]] std::int64_t now_unix_ns() const noexcept;
};

struct WorkerContext {
    std::uint16_t index = 0;  // RCU thread id and the queue it polls on every port
    std::uint16_t queue = 0;
    const PortContext* ports = nullptr;
    std::uint16_t port_count = 0;
    FlowTable* flows = nullptr;
    rte_ring* to_control = nullptr;    // WorkerMessage elements (SP/SC)
    rte_ring* from_control = nullptr;  // mbufs the control thread wants sent (m->port: port index)
    LcoreCounters* counters = nullptr;
    const std::atomic<bool>* stop = nullptr;
    TscClock clock;
    std::uint32_t srtp_failure_threshold = kDefaultSrtpFailureThreshold;  // 0: no events
    RtcpAgent* rtcp = nullptr;  // this lcore's RTCP agent (none: terminated RTCP is only dropped)
    std::uint32_t idle_sleep_us = 0;     // IdleBackoff's longest sleep; 0: busy poll
    ExceptionPath* exception = nullptr;  // this lcore's exception path (none: such frames drop)
    // Dispatcher mode (dispatcher.hpp): where set, port i's frames come from rx_rings[i] (SC)
    // instead of its RX queue.
    std::array<rte_ring*, kMaxPorts> rx_rings{};
};

class Worker {
  public:
    explicit Worker(const WorkerContext& context) noexcept : ctx_(context) {}

    // One pass over every port's queue and the control ring; reports a quiescent state. Returns
    // the number of frames it handled (0: an empty poll).
    std::uint32_t poll_once() noexcept;
    // Registers with RCU, polls until *stop (idle back-off per ctx.idle_sleep_us; the loop gap
    // measured into the counters), goes offline. For rte_eal_remote_launch.
    int run() noexcept;

    // The burst stages, exposed for tests: processes frames received on port index `port`.
    void process_burst(std::uint16_t port, rte_mbuf** pkts, std::uint16_t n,
                       std::int64_t now_ns) noexcept;
    // Sends everything buffered.
    void flush() noexcept;
    // False when the worker's SRTP backend (IPsec-MB) could not be made.
    [[nodiscard]] bool srtp_ready() const noexcept { return srtp_.backend != nullptr; }

  private:
    void drop(DropReason reason, rte_mbuf* m, FlowEntry* flow) noexcept;
    void send(std::uint16_t port, rte_mbuf* m) noexcept;
    void flush_port(std::uint16_t port) noexcept;
    void forward(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow, std::int64_t now_ns) noexcept;
    // Next hop, header rewrite, counters, TX: the end of forward() (after SRTP protect).
    // `payload_sum`: the payload's known sum for an incremental UDP checksum (plain RTP only).
    void transmit(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow, const FlowConfig* cfg,
                  std::int64_t now_ns, PayloadSum payload_sum = {}) noexcept;
    // The SRTP stage (srtp_stage.cpp). srtp_unprotect authenticates and decrypts the packets of
    // flows with ingress SRTP in place, drops those that fail and compacts the arrays; it returns
    // how many packets remain. srtp_hold keeps a packet for srtp_protect, which protects what the
    // burst held in one backend call and transmits it.
    [[nodiscard]] std::uint16_t srtp_unprotect(rte_mbuf** pkts, ParsedFrame* parsed,
                                               FlowEntry** entries, std::uint16_t n,
                                               std::int64_t now_ns) noexcept;
    void srtp_hold(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow, const FlowConfig* cfg,
                   bool rtcp, std::int64_t now_ns) noexcept;
    void srtp_protect(std::int64_t now_ns) noexcept;
    void srtp_failure(FlowEntry* flow, const FlowConfig* cfg, rtp::srtp::SrtpStatus status,
                      rte_mbuf* m, std::int64_t now_ns) noexcept;
    void post(const WorkerMessage& message) noexcept;
    void free_drops() noexcept;
    // Drops `m` as `why` unless the exception path takes it for the kernel.
    void drop_or_to_kernel(DropReason why, std::uint16_t port, rte_mbuf* m,
                           std::int64_t now_ns) noexcept;

    WorkerContext ctx_;
    std::array<std::array<rte_mbuf*, 2 * kBurstSize>, kMaxPorts> tx_{};
    std::array<std::uint16_t, kMaxPorts> tx_count_{};
    std::array<rte_mbuf*, 2 * kBurstSize> drops_{};
    std::uint16_t drop_count_ = 0;
    SrtpWorkerState srtp_;
};

}  // namespace rtpx::dataplane
