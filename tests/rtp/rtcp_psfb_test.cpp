// Payload-specific feedback (PSFB): PLI, SLI, RPSI (RFC 4585 6.3), FIR, TSTR/TSTN (RFC 5104 4.3),
// REMB (draft-alvestrand-rmcat-remb-03).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rtcp_test_util.hpp"
#include "rtpx/rtp/rtcp/fir.hpp"
#include "rtpx/rtp/rtcp/pli.hpp"
#include "rtpx/rtp/rtcp/remb.hpp"
#include "rtpx/rtp/rtcp/rpsi.hpp"
#include "rtpx/rtp/rtcp/sli.hpp"
#include "rtpx/rtp/rtcp/tstr.hpp"

namespace rtpx::rtp::rtcp {
namespace {

using test::build;
using test::bytes_of;

constexpr std::uint8_t kPli[] = {
    0x81, 0xCE, 0x00, 0x02,  // V=2 P=0 FMT=1, PT=206 PSFB, length 2 (12 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x02,  // SSRC of media source
};

TEST(RtcpPli, ParsesAndRoundTrips) {
    auto v = PliView::parse(kPli);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->sender_ssrc(), 1u);
    EXPECT_EQ(v->media_ssrc(), 2u);
    EXPECT_EQ(build(PliBuilder{.sender_ssrc = 1, .media_ssrc = 2}), bytes_of(kPli));
}

TEST(RtcpPli, RejectsLengthShorterThanSsrcsAndOtherFmt) {
    const std::uint8_t short_pli[] = {0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1};
    auto v = PliView::parse(short_pli);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
    auto bytes = bytes_of(kPli);
    bytes[0] = 0x84;
    v = PliView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kUnsupported);
}

constexpr std::uint8_t kSli[] = {
    0x82, 0xCE, 0x00, 0x03,  // V=2 P=0 FMT=2, PT=206, length 3 (16 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x02,  // SSRC of media source
    0x03, 0x20, 0x0C, 0xA1,  // First 100 (13 bits), Number 50 (13 bits), PictureID 33 (6 bits)
};

TEST(RtcpSli, ParsesAndRoundTrips) {
    auto v = SliView::parse(kSli);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->item_count(), 1u);
    EXPECT_EQ(v->item(0), (SliItem{100, 50, 33}));
    const SliItem items[] = {v->item(0)};
    EXPECT_EQ(build(SliBuilder{.sender_ssrc = 1, .media_ssrc = 2, .items = items}), bytes_of(kSli));
    std::uint8_t out[32];
    const SliItem bad[] = {{0x2000, 0, 0}};
    EXPECT_EQ(SliBuilder{.items = bad}.write(out).error(), WriteErrc::kBadValue);
}

TEST(RtcpSli, RejectsEmptyFci) {
    auto bytes = bytes_of(kSli);
    bytes[3] = 0x02;
    bytes.resize(12);
    auto v = SliView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kRpsi[] = {
    0x83, 0xCE, 0x00, 0x04,  // V=2 P=0 FMT=3, PT=206, length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x02,  // SSRC of media source
    0x1C, 0x60, 0xAB, 0xCD,  // PB=28 padding bits, 0|PT=96, native RPSI bit string...
    0xE0, 0x00, 0x00, 0x00,  // ... 20 bits in all (0xABCDE), then padding
};

TEST(RtcpRpsi, ParsesAndRoundTrips) {
    auto v = RpsiView::parse(kRpsi);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->padding_bits(), 28);
    EXPECT_EQ(v->payload_type(), 96);
    EXPECT_EQ(v->bit_length(), 20u);
    ASSERT_EQ(v->native_rpsi().size(), 3u);
    EXPECT_EQ(v->native_rpsi()[2], 0xE0);
    EXPECT_EQ(v->unused_bits(), 4);
    EXPECT_EQ(build(RpsiBuilder{.sender_ssrc = 1,
                                .media_ssrc = 2,
                                .payload_type = 96,
                                .bit_string = v->native_rpsi(),
                                .unused_bits = v->unused_bits()}),
              bytes_of(kRpsi));
}

TEST(RtcpRpsi, RejectsPaddingBitsBeyondBitStringAndShortFci) {
    auto bytes = bytes_of(kRpsi);
    bytes[12] = 49;  // 49 padding bits in a 48-bit string
    auto v = RpsiView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadValue);
    EXPECT_EQ(v.error().offset, 12u);
    bytes = bytes_of(kRpsi);
    bytes[3] = 0x02;
    bytes.resize(12);
    v = RpsiView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kFir[] = {
    0x84, 0xCE, 0x00, 0x06,  // V=2 P=0 FMT=4, PT=206, length 6 (28 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x00,  // SSRC of media source: 0 (RFC 5104)
    0x00, 0x00, 0x00, 0x0A,  // SSRC 10
    0x07, 0x00, 0x00, 0x00,  // Seq nr. 7, reserved
    0x00, 0x00, 0x00, 0x0B,  // SSRC 11
    0xFF, 0x00, 0x00, 0x00,  // Seq nr. 255, reserved
};

TEST(RtcpFir, ParsesAndRoundTrips) {
    auto v = FirView::parse(kFir);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->item_count(), 2u);
    EXPECT_EQ(v->item(0), (FirItem{10, 7}));
    EXPECT_EQ(v->item(1), (FirItem{11, 255}));
    const FirItem items[] = {v->item(0), v->item(1)};
    EXPECT_EQ(build(FirBuilder{.sender_ssrc = 1, .items = items}), bytes_of(kFir));
}

TEST(RtcpFir, RejectsPartialEntry) {
    auto bytes = bytes_of(kFir);
    bytes[3] = 0x05;
    bytes.resize(24);
    auto v = FirView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kTstr[] = {
    0x85, 0xCE, 0x00, 0x04,  // V=2 P=0 FMT=5, PT=206, length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x00,  // SSRC of media source: 0
    0x00, 0x00, 0x00, 0x0A,  // SSRC 10
    0x03, 0x00, 0x00, 0x1F,  // Seq nr. 3, reserved, Index 31
};

TEST(RtcpTstr, ParsesAndRoundTripsBothVariants) {
    auto v = TstView::parse(kTstr);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->is_notification());
    ASSERT_EQ(v->item_count(), 1u);
    EXPECT_EQ(v->item(0), (TstItem{10, 3, 31}));
    const TstItem items[] = {v->item(0)};
    EXPECT_EQ(build(TstrBuilder{.sender_ssrc = 1, .items = items}), bytes_of(kTstr));
    auto tstn = bytes_of(kTstr);
    tstn[0] = 0x86;
    v = TstView::parse(tstn);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->is_notification());
    EXPECT_EQ(build(TstnBuilder{.sender_ssrc = 1, .items = items}), tstn);
}

TEST(RtcpTstr, RejectsEmptyFci) {
    auto bytes = bytes_of(kTstr);
    bytes[3] = 0x02;
    bytes.resize(12);
    auto v = TstView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kRemb[] = {
    0x8F, 0xCE, 0x00, 0x06,  // V=2 P=0 FMT=15 (AFB), PT=206, length 6 (28 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x00,  // SSRC of media source: 0
    'R',  'E',  'M',  'B',   // unique identifier
    0x02, 0x0B, 0xD0, 0x90,  // Num SSRC 2, BR Exp 2, BR Mantissa 250000: 1 Mbit/s
    0x00, 0x00, 0x00, 0x0A,  // SSRC feedback 10
    0x00, 0x00, 0x00, 0x0B,  // SSRC feedback 11
};

TEST(RtcpRemb, ParsesAndRoundTrips) {
    auto v = RembView::parse(kRemb);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->sender_ssrc(), 1u);
    EXPECT_EQ(v->exponent(), 2);
    EXPECT_EQ(v->mantissa(), 250000u);
    EXPECT_EQ(v->bitrate(), 1000000u);
    ASSERT_EQ(v->ssrc_count(), 2u);
    EXPECT_EQ(v->ssrc(0), 10u);
    EXPECT_EQ(v->ssrc(1), 11u);
    const std::uint32_t ssrcs[] = {10, 11};
    RembBuilder b{.sender_ssrc = 1, .ssrcs = ssrcs};
    b.set_bitrate(1000000);
    EXPECT_EQ(b.exponent, 2);
    EXPECT_EQ(build(b), bytes_of(kRemb));
}

TEST(RtcpRemb, BitrateIsUint64) {
    RembBuilder b;
    b.set_bitrate(0x3FFFFull << 40);
    std::uint8_t out[32];
    auto n = b.write(out);
    ASSERT_TRUE(n);
    auto v = RembView::parse(ByteSpan(out, *n));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->bitrate(), 0x3FFFFull << 40);
}

TEST(RtcpRemb, RejectsSsrcCountBeyondPacketAndOtherAfb) {
    auto bytes = bytes_of(kRemb);
    bytes[16] = 3;
    auto v = RembView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 16u);
    bytes = bytes_of(kRemb);
    bytes[12] = 'X';
    v = RembView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kUnsupported);
    EXPECT_EQ(v.error().offset, 12u);
    EXPECT_FALSE(is_remb(*PacketView::parse(bytes)));
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
