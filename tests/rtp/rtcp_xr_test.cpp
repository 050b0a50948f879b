// Extended reports (RFC 3611): every block type of section 4, an unknown block type kept raw.
#include "rtpx/rtp/rtcp/xr.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rtcp_test_util.hpp"

namespace rtpx::rtp::rtcp {
namespace {

using test::build;
using test::bytes_of;

// One XR packet with one block of each type, laid out as in RFC 3611 section 4.
constexpr std::uint8_t kXr[] = {
    0x80, 0xCF, 0x00, 0x2E,  // V=2 P=0, PT=207 XR, length 46 (188 bytes)
    0x01, 0x02, 0x03, 0x04,  // SSRC of packet sender
    // 4.1 Loss RLE (offset 8)
    0x01, 0x02, 0x00, 0x04,  // BT=1, rsvd 0 T=2, block length 4
    0x11, 0x11, 0x11, 0x11,  // SSRC of source
    0x00, 0x0A, 0x00, 0x40,  // begin_seq 10, end_seq 64
    0x40, 0x20, 0x80, 0x01,  // run length chunk: 32 received; bit vector chunk
    0xC0, 0x00, 0x00, 0x00,  // bit vector chunk; null chunk
    // 4.2 Duplicate RLE (offset 28)
    0x02, 0x00, 0x00, 0x03,  // BT=2, T=0, block length 3
    0x22, 0x22, 0x22, 0x22,  // SSRC of source
    0x00, 0x01, 0x00, 0x05,  // begin_seq 1, end_seq 5
    0x00, 0x04, 0x00, 0x00,  // run length chunk: 4 not duplicated; null chunk
    // 4.3 Packet Receipt Times (offset 44)
    0x03, 0x00, 0x00, 0x04,  // BT=3, T=0, block length 4
    0x33, 0x33, 0x33, 0x33,  // SSRC of source
    0x00, 0x64, 0x00, 0x66,  // begin_seq 100, end_seq 102
    0x00, 0x00, 0x10, 0x00,  // receipt time of packet 100
    0x00, 0x00, 0x10, 0xA0,  // receipt time of packet 101
    // 4.4 Receiver Reference Time (offset 64)
    0x04, 0x00, 0x00, 0x02,  // BT=4, reserved, block length 2
    0xE6, 0x5A, 0x8C, 0x00,  // NTP timestamp, most significant word
    0x40, 0x00, 0x00, 0x00,  // NTP timestamp, least significant word
    // 4.5 DLRR (offset 76)
    0x05, 0x00, 0x00, 0x06,  // BT=5, reserved, block length 6 (two sub-blocks)
    0x44, 0x44, 0x44, 0x44,  // SSRC_1
    0x5A, 0x8C, 0x40, 0x00,  // last RR
    0x00, 0x00, 0x80, 0x00,  // delay since last RR
    0x55, 0x55, 0x55, 0x55,  // SSRC_2
    0x5A, 0x8D, 0x00, 0x00,  // last RR
    0x00, 0x01, 0x00, 0x00,  // delay since last RR
    // 4.6 Statistics Summary (offset 104)
    0x06, 0xE8, 0x00, 0x09,  // BT=6, L=1 D=1 J=1 ToH=1 (IPv4 TTL), block length 9
    0x66, 0x66, 0x66, 0x66,  // SSRC of source
    0x00, 0x01, 0x03, 0xE8,  // begin_seq 1, end_seq 1000
    0x00, 0x00, 0x00, 0x05,  // lost_packets
    0x00, 0x00, 0x00, 0x02,  // dup_packets
    0x00, 0x00, 0x00, 0x01,  // min_jitter
    0x00, 0x00, 0x00, 0x50,  // max_jitter
    0x00, 0x00, 0x00, 0x10,  // mean_jitter
    0x00, 0x00, 0x00, 0x08,  // dev_jitter
    0x30, 0x40, 0x38, 0x02,  // min/max/mean/dev TTL
    // 4.7 VoIP Metrics (offset 144)
    0x07, 0x00, 0x00, 0x08,  // BT=7, reserved, block length 8
    0x77, 0x77, 0x77, 0x77,  // SSRC of source
    0x0C, 0x01, 0x50, 0x04,  // loss rate, discard rate, burst density, gap density
    0x00, 0x78, 0x07, 0xD0,  // burst duration 120 ms, gap duration 2000 ms
    0x00, 0x96, 0x00, 0x28,  // round trip delay 150 ms, end system delay 40 ms
    0xE2, 0xBA, 0x7F, 0x10,  // signal level -30 dBm, noise level -70 dBm, RERL 127, Gmin 16
    0x5D, 0x7F, 0x29, 0x2A,  // R factor 93, ext. R factor 127 (unavailable), MOS-LQ 4.1, MOS-CQ 4.2
    0x40, 0x00, 0x00, 0x3C,  // RX config, reserved, JB nominal 60
    0x00, 0xC8, 0x01, 0x2C,  // JB maximum 200, JB abs max 300
    // unknown block type 42 (offset 180)
    0x2A, 0x05, 0x00, 0x01,  // BT=42, type-specific 5, block length 1
    0xDE, 0xAD, 0xBE, 0xEF,  // contents
};

std::vector<XrBlockView> blocks_of(const XrView& v) {
    std::vector<XrBlockView> out;
    v.for_each_block([&](const XrBlockView& b) { out.push_back(b); });
    return out;
}

TEST(RtcpXr, WalksEveryBlock) {
    auto v = XrView::parse(kXr);
    ASSERT_TRUE(v) << v.error().what << " at " << v.error().offset;
    EXPECT_EQ(v->ssrc(), 0x01020304u);
    EXPECT_EQ(v->block_count(), 8u);
    const auto blocks = blocks_of(*v);
    ASSERT_EQ(blocks.size(), 8u);
    for (std::uint8_t i = 0; i < 7; ++i) EXPECT_EQ(blocks[i].block_type, i + 1);
    EXPECT_EQ(blocks[7].block_type, 42);
    EXPECT_EQ(blocks[7].type_specific, 5);
    ASSERT_EQ(blocks[7].contents.size(), 4u);
    EXPECT_EQ(blocks[7].contents[0], 0xDE);
}

TEST(RtcpXr, DecodesRleBlocks) {
    auto v = XrView::parse(kXr);
    ASSERT_TRUE(v);
    const auto blocks = blocks_of(*v);
    const XrRleBlock loss = decode_rle(blocks[0]);
    EXPECT_EQ(loss.type, XrBlockType::kLossRle);
    EXPECT_EQ(loss.thinning, 2);
    EXPECT_EQ(loss.ssrc, 0x11111111u);
    EXPECT_EQ(loss.begin_seq, 10);
    EXPECT_EQ(loss.end_seq, 64);
    ASSERT_EQ(loss.chunk_count(), 4u);
    EXPECT_EQ(loss.chunk(0), 0x4020);
    EXPECT_EQ(loss.chunk(1), 0x8001);
    EXPECT_EQ(loss.chunk(3), 0x0000);
    const auto run = XrRleChunk::from_wire(loss.chunk(0));
    EXPECT_EQ(run.kind, XrRleChunk::Kind::kRunLength);
    EXPECT_EQ(run.run_type, 1);
    EXPECT_EQ(run.run_length, 32);
    const auto vec = XrRleChunk::from_wire(loss.chunk(1));
    EXPECT_EQ(vec.kind, XrRleChunk::Kind::kBitVector);
    EXPECT_EQ(vec.bit_vector, 1);
    EXPECT_EQ(XrRleChunk::from_wire(loss.chunk(3)).kind, XrRleChunk::Kind::kNull);
    const XrRleBlock dup = decode_rle(blocks[1]);
    EXPECT_EQ(dup.type, XrBlockType::kDuplicateRle);
    EXPECT_EQ(dup.end_seq, 5);
    EXPECT_EQ(dup.chunk(0), 0x0004);
}

TEST(RtcpXr, DecodesFixedBlocks) {
    auto v = XrView::parse(kXr);
    ASSERT_TRUE(v);
    const auto blocks = blocks_of(*v);
    const auto prt = decode_packet_receipt_times(blocks[2]);
    EXPECT_EQ(prt.ssrc, 0x33333333u);
    EXPECT_EQ(prt.begin_seq, 100);
    EXPECT_EQ(prt.end_seq, 102);
    ASSERT_EQ(prt.count(), 2u);
    EXPECT_EQ(prt.receipt_time(1), 0x10A0u);
    const auto rrt = decode_receiver_reference_time(blocks[3]);
    EXPECT_EQ(rrt.ntp_sec, 0xE65A8C00u);
    EXPECT_EQ(rrt.ntp_frac, 0x40000000u);
    const auto dlrr = decode_dlrr(blocks[4]);
    ASSERT_EQ(dlrr.count(), 2u);
    EXPECT_EQ(dlrr.sub_block(0), (XrDlrrSubBlock{0x44444444, 0x5A8C4000, 0x8000}));
    EXPECT_EQ(dlrr.sub_block(1), (XrDlrrSubBlock{0x55555555, 0x5A8D0000, 0x10000}));
    const auto ss = decode_statistics_summary(blocks[5]);
    EXPECT_TRUE(ss.loss_report);
    EXPECT_TRUE(ss.duplicate_report);
    EXPECT_TRUE(ss.jitter_flag);
    EXPECT_EQ(ss.ttl_or_hl, 1);
    EXPECT_EQ(ss.ssrc, 0x66666666u);
    EXPECT_EQ(ss.begin_seq, 1);
    EXPECT_EQ(ss.end_seq, 1000);
    EXPECT_EQ(ss.lost_packets, 5u);
    EXPECT_EQ(ss.dup_packets, 2u);
    EXPECT_EQ(ss.min_jitter, 1u);
    EXPECT_EQ(ss.max_jitter, 0x50u);
    EXPECT_EQ(ss.mean_jitter, 0x10u);
    EXPECT_EQ(ss.dev_jitter, 8u);
    EXPECT_EQ(ss.min_ttl_or_hl, 0x30);
    EXPECT_EQ(ss.max_ttl_or_hl, 0x40);
    EXPECT_EQ(ss.mean_ttl_or_hl, 0x38);
    EXPECT_EQ(ss.dev_ttl_or_hl, 2);
    const auto voip = decode_voip_metrics(blocks[6]);
    EXPECT_EQ(voip.ssrc, 0x77777777u);
    EXPECT_EQ(voip.loss_rate, 12);
    EXPECT_EQ(voip.discard_rate, 1);
    EXPECT_EQ(voip.burst_density, 0x50);
    EXPECT_EQ(voip.gap_density, 4);
    EXPECT_EQ(voip.burst_duration, 120);
    EXPECT_EQ(voip.gap_duration, 2000);
    EXPECT_EQ(voip.round_trip_delay, 150);
    EXPECT_EQ(voip.end_system_delay, 40);
    EXPECT_EQ(static_cast<std::int8_t>(voip.signal_level), -30);
    EXPECT_EQ(static_cast<std::int8_t>(voip.noise_level), -70);
    EXPECT_EQ(voip.rerl, 127);
    EXPECT_EQ(voip.gmin, 16);
    EXPECT_EQ(voip.r_factor, 93);
    EXPECT_EQ(voip.ext_r_factor, 127);
    EXPECT_EQ(voip.mos_lq, 41);
    EXPECT_EQ(voip.mos_cq, 42);
    EXPECT_EQ(voip.rx_config, 0x40);
    EXPECT_EQ(voip.jb_nominal, 60);
    EXPECT_EQ(voip.jb_maximum, 200);
    EXPECT_EQ(voip.jb_abs_max, 300);
}

// Each typed block, re-written from its decoded form, reproduces its bytes.
TEST(RtcpXr, TypedBlocksRoundTrip) {
    auto v = XrView::parse(kXr);
    ASSERT_TRUE(v);
    const auto blocks = blocks_of(*v);
    std::vector<std::uint8_t> out(64);
    auto check = [&](const XrBlockView& b, WriteResult<std::size_t> n) {
        ASSERT_TRUE(n);
        ASSERT_EQ(*n, b.bytes.size());
        EXPECT_TRUE(std::equal(b.bytes.begin(), b.bytes.end(), out.begin())) << int{b.block_type};
    };
    check(blocks[0], write_xr_block(out, decode_rle(blocks[0])));
    check(blocks[1], write_xr_block(out, decode_rle(blocks[1])));
    check(blocks[2], write_xr_block(out, decode_packet_receipt_times(blocks[2])));
    check(blocks[3], write_xr_block(out, decode_receiver_reference_time(blocks[3])));
    const auto dlrr = decode_dlrr(blocks[4]);
    const XrDlrrSubBlock subs[] = {dlrr.sub_block(0), dlrr.sub_block(1)};
    check(blocks[4], write_xr_block(out, std::span<const XrDlrrSubBlock>(subs)));
    check(blocks[5], write_xr_block(out, decode_statistics_summary(blocks[5])));
    check(blocks[6], write_xr_block(out, decode_voip_metrics(blocks[6])));
    check(blocks[7],
          write_xr_block(out, blocks[7].block_type, blocks[7].type_specific, blocks[7].contents));
    EXPECT_EQ(
        write_xr_block(MutableByteSpan(out).first(35), decode_voip_metrics(blocks[6])).error(),
        WriteErrc::kNoRoom);
}

TEST(RtcpXr, PacketRoundTrips) {
    auto v = XrView::parse(kXr);
    ASSERT_TRUE(v);
    EXPECT_EQ(build(XrBuilder{.ssrc = v->ssrc(), .blocks = v->blocks()}), bytes_of(kXr));
}

TEST(RtcpXr, RejectsBlockLengthBeyondPacket) {
    auto bytes = bytes_of(kXr);
    bytes[183] = 0x02;  // unknown block: 2 words where 1 remains
    auto v = XrView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 182u);
    EXPECT_STREQ(v.error().what, "XR block length exceeds packet");
}

TEST(RtcpXr, RejectsBlockLengthTooShortForItsType) {
    auto bytes = bytes_of(kXr);
    bytes[67] = 0x01;  // receiver reference time with 1 word
    auto v = XrView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 66u);

    bytes = bytes_of(kXr);
    bytes[79] = 0x05;  // DLRR of 5 words: not whole sub-blocks
    v = XrView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 78u);

    bytes = bytes_of(kXr);
    bytes[107] = 0x08;  // statistics summary of 8 words
    v = XrView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 106u);
}

TEST(RtcpXr, RejectsLengthShorterThanSsrc) {
    const std::uint8_t bytes[] = {0x80, 0xCF, 0x00, 0x00};
    auto v = XrView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
