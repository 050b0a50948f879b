#include "rtpx/rtp/gcc.hpp"

#include <algorithm>
#include <cmath>

namespace rtpx::rtp {

namespace {

constexpr double kMaxRateIncreasePerSecond = 1.08;  // eta, section 5.5
constexpr double kMaxRateOverIncoming = 1.5;        // A_hat < 1.5 R_hat, section 5.5
constexpr double kMinThresholdMs = 6.0;
constexpr double kMaxThresholdMs = 600.0;
constexpr double kMaxThresholdStepMs = 100.0;
constexpr double kThresholdOutlierMs = 15.0;
constexpr std::size_t kMaxNumDeltas = 60;
constexpr std::int64_t kMaxGroupArrivalSpanUs = 100'000;
constexpr double kMaxEstimateAlpha = 0.05;

}  // namespace

GccEstimator::GccEstimator(const GccConfig& config) noexcept
    : config_(config),
      delay_rate_bps_(static_cast<double>(config.start_bitrate_bps)),
      loss_rate_bps_(static_cast<double>(config.start_bitrate_bps)) {}

double GccEstimator::clamp_rate(double bps) const noexcept {
    return std::clamp(bps, static_cast<double>(config_.min_bitrate_bps),
                      static_cast<double>(config_.max_bitrate_bps));
}

std::uint64_t GccEstimator::target_bitrate_bps() const noexcept {
    return static_cast<std::uint64_t>(clamp_rate(std::min(delay_rate_bps_, loss_rate_bps_)));
}

void GccEstimator::on_feedback(std::span<const GccPacket> packets, std::int64_t now_us,
                               std::int64_t rtt_us) noexcept {
    std::uint32_t lost = 0;
    std::uint64_t received_bytes = 0;
    std::uint32_t received = 0;
    for (const GccPacket& p : packets) {
        if (!p.received) {
            ++lost;
            continue;
        }
        ++received;
        received_bytes += p.size_bytes;
        update_incoming_rate(p);
        on_received(p, now_us);
    }
    if (received != 0) {
        // Exponential average of the packet size, for the additive increase.
        const auto bits = static_cast<std::uint32_t>(received_bytes * 8 / received);
        avg_packet_bits_ = (avg_packet_bits_ * 7 + bits) / 8;
        update_delay_rate(now_us, rtt_us);
    }
    update_loss_rate(static_cast<std::uint32_t>(packets.size()), lost, now_us);
}

// ---- Pre-filtering (section 5.2)
// -----------------------------------------------------------------

void GccEstimator::on_received(const GccPacket& p, std::int64_t now_us) noexcept {
    if (!current_.valid) {
        current_ = {p.send_time_us, p.send_time_us, p.arrival_time_us, true};
        return;
    }
    if (p.send_time_us < current_.first_send_us) return;  // reordered across groups: ignored
    const std::int64_t arrival_delta = p.arrival_time_us - current_.last_arrival_us;
    const std::int64_t send_delta = p.send_time_us - current_.last_send_us;
    const bool burst =
        arrival_delta - send_delta < 0 && arrival_delta <= kBurstTimeUs &&
        p.arrival_time_us - current_.first_send_us <
            kMaxGroupArrivalSpanUs + (current_.last_arrival_us - current_.first_send_us);
    if (p.send_time_us - current_.first_send_us <= kBurstTimeUs || burst) {
        current_.last_send_us = std::max(current_.last_send_us, p.send_time_us);
        current_.last_arrival_us = std::max(current_.last_arrival_us, p.arrival_time_us);
        return;
    }
    if (previous_.valid) {
        const double send_delta_ms =
            static_cast<double>(current_.last_send_us - previous_.last_send_us) / 1000.0;
        const double arrival_delta_ms =
            static_cast<double>(current_.last_arrival_us - previous_.last_arrival_us) / 1000.0;
        on_group_delta(send_delta_ms, arrival_delta_ms, current_.last_arrival_us, now_us);
    }
    previous_ = current_;
    current_ = {p.send_time_us, p.send_time_us, p.arrival_time_us, true};
}

// ---- Trendline filter
// ----------------------------------------------------------------------------

void GccEstimator::on_group_delta(double send_delta_ms, double arrival_delta_ms,
                                  std::int64_t arrival_us, std::int64_t /*now_us*/) noexcept {
    const double delta_ms = arrival_delta_ms - send_delta_ms;
    if (num_deltas_ < 1000) ++num_deltas_;
    if (first_arrival_us_ < 0) first_arrival_us_ = arrival_us;
    accumulated_delay_ms_ += delta_ms;
    smoothed_delay_ms_ = kTrendlineSmoothing * smoothed_delay_ms_ +
                         (1 - kTrendlineSmoothing) * accumulated_delay_ms_;
    window_x_[window_head_] = static_cast<double>(arrival_us - first_arrival_us_) / 1000.0;
    window_y_[window_head_] = smoothed_delay_ms_;
    window_head_ = (window_head_ + 1) % kTrendlineWindow;
    if (window_count_ < kTrendlineWindow) ++window_count_;
    double trend = previous_trend_;
    if (window_count_ == kTrendlineWindow) {
        // Least-squares slope of smoothed delay over arrival time.
        double sx = 0;
        double sy = 0;
        for (std::size_t i = 0; i < kTrendlineWindow; ++i) {
            sx += window_x_[i];
            sy += window_y_[i];
        }
        const double mx = sx / kTrendlineWindow;
        const double my = sy / kTrendlineWindow;
        double num = 0;
        double den = 0;
        for (std::size_t i = 0; i < kTrendlineWindow; ++i) {
            num += (window_x_[i] - mx) * (window_y_[i] - my);
            den += (window_x_[i] - mx) * (window_x_[i] - mx);
        }
        if (den != 0) trend = num / den;
    }
    detect(trend, send_delta_ms, arrival_us);
}

// ---- Over-use detector with the adaptive threshold (section 5.4)
// ---------------------------------

void GccEstimator::detect(double trend, double send_delta_ms, std::int64_t now_us) noexcept {
    if (num_deltas_ < 2) {
        usage_ = BandwidthUsage::kNormal;
        return;
    }
    const double modified =
        static_cast<double>(std::min(num_deltas_, kMaxNumDeltas)) * trend * kTrendlineGain;
    trend_ = modified;
    if (modified > threshold_ms_) {
        if (time_over_using_ms_ < 0) {
            time_over_using_ms_ = send_delta_ms / 2;  // assume half of this group overused
        } else {
            time_over_using_ms_ += send_delta_ms;
        }
        ++overuse_counter_;
        if (time_over_using_ms_ > kOveruseTimeMs && overuse_counter_ > 1 &&
            trend >= previous_trend_) {
            time_over_using_ms_ = 0;
            overuse_counter_ = 0;
            usage_ = BandwidthUsage::kOverusing;
        }
    } else if (modified < -threshold_ms_) {
        time_over_using_ms_ = -1;
        overuse_counter_ = 0;
        usage_ = BandwidthUsage::kUnderusing;
    } else {
        time_over_using_ms_ = -1;
        overuse_counter_ = 0;
        usage_ = BandwidthUsage::kNormal;
    }
    previous_trend_ = trend;
    update_threshold(modified, now_us);
}

void GccEstimator::update_threshold(double modified, std::int64_t now_us) noexcept {
    if (last_threshold_update_us_ < 0) last_threshold_update_us_ = now_us;
    const double magnitude = std::fabs(modified);
    if (magnitude > threshold_ms_ + kThresholdOutlierMs) {
        // A spike (a route change, a large burst): not a reason to move the threshold.
        last_threshold_update_us_ = now_us;
        return;
    }
    const double k = magnitude < threshold_ms_ ? kThresholdGainDown : kThresholdGainUp;
    const double dt_ms = std::min(static_cast<double>(now_us - last_threshold_update_us_) / 1000.0,
                                  kMaxThresholdStepMs);
    threshold_ms_ += k * (magnitude - threshold_ms_) * dt_ms;
    threshold_ms_ = std::clamp(threshold_ms_, kMinThresholdMs, kMaxThresholdMs);
    last_threshold_update_us_ = now_us;
}

// ---- Incoming rate R_hat (section 5.5: "measured over the last 500 ms")
// --------------------------

void GccEstimator::update_incoming_rate(const GccPacket& p) noexcept {
    const std::int64_t bucket = p.arrival_time_us / kRateBucketUs;
    constexpr auto n = static_cast<std::int64_t>(kRateBuckets);
    if (rate_bucket_ < 0) {
        rate_bucket_ = bucket;
        rate_first_bucket_ = bucket;
    } else if (bucket > rate_bucket_) {
        for (std::int64_t b = std::max(rate_bucket_ + 1, bucket - n + 1); b <= bucket; ++b) {
            rate_bytes_[static_cast<std::size_t>(b % n)] = 0;
        }
        rate_bucket_ = bucket;
    } else if (bucket <= rate_bucket_ - n) {
        return;  // older than the window
    }
    rate_bytes_[static_cast<std::size_t>(bucket % n)] += p.size_bytes;
    // The newest bucket is partly filled: the rate is taken over the buckets before it.
    const std::int64_t complete = std::min(rate_bucket_ - rate_first_bucket_, n - 1);
    if (complete < 4) return;  // less than 200 ms of arrivals
    std::uint64_t bytes = 0;
    for (std::int64_t b = rate_bucket_ - complete; b < rate_bucket_; ++b) {
        bytes += rate_bytes_[static_cast<std::size_t>(b % n)];
    }
    incoming_bps_ =
        static_cast<double>(bytes) * 8.0 * 1e6 / static_cast<double>(complete * kRateBucketUs);
}

// ---- AIMD rate controller (section 5.5)
// ----------------------------------------------------------

void GccEstimator::update_delay_rate(std::int64_t now_us, std::int64_t rtt_us) noexcept {
    // The state machine of the draft's table.
    switch (usage_) {
        case BandwidthUsage::kOverusing: state_ = RateControlState::kDecrease; break;
        case BandwidthUsage::kUnderusing: state_ = RateControlState::kHold; break;
        case BandwidthUsage::kNormal:
            if (state_ == RateControlState::kHold) state_ = RateControlState::kIncrease;
            break;
    }
    if (last_rate_update_us_ < 0) last_rate_update_us_ = now_us;
    const double dt_s = std::min(static_cast<double>(now_us - last_rate_update_us_) / 1e6, 1.0);
    const double incoming_kbps = incoming_bps_ / 1000.0;
    const double std_max_kbps = std::sqrt(var_max_bps_ * std::max(avg_max_bps_, 1.0));
    switch (state_) {
        case RateControlState::kHold: break;
        case RateControlState::kIncrease: {
            if (avg_max_bps_ >= 0 && incoming_kbps > avg_max_bps_ + 3 * std_max_kbps) {
                avg_max_bps_ = -1;  // the link got faster: back to multiplicative increase
            }
            if (avg_max_bps_ >= 0) {
                // Near convergence: about one packet per response time.
                const double response_ms = 100.0 + static_cast<double>(rtt_us) / 1000.0;
                const double alpha = 0.5 * std::min(dt_s * 1000.0 / response_ms, 1.0);
                delay_rate_bps_ += std::max(1000.0, alpha * avg_packet_bits_);
            } else {
                delay_rate_bps_ *= std::pow(kMaxRateIncreasePerSecond, dt_s);
            }
            if (incoming_bps_ > 0) {
                delay_rate_bps_ = std::min(delay_rate_bps_, kMaxRateOverIncoming * incoming_bps_);
            }
            break;
        }
        case RateControlState::kDecrease: {
            // At most one decrease per response time (RTT, within [10, 200] ms): the overuse that
            // is still in flight was caused by the rate before the previous decrease.
            const std::int64_t hold_us = std::clamp<std::int64_t>(rtt_us, 10'000, 200'000);
            if (now_us - last_decrease_us_ < hold_us && last_decrease_us_ >= 0) break;
            const double measured = incoming_bps_ > 0 ? incoming_bps_ : delay_rate_bps_;
            delay_rate_bps_ = std::min(delay_rate_bps_, kBeta * measured);
            if (incoming_kbps > 0) {
                // The average and normalised variance of the rate at decreases (in kbps).
                if (avg_max_bps_ >= 0 && incoming_kbps < avg_max_bps_ - 3 * std_max_kbps) {
                    avg_max_bps_ = -1;
                }
                avg_max_bps_ = avg_max_bps_ < 0 ? incoming_kbps
                                                : (1 - kMaxEstimateAlpha) * avg_max_bps_ +
                                                      kMaxEstimateAlpha * incoming_kbps;
                const double norm = std::max(avg_max_bps_, 1.0);
                var_max_bps_ = (1 - kMaxEstimateAlpha) * var_max_bps_ +
                               kMaxEstimateAlpha * (avg_max_bps_ - incoming_kbps) *
                                   (avg_max_bps_ - incoming_kbps) / norm;
                var_max_bps_ = std::clamp(var_max_bps_, 0.4, 2.5);
            }
            last_decrease_us_ = now_us;
            state_ = RateControlState::kHold;
            break;
        }
    }
    delay_rate_bps_ = clamp_rate(delay_rate_bps_);
    last_rate_update_us_ = now_us;
}

// ---- Loss-based controller (section 6)
// ------------------------------------------------------------

void GccEstimator::update_loss_rate(std::uint32_t expected, std::uint32_t lost,
                                    std::int64_t now_us) noexcept {
    if (loss_window_start_us_ < 0) loss_window_start_us_ = now_us;
    loss_expected_ += expected;
    loss_lost_ += lost;
    if (loss_expected_ >= kLossMinPackets && now_us - loss_window_start_us_ >= kLossWindowUs) {
        const double p = static_cast<double>(loss_lost_) / static_cast<double>(loss_expected_);
        last_loss_ = p;
        if (p > kLossHigh) {
            loss_rate_bps_ *= 1 - 0.5 * p;
        } else if (p < kLossLow) {
            loss_rate_bps_ *= 1.05;
        }
        loss_expected_ = 0;
        loss_lost_ = 0;
        loss_window_start_us_ = now_us;
    }
    // "A_s ... must not exceed A_r": the loss-based estimate is capped by the delay-based one
    // (once that has an opinion), so that it cannot run away while delay holds the rate.
    loss_rate_bps_ = clamp_rate(std::min(loss_rate_bps_, delay_rate_bps_));
}

// ---- Send history
// --------------------------------------------------------------------------------

GccSendHistory::GccSendHistory(std::size_t capacity) {
    std::size_t n = 64;
    while (n < capacity) n <<= 1;
    ring_ = std::make_unique<Entry[]>(n);
    mask_ = n - 1;
}

void GccSendHistory::on_sent(std::uint16_t transport_seq, std::int64_t send_time_us,
                             std::uint32_t size_bytes) noexcept {
    ring_[transport_seq & mask_] = {send_time_us, size_bytes, transport_seq, true, false};
}

std::size_t GccSendHistory::resolve(const rtcp::TransportFeedbackView& feedback,
                                    std::span<GccPacket> out) noexcept {
    std::size_t n = 0;
    for (const auto& status : feedback) {
        if (n == out.size()) break;
        Entry& e = ring_[status.sequence & mask_];
        if (!e.valid || e.seq != status.sequence) continue;  // unknown or overwritten
        if (!status.received && e.reported) continue;        // its loss was returned already
        GccPacket& p = out[n++];
        p.send_time_us = e.send_time_us;
        p.arrival_time_us = status.arrival_us;
        p.size_bytes = e.size_bytes;
        p.received = status.received;
        e.reported = true;
        if (status.received) e.valid = false;  // final: never returned again
    }
    return n;
}

void gcc_on_transport_feedback(GccEstimator& gcc, GccSendHistory& history,
                               const rtcp::TransportFeedbackView& feedback, std::int64_t now_us,
                               std::int64_t rtt_us) noexcept {
    std::array<GccPacket, 256> scratch;
    for (;;) {
        const std::size_t n = history.resolve(feedback, scratch);
        if (n != 0) gcc.on_feedback(std::span(scratch.data(), n), now_us, rtt_us);
        if (n < scratch.size()) break;
    }
}

}  // namespace rtpx::rtp
