#include "rtpx/rtp/transport_cc_recorder.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/rtcp/transport_feedback.hpp"

namespace rtpx::rtp {
namespace {

struct Report {
    std::uint16_t base = 0;
    std::uint16_t status_count = 0;
    std::uint8_t fb_count = 0;
    std::vector<std::uint16_t> received;
    std::vector<std::uint16_t> lost;
    std::map<std::uint16_t, std::int64_t> arrival_us;
};

Report parse(ByteSpan bytes) {
    const auto view = rtcp::TransportFeedbackView::parse(bytes);
    EXPECT_TRUE(view.has_value());
    Report r;
    if (!view) return r;
    r.base = view->base_sequence();
    r.status_count = view->packet_status_count();
    r.fb_count = view->feedback_packet_count();
    EXPECT_EQ(view->sender_ssrc(), 0x11111111u);
    EXPECT_EQ(view->media_ssrc(), 0x22222222u);
    for (const auto& p : *view) {
        if (p.received) {
            r.received.push_back(p.sequence);
            r.arrival_us[p.sequence] = p.arrival_us;
        } else {
            r.lost.push_back(p.sequence);
        }
    }
    return r;
}

// Builds every pending feedback packet and parses each.
std::vector<Report> drain(TransportCcRecorder& rec) {
    std::vector<Report> reports;
    std::array<std::uint8_t, 1500 * 8> buf{};
    for (;;) {
        const auto n = rec.build_feedback(0x11111111u, 0x22222222u, buf);
        EXPECT_TRUE(n.has_value());
        if (!n || *n == 0) break;
        reports.push_back(parse(ByteSpan(buf.data(), *n)));
    }
    return reports;
}

using Seqs = std::vector<std::uint16_t>;

TEST(TransportCcRecorder, FeedbackWithLossReorderAndDuplicateParsesBackToTheSameSets) {
    TransportCcRecorder rec;
    std::map<std::uint16_t, std::int64_t> sent;  // what we recorded
    std::int64_t t = 1'000'000;
    const Seqs order = {100, 101, 102, 103, 103, 104, 106, 107, 108, 109,
                        112, 113, 114, 116, 117, 115, 118, 119, 120};  // 105, 110, 111 lost
    for (std::uint16_t s : order) {
        t += 5'000 + (s % 3) * 700;
        const auto v = rec.on_packet(s, t);
        if (sent.count(s)) {
            EXPECT_EQ(v, TransportCcVerdict::kDuplicate);
        } else {
            EXPECT_EQ(v, TransportCcVerdict::kRecorded);
            sent[s] = t;
        }
    }
    EXPECT_EQ(rec.duplicates(), 1u);
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    const Report& r = reports[0];
    EXPECT_EQ(r.base, 100);
    EXPECT_EQ(r.status_count, 21);
    EXPECT_EQ(r.fb_count, 0);
    EXPECT_EQ(r.lost, (Seqs{105, 110, 111}));
    ASSERT_EQ(r.received.size(), sent.size());
    // Arrival times survive up to the 250 us delta resolution, relative to the first packet.
    const std::int64_t offset = sent.begin()->second - r.arrival_us.at(100);
    for (const auto& [seq, at] : sent) {
        ASSERT_TRUE(r.arrival_us.count(seq)) << seq;
        EXPECT_LE(std::llabs(r.arrival_us.at(seq) + offset - at), 250) << seq;
    }
    EXPECT_FALSE(rec.has_unreported());
    EXPECT_EQ(drain(rec).size(), 0u);
}

TEST(TransportCcRecorder, NextFeedbackStartsAtTheFirstUnreportedSequenceToReportLeadingLosses) {
    TransportCcRecorder rec;
    for (std::uint16_t s = 1; s <= 10; ++s) (void)rec.on_packet(s, s * 1000);
    ASSERT_EQ(drain(rec).size(), 1u);
    (void)rec.on_packet(13, 13'000);  // 11 and 12 lost
    (void)rec.on_packet(14, 14'000);
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].base, 11);  // lost, but the first one not yet reported
    EXPECT_EQ(reports[0].fb_count, 1);
    EXPECT_EQ(reports[0].received, (Seqs{13, 14}));  // 10 is not reported twice
    EXPECT_EQ(reports[0].lost, (Seqs{11, 12}));
}

TEST(TransportCcRecorder, LatePacketAfterItsFeedbackIsReportedAgain) {
    TransportCcRecorder rec;
    for (std::uint16_t s : {1, 2, 3, 5, 6}) (void)rec.on_packet(s, s * 1000);
    auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].lost, (Seqs{4}));
    EXPECT_EQ(rec.on_packet(4, 7000), TransportCcVerdict::kRecorded);
    reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].base, 4);
    EXPECT_EQ(reports[0].received, (Seqs{4, 5, 6}));
    EXPECT_TRUE(reports[0].lost.empty());
}

TEST(TransportCcRecorder, UnwrapsAcrossTheSequenceWrap) {
    TransportCcRecorder rec;
    for (std::uint16_t s : {65533, 65534, 1, 0, 2}) (void)rec.on_packet(s, 1000 + s % 100);
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].base, 65533);
    EXPECT_EQ(reports[0].status_count, 6);
    EXPECT_EQ(reports[0].received, (Seqs{65533, 65534, 0, 1, 2}));
    EXPECT_EQ(reports[0].lost, (Seqs{65535}));
    EXPECT_EQ(rec.highest_sequence() & 0xFFFF, 2);
}

TEST(TransportCcRecorder, SplitsLongWindowsIntoSeveralFeedbackPackets) {
    TransportCcRecorder rec;
    for (int i = 0; i < 3000; ++i) {
        if (i % 100 == 50) continue;  // 30 lost
        (void)rec.on_packet(static_cast<std::uint16_t>(i), std::int64_t{i} * 1000);
    }
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].status_count, rtcp::TransportFeedbackBuilder::kMaxPackets);
    EXPECT_EQ(reports[0].fb_count, 0);
    EXPECT_EQ(reports[1].fb_count, 1);
    std::set<std::uint16_t> received;
    std::set<std::uint16_t> lost;
    for (const auto& r : reports) {
        received.insert(r.received.begin(), r.received.end());
        lost.insert(r.lost.begin(), r.lost.end());
    }
    EXPECT_EQ(received.size(), 2970u);
    EXPECT_EQ(lost.size(), 30u);
    EXPECT_EQ(rec.feedback_packets(), 2u);
}

TEST(TransportCcRecorder, ArrivalGapTooLongForADeltaSplitsTheFeedback) {
    TransportCcRecorder rec;
    (void)rec.on_packet(1, 0);
    (void)rec.on_packet(2, 10'000'000);  // 10 s later: more than int16 x 250 us
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].received, (Seqs{1}));
    EXPECT_EQ(reports[1].received, (Seqs{2}));
}

TEST(TransportCcRecorder, NoRoomLeavesEverythingUnreported) {
    TransportCcRecorder rec;
    for (std::uint16_t s = 1; s <= 20; ++s) (void)rec.on_packet(s, s * 1000);
    std::array<std::uint8_t, 16> small{};
    const auto r = rec.build_feedback(0x11111111u, 0x22222222u, small);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), WriteErrc::kNoRoom);
    EXPECT_TRUE(rec.has_unreported());
    EXPECT_EQ(rec.feedback_packet_count(), 0);
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].received.size(), 20u);
    EXPECT_EQ(reports[0].fb_count, 0);
}

TEST(TransportCcRecorder, PacketsFurtherBackThanTheRingAreRejected) {
    TransportCcRecorder rec(64);
    EXPECT_EQ(rec.capacity(), 64u);
    for (std::uint16_t s = 0; s < 100; ++s) (void)rec.on_packet(s, s * 1000);
    EXPECT_EQ(rec.unreported_overwritten(), 36u);  // 0..35 left the ring before any feedback
    EXPECT_EQ(rec.on_packet(35, 200'000), TransportCcVerdict::kTooOld);
    EXPECT_EQ(rec.on_packet(36, 200'000), TransportCcVerdict::kDuplicate);
    const auto reports = drain(rec);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].base, 36);
    EXPECT_EQ(reports[0].received.size(), 64u);
}

TEST(TransportCcRecorder, CapacityRoundsUpToAPowerOfTwo) {
    EXPECT_EQ(TransportCcRecorder(1000).capacity(), 1024u);
    EXPECT_EQ(TransportCcRecorder(1).capacity(), 64u);
}

}  // namespace
}  // namespace rtpx::rtp
