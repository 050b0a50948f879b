#include "rtpx/rtp/payload_types.hpp"

#include <gtest/gtest.h>

namespace rtpx::rtp {
namespace {

TEST(PayloadTypes, RegistryStartsWithTheRfc3551StaticTable) {
    const PayloadTypeRegistry reg;
    EXPECT_EQ(reg.size(), 24u);
    const PayloadType* pcmu = reg.find(0);
    ASSERT_NE(pcmu, nullptr);
    EXPECT_EQ(pcmu->encoding(), "PCMU");
    EXPECT_EQ(pcmu->clock_rate, 8000u);
    EXPECT_EQ(pcmu->channels, 1);
    EXPECT_EQ(pcmu->kind, MediaKind::kAudio);
    EXPECT_TRUE(pcmu->is_static);

    EXPECT_EQ(reg.find(8)->encoding(), "PCMA");
    EXPECT_EQ(reg.find(6)->clock_rate, 16000u);   // DVI4/16000
    EXPECT_EQ(reg.find(17)->clock_rate, 22050u);  // DVI4/22050
    EXPECT_EQ(reg.find(10)->channels, 2);         // L16/44100/2
    EXPECT_EQ(reg.find(11)->channels, 1);         // L16/44100/1
    EXPECT_EQ(reg.find(14)->clock_rate, 90000u);  // MPA
    EXPECT_EQ(reg.find(31)->encoding(), "H261");
    EXPECT_EQ(reg.find(31)->kind, MediaKind::kVideo);
    EXPECT_EQ(reg.find(33)->kind, MediaKind::kAudioVideo);  // MP2T
    EXPECT_EQ(reg.find(34)->encoding(), "H263");
}

TEST(PayloadTypes, G722KeepsTheHistorical8000HzRtpClock) {
    const PayloadTypeRegistry reg;
    ASSERT_NE(reg.find(9), nullptr);
    EXPECT_EQ(reg.find(9)->encoding(), "G722");
    EXPECT_EQ(reg.find(9)->clock_rate, 8000u);
}

TEST(PayloadTypes, ReservedUnassignedAndDynamicTypesAreUnbound) {
    const PayloadTypeRegistry reg;
    for (std::uint8_t pt : {1, 2, 19, 20, 24, 27, 29, 30, 35, 72, 96, 127, 128, 255}) {
        EXPECT_EQ(reg.find(pt), nullptr) << int{pt};
    }
    EXPECT_EQ(static_payload_type(96), nullptr);
    ASSERT_NE(static_payload_type(18), nullptr);
    EXPECT_EQ(static_payload_type(18)->encoding(), "G729");
}

TEST(PayloadTypes, AddsDynamicOpusFromRtpmapValue) {
    PayloadTypeRegistry reg;
    ASSERT_TRUE(reg.add_rtpmap(111, "opus/48000/2", MediaKind::kAudio));
    const PayloadType* opus = reg.find(111);
    ASSERT_NE(opus, nullptr);
    EXPECT_EQ(opus->encoding(), "opus");
    EXPECT_EQ(opus->clock_rate, 48000u);
    EXPECT_EQ(opus->channels, 2);
    EXPECT_EQ(opus->kind, MediaKind::kAudio);
    EXPECT_FALSE(opus->is_static);
    EXPECT_EQ(reg.size(), 25u);
}

TEST(PayloadTypes, DefaultsChannelsToOneForAudioAndZeroOtherwise) {
    PayloadTypeRegistry reg;
    ASSERT_TRUE(reg.add_rtpmap(101, "telephone-event/8000", MediaKind::kAudio));
    EXPECT_EQ(reg.find(101)->channels, 1);
    ASSERT_TRUE(reg.add_rtpmap(96, " H264/90000\r\n", MediaKind::kVideo));
    EXPECT_EQ(reg.find(96)->encoding(), "H264");
    EXPECT_EQ(reg.find(96)->channels, 0);
    EXPECT_EQ(reg.find(96)->kind, MediaKind::kVideo);
}

TEST(PayloadTypes, RebindingReplacesEvenAStaticType) {
    PayloadTypeRegistry reg;
    ASSERT_TRUE(reg.add_rtpmap(0, "PCMA/8000"));
    EXPECT_EQ(reg.find(0)->encoding(), "PCMA");
    EXPECT_FALSE(reg.find(0)->is_static);
    EXPECT_EQ(reg.size(), 24u);
}

TEST(PayloadTypes, RejectsMalformedRtpmapValuesWithSpecificErrors) {
    PayloadTypeRegistry reg;
    struct Case {
        std::uint8_t pt;
        const char* value;
        RtpmapErrc code;
    };
    const Case cases[] = {
        {128, "opus/48000/2", RtpmapErrc::kBadPayloadType},
        {96, "/48000", RtpmapErrc::kBadEncodingName},
        {96, "op us/48000", RtpmapErrc::kBadEncodingName},
        {96, "abcdefghijklmnopqrstuvwxyzABCDEF/8000", RtpmapErrc::kBadEncodingName},  // 32 chars
        {96, "opus", RtpmapErrc::kMissingClockRate},
        {96, "opus/", RtpmapErrc::kMissingClockRate},
        {96, "opus/48k", RtpmapErrc::kBadClockRate},
        {96, "opus/0", RtpmapErrc::kBadClockRate},
        {96, "opus/4294967296", RtpmapErrc::kBadClockRate},
        {96, "opus/48000/", RtpmapErrc::kBadChannels},
        {96, "opus/48000/0", RtpmapErrc::kBadChannels},
        {96, "opus/48000/256", RtpmapErrc::kBadChannels},
        {96, "opus/48000/2/1", RtpmapErrc::kBadChannels},
    };
    for (const Case& c : cases) {
        const auto r = reg.add_rtpmap(c.pt, c.value);
        ASSERT_FALSE(r) << c.value;
        EXPECT_EQ(r.error().code, c.code) << c.value;
        EXPECT_NE(r.error().what, nullptr);
    }
    EXPECT_EQ(reg.find(96), nullptr);  // nothing half-added
}

TEST(PayloadTypes, FindsPayloadTypeByEncodingCaseInsensitively) {
    PayloadTypeRegistry reg;
    ASSERT_TRUE(reg.add_rtpmap(111, "opus/48000/2"));
    EXPECT_EQ(reg.find_pt("OPUS", 48000), 111);
    EXPECT_EQ(reg.find_pt("opus", 48000, 1), -1);
    EXPECT_EQ(reg.find_pt("pcmu", 8000), 0);
    EXPECT_EQ(reg.find_pt("DVI4", 16000), 6);
    EXPECT_EQ(reg.find_pt("G729", 16000), -1);
}

TEST(PayloadTypes, RemoveAndClear) {
    PayloadTypeRegistry reg;
    reg.remove(0);
    EXPECT_EQ(reg.find(0), nullptr);
    EXPECT_EQ(reg.size(), 23u);
    reg.clear();
    EXPECT_EQ(reg.size(), 0u);
    EXPECT_EQ(reg.find(8), nullptr);
}

TEST(PayloadTypes, FlagsTheRtcpMuxConflictRange) {
    EXPECT_FALSE(conflicts_with_rtcp_mux(63));
    EXPECT_TRUE(conflicts_with_rtcp_mux(64));
    EXPECT_TRUE(conflicts_with_rtcp_mux(72));
    EXPECT_TRUE(conflicts_with_rtcp_mux(95));
    EXPECT_FALSE(conflicts_with_rtcp_mux(96));
}

}  // namespace
}  // namespace rtpx::rtp
