#include "rtpx/rtp/receive_statistics.hpp"

#include <cstdint>

#include <gtest/gtest.h>

#include "rtpx/rtp/ntp_time.hpp"

namespace rtpx::rtp {
namespace {

constexpr std::int64_t kMs = 1'000'000;
using V = SequenceVerdict;

// Feeds seq with a timestamp/arrival consistent with 20 ms packets at 8 kHz (no jitter).
V feed(RtpSourceStatistics& s, std::uint16_t seq) {
    return s.on_packet(seq, std::uint32_t{seq} * 160, std::int64_t{seq} * 20 * kMs);
}

TEST(ReceiveStatistics, NewSourceIsOnProbationUntilTwoSequentialPackets) {
    RtpSourceStatistics s(8000);
    EXPECT_EQ(feed(s, 1000), V::kProbation);
    EXPECT_FALSE(s.validated());
    EXPECT_EQ(s.received(), 0u);
    EXPECT_EQ(s.expected(), 0);
    EXPECT_EQ(feed(s, 1001), V::kAccepted);
    EXPECT_TRUE(s.validated());
    // A.1: init_seq() runs on the packet that ends probation, so counting starts there.
    EXPECT_EQ(s.base_seq(), 1001);
    EXPECT_EQ(s.received(), 1u);
    EXPECT_EQ(s.expected(), 1);
    EXPECT_EQ(s.cumulative_lost(), 0);
    EXPECT_EQ(feed(s, 1002), V::kAccepted);
    EXPECT_EQ(s.received(), 2u);
    EXPECT_EQ(s.extended_highest_seq(), 1002u);
}

TEST(ReceiveStatistics, NonSequentialPacketDuringProbationRestartsProbation) {
    RtpSourceStatistics s(8000);
    EXPECT_EQ(feed(s, 10), V::kProbation);
    EXPECT_EQ(feed(s, 12), V::kProbation);  // not 11: probation = MIN_SEQUENTIAL - 1, max = 12
    EXPECT_EQ(feed(s, 20), V::kProbation);
    EXPECT_EQ(feed(s, 21), V::kAccepted);
    EXPECT_EQ(s.base_seq(), 21);
}

TEST(ReceiveStatistics, ProbationAcceptsSequentialPacketsAcrossTheWrap) {
    // The RFC's C code compares after int promotion (65535 + 1 != 0); 16-bit arithmetic here.
    RtpSourceStatistics s(8000);
    EXPECT_EQ(feed(s, 65535), V::kProbation);
    EXPECT_EQ(feed(s, 0), V::kAccepted);
    EXPECT_EQ(s.cycles(), 0u);  // init_seq on the validating packet resets cycles
    EXPECT_EQ(s.extended_highest_seq(), 0u);
}

TEST(ReceiveStatistics, SequenceWrapIncrementsCycles) {
    RtpSourceStatistics s(8000);
    feed(s, 65533);
    ASSERT_EQ(feed(s, 65534), V::kAccepted);
    EXPECT_EQ(feed(s, 65535), V::kAccepted);
    EXPECT_EQ(feed(s, 0), V::kAccepted);
    EXPECT_EQ(s.cycles(), 1u);
    EXPECT_EQ(feed(s, 1), V::kAccepted);
    EXPECT_EQ(s.extended_highest_seq(), 0x10001u);
    EXPECT_EQ(s.expected(), 4);  // 65534, 65535, 0, 1
    EXPECT_EQ(s.received(), 4u);
    EXPECT_EQ(s.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, ReorderedPacketWithinMisorderWindowIsCountedOnce) {
    RtpSourceStatistics s(8000);
    for (std::uint16_t q : {100, 101, 103}) feed(s, q);
    EXPECT_EQ(s.cumulative_lost(), 1);
    EXPECT_EQ(feed(s, 102), V::kReordered);
    EXPECT_EQ(s.reordered(), 1u);
    EXPECT_EQ(s.cumulative_lost(), 0);
    EXPECT_EQ(s.extended_highest_seq(), 103u);  // a late packet does not move max_seq
    EXPECT_EQ(feed(s, 104), V::kAccepted);
}

TEST(ReceiveStatistics, ReorderedPacketAcrossTheWrapDoesNotTouchCycles) {
    RtpSourceStatistics s(8000);
    for (std::uint16_t q : {65533, 65534, 0, 1}) feed(s, q);
    EXPECT_EQ(s.cycles(), 1u);
    EXPECT_EQ(feed(s, 65535), V::kReordered);
    EXPECT_EQ(s.cycles(), 1u);
    EXPECT_EQ(s.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, DuplicatesAreDetectedAndStillCountAsReceivedPerRfc) {
    RtpSourceStatistics s(8000);
    for (std::uint16_t q : {100, 101, 102, 103}) feed(s, q);
    EXPECT_EQ(feed(s, 103), V::kDuplicate);  // the highest again
    EXPECT_EQ(feed(s, 102), V::kDuplicate);  // an older one again
    EXPECT_EQ(s.duplicates(), 2u);
    EXPECT_EQ(s.received(), 5u);  // 101, 102, 103 + two duplicates
    EXPECT_EQ(s.expected(), 3);
    EXPECT_EQ(s.cumulative_lost(), -2);  // RFC 3550 6.4.1: may be negative
}

TEST(ReceiveStatistics, DuplicateDetectionSpansTheWholeMisorderWindowAfterGaps) {
    RtpSourceStatistics s(8000);
    feed(s, 1000);
    feed(s, 1001);
    feed(s, 1070);                            // gap of 69: bitmap shift >= 64
    EXPECT_EQ(feed(s, 1001), V::kDuplicate);  // 69 behind
    EXPECT_EQ(feed(s, 1050), V::kReordered);
    EXPECT_EQ(feed(s, 1050), V::kDuplicate);
    feed(s, 1100);
    EXPECT_EQ(feed(s, 1001), V::kDuplicate);  // 99 behind, bit carried into the upper word
    EXPECT_EQ(feed(s, 1002), V::kReordered);
    EXPECT_EQ(feed(s, 1070), V::kDuplicate);
    feed(s, 1300);  // gap >= 128 clears the bitmap
    EXPECT_EQ(feed(s, 1299), V::kReordered);
}

TEST(ReceiveStatistics, ForwardGapBelowMaxDropoutIsAcceptedAsLoss) {
    RtpSourceStatistics s(8000);
    feed(s, 100);
    feed(s, 101);
    EXPECT_EQ(feed(s, 101 + 2999), V::kAccepted);
    EXPECT_EQ(s.cumulative_lost(), 2998);
}

TEST(ReceiveStatistics, LargeJumpIsBadUntilTheNextPacketFollowsItThenRestarts) {
    RtpSourceStatistics s(8000);
    feed(s, 100);
    feed(s, 101);
    feed(s, 102);
    EXPECT_EQ(feed(s, 102 + 3000), V::kBadSequence);  // exactly MAX_DROPOUT
    EXPECT_EQ(s.received(), 2u);
    EXPECT_EQ(s.extended_highest_seq(), 102u);
    EXPECT_EQ(feed(s, 103), V::kAccepted);  // the old stream goes on: nothing restarts
    EXPECT_EQ(feed(s, 9000), V::kBadSequence);
    EXPECT_EQ(feed(s, 9001), V::kRestarted);
    EXPECT_EQ(s.base_seq(), 9001);
    EXPECT_EQ(s.received(), 1u);
    EXPECT_EQ(s.expected(), 1);
    EXPECT_EQ(feed(s, 9002), V::kAccepted);
    EXPECT_EQ(s.cumulative_lost(), 0);
    EXPECT_EQ(s.bad_sequences(), 2u);
    EXPECT_EQ(s.restarts(), 1u);
}

TEST(ReceiveStatistics, PacketFurtherBackThanMaxMisorderIsBad) {
    RtpSourceStatistics s(8000);
    feed(s, 999);
    feed(s, 1000);
    EXPECT_EQ(feed(s, 1000 - 100), V::kBadSequence);  // udelta = 65436 = RTP_SEQ_MOD - MAX_MISORDER
    EXPECT_EQ(feed(s, 1000 - 99), V::kReordered);     // 99 behind: late, never seen, counted
    EXPECT_EQ(s.received(), 2u);
}

TEST(ReceiveStatistics, FractionLostIsMeasuredPerReportInterval) {
    RtpSourceStatistics s(8000);
    feed(s, 0);
    for (std::uint16_t q = 1; q <= 100; ++q) {
        if (q >= 11 && q <= 20) continue;  // 10 lost
        feed(s, q);
    }
    ReportBlock rb = s.make_report_block(0xCAFEBABE, 0);
    EXPECT_EQ(rb.ssrc, 0xCAFEBABEu);
    EXPECT_EQ(rb.highest_seq, 100u);
    EXPECT_EQ(rb.cumulative_lost, 10);
    EXPECT_EQ(rb.fraction_lost, (10 << 8) / 100);  // 25
    EXPECT_EQ(rb.lsr, 0u);
    EXPECT_EQ(rb.dlsr, 0u);

    for (std::uint16_t q = 101; q <= 200; ++q) feed(s, q);
    rb = s.make_report_block(1, 0);
    EXPECT_EQ(rb.fraction_lost, 0);
    EXPECT_EQ(rb.cumulative_lost, 10);

    for (std::uint16_t q = 201; q <= 264; ++q) {
        if (q % 4 == 1) continue;  // 16 of 64 lost (201, 205, ..., 261)
        feed(s, q);
    }
    rb = s.make_report_block(1, 0);
    EXPECT_EQ(rb.fraction_lost, 64);  // 16/64 * 256
    EXPECT_EQ(rb.cumulative_lost, 26);

    // Duplicates make the interval's loss negative: fraction is 0, cumulative goes down.
    feed(s, 265);
    feed(s, 265);
    feed(s, 266);
    rb = s.make_report_block(1, 0);
    EXPECT_EQ(rb.fraction_lost, 0);
    EXPECT_EQ(rb.cumulative_lost, 25);
}

TEST(ReceiveStatistics, CumulativeLostClampsToTwentyFourBitsSigned) {
    RtpSourceStatistics s(8000);
    std::uint16_t q = 0;
    feed(s, q);
    feed(s, ++q);
    for (int i = 0; i < 3000; ++i) {  // lose 2998 per step: 8.99 M > 0x7FFFFF
        q = static_cast<std::uint16_t>(q + 2999);
        ASSERT_EQ(feed(s, q), V::kAccepted);
    }
    EXPECT_EQ(s.cumulative_lost(), 0x7FFFFF);
    EXPECT_EQ(s.make_report_block(0, 0).cumulative_lost, 0x7FFFFF);

    RtpSourceStatistics d(8000);
    feed(d, 0);
    feed(d, 1);
    for (int i = 0; i < 0x800001; ++i) d.on_packet(1, 160, 20 * kMs);
    EXPECT_EQ(d.cumulative_lost(), -0x800000);
}

TEST(ReceiveStatistics, JitterFollowsA8OnAHandComputedSeries) {
    // 8 kHz, 20 ms packets (160 timestamp units). Packet 5 arrives 10 ms late (30 ms after packet
    // 4), packet 6 is back on time (10 ms after packet 5).
    //   packet 5: D = 240 - 160 = 80  -> J = 0 + (80 - 0)/16      = 5      (x16: 80)
    //   packet 6: D = |80 - 160| = 80 -> J = 5 + (80 - 5)/16      = 9.6875 (integer x16: 80+80-5 =
    //   155) packet 7: D = 0               -> J = 9.6875 - 9.6875/16   = 9.08   (x16: 155-10 = 145)
    RtpSourceStatistics s(8000);
    auto arrival = [](int i) { return std::int64_t{i} * 20 * kMs + (i == 5 ? 10 * kMs : 0); };
    for (int i = 0; i <= 4; ++i) s.on_packet(static_cast<std::uint16_t>(i), i * 160u, arrival(i));
    EXPECT_EQ(s.jitter(), 0u);
    s.on_packet(5, 5 * 160, arrival(5));
    EXPECT_EQ(s.jitter(), 5u);
    s.on_packet(6, 6 * 160, arrival(6));
    EXPECT_EQ(s.jitter(), 9u);  // 155 / 16
    EXPECT_DOUBLE_EQ(s.jitter_ms(), 155.0 / 16.0 / 8.0);
    s.on_packet(7, 7 * 160, arrival(7));
    EXPECT_EQ(s.jitter(), 9u);  // 145 / 16
    EXPECT_EQ(s.make_report_block(0, 0).jitter, 9u);
}

TEST(ReceiveStatistics, JitterIsZeroForAPerfectStreamAtVideoClockRate) {
    RtpSourceStatistics s(90000);
    for (int i = 0; i < 1000; ++i) {
        // 30 fps: 3000 ticks, 33.333... ms; arrival rounded to whole ns.
        s.on_packet(static_cast<std::uint16_t>(i), 0xFFFF0000u + i * 3000u,
                    std::int64_t{i} * 1'000'000'000 / 30);
    }
    EXPECT_EQ(s.jitter(), 0u);  // including the 32-bit timestamp wrap
}

TEST(ReceiveStatistics, ReportBlockCarriesLsrAndDlsr) {
    RtpSourceStatistics s(8000);
    feed(s, 0);
    feed(s, 1);
    s.on_sender_report(0x0123456789ABCDEFull, 1000 * kMs);
    EXPECT_TRUE(s.has_sender_report());
    const ReportBlock rb = s.make_report_block(7, 1500 * kMs);
    EXPECT_EQ(rb.lsr, 0x456789ABu);  // middle 32 bits
    EXPECT_EQ(rb.dlsr, 32768u);      // 0.5 s in 1/65536 s
}

TEST(ReceiveStatistics, RttFromReportBlockMatchesRfc3550Example) {
    // RFC 3550 section 6.4.1, figure 2: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000,
    // RTT = 0x0006:2000 = 6.125 s.
    const auto rtt = rtt_from_report_block(0xB7052000u, 0x00054000u, 0xB7108000u);
    ASSERT_TRUE(rtt);
    EXPECT_EQ(*rtt, 6'125'000'000);
}

TEST(ReceiveStatistics, RttIsAbsentWithoutLsrOrWhenItWouldBeNegative) {
    EXPECT_FALSE(rtt_from_report_block(0, 0x10000, 0x20000));
    EXPECT_FALSE(rtt_from_report_block(0x10000, 0x20000, 0x20000));  // A - LSR < DLSR
    EXPECT_FALSE(rtt_from_report_block(0x30000, 0, 0x20000));        // A before LSR
    const auto zero = rtt_from_report_block(0x10000, 0x10000, 0x20000);
    ASSERT_TRUE(zero);
    EXPECT_EQ(*zero, 0);
    const auto wrapped = rtt_from_report_block(0xFFFF8000u, 0, 0x00008000u);  // across 2^32
    ASSERT_TRUE(wrapped);
    EXPECT_EQ(*wrapped, 1'000'000'000);
}

TEST(ReceiveStatistics, RoundTripFromSenderReportToReportBlockToRtt) {
    // Sender: SR at wall time T0 (NTP from the sender's clock). 30 ms one way each direction; the
    // receiver holds the SR for 200 ms before its RR. The sender sees RTT = 60 ms, to within the
    // 1/65536 s resolution of the compact NTP arithmetic.
    const std::int64_t t0 = 1'700'000'000'000'000'000;  // sender's Unix ns when the SR leaves
    const std::int64_t rx = 5'000 * kMs;                // receiver's monotonic clock: unrelated
    RtpSourceStatistics s(8000);
    feed(s, 0);
    feed(s, 1);
    s.on_sender_report(ntp_from_unix_ns(t0), rx + 30 * kMs);
    const ReportBlock rb = s.make_report_block(0x1234, rx + 230 * kMs);
    EXPECT_EQ(rb.lsr, compact_ntp(ntp_from_unix_ns(t0)));
    const std::uint32_t arrival = compact_ntp(ntp_from_unix_ns(t0 + 260 * kMs));
    const auto rtt = rtt_from_report_block(rb.lsr, rb.dlsr, arrival);
    ASSERT_TRUE(rtt);
    EXPECT_NEAR(static_cast<double>(*rtt), 60.0 * kMs, 2.0 * 1e9 / 65536);
}

TEST(NtpTime, ConvertsBetweenUnixNanosecondsAndNtp) {
    EXPECT_EQ(ntp_from_unix_ns(0), std::uint64_t{2'208'988'800} << 32);
    EXPECT_EQ(ntp_from_unix_ns(500'000'000), (std::uint64_t{2'208'988'800} << 32) | 0x80000000u);
    const std::int64_t t = 1'700'000'000'123'456'789;
    EXPECT_NEAR(static_cast<double>(unix_ns_from_ntp(ntp_from_unix_ns(t))), static_cast<double>(t),
                1.0);
    EXPECT_EQ(compact_ntp(0x0123456789ABCDEFull), 0x456789ABu);
    EXPECT_EQ(compact_ntp_from_ns(1'250'000'000), 0x00014000u);
    EXPECT_EQ(compact_ntp_from_ns(-5), 0u);
    EXPECT_EQ(compact_ntp_from_ns(std::int64_t{70000} * 1'000'000'000), 0xFFFFFFFFu);
    EXPECT_EQ(ns_from_compact_ntp(0x00014000u), 1'250'000'000);
}

}  // namespace
}  // namespace rtpx::rtp
