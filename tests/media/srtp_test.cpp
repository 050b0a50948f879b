// SDES (RFC 4568) through the relay: RTP/AVP <-> RTP/SAVP bridging, keys generated per leg, the
// answerer's choice honoured, and the SrtpParams of every flow direction consistent with the SDP
// each leg saw. In SDES every a=crypto carries the key its SENDER protects with, so:
//   flow X->Y: srtp_ingress = X's own a=crypto, srtp_egress = the a=crypto the relay sent to Y.
#include <gtest/gtest.h>

#include <set>

#include "media_fixtures.hpp"
#include "rtpx/rtp/srtp/sdes.hpp"
#include "rtpx/sip/sdp/attributes.hpp"

namespace rtpx::media {
namespace {

using namespace testing;
namespace sdp = sip::sdp;
namespace srtp = rtp::srtp;

constexpr const char* kAvpOffer =
    "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49170 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

// RFC 4568 section 4's example key (AES_CM_128_HMAC_SHA1_80) and an AES-256 one.
constexpr const char* kSavpOffer =
    "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49170 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20\r\n"
    "a=crypto:2 AES_256_CM_HMAC_SHA1_80 "
    "inline:e4dhDkO5h3i0GH7+vPzUtcn2T3lE3e9XFmAwU8e5bZGbnEO3J0L7Uh1YfFZZ1w==\r\n";

constexpr const char* kAvpAnswer =
    "v=0\r\no=bob 5 5 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
    "m=audio 49174 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";

std::string savp_answer(const std::string& crypto_line) {
    return "v=0\r\no=bob 5 5 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
           "m=audio 49174 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\na=crypto:" +
           crypto_line + "\r\n";
}
constexpr const char* kBobKey = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20";

struct Crypto {
    std::uint32_t tag;
    std::string suite;
    flowapi::SrtpParams params;
};
std::vector<Crypto> cryptos(const sdp::MediaDescription& m) {
    std::vector<Crypto> out;
    for (const auto& a : m.attributes) {
        if (a.name != "crypto") continue;
        auto c = sdp::parse_crypto(*a.value);
        EXPECT_TRUE(c);
        auto suite = srtp::suite_from_name(c->suite);
        EXPECT_TRUE(suite) << c->suite;
        auto kp = srtp::parse_sdes_key_params(c->key_params, *suite);
        EXPECT_TRUE(kp) << "inline key must decode: " << *a.value;
        Crypto x{c->tag, std::string(c->suite), {}};
        x.params.suite = *flowapi::suite_from_name(c->suite);
        std::copy(kp->master_key().begin(), kp->master_key().end(), x.params.master_key.begin());
        std::copy(kp->master_salt().begin(), kp->master_salt().end(), x.params.master_salt.begin());
        out.push_back(x);
    }
    return out;
}

const flowapi::FlowSpec* flow_from(const flowapi::Batch& b, const char* relay) {
    for (const auto& op : b.ops) {
        if (op.spec.local.address == ip(relay) && op.spec.local.port % 2 == 0) return &op.spec;
    }
    return nullptr;
}

TEST(Srtp, AvpOfferBecomesSavpTowardsBobAndTheAnswersChoiceIsUsed) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("srtp-1");
    LegOptions to_bob = towards("bob-side");
    to_bob.transport = Transport::kRtpSavp;
    auto offer = s.offer(Leg::kA, kAvpOffer, to_bob);
    ASSERT_TRUE(offer) << offer.error().what;
    const auto out = parsed(*offer);
    EXPECT_EQ(out.media[0].proto, "RTP/SAVP");
    EXPECT_EQ(out.media[0].formats, (std::vector<std::string>{"8", "101"})) << "codecs untouched";
    const auto offered = cryptos(out.media[0]);
    ASSERT_EQ(offered.size(), 2u);
    EXPECT_EQ(offered[0].tag, 1u);
    EXPECT_EQ(offered[0].suite, "AES_CM_128_HMAC_SHA1_80");
    EXPECT_EQ(offered[1].suite, "AES_CM_128_HMAC_SHA1_32");
    EXPECT_NE(offered[0].params.master_key, offered[1].params.master_key) << "a key per line";

    // Bob picks tag 2 (the _32 suite) and sends with his own key.
    auto answer = s.answer(Leg::kB, savp_answer(std::string("2 AES_CM_128_HMAC_SHA1_32 ") + kBobKey),
                           towards("alice-side"));
    ASSERT_TRUE(answer) << answer.error().what;
    const auto to_alice = parsed(*answer);
    EXPECT_EQ(to_alice.media[0].proto, "RTP/AVP") << "Alice offered RTP/AVP: she gets it back";
    EXPECT_TRUE(cryptos(to_alice.media[0]).empty());

    const auto batch = s.take_changes();
    const auto* ab = flow_from(batch, kAliceSide);
    const auto* ba = flow_from(batch, kBobSide);
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab->srtp_ingress.suite, flowapi::SrtpSuite::kNone);
    EXPECT_EQ(ab->srtp_egress, offered[1].params) << "towards Bob: the key of the line he chose";
    const auto bob = cryptos(parsed(savp_answer(std::string("2 AES_CM_128_HMAC_SHA1_32 ") +
                                                kBobKey)).media[0]);
    EXPECT_EQ(ba->srtp_ingress, bob[0].params) << "from Bob: the key his answer declared";
    EXPECT_EQ(ba->srtp_egress.suite, flowapi::SrtpSuite::kNone);
    // The RTCP flows carry the same keys (SRTCP shares the master key).
    for (const auto& op : batch.ops) {
        if (op.spec.local.address == ip(kAliceSide)) EXPECT_EQ(op.spec.srtp_egress, offered[1].params);
    }

    // A hold re-offer keeps the keys (no re-keying, no SRTP change in the flows).
    auto hold = s.offer(Leg::kA, std::string(kAvpOffer) + "a=sendonly\r\n", to_bob);
    ASSERT_TRUE(hold);
    const auto again = cryptos(parsed(*hold).media[0]);
    ASSERT_FALSE(again.empty());
    EXPECT_EQ(again[0].tag, 2u);
    EXPECT_EQ(again[0].params, offered[1].params) << "the key in use is offered again";
    ASSERT_TRUE(s.answer(Leg::kB,
                         savp_answer(std::string("2 AES_CM_128_HMAC_SHA1_32 ") + kBobKey) +
                             "a=recvonly\r\n",
                         towards("alice-side")));
    for (const auto& op : s.take_changes().ops) {
        EXPECT_EQ(op.kind, flowapi::OpKind::kModify);
    }
    for (const auto& f : s.flows()) {
        if (f.local.address == ip(kAliceSide)) EXPECT_EQ(f.srtp_egress, offered[1].params);
    }
}

// After an RTP/AVP (Alice) <-> RTP/SAVP (Bob) bridge, Bob's re-INVITE reaches Alice as RTP/AVP
// (kKeep keeps each leg's transport) and Alice's answer reaches Bob with a key of his suite.
TEST(Srtp, ReofferFromTheSrtpSideKeepsEachLegsTransport) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("srtp-6");
    LegOptions to_bob = towards("bob-side");
    to_bob.transport = Transport::kRtpSavp;
    ASSERT_TRUE(s.offer(Leg::kA, kAvpOffer, to_bob));
    ASSERT_TRUE(s.answer(Leg::kB, savp_answer(std::string("1 AES_CM_128_HMAC_SHA1_80 ") + kBobKey),
                         towards("alice-side")));
    (void)s.take_changes();
    const std::string reoffer =
        replace_all(savp_answer(std::string("1 AES_CM_128_HMAC_SHA1_80 ") + kBobKey), "o=bob 5 5",
                    "o=bob 5 6") +
        "a=sendonly\r\n";
    auto to_alice = s.offer(Leg::kB, reoffer, towards("alice-side"));
    ASSERT_TRUE(to_alice) << to_alice.error().what;
    EXPECT_EQ(parsed(*to_alice).media[0].proto, "RTP/AVP");
    EXPECT_TRUE(cryptos(parsed(*to_alice).media[0]).empty());
    auto to_bob_answer = s.answer(
        Leg::kA,
        "v=0\r\no=alice 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=audio 49170 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=recvonly\r\n",
        to_bob);
    ASSERT_TRUE(to_bob_answer) << to_bob_answer.error().what;
    const auto bob_sees = parsed(*to_bob_answer);
    EXPECT_EQ(bob_sees.media[0].proto, "RTP/SAVP");
    const auto keys = cryptos(bob_sees.media[0]);
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].tag, 1u);
    for (const auto& op : s.take_changes().ops) EXPECT_EQ(op.kind, flowapi::OpKind::kModify);
    for (const auto& f : s.flows()) {
        if (f.local.address == ip(kAliceSide)) EXPECT_EQ(f.srtp_egress, keys[0].params);
    }
}

TEST(Srtp, SavpOfferBridgedToAvpAnswersAliceWithOneFreshKey) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("srtp-2");
    LegOptions to_bob = towards("bob-side");
    to_bob.transport = Transport::kRtpAvp;
    auto offer = s.offer(Leg::kA, kSavpOffer, to_bob);
    ASSERT_TRUE(offer) << offer.error().what;
    const auto out = parsed(*offer);
    EXPECT_EQ(out.media[0].proto, "RTP/AVP");
    EXPECT_TRUE(cryptos(out.media[0]).empty());
    auto answer = s.answer(Leg::kB, kAvpAnswer, towards("alice-side"));
    ASSERT_TRUE(answer) << answer.error().what;
    const auto to_alice = parsed(*answer);
    EXPECT_EQ(to_alice.media[0].proto, "RTP/SAVP");
    const auto ours = cryptos(to_alice.media[0]);
    ASSERT_EQ(ours.size(), 1u) << "an answer carries exactly one a=crypto (RFC 4568 5.1.2)";
    EXPECT_EQ(ours[0].tag, 1u);
    EXPECT_EQ(ours[0].suite, "AES_CM_128_HMAC_SHA1_80");
    const auto alices = cryptos(parsed(kSavpOffer).media[0]);
    EXPECT_NE(ours[0].params, alices[0].params) << "the relay re-keys: never echoes Alice's key";

    const auto batch = s.take_changes();
    const auto* ab = flow_from(batch, kAliceSide);
    const auto* ba = flow_from(batch, kBobSide);
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab->srtp_ingress, alices[0].params) << "from Alice: the key of the chosen tag";
    EXPECT_EQ(ab->srtp_egress.suite, flowapi::SrtpSuite::kNone);
    EXPECT_EQ(ba->srtp_ingress.suite, flowapi::SrtpSuite::kNone);
    EXPECT_EQ(ba->srtp_egress, ours[0].params) << "towards Alice: the key her answer declared";
}

TEST(Srtp, SavpToSavpRekeysEveryOfferedSuite) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("srtp-3");
    auto offer = s.offer(Leg::kA, kSavpOffer, towards("bob-side"));
    ASSERT_TRUE(offer);
    const auto out = cryptos(parsed(*offer).media[0]);
    const auto alices = cryptos(parsed(kSavpOffer).media[0]);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].suite, "AES_CM_128_HMAC_SHA1_80");
    EXPECT_EQ(out[1].suite, "AES_256_CM_HMAC_SHA1_80");
    EXPECT_NE(out[0].params, alices[0].params);
    // Bob's answer names a tag the relay never offered: no common crypto.
    auto wrong = s.answer(Leg::kB, savp_answer(std::string("7 AES_CM_128_HMAC_SHA1_80 ") + kBobKey),
                          towards("alice-side"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, MediaError::Code::kNoCommonCrypto);
    // The right one: Alice is answered with the same suite Bob chose.
    auto ok = s.answer(Leg::kB, savp_answer(std::string("1 AES_CM_128_HMAC_SHA1_80 ") + kBobKey),
                       towards("alice-side"));
    ASSERT_TRUE(ok) << ok.error().what;
    const auto ans = cryptos(parsed(*ok).media[0]);
    ASSERT_EQ(ans.size(), 1u);
    EXPECT_EQ(ans[0].tag, 1u);
    // Two sessions never share keys (CSPRNG).
    auto& t = engine.create_session("srtp-4");
    auto other = t.offer(Leg::kA, kSavpOffer, towards("bob-side"));
    ASSERT_TRUE(other);
    EXPECT_NE(cryptos(parsed(*other).media[0])[0].params, out[0].params);
}

TEST(Srtp, NoSupportedSuiteIsNoCommonCrypto) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("srtp-5");
    LegOptions to_bob = towards("bob-side");
    to_bob.transport = Transport::kRtpSavp;
    // F8 (RFC 4568 6.2.2) is not a suite this relay protects with.
    const std::string f8 =
        "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=audio 49170 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
        "a=crypto:1 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20\r\n";
    auto r = s.offer(Leg::kA, f8, to_bob);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, MediaError::Code::kNoCommonCrypto);
    // The SBC fixture's keys carry MKIs, which the flow API's SRTP parameters cannot express.
    auto mki = s.offer(Leg::kA, sip::sdp::testing::read_data("sbc_srtp_offer.sdp"), to_bob);
    ASSERT_FALSE(mki);
    EXPECT_EQ(mki.error().code, MediaError::Code::kNoCommonCrypto);
    EXPECT_FALSE(s.has_pending_offer());
    // An unknown suite asked for in the options is refused the same way.
    to_bob.sdes_suites = {"NOT_A_SUITE"};
    auto bad = s.offer(Leg::kA, kAvpOffer, to_bob);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, MediaError::Code::kNoCommonCrypto);
    to_bob.sdes_suites = {"AEAD_AES_256_GCM"};
    auto gcm = s.offer(Leg::kA, kAvpOffer, to_bob);
    ASSERT_TRUE(gcm);
    const auto lines = cryptos(parsed(*gcm).media[0]);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].suite, "AEAD_AES_256_GCM");
}

}  // namespace
}  // namespace rtpx::media
