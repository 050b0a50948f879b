// GCC (draft-ietf-rmcat-gcc-02) on synthetic traces in virtual time: a sender paced at a fixed
// rate over a bottleneck link (capacity, base delay, deterministic loss), feedback every 100 ms.
#include "rtpx/rtp/gcc.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/rtcp/transport_feedback.hpp"
#include "rtpx/rtp/transport_cc_recorder.hpp"

namespace rtpx::rtp {
namespace {

struct Link {
    std::uint64_t send_bps = 600'000;
    std::uint64_t capacity_bps = 10'000'000;
    std::int64_t base_delay_us = 20'000;
    std::uint32_t packet_bytes = 1200;
    std::uint32_t lose_every = 0;  // 0: no loss; n: every n-th packet is lost
};

struct Trace {
    std::vector<std::uint64_t> targets;  // after each feedback
    bool overused = false;
    bool underused = false;
};

// Runs `seconds` of the link, feeding the estimator one report per 100 ms (the packets that
// arrived, and those lost, since the previous report), 20 ms after the report's cut-off.
Trace run(GccEstimator& gcc, const Link& link, double seconds, std::int64_t start_us = 0) {
    Trace t;
    const std::int64_t interval_us = static_cast<std::int64_t>(link.packet_bytes) * 8 * 1'000'000 /
                                     static_cast<std::int64_t>(link.send_bps);
    const std::int64_t service_us = static_cast<std::int64_t>(link.packet_bytes) * 8 * 1'000'000 /
                                    static_cast<std::int64_t>(link.capacity_bps);
    const auto end_us = start_us + static_cast<std::int64_t>(seconds * 1e6);
    std::vector<GccPacket> pending;
    std::int64_t link_free_us = 0;
    std::uint32_t n = 0;
    std::int64_t next_report_us = start_us + 100'000;
    for (std::int64_t send = start_us; send < end_us; send += interval_us, ++n) {
        GccPacket p;
        p.send_time_us = send;
        p.size_bytes = link.packet_bytes;
        p.received = link.lose_every == 0 || (n % link.lose_every) != link.lose_every - 1;
        if (p.received) {
            const std::int64_t at_link = send + link.base_delay_us;
            link_free_us = std::max(link_free_us, at_link) + service_us;
            p.arrival_time_us = link_free_us;
        } else {
            p.arrival_time_us = 0;
        }
        pending.push_back(p);
        if (send + interval_us >= next_report_us) {
            gcc.on_feedback(pending, next_report_us + 20'000, 40'000);
            pending.clear();
            next_report_us += 100'000;
            t.targets.push_back(gcc.target_bitrate_bps());
            t.overused |= gcc.usage() == BandwidthUsage::kOverusing;
            t.underused |= gcc.usage() == BandwidthUsage::kUnderusing;
        }
    }
    return t;
}

TEST(Gcc, SteadyLinkWithoutLossIncreasesTheRateAndNeverDecreases) {
    GccEstimator gcc;
    const Trace t = run(gcc, Link{}, 10.0);
    ASSERT_FALSE(t.targets.empty());
    EXPECT_FALSE(t.overused);
    for (std::size_t i = 1; i < t.targets.size(); ++i) EXPECT_GE(t.targets[i], t.targets[i - 1]);
    // From 300 kbps: delay-based +8 %/s, loss-based +5 % per 1 s window (the lower one wins).
    EXPECT_GT(gcc.target_bitrate_bps(), 450'000u);
    EXPECT_GT(gcc.delay_based_bitrate_bps(), 600'000u);
    // Never more than 1.5 times what actually arrives (600 kbps).
    EXPECT_LE(gcc.delay_based_bitrate_bps(), 900'000u + 1);
    EXPECT_NEAR(static_cast<double>(gcc.incoming_bitrate_bps()), 600'000.0, 30'000.0);
    EXPECT_EQ(gcc.rate_control_state(), RateControlState::kIncrease);
}

TEST(Gcc, QueueBuildUpSignalsOveruseAndDecreasesBelowTheCapacity) {
    GccConfig config;
    config.start_bitrate_bps = 1'000'000;
    GccEstimator gcc(config);
    Link link;
    link.send_bps = 1'000'000;  // twice the bottleneck: the queue (and the delay) grows
    link.capacity_bps = 500'000;
    const Trace t = run(gcc, link, 3.0);
    EXPECT_TRUE(t.overused);
    // Decrease to beta * R: R is what the bottleneck lets through.
    EXPECT_LT(gcc.delay_based_bitrate_bps(), 500'000u);
    EXPECT_GT(gcc.delay_based_bitrate_bps(), 300'000u);
    EXPECT_LT(gcc.target_bitrate_bps(), config.start_bitrate_bps);
}

TEST(Gcc, DrainingQueueSignalsUnderuseAndHolds) {
    GccConfig config;
    config.start_bitrate_bps = 1'000'000;
    GccEstimator gcc(config);
    Link link;
    link.send_bps = 1'000'000;
    link.capacity_bps = 500'000;
    (void)run(gcc, link, 2.0);  // a queue builds up ...
    link.send_bps = 200'000;    // ... and drains once the sender slows down
    const Trace t = run(gcc, link, 3.0, 2'000'000);
    EXPECT_TRUE(t.underused);
}

TEST(Gcc, LossAboveTenPercentDecreases) {
    GccEstimator gcc;
    Link link;
    link.lose_every = 5;  // 20 %
    const Trace t = run(gcc, link, 10.0);
    EXPECT_FALSE(t.overused);
    EXPECT_NEAR(gcc.last_loss_fraction(), 0.2, 0.02);
    // Every window (1 s, >= 20 packets): A_s *= (1 - 0.5 * 0.2).
    EXPECT_LT(gcc.target_bitrate_bps(), 300'000u / 2);
    EXPECT_EQ(gcc.target_bitrate_bps(), gcc.loss_based_bitrate_bps());
}

TEST(Gcc, LossBelowTwoPercentIncreases) {
    GccEstimator gcc;
    Link link;
    link.lose_every = 100;  // 1 %
    const Trace t = run(gcc, link, 5.0);
    EXPECT_LT(gcc.last_loss_fraction(), 0.02);
    EXPECT_GT(gcc.target_bitrate_bps(), 300'000u);
    EXPECT_GE(t.targets.back(), t.targets.front());
}

TEST(Gcc, LossBetweenTwoAndTenPercentHoldsTheLossBasedRate) {
    GccEstimator gcc;
    Link link;
    link.lose_every = 20;  // 5 %
    (void)run(gcc, link, 5.0);
    EXPECT_NEAR(gcc.last_loss_fraction(), 0.05, 0.015);
    EXPECT_EQ(gcc.loss_based_bitrate_bps(), 300'000u);
}

TEST(Gcc, EstimateStaysWithinTheConfiguredBounds) {
    GccConfig config;
    config.start_bitrate_bps = 100'000;
    config.min_bitrate_bps = 80'000;
    config.max_bitrate_bps = 120'000;
    GccEstimator gcc(config);
    Link link;
    link.lose_every = 2;  // 50 % loss would take it far below the minimum
    (void)run(gcc, link, 3.0);
    EXPECT_EQ(gcc.target_bitrate_bps(), 80'000u);
    GccEstimator fast(config);
    (void)run(fast, Link{}, 10.0);
    EXPECT_EQ(fast.target_bitrate_bps(), 120'000u);
}

TEST(Gcc, AdaptiveThresholdStaysWithinItsBounds) {
    GccEstimator gcc;
    Link link;
    link.send_bps = 1'000'000;
    link.capacity_bps = 500'000;
    (void)run(gcc, link, 3.0);
    EXPECT_GE(gcc.threshold_ms(), 6.0);
    EXPECT_LE(gcc.threshold_ms(), 600.0);
}

// The whole loop through the wire format: the receiver records arrivals in a TransportCcRecorder
// and writes RTPFB FMT 15 feedback; the sender parses it and resolves it against its send history.
TEST(Gcc, FedFromTransportFeedbackPacketsLikeFromTheTrace) {
    GccEstimator gcc;
    GccSendHistory history;
    TransportCcRecorder recorder;
    const Link link;
    std::int64_t link_free_us = 0;
    std::uint16_t seq = 0;
    std::size_t sent = 0;
    std::size_t lost = 0;
    std::array<std::uint8_t, 1500> buf{};
    for (std::int64_t report = 100'000; report <= 5'000'000; report += 100'000) {
        for (std::int64_t send = report - 100'000; send < report; send += 16'000, ++seq) {
            history.on_sent(seq, send, link.packet_bytes);
            ++sent;
            if (seq % 50 == 7) {
                ++lost;
                continue;
            }
            link_free_us = std::max(link_free_us, send + link.base_delay_us) + 960;
            (void)recorder.on_packet(seq, link_free_us);
        }
        for (;;) {
            auto n = recorder.build_feedback(0x11111111, 0x22222222, buf);
            ASSERT_TRUE(n.has_value());
            if (*n == 0) break;
            auto view = rtcp::TransportFeedbackView::parse(ByteSpan(buf.data(), *n));
            ASSERT_TRUE(view.has_value());
            gcc_on_transport_feedback(gcc, history, *view, report + 20'000, 40'000);
        }
    }
    EXPECT_GT(lost, 0u);
    EXPECT_GT(gcc.target_bitrate_bps(), 300'000u);
    EXPECT_EQ(gcc.usage(), BandwidthUsage::kNormal);
    EXPECT_NEAR(static_cast<double>(gcc.incoming_bitrate_bps()), 672'000.0 * 49 / 50,
                30'000.0);  // 7 per 100 ms
}

TEST(GccSendHistory, ResolvesEachPacketOnceAndALateArrivalAfterItsLoss) {
    GccSendHistory history(64);
    for (std::uint16_t s = 10; s < 14; ++s) history.on_sent(s, s * 1000, 100);
    rtcp::TransportFeedbackBuilder first(1, 2, 0);
    ASSERT_TRUE(first.add_received(10, 50'000));
    ASSERT_TRUE(first.add_received(12, 52'000));  // 11 lost
    std::array<std::uint8_t, 64> buf{};
    auto n = first.write(buf);
    ASSERT_TRUE(n.has_value());
    auto view = rtcp::TransportFeedbackView::parse(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view.has_value());
    std::array<GccPacket, 8> out{};
    ASSERT_EQ(history.resolve(*view, out), 3u);
    EXPECT_TRUE(out[0].received);
    EXPECT_EQ(out[0].send_time_us, 10'000);
    EXPECT_EQ(out[0].arrival_time_us, 50'000);  // a multiple of 250 us: exact
    EXPECT_FALSE(out[1].received);
    EXPECT_EQ(out[1].send_time_us, 11'000);
    EXPECT_TRUE(out[2].received);
    EXPECT_EQ(history.resolve(*view, out), 0u);  // nothing twice

    rtcp::TransportFeedbackBuilder late(1, 2, 1);
    ASSERT_TRUE(late.add_received(11, 53'000));
    ASSERT_TRUE(late.add_received(13, 54'000));
    n = late.write(buf);
    ASSERT_TRUE(n.has_value());
    view = rtcp::TransportFeedbackView::parse(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view.has_value());
    ASSERT_EQ(history.resolve(*view, out), 2u);  // 11 received after all, and 13
    EXPECT_EQ(out[0].send_time_us, 11'000);
    EXPECT_TRUE(out[0].received);
    EXPECT_EQ(out[1].send_time_us, 13'000);  // 12 (received, reported) is not repeated
    EXPECT_TRUE(out[1].received);
}

}  // namespace
}  // namespace rtpx::rtp
