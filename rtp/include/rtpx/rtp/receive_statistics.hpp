// Per-source receiver statistics, RFC 3550 Appendix A:
//   A.1  sequence number validation (probation, MAX_DROPOUT / MAX_MISORDER, bad_seq restart,
//   cycles) A.3  expected / lost / fraction lost over report intervals A.8  interarrival jitter
//   (RTP timestamp units)
// plus the LSR/DLSR bookkeeping for report blocks (section 6.4.1) and RTT from a received report
// block (section 6.4.1, figure 2).
//
// Sans-IO: every time is passed in as int64 nanoseconds from one monotonic clock of the caller's
// choosing (only differences are used). No heap, no clock reads; one instance per SSRC, owned and
// written by one lcore. on_packet is the per-packet fast path (a few ns; see
// perf/rtp/receive_statistics_bench.cpp).
//
// Deviations from the RFC's C code, all deliberate:
// - The RFC compares `seq == s->max_seq + 1` after integer promotion, so 65535 -> 0 fails that test
//   during probation; here the comparison is done in 16-bit arithmetic.
// - Duplicates are detected with a 128-entry bitmap behind the highest sequence number (covers the
//   whole MAX_MISORDER = 100 window) and reported as kDuplicate. As in the RFC they still count in
//   received() (RFC 3550 section 6.4.1: "the number of packets received includes any that are late
//   or duplicated"), so cumulative loss can be negative; duplicates() counts them separately.
// - Jitter uses the integer form of A.8 (jitter scaled by 16) and is updated for every packet
//   accepted in arrival order except duplicates; the first packet after a restart only re-anchors
//   the transit time.
#pragma once

#include <cstdint>
#include <optional>

#include "rtpx/rtp/rtcp/report_block.hpp"

namespace rtpx::rtp {

enum class SequenceVerdict : std::uint8_t {
    kAccepted,     // in order (or a forward gap < MAX_DROPOUT); also the packet that ends probation
    kProbation,    // source not yet validated (fewer than MIN_SEQUENTIAL sequential packets)
    kReordered,    // late: behind the highest sequence number by < MAX_MISORDER, not seen before
    kDuplicate,    // a sequence number already received (within the last 128)
    kBadSequence,  // a jump of >= MAX_DROPOUT forward or > MAX_MISORDER back; not counted
    kRestarted,    // the packet after a kBadSequence one followed it: statistics restarted here
};

// Report blocks are rtcp::ReportBlock (RFC 3550 section 6.4.1, host values), the type the RTCP
// builders write.
using rtcp::ReportBlock;

class RtpSourceStatistics {
  public:
    static constexpr std::uint32_t kRtpSeqMod = 1u << 16;
    static constexpr std::uint16_t kMaxDropout = 3000;
    static constexpr std::uint16_t kMaxMisorder = 100;
    static constexpr std::uint8_t kMinSequential = 2;
    static constexpr std::int32_t kMaxCumulativeLost = 0x7FFFFF;
    static constexpr std::int32_t kMinCumulativeLost = -0x800000;

    // clock_rate: the RTP timestamp rate of the payload (Hz), used by jitter. Must be > 0.
    explicit RtpSourceStatistics(std::uint32_t clock_rate) noexcept;

    // A.1 update_seq and A.8 jitter for one packet. The common case (the next packet in order, or
    // after a permissible gap, on a validated source) is inline; probation, duplicates, reordering,
    // jumps and restarts take the out-of-line path.
    SequenceVerdict on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp,
                              std::int64_t arrival_ns) noexcept {
        const auto udelta = static_cast<std::uint16_t>(seq - max_seq_);
        if (started_ && probation_ == 0 && has_transit_ && udelta != 0 && udelta < kMaxDropout)
            [[likely]] {
            advance_in_order(seq, udelta);
            update_jitter(rtp_timestamp, arrival_ns);
            return SequenceVerdict::kAccepted;
        }
        return on_packet_slow(seq, rtp_timestamp, arrival_ns);
    }

    // Remembers an SR from this source: its NTP timestamp (-> LSR) and when it arrived (-> DLSR).
    void on_sender_report(std::uint64_t ntp_timestamp, std::int64_t arrival_ns) noexcept;

    // A.3: builds a report block for `ssrc` at now_ns and starts the next interval (fraction lost
    // is measured from the previous call, or from the start/restart of the source).
    [[nodiscard]] ReportBlock make_report_block(std::uint32_t ssrc, std::int64_t now_ns) noexcept;

    [[nodiscard]] bool validated() const noexcept { return started_ && probation_ == 0; }
    [[nodiscard]] std::uint64_t received() const noexcept { return received_; }
    [[nodiscard]] std::int64_t expected() const noexcept;
    [[nodiscard]] std::int32_t cumulative_lost() const noexcept;  // clamped to 24 bits signed
    [[nodiscard]] std::uint32_t extended_highest_seq() const noexcept {
        return (cycles_ << 16) | max_seq_;
    }
    [[nodiscard]] std::uint32_t cycles() const noexcept { return cycles_; }  // count of wraps
    [[nodiscard]] std::uint16_t base_seq() const noexcept { return base_seq_; }
    [[nodiscard]] std::uint32_t jitter() const noexcept { return jitter_q4_ >> 4; }  // RTP units
    [[nodiscard]] double jitter_ms() const noexcept;
    [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
    [[nodiscard]] std::uint64_t reordered() const noexcept { return reordered_; }
    [[nodiscard]] std::uint64_t bad_sequences() const noexcept { return bad_sequences_; }
    [[nodiscard]] std::uint64_t restarts() const noexcept { return restarts_; }
    [[nodiscard]] std::uint32_t clock_rate() const noexcept { return clock_rate_; }
    [[nodiscard]] bool has_sender_report() const noexcept { return has_sr_; }
    [[nodiscard]] std::uint32_t last_sr() const noexcept { return lsr_; }

  private:
    void init_seq(std::uint16_t seq) noexcept;
    SequenceVerdict on_packet_slow(std::uint16_t seq, std::uint32_t rtp_timestamp,
                                   std::int64_t arrival_ns) noexcept;

    // A.1's in-order branch: max_seq moves forward by udelta (1..MAX_DROPOUT-1), counting a wrap.
    void advance_in_order(std::uint16_t seq, std::uint16_t udelta) noexcept {
        if (seq < max_seq_) cycles_++;  // sequence number wrapped
        max_seq_ = seq;
        // The last 128 sequence numbers seen, for telling duplicates from late packets.
        if (udelta >= 128) {
            seen_[0] = 1;
            seen_[1] = 0;
        } else if (udelta >= 64) {
            seen_[1] = seen_[0] << (udelta - 64);
            seen_[0] = 1;
        } else {
            seen_[1] = (seen_[1] << udelta) | (seen_[0] >> (64 - udelta));
            seen_[0] = (seen_[0] << udelta) | 1;
        }
        received_++;
    }

    // A.8 with transit differences: D(i-1, i) = (R_i - R_{i-1}) - (S_i - S_{i-1}) in RTP units.
    void update_jitter(std::uint32_t rtp_timestamp, std::int64_t arrival_ns) noexcept {
        std::int64_t arrival_delta_ns = arrival_ns - last_arrival_ns_;
        // ns -> RTP ticks in 32.32 fixed point: ticks = (ns * ticks_per_ns_q32_ + 2^31) >> 32. The
        // clamp keeps the product below 2^62 for any clock rate (a gap of ~2 s at 4 GHz, hours at
        // common rates; beyond that the gap is not jitter anyway).
        const std::int64_t max_delta = max_arrival_delta_ns_;
        if (arrival_delta_ns > max_delta) arrival_delta_ns = max_delta;
        if (arrival_delta_ns < -max_delta) arrival_delta_ns = -max_delta;
        const std::int64_t arrival_delta_ts =
            (arrival_delta_ns * static_cast<std::int64_t>(ticks_per_ns_q32_) +
             (std::int64_t{1} << 31)) >>
            32;
        const auto ts_delta = static_cast<std::int32_t>(rtp_timestamp - last_ts_);
        std::int64_t d = arrival_delta_ts - ts_delta;
        if (d < 0) d = -d;
        if (d > 0x0FFFFFFF) d = 0x0FFFFFFF;  // keep jitter_q4_ in range after a timestamp jump
        jitter_q4_ += static_cast<std::uint32_t>(d) - ((jitter_q4_ + 8) >> 4);
        last_ts_ = rtp_timestamp;
        last_arrival_ns_ = arrival_ns;
    }
    void anchor_transit(std::uint32_t rtp_timestamp, std::int64_t arrival_ns) noexcept {
        last_ts_ = rtp_timestamp;
        last_arrival_ns_ = arrival_ns;
        has_transit_ = true;
    }

    // A.1 state
    std::uint16_t max_seq_ = 0;
    std::uint16_t base_seq_ = 0;
    std::uint32_t bad_seq_ = kRtpSeqMod + 1;  // never equal to a 16-bit seq until set
    std::uint32_t cycles_ = 0;
    std::uint8_t probation_ = 0;
    bool started_ = false;
    bool has_transit_ = false;
    bool has_sr_ = false;
    std::uint64_t received_ = 0;
    std::uint64_t received_prior_ = 0;
    std::int64_t expected_prior_ = 0;
    // bit i of seen_ = (max_seq - i) received, for i in 0..127: seen_[0] bits 0..63,
    // seen_[1] 64..127
    std::uint64_t seen_[2] = {0, 0};
    // Counters that survive init_seq (restarts): for drop-reason style statistics.
    std::uint64_t duplicates_ = 0;
    std::uint64_t reordered_ = 0;
    std::uint64_t bad_sequences_ = 0;
    std::uint64_t restarts_ = 0;

    // A.8 state: previous packet's timestamp and arrival (the RFC's "transit" as a pair, so that
    // arrivals never need converting to absolute RTP units).
    std::uint32_t clock_rate_;
    std::uint64_t ticks_per_ns_q32_;     // clock_rate / 1e9 in 32.32 fixed point
    std::int64_t max_arrival_delta_ns_;  // keeps delta * ticks_per_ns_q32_ below 2^62
    std::uint32_t jitter_q4_ = 0;        // jitter * 16
    std::uint32_t last_ts_ = 0;
    std::int64_t last_arrival_ns_ = 0;

    // SR bookkeeping
    std::uint32_t lsr_ = 0;
    std::int64_t lsr_arrival_ns_ = 0;
};

// RTT from a report block about our own stream (RFC 3550 section 6.4.1):
//   RTT = A - LSR - DLSR, all in compact NTP (1/65536 s), A = arrival time of the report block.
// Returns nullopt when lsr == 0 (the peer has not received an SR) or when the result would be
// negative (clock skew or a bogus DLSR); otherwise the RTT in nanoseconds.
[[nodiscard]] std::optional<std::int64_t> rtt_from_report_block(
    std::uint32_t lsr, std::uint32_t dlsr, std::uint32_t arrival_compact_ntp) noexcept;

}  // namespace rtpx::rtp
