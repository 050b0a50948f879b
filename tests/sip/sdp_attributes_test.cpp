// Typed SDP attributes: each parser on the RFC's own examples, its writer, and where it stops on
// bad input (one negative test per field).
#include "rtpx/sip/sdp/attributes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtpx::sip::sdp {
namespace {

template <class R>
void expect_error(const R& r, std::uint32_t offset, std::string_view what) {
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().offset, offset) << what;
    EXPECT_EQ(std::string_view(r.error().what), what);
}

TEST(SdpRtpmap, ParsesAndWrites) {
    auto r = parse_rtpmap("97 L16/16000/2");  // RFC 8866 6.6
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload_type, 97);
    EXPECT_EQ(r->encoding, "L16");
    EXPECT_EQ(r->clock_rate, 16000u);
    EXPECT_EQ(r->channels, 2);
    EXPECT_EQ(to_value(*r), "97 L16/16000/2");
    auto video = parse_rtpmap("99 h263-1998/90000");
    ASSERT_TRUE(video);
    EXPECT_FALSE(video->channels);
    EXPECT_EQ(to_value(*video), "99 h263-1998/90000");
    expect_error(parse_rtpmap("128 x/8000"), 0, "a=rtpmap: bad payload type");
    expect_error(parse_rtpmap("96 opus"), 3, "a=rtpmap: bad encoding name");
    expect_error(parse_rtpmap("96 opus/0"), 8, "a=rtpmap: bad clock rate");
    expect_error(parse_rtpmap("96 opus/48000/0"), 14, "a=rtpmap: bad encoding parameters");
}

TEST(SdpFmtp, ParametersByName) {
    auto f =
        parse_fmtp("98 level-asymmetry-allowed=1; packetization-mode=1 ;profile-level-id=42e01f");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->format, "98");
    EXPECT_EQ(fmtp_parameter(f->parameters, "Packetization-Mode"), "1");
    EXPECT_EQ(fmtp_parameter(f->parameters, "profile-level-id"), "42e01f");
    EXPECT_FALSE(fmtp_parameter(f->parameters, "sprop-parameter-sets"));
    EXPECT_EQ(fmtp_parameter("0-15", "0-15"), "");  // telephone-event events: a bare item
    expect_error(parse_fmtp(" x"), 0, "a=fmtp: bad format");
}

TEST(SdpPtime, DecimalFractions) {
    EXPECT_EQ(*parse_ptime("20"), 20.0);
    EXPECT_DOUBLE_EQ(*parse_ptime("22.5"), 22.5);
    expect_error(parse_ptime("x"), 0, "a=ptime: bad packet time");
    expect_error(parse_ptime("20."), 3, "a=ptime: bad packet time fraction");
}

TEST(SdpRtcp, PortAndOptionalAddress) {
    auto r = parse_rtcp("53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD");  // RFC 3605 2.1
    ASSERT_TRUE(r && r->connection);
    EXPECT_EQ(r->port, 53020);
    EXPECT_EQ(r->connection->addrtype, "IP6");
    EXPECT_EQ(to_value(*r), "53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD");
    auto bare = parse_rtcp("53020");
    ASSERT_TRUE(bare);
    EXPECT_FALSE(bare->connection);
    expect_error(parse_rtcp("65536"), 0, "a=rtcp: bad port");
    expect_error(parse_rtcp("5000 IN IP4"), 5, "a=rtcp: bad connection address");
}

TEST(SdpRtcpFb, PayloadTypeTypeAndParameters) {
    auto r = parse_rtcp_fb("* ccm tmmbr smaxpr=120");  // RFC 5104 7.2
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload_type, "*");
    EXPECT_EQ(r->type, "ccm");
    EXPECT_EQ(r->parameters, "tmmbr smaxpr=120");
    expect_error(parse_rtcp_fb("x nack"), 0, "a=rtcp-fb: bad payload type");
    expect_error(parse_rtcp_fb("96 "), 3, "a=rtcp-fb: bad feedback type");
}

TEST(SdpExtmap, IdDirectionUriAttributes) {
    // RFC 8285 section 7 examples.
    auto e = parse_extmap("2/sendrecv http://example.com/082005/ext.htm#xmeta short");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, 2);
    EXPECT_EQ(e->direction, Direction::kSendRecv);
    EXPECT_EQ(e->uri, "http://example.com/082005/ext.htm#xmeta");
    EXPECT_EQ(e->attributes, "short");
    EXPECT_EQ(to_value(*e), "2/sendrecv http://example.com/082005/ext.htm#xmeta short");
    auto plain = parse_extmap("1 http://example.com/082005/ext.htm#ttime");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->direction);
    EXPECT_TRUE(parse_extmap("4096 urn:x"));
    expect_error(parse_extmap("0 urn:x"), 0, "a=extmap: bad ID");
    expect_error(parse_extmap("256 urn:x"), 0, "a=extmap: bad ID");
    expect_error(parse_extmap("1/both urn:x"), 2, "a=extmap: bad direction");
    expect_error(parse_extmap("1"), 1, "a=extmap: bad URI");
}

TEST(SdpCrypto, TagSuiteKeyParamsSessionParams) {
    // RFC 4568 section 4's example line, plus session parameters.
    auto c = parse_crypto(
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 "
        "KDR=1 UNENCRYPTED_SRTCP");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->tag, 1u);
    EXPECT_EQ(c->suite, "AES_CM_128_HMAC_SHA1_80");
    EXPECT_EQ(c->key_params, "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
    EXPECT_EQ(c->session_params, "KDR=1 UNENCRYPTED_SRTCP");
    EXPECT_EQ(to_value(*c),
              "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 "
              "KDR=1 UNENCRYPTED_SRTCP");
    expect_error(parse_crypto("1234567890 X inline:k"), 0, "a=crypto: bad tag");
    expect_error(parse_crypto("1 AES/CM inline:k"), 2, "a=crypto: bad crypto suite");
    expect_error(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 nokeymethod"), 26,
                 "a=crypto: bad key params");
}

TEST(SdpSsrc, AttributeAndGroup) {
    auto s = parse_ssrc("314159 fmtp:96 x=y");  // RFC 5576: the value may hold ':'
    ASSERT_TRUE(s);
    EXPECT_EQ(s->ssrc, 314159u);
    EXPECT_EQ(s->attribute, "fmtp");
    EXPECT_EQ(s->value, "96 x=y");
    auto flag = parse_ssrc("4294967295 flag");
    ASSERT_TRUE(flag);
    EXPECT_FALSE(flag->value);
    expect_error(parse_ssrc("4294967296 cname:x"), 0, "a=ssrc: bad SSRC");
    expect_error(parse_ssrc("1 :x"), 2, "a=ssrc: bad attribute");
    auto g = parse_ssrc_group("FEC-FR 1 2 3");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->ssrcs, (std::vector<std::uint32_t>{1, 2, 3}));
    expect_error(parse_ssrc_group("FID 1 x"), 6, "a=ssrc-group: bad SSRC");
    expect_error(parse_ssrc_group("FID"), 3, "a=ssrc-group: no SSRC");
}

TEST(SdpGroupMid, BundleTags) {
    auto g = parse_group("BUNDLE audio video data");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->semantics, "BUNDLE");
    EXPECT_EQ(g->mids.size(), 3u);
    expect_error(parse_group("BUNDLE a (b)"), 9, "a=group: bad identification tag");
    EXPECT_EQ(*parse_mid("audio"), "audio");
    expect_error(parse_mid(""), 0, "a=mid: bad identification tag");
}

TEST(SdpRidSimulcast, RestrictionsAndStreamLists) {
    auto r = parse_rid("5 send pt=99,102;max-width=1280");  // RFC 8851 section 11
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, "5");
    EXPECT_TRUE(r->send);
    EXPECT_EQ(r->restrictions, "pt=99,102;max-width=1280");
    auto recv = parse_rid("r1 recv");
    ASSERT_TRUE(recv);
    EXPECT_FALSE(recv->send);
    expect_error(parse_rid("r1 both"), 3, "a=rid: direction is not send or recv");
    expect_error(parse_rid("r.1 send"), 0, "a=rid: bad rid-id");
    auto s = parse_simulcast("send 1;~4 recv 2,3");  // RFC 8853 shapes
    ASSERT_TRUE(s);
    EXPECT_EQ(s->send, "1;~4");
    EXPECT_EQ(s->recv, "2,3");
    expect_error(parse_simulcast("send 1 send 2"), 7, "a=simulcast: direction is not send or recv");
    expect_error(parse_simulcast("recv"), 4, "a=simulcast: bad stream list");
}

TEST(SdpValidate, KnownAttributesNeedValidValues) {
    EXPECT_TRUE(
        validate_attribute("candidate", std::string_view("1 1 udp 1 192.0.2.1 1 typ host")));
    EXPECT_TRUE(validate_attribute("X-unknown", std::nullopt));
    EXPECT_TRUE(validate_attribute("setup", std::string_view("ACTPASS")));
    expect_error(validate_attribute("setup", std::string_view("both")), 0,
                 "a=setup: not active, passive, actpass or holdconn");
    expect_error(validate_attribute("rtpmap", std::nullopt), 0, "a= line: attribute needs a value");
    expect_error(validate_attribute("fingerprint", std::string_view("sha-256")), 7,
                 "a=fingerprint: bad fingerprint");
}

TEST(SdpDirection, SetDirectionReplacesInPlace) {
    AttributeList list = {{"rtpmap", "0 PCMU/8000"},
                          {"sendrecv", std::nullopt},
                          {"ptime", "20"},
                          {"inactive", std::nullopt}};
    EXPECT_EQ(find_direction(list), Direction::kInactive);  // the last one wins
    set_direction(list, Direction::kSendOnly);
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[1].name, "sendonly");
    EXPECT_EQ(reverse(Direction::kSendOnly), Direction::kRecvOnly);
    EXPECT_EQ(reverse(Direction::kInactive), Direction::kInactive);
    EXPECT_EQ(remove_attributes(list, "SENDONLY"), 1u);
    set_direction(list, Direction::kRecvOnly);
    EXPECT_EQ(list.back().name, "recvonly");
}

}  // namespace
}  // namespace rtpx::sip::sdp
