// Offer/answer (RFC 3264) against RFC 4317's examples, the answer rules one by one, and the B2BUA
// rewrites.
#include "rtpx/sip/sdp/offer_answer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sdp_fixtures.hpp"

namespace rtpx::sip::sdp {
namespace {

using testing::load_rfc4317;
using testing::parse_ok;
using testing::read_data;

Codec codec(std::string encoding, std::uint32_t clock, std::uint16_t channels = 1) {
    return Codec{std::move(encoding), clock, channels, {}};
}

LocalCapabilities caps(std::vector<Codec> audio, std::vector<Codec> video = {},
                       Direction direction = Direction::kSendRecv) {
    LocalCapabilities l;
    MediaCapabilities a;
    a.media = "audio";
    a.codecs = std::move(audio);
    a.direction = direction;
    l.media.push_back(a);
    if (!video.empty()) {
        MediaCapabilities v;
        v.media = "video";
        v.codecs = std::move(video);
        v.direction = direction;
        v.telephone_event = false;
        l.media.push_back(v);
    }
    return l;
}

// Where the RFC's answerer receives: origin, addresses and ports taken from the expected answer
// (local choices); codecs, directions and rejections are what make_answer decides.
AnswerTransport transport_of(const SessionDescription& expected) {
    AnswerTransport t;
    t.origin = expected.origin;
    t.session_name = expected.session_name;
    t.connection = *expected.connection;
    for (const auto& m : expected.media) {
        LocalMedia lm;
        lm.port = m.port == 0 ? 40000 : m.port;
        if (!m.connections.empty()) lm.connection = m.connections.front();
        t.media.push_back(lm);
    }
    return t;
}

const Codec kPcmu = codec("PCMU", 8000), kPcma = codec("PCMA", 8000), kIlbc = codec("iLBC", 8000);
const Codec kH261 = codec("H261", 90000), kMpv = codec("MPV", 90000);

struct Rfc4317Case {
    const char* section;
    const char* offer;
    const char* answer;
    LocalCapabilities local;
};

TEST(Rfc4317, MakeAnswerReproducesEveryDeterministicAnswer) {
    const auto rfc = load_rfc4317();
    const Rfc4317Case cases[] = {
        {"2.1", "Offer", "Answer", caps({kPcmu}, {kMpv})},
        {"2.2", "Offer", "Answer", caps({kPcmu, kPcma})},  // no video: rejected, port 0
        {"2.2", "Second-Offer", "Second-Answer", caps({kPcmu, kPcma})},
        {"2.4", "Offer", "Answer", caps({kIlbc})},  // tone-only stream: sendonly -> recvonly
        {"2.5", "Offer", "Answer", caps({kIlbc}, {kH261})},
        {"2.5", "Second-Offer", "Second-Answer", caps({kIlbc}, {kH261})},
        {"2.6", "Offer", "Answer", caps({kIlbc})},  // PCMU-only stream rejected
        {"2.7", "Offer", "Answer", caps({kIlbc}, {kH261, kMpv})},
        {"2.7", "Second-Offer", "Second-Answer", caps({kIlbc}, {kH261, kMpv})},
        {"2.8", "Offer", "Answer", caps({kPcmu}, {kMpv})},  // video to another address
        {"3.1", "Offer", "Answer", caps({kIlbc}, {}, Direction::kSendOnly)},  // Bob holds
        {"3.1", "Second-Offer", "Second-Answer", caps({kPcmu, kIlbc})},
        {"3.2", "Offer", "Answer", caps({kIlbc})},
        {"4.1", "Offer", "Answer", caps({kIlbc})},
        {"4.1", "Second-Offer", "Second-Answer", caps({kPcmu, kIlbc})},
        {"4.2", "Offer", "Answer", caps({kPcmu})},
        {"4.2", "Second-Offer", "Second-Answer", caps({kPcmu}, {kH261})},
        {"4.3", "Offer", "Answer", caps({kIlbc}, {kH261})},
        {"4.3", "Second-Offer", "Second-Answer", caps({kIlbc}, {kH261})},  // video port 0
        {"5.1", "Offer", "Answer", caps({kIlbc})},  // no media lines, none in the answer
        {"5.1", "Second-Offer", "Second-Answer", caps({kIlbc})},
        {"5.2", "Offer", "Answer", caps({kIlbc})},  // c=0.0.0.0 answered normally
        {"5.2", "Second-Offer", "Second-Answer", caps({kIlbc})},
        {"5.3", "Offer", "Answer", caps({kIlbc})},  // the answerer black-holes itself
        {"5.3", "Second-Offer", "Second-Answer", caps({kIlbc})},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.section) + " " + c.answer);
        const auto& offer_text = rfc.at({c.section, c.offer});
        const auto& answer_text = rfc.at({c.section, c.answer});
        const auto offer = parse_ok(offer_text);
        const auto expected = parse_ok(answer_text);
        const auto answer = make_answer(offer, c.local, transport_of(expected));
        EXPECT_EQ(serialise(answer), answer_text);
    }
}

// RFC 4317 2.3: Bob renumbers iLBC from 97 to 99 ("OK since the same codec is referenced"). rtpx
// keeps the offerer's number (RFC 3264 6.1 allows both); the rest of the answer is the RFC's.
TEST(Rfc4317, Section2_3KeepsTheOfferersPayloadTypeNumber) {
    const auto rfc = load_rfc4317();
    const auto offer = parse_ok(rfc.at({"2.3", "Offer"}));
    const auto expected = parse_ok(rfc.at({"2.3", "Answer"}));
    const auto answer = make_answer(offer, caps({kIlbc}, {kH261}), transport_of(expected));
    ASSERT_EQ(answer.media.size(), 2u);
    EXPECT_EQ(answer.media[0].formats, std::vector<std::string>{"97"});
    EXPECT_EQ(answer.media[0].attributes[0].value, "97 iLBC/8000");
    EXPECT_EQ(answer.media[1], expected.media[1]);
}

// RFC 4317 3.2's second answer lists PCMU, which the second offer did not offer, and omits
// recvonly for a sendonly stream; make_answer gives the RFC 3264 answer instead.
TEST(Rfc4317, Section3_2SecondAnswerFollowsRfc3264) {
    const auto rfc = load_rfc4317();
    const auto offer = parse_ok(rfc.at({"3.2", "Second-Offer"}));
    EXPECT_TRUE(is_on_hold(offer, offer.media[0]));
    const auto rfc_answer = parse_ok(rfc.at({"3.2", "Second-Answer"}));
    const auto answer = make_answer(offer, caps({kPcmu, kIlbc}), transport_of(rfc_answer));
    EXPECT_EQ(answer.media[0].formats, std::vector<std::string>{"97"});
    EXPECT_EQ(find_direction(answer.media[0].attributes), Direction::kRecvOnly);
    EXPECT_EQ(find_direction(answer.media[1].attributes), Direction::kSendOnly);
}

TEST(Rfc4317, ZeroAddressOfferCountsAsHold) {
    const auto rfc = load_rfc4317();
    const auto offer = parse_ok(rfc.at({"5.2", "Offer"}));
    EXPECT_TRUE(is_on_hold(offer, offer.media[0]));
    const auto resumed = parse_ok(rfc.at({"5.2", "Second-Offer"}));
    EXPECT_FALSE(is_on_hold(resumed, resumed.media[0]));
}

// --- the answer rules
// -----------------------------------------------------------------------------
const std::string kWebrtcLikeAudio =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 111 0 8 110 101\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"
    "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\na=rtcp-mux\r\n";

AnswerTransport simple_transport(std::size_t media = 1) {
    AnswerTransport t;
    t.origin.sess_id = "7";
    t.origin.address = "198.51.100.9";
    t.connection = connection_for("198.51.100.9");
    for (std::size_t i = 0; i < media; ++i)
        t.media.push_back(LocalMedia{static_cast<std::uint16_t>(20000 + 2 * i), {}, {}, {}});
    return t;
}

TEST(MakeAnswer, TelephoneEventFollowsTheChosenCodecsClockRate) {
    const auto offer = parse_ok(kWebrtcLikeAudio);
    auto opus = make_answer(offer, caps({codec("opus", 48000, 2), kPcmu}), simple_transport());
    EXPECT_EQ(opus.media[0].formats, (std::vector<std::string>{"111", "0", "110"}));
    EXPECT_EQ(opus.media[0].attributes[1].value, "111 useinbandfec=1");  // fmtp echoed
    auto pcmu = make_answer(offer, caps({kPcmu}), simple_transport());
    EXPECT_EQ(pcmu.media[0].formats, (std::vector<std::string>{"0", "101"}));
    EXPECT_EQ(serialise(pcmu),
              "v=0\r\no=- 7 0 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\nt=0 0\r\n"
              "m=audio 20000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-16\r\na=rtcp-mux\r\n");
    auto no_te_caps = caps({kPcmu});
    no_te_caps.media[0].telephone_event = false;
    no_te_caps.media[0].rtcp_mux = false;
    auto plain = make_answer(offer, no_te_caps, simple_transport());
    EXPECT_EQ(plain.media[0].formats, std::vector<std::string>{"0"});
    EXPECT_TRUE(plain.media[0].attributes.empty());
}

TEST(MakeAnswer, OffererOrderLocalOrderAndSingleCodec) {
    const auto offer = parse_ok(kWebrtcLikeAudio);
    auto local = caps({kPcma, kPcmu, codec("opus", 48000, 2)});
    local.media[0].telephone_event = false;
    EXPECT_EQ(make_answer(offer, local, simple_transport()).media[0].formats,
              (std::vector<std::string>{"111", "0", "8"}));
    local.codec_order = CodecOrder::kLocal;
    EXPECT_EQ(make_answer(offer, local, simple_transport()).media[0].formats,
              (std::vector<std::string>{"8", "0", "111"}));
    local.single_codec = true;
    EXPECT_EQ(make_answer(offer, local, simple_transport()).media[0].formats,
              std::vector<std::string>{"8"});
    // opus/48000 with one channel does not match opus/48000/2.
    auto mono = caps({codec("opus", 48000, 1)});
    EXPECT_TRUE(make_answer(offer, mono, simple_transport()).media[0].rejected());
}

TEST(MakeAnswer, FmtpConstraintsSelectAmongSameNamedFormats) {
    const auto offer = parse_ok(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=video 4002 RTP/AVPF 96 97\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 profile-level-id=42e01f\r\na=rtpmap:97 H264/90000\r\n"
        "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n");
    LocalCapabilities local;
    MediaCapabilities v;
    v.media = "video";
    v.protos = {"RTP/AVPF"};
    v.codecs = {Codec{"H264", 90000, 1, {{"packetization-mode", "1", "0"}}}};
    local.media.push_back(v);
    auto answer = make_answer(offer, local, simple_transport());
    EXPECT_EQ(answer.media[0].formats, std::vector<std::string>{"97"});
    local.media[0].codecs[0].fmtp_constraints[0].value = "0";
    EXPECT_EQ(make_answer(offer, local, simple_transport()).media[0].formats,
              std::vector<std::string>{"96"});
}

TEST(MakeAnswer, DirectionIsReversedAndIntersected) {
    struct Row {
        const char* offered;  // media-level attribute, or "" for none
        Direction local;
        std::optional<Direction> answered;  // nullopt: no direction attribute in the answer
    } rows[] = {
        {"", Direction::kSendRecv, std::nullopt},
        {"a=sendrecv\r\n", Direction::kSendRecv, Direction::kSendRecv},
        {"a=sendonly\r\n", Direction::kSendRecv, Direction::kRecvOnly},
        {"a=recvonly\r\n", Direction::kSendRecv, Direction::kSendOnly},
        {"a=inactive\r\n", Direction::kSendRecv, Direction::kInactive},
        {"", Direction::kRecvOnly, Direction::kRecvOnly},
        {"a=sendonly\r\n", Direction::kSendOnly, Direction::kInactive},
        {"a=recvonly\r\n", Direction::kRecvOnly, Direction::kInactive},
    };
    for (const auto& r : rows) {
        const auto offer =
            parse_ok(std::string("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
                                 "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n") +
                     r.offered);
        const auto answer = make_answer(offer, caps({kPcmu}, {}, r.local), simple_transport());
        EXPECT_EQ(find_direction(answer.media[0].attributes), r.answered) << r.offered;
    }
    // A session-level direction applies to every media section.
    const auto offer = parse_ok(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n"
        "m=audio 4000 RTP/AVP 0\r\n");
    EXPECT_EQ(
        find_direction(make_answer(offer, caps({kPcmu}), simple_transport()).media[0].attributes),
        Direction::kRecvOnly);
}

TEST(MakeAnswer, RejectsKeepingLineCountAndOrder) {
    const auto offer = parse_ok(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=audio 0 RTP/AVP 0\r\n"       // disabled by the offerer
        "m=image 4002 udptl t38\r\n"    // media type without capabilities
        "m=audio 4004 RTP/AVPF 0\r\n"   // proto not supported
        "m=audio 4006 RTP/AVP 0 8\r\n"  // no local transport (3 given)
        "m=text 0 RTP/AVP 98\r\na=rtpmap:98 t140/1000\r\n");
    const auto answer = make_answer(offer, caps({kPcmu}), simple_transport(3));
    ASSERT_EQ(answer.media.size(), 5u);
    for (const auto& m : answer.media) EXPECT_TRUE(m.rejected());
    EXPECT_EQ(answer.media[1].media, "image");
    EXPECT_EQ(answer.media[1].formats, std::vector<std::string>{"t38"});
    EXPECT_EQ(answer.media[3].formats, std::vector<std::string>{"0"});  // the first format only
    EXPECT_EQ(answer.media[4].attributes.at(0).value, "98 t140/1000");
    // The serialised answer parses (rejected sections need no c=).
    EXPECT_TRUE(parse(serialise(answer)));
}

TEST(MakeAnswer, SdesAnswersTheFirstOfferedSuiteWithALocalKey) {
    const auto offer = parse_ok(read_data("sbc_srtp_offer.sdp"));
    auto local = caps({kPcma});
    local.media[0].protos = {"RTP/SAVP"};
    auto t = simple_transport();
    t.media[0].crypto_keys = {
        {"AES_CM_128_HMAC_SHA1_32", "inline:bG9jYWwta2V5LWZvci10ZXN0cy0xMjM0NTY3"}};
    t.media[0].extra_attributes = {Attribute{"ptime", "20"}};
    auto answer = make_answer(offer, local, t);
    EXPECT_EQ(serialise(answer),
              "v=0\r\no=- 7 0 IN IP4 198.51.100.9\r\ns=-\r\nc=IN IP4 198.51.100.9\r\nt=0 0\r\n"
              "m=audio 20000 RTP/SAVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
              "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
              "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:bG9jYWwta2V5LWZvci10ZXN0cy0xMjM0NTY3\r\n"
              "a=sendrecv\r\n");
    t.media[0].crypto_keys = {{"AEAD_AES_256_GCM", "inline:x"}};
    EXPECT_TRUE(make_answer(offer, local, t).media[0].rejected());
}

TEST(MakeAnswer, EchoesMidAndAnswersBundleWithAcceptedSections) {
    const auto offer = parse_ok(read_data("webrtc_offer.sdp"));
    LocalCapabilities local;
    MediaCapabilities audio;
    audio.protos = {"UDP/TLS/RTP/SAVPF"};
    audio.codecs = {codec("opus", 48000, 2)};
    local.media.push_back(audio);
    auto t = simple_transport(2);
    auto answer = make_answer(offer, local, t);  // no video capabilities: video rejected
    ASSERT_EQ(answer.media.size(), 2u);
    EXPECT_EQ(answer.media[0].formats, (std::vector<std::string>{"111", "110"}));
    EXPECT_EQ(find_attribute(answer.media[0].attributes, "mid")->value, "0");
    EXPECT_TRUE(has_attribute(answer.media[0].attributes, "rtcp-mux"));
    EXPECT_TRUE(answer.media[1].rejected());
    ASSERT_EQ(answer.attributes.size(), 1u);
    EXPECT_EQ(answer.attributes[0].value, "BUNDLE 0");
}

// --- B2BUA rewrites
// -------------------------------------------------------------------------------
TEST(Rewrite, MediaAddressPortAndRtcp) {
    auto s = parse_ok(read_data("sbc_srtp_offer.sdp"));
    set_media_address(s.media[0], "203.0.113.5", 40000);
    set_session_address(s, "203.0.113.5");
    EXPECT_EQ(s.media[0].port, 40000);
    ASSERT_EQ(s.media[0].connections.size(), 1u);
    EXPECT_EQ(s.media[0].connections[0].address, "203.0.113.5");
    EXPECT_EQ(find_attribute(s.media[0].attributes, "rtcp")->value, "40001 IN IP4 203.0.113.5");
    set_media_address(s.media[0], "2001:db8::5", 40010, 40020);
    EXPECT_EQ(s.media[0].connections[0].addrtype, "IP6");
    EXPECT_EQ(find_attribute(s.media[0].attributes, "rtcp")->value, "40020 IN IP6 2001:db8::5");
    EXPECT_EQ(s.origin.address, "203.0.113.5");
    EXPECT_TRUE(parse(serialise(s)));
}

TEST(Rewrite, ReplaceCryptoInPlaceAndChangeProto) {
    auto s = parse_ok(read_data("sbc_srtp_offer.sdp"));
    const auto before = serialise(s);
    const std::vector<std::string> fresh = {
        "1 AES_CM_128_HMAC_SHA1_80 inline:bmV3LWtleS1tYXRlcmlhbC1mb3ItdGhlLWxlZw"};
    replace_crypto(s.media[0], fresh);
    auto text = serialise(s);
    EXPECT_NE(text.find("a=maxptime:40\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:bmV3"),
              std::string::npos);
    EXPECT_EQ(count_attributes(s.media[0].attributes, "crypto"), 1u);
    // Everything else is untouched: only the crypto lines differ.
    auto expected = before;
    const auto from = expected.find("a=crypto:1");
    const auto to = expected.find("a=rtcp:");
    expected.replace(from, to - from, "a=crypto:" + fresh[0] + "\r\n");
    EXPECT_EQ(text, expected);
    // SRTP -> RTP towards a plain leg: drop crypto, change proto.
    replace_crypto(s.media[0], {});
    set_proto(s.media[0], "RTP/AVP");
    text = serialise(s);
    EXPECT_NE(text.find("m=audio 30000 RTP/AVP 8 0 18 101\r\n"), std::string::npos);
    EXPECT_EQ(text.find("crypto"), std::string::npos);
    // RTP -> SRTP: crypto appended at the end when there was none.
    set_proto(s.media[0], "RTP/SAVP");
    replace_crypto(s.media[0], fresh);
    EXPECT_EQ(s.media[0].attributes.back().name, "crypto");
}

TEST(Rewrite, RemoveIceKeepsDtlsAndEverythingElse) {
    auto s = parse_ok(read_data("webrtc_offer.sdp"));
    const auto before = s.media[0].attributes.size() + s.media[1].attributes.size();
    EXPECT_EQ(remove_ice(s), 2u + 1u + 3u + 3u);  // candidates, end-of, ufrag/pwd/options x2
    EXPECT_EQ(s.media[0].attributes.size() + s.media[1].attributes.size(), before - 9);
    EXPECT_FALSE(has_attribute(s.media[0].attributes, "candidate"));
    EXPECT_FALSE(has_attribute(s.media[1].attributes, "ice-pwd"));
    EXPECT_TRUE(has_attribute(s.media[0].attributes, "fingerprint"));
    EXPECT_TRUE(has_attribute(s.media[0].attributes, "setup"));
    EXPECT_EQ(remove_ice(s), 0u);
}

TEST(Rewrite, HoldBumpsVersionEachOffer) {
    auto s = parse_ok(load_rfc4317().at({"3.2", "Offer"}));
    put_on_hold(s, HoldStyle::kDirection);
    EXPECT_EQ(s.origin.sess_version, 2890844527u);
    EXPECT_EQ(find_direction(s.media[0].attributes), Direction::kSendOnly);  // was sendrecv
    EXPECT_EQ(find_direction(s.media[1].attributes), Direction::kSendOnly);  // stays sendonly
    EXPECT_TRUE(is_on_hold(s, s.media[0]));
    set_direction(s.media[0].attributes, Direction::kSendRecv);  // resume, in place
    bump_version(s);
    EXPECT_EQ(s.origin.sess_version, 2890844528u);
    EXPECT_FALSE(is_on_hold(s, s.media[0]));
    EXPECT_EQ(count_attributes(s.media[0].attributes, "sendrecv"), 1u);

    auto legacy = parse_ok(load_rfc4317().at({"2.1", "Offer"}));
    put_on_hold(legacy, HoldStyle::kZeroAddress);
    EXPECT_EQ(legacy.media[0].connections.at(0).address, "0.0.0.0");
    EXPECT_TRUE(is_on_hold(legacy, legacy.media[1]));
    EXPECT_EQ(legacy.origin.sess_version, 2890844527u);
}

}  // namespace
}  // namespace rtpx::sip::sdp
