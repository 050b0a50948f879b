// RtpView, the in-place mutators and RtpPacketWriter (RFC 3550 section 5.1, RFC 8285).
#include "rtpx/rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "rtpx/rtp/extensions/audio_level.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"

namespace rtpx::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// RFC 3550 5.1: a packet with two CSRCs, no extension, marker set, 4 payload bytes.
const Bytes kTwoCsrcPacket = {
    0x82, 0xE0, 0x12, 0x34,  // V=2 P=0 X=0 CC=2 | M=1 PT=96 | sequence number 0x1234
    0xDE, 0xAD, 0xBE, 0xEF,  // timestamp
    0x01, 0x02, 0x03, 0x04,  // SSRC
    0x11, 0x11, 0x11, 0x11,  // CSRC 1
    0x22, 0x22, 0x22, 0x22,  // CSRC 2
    0xAA, 0xBB, 0xCC, 0xDD,  // payload
};

// RFC 8285 4.2 figure: one-byte block, length 3 words: ID 1 L=0 (1 byte), ID 2 L=1 (2 bytes),
// two padding bytes, ID 3 L=3 (4 bytes).
const Bytes kRfc8285OneBytePacket = {
    0x90, 0x6F, 0x00, 0x01,  // V=2 X=1 CC=0 | M=0 PT=111 | seq 1
    0x00, 0x00, 0x00, 0x02,  // timestamp 2
    0x00, 0x00, 0x00, 0x03,  // SSRC 3
    0xBE, 0xDE, 0x00, 0x03,  // profile 0xBEDE, length 3
    0x10, 0xA1, 0x21, 0xB1,  // ID=1 L=0 data A1 | ID=2 L=1 data B1 ..
    0xB2, 0x00, 0x00, 0x33,  // .. B2 | pad | pad | ID=3 L=3
    0xC1, 0xC2, 0xC3, 0xC4,  // data
    0xFF,                    // payload
};

// RFC 8285 4.3 figure: two-byte block, length 3 words: ID 1 L=0, ID 2 L=1, pad, ID 3 L=4.
const Bytes kRfc8285TwoBytePacket = {
    0x90, 0x6F, 0x00, 0x01,  // V=2 X=1 | PT=111 | seq 1
    0x00, 0x00, 0x00, 0x02,  // timestamp
    0x00, 0x00, 0x00, 0x03,  // SSRC
    0x10, 0x00, 0x00, 0x03,  // profile 0x1000 (appbits 0), length 3
    0x01, 0x00, 0x02, 0x01,  // ID=1 L=0 | ID=2 L=1
    0xB1, 0x00, 0x03, 0x04,  // data B1 | pad | ID=3 L=4
    0xC1, 0xC2, 0xC3, 0xC4,  // data
};

// A realistic audio packet: one-byte block with ssrc-audio-level (ID 1) and transport-cc (ID 3).
Bytes audio_packet_with_two_extensions(std::size_t payload_size = 160) {
    Bytes p = {
        0x90, 0x6F, 0x00, 0x2A,  // V=2 X=1 | PT=111 | seq 42
        0x00, 0x01, 0xE2, 0x40,  // timestamp 123456
        0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
        0xBE, 0xDE, 0x00, 0x02,  // one-byte profile, 2 words
        0x10, 0xAA, 0x31, 0x12,  // ID=1 L=0 V=1 level 42 | ID=3 L=1 tsn 0x12 ..
        0x34, 0x00, 0x00, 0x00,  // .. 0x34 | padding
    };
    for (std::size_t i = 0; i < payload_size; ++i) p.push_back(static_cast<std::uint8_t>(i));
    return p;
}

TEST(RtpParse, ReadsEveryFixedHeaderFieldAndCsrcs) {
    auto view = RtpView::parse(kTwoCsrcPacket);
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_EQ(view->version(), 2);
    EXPECT_FALSE(view->has_padding());
    EXPECT_FALSE(view->has_extension());
    EXPECT_EQ(view->csrc_count(), 2);
    EXPECT_TRUE(view->marker());
    EXPECT_EQ(view->payload_type(), 96);
    EXPECT_EQ(view->sequence_number(), 0x1234);
    EXPECT_EQ(view->timestamp(), 0xDEADBEEFu);
    EXPECT_EQ(view->ssrc(), 0x01020304u);
    EXPECT_EQ(view->csrc(0), 0x11111111u);
    EXPECT_EQ(view->csrc(1), 0x22222222u);
    EXPECT_EQ(view->header_size(), 20u);
    ASSERT_EQ(view->payload().size(), 4u);
    EXPECT_EQ(view->payload()[0], 0xAA);
    EXPECT_EQ(view->extension_form(), ExtensionForm::kNone);
    EXPECT_TRUE(view->extension_data().empty());
    EXPECT_EQ(view->extensions().begin(), view->extensions().end());
    EXPECT_EQ(view->bytes().size(), kTwoCsrcPacket.size());
}

TEST(RtpParse, ReadsRfc8285OneByteElementsSkippingPadding) {
    auto view = RtpView::parse(kRfc8285OneBytePacket);
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_EQ(view->extension_profile(), 0xBEDE);
    EXPECT_EQ(view->extension_form(), ExtensionForm::kOneByte);
    EXPECT_EQ(view->extension_data().size(), 12u);
    EXPECT_EQ(view->header_size(), 28u);
    std::vector<std::pair<int, Bytes>> seen;
    for (const HeaderExtensionElement& e : view->extensions()) {
        seen.emplace_back(e.id, Bytes(e.data.begin(), e.data.end()));
    }
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (std::pair<int, Bytes>{1, {0xA1}}));
    EXPECT_EQ(seen[1], (std::pair<int, Bytes>{2, {0xB1, 0xB2}}));
    EXPECT_EQ(seen[2], (std::pair<int, Bytes>{3, {0xC1, 0xC2, 0xC3, 0xC4}}));
    EXPECT_EQ(view->find_extension(2).size(), 2u);
    EXPECT_TRUE(view->find_extension(4).empty());
    ASSERT_EQ(view->payload().size(), 1u);
    EXPECT_EQ(view->payload()[0], 0xFF);
}

TEST(RtpParse, ReadsRfc8285TwoByteElementsIncludingEmptyOne) {
    auto view = RtpView::parse(kRfc8285TwoBytePacket);
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_EQ(view->extension_form(), ExtensionForm::kTwoByte);
    std::vector<std::pair<int, std::size_t>> seen;
    for (const auto& e : view->extensions()) seen.emplace_back(e.id, e.data.size());
    EXPECT_EQ(seen, (std::vector<std::pair<int, std::size_t>>{{1, 0}, {2, 1}, {3, 4}}));
    ASSERT_TRUE(view->find_extension_element(1).has_value());
    EXPECT_TRUE(view->find_extension_element(1)->empty());
    EXPECT_FALSE(view->find_extension_element(9).has_value());
    EXPECT_EQ(view->find_extension(3)[3], 0xC4);
    EXPECT_TRUE(view->payload().empty());
}

TEST(RtpParse, AcceptsTwoByteProfileWithAppBits) {
    Bytes p = kRfc8285TwoBytePacket;
    p[13] = 0x0F;  // profile 0x100F
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->extension_form(), ExtensionForm::kTwoByte);
    EXPECT_EQ(view->find_extension(2).size(), 1u);
}

TEST(RtpParse, OneByteIdFifteenStopsProcessing) {
    Bytes p = kRfc8285OneBytePacket;
    p[22] = 0xF0;  // the first padding byte becomes ID 15: element 3 is not processed
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    int count = 0;
    for (const auto& e : view->extensions()) {
        EXPECT_NE(e.id, 3);
        ++count;
    }
    EXPECT_EQ(count, 2);
}

TEST(RtpParse, OtherProfilesAreOpaque) {
    Bytes p = kRfc8285OneBytePacket;
    p[12] = 0x12;  // profile 0x12DE: not RFC 8285
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->extension_form(), ExtensionForm::kOther);
    EXPECT_EQ(view->extension_data().size(), 12u);
    EXPECT_EQ(view->extensions().begin(), view->extensions().end());
}

TEST(RtpParse, StripsPaddingFromPayload) {
    Bytes p = kTwoCsrcPacket;
    p[0] |= 0x20;
    p.insert(p.end(), {0x00, 0x00, 0x03});  // 3 bytes of padding, count last
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->padding_size(), 3u);
    EXPECT_EQ(view->payload().size(), 4u);
}

TEST(RtpParse, AcceptsPaddingThatFillsAllBytesAfterHeader) {
    Bytes p(kTwoCsrcPacket.begin(), kTwoCsrcPacket.begin() + 20);
    p[0] |= 0x20;
    p.insert(p.end(), {0x00, 0x02});
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->payload().size(), 0u);
}

// Both parse and parse_strict must reject the packet with this code and offset.
void expect_error(const Bytes& p, ParseErrc code, std::uint32_t offset) {
    for (auto view : {RtpView::parse(p), RtpView::parse_strict(p)}) {
        ASSERT_FALSE(view);
        EXPECT_EQ(view.error().code, code) << view.error().what;
        EXPECT_EQ(view.error().offset, offset) << view.error().what;
    }
}

// parse accepts the packet (elements are looked at lazily); parse_strict rejects it; iteration
// yields the elements before the bad one, then stops.
void expect_element_error(const Bytes& p, std::uint32_t offset, std::vector<int> good_ids) {
    auto strict = RtpView::parse_strict(p);
    ASSERT_FALSE(strict);
    EXPECT_EQ(strict.error().code, ParseErrc::kTruncated) << strict.error().what;
    EXPECT_EQ(strict.error().offset, offset) << strict.error().what;
    auto lenient = RtpView::parse(p);
    ASSERT_TRUE(lenient);
    EXPECT_FALSE(lenient->validate_extensions());
    std::vector<int> ids;
    for (const auto& e : lenient->extensions()) ids.push_back(e.id);
    EXPECT_EQ(ids, good_ids);
}

TEST(RtpParse, RejectsPacketShorterThanFixedHeader) {
    expect_error(Bytes(kTwoCsrcPacket.begin(), kTwoCsrcPacket.begin() + 11), ParseErrc::kTruncated,
                 11);
}

TEST(RtpParse, RejectsVersionOtherThanTwo) {
    Bytes p = kTwoCsrcPacket;
    p[0] = static_cast<std::uint8_t>((p[0] & 0x3F) | 0x40);
    expect_error(p, ParseErrc::kBadVersion, 0);
}

TEST(RtpParse, RejectsCsrcListLongerThanPacket) {
    Bytes p = kTwoCsrcPacket;
    p[0] = 0x86;  // CC=6: 24 CSRC bytes from offset 12, only 12 there
    expect_error(p, ParseErrc::kTruncated, 12);
}

TEST(RtpParse, RejectsExtensionHeaderCutByPacketEnd) {
    Bytes p(kRfc8285OneBytePacket.begin(), kRfc8285OneBytePacket.begin() + 14);
    expect_error(p, ParseErrc::kTruncated, 12);
}

TEST(RtpParse, RejectsExtensionLongerThanPacket) {
    Bytes p = kRfc8285OneBytePacket;
    p[15] = 0x04;  // 4 words = 16 bytes, 13 remain
    expect_error(p, ParseErrc::kTruncated, 14);
}

TEST(RtpParse, RejectsOneByteElementLongerThanBlock) {
    Bytes p = kRfc8285OneBytePacket;
    p[23] = 0x34;  // ID=3 L=4: 5 data bytes, 4 left in the block
    expect_element_error(p, 23, {1, 2});
}

TEST(RtpParse, RejectsTwoByteElementLongerThanBlock) {
    Bytes p = kRfc8285TwoBytePacket;
    p[23] = 0x05;  // ID=3 L=5, 4 left
    expect_element_error(p, 22, {1, 2});
}

TEST(RtpParse, RejectsTwoByteElementHeaderCutByBlockEnd) {
    Bytes p = kRfc8285TwoBytePacket;
    p[22] = 0x00;  // element 3 becomes padding ..
    p[23] = 0x00;
    p[24] = 0x00;
    p[25] = 0x00;
    p[26] = 0x00;
    p[27] = 0x07;  // .. and the last byte of the block an ID with no length byte
    expect_element_error(p, 27, {1, 2});
}

TEST(RtpParse, RejectsZeroPaddingCount) {
    Bytes p = kTwoCsrcPacket;
    p[0] |= 0x20;
    p.back() = 0;
    expect_error(p, ParseErrc::kBadPadding, static_cast<std::uint32_t>(p.size() - 1));
}

TEST(RtpParse, RejectsPaddingCountLargerThanBytesAfterHeader) {
    Bytes p = kTwoCsrcPacket;
    p[0] |= 0x20;
    p.back() = 5;  // 4 bytes after the 20-byte header
    expect_error(p, ParseErrc::kBadPadding, static_cast<std::uint32_t>(p.size() - 1));
}

TEST(RtpParse, GetsTypedValuesThroughExtensionMap) {
    const Bytes p = audio_packet_with_two_extensions();
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    ExtensionMap map;
    ASSERT_TRUE(map.set(1, ExtensionType::kAudioLevel));
    ASSERT_TRUE(map.set(3, ExtensionType::kTransportWideCc));
    auto level = view->get<AudioLevel>(map);
    ASSERT_TRUE(level);
    EXPECT_TRUE(level->voice_activity);
    EXPECT_EQ(level->level, 42);
    auto tsn = view->get<TransportWideCc>(map);
    ASSERT_TRUE(tsn);
    EXPECT_EQ(tsn->transport_sequence_number, 0x1234);
    map.erase(3);
    EXPECT_FALSE(view->get<TransportWideCc>(map));
    map.set(5, ExtensionType::kTransportWideCc);  // mapped, but not in this packet
    EXPECT_FALSE(view->get<TransportWideCc>(map));
}

TEST(RtpParse, ReadsTypedValuesIntoAnOutParameterAndLeavesItAloneOnFailure) {
    const Bytes p = audio_packet_with_two_extensions();
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    ExtensionMap map;
    ASSERT_TRUE(map.set(1, ExtensionType::kAudioLevel));
    AudioLevel::Value level{false, 0};
    ASSERT_TRUE(view->read<AudioLevel>(map, level));
    EXPECT_TRUE(level.voice_activity);
    EXPECT_EQ(level.level, 42);
    TransportWideCc::Value tsn{7};
    EXPECT_FALSE(view->read<TransportWideCc>(map, tsn));  // not in the map
    EXPECT_EQ(tsn.transport_sequence_number, 7);
    ASSERT_TRUE(map.set(1, ExtensionType::kTransportWideCc));  // ID 1 holds 1 byte: invalid
    EXPECT_FALSE(view->read<TransportWideCc>(map, tsn));
    EXPECT_EQ(tsn.transport_sequence_number, 7);
}

TEST(RtpParse, GetReturnsNothingWhenMappedBytesAreInvalid) {
    Bytes p = audio_packet_with_two_extensions();
    ExtensionMap map;
    map.set(1, ExtensionType::kTransportWideCc);  // ID 1 holds 1 byte; transport-cc needs 2
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_FALSE(view->get<TransportWideCc>(map));
}

// --- Mutators ----------------------------------------------------------------------------

TEST(RtpMutate, RewritesHeaderFieldsInPlace) {
    Bytes p = kTwoCsrcPacket;
    set_sequence_number(p, 0xBEEF);
    set_timestamp(p, 0x01020304);
    set_ssrc(p, 0xA0B0C0D0);
    set_payload_type(p, 0);
    set_marker(p, false);
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->sequence_number(), 0xBEEF);
    EXPECT_EQ(view->timestamp(), 0x01020304u);
    EXPECT_EQ(view->ssrc(), 0xA0B0C0D0u);
    EXPECT_EQ(view->payload_type(), 0);
    EXPECT_FALSE(view->marker());
    EXPECT_EQ(view->csrc_count(), 2);  // neighbours untouched
    set_payload_type(p, 127);
    set_marker(p, true);
    EXPECT_EQ(p[1], 0xFF);
}

std::array<std::uint8_t, 256> identity_map() {
    std::array<std::uint8_t, 256> m{};
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i);
    return m;
}

TEST(RtpMutate, RemapsOneByteIdsAndDropsUnmappedAsPadding) {
    Bytes p = kRfc8285OneBytePacket;
    auto map = identity_map();
    map[1] = 7;   // 1 -> 7
    map[2] = 0;   // drop
    map[3] = 20;  // does not fit one-byte: dropped
    const RemapResult r = remap_extension_ids(p, map);
    EXPECT_EQ(r.rewritten, 1);
    EXPECT_EQ(r.dropped, 2);
    EXPECT_EQ(p.size(), kRfc8285OneBytePacket.size());
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    std::vector<int> ids;
    for (const auto& e : view->extensions()) ids.push_back(e.id);
    EXPECT_EQ(ids, std::vector<int>{7});
    EXPECT_EQ(view->find_extension(7)[0], 0xA1);
    EXPECT_EQ(p[18], 0x00);  // the dropped element's bytes are now padding
    EXPECT_EQ(p[20], 0x00);
    EXPECT_EQ(view->payload()[0], 0xFF);
}

TEST(RtpMutate, RemapsTwoByteIdsIncludingHighIds) {
    Bytes p = kRfc8285TwoBytePacket;
    auto map = identity_map();
    map[1] = 200;
    map[3] = 0;
    const RemapResult r = remap_extension_ids(p, map);
    EXPECT_EQ(r.rewritten, 2);
    EXPECT_EQ(r.dropped, 1);
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    std::vector<int> ids;
    for (const auto& e : view->extensions()) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<int>{200, 2}));
}

TEST(RtpMutate, RemapLeavesPacketsWithoutBlockAlone) {
    Bytes p = kTwoCsrcPacket;
    const RemapResult r = remap_extension_ids(p, std::array<std::uint8_t, 256>{});
    EXPECT_EQ(r.rewritten + r.dropped, 0);
    EXPECT_EQ(p, kTwoCsrcPacket);
}

TEST(RtpMutate, StripsExtensionBlockKeepingPayloadAndPadding) {
    Bytes p = audio_packet_with_two_extensions(5);
    p[0] |= 0x20;
    p.insert(p.end(), {0x00, 0x02});
    const std::size_t n = strip_header_extensions(p);
    EXPECT_EQ(n, p.size() - 12);
    auto view = RtpView::parse(ByteSpan(p.data(), n));
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_FALSE(view->has_extension());
    EXPECT_EQ(view->header_size(), 12u);
    EXPECT_EQ(view->padding_size(), 2u);
    EXPECT_EQ(Bytes(view->payload().begin(), view->payload().end()), (Bytes{0, 1, 2, 3, 4}));
    EXPECT_EQ(view->ssrc(), 0xCAFEBABEu);
}

TEST(RtpMutate, RemapAndStripFindTheBlockAfterCsrcs) {
    const Bytes original = {
        0x92, 0x00, 0x00, 0x01,  // V=2 X=1 CC=2 | PT=0 | seq 1
        0x00, 0x00, 0x00, 0x02,  // timestamp
        0x00, 0x00, 0x00, 0x03,  // SSRC
        0x00, 0x00, 0x00, 0x0A,  // CSRC 10
        0x00, 0x00, 0x00, 0x0B,  // CSRC 11
        0xBE, 0xDE, 0x00, 0x01,  // one-byte block, 1 word
        0x20, 0x55, 0x00, 0x00,  // ID=2 L=0 data 55 | pad pad
        0x77, 0x88,              // payload
    };
    Bytes p = original;
    auto map = identity_map();
    map[2] = 9;
    EXPECT_EQ(remap_extension_ids(p, map).rewritten, 1);
    EXPECT_EQ(p[24], 0x90);
    auto view = RtpView::parse_strict(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->find_extension(9)[0], 0x55);
    const std::size_t n = strip_header_extensions(p);
    EXPECT_EQ(n, original.size() - 8);
    view = RtpView::parse_strict(ByteSpan(p.data(), n));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->csrc(1), 0x0Bu);
    EXPECT_EQ(Bytes(view->payload().begin(), view->payload().end()), (Bytes{0x77, 0x88}));
}

TEST(RtpMutate, StripWithoutBlockReturnsSameLength) {
    Bytes p = kTwoCsrcPacket;
    EXPECT_EQ(strip_header_extensions(p), p.size());
    EXPECT_EQ(p, kTwoCsrcPacket);
}

// --- Writer ------------------------------------------------------------------------------

// Rewrites a parsed packet element by element: the generic round trip.
Bytes rewrite(const RtpView& view, RtpPacketWriter::Form form = RtpPacketWriter::Form::kAuto) {
    Bytes out(view.size() + 64);
    RtpPacketWriter w(out);
    w.set_marker(view.marker());
    w.set_payload_type(view.payload_type());
    w.set_sequence_number(view.sequence_number());
    w.set_timestamp(view.timestamp());
    w.set_ssrc(view.ssrc());
    w.set_extension_form(form, static_cast<std::uint8_t>(view.extension_profile() & 0x0F));
    for (std::size_t i = 0; i < view.csrc_count(); ++i) EXPECT_TRUE(w.add_csrc(view.csrc(i)));
    for (const auto& e : view.extensions()) EXPECT_TRUE(w.add_extension(e.id, e.data));
    EXPECT_TRUE(w.set_payload(view.payload()));
    if (view.has_padding()) {
        EXPECT_TRUE(w.set_padding(view.padding_size()));
    }
    auto n = w.finish();
    EXPECT_TRUE(n);
    out.resize(n ? *n : 0);
    return out;
}

TEST(RtpWrite, RoundTripsPacketWithCsrcs) {
    auto view = RtpView::parse(kTwoCsrcPacket);
    ASSERT_TRUE(view);
    EXPECT_EQ(rewrite(*view), kTwoCsrcPacket);
}

TEST(RtpWrite, RoundTripsOneBytePacketWithPadding) {
    Bytes p = audio_packet_with_two_extensions(7);
    p[0] |= 0x20;
    p.insert(p.end(), {0x00, 0x00, 0x00, 0x04});
    auto view = RtpView::parse(p);
    ASSERT_TRUE(view);
    EXPECT_EQ(rewrite(*view), p);
}

TEST(RtpWrite, RoundTripsTwoBytePacketWhenAnElementIsEmpty) {
    // RFC 8285 4.3 figure without its interior padding byte: ID 1 L=0, ID 2 L=1, ID 3 L=4, 1 pad.
    const Bytes expected = {
        0x90, 0x6F, 0x00, 0x01,  // header
        0x00, 0x00, 0x00, 0x02,  //
        0x00, 0x00, 0x00, 0x03,  //
        0x10, 0x00, 0x00, 0x03,  // two-byte profile, 3 words
        0x01, 0x00, 0x02, 0x01,  // ID=1 L=0 | ID=2 L=1
        0xB1, 0x03, 0x04, 0xC1,  // B1 | ID=3 L=4 | C1 ..
        0xC2, 0xC3, 0xC4, 0x00,  // .. C2 C3 C4 | pad
    };
    auto view = RtpView::parse(kRfc8285TwoBytePacket);
    ASSERT_TRUE(view);
    EXPECT_EQ(rewrite(*view), expected);
}

TEST(RtpWrite, ChoosesOneByteFormWhenEveryElementFits) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    ASSERT_TRUE(w.add_extension<AudioLevel>(1, AudioLevel::Value{true, 42}));
    ASSERT_TRUE(w.add_extension<TransportWideCc>(3, TransportWideCc::Value{0x1234}));
    auto n = w.finish();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 24u);
    EXPECT_EQ(Bytes(buf.begin() + 12, buf.begin() + 24),
              (Bytes{0xBE, 0xDE, 0x00, 0x02,     // one-byte profile, 2 words
                     0x10, 0xAA, 0x31, 0x12,     // ID=1 L=0 | ID=3 L=1 ..
                     0x34, 0x00, 0x00, 0x00}));  // .. | padding to the word
    auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->extension_form(), ExtensionForm::kOneByte);
}

TEST(RtpWrite, PadsOneByteBlockToWholeWords) {
    Bytes buf(256);
    RtpPacketWriter w(buf);
    w.set_payload_type(111);
    w.set_sequence_number(42);
    w.set_timestamp(123456);
    w.set_ssrc(0xCAFEBABE);
    ASSERT_TRUE(w.add_extension<AudioLevel>(1, AudioLevel::Value{true, 42}));
    ASSERT_TRUE(w.add_extension<TransportWideCc>(3, TransportWideCc::Value{0x1234}));
    Bytes payload(160);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
    ASSERT_TRUE(w.set_payload(payload));
    auto n = w.finish();
    ASSERT_TRUE(n);
    buf.resize(*n);
    EXPECT_EQ(buf, audio_packet_with_two_extensions());
}

TEST(RtpWrite, ChoosesTwoByteFormForHighIdLongOrEmptyElements) {
    const std::array<std::uint8_t, 17> seventeen{};
    struct Case {
        std::uint8_t id;
        ByteSpan data;
    };
    const std::uint8_t one = 0x55;
    for (const Case& c : {Case{15, ByteSpan(&one, 1)}, Case{200, ByteSpan(&one, 1)},
                          Case{2, ByteSpan(seventeen)}, Case{2, ByteSpan()}}) {
        Bytes buf(64);
        RtpPacketWriter w(buf);
        ASSERT_TRUE(w.add_extension<AudioLevel>(1, AudioLevel::Value{false, 10}));
        ASSERT_TRUE(w.add_extension(c.id, c.data));
        auto n = w.finish();
        ASSERT_TRUE(n);
        auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
        ASSERT_TRUE(view) << view.error().what;
        EXPECT_EQ(view->extension_form(), ExtensionForm::kTwoByte);
        auto e = view->find_extension_element(c.id);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->size(), c.data.size());
        EXPECT_EQ(view->find_extension(1)[0], 10);
    }
}

TEST(RtpWrite, ForcedOneByteFormRefusesElementsThatDoNotFit) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    w.set_extension_form(RtpPacketWriter::Form::kOneByte);
    const std::uint8_t one = 1;
    EXPECT_EQ(w.add_extension(15, ByteSpan(&one, 1)).error(), WriteErrc::kBadValue);
    EXPECT_EQ(w.add_extension(2, ByteSpan()).error(), WriteErrc::kBadValue);
    EXPECT_TRUE(w.add_extension(14, ByteSpan(&one, 1)));
}

TEST(RtpWrite, ForcedTwoByteFormCarriesAppBits) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    w.set_extension_form(RtpPacketWriter::Form::kTwoByte, 0x5);
    ASSERT_TRUE(w.add_extension<AudioLevel>(1, AudioLevel::Value{false, 1}));
    auto n = w.finish();
    ASSERT_TRUE(n);
    auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->extension_profile(), 0x1005);
    EXPECT_EQ(view->find_extension(1).size(), 1u);
}

TEST(RtpWrite, RefusesIdZeroCsrcAfterExtensionAndSixteenCsrcs) {
    Bytes buf(256);
    RtpPacketWriter w(buf);
    for (int i = 0; i < 15; ++i) ASSERT_TRUE(w.add_csrc(static_cast<std::uint32_t>(i)));
    EXPECT_EQ(w.add_csrc(99).error(), WriteErrc::kBadValue);
    const std::uint8_t one = 1;
    EXPECT_EQ(w.add_extension(0, ByteSpan(&one, 1)).error(), WriteErrc::kBadValue);
    ASSERT_TRUE(w.add_extension(1, ByteSpan(&one, 1)));
    RtpPacketWriter w2(buf);
    ASSERT_TRUE(w2.add_extension(1, ByteSpan(&one, 1)));
    EXPECT_EQ(w2.add_csrc(1).error(), WriteErrc::kBadValue);
    ASSERT_TRUE(w2.set_payload(ByteSpan(&one, 1)));
    EXPECT_EQ(w2.add_extension(2, ByteSpan(&one, 1)).error(), WriteErrc::kBadValue);
}

TEST(RtpWrite, RefusesPayloadTypeAbove127) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    w.set_payload_type(128);
    EXPECT_EQ(w.finish().error(), WriteErrc::kBadValue);
}

TEST(RtpWrite, NeverWritesPastTheBuffer) {
    // Build the 172-byte packet into every shorter buffer: each must fail with kNoRoom somewhere
    // and leave the guard bytes after the buffer untouched.
    const Bytes full = audio_packet_with_two_extensions();
    for (std::size_t size = 0; size < full.size(); ++size) {
        Bytes storage(size + 8, 0xEE);
        RtpPacketWriter w(MutableByteSpan(storage.data(), size));
        w.set_ssrc(1);
        bool ok = true;
        ok = ok && w.add_extension<AudioLevel>(1, AudioLevel::Value{true, 42}).has_value();
        ok = ok && w.add_extension<TransportWideCc>(3, TransportWideCc::Value{1}).has_value();
        ok = ok && w.set_payload(ByteSpan(full.data() + 24, 160)).has_value();
        ok = ok && w.finish().has_value();
        EXPECT_FALSE(ok) << size;
        for (std::size_t i = size; i < storage.size(); ++i) ASSERT_EQ(storage[i], 0xEE) << size;
    }
}

TEST(RtpWrite, ReservedPayloadIsWrittenInPlace) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    auto payload = w.reserve_payload(3);
    ASSERT_TRUE(payload);
    (*payload)[0] = 7;
    (*payload)[2] = 9;
    ASSERT_TRUE(w.set_padding(4));
    auto n = w.finish();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 12u + 3 + 4);
    auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->payload()[0], 7);
    EXPECT_EQ(view->payload()[2], 9);
    EXPECT_EQ(view->padding_size(), 4u);
}

}  // namespace
}  // namespace rtpx::rtp
