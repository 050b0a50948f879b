// Transport layer feedback (RTPFB): generic NACK (RFC 4585 6.2.1), TMMBR/TMMBN (RFC 5104 4.2),
// congestion control feedback (RFC 8888 3.1). Transport-cc has its own test file.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rtcp_test_util.hpp"
#include "rtpx/rtp/rtcp/ccfb.hpp"
#include "rtpx/rtp/rtcp/nack.hpp"
#include "rtpx/rtp/rtcp/tmmbr.hpp"

namespace rtpx::rtp::rtcp {
namespace {

using test::build;
using test::bytes_of;

constexpr std::uint8_t kNack[] = {
    0x81, 0xCD, 0x00, 0x04,  // V=2 P=0 FMT=1, PT=205 RTPFB, length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x02,  // SSRC of media source
    0x00, 0x64, 0x00, 0x05,  // PID 100, BLP 0b101: 101 and 103 lost too
    0xFF, 0xFF, 0x80, 0x00,  // PID 65535, BLP bit 15: 65535 + 16 = 15 (wraps)
};

std::vector<std::uint16_t> lost_of(const NackView& v) {
    std::vector<std::uint16_t> out;
    v.for_each_lost([&](std::uint16_t s) { out.push_back(s); });
    return out;
}

TEST(RtcpNack, ExpandsLostSequenceNumbers) {
    auto v = NackView::parse(kNack);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->sender_ssrc(), 1u);
    EXPECT_EQ(v->media_ssrc(), 2u);
    ASSERT_EQ(v->item_count(), 2u);
    EXPECT_EQ(v->item(0), (NackItem{100, 5}));
    EXPECT_EQ(v->item(1), (NackItem{65535, 0x8000}));
    EXPECT_EQ(lost_of(*v), (std::vector<std::uint16_t>{100, 101, 103, 65535, 15}));
}

TEST(RtcpNack, PacksLostListAndRoundTrips) {
    const std::uint16_t lost[] = {100, 101, 103, 103, 65535, 15};
    NackItem items[4];
    auto n = pack_nack_items(lost, items);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 2u);
    EXPECT_EQ(
        build(NackBuilder{
            .sender_ssrc = 1, .media_ssrc = 2, .items = std::span<const NackItem>(items, *n)}),
        bytes_of(kNack));
    NackItem one[1];
    EXPECT_EQ(pack_nack_items(lost, one).error(), WriteErrc::kNoRoom);
    std::uint8_t out[32];
    EXPECT_EQ(NackBuilder{}.write(out).error(), WriteErrc::kBadValue);  // no items
}

TEST(RtcpNack, RejectsEmptyOrMisalignedFci) {
    auto bytes = bytes_of(kNack);
    bytes[3] = 0x02;  // length 2: the two SSRCs only
    bytes.resize(12);
    auto v = NackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 2u);

    bytes = bytes_of(kNack);
    bytes[0] |= 0x20;  // P=1 with 2 padding bytes: FCI of 6 bytes
    bytes[19] = 0x02;
    v = NackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);

    bytes = bytes_of(kNack);
    bytes[3] = 0x01;  // length 1: not even the media SSRC
    bytes.resize(8);
    v = NackView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kTmmbr[] = {
    0x83, 0xCD, 0x00, 0x04,  // V=2 P=0 FMT=3, PT=205, length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x00,  // SSRC of media source: 0
    0x00, 0x00, 0x00, 0x0A,  // SSRC 10
    0x11, 0xE8, 0x48, 0x28,  // MxTBR exp 4, mantissa 62500 (1 Mbit/s), overhead 40
};

TEST(RtcpTmmbr, ParsesAndRoundTrips) {
    auto v = TmmbView::parse(kTmmbr);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_FALSE(v->is_notification());
    EXPECT_EQ(v->sender_ssrc(), 1u);
    EXPECT_EQ(v->media_ssrc(), 0u);
    ASSERT_EQ(v->item_count(), 1u);
    const TmmbItem it = v->item(0);
    EXPECT_EQ(it.ssrc, 10u);
    EXPECT_EQ(it.exponent, 4);
    EXPECT_EQ(it.mantissa, 62500u);
    EXPECT_EQ(it.packet_overhead, 40);
    EXPECT_EQ(it.bitrate(), 1000000u);
    const TmmbItem items[] = {it};
    EXPECT_EQ(build(TmmbrBuilder{.sender_ssrc = 1, .items = items}), bytes_of(kTmmbr));
}

TEST(RtcpTmmbr, FromBitrateUsesTheSmallestExponent) {
    const TmmbItem it = TmmbItem::from_bitrate(1, 1000000, 28);
    EXPECT_EQ(it.exponent, 3);
    EXPECT_EQ(it.mantissa, 125000u);
    EXPECT_EQ(it.bitrate(), 1000000u);
    EXPECT_EQ(TmmbItem::from_bitrate(1, 100000, 0).exponent, 0);
    const TmmbItem big = TmmbItem::from_bitrate(1, 10'000'000'000ull, 0);
    EXPECT_LE(big.bitrate(), 10'000'000'000ull);
    EXPECT_GT(big.bitrate(), 10'000'000'000ull - (1ull << big.exponent));
}

TEST(RtcpTmmbn, MayBeEmptyAndRoundTrips) {
    const auto bytes = build(TmmbnBuilder{.sender_ssrc = 7});
    ASSERT_EQ(bytes.size(), 12u);
    EXPECT_EQ(bytes[0], 0x84);
    auto v = TmmbView::parse(bytes);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->is_notification());
    EXPECT_EQ(v->item_count(), 0u);
    auto with_item = bytes_of(kTmmbr);
    with_item[0] = 0x84;
    v = TmmbView::parse(with_item);
    ASSERT_TRUE(v);
    const TmmbItem items[] = {v->item(0)};
    auto rebuilt = build(TmmbnBuilder{.sender_ssrc = 1, .items = items});
    EXPECT_EQ(rebuilt, with_item);
}

TEST(RtcpTmmbr, RejectsEmptyRequestAndMisalignedFci) {
    auto bytes = bytes_of(kTmmbr);
    bytes[3] = 0x02;
    bytes.resize(12);
    auto v = TmmbView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
    EXPECT_STREQ(v.error().what, "TMMBR has no FCI entry");
    bytes = bytes_of(kTmmbr);
    bytes[3] = 0x03;  // length 3: half an entry
    bytes.resize(16);
    v = TmmbView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 2u);
    std::uint8_t out[32];
    const TmmbItem bad[] = {{.mantissa = 1u << 17}};
    EXPECT_EQ(TmmbrBuilder{.items = bad}.write(out).error(), WriteErrc::kBadValue);
}

// RFC 8888 section 3.1 layout: two report blocks (one empty), odd num_reports padded.
constexpr std::uint8_t kCcfb[] = {
    0x8B, 0xCD, 0x00, 0x08,  // V=2 P=0 FMT=11, PT=205, length 8 (36 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC of RTCP packet sender
    0x00, 0x00, 0x00, 0x0A,  // SSRC of 1st RTP stream
    0xFF, 0xFE, 0x00, 0x03,  // begin_seq 65534, num_reports 3
    0xA2, 0x00, 0x00, 0x00,  // R=1 ECN=01 ATO=512 (0.5 s); 65535 not received
    0xFF, 0xFE, 0x00, 0x00,  // seq 0: R=1 ECN=11 (CE) ATO=0x1FFE (over range); 16 bits padding
    0x00, 0x00, 0x00, 0x0B,  // SSRC of 2nd RTP stream
    0x00, 0x07, 0x00, 0x00,  // begin_seq 7, num_reports 0
    0x12, 0x34, 0x56, 0x78,  // report timestamp
};

TEST(RtcpCcfb, ParsesReportBlocksAndMetrics) {
    auto v = CcfbView::parse(kCcfb);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->sender_ssrc(), 1u);
    EXPECT_EQ(v->report_timestamp(), 0x12345678u);
    ASSERT_EQ(v->report_block_count(), 2u);
    std::vector<CcfbReportBlockView> blocks;
    v->for_each_report_block([&](const CcfbReportBlockView& b) { blocks.push_back(b); });
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].ssrc(), 10u);
    EXPECT_EQ(blocks[0].begin_seq(), 65534);
    ASSERT_EQ(blocks[0].num_reports(), 3);
    EXPECT_EQ(blocks[0].metric(0), (CcfbMetric{true, 1, 512}));
    EXPECT_EQ(blocks[0].metric(1), (CcfbMetric{false, 0, 0}));
    EXPECT_EQ(blocks[0].metric(2), (CcfbMetric{true, 3, kCcfbAtoOverRange}));
    EXPECT_EQ(blocks[1].ssrc(), 11u);
    EXPECT_EQ(blocks[1].begin_seq(), 7);
    EXPECT_EQ(blocks[1].num_reports(), 0);
}

TEST(RtcpCcfb, RoundTrips) {
    const CcfbMetric m[] = {{true, 1, 512}, {false, 0, 0}, {true, 3, kCcfbAtoOverRange}};
    const CcfbReportBlock blocks[] = {{10, 65534, m}, {11, 7, {}}};
    EXPECT_EQ(build(CcfbBuilder{
                  .sender_ssrc = 1, .report_blocks = blocks, .report_timestamp = 0x12345678}),
              bytes_of(kCcfb));
}

TEST(RtcpCcfb, RejectsNumReportsBeyondPacket) {
    auto bytes = bytes_of(kCcfb);
    bytes[15] = 9;
    auto v = CcfbView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 14u);
    EXPECT_STREQ(v.error().what, "CCFB num_reports exceeds packet");
}

TEST(RtcpCcfb, RejectsTruncatedBlockHeaderAndShortPacket) {
    auto bytes = bytes_of(kCcfb);
    bytes[15] = 5;  // block 1 grows by 4 bytes: block 2's header no longer fits
    auto v = CcfbView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 28u);
    const std::uint8_t tiny[] = {0x8B, 0xCD, 0x00, 0x01, 0, 0, 0, 1};
    v = CcfbView::parse(tiny);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 2u);
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
