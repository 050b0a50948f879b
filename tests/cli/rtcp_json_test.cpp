// The `rtpx decode rtcp` contract: one JSON object per packet of a compound, `type` named as in the
// RFCs. Later checks rely on these exact names, so every type of issue 2 is built here with the
// rtp/ builders, put in one compound, and decoded.
#include "rtcp_json.hpp"

#include "input.hpp"

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/rtp/rtcp/rtcp.hpp"

namespace rtpx::cli {
namespace {

using namespace rtp::rtcp;

// The CLI's own hex reader; a fixture that fails to parse fails the test.
std::vector<std::uint8_t> from_hex(const std::string& hex) {
    auto bytes = parse_hex(hex);
    EXPECT_TRUE(bytes) << hex;
    return bytes ? *bytes : std::vector<std::uint8_t>{};
}

TEST(RtcpJson, NamesEveryPacketTypeOfACompoundAsTheRfcsDo) {
    std::array<std::uint8_t, 2048> buf{};
    CompoundBuilder compound(buf);

    const ReportBlock block{0x55667788, 12, -3, 70000, 160, 0xAABBCCDD, 65536};
    const std::array<ReportBlock, 1> blocks{block};
    SenderReportBuilder sr;
    sr.ssrc = 0x11223344;
    sr.sender_info.ntp_sec = 1;
    sr.sender_info.rtp_ts = 2;
    sr.sender_info.packet_count = 3;
    sr.sender_info.octet_count = 4;
    sr.report_blocks = blocks;
    ASSERT_TRUE(compound.append(sr));
    ReceiverReportBuilder rr;
    rr.ssrc = 0x11223344;
    rr.report_blocks = blocks;
    ASSERT_TRUE(compound.append(rr));

    const std::string cname = "alice@example.com";
    const std::array<SdesItem, 1> items{
        SdesItem{SdesItemType::kCname,
                 rtp::ByteSpan(reinterpret_cast<const std::uint8_t*>(cname.data()), cname.size()),
                 {}}};
    const std::array<SdesChunk, 1> chunks{SdesChunk{0x11223344, items}};
    SdesBuilder sdes;
    sdes.chunks = chunks;
    ASSERT_TRUE(compound.append(sdes));

    const std::array<std::uint32_t, 1> ssrcs{0x11223344};
    ByeBuilder bye;
    bye.ssrcs = ssrcs;
    ASSERT_TRUE(compound.append(bye));
    AppBuilder app;
    app.ssrc = 0x11223344;
    app.name = {'r', 't', 'p', 'x'};
    ASSERT_TRUE(compound.append(app));
    // XR with one Receiver Reference Time block (RFC 3611 section 4.4): BT=4, length 2, NTP.
    ASSERT_TRUE(compound.append_raw(from_hex("80cf000411223344040000020000000100000002")));

    const std::array<NackItem, 1> nacks{NackItem{100, 5}};
    NackBuilder nack;
    nack.sender_ssrc = 1;
    nack.media_ssrc = 2;
    nack.items = nacks;
    ASSERT_TRUE(compound.append(nack));
    const std::array<TmmbItem, 1> tmmb{TmmbItem::from_bitrate(2, 256000, 40)};
    TmmbrBuilder tmmbr;
    tmmbr.sender_ssrc = 1;
    tmmbr.items = tmmb;
    ASSERT_TRUE(compound.append(tmmbr));
    TmmbnBuilder tmmbn;
    tmmbn.sender_ssrc = 1;
    tmmbn.items = tmmb;
    ASSERT_TRUE(compound.append(tmmbn));
    TransportFeedbackBuilder twcc(1, 2, 0);
    ASSERT_TRUE(twcc.add_received(10, 1'000'000));
    ASSERT_TRUE(twcc.add_received(12, 1'021'000));
    ASSERT_TRUE(compound.append(twcc));
    const std::array<CcfbMetric, 2> metrics{CcfbMetric{true, 0, 100}, CcfbMetric{false, 0, 0}};
    const std::array<CcfbReportBlock, 1> ccfb_blocks{CcfbReportBlock{2, 500, metrics}};
    CcfbBuilder ccfb;
    ccfb.sender_ssrc = 1;
    ccfb.report_blocks = ccfb_blocks;
    ccfb.report_timestamp = 0x12345678;
    ASSERT_TRUE(compound.append(ccfb));

    PliBuilder pli;
    pli.sender_ssrc = 1;
    pli.media_ssrc = 2;
    ASSERT_TRUE(compound.append(pli));
    const std::array<SliItem, 1> slis{SliItem{1, 2, 3}};
    SliBuilder sli;
    sli.sender_ssrc = 1;
    sli.media_ssrc = 2;
    sli.items = slis;
    ASSERT_TRUE(compound.append(sli));
    const std::array<std::uint8_t, 2> picture{0xAB, 0xC0};
    RpsiBuilder rpsi;
    rpsi.sender_ssrc = 1;
    rpsi.media_ssrc = 2;
    rpsi.payload_type = 96;
    rpsi.bit_string = picture;
    rpsi.unused_bits = 6;
    ASSERT_TRUE(compound.append(rpsi));
    const std::array<FirItem, 1> firs{FirItem{2, 7}};
    FirBuilder fir;
    fir.sender_ssrc = 1;
    fir.items = firs;
    ASSERT_TRUE(compound.append(fir));
    const std::array<TstItem, 1> tsts{TstItem{2, 1, 5}};
    TstrBuilder tstr;
    tstr.sender_ssrc = 1;
    tstr.items = tsts;
    ASSERT_TRUE(compound.append(tstr));
    TstnBuilder tstn;
    tstn.sender_ssrc = 1;
    tstn.items = tsts;
    ASSERT_TRUE(compound.append(tstn));
    RembBuilder remb;
    remb.sender_ssrc = 1;
    remb.set_bitrate(1'000'000);
    remb.ssrcs = ssrcs;
    ASSERT_TRUE(compound.append(remb));

    auto json = rtcp_to_json(rtp::ByteSpan(buf.data(), compound.size()));
    ASSERT_TRUE(json) << json.error().what << " at byte " << json.error().offset;
    const std::vector<std::string> expected = {"SR",   "RR",    "SDES",  "BYE",  "APP",  "XR",
                                               "NACK", "TMMBR", "TMMBN", "TWCC", "CCFB", "PLI",
                                               "SLI",  "RPSI",  "FIR",   "TSTR", "TSTN", "REMB"};
    ASSERT_EQ(json->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ((*json)[i]["type"], expected[i]) << "packet " << i;
    }

    // A few fields of each family, as the CLI prints them.
    EXPECT_EQ((*json)[0]["report_blocks"][0]["cumulative_lost"], -3);
    EXPECT_EQ((*json)[0]["report_blocks"][0]["highest_seq"], 70000);
    EXPECT_EQ((*json)[2]["chunks"][0]["items"][0]["value"], cname);
    EXPECT_EQ((*json)[6]["lost"], (std::vector<int>{100, 101, 103}));
    EXPECT_EQ((*json)[9]["base_seq"], 10);
    EXPECT_EQ((*json)[9]["packets"].size(), 3u);  // 10 and 12 received, 11 lost
    EXPECT_EQ((*json)[9]["packets"][1]["received"], false);
    EXPECT_EQ((*json)[17]["bitrate"], 1000000);
}

TEST(RtcpJson, ReportsWhereAMalformedCompoundStops) {
    // A valid RR (8 bytes) then an SR whose length says 7 words but only 2 are there.
    auto bytes = from_hex(
        "80c9000111223344"
        "80c80006aabbccdd");
    auto json = rtcp_to_json(bytes);
    ASSERT_FALSE(json);
    EXPECT_EQ(json.error().offset, 10u);  // the second packet's length field
}

}  // namespace
}  // namespace rtpx::cli
