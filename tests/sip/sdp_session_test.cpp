// SDP parser and serialiser (RFC 8866): fixtures field by field, byte-exact round trips, the
// lenient cases, and one negative test per line type.
#include "rtpx/sip/sdp/session.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rtpx/sip/sdp/attributes.hpp"
#include "sdp_fixtures.hpp"

namespace rtpx::sip::sdp {
namespace {

using testing::load_rfc4317;
using testing::parse_ok;
using testing::read_data;

TEST(SdpParse, Rfc8866Section5FieldByField) {
    const auto s = parse_ok(read_data("rfc8866_5.sdp"));
    EXPECT_EQ(s.origin.username, "jdoe");
    EXPECT_EQ(s.origin.sess_id, "3724394400");
    EXPECT_EQ(s.origin.sess_version, 3724394405u);
    EXPECT_EQ(s.origin.nettype, "IN");
    EXPECT_EQ(s.origin.addrtype, "IP4");
    EXPECT_EQ(s.origin.address, "198.51.100.1");
    EXPECT_EQ(s.session_name, "Call to John Smith");
    EXPECT_EQ(s.information, "SDP Offer #1");
    EXPECT_EQ(s.uri, "http://www.jdoe.example.com/home.html");
    ASSERT_EQ(s.emails.size(), 1u);
    EXPECT_EQ(s.emails[0], "Jane Doe <jane@jdoe.example.com>");
    ASSERT_EQ(s.phones.size(), 1u);
    EXPECT_EQ(s.phones[0], "+1 617 555-6011");
    ASSERT_TRUE(s.connection);
    EXPECT_EQ(s.connection->address, "198.51.100.1");
    ASSERT_EQ(s.timings.size(), 1u);
    EXPECT_EQ(s.timings[0].start, 0u);
    EXPECT_EQ(s.timings[0].stop, 0u);
    ASSERT_EQ(s.media.size(), 3u);
    EXPECT_EQ(s.media[0].media, "audio");
    EXPECT_EQ(s.media[0].port, 49170);
    EXPECT_EQ(s.media[0].proto, "RTP/AVP");
    EXPECT_EQ(s.media[0].formats, std::vector<std::string>{"0"});
    EXPECT_EQ(s.media[1].port, 49180);
    EXPECT_EQ(s.media[2].media, "video");
    ASSERT_EQ(s.media[2].connections.size(), 1u);
    EXPECT_EQ(s.media[2].connections[0].addrtype, "IP6");
    EXPECT_EQ(s.media[2].connections[0].address, "2001:db8::2");
    auto f = payload_format(s.media[2], 99);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->encoding, "h263-1998");
    EXPECT_EQ(f->clock_rate, 90000u);
    auto pcmu = payload_format(s.media[0], 0);  // static type, no rtpmap: RFC 3551 table
    ASSERT_TRUE(pcmu);
    EXPECT_EQ(pcmu->encoding, "PCMU");
    EXPECT_FALSE(pcmu->from_rtpmap);
}

TEST(SdpParse, Rfc4566MulticastRepeatsZonesAndPortCount) {
    const auto s = parse_ok(read_data("rfc4566_5.sdp"));
    ASSERT_TRUE(s.connection);
    EXPECT_EQ(s.connection->address, "224.2.17.12");
    EXPECT_EQ(s.connection->ttl, 127u);
    EXPECT_FALSE(s.connection->count);
    ASSERT_EQ(s.bandwidths.size(), 1u);
    EXPECT_EQ(s.bandwidths[0].type, "CT");
    EXPECT_EQ(s.bandwidths[0].value, 128u);
    ASSERT_EQ(s.timings.size(), 1u);
    EXPECT_EQ(s.timings[0].start, 2873397496u);
    EXPECT_EQ(s.timings[0].repeats, std::vector<std::string>{"7d 1h 0 25h"});
    EXPECT_EQ(s.zone_adjustments, "2882844526 -1h 2898848070 0");
    EXPECT_EQ(find_direction(s.attributes), Direction::kRecvOnly);
    EXPECT_EQ(effective_direction(s, s.media[0]), Direction::kRecvOnly);
    EXPECT_EQ(s.media[1].port, 51372);
    EXPECT_EQ(s.media[1].port_count, 2u);
    ASSERT_EQ(s.media[1].bandwidths.size(), 1u);
    EXPECT_EQ(s.media[1].bandwidths[0].type, "AS");
    EXPECT_EQ(s.media[1].bandwidths[0].value, 256u);
}

TEST(SdpParse, WebRtcOfferTypedAttributes) {
    const auto s = parse_ok(read_data("webrtc_offer.sdp"));
    auto group = parse_group(*find_attribute(s.attributes, "group")->value);
    ASSERT_TRUE(group);
    EXPECT_EQ(group->semantics, "BUNDLE");
    EXPECT_EQ(group->mids, (std::vector<std::string_view>{"0", "1"}));
    EXPECT_TRUE(has_attribute(s.attributes, "extmap-allow-mixed"));
    ASSERT_EQ(s.media.size(), 2u);
    const auto& audio = s.media[0];
    EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
    EXPECT_TRUE(audio.rtp_proto());
    EXPECT_EQ(count_attributes(audio.attributes, "candidate"), 2u);
    EXPECT_TRUE(has_attribute(audio.attributes, "end-of-candidates"));
    EXPECT_EQ(find_attribute(audio.attributes, "ice-ufrag")->value, "5sJX");
    EXPECT_EQ(find_attribute(audio.attributes, "setup")->value, "actpass");
    auto fp = parse_fingerprint(*find_attribute(audio.attributes, "fingerprint")->value);
    ASSERT_TRUE(fp);
    EXPECT_EQ(fp->hash_function, "sha-256");
    EXPECT_EQ(*parse_mid(*find_attribute(audio.attributes, "mid")->value), "0");
    auto rtcp = parse_rtcp(*find_attribute(audio.attributes, "rtcp")->value);
    ASSERT_TRUE(rtcp);
    EXPECT_EQ(rtcp->port, 9);
    ASSERT_TRUE(rtcp->connection);
    EXPECT_EQ(rtcp->connection->address, "0.0.0.0");
    EXPECT_TRUE(has_attribute(audio.attributes, "rtcp-mux"));
    EXPECT_TRUE(has_attribute(audio.attributes, "rtcp-rsize"));
    auto opus = payload_format(audio, 111);
    ASSERT_TRUE(opus);
    EXPECT_EQ(opus->encoding, "opus");
    EXPECT_EQ(opus->clock_rate, 48000u);
    EXPECT_EQ(opus->channels, 2);
    ASSERT_TRUE(opus->fmtp);
    EXPECT_EQ(fmtp_parameter(*opus->fmtp, "useinbandfec"), "1");
    auto ssrc = parse_ssrc(*find_attribute(audio.attributes, "ssrc")->value);
    ASSERT_TRUE(ssrc);
    EXPECT_EQ(ssrc->ssrc, 1001u);
    EXPECT_EQ(ssrc->attribute, "cname");
    EXPECT_EQ(ssrc->value, "4TOk42mSjXCkVIa6");

    const auto& video = s.media[1];
    EXPECT_EQ(effective_direction(s, video), Direction::kSendOnly);
    std::vector<Extmap> extmaps;
    for (const auto& a : video.attributes) {
        if (a.name == "extmap") extmaps.push_back(*parse_extmap(*a.value));
    }
    ASSERT_EQ(extmaps.size(), 8u);
    EXPECT_EQ(extmaps[0].id, 14);
    EXPECT_EQ(extmaps[4].id, 5);
    EXPECT_EQ(extmaps[4].direction, Direction::kSendOnly);
    EXPECT_EQ(extmaps[4].uri, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay");
    auto group_fid = parse_ssrc_group(*find_attribute(video.attributes, "ssrc-group")->value);
    ASSERT_TRUE(group_fid);
    EXPECT_EQ(group_fid->semantics, "FID");
    EXPECT_EQ(group_fid->ssrcs, (std::vector<std::uint32_t>{2001, 2002}));
    auto rid = parse_rid(*find_attribute(video.attributes, "rid")->value);
    ASSERT_TRUE(rid);
    EXPECT_EQ(rid->id, "h");
    EXPECT_TRUE(rid->send);
    EXPECT_EQ(rid->restrictions, "max-width=1280;max-height=720");
    auto sim = parse_simulcast(*find_attribute(video.attributes, "simulcast")->value);
    ASSERT_TRUE(sim);
    EXPECT_EQ(sim->send, "h;m;~l");
    EXPECT_EQ(sim->recv, "");
    auto h264 = payload_format(video, 98);
    ASSERT_TRUE(h264 && h264->fmtp);
    EXPECT_EQ(fmtp_parameter(*h264->fmtp, "packetization-mode"), "1");
    EXPECT_EQ(fmtp_parameter(*h264->fmtp, "PROFILE-LEVEL-ID"), "42e01f");
    int fb = 0;
    for (const auto& a : video.attributes) {
        if (a.name != "rtcp-fb") continue;
        auto r = parse_rtcp_fb(*a.value);
        ASSERT_TRUE(r);
        if (r->payload_type == "96" && r->type == "nack" && r->parameters == "pli") ++fb;
    }
    EXPECT_EQ(fb, 1);
}

TEST(SdpParse, SbcOfferCryptoRtcpAndBandwidth) {
    const auto s = parse_ok(read_data("sbc_srtp_offer.sdp"));
    const auto& m = s.media[0];
    EXPECT_EQ(m.proto, "RTP/SAVP");
    std::vector<Crypto> cryptos;
    for (const auto& a : m.attributes) {
        if (a.name == "crypto") cryptos.push_back(*parse_crypto(*a.value));
    }
    ASSERT_EQ(cryptos.size(), 2u);
    EXPECT_EQ(cryptos[0].tag, 1u);
    EXPECT_EQ(cryptos[0].suite, "AES_CM_128_HMAC_SHA1_80");
    EXPECT_EQ(cryptos[0].key_params, "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
    EXPECT_EQ(cryptos[0].session_params, "");
    EXPECT_EQ(cryptos[1].tag, 2u);
    EXPECT_EQ(cryptos[1].session_params, "UNENCRYPTED_SRTCP");
    auto rtcp = parse_rtcp(*find_attribute(m.attributes, "rtcp")->value);
    ASSERT_TRUE(rtcp && rtcp->connection);
    EXPECT_EQ(rtcp->port, 30001);
    EXPECT_EQ(rtcp->connection->address, "192.0.2.10");
    EXPECT_EQ(*parse_ptime(*find_attribute(m.attributes, "ptime")->value), 20.0);
    EXPECT_EQ(*parse_ptime(*find_attribute(m.attributes, "maxptime")->value), 40.0);
    ASSERT_EQ(m.bandwidths.size(), 1u);
    EXPECT_EQ(m.bandwidths[0].type, "TIAS");
    EXPECT_EQ(m.bandwidths[0].value, 64000u);
    auto g729 = payload_format(m, 18);
    ASSERT_TRUE(g729 && g729->fmtp);
    EXPECT_EQ(fmtp_parameter(*g729->fmtp, "annexb"), "no");
}

TEST(SdpRoundTrip, FixturesSerialiseByteForByte) {
    for (const char* name :
         {"rfc8866_5.sdp", "rfc4566_5.sdp", "webrtc_offer.sdp", "sbc_srtp_offer.sdp"}) {
        const auto text = read_data(name);
        ASSERT_FALSE(text.empty()) << name;
        auto s = parse(text);
        ASSERT_TRUE(s) << name << ": " << s.error().what << " at byte " << s.error().offset;
        EXPECT_EQ(serialise(*s), text) << name;
    }
}

TEST(SdpRoundTrip, EveryRfc4317DescriptionParsesAndRoundTrips) {
    const auto examples = load_rfc4317();
    EXPECT_EQ(examples.size(), 54u);
    for (const auto& [key, text] : examples) {
        auto s = parse(text);
        ASSERT_TRUE(s) << key.first << " " << key.second << ": " << s.error().what;
        EXPECT_EQ(s->session_name, " ") << key.first;
        EXPECT_EQ(serialise(*s), text) << key.first << " " << key.second;
    }
}

TEST(SdpParse, LenientInputIsNormalised) {
    // Bare LF, runs of spaces, session lines out of order, empty s=, no t=, no final line end,
    // blank lines; a rejected media section without c= or formats.
    const std::string sloppy =
        "v=0\no=-  1 2 IN IP4 192.0.2.1\ns=\na=tool:x\nc=IN IP4 192.0.2.1\n\n"
        "m=audio 4000  RTP/AVP 0\na=sendrecv\nm=video 0 RTP/AVP";
    auto s = parse(sloppy);
    ASSERT_TRUE(s) << s.error().what << " at byte " << s.error().offset;
    EXPECT_EQ(s->session_name, "");
    EXPECT_TRUE(s->timings.empty());
    ASSERT_EQ(s->media.size(), 2u);
    EXPECT_TRUE(s->media[1].rejected());
    EXPECT_EQ(serialise(*s),
              "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=\r\nc=IN IP4 192.0.2.1\r\na=tool:x\r\n"
              "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\nm=video 0 RTP/AVP\r\n");
}

TEST(SdpParse, UnknownAttributesKeptVerbatimAndInOrder) {
    const std::string text =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\na=X-vendor: odd  value \r\na=flag\r\na=empty:\r\n"
        "a=label:1\r\na=sendrecv:ignored\r\n";
    auto s = parse(text);
    ASSERT_TRUE(s);
    const auto& a = s->media[0].attributes;
    ASSERT_EQ(a.size(), 5u);
    EXPECT_EQ(a[0].name, "X-vendor");
    EXPECT_EQ(a[0].value, " odd  value ");
    EXPECT_FALSE(a[1].value);
    EXPECT_EQ(a[2].value, "");
    EXPECT_EQ(serialise(*s), text);
}

TEST(SdpParse, IpV6MulticastCountAndIpV4TtlCount) {
    auto c6 = parse_connection("IN IP6 FF15::101/3");
    ASSERT_TRUE(c6);
    EXPECT_EQ(c6->address, "FF15::101");
    EXPECT_EQ(c6->count, 3u);
    EXPECT_FALSE(c6->ttl);
    auto c4 = parse_connection("IN IP4 233.252.0.1/127/3");
    ASSERT_TRUE(c4);
    EXPECT_EQ(c4->ttl, 127u);
    EXPECT_EQ(c4->count, 3u);
    EXPECT_EQ(to_string(*c4), "IN IP4 233.252.0.1/127/3");
}

struct Bad {
    const char* name;
    std::string text;
    SdpErrc code;
    std::uint32_t offset;
    std::string_view what;
};

const std::string kHead = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";  // 36 bytes
const std::string kC = "c=IN IP4 192.0.2.1\r\nt=0 0\r\n";                // 27 bytes

TEST(SdpParse, NegativeOnePerLineType) {
    const std::size_t h = kHead.size(), hc = kHead.size() + kC.size();
    const Bad cases[] = {
        {"empty", "", SdpErrc::kMissingLine, 0, "v= line missing"},
        {"v not first", "o=- 1 1 IN IP4 a\r\n", SdpErrc::kBadOrder, 0,
         "v= line: must be the first line"},
        {"v not 0", "v=1\r\n", SdpErrc::kBadValue, 2, "v= line: version is not 0"},
        {"v repeated", kHead + "v=0\r\n", SdpErrc::kBadOrder, static_cast<std::uint32_t>(h),
         "v= line: repeated"},
        {"o missing", "v=0\r\ns=-\r\n", SdpErrc::kMissingLine, 10, "o= line missing"},
        {"o five fields", "v=0\r\no=- 1 1 IN IP4\r\n", SdpErrc::kBadValue, 7,
         "o= line: expected 6 fields"},
        {"o bad version", "v=0\r\no=- 1 x IN IP4 a\r\n", SdpErrc::kBadValue, 11,
         "o= line: bad sess-version"},
        {"o repeated", kHead + "o=- 1 1 IN IP4 a\r\n", SdpErrc::kBadOrder,
         static_cast<std::uint32_t>(h), "o= line: repeated"},
        {"s missing", "v=0\r\no=- 1 1 IN IP4 a\r\n", SdpErrc::kMissingLine, 23, "s= line missing"},
        {"s repeated", kHead + "s=x\r\n", SdpErrc::kBadOrder, static_cast<std::uint32_t>(h),
         "s= line: repeated"},
        {"i repeated", kHead + "i=a\r\ni=b\r\n", SdpErrc::kBadOrder,
         static_cast<std::uint32_t>(h + 5), "i= line: repeated"},
        {"u repeated", kHead + "u=a\r\nu=b\r\n", SdpErrc::kBadOrder,
         static_cast<std::uint32_t>(h + 5), "u= line: repeated"},
        {"c bad address", kHead + "c=IN IP4 1:2\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 9), "c= line: bad address"},
        {"c two fields", kHead + "c=IN IP4\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 2), "c= line: expected 3 fields"},
        {"c TTL too big", kHead + "c=IN IP4 224.2.1.1/256\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 19), "c= line: TTL above 255"},
        {"c IP6 with TTL", kHead + "c=IN IP6 ff15::1/3/2\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 18), "c= line: IP6 address with a TTL"},
        {"b no colon", kHead + "b=AS64\r\n", SdpErrc::kBadValue, static_cast<std::uint32_t>(h + 2),
         "b= line: bad bandwidth type"},
        {"b not a number", kHead + "b=AS:x\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 5), "b= line: bad bandwidth"},
        {"t one field", kHead + "t=0\r\n", SdpErrc::kBadValue, static_cast<std::uint32_t>(h + 2),
         "t= line: expected start and stop times"},
        {"t bad stop", kHead + "t=0 x\r\n", SdpErrc::kBadValue, static_cast<std::uint32_t>(h + 4),
         "t= line: bad stop time"},
        {"r without t", kHead + "r=7d 1h 0\r\n", SdpErrc::kBadOrder, static_cast<std::uint32_t>(h),
         "r= line: not after a t= line"},
        {"r bad time", kHead + "t=0 0\r\nr=7d 1x 0\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 12), "r= line: bad time"},
        {"z odd", kHead + "z=2882844526\r\n", SdpErrc::kBadValue, static_cast<std::uint32_t>(h + 2),
         "z= line: expected adjustment time and offset pairs"},
        {"k repeated", kHead + "k=prompt\r\nk=prompt\r\n", SdpErrc::kBadOrder,
         static_cast<std::uint32_t>(h + 10), "k= line: repeated"},
        {"a bad name", kHead + "a=bad name\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(h + 2), "a= line: bad attribute name"},
        {"a rtpmap bad clock", kHead + kC + "m=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/x\r\n",
         SdpErrc::kBadValue, static_cast<std::uint32_t>(hc + 22 + 17), "a=rtpmap: bad clock rate"},
        {"a crypto bad tag", kHead + "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
         SdpErrc::kBadValue, static_cast<std::uint32_t>(h + 9), "a=crypto: bad tag"},
        {"m bad port", kHead + kC + "m=audio 70000 RTP/AVP 0\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(hc + 8), "m= line: bad port"},
        {"m bad port count", kHead + kC + "m=audio 4000/0 RTP/AVP 0\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(hc + 13), "m= line: bad number of ports"},
        {"m bad payload type", kHead + kC + "m=audio 4000 RTP/AVP 128\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(hc + 21), "m= line: bad format"},
        {"m no formats", kHead + kC + "m=audio 4000 RTP/AVP\r\n", SdpErrc::kBadValue,
         static_cast<std::uint32_t>(hc + 20), "m= line: no formats"},
        {"m no c", kHead + "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", SdpErrc::kMissingLine,
         static_cast<std::uint32_t>(h + 7),
         "m= line: no c= line in the media section or the session"},
        {"m then t", kHead + kC + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", SdpErrc::kBadOrder,
         static_cast<std::uint32_t>(hc + 24), "line type not allowed in a media section"},
        {"unknown type", kHead + "x=1\r\n", SdpErrc::kBadLine, static_cast<std::uint32_t>(h),
         "unknown line type"},
        {"not type=value", kHead + "hello\r\n", SdpErrc::kBadLine, static_cast<std::uint32_t>(h),
         "line is not <type>=<value>"},
        {"stray CR", kHead + "i=a\rb\r\n", SdpErrc::kBadLine, static_cast<std::uint32_t>(h + 3),
         "stray CR or NUL inside a line"},
        {"NUL", kHead + std::string("i=a\0b\r\n", 7), SdpErrc::kBadLine,
         static_cast<std::uint32_t>(h + 3), "stray CR or NUL inside a line"},
        {"too large", std::string(kMaxSdpSize + 1, 'a'), SdpErrc::kTooLarge,
         static_cast<std::uint32_t>(kMaxSdpSize), "SDP larger than 256 KiB"},
    };
    for (const auto& c : cases) {
        auto s = parse(c.text);
        ASSERT_FALSE(s) << c.name;
        EXPECT_EQ(s.error().code, c.code) << c.name;
        EXPECT_EQ(s.error().offset, c.offset) << c.name;
        EXPECT_EQ(std::string_view(s.error().what), c.what) << c.name;
    }
}

}  // namespace
}  // namespace rtpx::sip::sdp
