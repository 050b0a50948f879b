#include "rtpx/rtp/feedback_policy.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace rtpx::rtp {
namespace {

constexpr std::int64_t kMs = 1'000'000;

std::vector<std::uint16_t> collect(NackGenerator& g, std::int64_t now, std::int64_t rtt,
                                   std::size_t max = 64) {
    std::array<std::uint16_t, 64> buf{};
    const std::size_t n = g.collect(now, rtt, std::span<std::uint16_t>(buf.data(), max));
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

using Seqs = std::vector<std::uint16_t>;

TEST(NackGenerator, NacksGapsAtOnceAndResendsAfterOneRtt) {
    NackGenerator g;
    EXPECT_FALSE(g.on_packet(10, 0));
    EXPECT_FALSE(g.on_packet(11, 0));
    EXPECT_FALSE(g.on_packet(14, 0));
    EXPECT_EQ(g.size(), 2u);
    EXPECT_EQ(collect(g, 0, 50 * kMs), (Seqs{12, 13}));
    EXPECT_EQ(collect(g, 49 * kMs, 50 * kMs), Seqs{});  // not before one RTT
    EXPECT_EQ(collect(g, 50 * kMs, 50 * kMs), (Seqs{12, 13}));
    EXPECT_FALSE(g.on_packet(12, 60 * kMs));  // retransmission arrives
    EXPECT_EQ(g.recovered(), 1u);
    EXPECT_FALSE(g.contains(12));
    EXPECT_EQ(collect(g, 100 * kMs, 50 * kMs), (Seqs{13}));
    EXPECT_EQ(g.nacks_sent(), 5u);
}

TEST(NackGenerator, LatePacketFillsItsHoleBeforeAnyNack) {
    NackGenerator g;
    (void)g.on_packet(10, 0);
    (void)g.on_packet(12, 0);
    (void)g.on_packet(11, 1 * kMs);
    EXPECT_EQ(g.size(), 0u);
    EXPECT_EQ(collect(g, 2 * kMs, 50 * kMs), Seqs{});
    (void)g.on_packet(12, 2 * kMs);  // duplicates change nothing
    (void)g.on_packet(11, 2 * kMs);
    EXPECT_EQ(g.size(), 0u);
}

TEST(NackGenerator, UnwrapsSequenceNumbersAcrossTheWrap) {
    NackGenerator g;
    (void)g.on_packet(65533, 0);
    (void)g.on_packet(1, 0);
    EXPECT_EQ(collect(g, 0, 10 * kMs), (Seqs{65534, 65535, 0}));
    (void)g.on_packet(65535, 1 * kMs);
    EXPECT_TRUE(g.contains(65534));
    EXPECT_FALSE(g.contains(65535));
    EXPECT_TRUE(g.contains(0));
}

TEST(NackGenerator, GivesUpAfterTheRetryLimit) {
    NackConfig c;
    c.max_retries = 3;
    NackGenerator g(c);
    (void)g.on_packet(1, 0);
    (void)g.on_packet(3, 0);
    EXPECT_EQ(collect(g, 0, 20 * kMs), (Seqs{2}));
    EXPECT_EQ(collect(g, 20 * kMs, 20 * kMs), (Seqs{2}));
    EXPECT_EQ(collect(g, 40 * kMs, 20 * kMs), (Seqs{2}));
    EXPECT_EQ(collect(g, 60 * kMs, 20 * kMs), Seqs{});
    EXPECT_EQ(g.dropped_max_retries(), 1u);
    EXPECT_EQ(g.size(), 0u);
}

TEST(NackGenerator, DefaultRetryLimitIsTen) {
    NackGenerator g;
    (void)g.on_packet(1, 0);
    (void)g.on_packet(3, 0);
    int sent = 0;
    for (int i = 0; i < 20; ++i)
        sent += static_cast<int>(collect(g, i * 10 * kMs, 10 * kMs).size());
    EXPECT_EQ(sent, 10);
}

TEST(NackGenerator, DropsHolesOlderThanMaxAge) {
    NackGenerator g;  // max age 1 s
    (void)g.on_packet(1, 0);
    (void)g.on_packet(3, 0);
    (void)g.on_packet(5, 500 * kMs);
    EXPECT_EQ(collect(g, 1001 * kMs, 600 * kMs), (Seqs{4}));  // 2 is too old, 4 is not
    EXPECT_EQ(g.dropped_too_old(), 1u);
}

TEST(NackGenerator, UsesTheDefaultRttWhileUnknownAndTheFloorForTinyRtts) {
    NackGenerator g;  // default RTT 100 ms, floor 5 ms
    (void)g.on_packet(1, 0);
    (void)g.on_packet(3, 0);
    EXPECT_EQ(collect(g, 0, 0), (Seqs{2}));
    EXPECT_EQ(collect(g, 99 * kMs, 0), Seqs{});
    EXPECT_EQ(collect(g, 100 * kMs, 0), (Seqs{2}));
    EXPECT_EQ(collect(g, 104 * kMs, 1 * kMs), Seqs{});
    EXPECT_EQ(collect(g, 105 * kMs, 1 * kMs), (Seqs{2}));
}

TEST(NackGenerator, WaitsForReorderingWhenConfigured) {
    NackConfig c;
    c.first_nack_delay_ns = 20 * kMs;
    NackGenerator g(c);
    (void)g.on_packet(1, 0);
    (void)g.on_packet(3, 0);
    EXPECT_EQ(collect(g, 19 * kMs, 50 * kMs), Seqs{});
    EXPECT_EQ(collect(g, 20 * kMs, 50 * kMs), (Seqs{2}));
}

TEST(NackGenerator, FillsASmallOutputOldestFirstAndKeepsTheRest) {
    NackGenerator g;
    (void)g.on_packet(0, 0);
    (void)g.on_packet(6, 0);  // holes 1..5
    EXPECT_EQ(collect(g, 0, 50 * kMs, 2), (Seqs{1, 2}));
    EXPECT_EQ(collect(g, 1 * kMs, 50 * kMs, 2), (Seqs{3, 4}));
    EXPECT_EQ(collect(g, 2 * kMs, 50 * kMs, 2), (Seqs{5}));
}

TEST(NackGenerator, OverflowClearsTheListAndAsksForAKeyframe) {
    NackGenerator g;
    (void)g.on_packet(0, 0);
    EXPECT_FALSE(g.on_packet(301, 0));  // 300 holes
    EXPECT_EQ(g.size(), 300u);
    EXPECT_TRUE(g.on_packet(602, 0));  // 300 more do not fit in 512
    EXPECT_EQ(g.size(), 0u);
    EXPECT_EQ(g.overflows(), 1u);
    EXPECT_EQ(collect(g, 0, 50 * kMs), Seqs{});
    EXPECT_FALSE(g.on_packet(604, 0));  // tracking goes on from the new highest
    EXPECT_EQ(collect(g, 0, 50 * kMs), (Seqs{603}));
    NackGenerator j;
    (void)j.on_packet(0, 0);
    EXPECT_TRUE(j.on_packet(514, 0));  // a single jump of 513 holes
}

TEST(NackGenerator, RecoveredHolesFreeRoomForNewOnes) {
    NackGenerator g;
    (void)g.on_packet(0, 0);
    EXPECT_FALSE(g.on_packet(501, 0));                                   // holes 1..500
    for (std::uint16_t s = 101; s <= 500; ++s) (void)g.on_packet(s, 1);  // 400 recovered, middle
    EXPECT_EQ(g.size(), 100u);
    EXPECT_FALSE(g.on_packet(802, 2));  // 300 more: needs compaction of the tombstones
    EXPECT_EQ(g.size(), 400u);
    EXPECT_TRUE(g.contains(1));
    EXPECT_TRUE(g.contains(100));
    EXPECT_FALSE(g.contains(101));
    EXPECT_TRUE(g.contains(502));
    EXPECT_TRUE(g.contains(801));
    const Seqs first = collect(g, 3, 50 * kMs, 3);
    EXPECT_EQ(first, (Seqs{1, 2, 3}));
}

TEST(NackGenerator, APacketFarBehindRestartsTracking) {
    NackGenerator g;
    (void)g.on_packet(20000, 0);
    (void)g.on_packet(20002, 0);
    EXPECT_EQ(g.size(), 1u);
    EXPECT_FALSE(g.on_packet(17001, 1));  // 3001 behind: the sender restarted its sequence
    EXPECT_EQ(g.restarts(), 1u);
    EXPECT_EQ(g.size(), 0u);
    (void)g.on_packet(17003, 2);  // two ahead of the new highest: one hole
    EXPECT_EQ(collect(g, 2, 50 * kMs), (Seqs{17002}));
    (void)g.on_packet(14003, 3);  // exactly max_reorder_distance behind: just a late packet
    EXPECT_EQ(g.restarts(), 1u);
    EXPECT_TRUE(g.contains(17002));
}

TEST(KeyframeRequestPolicy, RateLimitsAndRepeatsWithTheSameFirSequenceNumber) {
    KeyframeRequestPolicy p;  // 300 ms minimum
    KeyframeDecision d = p.should_request(0, KeyframeReason::kStreamStart);
    EXPECT_TRUE(d.send);
    EXPECT_FALSE(d.repetition);
    EXPECT_EQ(d.fir_sequence_number, 0);
    EXPECT_TRUE(p.pending());

    d = p.should_request(100 * kMs, KeyframeReason::kNackListOverflow);
    EXPECT_FALSE(d.send);
    EXPECT_EQ(p.suppressed(KeyframeReason::kNackListOverflow), 1u);

    d = p.should_request(300 * kMs, KeyframeReason::kNackListOverflow);  // still no keyframe
    EXPECT_TRUE(d.send);
    EXPECT_TRUE(d.repetition);
    EXPECT_EQ(d.fir_sequence_number, 0);

    p.on_keyframe_received();
    EXPECT_FALSE(p.pending());
    d = p.should_request(500 * kMs, KeyframeReason::kDecoderRequest);  // only 200 ms after the last
    EXPECT_FALSE(d.send);
    d = p.should_request(600 * kMs, KeyframeReason::kDecoderRequest);
    EXPECT_TRUE(d.send);
    EXPECT_FALSE(d.repetition);
    EXPECT_EQ(d.fir_sequence_number, 1);  // a new request
    EXPECT_EQ(p.requests_sent(), 3u);
}

TEST(KeyframeRequestPolicy, IntervalIsTheLongerOfRttAndTheMinimum) {
    KeyframeRequestPolicy p;
    EXPECT_EQ(p.interval_ns(), 300 * kMs);
    p.set_rtt(500 * kMs);
    EXPECT_EQ(p.interval_ns(), 500 * kMs);
    ASSERT_TRUE(p.should_request(0, KeyframeReason::kUnrecoverableLoss).send);
    p.on_keyframe_received();
    EXPECT_FALSE(p.should_request(499 * kMs, KeyframeReason::kUnrecoverableLoss).send);
    EXPECT_TRUE(p.should_request(500 * kMs, KeyframeReason::kUnrecoverableLoss).send);
}

TEST(KeyframeRequestPolicy, FirSequenceNumberWrapsAtEightBits) {
    KeyframeRequestPolicy p;
    KeyframeDecision d;
    for (int i = 0; i < 257; ++i) {
        d = p.should_request(std::int64_t{i} * 1000 * kMs, KeyframeReason::kDecoderRequest);
        ASSERT_TRUE(d.send);
        p.on_keyframe_received();
    }
    EXPECT_EQ(d.fir_sequence_number, 0);  // 256 increments after the first
}

}  // namespace
}  // namespace rtpx::rtp
