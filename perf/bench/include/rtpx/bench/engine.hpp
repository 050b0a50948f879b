// rtpx-bench's DPDK engine: moves the generator's frames to a port and the port's frames to the
// receiver, a burst at a time, and runs paced trials (TSC-based pacing: the number of packets due
// is (now - start) x rate; at most one burst per poll goes out, so bursts are at most `burst`
// long).
//
// tx()/rx() take the time as a parameter so that tests drive the engine with a virtual clock and
// get exact latencies; run_trial() uses the TSC. One engine belongs to one lcore; no allocation,
// no locks per packet. Frames a port does not accept stay queued in the engine (in order) and go
// first next time: the generator never skips a sequence number.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <tl/expected.hpp>

#include "rtpx/bench/histogram.hpp"
#include "rtpx/bench/receiver.hpp"
#include "rtpx/bench/search.hpp"
#include "rtpx/bench/traffic.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace rtpx::bench {

struct EngineConfig {
    std::uint16_t tx_port = 0;
    std::uint16_t rx_port = 0;
    std::uint16_t tx_queue = 0;
    std::uint16_t rx_queue = 0;
    rte_mempool* pool = nullptr;
    std::uint32_t burst = 32;  // 1..kMaxBurst
    // Paced trials send only once this many frames are due (1..burst): back-to-back trains of
    // min_burst frames, the same average rate. 1: whatever is due at each poll.
    std::uint32_t min_burst = 1;
};

inline constexpr std::uint32_t kMaxBurst = 64;

struct EngineCounters {
    std::uint64_t generated = 0;  // frames the generator wrote
    std::uint64_t tx_frames = 0;  // accepted by the port
    std::uint64_t tx_bursts = 0;  // tx() calls that generated frames
    std::uint64_t tx_rtp = 0;     // of which RTP (the loss denominator)
    std::uint64_t tx_rtcp = 0;
    std::uint64_t tx_backpressure = 0;  // tx_burst calls that left frames queued
    std::uint64_t mbuf_exhausted = 0;   // allocations that failed (nothing generated)
    std::uint64_t rx_frames = 0;
    std::uint64_t rx_multiseg = 0;  // chained mbufs, dropped (not expected at these sizes)
};

// One trial's figures (the JSON "trial" object; see report.hpp).
struct TrialStats {
    double offered_pps = 0;
    double duration_s = 0;            // TX time actually taken
    std::uint64_t target_frames = 0;  // frames the trial was to offer (rate x nominal duration)
    double tx_pps = 0;                // RTP+RTCP packets the port accepted per second
    double rx_pps = 0;                // unique RTP packets back per second of TX time
    double rx_mbps = 0;               // frame bits back per second, Mbit/s
    TrialOutcome outcome;             // RTP sent/received
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t rtcp_sent = 0;
    std::uint64_t rtcp_received = 0;
    std::uint64_t stale = 0;  // late packets of an earlier trial, not counted
    std::uint64_t tx_backpressure = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(RxDrop::kCount)> rx_drops{};
    double jitter_mean_ns = 0;
    double jitter_max_ns = 0;
    LatencyHistogram latency;
};

// True when the port accepted fewer frames than the trial was to offer (within the catch-up grace
// of a quarter of the duration), or took more than 3% longer than the nominal duration to accept
// them (the average rate fell 3% short): the trial measured the generator or the port's TX, not
// the device under test.
[[nodiscard]] inline bool generator_limited(const TrialStats& t) noexcept {
    return t.target_frames > 0 &&
           (t.outcome.sent + t.rtcp_sent < t.target_frames || t.tx_pps < 0.97 * t.offered_pps);
}

class Engine {
  public:
    Engine(Generator& gen, Receiver& rx, const EngineConfig& config) noexcept;
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Generates up to n (<= burst) new frames stamped now_ns, after resending what the port left
    // queued. Returns frames the port accepted in this call.
    std::size_t tx(std::uint64_t now_ns, std::size_t n) noexcept;
    // One rx_burst: frames are stamped now_ns, accounted and freed. Returns frames received.
    std::size_t rx(std::uint64_t now_ns) noexcept;

    // A paced trial on the TSC: `rate_pps` frames/s for `duration_s`, then receive only for
    // `drain_s`. Receiver counts are reset first.
    TrialStats run_trial(double rate_pps, double duration_s, double drain_s) noexcept;
    // Figures of the counts since the receiver was last reset and `base` counters.
    [[nodiscard]] TrialStats collect(const EngineCounters& base, double offered_pps,
                                     double duration_s) const noexcept;

    [[nodiscard]] const EngineCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t queued() const noexcept { return pending_n_; }
    // Nanoseconds on the engine's TSC clock (rte_rdtsc since the engine was made).
    [[nodiscard]] std::uint64_t now_ns() const noexcept;

  private:
    std::size_t push_pending() noexcept;

    Generator& gen_;
    Receiver& rx_;
    EngineConfig config_;
    EngineCounters counters_;
    std::array<rte_mbuf*, kMaxBurst> pending_{};
    std::array<SentPacket, kMaxBurst> pending_info_{};
    std::size_t pending_first_ = 0;
    std::size_t pending_n_ = 0;
    std::uint64_t tsc0_ = 0;
    double ns_per_tsc_ = 1;
};

// Slow path: configures and starts a port with one RX and one TX queue (promiscuous, so a DUT's
// frames for any MAC are taken). Returns a message on failure.
[[nodiscard]] tl::expected<void, std::string> setup_port(std::uint16_t port, rte_mempool* pool,
                                                         std::uint16_t rx_desc = 1024,
                                                         std::uint16_t tx_desc = 1024);

}  // namespace rtpx::bench
