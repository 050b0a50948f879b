#include "rtpx/rtp/receive_statistics.hpp"

#include <limits>

#include "rtpx/rtp/ntp_time.hpp"

namespace rtpx::rtp {

RtpSourceStatistics::RtpSourceStatistics(std::uint32_t clock_rate) noexcept
    : clock_rate_(clock_rate == 0 ? 1 : clock_rate),
      ticks_per_ns_q32_(((std::uint64_t{clock_rate_} << 32) + kNanosPerSecond / 2) /
                        kNanosPerSecond),
      max_arrival_delta_ns_(std::numeric_limits<std::int64_t>::max() / 2 /
                            static_cast<std::int64_t>(ticks_per_ns_q32_ + 1)) {}

void RtpSourceStatistics::init_seq(std::uint16_t seq) noexcept {
    base_seq_ = seq;
    max_seq_ = seq;
    bad_seq_ = kRtpSeqMod + 1;  // so seq == bad_seq is false
    cycles_ = 0;
    received_ = 0;
    received_prior_ = 0;
    expected_prior_ = 0;
    seen_[0] = 1;  // max_seq itself
    seen_[1] = 0;
}

SequenceVerdict RtpSourceStatistics::on_packet_slow(std::uint16_t seq, std::uint32_t rtp_timestamp,
                                                    std::int64_t arrival_ns) noexcept {
    if (!started_) [[unlikely]] {
        // A.1: "init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;"
        init_seq(seq);
        max_seq_ = static_cast<std::uint16_t>(seq - 1);
        probation_ = kMinSequential;
        started_ = true;
    }
    const auto udelta = static_cast<std::uint16_t>(seq - max_seq_);

    if (probation_ != 0) [[unlikely]] {
        if (udelta == 1) {
            --probation_;
            max_seq_ = seq;
            if (probation_ == 0) {
                init_seq(seq);
                received_++;
                update_jitter(rtp_timestamp, arrival_ns);
                return SequenceVerdict::kAccepted;
            }
        } else {
            probation_ = kMinSequential - 1;
            max_seq_ = seq;
        }
        anchor_transit(rtp_timestamp, arrival_ns);
        return SequenceVerdict::kProbation;
    }

    if (udelta < kMaxDropout) [[likely]] {
        if (udelta == 0) {  // the highest packet again
            received_++;
            duplicates_++;
            return SequenceVerdict::kDuplicate;
        }
        // In order, with a permissible gap.
        advance_in_order(seq, udelta);
        if (has_transit_) [[likely]] {
            update_jitter(rtp_timestamp, arrival_ns);
        } else {
            anchor_transit(rtp_timestamp, arrival_ns);
        }
        return SequenceVerdict::kAccepted;
    }

    if (udelta <= kRtpSeqMod - kMaxMisorder) {
        // A large jump (or a packet from far in the past).
        if (seq == bad_seq_) {
            // Two sequential packets: assume the other side restarted without telling us; re-sync
            // and count this packet, as the RFC does.
            init_seq(seq);
            received_++;
            restarts_++;
            anchor_transit(rtp_timestamp, arrival_ns);
            return SequenceVerdict::kRestarted;
        }
        bad_seq_ = (std::uint32_t{seq} + 1) & (kRtpSeqMod - 1);
        bad_sequences_++;
        return SequenceVerdict::kBadSequence;
    }

    // Duplicate or reordered packet, 1..MAX_MISORDER-1 behind max_seq.
    const auto back = static_cast<std::uint16_t>(max_seq_ - seq);  // 1..99
    std::uint64_t& word = seen_[back >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (back & 63);
    received_++;
    if (word & bit) {
        duplicates_++;
        return SequenceVerdict::kDuplicate;
    }
    word |= bit;
    reordered_++;
    update_jitter(rtp_timestamp, arrival_ns);
    return SequenceVerdict::kReordered;
}

std::int64_t RtpSourceStatistics::expected() const noexcept {
    if (!validated()) return 0;
    const std::int64_t extended_max =
        static_cast<std::int64_t>(std::uint64_t{cycles_} * kRtpSeqMod + max_seq_);
    return extended_max - base_seq_ + 1;
}

namespace {
std::int32_t clamp_lost(std::int64_t lost) noexcept {
    if (lost > RtpSourceStatistics::kMaxCumulativeLost)
        return RtpSourceStatistics::kMaxCumulativeLost;
    if (lost < RtpSourceStatistics::kMinCumulativeLost)
        return RtpSourceStatistics::kMinCumulativeLost;
    return static_cast<std::int32_t>(lost);
}
}  // namespace

std::int32_t RtpSourceStatistics::cumulative_lost() const noexcept {
    return clamp_lost(expected() - static_cast<std::int64_t>(received_));
}

double RtpSourceStatistics::jitter_ms() const noexcept {
    return static_cast<double>(jitter_q4_) / 16.0 * 1000.0 / static_cast<double>(clock_rate_);
}

void RtpSourceStatistics::on_sender_report(std::uint64_t ntp_timestamp,
                                           std::int64_t arrival_ns) noexcept {
    lsr_ = compact_ntp(ntp_timestamp);
    lsr_arrival_ns_ = arrival_ns;
    has_sr_ = true;
}

ReportBlock RtpSourceStatistics::make_report_block(std::uint32_t ssrc,
                                                   std::int64_t now_ns) noexcept {
    ReportBlock rb;
    rb.ssrc = ssrc;
    const std::int64_t exp = expected();
    rb.cumulative_lost = clamp_lost(exp - static_cast<std::int64_t>(received_));
    rb.highest_seq = validated() ? extended_highest_seq() : 0;
    rb.jitter = jitter();

    // A.3 interval counters.
    const std::int64_t expected_interval = exp - expected_prior_;
    expected_prior_ = exp;
    const auto received_interval = static_cast<std::int64_t>(received_ - received_prior_);
    received_prior_ = received_;
    const std::int64_t lost_interval = expected_interval - received_interval;
    if (expected_interval > 0 && lost_interval > 0) {
        const std::int64_t fraction = (lost_interval << 8) / expected_interval;
        rb.fraction_lost = static_cast<std::uint8_t>(fraction > 255 ? 255 : fraction);
    }

    if (has_sr_) {
        rb.lsr = lsr_;
        rb.dlsr = compact_ntp_from_ns(now_ns - lsr_arrival_ns_);
    }
    return rb;
}

std::optional<std::int64_t> rtt_from_report_block(std::uint32_t lsr, std::uint32_t dlsr,
                                                  std::uint32_t arrival_compact_ntp) noexcept {
    if (lsr == 0) return std::nullopt;
    const std::uint32_t since_sr = arrival_compact_ntp - lsr;  // modulo 2^32, like the RFC
    if (since_sr >= 0x80000000u || since_sr < dlsr) return std::nullopt;  // would be negative
    return ns_from_compact_ntp(since_sr - dlsr);
}

}  // namespace rtpx::rtp
