// SR, RR and report blocks (RFC 3550 sections 6.4.1, 6.4.2), SDES (6.5), BYE (6.6), APP (6.7).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rtcp_test_util.hpp"
#include "rtpx/rtp/rtcp/app.hpp"
#include "rtpx/rtp/rtcp/bye.hpp"
#include "rtpx/rtp/rtcp/receiver_report.hpp"
#include "rtpx/rtp/rtcp/sdes.hpp"
#include "rtpx/rtp/rtcp/sender_report.hpp"

namespace rtpx::rtp::rtcp {
namespace {

using test::build;
using test::bytes_of;

constexpr std::uint8_t kSr[] = {
    0x81, 0xC8, 0x00, 0x0D,  // V=2 P=0 RC=1, PT=200 SR, length 13 (56 bytes)
    0x12, 0x34, 0x56, 0x78,  // SSRC of sender
    0xE6, 0x5A, 0x8C, 0x00,  // NTP timestamp, most significant word (seconds)
    0x80, 0x00, 0x00, 0x00,  // NTP timestamp, least significant word (0.5 s)
    0x00, 0x01, 0xE2, 0x40,  // RTP timestamp 123456
    0x00, 0x00, 0x00, 0x64,  // sender's packet count 100
    0x00, 0x00, 0x3E, 0x80,  // sender's octet count 16000
    0x9A, 0xBC, 0xDE, 0xF0,  // report block: SSRC_1
    0x19, 0xFF, 0xFF, 0xFE,  //   fraction lost 25/256, cumulative lost -2 (duplicates)
    0x00, 0x01, 0x00, 0x2A,  //   extended highest sequence number: cycles 1, seq 42
    0x00, 0x00, 0x00, 0x10,  //   interarrival jitter 16
    0x5A, 0x8C, 0x00, 0x00,  //   last SR
    0x00, 0x01, 0x80, 0x00,  //   delay since last SR: 1.5 s in 1/65536 s
    0xCA, 0xFE, 0xBA, 0xBE,  // profile-specific extension (kept as bytes)
};

TEST(RtcpSenderReport, ParsesEveryField) {
    auto v = SenderReportView::parse(kSr);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->ssrc(), 0x12345678u);
    EXPECT_EQ(v->ntp_sec(), 0xE65A8C00u);
    EXPECT_EQ(v->ntp_frac(), 0x80000000u);
    EXPECT_EQ(v->ntp_timestamp(), 0xE65A8C0080000000ull);
    EXPECT_EQ(v->rtp_ts(), 123456u);
    EXPECT_EQ(v->packet_count(), 100u);
    EXPECT_EQ(v->octet_count(), 16000u);
    ASSERT_EQ(v->report_block_count(), 1u);
    const ReportBlock b = v->report_block(0);
    EXPECT_EQ(b.ssrc, 0x9ABCDEF0u);
    EXPECT_EQ(b.fraction_lost, 25);
    EXPECT_EQ(b.cumulative_lost, -2);
    EXPECT_EQ(b.highest_seq, 0x0001002Au);
    EXPECT_EQ(b.jitter, 16u);
    EXPECT_EQ(b.lsr, 0x5A8C0000u);
    EXPECT_EQ(b.dlsr, 0x00018000u);
    ASSERT_EQ(v->profile_extensions().size(), 4u);
    EXPECT_EQ(v->profile_extensions()[0], 0xCA);
}

TEST(RtcpSenderReport, RoundTrips) {
    auto v = SenderReportView::parse(kSr);
    ASSERT_TRUE(v);
    const ReportBlock blocks[] = {v->report_block(0)};
    SenderReportBuilder b{.ssrc = v->ssrc(),
                          .sender_info = v->sender_info(),
                          .report_blocks = blocks,
                          .profile_extensions = v->profile_extensions()};
    EXPECT_EQ(build(b), bytes_of(kSr));
}

TEST(RtcpSenderReport, RejectsLengthShorterThanReportBlocks) {
    auto bytes = bytes_of(kSr);
    bytes[0] = 0x82;  // RC=2: needs 24 more bytes than the length gives
    auto v = SenderReportView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
    EXPECT_STREQ(v.error().what, "SR shorter than its report blocks");

    const std::uint8_t short_sr[] = {0x80, 0xC8, 0x00, 0x01, 0, 0, 0, 1};
    v = SenderReportView::parse(short_sr);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
    EXPECT_STREQ(v.error().what, "SR shorter than its sender info");
}

TEST(RtcpSenderReport, RejectsOtherPacketTypes) {
    auto bytes = bytes_of(kSr);
    bytes[1] = 201;
    auto v = SenderReportView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kUnsupported);
}

TEST(RtcpReportBlock, CumulativeLostIsSigned24Bits) {
    std::uint8_t buf[24];
    for (const std::int32_t lost : {0, 1, -1, kMaxCumulativeLost, kMinCumulativeLost}) {
        ReportBlock b{.ssrc = 7, .cumulative_lost = lost};
        store_report_block(buf, b);
        EXPECT_EQ(load_report_block(buf), b);
    }
    std::uint8_t out[64];
    const ReportBlock too_big[] = {{.cumulative_lost = kMaxCumulativeLost + 1}};
    EXPECT_EQ(ReceiverReportBuilder{.report_blocks = too_big}.write(out).error(),
              WriteErrc::kBadValue);
}

constexpr std::uint8_t kRr[] = {
    0x82, 0xC9, 0x00, 0x0D,  // V=2 P=0 RC=2, PT=201 RR, length 13 (56 bytes)
    0x01, 0x02, 0x03, 0x04,  // SSRC of packet sender
    0x00, 0x00, 0x00, 0x0A,  // block 1: SSRC 10
    0x00, 0x00, 0x00, 0x00,  //   fraction lost 0, cumulative lost 0
    0x00, 0x00, 0xFF, 0xFF,  //   extended highest seq 65535
    0x00, 0x00, 0x00, 0x00,  //   jitter 0
    0x00, 0x00, 0x00, 0x00,  //   LSR 0 (no SR received yet)
    0x00, 0x00, 0x00, 0x00,  //   DLSR 0
    0x00, 0x00, 0x00, 0x0B,  // block 2: SSRC 11
    0xFF, 0x7F, 0xFF, 0xFF,  //   fraction lost 255, cumulative lost 8388607 (maximum)
    0x00, 0x02, 0x00, 0x00,  //   extended highest seq (cycles 2)
    0x00, 0x00, 0x01, 0x00,  //   jitter 256
    0x11, 0x22, 0x33, 0x44,  //   LSR
    0x00, 0x00, 0x40, 0x00,  //   DLSR 0.25 s
};

TEST(RtcpReceiverReport, ParsesEveryFieldAndRoundTrips) {
    auto v = ReceiverReportView::parse(kRr);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_EQ(v->ssrc(), 0x01020304u);
    ASSERT_EQ(v->report_block_count(), 2u);
    EXPECT_EQ(v->report_block(0).ssrc, 10u);
    EXPECT_EQ(v->report_block(0).highest_seq, 65535u);
    const ReportBlock b = v->report_block(1);
    EXPECT_EQ(b.ssrc, 11u);
    EXPECT_EQ(b.fraction_lost, 255);
    EXPECT_EQ(b.cumulative_lost, kMaxCumulativeLost);
    EXPECT_EQ(b.highest_seq, 0x00020000u);
    EXPECT_EQ(b.jitter, 256u);
    EXPECT_EQ(b.lsr, 0x11223344u);
    EXPECT_EQ(b.dlsr, 0x4000u);
    EXPECT_TRUE(v->profile_extensions().empty());
    const ReportBlock blocks[] = {v->report_block(0), v->report_block(1)};
    EXPECT_EQ(build(ReceiverReportBuilder{.ssrc = v->ssrc(), .report_blocks = blocks}),
              bytes_of(kRr));
}

TEST(RtcpReceiverReport, RejectsLengthShorterThanReportBlocks) {
    auto bytes = bytes_of(kRr);
    bytes[3] = 0x07;  // length 7: room for one block only
    bytes.resize(32);
    auto v = ReceiverReportView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
}

TEST(RtcpReceiverReport, EmptyRrWithPaddingRoundTrips) {
    const std::uint8_t padded[] = {
        0xA0, 0xC9, 0x00, 0x02,  // V=2 P=1 RC=0, PT=201, length 2
        0x00, 0x00, 0x00, 0x05,  // SSRC
        0x00, 0x00, 0x00, 0x04,  // padding, count 4
    };
    auto v = ReceiverReportView::parse(padded);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->report_block_count(), 0u);
    EXPECT_TRUE(v->profile_extensions().empty());
    EXPECT_EQ(build(ReceiverReportBuilder{.ssrc = 5, .padding = 4}), bytes_of(padded));
}

constexpr std::uint8_t kSdes[] = {
    0x82, 0xCA, 0x00, 0x0A,  // V=2 P=0 SC=2, PT=202 SDES, length 10 (44 bytes)
    0x12, 0x34, 0x56, 0x78,  // chunk 1: SSRC
    0x01, 0x10, 'u',  's',   //   CNAME, length 16
    'e',  'r',  '@',  'e',   //
    'x',  'a',  'm',  'p',   //
    'l',  'e',  '.',  'c',   //
    'o',  'm',  0x00, 0x00,  //   "user@example.com", end of items, 1 null pad octet
    0x9A, 0xBC, 0xDE, 0xF0,  // chunk 2: SSRC
    0x08, 0x06, 0x02, 'x',   //   PRIV, length 6, prefix length 2, prefix "xy"
    'y',  'v',  'a',  'l',   //   value "val"
    0x06, 0x01, 'T',  0x00,  //   TOOL, length 1, "T"; end of items (exactly on the boundary)
};

struct Item {
    std::uint32_t ssrc;
    SdesItemType type;
    std::string prefix;
    std::string value;
};

std::vector<Item> items_of(const SdesView& v) {
    std::vector<Item> out;
    v.for_each_chunk([&](const SdesChunkView& c) {
        c.for_each_item([&](const SdesItem& it) {
            out.push_back({c.ssrc(), it.type, std::string(it.prefix.begin(), it.prefix.end()),
                           std::string(it.value.begin(), it.value.end())});
        });
    });
    return out;
}

TEST(RtcpSdes, ParsesChunksAndItems) {
    auto v = SdesView::parse(kSdes);
    ASSERT_TRUE(v) << v.error().what << " at " << v.error().offset;
    EXPECT_EQ(v->chunk_count(), 2u);
    const auto items = items_of(*v);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].ssrc, 0x12345678u);
    EXPECT_EQ(items[0].type, SdesItemType::kCname);
    EXPECT_EQ(items[0].value, "user@example.com");
    EXPECT_EQ(items[1].ssrc, 0x9ABCDEF0u);
    EXPECT_EQ(items[1].type, SdesItemType::kPriv);
    EXPECT_EQ(items[1].prefix, "xy");
    EXPECT_EQ(items[1].value, "val");
    EXPECT_EQ(items[2].type, SdesItemType::kTool);
    EXPECT_EQ(items[2].value, "T");
    bool found = false;
    v->for_each_chunk([&](const SdesChunkView& c) {
        SdesItem cname;
        if (c.ssrc() == 0x12345678u) found = c.find(SdesItemType::kCname, cname);
    });
    EXPECT_TRUE(found);
}

TEST(RtcpSdes, RoundTrips) {
    const std::string cname = "user@example.com";
    const std::string prefix = "xy", val = "val", tool = "T";
    auto span_of = [](const std::string& s) {
        return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    const SdesItem items1[] = {{SdesItemType::kCname, span_of(cname), {}}};
    const SdesItem items2[] = {{SdesItemType::kPriv, span_of(val), span_of(prefix)},
                               {SdesItemType::kTool, span_of(tool), {}}};
    const SdesChunk chunks[] = {{0x12345678, items1}, {0x9ABCDEF0, items2}};
    EXPECT_EQ(build(SdesBuilder{.chunks = chunks}), bytes_of(kSdes));
}

TEST(RtcpSdes, AllItemTypesRoundTrip) {
    const std::uint8_t text[] = {'a', 'b', 'c'};
    std::vector<SdesItem> items;
    for (std::uint8_t t = 1; t <= 8; ++t)
        items.push_back({static_cast<SdesItemType>(t), text, text});
    const SdesChunk chunks[] = {{1, items}, {2, {}}};
    const auto bytes = build(SdesBuilder{.chunks = chunks, .padding = 4});
    auto v = SdesView::parse(bytes);
    ASSERT_TRUE(v) << v.error().what;
    const auto parsed = items_of(*v);
    ASSERT_EQ(parsed.size(), 8u);
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(parsed[i].type, static_cast<SdesItemType>(i + 1));
        EXPECT_EQ(parsed[i].value, "abc");
        EXPECT_EQ(to_string(parsed[i].type).empty(), false);
    }
    EXPECT_EQ(to_string(SdesItemType::kLoc), "LOC");
    EXPECT_EQ(v->packet().padding_size(), 4);
}

TEST(RtcpSdes, RejectsItemLengthBeyondPacket) {
    auto bytes = bytes_of(kSdes);
    bytes[41] = 0x05;  // TOOL length 5 runs past the end
    auto v = SdesView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 41u);
    EXPECT_STREQ(v.error().what, "SDES item length exceeds packet");
}

TEST(RtcpSdes, RejectsChunkWithoutEndOfItems) {
    auto bytes = bytes_of(kSdes);
    bytes[43] = 0x07;  // the null octet becomes an item type (NOTE) with no length byte
    auto v = SdesView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 43u);
}

TEST(RtcpSdes, RejectsPrivPrefixLongerThanItem) {
    auto bytes = bytes_of(kSdes);
    bytes[34] = 0x06;  // prefix length 6 in an item of length 6
    auto v = SdesView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kBadLength);
    EXPECT_EQ(v.error().offset, 34u);
}

TEST(RtcpSdes, RejectsMoreChunksThanThePacketHolds) {
    auto bytes = bytes_of(kSdes);
    bytes[0] = 0x83;  // SC=3
    auto v = SdesView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 44u);
    EXPECT_STREQ(v.error().what, "SDES chunk exceeds packet");
}

constexpr std::uint8_t kBye[] = {
    0x82, 0xCB, 0x00, 0x04,  // V=2 P=0 SC=2, PT=203 BYE, length 4 (20 bytes)
    0x11, 0x11, 0x11, 0x11,  // SSRC 1
    0x22, 0x22, 0x22, 0x22,  // SSRC 2
    0x07, 'b',  'y',  'e',   // reason length 7, "bye now"
    ' ',  'n',  'o',  'w',   //
};

TEST(RtcpBye, ParsesSsrcsAndReasonAndRoundTrips) {
    auto v = ByeView::parse(kBye);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->ssrc_count(), 2u);
    EXPECT_EQ(v->ssrc(0), 0x11111111u);
    EXPECT_EQ(v->ssrc(1), 0x22222222u);
    ASSERT_TRUE(v->has_reason());
    EXPECT_EQ(v->reason_text(), "bye now");
    const std::uint32_t ssrcs[] = {v->ssrc(0), v->ssrc(1)};
    EXPECT_EQ(build(ByeBuilder{.ssrcs = ssrcs, .reason = v->reason()}), bytes_of(kBye));
}

TEST(RtcpBye, WithoutReason) {
    const std::uint32_t ssrcs[] = {9};
    const auto bytes = build(ByeBuilder{.ssrcs = ssrcs});
    ASSERT_EQ(bytes.size(), 8u);
    auto v = ByeView::parse(bytes);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->has_reason());
}

TEST(RtcpBye, RejectsReasonAndSsrcCountBeyondPacket) {
    auto bytes = bytes_of(kBye);
    bytes[12] = 0x08;
    auto v = ByeView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 12u);
    bytes = bytes_of(kBye);
    bytes[0] = 0x85;  // SC=5: 20 bytes of SSRCs in a 16-byte body
    v = ByeView::parse(bytes);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().offset, 2u);
}

constexpr std::uint8_t kApp[] = {
    0x85, 0xCC, 0x00, 0x03,  // V=2 P=0 subtype=5, PT=204 APP, length 3 (16 bytes)
    0xAB, 0xCD, 0xEF, 0x01,  // SSRC
    'T',  'E',  'S',  'T',   // name
    0x01, 0x02, 0x03, 0x04,  // application-dependent data
};

TEST(RtcpApp, ParsesAndRoundTrips) {
    auto v = AppView::parse(kApp);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->subtype(), 5);
    EXPECT_EQ(v->ssrc(), 0xABCDEF01u);
    EXPECT_EQ(v->name(), "TEST");
    ASSERT_EQ(v->data().size(), 4u);
    EXPECT_EQ(v->data()[3], 0x04);
    AppBuilder b{.subtype = 5, .ssrc = v->ssrc(), .name = {'T', 'E', 'S', 'T'}, .data = v->data()};
    EXPECT_EQ(build(b), bytes_of(kApp));
}

TEST(RtcpApp, RejectsLengthShorterThanName) {
    const std::uint8_t short_app[] = {0x80, 0xCC, 0x00, 0x01, 0, 0, 0, 1};
    auto v = AppView::parse(short_app);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 2u);
}

}  // namespace
}  // namespace rtpx::rtp::rtcp
