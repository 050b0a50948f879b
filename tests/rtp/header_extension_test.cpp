// RFC 8285 blocks (validation, iteration), extension URIs and the per-stream ExtensionMap.
#include "rtpx/rtp/header_extension.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace rtpx::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(ExtensionForm, ClassifiesProfiles) {
    EXPECT_EQ(extension_form_of(0xBEDE), ExtensionForm::kOneByte);
    EXPECT_EQ(extension_form_of(0x1000), ExtensionForm::kTwoByte);
    EXPECT_EQ(extension_form_of(0x100F), ExtensionForm::kTwoByte);
    EXPECT_EQ(extension_form_of(0x1010), ExtensionForm::kOther);
    EXPECT_EQ(extension_form_of(0x0000), ExtensionForm::kOther);
}

TEST(ExtensionBlock, ValidatesOneByteBodyWithPaddingAnywhere) {
    const Bytes body = {
        0x00, 0x10, 0x01, 0x00,  // pad | ID=1 L=0 data 01 | pad
        0x21, 0x02, 0x03, 0x00,  // ID=2 L=1 data 02 03 | pad
    };
    EXPECT_TRUE(validate_extension_elements(0xBEDE, body, 16));
    std::vector<int> ids;
    for (const auto& e : HeaderExtensionRange(0xBEDE, body)) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<int>{1, 2}));
}

TEST(ExtensionBlock, ReportsOffsetOfOneByteElementRelativeToBase) {
    const Bytes body = {0x10, 0x01, 0x23, 0x00};  // ID=2 L=3 needs 4 data bytes, 1 left
    auto r = validate_extension_elements(0xBEDE, body, 16);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(r.error().offset, 18u);
}

TEST(ExtensionBlock, IgnoresBytesAfterOneByteIdFifteen) {
    const Bytes body = {0x10, 0x01, 0xF0, 0xFF};  // ID 15 stops; the 0xFF would be malformed
    EXPECT_TRUE(validate_extension_elements(0xBEDE, body, 0));
    int count = 0;
    for (const auto& e : HeaderExtensionRange(0xBEDE, body)) {
        EXPECT_EQ(e.id, 1);
        ++count;
    }
    EXPECT_EQ(count, 1);
}

TEST(ExtensionBlock, OneByteIdZeroWithLengthIsMalformed) {
    const Bytes body = {0x10, 0x01, 0x02, 0x00};  // ID=1 L=0 | ID=0 L=2: not padding
    auto r = validate_extension_elements(0xBEDE, body, 16);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::kBadValue);
    EXPECT_EQ(r.error().offset, 18u);
    std::vector<int> ids;
    for (const auto& e : HeaderExtensionRange(0xBEDE, body)) ids.push_back(e.id);
    EXPECT_EQ(ids, std::vector<int>{1});
    EXPECT_FALSE(find_extension_element(0xBEDE, body, 0));
}

TEST(ExtensionBlock, TwoByteAllowsEmptyElementsAndHighIds) {
    const Bytes body = {
        0xFF, 0x00, 0x10, 0x02,  // ID=255 L=0 | ID=16 L=2
        0xAB, 0xCD, 0x00, 0x00,  // data | pad pad
    };
    EXPECT_TRUE(validate_extension_elements(0x1000, body, 0));
    std::vector<std::pair<int, std::size_t>> seen;
    for (const auto& e : HeaderExtensionRange(0x1000, body)) seen.emplace_back(e.id, e.data.size());
    EXPECT_EQ(seen, (std::vector<std::pair<int, std::size_t>>{{255, 0}, {16, 2}}));
}

TEST(ExtensionBlock, RejectsTwoByteElementLongerThanBlockAtItsHeader) {
    const Bytes body = {0x00, 0x05, 0x03, 0x01};  // pad | ID=5 L=3, 1 left
    auto r = validate_extension_elements(0x1000, body, 100);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().offset, 101u);
}

TEST(ExtensionBlock, IterationStopsAtMalformedElementWithoutReadingPastBlock) {
    const Bytes body = {0x10, 0x01, 0x2F, 0x00};  // second element claims 16 bytes
    int count = 0;
    for (const auto& e : HeaderExtensionRange(0xBEDE, body)) {
        EXPECT_EQ(e.id, 1);
        ++count;
    }
    EXPECT_EQ(count, 1);
}

TEST(ExtensionBlock, OtherProfilesAlwaysValidateAndIterateEmpty) {
    const Bytes body = {0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_TRUE(validate_extension_elements(0x1234, body, 0));
    const HeaderExtensionRange range(0x1234, body);
    EXPECT_EQ(range.begin(), range.end());
}

TEST(ExtensionUri, EveryTypeRoundTripsThroughItsUri) {
    for (std::size_t i = 1; i < kExtensionTypeCount; ++i) {
        const auto type = static_cast<ExtensionType>(i);
        EXPECT_FALSE(uri_of(type).empty());
        EXPECT_EQ(type_from_uri(uri_of(type)), type) << uri_of(type);
    }
    EXPECT_EQ(type_from_uri("urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
              ExtensionType::kAudioLevel);
    EXPECT_EQ(type_from_uri("urn:3gpp:video-orientation"), ExtensionType::kVideoOrientation);
    EXPECT_EQ(type_from_uri("urn:example:unknown"), ExtensionType::kNone);
    EXPECT_EQ(type_from_uri(""), ExtensionType::kNone);
    EXPECT_EQ(name_of(ExtensionType::kTransportWideCc), "transport_wide_cc");
}

TEST(ExtensionMap, BindsIdsBothWays) {
    ExtensionMap map;
    EXPECT_TRUE(map.empty());
    EXPECT_TRUE(map.set(1, ExtensionType::kAudioLevel));
    EXPECT_TRUE(map.set_uri(
        3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
    EXPECT_EQ(map.type_of(1), ExtensionType::kAudioLevel);
    EXPECT_EQ(map.type_of(3), ExtensionType::kTransportWideCc);
    EXPECT_EQ(map.type_of(2), ExtensionType::kNone);
    EXPECT_EQ(map.id_of(ExtensionType::kAudioLevel), 1);
    EXPECT_EQ(map.id_of(ExtensionType::kTransportWideCc), 3);
    EXPECT_EQ(map.id_of(ExtensionType::kMid), 0);
    EXPECT_FALSE(map.empty());
}

TEST(ExtensionMap, RefusesIdZeroAndUnknownUris) {
    ExtensionMap map;
    EXPECT_FALSE(map.set(0, ExtensionType::kAudioLevel));
    EXPECT_FALSE(map.set_uri(4, "urn:example:unknown"));
    EXPECT_TRUE(map.empty());
}

TEST(ExtensionMap, AcceptsTwoByteOnlyIds) {
    ExtensionMap map;
    EXPECT_TRUE(map.set(15, ExtensionType::kMid));
    EXPECT_TRUE(map.set(255, ExtensionType::kRtpStreamId));
    EXPECT_EQ(map.type_of(255), ExtensionType::kRtpStreamId);
    EXPECT_EQ(map.id_of(ExtensionType::kMid), 15);
}

TEST(ExtensionMap, RebindingReplacesOlderBindingsOfIdAndType) {
    ExtensionMap map;
    map.set(1, ExtensionType::kAudioLevel);
    map.set(2, ExtensionType::kAudioLevel);  // type moves to ID 2
    EXPECT_EQ(map.type_of(1), ExtensionType::kNone);
    EXPECT_EQ(map.id_of(ExtensionType::kAudioLevel), 2);
    map.set(2, ExtensionType::kMid);  // ID 2 now names MID; audio level loses its ID
    EXPECT_EQ(map.id_of(ExtensionType::kAudioLevel), 0);
    EXPECT_EQ(map.id_of(ExtensionType::kMid), 2);
    map.erase(2);
    EXPECT_EQ(map.id_of(ExtensionType::kMid), 0);
    EXPECT_TRUE(map.empty());
    map.set(5, ExtensionType::kMid);
    map.clear();
    EXPECT_EQ(map.type_of(5), ExtensionType::kNone);
}

}  // namespace
}  // namespace rtpx::rtp
