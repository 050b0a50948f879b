#include "rtpx/rtp/demux.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace rtpx::rtp {
namespace {

std::vector<std::uint8_t> with_first_bytes(std::uint8_t b0, std::uint8_t b1, std::size_t size) {
    std::vector<std::uint8_t> v(size, 0);
    if (size > 0) v[0] = b0;
    if (size > 1) v[1] = b1;
    return v;
}

TEST(Demux, ClassifiesStunBindingRequestWithMagicCookie) {
    const std::array<std::uint8_t, 20> stun = {
        0x00, 0x01, 0x00, 0x00,                          // Binding Request, message length 0
        0x21, 0x12, 0xA4, 0x42,                          // magic cookie
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // transaction ID
        0x09, 0x0A, 0x0B, 0x0C,                          //   (96 bits)
    };
    EXPECT_EQ(classify(stun), PacketClass::kStun);
}

TEST(Demux, RejectsStunWithoutMagicCookieOrTooShort) {
    std::array<std::uint8_t, 20> stun{};
    stun[1] = 0x01;
    EXPECT_EQ(classify(stun), PacketClass::kUnknown);  // cookie missing (RFC 3489 style)
    const std::array<std::uint8_t, 8> short_stun = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
    EXPECT_EQ(classify(short_stun), PacketClass::kUnknown);
}

TEST(Demux, ClassifiesEveryFirstByteRangeOfRfc7983) {
    for (int b0 = 0; b0 < 256; ++b0) {
        auto pkt = with_first_bytes(static_cast<std::uint8_t>(b0), 96, 32);  // PT 96 -> RTP
        if (b0 <= 3) {
            pkt[4] = 0x21, pkt[5] = 0x12, pkt[6] = 0xA4, pkt[7] = 0x42;
        }
        PacketClass expected = PacketClass::kUnknown;
        if (b0 <= 3)
            expected = PacketClass::kStun;
        else if (b0 >= 16 && b0 <= 19)
            expected = PacketClass::kZrtp;
        else if (b0 >= 20 && b0 <= 63)
            expected = PacketClass::kDtls;
        else if (b0 >= 64 && b0 <= 79)
            expected = PacketClass::kTurnChannel;
        else if (b0 >= 128 && b0 <= 191)
            expected = PacketClass::kRtp;
        EXPECT_EQ(classify(pkt), expected) << "first byte " << b0;
    }
}

TEST(Demux, SeparatesRtcpFromRtpByPayloadTypeRangeWithRtcpMux) {
    // RFC 5761 section 4: packet types 192..223 (second byte & 0x7F in 64..95) are RTCP.
    for (int b1 = 0; b1 < 256; ++b1) {
        const auto pkt = with_first_bytes(0x80, static_cast<std::uint8_t>(b1), 12);
        const int pt7 = b1 & 0x7F;
        const PacketClass expected =
            (pt7 >= 64 && pt7 <= 95) ? PacketClass::kRtcp : PacketClass::kRtp;
        EXPECT_EQ(classify(pkt), expected) << "second byte " << b1;
    }
}

TEST(Demux, ClassifiesRealRtcpSenderReportAndReceiverReport) {
    const std::array<std::uint8_t, 8> rr = {
        0x80, 0xC9, 0x00, 0x01,  // V=2 RC=0 PT=201 RR, length 1
        0x12, 0x34, 0x56, 0x78,  // SSRC of packet sender
    };
    EXPECT_EQ(classify(rr), PacketClass::kRtcp);
    auto sr = with_first_bytes(0x81, 200, 52);  // SR with one report block
    EXPECT_EQ(classify(sr), PacketClass::kRtcp);
}

TEST(Demux, WithoutRtcpMuxEveryVersion2PacketIsRtp) {
    const auto rr = with_first_bytes(0x80, 0xC9, 12);
    EXPECT_EQ(classify(rr, /*rtcp_mux=*/false), PacketClass::kRtp);
}

TEST(Demux, RequiresMinimumSizesPerClass) {
    EXPECT_EQ(classify(with_first_bytes(0x80, 0x60, 11)), PacketClass::kUnknown);  // RTP < 12
    EXPECT_EQ(classify(with_first_bytes(0x80, 0x60, 12)), PacketClass::kRtp);
    EXPECT_EQ(classify(with_first_bytes(0x80, 0xC8, 7)), PacketClass::kUnknown);  // RTCP < 8
    EXPECT_EQ(classify(with_first_bytes(0x80, 0xC8, 8)), PacketClass::kRtcp);
    EXPECT_EQ(classify(with_first_bytes(0x16, 0xFE, 12)), PacketClass::kUnknown);  // DTLS < 13
    EXPECT_EQ(classify(with_first_bytes(0x16, 0xFE, 13)), PacketClass::kDtls);
    EXPECT_EQ(classify(with_first_bytes(0x40, 0x00, 3)), PacketClass::kUnknown);  // TURN < 4
    EXPECT_EQ(classify(with_first_bytes(0x40, 0x00, 4)), PacketClass::kTurnChannel);
    EXPECT_EQ(classify(ByteSpan{}), PacketClass::kUnknown);
    EXPECT_EQ(classify(with_first_bytes(0x80, 0, 1)), PacketClass::kUnknown);
}

TEST(Demux, NamesEveryClass) {
    EXPECT_EQ(to_string(PacketClass::kRtcp), "rtcp");
    EXPECT_EQ(to_string(PacketClass::kTurnChannel), "turn-channel");
}

}  // namespace
}  // namespace rtpx::rtp
