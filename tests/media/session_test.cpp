// MediaSession: SDP rewriting on RFC 4317's offer/answer examples and RFC 3264 hold, and the flow
// batches each exchange produces (adds, modifies on hold, deletes on a removed section, teardown).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "media_fixtures.hpp"
#include "rtpx/flowapi/json.hpp"
#include "rtpx/sip/sdp/attributes.hpp"
#include "rtpx/sip/sdp/offer_answer.hpp"

namespace rtpx::media {
namespace {

using namespace testing;
namespace sdp = sip::sdp;
using flowapi::OpKind;

struct Call {
    MediaEngine engine = MediaEngine::create_offline(two_sided());
    MediaSession& s = engine.create_session("call-1");
    LegOptions to_bob = towards("bob-side");
    LegOptions to_alice = towards("alice-side");

    std::string offer_from_alice(const std::string& sdp) {
        auto r = s.offer(Leg::kA, sdp, to_bob);
        EXPECT_TRUE(r) << (r ? "" : r.error().what);
        return r ? *r : std::string();
    }
    std::string answer_from_bob(const std::string& sdp) {
        auto r = s.answer(Leg::kB, sdp, to_alice);
        EXPECT_TRUE(r) << (r ? "" : r.error().what);
        return r ? *r : std::string();
    }
    std::string offer_from_bob(const std::string& sdp) {
        auto r = s.offer(Leg::kB, sdp, to_alice);
        EXPECT_TRUE(r) << (r ? "" : r.error().what);
        return r ? *r : std::string();
    }
    std::string answer_from_alice(const std::string& sdp) {
        auto r = s.answer(Leg::kA, sdp, to_bob);
        EXPECT_TRUE(r) << (r ? "" : r.error().what);
        return r ? *r : std::string();
    }
};

std::size_t count(const flowapi::Batch& b, OpKind kind) {
    return static_cast<std::size_t>(
        std::count_if(b.ops.begin(), b.ops.end(), [&](const auto& op) { return op.kind == kind; }));
}

const flowapi::FlowSpec* flow_at(const flowapi::Batch& b, const flowapi::Endpoint& local) {
    for (const auto& op : b.ops) {
        if (op.spec.local == local) return &op.spec;
    }
    return nullptr;
}

// Every non-rejected section points at `relay` with an even port in range; formats and attributes
// (codecs, telephone-event, directions) are the original's.
void expect_rewritten(const sdp::SessionDescription& out, const sdp::SessionDescription& in,
                      const char* relay) {
    ASSERT_EQ(out.media.size(), in.media.size());
    EXPECT_EQ(out.origin.address, relay);
    EXPECT_EQ(out.origin.username, in.origin.username);
    ASSERT_TRUE(out.connection);
    EXPECT_EQ(out.connection->address, relay);
    for (std::size_t i = 0; i < in.media.size(); ++i) {
        const auto& m = out.media[i];
        EXPECT_EQ(m.formats, in.media[i].formats) << i;
        EXPECT_EQ(m.attributes, in.media[i].attributes) << i;
        EXPECT_EQ(m.proto, in.media[i].proto);
        if (in.media[i].rejected()) {
            EXPECT_EQ(m.port, 0) << "a rejected section stays rejected";
            continue;
        }
        EXPECT_NE(m.port, in.media[i].port);
        EXPECT_EQ(m.port % 2, 0);
        EXPECT_GE(m.port, 30000);
        EXPECT_LE(m.port, 39999);
        ASSERT_EQ(m.connections.size(), 1u);
        EXPECT_EQ(m.connections[0].address, relay);
    }
}

TEST(MediaSdp, Rfc4317_2_1_AudioAndVideo) {
    Call c;
    const auto offer = rfc4317("2.1", "Offer");
    const auto answer = rfc4317("2.1", "Answer");
    const auto to_bob = parsed(c.offer_from_alice(offer));
    expect_rewritten(to_bob, parsed(offer), kBobSide);
    EXPECT_EQ(to_bob.origin.sess_version, parsed(offer).origin.sess_version);
    EXPECT_TRUE(c.s.has_pending_offer());
    EXPECT_TRUE(c.s.take_changes().ops.empty()) << "no flows before the answer";

    const auto to_alice = parsed(c.answer_from_bob(answer));
    expect_rewritten(to_alice, parsed(answer), kAliceSide);
    EXPECT_FALSE(c.s.has_pending_offer());

    // Both directions of both streams, RTP and RTCP (no rtcp-mux): 8 adds.
    const auto batch = c.s.take_changes();
    EXPECT_EQ(batch.ops.size(), 8u);
    EXPECT_EQ(count(batch, OpKind::kAdd), 8u);
    const std::uint16_t a_audio = to_alice.media[0].port, b_audio = to_bob.media[0].port;
    const auto* ab = flow_at(batch, ep(kAliceSide, a_audio));
    ASSERT_NE(ab, nullptr);
    EXPECT_EQ(ab->remote, ep(kAlice, 49170));
    EXPECT_EQ(ab->egress_source, ep(kBobSide, b_audio));
    EXPECT_EQ(ab->egress_destination, ep(kBob, 49174));
    EXPECT_EQ(ab->latching, flowapi::Latching::kLearnOnce);
    EXPECT_EQ(ab->clock_rate, 8000u);
    EXPECT_EQ(ab->cookie, c.s.id());
    EXPECT_FALSE(ab->rtcp_mux);
    EXPECT_EQ(ab->srtp_ingress.suite, flowapi::SrtpSuite::kNone);
    const auto* ab_rtcp = flow_at(batch, ep(kAliceSide, static_cast<std::uint16_t>(a_audio + 1)));
    ASSERT_NE(ab_rtcp, nullptr);
    EXPECT_EQ(ab_rtcp->egress_source, ep(kBobSide, static_cast<std::uint16_t>(b_audio + 1)));
    EXPECT_EQ(ab_rtcp->egress_destination, ep(kBob, 49175));
    const auto* ba = flow_at(batch, ep(kBobSide, b_audio));
    ASSERT_NE(ba, nullptr);
    EXPECT_EQ(ba->egress_destination, ep(kAlice, 49170));
    EXPECT_EQ(ba->egress_source, ep(kAliceSide, a_audio));
    const auto* video = flow_at(batch, ep(kBobSide, to_bob.media[1].port));
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->clock_rate, 90000u) << "MPV/90000 from the answer's rtpmap";
    EXPECT_EQ(video->egress_destination, ep(kAlice, 51372));
    EXPECT_EQ(c.s.codec(), "PCMU");
    for (const auto& op : batch.ops) {
        EXPECT_EQ(flowapi::validate(op.spec).field, nullptr) << flowapi::validate(op.spec).field;
    }
    EXPECT_TRUE(c.s.take_changes().ops.empty()) << "nothing changed since";
}

TEST(MediaSdp, Rfc4317_2_2_RejectedVideoStaysRejectedAndVersionFollowsChanges) {
    Call c;
    const auto first_to_bob = parsed(c.offer_from_alice(rfc4317("2.2", "Offer")));
    const auto to_alice = parsed(c.answer_from_bob(rfc4317("2.2", "Answer")));
    EXPECT_EQ(to_alice.media[1].port, 0) << "Bob's rejected video is relayed rejected";
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 4u) << "audio only, both ways, RTP+RTCP";
    EXPECT_EQ(c.engine.port_pools().used("bob-side"), 1u) << "the rejected video's port went back";

    // The second offer limits audio to PCMU and keeps video at port 0: content changed, so the
    // version towards Bob goes up by one.
    const auto second_to_bob = parsed(c.offer_from_alice(rfc4317("2.2", "Second-Offer")));
    EXPECT_EQ(second_to_bob.origin.sess_version, first_to_bob.origin.sess_version + 1);
    EXPECT_EQ(second_to_bob.media[1].port, 0);
    EXPECT_EQ(second_to_bob.media[0].port, first_to_bob.media[0].port) << "same relay port";
    const auto second_to_alice = parsed(c.answer_from_bob(rfc4317("2.2", "Second-Answer")));
    EXPECT_EQ(second_to_alice.origin.sess_version, to_alice.origin.sess_version + 1);
    // Alice moved her audio to 51372: the four audio flows are modified, nothing else.
    const auto moved = c.s.take_changes();
    EXPECT_EQ(moved.ops.size(), 4u);
    EXPECT_EQ(count(moved, OpKind::kModify), 4u);
    const auto* ba = flow_at(moved, ep(kBobSide, first_to_bob.media[0].port));
    ASSERT_NE(ba, nullptr);
    EXPECT_EQ(ba->egress_destination, ep(kAlice, 51372));

    // The same offer again (a session refresh): nothing changed, the version stays.
    const auto third_to_bob = parsed(c.offer_from_alice(rfc4317("2.2", "Second-Offer")));
    EXPECT_EQ(third_to_bob.origin.sess_version, second_to_bob.origin.sess_version);
    const auto third_to_alice = parsed(c.answer_from_bob(rfc4317("2.2", "Second-Answer")));
    EXPECT_EQ(third_to_alice.origin.sess_version, second_to_alice.origin.sess_version);
    EXPECT_TRUE(c.s.take_changes().ops.empty());
}

TEST(MediaSdp, Rfc4317_2_4_TwoAudioStreamsKeepTelephoneEventAndDirections) {
    Call c;
    const auto offer = rfc4317("2.4", "Offer");
    const auto to_bob = parsed(c.offer_from_alice(offer));
    expect_rewritten(to_bob, parsed(offer), kBobSide);
    const auto to_alice = parsed(c.answer_from_bob(rfc4317("2.4", "Answer")));
    EXPECT_EQ(sdp::effective_direction(to_alice, to_alice.media[1]), sdp::Direction::kRecvOnly);
    EXPECT_EQ(to_alice.media[1].formats, std::vector<std::string>{"98"});
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 8u);
}

// RFC 4317 3.1: Bob answers on hold from another address; his re-offer resumes and Alice moves
// port: every flow is modified, none added or deleted.
TEST(MediaSdp, Rfc4317_3_1_HoldAndUnholdGiveModifies) {
    Call c;
    c.to_bob.inactivity_timeout_ms = 30000;
    c.to_alice.inactivity_timeout_ms = 30000;
    const auto to_bob = parsed(c.offer_from_alice(rfc4317("3.1", "Offer")));
    const auto to_alice = parsed(c.answer_from_bob(rfc4317("3.1", "Answer")));
    EXPECT_EQ(sdp::effective_direction(to_alice, to_alice.media[0]), sdp::Direction::kSendOnly);
    const auto first = c.s.take_changes();
    EXPECT_EQ(count(first, OpKind::kAdd), 4u);
    const auto a_port = to_alice.media[0].port, b_port = to_bob.media[0].port;
    const auto* ab = flow_at(first, ep(kAliceSide, a_port));
    const auto* ba = flow_at(first, ep(kBobSide, b_port));
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab->egress_destination, ep(kBobOther, 49172));
    EXPECT_EQ(ab->inactivity_timeout_ms, 0u) << "Bob (sendonly) receives nothing: no timeout";
    EXPECT_EQ(ba->inactivity_timeout_ms, 30000u) << "Bob sends";
    EXPECT_EQ(ba->clock_rate, 8000u);

    // Bob's re-offer (leg B offers now): towards Alice the relay port stays, the version rises.
    const auto reoffer = parsed(c.offer_from_bob(rfc4317("3.1", "Second-Offer")));
    EXPECT_EQ(reoffer.media[0].port, a_port);
    EXPECT_EQ(reoffer.origin.sess_version, to_alice.origin.sess_version + 1);
    const auto reanswer = parsed(c.answer_from_alice(rfc4317("3.1", "Second-Answer")));
    EXPECT_EQ(reanswer.media[0].port, b_port);
    EXPECT_EQ(reanswer.origin.sess_version, to_bob.origin.sess_version + 1);
    const auto second = c.s.take_changes();
    EXPECT_EQ(second.ops.size(), 4u);
    EXPECT_EQ(count(second, OpKind::kModify), 4u);
    ab = flow_at(second, ep(kAliceSide, a_port));
    ba = flow_at(second, ep(kBobSide, b_port));
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab->egress_destination, ep(kBob, 49170)) << "Bob back on his own address";
    EXPECT_EQ(ab->inactivity_timeout_ms, 30000u);
    EXPECT_EQ(ba->egress_destination, ep(kAlice, 49178)) << "Alice's new port";
    EXPECT_EQ(ab->remote, ep(kAlice, 49178));
}

constexpr const char* kBasicOffer =
    "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";
constexpr const char* kBasicAnswer =
    "v=0\r\no=bob 7 7 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
    "m=audio 49174 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";

// RFC 3264 8.4: hold with a=sendonly, then with the RFC 2543 c=0.0.0.0; resume.
TEST(MediaSdp, Rfc3264HoldBothStylesGiveModifiesOnly) {
    Call c;
    c.to_bob.inactivity_timeout_ms = 20000;
    c.to_alice.inactivity_timeout_ms = 20000;
    c.offer_from_alice(kBasicOffer);
    const auto to_alice = parsed(c.answer_from_bob(kBasicAnswer));
    const auto adds = c.s.take_changes();
    ASSERT_EQ(count(adds, OpKind::kAdd), 4u);
    const auto a_port = to_alice.media[0].port;

    std::string hold = replace_all(kBasicOffer, "o=alice 1 1", "o=alice 1 2") + "a=sendonly\r\n";
    const auto hold_to_bob = parsed(c.offer_from_alice(hold));
    EXPECT_EQ(sdp::effective_direction(hold_to_bob, hold_to_bob.media[0]),
              sdp::Direction::kSendOnly);
    c.answer_from_bob(std::string(kBasicAnswer) + "a=recvonly\r\n");
    auto batch = c.s.take_changes();
    EXPECT_EQ(batch.ops.size(), 1u) << "only Bob->Alice stops: its inactivity timer goes off";
    EXPECT_EQ(count(batch, OpKind::kModify), batch.ops.size());

    // RFC 2543 hold: c=0.0.0.0. The relay passes it on and keeps Alice's last address.
    std::string zero = replace_all(kBasicOffer, "o=alice 1 1", "o=alice 1 3");
    zero = replace_all(zero, "c=IN IP4 192.0.2.1", "c=IN IP4 0.0.0.0");
    const auto zero_to_bob = parsed(c.offer_from_alice(zero));
    EXPECT_TRUE(sdp::is_on_hold(zero_to_bob, zero_to_bob.media[0]));
    c.answer_from_bob(kBasicAnswer);
    batch = c.s.take_changes();
    EXPECT_EQ(count(batch, OpKind::kModify), batch.ops.size());
    EXPECT_EQ(count(batch, OpKind::kAdd) + count(batch, OpKind::kDelete), 0u);
    for (const auto& f : c.s.flows()) {
        EXPECT_EQ(f.inactivity_timeout_ms, 0u) << "nothing flows on hold";
        if (f.local.address == ip(kBobSide)) {
            EXPECT_EQ(f.egress_destination.address, ip(kAlice)) << "the last real address stays";
        }
    }

    // Resume.
    c.offer_from_alice(replace_all(kBasicOffer, "o=alice 1 1", "o=alice 1 4"));
    const auto resumed = parsed(c.answer_from_bob(kBasicAnswer));
    EXPECT_EQ(resumed.media[0].port, a_port);
    batch = c.s.take_changes();
    EXPECT_EQ(count(batch, OpKind::kModify), 2u) << "both RTP flows get their timers back";
    EXPECT_EQ(batch.ops.size(), 2u);
}

// RFC 4317 4.3: Bob's re-offer deletes the video section: its flows are deleted and its ports
// released.
TEST(MediaSdp, Rfc4317_4_3_RemovedSectionGivesDeletes) {
    Call c;
    c.offer_from_alice(rfc4317("4.3", "Offer"));
    c.answer_from_bob(rfc4317("4.3", "Answer"));
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 8u);
    EXPECT_EQ(c.engine.port_pools().used("alice-side"), 2u);
    const auto to_alice = parsed(c.offer_from_bob(rfc4317("4.3", "Second-Offer")));
    EXPECT_EQ(to_alice.media[1].port, 0) << "the removed section is relayed with port 0";
    const auto to_bob = parsed(c.answer_from_alice(rfc4317("4.3", "Second-Answer")));
    EXPECT_EQ(to_bob.media[1].port, 0);
    const auto batch = c.s.take_changes();
    EXPECT_EQ(batch.ops.size(), 4u);
    EXPECT_EQ(count(batch, OpKind::kDelete), 4u);
    EXPECT_EQ(c.engine.port_pools().used("alice-side"), 1u);
    EXPECT_EQ(c.engine.port_pools().used("bob-side"), 1u);
}

// RFC 4317 5.1: no media, then audio added.
TEST(MediaSdp, Rfc4317_5_1_AudioAddedLater) {
    Call c;
    c.offer_from_alice(rfc4317("5.1", "Offer"));
    c.answer_from_bob(rfc4317("5.1", "Answer"));
    EXPECT_TRUE(c.s.take_changes().ops.empty());
    c.offer_from_alice(rfc4317("5.1", "Second-Offer"));
    c.answer_from_bob(rfc4317("5.1", "Second-Answer"));
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 4u);
}

// Early media: the 183's answer and the 200's (same SDP) give one set of flows; a later answer
// from another fork (another address) modifies them; the offerer's relay port never changes.
TEST(MediaSdp, SecondAnswerToTheSameOffer) {
    Call c;
    c.offer_from_alice(kBasicOffer);
    const auto early = c.answer_from_bob(kBasicAnswer);
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 4u);
    const auto final_answer = c.answer_from_bob(kBasicAnswer);
    EXPECT_EQ(final_answer, early) << "same answer, same SDP, same version";
    EXPECT_TRUE(c.s.take_changes().ops.empty());
    const auto fork =
        parsed(c.answer_from_bob(replace_all(kBasicAnswer, "192.0.2.2", "192.0.2.9")));
    EXPECT_EQ(fork.media[0].port, parsed(early).media[0].port);
    EXPECT_EQ(fork.origin.sess_version, parsed(early).origin.sess_version)
        << "the relay hides the fork's address: Alice's SDP did not change";
    const auto b = c.s.take_changes();
    EXPECT_EQ(b.ops.size(), 4u);
    EXPECT_EQ(count(b, OpKind::kModify), 4u);
    EXPECT_EQ(c.engine.port_pools().used("alice-side"), 1u);
    EXPECT_FALSE(c.s.answer(Leg::kA, kBasicAnswer, c.to_bob)) << "the offerer cannot answer itself";
}

// Early flows (take_early_changes): while Alice's offer waits for Bob's answer, Bob's relay port
// already forwards to Alice (a callee streams right after its 183), learning Bob's source; the
// answer turns that flow into the full one (a modify) and adds the other direction; a withdrawn
// offer deletes it. Without take_early_changes nothing is programmed before the answer.
TEST(MediaSdp, EarlyFlowRelaysTheAnswerersFirstPacketsToTheOfferer) {
    Call c;
    const auto to_bob = parsed(c.offer_from_alice(kBasicOffer));
    const auto early = c.s.take_early_changes();
    ASSERT_EQ(early.ops.size(), 1u) << "RTP, Bob to Alice only (no RTCP before the answer)";
    EXPECT_EQ(early.ops[0].kind, OpKind::kAdd);
    const auto& f = early.ops[0].spec;
    EXPECT_EQ(f.local, ep(kBobSide, to_bob.media[0].port));
    EXPECT_EQ(f.egress_destination, ep(kAlice, 49170));
    EXPECT_EQ(f.latching, flowapi::Latching::kLearnOnce);
    EXPECT_EQ(f.srtp_ingress.suite, flowapi::SrtpSuite::kNone);
    EXPECT_EQ(f.srtp_egress.suite, flowapi::SrtpSuite::kNone);
    EXPECT_EQ(flowapi::validate(f).field, nullptr);
    EXPECT_TRUE(c.s.take_changes().ops.empty()) << "kept while the offer is pending";

    c.answer_from_bob(kBasicAnswer);
    const auto full = c.s.take_changes();
    EXPECT_EQ(count(full, OpKind::kModify), 1u) << "the early flow becomes Bob's full flow";
    EXPECT_EQ(count(full, OpKind::kAdd), 3u);
    EXPECT_EQ(count(full, OpKind::kDelete), 0u);

    Call d;
    d.offer_from_alice(kBasicOffer);
    EXPECT_TRUE(d.s.take_changes().ops.empty()) << "opt-in: no flows before the answer";
    EXPECT_EQ(d.s.take_early_changes().ops.size(), 1u);
    EXPECT_EQ(count(d.s.teardown(), OpKind::kDelete), 1u) << "a withdrawn offer deletes it";
}

TEST(MediaSdp, IceRemovedUnlessKept) {
    const std::string offer = std::string(kBasicOffer) +
                              "a=ice-ufrag:8hhY\r\na=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
                              "a=candidate:1 1 UDP 2130706431 192.0.2.1 49170 typ host\r\n"
                              "a=end-of-candidates\r\n";
    {
        Call c;
        const auto out = parsed(c.offer_from_alice(offer));
        for (const char* name : {"ice-ufrag", "ice-pwd", "candidate", "end-of-candidates"}) {
            EXPECT_FALSE(sdp::has_attribute(out.media[0].attributes, name)) << name;
        }
        EXPECT_TRUE(sdp::has_attribute(out.media[0].attributes, "rtpmap"));
    }
    {
        Call c;
        c.to_bob.remove_ice = false;
        const auto out = parsed(c.offer_from_alice(offer));
        EXPECT_TRUE(sdp::has_attribute(out.media[0].attributes, "candidate"));
    }
}

TEST(MediaSdp, NonRtpSectionsAreRefusedNotBypassed) {
    Call c;
    const std::string offer =
        std::string(kBasicOffer) + "m=image 49172 udptl t38\r\na=T38FaxVersion:0\r\n";
    const auto out = parsed(c.offer_from_alice(offer));
    EXPECT_EQ(out.media[1].port, 0) << "T.38 cannot go through the RTP relay";
    const std::string answer = std::string(kBasicAnswer) + "m=image 0 udptl t38\r\n";
    const auto to_alice = parsed(c.answer_from_bob(answer));
    EXPECT_EQ(to_alice.media[1].port, 0);
    EXPECT_EQ(count(c.s.take_changes(), OpKind::kAdd), 4u);
}

TEST(MediaSdp, ErrorsAreClear) {
    Call c;
    auto bad = c.s.offer(Leg::kA, "v=0\r\nbogus\r\n", c.to_bob);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, MediaError::Code::kBadSdp);
    EXPECT_NE(bad.error().what.find("at byte"), std::string::npos) << bad.error().what;
    auto no_offer = c.s.answer(Leg::kB, kBasicAnswer, c.to_alice);
    ASSERT_FALSE(no_offer);
    EXPECT_EQ(no_offer.error().code, MediaError::Code::kState);
    auto bad_iface = c.s.offer(Leg::kA, kBasicOffer, towards("nowhere"));
    ASSERT_FALSE(bad_iface);
    EXPECT_EQ(bad_iface.error().code, MediaError::Code::kNoInterface);
    auto fqdn = c.s.offer(Leg::kA,
                          rfc4317("2.1", "Offer").empty()
                              ? ""
                              : sip::sdp::testing::load_rfc4317().at({"2.1", "Offer"}),
                          c.to_bob);
    ASSERT_FALSE(fqdn);
    EXPECT_EQ(fqdn.error().code, MediaError::Code::kBadSdp) << "host names are not resolved";
    // A wrong answer (section count) leaves the offer pending.
    c.offer_from_alice(kBasicOffer);
    auto wrong = c.s.answer(Leg::kB, rfc4317("2.1", "Answer"), c.to_alice);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, MediaError::Code::kBadSdp);
    EXPECT_TRUE(c.s.has_pending_offer());
    EXPECT_TRUE(c.s.answer(Leg::kB, kBasicAnswer, c.to_alice));
}

// --- ng options ------------------------------------------------------------------------------
TEST(MediaNgOptions, ReceivedFromReplacesAnUntrustedAddressAndStrictLatching) {
    Call c;
    LegOptions alice = towards("alice-side");
    alice.trust_address = false;
    alice.received_from = ep("198.18.0.7", 5060);
    alice.latching = flowapi::Latching::kStrict;
    ASSERT_TRUE(c.s.offer(Leg::kA, kBasicOffer, c.to_bob, &alice));
    ASSERT_TRUE(c.s.answer(Leg::kB, kBasicAnswer, alice));
    for (const auto& f : c.s.take_changes().ops) {
        if (f.spec.local.address == ip(kAliceSide)) {
            EXPECT_EQ(f.spec.remote.address, ip("198.18.0.7"));
            EXPECT_EQ(f.spec.latching, flowapi::Latching::kStrict);
        } else {
            EXPECT_EQ(f.spec.egress_destination.address, ip("198.18.0.7"));
            EXPECT_EQ(f.spec.egress_destination.port % 2 == 0 ? 49170 : 49171,
                      f.spec.egress_destination.port);
        }
    }
}

TEST(MediaNgOptions, RtcpMuxOfferDemuxAccept) {
    const std::string muxed = std::string(kBasicOffer) + "a=rtcp-mux\r\n";
    {  // offer: Alice does not mux; Bob gets a=rtcp-mux and accepts; Alice stays unmuxed.
        Call c;
        c.to_bob.rtcp_mux = RtcpMux::kOffer;
        const auto out = parsed(c.offer_from_alice(kBasicOffer));
        EXPECT_TRUE(sdp::has_attribute(out.media[0].attributes, "rtcp-mux"));
        const auto to_alice =
            parsed(c.answer_from_bob(std::string(kBasicAnswer) + "a=rtcp-mux\r\n"));
        EXPECT_FALSE(sdp::has_attribute(to_alice.media[0].attributes, "rtcp-mux"));
        const auto b = c.s.take_changes();
        EXPECT_EQ(b.ops.size(), 3u) << "Alice's RTCP port has its own flow; Bob's is muxed";
    }
    {  // demux: Alice muxes, Bob is offered no mux; Alice is answered without it.
        Call c;
        c.to_bob.rtcp_mux = RtcpMux::kDemux;
        const auto out = parsed(c.offer_from_alice(muxed));
        EXPECT_FALSE(sdp::has_attribute(out.media[0].attributes, "rtcp-mux"));
        const auto to_alice = parsed(c.answer_from_bob(kBasicAnswer));
        EXPECT_FALSE(sdp::has_attribute(to_alice.media[0].attributes, "rtcp-mux"));
        EXPECT_EQ(c.s.take_changes().ops.size(), 4u);
    }
    {  // both mux: one flow per direction, rtcp_mux set, a=rtcp (if any) on the RTP port.
        Call c;
        c.offer_from_alice(muxed);
        const auto to_alice =
            parsed(c.answer_from_bob(std::string(kBasicAnswer) + "a=rtcp-mux\r\n"));
        EXPECT_TRUE(sdp::has_attribute(to_alice.media[0].attributes, "rtcp-mux"));
        const auto b = c.s.take_changes();
        ASSERT_EQ(b.ops.size(), 2u);
        EXPECT_TRUE(b.ops[0].spec.rtcp_mux && b.ops[1].spec.rtcp_mux);
    }
    {  // accept: Alice muxes, Bob does not; Alice is still answered with mux.
        Call c;
        c.to_alice.rtcp_mux = RtcpMux::kAccept;
        c.offer_from_alice(muxed);
        const auto to_alice = parsed(c.answer_from_bob(kBasicAnswer));
        EXPECT_TRUE(sdp::has_attribute(to_alice.media[0].attributes, "rtcp-mux"));
    }
}

TEST(MediaNgOptions, ReplaceOriginOffKeepsTheEndpointsOrigin) {
    Call c;
    c.to_bob.replace_origin = false;
    const auto out = parsed(c.offer_from_alice(kBasicOffer));
    EXPECT_EQ(out.origin, parsed(kBasicOffer).origin);
    EXPECT_EQ(out.connection->address, kBobSide);
}

TEST(MediaNgOptions, TagsNameTheLegs) {
    Call c;
    c.s.set_tag(Leg::kA, "from-1");
    c.s.set_tag(Leg::kB, "to-1");
    EXPECT_EQ(c.s.leg_of_tag("from-1"), Leg::kA);
    EXPECT_EQ(c.s.leg_of_tag("to-1"), Leg::kB);
    EXPECT_EQ(c.s.leg_of_tag("x"), std::nullopt);
    EXPECT_EQ(c.engine.find("call-1"), &c.s);
    EXPECT_EQ(&c.engine.create_session("call-1"), &c.s);
}

// --- ports, teardown, journal -----------------------------------------------------------------
TEST(MediaBatches, TeardownDeletesEverythingAndPortsAreReused) {
    MediaEngine engine = MediaEngine::create_offline(two_sided(40000, 40007));  // 4 pairs a side
    std::vector<MediaSession*> calls;
    for (int i = 0; i < 4; ++i) {
        auto& s = engine.create_session("c" + std::to_string(i));
        ASSERT_TRUE(s.offer(Leg::kA, kBasicOffer, towards("bob-side")));
        ASSERT_TRUE(s.answer(Leg::kB, kBasicAnswer, towards("alice-side")));
        EXPECT_EQ(s.take_changes().ops.size(), 4u);
        calls.push_back(&s);
    }
    EXPECT_EQ(engine.port_pools().used("alice-side"), 4u);
    auto& fifth = engine.create_session("c4");
    auto full = fifth.offer(Leg::kA, kBasicOffer, towards("bob-side"));
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, MediaError::Code::kNoPorts);

    const auto down = calls[1]->teardown();
    EXPECT_EQ(down.ops.size(), 4u);
    EXPECT_EQ(count(down, OpKind::kDelete), 4u);
    EXPECT_TRUE(calls[1]->flows().empty());
    EXPECT_EQ(engine.port_pools().used("alice-side"), 3u);
    EXPECT_EQ(engine.port_pools().used("bob-side"), 3u);
    engine.erase("c1");

    // The freed pair is the only one left: the new call gets it, no other call's port.
    ASSERT_TRUE(fifth.offer(Leg::kA, kBasicOffer, towards("bob-side")));
    auto to_alice = fifth.answer(Leg::kB, kBasicAnswer, towards("alice-side"));
    ASSERT_TRUE(to_alice);
    EXPECT_EQ(count(fifth.take_changes(), OpKind::kAdd), 4u);
    std::map<std::pair<std::uint16_t, bool>, int> seen;
    for (auto* s : engine.sessions()) {
        for (const auto& f : s->flows()) ++seen[{f.local.port, f.local.address == ip(kAliceSide)}];
    }
    for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << "port " << k.first << " used twice";
    EXPECT_EQ(engine.port_pools().used("alice-side"), 4u);
}

TEST(MediaBatches, JournalRoundTripGoesOn) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("j");
    s.set_tag(Leg::kA, "ft");
    ASSERT_TRUE(s.offer(Leg::kA, kBasicOffer, towards("bob-side")));
    ASSERT_TRUE(s.answer(Leg::kB, kBasicAnswer, towards("alice-side")));
    (void)s.take_changes();
    const nlohmann::json j = s.to_json();
    const auto flows = s.flows();

    auto engine2 = MediaEngine::create_offline(two_sided());
    auto restored = engine2.restore_session(nlohmann::json::parse(j.dump()));
    ASSERT_TRUE(restored) << restored.error().what;
    MediaSession& r = **restored;
    EXPECT_EQ(r.id(), s.id());
    EXPECT_EQ(r.tag(Leg::kA), "ft");
    EXPECT_EQ(r.flows(), flows);
    EXPECT_EQ(engine2.port_pools().used("alice-side"), 1u) << "the journal's ports are taken";
    EXPECT_TRUE(r.take_changes().ops.empty());
    // A hold after the restart modifies the same flows and bumps the version as before.
    auto hold =
        r.offer(Leg::kA, replace_all(kBasicOffer, "o=alice 1 1", "o=alice 1 2") + "a=sendonly\r\n",
                towards("bob-side"));
    ASSERT_TRUE(hold);
    EXPECT_EQ(parsed(*hold).origin.sess_version, 2u);
    ASSERT_TRUE(
        r.answer(Leg::kB, std::string(kBasicAnswer) + "a=recvonly\r\n", towards("alice-side")));
    const auto b = r.take_changes();
    EXPECT_EQ(count(b, OpKind::kAdd) + count(b, OpKind::kDelete), 0u);
    auto& fresh = engine2.create_session("new");
    EXPECT_GT(fresh.id(), r.id()) << "new ids never collide with restored ones";
    EXPECT_FALSE(engine2.restore_session(nlohmann::json{{"id", 1}}));
}

// The journal's writer (text straight to a string) and to_json() (a tree) say the same, for a
// plain call and for one bridged to SRTP (keys, suites), before and after the answer.
TEST(MediaBatches, JournalWriterMatchesToJson) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto check = [](const MediaSession& s) {
        std::string text;
        s.write_json(text);
        auto parsed = nlohmann::json::parse(text, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << text;
        EXPECT_EQ(parsed, s.to_json()) << text;
    };
    auto& plain = engine.create_session("plain\"quoted\"");
    plain.set_tag(Leg::kA, "ft");
    check(plain);
    ASSERT_TRUE(plain.offer(Leg::kA, kBasicOffer, towards("bob-side")));
    check(plain);
    ASSERT_TRUE(plain.answer(Leg::kB, kBasicAnswer, towards("alice-side")));
    (void)plain.take_changes();
    check(plain);

    auto& srtp = engine.create_session("srtp");
    LegOptions to_bob = towards("bob-side");
    to_bob.transport = Transport::kRtpSavp;
    ASSERT_TRUE(srtp.offer(Leg::kA, kBasicOffer, to_bob));
    check(srtp);
}

TEST(MediaBatches, ApplyOfflineFailsClearly) {
    auto engine = MediaEngine::create_offline(two_sided());
    auto& s = engine.create_session("x");
    ASSERT_TRUE(s.offer(Leg::kA, kBasicOffer, towards("bob-side")));
    ASSERT_TRUE(s.answer(Leg::kB, kBasicAnswer, towards("alice-side")));
    auto r = engine.apply(s.take_changes());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, MediaError::Code::kDataplane);
    EXPECT_TRUE(engine.apply({}));
    auto missing = engine.delete_call("nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, MediaError::Code::kNotFound);
}

}  // namespace
}  // namespace rtpx::media
