// RTCP common header, compound walking (RFC 3550 section 6.1, appendix A.2; RFC 5506) and
// compound building.
#include "rtpx/rtp/rtcp/compound.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rtcp_test_util.hpp"
#include "rtpx/rtp/rtcp/bye.hpp"
#include "rtpx/rtp/rtcp/pli.hpp"
#include "rtpx/rtp/rtcp/receiver_report.hpp"
#include "rtpx/rtp/rtcp/sdes.hpp"

namespace rtpx::rtp::rtcp {
namespace {

// RR (no report blocks) + SDES CNAME "ab" + BYE: a minimal RFC 3550 compound.
constexpr std::uint8_t kCompound[] = {
    0x80, 0xC9, 0x00, 0x01,  // RR: V=2 P=0 RC=0, PT=201, length 1 (8 bytes)
    0x11, 0x22, 0x33, 0x44,  //   SSRC of packet sender
    0x81, 0xCA, 0x00, 0x03,  // SDES: SC=1, PT=202, length 3 (16 bytes) at offset 8
    0x11, 0x22, 0x33, 0x44,  //   chunk SSRC
    0x01, 0x02, 'a',  'b',   //   CNAME, length 2, "ab"
    0x00, 0x00, 0x00, 0x00,  //   end of items + padding to 32 bits
    0x81, 0xCB, 0x00, 0x01,  // BYE: SC=1, PT=203, length 1 (8 bytes) at offset 24
    0x11, 0x22, 0x33, 0x44,  //   SSRC
};

TEST(RtcpHeader, ParsesEveryField) {
    auto p = PacketView::parse(kCompound);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->version(), 2);
    EXPECT_FALSE(p->padding());
    EXPECT_EQ(p->count(), 0);
    EXPECT_EQ(p->packet_type(), PacketType::kRr);
    EXPECT_EQ(p->length_words(), 1);
    EXPECT_EQ(p->size(), 8u);
    EXPECT_EQ(p->body().size(), 4u);
}

TEST(RtcpHeader, RejectsShortHeaderBadVersionAndLengthBeyondBuffer) {
    auto r = PacketView::parse(ByteSpan(kCompound).first(3));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(r.error().offset, 3u);

    std::uint8_t v1[] = {0x40, 0xC9, 0x00, 0x00};
    r = PacketView::parse(v1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kBadVersion);
    EXPECT_EQ(r.error().offset, 0u);

    r = PacketView::parse(ByteSpan(kCompound).first(7));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(r.error().offset, 2u);
    EXPECT_STREQ(r.error().what, "RTCP length exceeds buffer");
}

TEST(RtcpHeader, ChecksPaddingCount) {
    std::uint8_t padded[] = {
        0xA0, 0xC9, 0x00, 0x02,  // RR with P=1, length 2 (12 bytes)
        0x11, 0x22, 0x33, 0x44,  // SSRC
        0x00, 0x00, 0x00, 0x04,  // 4 padding bytes, the last holds the count
    };
    auto p = PacketView::parse(padded);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->padding());
    EXPECT_EQ(p->padding_size(), 4);
    EXPECT_EQ(p->body().size(), 4u);

    padded[11] = 0;
    auto r = PacketView::parse(padded);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kBadPadding);
    EXPECT_EQ(r.error().offset, 11u);

    padded[11] = 9;  // more than the 8 bytes after the header
    r = PacketView::parse(padded);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kBadPadding);
    EXPECT_EQ(r.error().offset, 11u);
}

TEST(RtcpCompound, IteratesEveryPacketWithOffsets) {
    auto c = CompoundView::parse(kCompound);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->packet_count(), 3u);
    std::vector<PacketType> types;
    std::vector<std::size_t> offsets;
    for (auto it = c->begin(); it != c->end(); ++it) {
        types.push_back(it->packet_type());
        offsets.push_back(it.offset());
    }
    EXPECT_EQ(types,
              (std::vector<PacketType>{PacketType::kRr, PacketType::kSdes, PacketType::kBye}));
    EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 8, 24}));
    std::size_t n = 0;
    for (const PacketView& p : *c) n += p.size();
    EXPECT_EQ(n, sizeof(kCompound));
}

TEST(RtcpCompound, ErrorsCarryTheOffsetWithinTheCompound) {
    std::vector<std::uint8_t> bytes(kCompound, kCompound + sizeof(kCompound));
    bytes[27] = 0x05;  // BYE length 5: beyond the compound
    auto c = CompoundView::parse(bytes);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(c.error().offset, 26u);

    bytes = std::vector<std::uint8_t>(kCompound, kCompound + sizeof(kCompound));
    bytes[8] = 0x41;  // SDES version 1
    c = CompoundView::parse(bytes);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ParseErrc::kBadVersion);
    EXPECT_EQ(c.error().offset, 8u);

    bytes = std::vector<std::uint8_t>(kCompound, kCompound + sizeof(kCompound));
    bytes.push_back(0x80);  // trailing bytes too short for a header
    c = CompoundView::parse(bytes);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().offset, sizeof(kCompound) + 1);

    EXPECT_FALSE(CompoundView::parse(ByteSpan()));
}

TEST(RtcpCompound, ForEachDeliversPacketsBeforeTheError) {
    std::vector<std::uint8_t> bytes(kCompound, kCompound + sizeof(kCompound));
    bytes[27] = 0x05;
    std::size_t seen = 0;
    auto n = for_each_packet(bytes, [&](const PacketView&, std::size_t) { ++seen; });
    EXPECT_FALSE(n);
    EXPECT_EQ(seen, 2u);
}

TEST(RtcpCompound, AcceptsReducedSizeSinglePli) {
    constexpr std::uint8_t kPli[] = {
        0x81, 0xCE, 0x00, 0x02,  // PSFB FMT=1 (PLI), length 2
        0x00, 0x00, 0x00, 0x01,  // sender SSRC
        0x00, 0x00, 0x00, 0x02,  // media SSRC
    };
    auto c = CompoundView::parse(kPli);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->packet_count(), 1u);
    EXPECT_EQ(classify(*c->begin()), PacketKind::kPli);
    EXPECT_TRUE(validate_compound(kPli, true));
    auto strict = validate_compound(kPli, false);
    ASSERT_FALSE(strict);
    EXPECT_EQ(strict.error().code, ParseErrc::kBadValue);
    EXPECT_EQ(strict.error().offset, 1u);
}

TEST(RtcpCompound, StrictValidationAllowsPaddingOnlyInTheLastPacket) {
    EXPECT_TRUE(validate_compound(kCompound, false));
    std::vector<std::uint8_t> bytes(kCompound, kCompound + sizeof(kCompound));
    bytes[8] |= 0x20;  // P on the SDES (its last byte, a zero, would be the count)
    bytes[23] = 4;     // count 4: the end-of-items/padding word
    EXPECT_TRUE(CompoundView::parse(bytes));  // the lenient walker accepts it
    auto r = validate_compound(bytes, true);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kBadPadding);
    EXPECT_EQ(r.error().offset, 8u);

    bytes = std::vector<std::uint8_t>(kCompound, kCompound + sizeof(kCompound));
    bytes.insert(bytes.end(), {0x00, 0x00, 0x00, 0x04});
    bytes[24] |= 0x20;  // BYE, last packet, padded
    bytes[27] = 0x02;
    EXPECT_TRUE(validate_compound(bytes, false));
}

TEST(RtcpCompound, BuilderAppendsPacketsThatReparse) {
    std::uint8_t buf[64];
    CompoundBuilder cb(buf);
    ASSERT_TRUE(cb.append(ReceiverReportBuilder{.ssrc = 0x11223344}));
    const std::uint8_t cname[] = {'a', 'b'};
    const SdesItem items[] = {{SdesItemType::kCname, cname, {}}};
    const SdesChunk chunks[] = {{0x11223344, items}};
    ASSERT_TRUE(cb.append(SdesBuilder{.chunks = chunks}));
    const std::uint32_t ssrcs[] = {0x11223344};
    ASSERT_TRUE(cb.append(ByeBuilder{.ssrcs = ssrcs}));
    ASSERT_EQ(cb.size(), sizeof(kCompound));
    EXPECT_TRUE(std::equal(cb.bytes().begin(), cb.bytes().end(), kCompound));
    EXPECT_TRUE(validate_compound(cb.bytes(), false));
}

TEST(RtcpCompound, BuilderRefusesWhatDoesNotFitAndKeepsItsSize) {
    std::uint8_t buf[20];
    CompoundBuilder cb(buf);
    ASSERT_TRUE(cb.append(PliBuilder{.sender_ssrc = 1, .media_ssrc = 2}));
    auto r = cb.append(PliBuilder{.sender_ssrc = 1, .media_ssrc = 2});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), WriteErrc::kNoRoom);
    EXPECT_EQ(cb.size(), 12u);
    const std::uint8_t raw[] = {0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 9};
    ASSERT_TRUE(cb.append_raw(raw));
    EXPECT_EQ(cb.size(), 20u);
    EXPECT_FALSE(cb.append_raw(raw));
}

TEST(RtcpCompound, ClassifiesAndNamesEveryKind) {
    struct Case {
        std::uint8_t first, pt;
        PacketKind kind;
        const char* name;
    } cases[] = {
        {0x80, 200, PacketKind::kSr, "SR"},
        {0x80, 201, PacketKind::kRr, "RR"},
        {0x80, 202, PacketKind::kSdes, "SDES"},
        {0x80, 203, PacketKind::kBye, "BYE"},
        {0x80, 204, PacketKind::kApp, "APP"},
        {0x80, 207, PacketKind::kXr, "XR"},
        {0x81, 205, PacketKind::kNack, "NACK"},
        {0x83, 205, PacketKind::kTmmbr, "TMMBR"},
        {0x84, 205, PacketKind::kTmmbn, "TMMBN"},
        {0x8B, 205, PacketKind::kCcfb, "CCFB"},
        {0x8F, 205, PacketKind::kTransportFeedback, "TWCC"},
        {0x82, 205, PacketKind::kRtpfbOther, "RTPFB"},
        {0x81, 206, PacketKind::kPli, "PLI"},
        {0x82, 206, PacketKind::kSli, "SLI"},
        {0x83, 206, PacketKind::kRpsi, "RPSI"},
        {0x84, 206, PacketKind::kFir, "FIR"},
        {0x85, 206, PacketKind::kTstr, "TSTR"},
        {0x86, 206, PacketKind::kTstn, "TSTN"},
        {0x8F, 206, PacketKind::kPsfbOther, "PSFB"},
        {0x80, 199, PacketKind::kUnknown, "UNKNOWN"},
    };
    for (const auto& c : cases) {
        const std::uint8_t bytes[] = {c.first, c.pt, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
        auto p = PacketView::parse(bytes);
        ASSERT_TRUE(p);
        EXPECT_EQ(classify(*p), c.kind) << c.name;
        EXPECT_EQ(to_string(classify(*p)), c.name);
    }
    const std::uint8_t remb[] = {0x8F, 206, 0,   4,   0,   0,   0, 1, 0, 0,
                                 0,    0,   'R', 'E', 'M', 'B', 0, 0, 0, 0};
    EXPECT_EQ(classify(*PacketView::parse(remb)), PacketKind::kRemb);
}

TEST(RtcpHeader, WriteHeaderChecksAlignmentCountAndRoom) {
    std::uint8_t buf[16];
    EXPECT_EQ(write_header(buf, 32, 200, 4).error(), WriteErrc::kBadValue);
    EXPECT_EQ(write_header(buf, 0, 200, 5).error(), WriteErrc::kBadValue);
    EXPECT_EQ(write_header(MutableByteSpan(buf).first(7), 0, 200, 4).error(), WriteErrc::kNoRoom);
    auto n = write_header(buf, 3, 201, 4, 8);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 16u);
    EXPECT_EQ(buf[0], 0xA3);
    EXPECT_EQ(buf[3], 3);
    EXPECT_EQ(buf[15], 8);
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
