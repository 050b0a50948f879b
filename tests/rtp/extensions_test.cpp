// Header extension traits: every extension round-trips (value -> write -> parse -> equal, and
// bytes -> parse -> write -> byte-compare), and every length rule has a negative test.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "rtpx/rtp/extensions/all.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

template <class Ext>
Bytes write_value(const typename Ext::value_type& v) {
    Bytes out(Ext::value_size(v));
    auto n = Ext::write(out, v);
    EXPECT_TRUE(n);
    if (!n) return {};
    EXPECT_EQ(*n, out.size());
    // One byte short must be refused, never overrun.
    if (!out.empty()) {
        Bytes small(out.size() - 1);
        auto short_write = Ext::write(small, v);
        EXPECT_FALSE(short_write);
        if (!short_write) {
            EXPECT_EQ(short_write.error(), WriteErrc::kNoRoom);
        }
    }
    return out;
}

template <class Ext>
void expect_value_round_trip(const typename Ext::value_type& v) {
    const Bytes bytes = write_value<Ext>(v);
    auto parsed = Ext::parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().what;
    EXPECT_TRUE(*parsed == v);
}

template <class Ext>
typename Ext::value_type expect_bytes_round_trip(const Bytes& bytes) {
    auto parsed = Ext::parse(bytes);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().what);
    if (!parsed) return {};
    EXPECT_EQ(write_value<Ext>(*parsed), bytes);
    return *parsed;
}

template <class Ext>
void expect_parse_error(const Bytes& bytes, ParseErrc code, std::uint32_t offset = 0) {
    auto parsed = Ext::parse(bytes);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, code) << parsed.error().what;
    EXPECT_EQ(parsed.error().offset, offset) << parsed.error().what;
}

// --- ssrc-audio-level (RFC 6464) ---------------------------------------------------------------

TEST(AudioLevelExt, ParsesVoiceActivityAndLevel) {
    const auto v = expect_bytes_round_trip<AudioLevel>({0xAA});  // V=1, level 42
    EXPECT_TRUE(v.voice_activity);
    EXPECT_EQ(v.level, 42);
    EXPECT_FALSE(expect_bytes_round_trip<AudioLevel>({0x7F}).voice_activity);
    expect_value_round_trip<AudioLevel>({false, 0});
    expect_value_round_trip<AudioLevel>({true, 127});
}

TEST(AudioLevelExt, AcceptsPaddedVariantsAndWritesOneByte) {
    auto v = AudioLevel::parse(Bytes{0x85, 0x00, 0x00, 0x00});
    ASSERT_TRUE(v);
    EXPECT_EQ(v->level, 5);
    EXPECT_EQ(write_value<AudioLevel>(*v), Bytes{0x85});
}

TEST(AudioLevelExt, RejectsEmptyAndLongElementsAndBadLevel) {
    expect_parse_error<AudioLevel>({}, ParseErrc::kBadLength);
    expect_parse_error<AudioLevel>({1, 2, 3, 4, 5}, ParseErrc::kBadLength);
    Bytes out(1);
    EXPECT_EQ(AudioLevel::write(out, {false, 128}).error(), WriteErrc::kBadValue);
}

// --- csrc-audio-level (RFC 6465) ---------------------------------------------------------------

TEST(CsrcAudioLevelExt, RoundTripsOneLevelPerCsrc) {
    const auto v = expect_bytes_round_trip<CsrcAudioLevel>({0x01, 0x7F, 0x20});
    EXPECT_EQ(v.count, 3);
    EXPECT_EQ(v.levels[1], 127);
    CsrcAudioLevel::Value full;
    full.count = 15;
    for (std::uint8_t i = 0; i < 15; ++i) full.levels[i] = static_cast<std::uint8_t>(i * 8);
    expect_value_round_trip<CsrcAudioLevel>(full);
}

TEST(CsrcAudioLevelExt, RejectsZeroOrMoreThanFifteenLevels) {
    expect_parse_error<CsrcAudioLevel>({}, ParseErrc::kBadLength);
    expect_parse_error<CsrcAudioLevel>(Bytes(16, 1), ParseErrc::kBadLength);
    Bytes out(16);
    EXPECT_EQ(CsrcAudioLevel::write(out, {}).error(), WriteErrc::kBadValue);
}

// --- video-orientation (3GPP TS 26.114) -------------------------------------------------------

TEST(VideoOrientationExt, MapsRotationBitsToDegrees) {
    const auto v = expect_bytes_round_trip<VideoOrientation>({0x0D});  // C=1 F=1 R=01
    EXPECT_TRUE(v.back_camera);
    EXPECT_TRUE(v.flip);
    EXPECT_EQ(v.rotation, 90);
    EXPECT_EQ(expect_bytes_round_trip<VideoOrientation>({0x03}).rotation, 270);
    for (std::uint16_t r : {0, 90, 180, 270})
        expect_value_round_trip<VideoOrientation>({false, false, r});
}

TEST(VideoOrientationExt, RejectsWrongLengthAndUnrepresentableRotation) {
    expect_parse_error<VideoOrientation>({}, ParseErrc::kBadLength);
    expect_parse_error<VideoOrientation>({0, 0}, ParseErrc::kBadLength);
    Bytes out(1);
    EXPECT_EQ(VideoOrientation::write(out, {false, false, 45}).error(), WriteErrc::kBadValue);
    EXPECT_EQ(VideoOrientation::write(out, {false, false, 360}).error(), WriteErrc::kBadValue);
}

// --- transport-wide-cc ----------------------------------------------------------------------

TEST(TransportWideCcExt, RoundTripsSequenceNumber) {
    EXPECT_EQ(expect_bytes_round_trip<TransportWideCc>({0xAB, 0xCD}).transport_sequence_number,
              0xABCD);
    expect_value_round_trip<TransportWideCc>({0xFFFF});
}

TEST(TransportWideCcExt, RejectsOtherLengths) {
    expect_parse_error<TransportWideCc>({0x01}, ParseErrc::kBadLength);
    expect_parse_error<TransportWideCc>({0x01, 0x02, 0x03}, ParseErrc::kBadLength);
}

// --- abs-send-time ----------------------------------------------------------------------------

TEST(AbsSendTimeExt, RoundTrips24BitFixedPoint) {
    EXPECT_EQ(expect_bytes_round_trip<AbsSendTime>({0x12, 0x34, 0x56}).abs_send_time, 0x123456u);
    expect_value_round_trip<AbsSendTime>({0xFFFFFF});
    Bytes out(3);
    EXPECT_EQ(AbsSendTime::write(out, {0x1000000}).error(), WriteErrc::kBadValue);
    expect_parse_error<AbsSendTime>({1, 2}, ParseErrc::kBadLength);
    expect_parse_error<AbsSendTime>({1, 2, 3, 4}, ParseErrc::kBadLength);
}

TEST(AbsSendTimeExt, ConvertsFromNtpAndMicroseconds) {
    // 1.5 s: NTP 0x00000001_80000000 -> 6.18 = 1.5 * 2^18 = 0x60000.
    EXPECT_EQ(AbsSendTime::from_ntp(0x0000000180000000ULL), 0x60000u);
    EXPECT_EQ(AbsSendTime::from_microseconds(1500000), 0x60000u);
    EXPECT_EQ(AbsSendTime::to_microseconds(0x60000), 1500000u);
    EXPECT_EQ(AbsSendTime::from_microseconds(64000000), 0u);  // wraps every 64 s
}

// --- abs-capture-time -------------------------------------------------------------------------

TEST(AbsCaptureTimeExt, RoundTripsWithAndWithoutClockOffset) {
    const Bytes eight = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    auto v = expect_bytes_round_trip<AbsCaptureTime>(eight);
    EXPECT_EQ(v.absolute_capture_timestamp, 0x0102030405060708ULL);
    EXPECT_FALSE(v.estimated_capture_clock_offset);
    Bytes sixteen = eight;
    sixteen.insert(sixteen.end(), {0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00});  // -0.5 s
    v = expect_bytes_round_trip<AbsCaptureTime>(sixteen);
    ASSERT_TRUE(v.estimated_capture_clock_offset);
    EXPECT_EQ(*v.estimated_capture_clock_offset, -(std::int64_t{1} << 31));
}

TEST(AbsCaptureTimeExt, RejectsLengthsOtherThanEightOrSixteen) {
    expect_parse_error<AbsCaptureTime>(Bytes(7), ParseErrc::kBadLength);
    expect_parse_error<AbsCaptureTime>(Bytes(9), ParseErrc::kBadLength);
    expect_parse_error<AbsCaptureTime>(Bytes(17), ParseErrc::kBadLength);
}

// --- toffset (RFC 5450) -----------------------------------------------------------------------

TEST(TransmissionOffsetExt, SignExtends24Bits) {
    EXPECT_EQ(expect_bytes_round_trip<TransmissionOffset>({0xFF, 0xFF, 0xFF}).transmission_offset,
              -1);
    EXPECT_EQ(expect_bytes_round_trip<TransmissionOffset>({0x80, 0x00, 0x00}).transmission_offset,
              -(1 << 23));
    EXPECT_EQ(expect_bytes_round_trip<TransmissionOffset>({0x7F, 0xFF, 0xFF}).transmission_offset,
              (1 << 23) - 1);
    expect_value_round_trip<TransmissionOffset>({-12345});
}

TEST(TransmissionOffsetExt, RejectsOutOfRangeAndWrongLength) {
    Bytes out(3);
    EXPECT_EQ(TransmissionOffset::write(out, {1 << 23}).error(), WriteErrc::kBadValue);
    EXPECT_EQ(TransmissionOffset::write(out, {-(1 << 23) - 1}).error(), WriteErrc::kBadValue);
    expect_parse_error<TransmissionOffset>({0, 0}, ParseErrc::kBadLength);
}

// --- frame marking (RFC 9626) -----------------------------------------------------------------

TEST(FrameMarkingExt, ParsesShortFormForNonScalableStreams) {
    const auto v = expect_bytes_round_trip<FrameMarking>({0xA0});  // S=1 E=0 I=1 D=0
    EXPECT_TRUE(v.start_of_frame);
    EXPECT_FALSE(v.end_of_frame);
    EXPECT_TRUE(v.independent);
    EXPECT_FALSE(v.discardable);
    EXPECT_FALSE(v.scalable);
}

TEST(FrameMarkingExt, ParsesLongFormWithAndWithoutTl0PicIdx) {
    // S=0 E=1 I=0 D=1 B=1 TID=2 | LID=3 | TL0PICIDX=200
    auto v = expect_bytes_round_trip<FrameMarking>({0x5A, 0x03, 0xC8});
    EXPECT_TRUE(v.scalable);
    EXPECT_TRUE(v.end_of_frame);
    EXPECT_TRUE(v.discardable);
    EXPECT_TRUE(v.base_layer_sync);
    EXPECT_EQ(v.temporal_id, 2);
    EXPECT_EQ(v.layer_id, 3);
    ASSERT_TRUE(v.tl0_pic_idx);
    EXPECT_EQ(*v.tl0_pic_idx, 200);
    v = expect_bytes_round_trip<FrameMarking>({0x87, 0x01});
    EXPECT_EQ(v.temporal_id, 7);
    EXPECT_FALSE(v.tl0_pic_idx);
}

TEST(FrameMarkingExt, RejectsBadLengthsAndLayerFieldsInShortForm) {
    expect_parse_error<FrameMarking>({}, ParseErrc::kBadLength);
    expect_parse_error<FrameMarking>({1, 2, 3, 4}, ParseErrc::kBadLength);
    Bytes out(3);
    FrameMarking::Value v;
    v.temporal_id = 1;  // not scalable
    EXPECT_EQ(FrameMarking::write(out, v).error(), WriteErrc::kBadValue);
    v.scalable = true;
    v.temporal_id = 8;
    EXPECT_EQ(FrameMarking::write(out, v).error(), WriteErrc::kBadValue);
}

// --- sdes:mid, rtp-stream-id, repaired-rtp-stream-id ---------------------------------------

Bytes ascii(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

TEST(SdesExt, RoundTripsIdentifiersAsViewsIntoPacket) {
    const Bytes mid = ascii("audio0");
    auto v = Mid::parse(mid);
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, "audio0");
    EXPECT_EQ(static_cast<const void*>(v->data()), static_cast<const void*>(mid.data()));
    EXPECT_EQ(expect_bytes_round_trip<RtpStreamId>(ascii("hi-res_1")), "hi-res_1");
    EXPECT_EQ(expect_bytes_round_trip<RepairedRtpStreamId>(ascii("r0")), "r0");
    expect_value_round_trip<Mid>(std::string_view("m.1+x"));
    const std::string long_id(255, 'a');
    expect_value_round_trip<RtpStreamId>(std::string_view(long_id));
}

TEST(SdesExt, DropsTrailingNulPadding) {
    const Bytes bytes = {'f', '\0', '\0'};
    auto v = RtpStreamId::parse(bytes);
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, "f");
}

TEST(SdesExt, RejectsEmptyAndDisallowedCharactersWithOffset) {
    expect_parse_error<Mid>({}, ParseErrc::kBadLength);
    expect_parse_error<Mid>({0, 0}, ParseErrc::kBadLength);
    expect_parse_error<RtpStreamId>(ascii("ab.c"), ParseErrc::kBadValue, 2);
    expect_parse_error<RepairedRtpStreamId>(ascii("a b"), ParseErrc::kBadValue, 1);
    expect_parse_error<Mid>(ascii("a\"b"), ParseErrc::kBadValue, 1);
    Bytes out(300);
    EXPECT_EQ(RtpStreamId::write(out, "a.b").error(), WriteErrc::kBadValue);
    EXPECT_EQ(Mid::write(out, "").error(), WriteErrc::kBadValue);
    const std::string too_long(256, 'a');
    EXPECT_EQ(Mid::write(out, too_long).error(), WriteErrc::kBadValue);
    expect_parse_error<Mid>(Bytes(256, 'a'), ParseErrc::kBadLength, 255);
}

// --- playout-delay ----------------------------------------------------------------------------

TEST(PlayoutDelayExt, RoundTripsTwelveBitLimits) {
    const auto v = expect_bytes_round_trip<PlayoutDelay>({0x01, 0x40, 0x64});  // min 20, max 100
    EXPECT_EQ(v.min_delay, 20);
    EXPECT_EQ(v.max_delay, 100);
    expect_value_round_trip<PlayoutDelay>({0, 0});
    expect_value_round_trip<PlayoutDelay>({4095, 4095});
}

TEST(PlayoutDelayExt, RejectsMinAboveMaxAndWrongLength) {
    expect_parse_error<PlayoutDelay>({0x00, 0x20, 0x01}, ParseErrc::kBadValue);  // min 2 > max 1
    expect_parse_error<PlayoutDelay>({0x00, 0x00}, ParseErrc::kBadLength);
    Bytes out(3);
    EXPECT_EQ(PlayoutDelay::write(out, {0, 4096}).error(), WriteErrc::kBadValue);
    EXPECT_EQ(PlayoutDelay::write(out, {5, 4}).error(), WriteErrc::kBadValue);
}

// --- AV1 dependency descriptor -----------------------------------------------------------------

TEST(DependencyDescriptorExt, ParsesMandatoryFields) {
    // S=1 E=0 template_id=5 | frame_number 0x1234
    const auto v = expect_bytes_round_trip<DependencyDescriptor>({0x85, 0x12, 0x34});
    EXPECT_TRUE(v.start_of_frame);
    EXPECT_FALSE(v.end_of_frame);
    EXPECT_EQ(v.frame_dependency_template_id, 5);
    EXPECT_EQ(v.frame_number, 0x1234);
    EXPECT_FALSE(v.structure);
    EXPECT_FALSE(v.structure_needed);
}

TEST(DependencyDescriptorExt, ParsesSmallestTemplateStructureBitByBit) {
    const Bytes bytes = {
        0xC0, 0x00, 0x01,  // S=1 E=1 template_id=0 | frame_number 1
        0x80,  // structure=1 active=0 dtis=0 fdiffs=0 chains=0 | template_id_offset (3 hi)
        0x00,  // offset (3 lo) = 0 | dt_cnt_minus_one = 00000
        0xE0,  // next_layer_idc=11 | dti=kSwitch 10 | fdiff_follows=0 | chain_cnt=ns(2) 0
               // | resolutions_present=0 | 1 zero padding bit
    };
    // Bits after the 24 mandatory: 10000 000000 00000 11 10 0 0 0 (+1 pad bit).
    const auto v = expect_bytes_round_trip<DependencyDescriptor>(bytes);
    ASSERT_TRUE(v.structure);
    const FrameDependencyStructure& s = *v.structure;
    EXPECT_EQ(s.template_id_offset, 0);
    EXPECT_EQ(s.decode_target_count, 1);
    EXPECT_EQ(s.template_count, 1);
    EXPECT_EQ(s.templates[0].dtis[0], DecodeTargetIndication::kSwitch);
    EXPECT_EQ(s.templates[0].fdiff_count, 0);
    EXPECT_EQ(s.chain_count, 0);
    EXPECT_FALSE(s.resolutions_present);
    EXPECT_EQ(v.active_decode_targets_bitmask, 0x1u);
    EXPECT_EQ(v.decode_target_count, 1);
}

// L1T3: one spatial layer, three temporal layers, three decode targets, one chain, resolutions.
FrameDependencyStructure l1t3_structure() {
    FrameDependencyStructure s;
    s.template_id_offset = 10;
    s.decode_target_count = 3;
    s.chain_count = 1;
    s.template_count = 5;
    using D = DecodeTargetIndication;
    const std::uint8_t tids[5] = {0, 0, 1, 2, 2};
    const D dtis[5][3] = {{D::kSwitch, D::kSwitch, D::kSwitch},
                          {D::kSwitch, D::kSwitch, D::kSwitch},
                          {D::kNotPresent, D::kDiscardable, D::kSwitch},
                          {D::kNotPresent, D::kNotPresent, D::kDiscardable},
                          {D::kNotPresent, D::kNotPresent, D::kDiscardable}};
    const std::uint8_t fdiffs[5][2] = {{0, 0}, {4, 0}, {2, 0}, {1, 0}, {1, 0}};
    for (std::size_t t = 0; t < 5; ++t) {
        FrameDependencyTemplate& tmpl = s.templates[t];
        tmpl.temporal_id = tids[t];
        for (std::size_t d = 0; d < 3; ++d) tmpl.dtis[d] = dtis[t][d];
        tmpl.fdiff_count = fdiffs[t][0] == 0 ? 0 : 1;
        tmpl.fdiffs[0] = fdiffs[t][0];
        tmpl.chain_fdiffs[0] = static_cast<std::uint8_t>(t == 0 ? 0 : t);
    }
    s.decode_target_protected_by = {};  // every target protected by chain 0
    s.resolutions_present = true;
    s.resolutions[0] = {1280, 720};
    return s;
}

TEST(DependencyDescriptorExt, RoundTripsL1T3StructureWithChainsAndResolution) {
    DependencyDescriptor::Value v;
    v.start_of_frame = true;
    v.end_of_frame = true;
    v.frame_dependency_template_id = 10;
    v.frame_number = 1000;
    v.structure = l1t3_structure();
    v.decode_target_count = 3;
    v.chain_count = 1;
    v.active_decode_targets_bitmask = 0x7;
    expect_value_round_trip<DependencyDescriptor>(v);
}

TEST(DependencyDescriptorExt, RoundTripsTwoSpatialLayersAndCustomFields) {
    FrameDependencyStructure s;
    s.decode_target_count = 2;
    s.chain_count = 2;
    s.template_count = 3;
    s.templates[0] = {};
    s.templates[1].temporal_id = 1;  // next_layer_idc 1
    s.templates[2].spatial_id = 1;   // next_layer_idc 2
    s.templates[2].fdiffs[0] = 16;
    s.templates[2].fdiff_count = 1;
    s.templates[2].chain_fdiffs = {15, 3};
    s.decode_target_protected_by = {0, 1};
    s.resolutions_present = true;
    s.resolutions[0] = {640, 360};
    s.resolutions[1] = {65536, 1};
    DependencyDescriptor::Value v;
    v.frame_dependency_template_id = 2;
    v.structure = s;
    v.active_decode_targets_present = true;
    v.active_decode_targets_bitmask = 0x1;
    v.custom_dtis = true;
    v.frame_dtis[0] = DecodeTargetIndication::kRequired;
    v.frame_dtis[1] = DecodeTargetIndication::kDiscardable;
    v.custom_fdiffs = true;
    v.frame_fdiff_count = 3;
    v.frame_fdiffs = {1, 200, 4096};
    v.custom_chains = true;
    v.frame_chain_fdiffs = {0, 255};
    v.decode_target_count = 2;
    v.chain_count = 2;
    expect_value_round_trip<DependencyDescriptor>(v);
}

TEST(DependencyDescriptorExt, CustomFieldsWithoutStructureReportStructureNeeded) {
    // Extended flags: structure=0 active=0 dtis=1 fdiffs=0 chains=0, then bits we cannot size.
    const Bytes bytes = {0x80, 0x00, 0x07, 0x20, 0xFF};
    auto v = DependencyDescriptor::parse(bytes);
    ASSERT_TRUE(v) << v.error().what;
    EXPECT_TRUE(v->structure_needed);
    EXPECT_TRUE(v->custom_dtis);
    EXPECT_EQ(v->frame_number, 7);
    // With the stream's structure the same bytes parse completely.
    FrameDependencyStructure s = l1t3_structure();
    s.template_id_offset = 0;
    auto full = DependencyDescriptor::parse(bytes, &s);
    ASSERT_TRUE(full) << full.error().what;
    EXPECT_FALSE(full->structure_needed);
    EXPECT_EQ(full->decode_target_count, 3);
    // After the flags (5 bits of 0x20), 3 DTIs of 2 bits: 000 | 11 11 1.. -> first DTI is bits 5-6
    // of 0x20 (00) and bit 7 of 0x20 + bit 0 of 0xFF (01).
    EXPECT_EQ(full->frame_dtis[0], DecodeTargetIndication::kNotPresent);
    EXPECT_EQ(full->frame_dtis[1], DecodeTargetIndication::kDiscardable);
    EXPECT_EQ(full->frame_dtis[2], DecodeTargetIndication::kRequired);
    // A value whose structure is unknown cannot be written back.
    Bytes out(16);
    EXPECT_EQ(DependencyDescriptor::write(out, *v).error(), WriteErrc::kBadValue);
}

TEST(DependencyDescriptorExt, RejectsShortDescriptorAndTruncatedStructure) {
    expect_parse_error<DependencyDescriptor>({0x80, 0x00}, ParseErrc::kBadLength, 2);
    // Structure flagged but cut after 4 bytes.
    auto v = DependencyDescriptor::parse(Bytes{0xC0, 0x00, 0x01, 0x80});
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, ParseErrc::kTruncated);
    EXPECT_EQ(v.error().offset, 4u);
}

TEST(DependencyDescriptorExt, RejectsTemplateIdOutsideStructure) {
    Bytes bytes = {0xC0, 0x00, 0x01, 0x80, 0x00, 0xE0};
    bytes[0] = 0xC1;  // template id 1; the structure has one template at offset 0
    expect_parse_error<DependencyDescriptor>(bytes, ParseErrc::kBadValue);
}

TEST(DependencyDescriptorExt, RefusesToWriteTemplatesInAnOrderTheSyntaxCannotExpress) {
    DependencyDescriptor::Value v;
    FrameDependencyStructure s;
    s.template_count = 2;
    s.templates[1].temporal_id = 2;  // a jump of two temporal layers
    v.structure = s;
    Bytes out(32);
    EXPECT_EQ(DependencyDescriptor::value_size(v), 0u);
    EXPECT_EQ(DependencyDescriptor::write(out, v).error(), WriteErrc::kBadValue);
}

// --- Through a packet ------------------------------------------------------------------------

TEST(ExtensionsInPacket, WriterAndViewAgreeOnEveryExtension) {
    ExtensionMap map;
    for (std::uint8_t i = 1; i < kExtensionTypeCount; ++i)
        map.set(i, static_cast<ExtensionType>(i));
    Bytes buf(512);
    RtpPacketWriter w(buf);
    ASSERT_TRUE(w.add_extension<AudioLevel>(1, {true, 3}));
    CsrcAudioLevel::Value csrc_levels;
    csrc_levels.count = 2;
    csrc_levels.levels[0] = 9;
    ASSERT_TRUE(w.add_extension<CsrcAudioLevel>(2, csrc_levels));
    ASSERT_TRUE(w.add_extension<VideoOrientation>(3, {true, false, 180}));
    ASSERT_TRUE(w.add_extension<TransportWideCc>(4, {77}));
    ASSERT_TRUE(w.add_extension<AbsSendTime>(5, {0xABCDEF}));
    ASSERT_TRUE(w.add_extension<AbsCaptureTime>(6, {123, -5}));
    ASSERT_TRUE(w.add_extension<TransmissionOffset>(7, {-3}));
    ASSERT_TRUE(w.add_extension<FrameMarking>(8, {true, true, true}));
    ASSERT_TRUE(w.add_extension<Mid>(9, "0"));
    ASSERT_TRUE(w.add_extension<RtpStreamId>(10, "hi"));
    ASSERT_TRUE(w.add_extension<RepairedRtpStreamId>(11, "lo"));
    ASSERT_TRUE(w.add_extension<PlayoutDelay>(12, {1, 2}));
    DependencyDescriptor::Value dd;
    dd.frame_number = 9;
    ASSERT_TRUE(w.add_extension<DependencyDescriptor>(13, dd));
    auto n = w.finish();
    ASSERT_TRUE(n);
    auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_EQ(view->extension_form(), ExtensionForm::kOneByte);
    EXPECT_EQ(view->get<AudioLevel>(map)->level, 3);
    EXPECT_EQ(view->get<CsrcAudioLevel>(map)->levels[0], 9);
    EXPECT_EQ(view->get<VideoOrientation>(map)->rotation, 180);
    EXPECT_EQ(view->get<TransportWideCc>(map)->transport_sequence_number, 77);
    EXPECT_EQ(view->get<AbsSendTime>(map)->abs_send_time, 0xABCDEFu);
    EXPECT_EQ(view->get<AbsCaptureTime>(map)->estimated_capture_clock_offset, -5);
    EXPECT_EQ(view->get<TransmissionOffset>(map)->transmission_offset, -3);
    EXPECT_TRUE(view->get<FrameMarking>(map)->independent);
    EXPECT_EQ(*view->get<Mid>(map), "0");
    EXPECT_EQ(*view->get<RtpStreamId>(map), "hi");
    EXPECT_EQ(*view->get<RepairedRtpStreamId>(map), "lo");
    EXPECT_EQ(view->get<PlayoutDelay>(map)->max_delay, 2);
    EXPECT_EQ(view->get<DependencyDescriptor>(map)->frame_number, 9);
}

TEST(ExtensionsInPacket, TypedWriteFailureLeavesEarlierElementsIntact) {
    Bytes buf(64);
    RtpPacketWriter w(buf);
    ASSERT_TRUE(w.add_extension<AudioLevel>(1, {false, 1}));
    EXPECT_EQ(w.add_extension<VideoOrientation>(2, {false, false, 45}).error(),
              WriteErrc::kBadValue);
    auto n = w.finish();
    ASSERT_TRUE(n);
    auto view = RtpView::parse_strict(ByteSpan(buf.data(), *n));
    ASSERT_TRUE(view);
    int count = 0;
    for (const auto& e : view->extensions()) {
        EXPECT_EQ(e.id, 1);
        ++count;
    }
    EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace rtpx::rtp
