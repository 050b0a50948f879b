// JSON of `rtpx decode rtp` and the --extmap argument.
#include "rtp_json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace rtpx::cli {
namespace {

using json = nlohmann::ordered_json;
using Bytes = std::vector<std::uint8_t>;

const Bytes kPacket = {
    0x91, 0x6F, 0x00, 0x2A,  // V=2 X=1 CC=1 | PT=111 | seq 42
    0x00, 0x01, 0xE2, 0x40,  // timestamp 123456
    0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
    0x00, 0x00, 0x00, 0x07,  // CSRC 7
    0xBE, 0xDE, 0x00, 0x02,  // one-byte block, 2 words
    0x10, 0xAA, 0x31, 0x12,  // ID=1 L=0 audio level V=1 42 | ID=3 L=1 ..
    0x34, 0x50, 0x07, 0x00,  // .. 0x1234 | ID=5 L=0 data 07 | pad
    0x01, 0x02, 0x03,        // payload
};

TEST(RtpJson, DecodesHeaderAndMappedExtensions) {
    auto view = rtp::RtpView::parse(kPacket);
    ASSERT_TRUE(view);
    rtp::ExtensionMap map;
    map.set(1, rtp::ExtensionType::kAudioLevel);
    map.set(3, rtp::ExtensionType::kTransportWideCc);
    const json j = rtp_to_json(*view, map);
    EXPECT_EQ(j["kind"], "rtp");
    EXPECT_EQ(j["version"], 2);
    EXPECT_EQ(j["padding"], false);
    EXPECT_EQ(j["marker"], false);
    EXPECT_EQ(j["pt"], 111);
    EXPECT_EQ(j["seq"], 42);
    EXPECT_EQ(j["ts"], 123456);
    EXPECT_EQ(j["ssrc"], 0xCAFEBABEu);
    EXPECT_TRUE(j["ssrc"].is_number_unsigned());
    EXPECT_EQ(j["csrcs"], json::array({7}));
    EXPECT_EQ(j["payload_len"], 3);
    ASSERT_EQ(j["extensions"].size(), 3u);
    EXPECT_EQ(j["extensions"][0], (json{{"id", 1},
                                        {"uri", "urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
                                        {"len", 1},
                                        {"voice_activity", true},
                                        {"level", 42}}));
    EXPECT_EQ(j["extensions"][1]["transport_sequence_number"], 0x1234);
    EXPECT_EQ(j["extensions"][2], (json{{"id", 5}, {"uri", nullptr}, {"len", 1}, {"data", "07"}}));
}

TEST(RtpJson, ReportsDecoderErrorsWithTheBytes) {
    auto view = rtp::RtpView::parse(kPacket);
    ASSERT_TRUE(view);
    rtp::ExtensionMap map;
    map.set(1, rtp::ExtensionType::kTransportWideCc);  // 1 byte where 2 are needed
    const json j = rtp_to_json(*view, map);
    EXPECT_EQ(j["extensions"][0]["error"], "transport-wide sequence number must be 2 bytes");
    EXPECT_EQ(j["extensions"][0]["data"], "aa");
}

TEST(RtpJson, DecodesEveryExtensionTypeWithoutError) {
    struct Case {
        rtp::ExtensionType type;
        Bytes data;
        const char* key;
    };
    const std::vector<Case> cases = {
        {rtp::ExtensionType::kCsrcAudioLevel, {1, 2}, "levels"},
        {rtp::ExtensionType::kVideoOrientation, {0x01}, "rotation"},
        {rtp::ExtensionType::kAbsSendTime, {0x04, 0x00, 0x00}, "abs_send_time"},
        {rtp::ExtensionType::kAbsCaptureTime, Bytes(16, 1), "estimated_capture_clock_offset"},
        {rtp::ExtensionType::kTransmissionOffset, {0xFF, 0xFF, 0xFF}, "transmission_offset"},
        {rtp::ExtensionType::kFrameMarking, {0x5A, 0x03, 0xC8}, "tl0_pic_idx"},
        {rtp::ExtensionType::kMid, {'0'}, "mid"},
        {rtp::ExtensionType::kRtpStreamId, {'h'}, "rtp_stream_id"},
        {rtp::ExtensionType::kRepairedRtpStreamId, {'l'}, "repaired_rtp_stream_id"},
        {rtp::ExtensionType::kPlayoutDelay, {0x01, 0x40, 0x64}, "max_delay_ms"},
        {rtp::ExtensionType::kDependencyDescriptor,
         {0xC0, 0, 1, 0x80, 0x00, 0xE0},
         "template_dependency_structure"},
    };
    for (const Case& c : cases) {
        const json j = extension_to_json(c.type, c.data);
        EXPECT_FALSE(j.contains("error")) << j.dump();
        EXPECT_TRUE(j.contains(c.key)) << j.dump();
    }
    EXPECT_EQ(extension_to_json(rtp::ExtensionType::kTransmissionOffset,
                                Bytes{0xFF, 0xFF, 0xFF})["transmission_offset"],
              -1);
    EXPECT_EQ(extension_to_json(rtp::ExtensionType::kPlayoutDelay,
                                Bytes{0x01, 0x40, 0x64})["max_delay_ms"],
              1000);
}

TEST(ExtmapArg, ParsesIdAndKnownUri) {
    auto r = parse_extmap_arg(
        "3=http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->first, 3);
    EXPECT_EQ(r->second, rtp::ExtensionType::kTransportWideCc);
    EXPECT_TRUE(parse_extmap_arg("255=urn:ietf:params:rtp-hdrext:sdes:mid"));
}

TEST(ExtmapArg, NamesTheProblem) {
    EXPECT_NE(parse_extmap_arg("3").error().find("no '='"), std::string::npos);
    EXPECT_NE(parse_extmap_arg("x=urn:3gpp:video-orientation").error().find("not a number"),
              std::string::npos);
    EXPECT_NE(parse_extmap_arg("0=urn:3gpp:video-orientation").error().find("out of range"),
              std::string::npos);
    EXPECT_NE(parse_extmap_arg("256=urn:3gpp:video-orientation").error().find("out of range"),
              std::string::npos);
    EXPECT_NE(parse_extmap_arg("1/sendonly=urn:3gpp:video-orientation").error().find("direction"),
              std::string::npos);
    EXPECT_NE(parse_extmap_arg("1=urn:example:x").error().find("not a known extension"),
              std::string::npos);
    EXPECT_NE(parse_extmap_arg("1=").error().find("empty"), std::string::npos);
}

}  // namespace
}  // namespace rtpx::cli
