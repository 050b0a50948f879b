// Receiver-side feedback policy: which sequence numbers to NACK (RFC 4585 generic NACK) and when
// to ask for a keyframe (RFC 4585 PLI, RFC 5104 FIR). Sans-IO: time is passed in as int64
// nanoseconds, outputs are plain values; building the RTCP packets is the rtcp/ writers' job.
// No heap: the NACK list is a fixed array sized at compile time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpx::rtp {

struct NackConfig {
    std::uint8_t max_retries = 10;                    // NACKs per sequence number before giving up
    std::int64_t max_age_ns = 1'000'000'000;          // give up on a hole older than this
    std::int64_t min_resend_interval_ns = 5'000'000;  // floor for the resend interval (>= RTT)
    std::int64_t default_rtt_ns = 100'000'000;        // used while the RTT is unknown (rtt_ns <= 0)
    std::int64_t first_nack_delay_ns = 0;             // wait this long for reordering before the
                                                      // first NACK of a hole (0 = at once)
    std::uint16_t max_reorder_distance = 3000;  // a packet further behind the highest than this
                                                // is a sequence restart (RFC 3550 MAX_DROPOUT),
                                                // not a late packet
};

// Tracks holes in one RTP stream's sequence numbers (unwrapped to 64 bits) and hands out the ones
// to NACK. Holes come in sequence order, so the list is a sorted ring; recovered holes become
// tombstones that are popped from the front or compacted when the ring is full.
class NackGenerator {
  public:
    static constexpr std::size_t kCapacity = 512;  // outstanding holes

    explicit NackGenerator(const NackConfig& config = {}) noexcept : config_(config) {}

    // A packet arrived. Adds every skipped sequence number between the highest so far and seq to
    // the list; removes seq if it was a hole (a retransmission or a late packet). Returns true when
    // the list overflowed: it has been cleared and a keyframe should be requested, because the
    // dropped holes can no longer be repaired. A jump of more than kCapacity also overflows.
    // A packet more than max_reorder_distance behind the highest restarts tracking from it (the
    // list is cleared, no keyframe is asked for; counted by restarts()).
    [[nodiscard]] bool on_packet(std::uint16_t seq, std::int64_t now_ns) noexcept;

    // Writes up to out.size() sequence numbers to NACK now, oldest first, and returns the count.
    // A hole is NACKed when first_nack_delay has passed since it was found and, if it was NACKed
    // before, when max(rtt, min_resend_interval) has passed since. Holes older than max_age or
    // already NACKed max_retries times are dropped.
    [[nodiscard]] std::size_t collect(std::int64_t now_ns, std::int64_t rtt_ns,
                                      std::span<std::uint16_t> out) noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return live_; }
    [[nodiscard]] bool contains(std::uint16_t seq) const noexcept;

    // Counters (since construction).
    [[nodiscard]] std::uint64_t recovered() const noexcept { return recovered_; }
    [[nodiscard]] std::uint64_t nacks_sent() const noexcept { return nacks_sent_; }
    [[nodiscard]] std::uint64_t dropped_max_retries() const noexcept { return dropped_retries_; }
    [[nodiscard]] std::uint64_t dropped_too_old() const noexcept { return dropped_age_; }
    [[nodiscard]] std::uint64_t overflows() const noexcept { return overflows_; }
    [[nodiscard]] std::uint64_t restarts() const noexcept { return restarts_; }

  private:
    struct Entry {
        std::int64_t ext_seq;
        std::int64_t found_ns;
        std::int64_t last_sent_ns;
        std::uint8_t retries;
        bool live;
    };

    [[nodiscard]] Entry& at(std::size_t i) noexcept { return ring_[(head_ + i) % kCapacity]; }
    [[nodiscard]] const Entry& at(std::size_t i) const noexcept {
        return ring_[(head_ + i) % kCapacity];
    }
    [[nodiscard]] std::size_t find(std::int64_t ext_seq) const noexcept;  // count_ if absent
    void pop_dead_front() noexcept;
    void compact() noexcept;
    void clear() noexcept;

    NackConfig config_;
    std::array<Entry, kCapacity> ring_{};
    std::size_t head_ = 0;
    std::size_t count_ = 0;  // entries in the ring, tombstones included
    std::size_t live_ = 0;
    std::int64_t highest_ = 0;
    bool started_ = false;

    std::uint64_t recovered_ = 0;
    std::uint64_t nacks_sent_ = 0;
    std::uint64_t dropped_retries_ = 0;
    std::uint64_t dropped_age_ = 0;
    std::uint64_t overflows_ = 0;
    std::uint64_t restarts_ = 0;
};

enum class KeyframeReason : std::uint8_t {
    kNackListOverflow,   // NackGenerator::on_packet returned true
    kUnrecoverableLoss,  // a hole was given up on (retries/age)
    kDecoderRequest,     // the consumer (or the other leg's PLI/FIR) asked
    kStreamStart,        // new receiver or new SSRC
};
inline constexpr std::size_t kKeyframeReasonCount = 4;

struct KeyframeRequestConfig {
    std::int64_t min_interval_ns = 300'000'000;  // at most one request per max(RTT, this)
};

struct KeyframeDecision {
    bool send = false;
    bool repetition = false;               // same request again (keyframe still not received)
    std::uint8_t fir_sequence_number = 0;  // RFC 5104 4.3.1: +1 per new request, same on repeats
};

// Rate-limits PLI/FIR. A request stays pending until on_keyframe_received(); while pending, further
// triggers are either suppressed (within the interval) or become a repetition with the same FIR
// sequence number. The interval is max(RTT, min_interval).
class KeyframeRequestPolicy {
  public:
    explicit KeyframeRequestPolicy(const KeyframeRequestConfig& config = {}) noexcept
        : config_(config) {}

    [[nodiscard]] KeyframeDecision should_request(std::int64_t now_ns,
                                                  KeyframeReason reason) noexcept;
    void on_keyframe_received() noexcept { pending_ = false; }
    void set_rtt(std::int64_t rtt_ns) noexcept { rtt_ns_ = rtt_ns; }

    [[nodiscard]] bool pending() const noexcept { return pending_; }
    [[nodiscard]] std::int64_t interval_ns() const noexcept {
        return rtt_ns_ > config_.min_interval_ns ? rtt_ns_ : config_.min_interval_ns;
    }
    [[nodiscard]] std::uint64_t requests_sent() const noexcept { return sent_; }
    [[nodiscard]] std::uint64_t suppressed(KeyframeReason r) const noexcept {
        return suppressed_[static_cast<std::size_t>(r)];
    }

  private:
    KeyframeRequestConfig config_;
    std::int64_t rtt_ns_ = 0;
    std::int64_t last_sent_ns_ = 0;
    bool pending_ = false;
    bool ever_sent_ = false;
    std::uint8_t fir_seq_ = 0;
    std::uint64_t sent_ = 0;
    std::array<std::uint64_t, kKeyframeReasonCount> suppressed_{};
};

}  // namespace rtpx::rtp
