// Google Congestion Control, draft-ietf-rmcat-gcc-02, sans-IO, fed from transport-cc feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): for each packet, when it was sent and when
// (whether) it arrived.
//
// Delay-based controller (section 5):
//   - pre-filtering (5.2): packets sent within kBurstTimeUs of a group's first packet form one
//     group; a packet that arrives less than kBurstTimeUs after the previous one with a negative
//     inter-arrival delay variation also joins the group (a burst released by the network);
//   - arrival-time filter: the draft's Kalman filter is replaced, as in libwebrtc since 2017, by a
//     trendline estimator: the accumulated inter-group delay variation d(i) = t(i) - t(i-1) -
//     (T(i) - T(i-1)) is smoothed (alpha 0.9) and a least-squares slope over the last 20 groups,
//     times min(groups, 60) and a gain of 4, is the "modified trend" m(i) compared with the
//     threshold;
//   - over-use detector (5.4) with the adaptive threshold (5.4, gamma): overuse is signalled when
//     m(i) > gamma for more than 10 ms (and in at least two consecutive groups, with m not
//     falling); under-use when m(i) < -gamma; gamma tracks |m| at K_u = 0.0087 per ms when |m| is
//     above it and K_d = 0.039 per ms when below (the draft's K_u = 0.01 and K_d = 0.00018 belong
//     to its Kalman filter's scale; these are the values tuned for the trendline's modified trend),
//     clamped to [6, 600] ms and not updated on outliers (|m| - gamma > 15 ms);
//   - rate controller (5.5): the Hold/Increase/Decrease state machine of the draft's table;
//     increase multiplicative (8 %/s) far from convergence, additive (about one packet per
//     response time) once a decrease has told us the link's capacity; decrease to beta = 0.85 of
//     the measured incoming rate R; the estimate never exceeds 1.5 R.
// Loss-based controller (section 6): per window of at least kLossMinPackets packets and
//   kLossWindowUs (the draft applies it per feedback; with 50-100 ms feedback and audio rates a
//   report holds a handful of packets, and one loss in 5 packets is no 20 % loss),
//   loss p > 10 %: A_s = A_s (1 - 0.5 p); p < 2 %: A_s = 1.05 A_s; otherwise unchanged. The loss
//   estimate is capped by the delay-based one.
// The target rate is min(delay-based, loss-based), within [min_bitrate, max_bitrate].
//
// Arithmetic: double. The estimator runs once per feedback (every 50-100 ms per flow), not per
// packet, and every formula of the draft is real-valued; fixed point would add error for no
// measurable gain. Times are int64 microseconds on any monotonic clock (the sender's clock for send
// times, the receiver's for arrival times: only differences within each are used). No allocation
// after construction: the trendline window, the rate window and the send history are fixed arrays.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "rtpx/rtp/rtcp/transport_feedback.hpp"

namespace rtpx::rtp {

// One packet as a feedback report describes it.
struct GccPacket {
    std::int64_t send_time_us = 0;
    std::int64_t arrival_time_us = 0;  // ignored when !received
    std::uint32_t size_bytes = 0;      // UDP payload (RTP header + payload)
    bool received = true;
};

enum class BandwidthUsage : std::uint8_t { kNormal, kUnderusing, kOverusing };
enum class RateControlState : std::uint8_t { kHold, kIncrease, kDecrease };

struct GccConfig {
    std::uint64_t start_bitrate_bps = 300'000;
    std::uint64_t min_bitrate_bps = 30'000;
    std::uint64_t max_bitrate_bps = 50'000'000;
};

class GccEstimator {
  public:
    static constexpr std::int64_t kBurstTimeUs = 5'000;
    static constexpr std::size_t kTrendlineWindow = 20;
    static constexpr double kTrendlineSmoothing = 0.9;
    static constexpr double kTrendlineGain = 4.0;
    static constexpr double kInitialThresholdMs = 12.5;
    static constexpr double kThresholdGainUp = 0.0087;   // per ms, |m| above gamma
    static constexpr double kThresholdGainDown = 0.039;  // per ms, |m| below gamma
    static constexpr double kOveruseTimeMs = 10.0;
    static constexpr double kBeta = 0.85;
    static constexpr std::int64_t kRateWindowUs = 500'000;
    static constexpr std::uint32_t kLossMinPackets = 20;
    static constexpr std::int64_t kLossWindowUs = 1'000'000;
    static constexpr double kLossHigh = 0.10;
    static constexpr double kLossLow = 0.02;

    explicit GccEstimator(const GccConfig& config = {}) noexcept;

    // One feedback report: its packets in transport sequence order (lost ones with received =
    // false). now_us: the sender's clock when the report arrived; rtt_us: the current RTT estimate
    // (0 if unknown; the response time is 100 ms + RTT). Allocation-free.
    void on_feedback(std::span<const GccPacket> packets, std::int64_t now_us,
                     std::int64_t rtt_us = 0) noexcept;

    [[nodiscard]] std::uint64_t target_bitrate_bps() const noexcept;
    [[nodiscard]] std::uint64_t delay_based_bitrate_bps() const noexcept {
        return static_cast<std::uint64_t>(delay_rate_bps_);
    }
    [[nodiscard]] std::uint64_t loss_based_bitrate_bps() const noexcept {
        return static_cast<std::uint64_t>(loss_rate_bps_);
    }
    // The measured incoming rate R (0 until a window's worth of arrivals).
    [[nodiscard]] std::uint64_t incoming_bitrate_bps() const noexcept {
        return static_cast<std::uint64_t>(incoming_bps_);
    }
    [[nodiscard]] BandwidthUsage usage() const noexcept { return usage_; }
    [[nodiscard]] RateControlState rate_control_state() const noexcept { return state_; }
    [[nodiscard]] double modified_trend() const noexcept { return trend_; }
    [[nodiscard]] double threshold_ms() const noexcept { return threshold_ms_; }
    [[nodiscard]] double last_loss_fraction() const noexcept { return last_loss_; }

  private:
    struct Group {
        std::int64_t first_send_us = 0;
        std::int64_t last_send_us = 0;
        std::int64_t last_arrival_us = 0;
        bool valid = false;
    };
    void on_received(const GccPacket& p, std::int64_t now_us) noexcept;
    void on_group_delta(double send_delta_ms, double arrival_delta_ms, std::int64_t arrival_us,
                        std::int64_t now_us) noexcept;
    void detect(double trend, double send_delta_ms, std::int64_t now_us) noexcept;
    void update_threshold(double trend, std::int64_t now_us) noexcept;
    void update_incoming_rate(const GccPacket& p) noexcept;
    void update_delay_rate(std::int64_t now_us, std::int64_t rtt_us) noexcept;
    void update_loss_rate(std::uint32_t expected, std::uint32_t lost, std::int64_t now_us) noexcept;
    [[nodiscard]] double clamp_rate(double bps) const noexcept;

    GccConfig config_;
    // Pre-filtering.
    Group current_;
    Group previous_;
    // Trendline.
    std::array<double, kTrendlineWindow> window_x_{};  // arrival time since the first, ms
    std::array<double, kTrendlineWindow> window_y_{};  // smoothed accumulated delay, ms
    std::size_t window_count_ = 0;
    std::size_t window_head_ = 0;
    std::size_t num_deltas_ = 0;
    double accumulated_delay_ms_ = 0;
    double smoothed_delay_ms_ = 0;
    std::int64_t first_arrival_us_ = -1;
    double trend_ = 0;
    double previous_trend_ = 0;
    // Over-use detector.
    double threshold_ms_ = kInitialThresholdMs;
    std::int64_t last_threshold_update_us_ = -1;
    double time_over_using_ms_ = -1;
    int overuse_counter_ = 0;
    BandwidthUsage usage_ = BandwidthUsage::kNormal;
    // Incoming rate: bytes per arrival-time bucket of 50 ms over the last kRateWindowUs.
    static constexpr std::int64_t kRateBucketUs = 50'000;
    static constexpr std::size_t kRateBuckets = kRateWindowUs / kRateBucketUs;
    std::array<std::uint64_t, kRateBuckets> rate_bytes_{};
    std::int64_t rate_bucket_ = -1;  // index (arrival_us / kRateBucketUs) of the newest bucket
    std::int64_t rate_first_bucket_ = -1;
    double incoming_bps_ = 0;
    // AIMD.
    RateControlState state_ = RateControlState::kHold;
    double delay_rate_bps_;
    std::int64_t last_rate_update_us_ = -1;
    std::int64_t last_decrease_us_ = -1;
    double avg_max_bps_ = -1;  // the draft's average of the rate at decreases (kbps domain)
    double var_max_bps_ = 0.4;
    std::uint32_t avg_packet_bits_ = 1200 * 8;
    // Loss.
    double loss_rate_bps_;
    std::uint32_t loss_expected_ = 0;
    std::uint32_t loss_lost_ = 0;
    std::int64_t loss_window_start_us_ = -1;
    double last_loss_ = 0;
};

// The sender's half of transport-cc: what was sent when, by transport-wide sequence number, so that
// a feedback packet (which carries only arrivals) becomes GccPackets. A ring of `capacity` entries
// (power of two), allocated once in the constructor.
class GccSendHistory {
  public:
    explicit GccSendHistory(std::size_t capacity = 4096);
    void on_sent(std::uint16_t transport_seq, std::int64_t send_time_us,
                 std::uint32_t size_bytes) noexcept;
    // Converts one parsed feedback into packets (those whose send time is known and that no
    // earlier call returned), in feedback order, writing at most out.size(); returns how many.
    // Call again until it returns less than out.size(). A packet reported lost and later received
    // is returned twice (lost, then received), as the sender's view changes.
    [[nodiscard]] std::size_t resolve(const rtcp::TransportFeedbackView& feedback,
                                      std::span<GccPacket> out) noexcept;

  private:
    struct Entry {
        std::int64_t send_time_us = 0;
        std::uint32_t size_bytes = 0;
        std::uint16_t seq = 0;
        bool valid = false;
        bool reported = false;
    };
    std::unique_ptr<Entry[]> ring_;
    std::size_t mask_;
};

// Feeds one feedback packet through a send history into an estimator (a scratch array of 256
// GccPackets on the stack; longer feedback is fed in slices of 256, each one on_feedback call).
void gcc_on_transport_feedback(GccEstimator& gcc, GccSendHistory& history,
                               const rtcp::TransportFeedbackView& feedback, std::int64_t now_us,
                               std::int64_t rtt_us = 0) noexcept;

}  // namespace rtpx::rtp
