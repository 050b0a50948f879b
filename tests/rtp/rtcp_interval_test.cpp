#include "rtpx/rtp/rtcp_interval.hpp"

#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

namespace rtpx::rtp {
namespace {

constexpr double kComp = 1.21828;  // e - 3/2 as written in RFC 3550 A.7 (2.71828 - 1.5)

std::int64_t ns(double seconds) {
    return std::llround(seconds * 1e9);
}

TEST(RtcpInterval, SmallSessionUsesTheFiveSecondMinimum) {
    // 2 members, 1 sender: 1 > 2 * 25%, so no sender/receiver split; 100 * 2 / 1000 = 0.2 s < 5 s.
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, true, 100, false, 0.5), 5.0 / kComp);
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, true, 100, true, 0.5), 2.5 / kComp);  // initial
}

TEST(RtcpInterval, RandomisesUniformlyBetweenHalfAndOneAndAHalfTimes) {
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, false, 100, false, 0.0), 2.5 / kComp);
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, false, 100, false, 0.25), 3.75 / kComp);
    EXPECT_LT(rtcp_interval(2, 1, 1000, false, 100, false, 0.999999), 7.5 / kComp);
    EXPECT_GT(rtcp_interval(2, 1, 1000, false, 100, false, 0.999999), 7.49 / kComp);
    // Out-of-range draws are clamped into [0, 1).
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, false, 100, false, -3.0), 2.5 / kComp);
    EXPECT_LE(rtcp_interval(2, 1, 1000, false, 100, false, 7.0), 7.5 / kComp);
}

TEST(RtcpInterval, ReceiversShareSeventyFivePercentInALargeGroup) {
    // 1000 members, 10 senders (<= 25%): a receiver uses 75% of 500 B/s among 990 receivers:
    // 120 * 990 / 375 = 316.8 s.
    EXPECT_DOUBLE_EQ(rtcp_interval(1000, 10, 500, false, 120, false, 0.5), 316.8 / kComp);
    // A sender uses 25% among the 10 senders: 120 * 10 / 125 = 9.6 s.
    EXPECT_DOUBLE_EQ(rtcp_interval(1000, 10, 500, true, 120, false, 0.5), 9.6 / kComp);
    // A sender's interval still respects the minimum.
    EXPECT_DOUBLE_EQ(rtcp_interval(1000, 2, 500, true, 120, false, 0.5), 5.0 / kComp);
}

TEST(RtcpInterval, NoSplitWhenSendersExceedAQuarterOfMembers) {
    // 100 members, 30 senders: everyone shares the whole bandwidth: 200 * 100 / 1000 = 20 s.
    EXPECT_DOUBLE_EQ(rtcp_interval(100, 30, 1000, true, 200, false, 0.5), 20.0 / kComp);
    EXPECT_DOUBLE_EQ(rtcp_interval(100, 30, 1000, false, 200, false, 0.5), 20.0 / kComp);
}

TEST(RtcpInterval, HonoursASmallerMinimumForHighBandwidthSessions) {
    EXPECT_DOUBLE_EQ(rtcp_interval(2, 1, 1000, true, 100, false, 0.5, 1.0), 1.0 / kComp);
}

TEST(RtcpInterval, DeterministicIntervalHasNoRandomisationOrCompensation) {
    EXPECT_DOUBLE_EQ(rtcp_deterministic_interval(2, 1, 1000, true, 100, false), 5.0);
    EXPECT_DOUBLE_EQ(rtcp_deterministic_interval(2, 1, 1000, true, 100, true), 2.5);
    EXPECT_DOUBLE_EQ(rtcp_deterministic_interval(1000, 10, 500, false, 120, false), 316.8);
}

TEST(RtcpScheduler, MemberTimeoutIsFiveDeterministicReceiverIntervals) {
    RtcpScheduler s(500, 120, 0, 0.5);
    EXPECT_EQ(s.member_timeout_ns(), 25'000'000'000);  // 5 x the 5 s minimum, even while initial
    s.on_membership_changed(0, 1000, 10);
    s.set_we_sent(true);  // Td is computed as for a receiver regardless
    EXPECT_EQ(s.member_timeout_ns(), ns(5 * 316.8));
    EXPECT_EQ(s.sender_timeout_ns(), 2 * (s.next_ns() - s.last_sent_ns()));
}

TEST(RtcpScheduler, FirstReportIsScheduledWithTheHalvedInitialMinimum) {
    const RtcpScheduler s(1000, 100, 1'000'000, 0.5);
    EXPECT_EQ(s.next_ns(), 1'000'000 + ns(2.5 / kComp));
    EXPECT_TRUE(s.initial());
    EXPECT_EQ(s.members(), 1);
    EXPECT_EQ(s.pmembers(), 1);
}

TEST(RtcpScheduler, SendsOnExpiryUpdatesAverageSizeAndRedraws) {
    RtcpScheduler s(1000, 100, 0, 0.5);
    const std::int64_t t1 = s.next_ns();
    const auto d = s.on_expire(t1, 260, 0.5, 0.0);
    EXPECT_TRUE(d.send);
    EXPECT_FALSE(d.finished);
    EXPECT_DOUBLE_EQ(s.avg_rtcp_size(), 110.0);  // 260/16 + 100*15/16
    EXPECT_FALSE(s.initial());
    EXPECT_EQ(s.last_sent_ns(), t1);
    // A.7 redraws before clearing `initial`, so the second interval still uses the 2.5 s
    // minimum: 2.5 s * 0.5 (random 0.0).
    EXPECT_EQ(d.next_ns, t1 + ns(1.25 / kComp));
    // At that expiry the reconsidered interval (5 s minimum, random 0.5) from tp is longer:
    // no send, the timer moves to tp + 5 s / comp.
    const auto d2 = s.on_expire(d.next_ns, 110, 0.5, 0.5);
    EXPECT_FALSE(d2.send);
    EXPECT_EQ(d2.next_ns, t1 + ns(5.0 / kComp));
    EXPECT_EQ(s.next_ns(), d2.next_ns);
    const auto d3 = s.on_expire(d2.next_ns, 110, 0.5, 0.5);
    EXPECT_TRUE(d3.send);
    EXPECT_EQ(d3.next_ns, d2.next_ns + ns(5.0 / kComp));
}

TEST(RtcpScheduler, TimerReconsiderationPostponesWhenTheGroupGrew) {
    RtcpScheduler s(400, 100, 0, 0.5);
    const std::int64_t t1 = s.next_ns();
    s.on_membership_changed(t1 - 1, 1000, 0);  // many members joined before the first report
    const auto d = s.on_expire(t1, 100, 0.5, 0.5);
    EXPECT_FALSE(d.send);
    // 1000 members, 0 senders, receiver share 300 B/s: 100 * 1000 / 300 s, from tp = 0.
    EXPECT_EQ(d.next_ns, ns(100.0 * 1000 / 300 / kComp));
    EXPECT_EQ(s.pmembers(), 1000);
    EXPECT_TRUE(s.initial());
}

TEST(RtcpScheduler, ReverseReconsiderationPullsTimesInWhenMembersLeave) {
    RtcpScheduler s(400, 100, 0, 0.5);
    s.on_membership_changed(1, 1000, 0);
    auto d = s.on_expire(s.next_ns(), 100, 0.5, 0.5);
    ASSERT_FALSE(d.send);
    const std::int64_t tn = d.next_ns;
    const std::int64_t tc = 10'000'000'000;  // 10 s
    s.on_membership_changed(tc, 250, 0);     // three quarters left (BYEs / timeouts)
    EXPECT_EQ(s.next_ns(), tc + std::llround(0.25 * static_cast<double>(tn - tc)));
    EXPECT_EQ(s.last_sent_ns(), tc - std::llround(0.25 * static_cast<double>(tc - 0)));
    EXPECT_EQ(s.pmembers(), 250);
    // Growth does not move the timer (forward reconsideration happens on expiry).
    const std::int64_t before = s.next_ns();
    s.on_membership_changed(tc + 1, 300, 0);
    EXPECT_EQ(s.next_ns(), before);
}

TEST(RtcpScheduler, AverageSizeFollowsReceivedPacketsWithOneSixteenthWeight) {
    RtcpScheduler s(1000, 100, 0, 0.5);
    s.on_rtcp_received(260);
    EXPECT_DOUBLE_EQ(s.avg_rtcp_size(), 110.0);
    s.on_rtcp_received(110);
    EXPECT_DOUBLE_EQ(s.avg_rtcp_size(), 110.0);
}

TEST(RtcpScheduler, ByeIsSentAtOnceInSmallSessions) {
    RtcpScheduler s(1000, 100, 0, 0.5);
    s.on_membership_changed(0, 49, 1);
    const auto d = s.start_bye(5, 60, 0.5);
    EXPECT_TRUE(d.send);
    EXPECT_TRUE(d.finished);
}

TEST(RtcpScheduler, ByeReconsiderationInLargeSessionsCountsOnlyByes) {
    RtcpScheduler s(1000, 100, 0, 0.5);
    s.on_membership_changed(0, 50, 5);
    const std::int64_t now = 3'000'000'000;
    auto d = s.start_bye(now, 60, 0.5);
    EXPECT_FALSE(d.send);
    EXPECT_EQ(s.members(), 1);
    EXPECT_EQ(s.senders(), 0);
    EXPECT_TRUE(s.initial());
    EXPECT_DOUBLE_EQ(s.avg_rtcp_size(), 60.0);
    EXPECT_EQ(d.next_ns, now + ns(2.5 / kComp));

    s.on_rtcp_received(500);  // not a BYE: ignored while leaving
    EXPECT_EQ(s.members(), 1);
    EXPECT_DOUBLE_EQ(s.avg_rtcp_size(), 60.0);
    for (int i = 0; i < 99; ++i) s.on_rtcp_received(60, /*is_bye=*/true);
    EXPECT_EQ(s.members(), 100);
    s.on_membership_changed(now, 2, 0);  // member-table changes are ignored while leaving
    EXPECT_EQ(s.members(), 100);

    // 100 members, 0 senders, receiver share 750 B/s: 60 * 100 / 750 = 8 s > 2.5 s: postponed.
    d = s.on_expire(d.next_ns, 60, 0.5, 0.5);
    EXPECT_FALSE(d.send);
    EXPECT_EQ(d.next_ns, now + ns(8.0 / kComp));
    d = s.on_expire(d.next_ns, 60, 0.5, 0.5);
    EXPECT_TRUE(d.send);
    EXPECT_TRUE(d.finished);
}

}  // namespace
}  // namespace rtpx::rtp
