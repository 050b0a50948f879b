// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).
#include "rtpx/rtp/rtcp/transport_feedback.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace rtpx::rtp::rtcp {
namespace {

std::vector<TransportFeedbackPacket> collect(const TransportFeedbackView& v) {
    std::vector<TransportFeedbackPacket> out;
    for (const auto& p : v) out.push_back(p);
    return out;
}

// Two-bit status vector, small, large and negative deltas, base sequence wrapping past 65535.
constexpr std::array<std::uint8_t, 28> kTwoBitVector = {
    0x8F, 0xCD, 0x00, 0x06,  // V=2 P=0 FMT=15, PT=205 RTPFB, length 6 (28 bytes)
    0x11, 0x11, 0x11, 0x11,  // SSRC of packet sender
    0x22, 0x22, 0x22, 0x22,  // SSRC of media source
    0xFF, 0xFE, 0x00, 0x05,  // base sequence number 65534, packet status count 5
    0x00, 0x00, 0x10, 0x03,  // reference time 16 (x 64 ms = 1.024 s), fb pkt count 3
    0xD8, 0x60,              // 1|1| 01 10 00 01 10 00 00: small, large, lost, small, large
    0x04,                    // small delta 4 x 250 us = 1 ms
    0xFF, 0xFC,              // large delta -4 x 250 us = -1 ms
    0x08,                    // small delta 8 x 250 us = 2 ms
    0x01, 0x00,              // large delta 256 x 250 us = 64 ms
};

TEST(RtcpTransportFeedback, ParsesTwoBitVectorFieldByField) {
    auto v = TransportFeedbackView::parse(kTwoBitVector);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->sender_ssrc(), 0x11111111u);
    EXPECT_EQ(v->media_ssrc(), 0x22222222u);
    EXPECT_EQ(v->base_sequence(), 65534);
    EXPECT_EQ(v->packet_status_count(), 5);
    EXPECT_EQ(v->reference_time(), 16);
    EXPECT_EQ(v->reference_time_us(), 1024000);
    EXPECT_EQ(v->feedback_packet_count(), 3);
    EXPECT_EQ(v->chunk_count(), 1u);
    EXPECT_EQ(v->received_count(), 4u);
    const auto p = collect(*v);
    ASSERT_EQ(p.size(), 5u);
    EXPECT_EQ(p[0].sequence, 65534);
    EXPECT_TRUE(p[0].received);
    EXPECT_EQ(p[0].delta_us, 1000);
    EXPECT_EQ(p[0].arrival_us, 1025000);
    EXPECT_EQ(p[1].sequence, 65535);
    EXPECT_EQ(p[1].delta_us, -1000);
    EXPECT_EQ(p[1].arrival_us, 1024000);
    EXPECT_EQ(p[2].sequence, 0);
    EXPECT_FALSE(p[2].received);
    EXPECT_EQ(p[2].delta_us, 0);
    EXPECT_EQ(p[3].sequence, 1);
    EXPECT_EQ(p[3].delta_us, 2000);
    EXPECT_EQ(p[3].arrival_us, 1026000);
    EXPECT_EQ(p[4].sequence, 2);
    EXPECT_EQ(p[4].delta_us, 64000);
    EXPECT_EQ(p[4].arrival_us, 1090000);
}

TEST(RtcpTransportFeedback, BuilderReproducesTwoBitVectorBytes) {
    TransportFeedbackBuilder b(0x11111111, 0x22222222, 3);
    ASSERT_TRUE(b.add_received(65534, 1025000));
    ASSERT_TRUE(b.add_received(65535, 1024000));
    ASSERT_TRUE(b.add_received(1, 1026000));  // 0 is missing
    ASSERT_TRUE(b.add_received(2, 1090000));
    EXPECT_EQ(b.packet_count(), 5u);
    EXPECT_EQ(b.size(), kTwoBitVector.size());
    std::array<std::uint8_t, 64> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, kTwoBitVector.size());
    EXPECT_TRUE(std::equal(kTwoBitVector.begin(), kTwoBitVector.end(), out.begin()));
}

// Section 3.1.3, example: "0 | 00 | 0000011011101", a run of 221 "packet not received".
// Section 3.1.4, example 1: "1 | 0 | 0 1 1 1 1 1 0 0 0 1 1 1 0 0", a one-bit vector.
constexpr std::array<std::uint8_t, 36> kDraftChunks = {
    0x8F, 0xCD, 0x00, 0x08,  // V=2 P=0 FMT=15, PT=205, length 8 (36 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x02,  // SSRC of media source
    0x00, 0x0A, 0x00, 0xEB,  // base sequence 10, status count 235 = 221 + 14
    0xFF, 0xFF, 0xFF, 0x00,  // reference time -1 (-64 ms), fb pkt count 0
    0x00, 0xDD,              // run length chunk: not received x 221
    0x9F, 0x1C,              // one-bit vector: 0 1 1 1 1 1 0 0 0 1 1 1 0 0
    0x01, 0x02, 0x03, 0x04,  // eight small deltas
    0x05, 0x06, 0x07, 0x08,  //
    0x00, 0x00, 0x00, 0x00,  // zero padding (no P bit, as the draft's figure shows)
};

TEST(RtcpTransportFeedback, ParsesDraftRunLengthAndOneBitVectorExamples) {
    auto v = TransportFeedbackView::parse(kDraftChunks);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->reference_time(), -1);
    EXPECT_EQ(v->chunk_count(), 2u);
    EXPECT_EQ(v->received_count(), 8u);
    const auto p = collect(*v);
    ASSERT_EQ(p.size(), 235u);
    for (int i = 0; i < 221; ++i) EXPECT_FALSE(p[i].received) << i;
    const bool expected[14] = {false, true,  true, true, true, true,  false,
                               false, false, true, true, true, false, false};
    std::int64_t t = -64000;
    int delta = 1;
    for (int i = 0; i < 14; ++i) {
        EXPECT_EQ(p[221 + i].sequence, 10 + 221 + i);
        EXPECT_EQ(p[221 + i].received, expected[i]) << i;
        if (expected[i]) {
            EXPECT_EQ(p[221 + i].delta_us, delta * 250);
            t += delta * 250;
            EXPECT_EQ(p[221 + i].arrival_us, t);
            ++delta;
        }
    }
}

TEST(RtcpTransportFeedback, RejectsStatusCountBeyondChunks) {
    constexpr std::array<std::uint8_t, 20> kNoChunks = {
        0x8F, 0xCD, 0x00, 0x04,  // RTPFB FMT=15, length 4 (20 bytes)
        0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
        0x00, 0x00, 0x00, 0x02,  // SSRC of media source
        0x00, 0x01, 0x00, 0x01,  // base sequence 1, status count 1 ...
        0x00, 0x00, 0x00, 0x00,  // reference time 0, fb pkt count 0 ... but no chunk follows
    };
    auto v = TransportFeedbackView::parse(kNoChunks);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 20u);
    EXPECT_STREQ(v.error().what, "transport-cc packet chunks exceed packet");
}

TEST(RtcpTransportFeedback, RejectsDeltasBeyondPacket) {
    auto bytes = kTwoBitVector;
    bytes[20] = 0xDA;  // 1|1| 01 10 10 01 10: one more large delta than the packet holds
    auto v = TransportFeedbackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 22u);
    EXPECT_STREQ(v.error().what, "transport-cc receive deltas exceed packet");
}

TEST(RtcpTransportFeedback, RejectsLengthShorterThanFixedFields) {
    std::array<std::uint8_t, 16> bytes = {0x8F, 0xCD, 0x00, 0x03, 0, 0, 0, 1,
                                          0,    0,    0,    2,    0, 1, 0, 1};
    auto v = TransportFeedbackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
}

TEST(RtcpTransportFeedback, RejectsRtcpLengthBeyondBuffer) {
    auto v = TransportFeedbackView::parse(ByteSpan(kTwoBitVector).first(24));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
}

TEST(RtcpTransportFeedback, RejectsZeroStatusCountAndReservedSymbol) {
    auto bytes = kTwoBitVector;
    bytes[14] = 0;
    bytes[15] = 0;
    auto v = TransportFeedbackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 14u);
    bytes = kTwoBitVector;
    bytes[20] = 0xDC;  // 11 01 11 00 ...: symbol 3 is reserved
    v = TransportFeedbackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadValue);
    EXPECT_EQ(v.error().offset, 20u);
}

TEST(RtcpTransportFeedback, BuilderUsesOneRunLengthChunkForALongRun) {
    TransportFeedbackBuilder b(1, 2, 0);
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(b.add_received(static_cast<std::uint16_t>(i), i * 1000));
    std::array<std::uint8_t, 256> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, b.size());
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->chunk_count(), 1u);
    EXPECT_EQ(load_be16(&out[20]), 0x2000 | 100);  // run of 100 "received, small delta"
    EXPECT_EQ(*n % 4, 0u);
}

TEST(RtcpTransportFeedback, BuilderChoosesTwoBitVectorThenRunLengths) {
    TransportFeedbackBuilder b(1, 2, 0);
    std::int64_t t = 1000000;
    for (int seq = 0; seq <= 4; ++seq) ASSERT_TRUE(b.add_received(seq, t += 1000));   // small
    ASSERT_TRUE(b.add_received(5, t += 100000));                                      // large
    for (int seq = 56; seq <= 75; ++seq) ASSERT_TRUE(b.add_received(seq, t += 500));  // 50 lost
    EXPECT_EQ(b.packet_count(), 76u);
    std::array<std::uint8_t, 128> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v) << v.error().what;
    ASSERT_EQ(v->chunk_count(), 3u);
    EXPECT_EQ(load_be16(&out[20]), 0xD558);  // 1|1| 01 01 01 01 01 10 00: seq 0..6
    EXPECT_EQ(load_be16(&out[22]), 0x0031);  // run of 49 "not received": seq 7..55
    EXPECT_EQ(load_be16(&out[24]), 0x2014);  // run of 20 "small delta": seq 56..75
    EXPECT_EQ(*n, 56u);  // 20 + 3 chunks (6) + deltas 5 + 2 + 20 = 53, padded to 56
}

TEST(RtcpTransportFeedback, BuilderUsesOneBitVectorForMixedSmallAndLost) {
    TransportFeedbackBuilder b(1, 2, 0);
    for (int i = 0; i < 7; ++i)
        ASSERT_TRUE(b.add_received(static_cast<std::uint16_t>(2 * i), i * 1000));
    std::array<std::uint8_t, 64> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    EXPECT_EQ(b.packet_count(), 13u);
    EXPECT_EQ(load_be16(&out[20]), 0xAAAA);  // 1|0| 1 0 1 0 1 0 1 0 1 0 1 0 1, unused 0
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->chunk_count(), 1u);
    EXPECT_EQ(v->received_count(), 7u);
}

TEST(RtcpTransportFeedback, ExplicitBaseReportsLeadingLosses) {
    TransportFeedbackBuilder b(1, 2, 0);
    b.set_base_sequence(65534);  // 65534, 65535, 0 lost; 1 and 2 received (wrap inside)
    ASSERT_TRUE(b.add_received(1, 64'000));
    ASSERT_TRUE(b.add_received(2, 84'000));
    b.set_base_sequence(7);  // ignored once packets are in
    EXPECT_EQ(b.base_sequence(), 65534);
    EXPECT_EQ(b.packet_count(), 5u);
    std::array<std::uint8_t, 64> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->base_sequence(), 65534);
    EXPECT_EQ(v->packet_status_count(), 5);
    const auto packets = collect(*v);
    ASSERT_EQ(packets.size(), 5u);
    EXPECT_FALSE(packets[0].received);
    EXPECT_FALSE(packets[2].received);
    EXPECT_TRUE(packets[3].received);
    EXPECT_EQ(packets[3].sequence, 1);
    // The first received packet's delta is against the reference time, which it set (64 ms).
    EXPECT_EQ(packets[3].delta_us, 0);
    EXPECT_EQ(packets[4].delta_us, 20'000);
}

TEST(RtcpTransportFeedback, ExplicitBaseRefusesPacketsBeforeItOrTooFarAfter) {
    TransportFeedbackBuilder b(1, 2, 0);
    b.set_base_sequence(100);
    EXPECT_FALSE(b.add_received(99, 0));  // before the base
    EXPECT_FALSE(
        b.add_received(static_cast<std::uint16_t>(100 + TransportFeedbackBuilder::kMaxPackets), 0));
    EXPECT_EQ(b.packet_count(), 0u);
    EXPECT_TRUE(b.add_received(100, 0));  // the base itself may be received
    EXPECT_EQ(b.packet_count(), 1u);
}

TEST(RtcpTransportFeedback, ReferenceTimeWrapsTo24BitsButDeltasSurvive) {
    const std::int64_t epoch_us = 1'700'000'000'000'000;  // microseconds since 1970
    TransportFeedbackBuilder b(1, 2, 0);
    ASSERT_TRUE(b.add_received(1, epoch_us));
    ASSERT_TRUE(b.add_received(2, epoch_us + 20000));
    std::array<std::uint8_t, 64> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v);
    const auto p = collect(*v);
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[1].delta_us, 20000);
    EXPECT_EQ(p[0].arrival_us % 64000, epoch_us % 64000);
    EXPECT_EQ(v->reference_time(), b.reference_time());
}

TEST(RtcpTransportFeedback, BuilderPadsWithThePaddingBit) {
    TransportFeedbackBuilder b(1, 2, 0);
    ASSERT_TRUE(b.add_received(7, 0));  // 20 + 2 chunk + 1 delta = 23 -> 1 padding byte
    std::array<std::uint8_t, 64> out{};
    auto n = b.write(out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 24u);
    EXPECT_EQ(out[0] & 0x20, 0x20);
    EXPECT_EQ(out[23], 1);
    auto v = TransportFeedbackView::parse(ByteSpan(out).first(*n));
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->packet().padding_size(), 1);
}

TEST(RtcpTransportFeedback, BuilderRefusesOutOfOrderDuplicateAndHugeDelta) {
    TransportFeedbackBuilder b(1, 2, 0);
    ASSERT_TRUE(b.add_received(100, 1000000));
    EXPECT_FALSE(b.add_received(100, 1001000));            // duplicate
    EXPECT_FALSE(b.add_received(99, 1001000));             // older
    EXPECT_FALSE(b.add_received(101, 1000000 + 8192000));  // 32768 ticks: beyond int16
    EXPECT_EQ(b.packet_count(), 1u);
    EXPECT_TRUE(b.add_received(101, 1000000 + 8191750));
    EXPECT_FALSE(b.add_received(102, 1000000 + 8191750 - 8192250));
    EXPECT_EQ(b.packet_count(), 2u);
}

TEST(RtcpTransportFeedback, BuilderRefusesBeyondCapacity) {
    TransportFeedbackBuilder b(1, 2, 0);
    ASSERT_TRUE(b.add_received(65000, 0));
    EXPECT_FALSE(b.add_received(static_cast<std::uint16_t>(65000 + 2048), 1000));  // 2049 entries
    EXPECT_TRUE(b.add_received(static_cast<std::uint16_t>(65000 + 2047), 1000));
    EXPECT_EQ(b.packet_count(), TransportFeedbackBuilder::kMaxPackets);
    EXPECT_FALSE(b.add_received(static_cast<std::uint16_t>(65000 + 2048), 2000));
    std::vector<std::uint8_t> out(b.size());
    auto n = b.write(out);
    ASSERT_TRUE(n);
    auto v = TransportFeedbackView::parse(out);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->packet_status_count(), 2048);
    EXPECT_EQ(v->received_count(), 2u);
}

TEST(RtcpTransportFeedback, WriteNeverOverruns) {
    TransportFeedbackBuilder b(1, 2, 0);
    ASSERT_TRUE(b.add_received(1, 0));
    ASSERT_TRUE(b.add_received(3, 70000));
    std::array<std::uint8_t, 64> out{};
    for (std::size_t room = 0; room < b.size(); ++room) {
        auto n = b.write(MutableByteSpan(out).first(room));
        ASSERT_FALSE(n);
        EXPECT_EQ(n.error(), WriteErrc::kNoRoom);
    }
    EXPECT_TRUE(b.write(MutableByteSpan(out).first(b.size())));
    TransportFeedbackBuilder empty(1, 2, 0);
    EXPECT_FALSE(empty.write(out));
}

// Builder and parser agree on pseudo-random arrivals with loss, reordering-free, including large
// and negative deltas and a sequence wrap.
TEST(RtcpTransportFeedback, BuilderAndParserAgreeOnRandomSequences) {
    std::uint32_t rng = 12345;
    auto next = [&rng] {
        rng = rng * 1103515245u + 12345u;
        return (rng >> 16) & 0x7FFF;
    };
    for (int round = 0; round < 20; ++round) {
        TransportFeedbackBuilder b(0xAABBCCDD, 0x01020304, static_cast<std::uint8_t>(round));
        struct Sent {
            std::uint16_t seq;
            std::int64_t t;
        };
        std::vector<Sent> sent;
        auto seq = static_cast<std::uint16_t>(65400 + round * 7);
        std::int64_t t = 5000000 + round * 12345;
        for (int i = 0; i < 400; ++i) {
            const unsigned r = next();
            seq = static_cast<std::uint16_t>(seq + 1 + (r % 10 == 0 ? r % 4 : 0));
            if (r % 37 == 0) {
                t += 100000;  // large delta
            } else if (r % 41 == 0) {
                t -= 3000;  // negative delta
            } else {
                t += r % 20000;
            }
            if (!b.add_received(seq, t)) break;
            sent.push_back({seq, t});
        }
        ASSERT_GT(sent.size(), 100u);
        std::vector<std::uint8_t> out(b.size());
        auto n = b.write(out);
        ASSERT_TRUE(n);
        ASSERT_EQ(*n, out.size());
        auto v = TransportFeedbackView::parse(out);
        ASSERT_TRUE(v) << v.error().what << " at " << v.error().offset;
        EXPECT_EQ(v->feedback_packet_count(), round);
        std::size_t k = 0;
        std::size_t entries = 0;
        for (const auto& p : *v) {
            ++entries;
            if (!p.received) continue;
            ASSERT_LT(k, sent.size());
            EXPECT_EQ(p.sequence, sent[k].seq);
            EXPECT_LE(std::abs(p.arrival_us - sent[k].t), 125) << k;
            ++k;
        }
        EXPECT_EQ(k, sent.size());
        EXPECT_EQ(entries, b.packet_count());
    }
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
