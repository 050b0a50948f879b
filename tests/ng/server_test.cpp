// rtpx::ng::Server without a data plane: a recording fake Backend stands in for rtpx::media, so
// these tests pin the protocol behaviour (replies, cookie cache, load limit, option mapping, leg
// naming) and virtual time drives the cookie expiry. The UDP test uses loopback only.
#include "rtpx/ng/server.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

namespace rtpx::ng {
namespace {

using namespace std::chrono_literals;

struct FakeCall {
    std::array<std::string, 2> tags;  // by media::index(Leg)
    int offers = 0, answers = 0;
    std::string last_answer;
};

class FakeBackend final : public Backend {
  public:
    tl::expected<std::string, media::MediaError> offer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) override {
        ++offer_calls;
        last_options = towards;
        last_sender_options = sender_options;
        last_sender = sender_tag;
        last_leg = sender;
        if (fail_next) {
            fail_next = false;
            return tl::make_unexpected(
                media::MediaError{media::MediaError::Code::kBadSdp, "no m= line"});
        }
        auto& c = calls[std::string(key)];
        c.tags[media::index(sender)] = sender_tag;
        ++c.offers;
        return "rewritten offer for " + std::string(sdp);
    }
    tl::expected<std::string, media::MediaError> answer(
        std::string_view key, media::Leg sender, std::string_view sender_tag, std::string_view sdp,
        const media::LegOptions& towards, const media::LegOptions& sender_options) override {
        last_options = towards;
        last_sender_options = sender_options;
        last_sender = sender_tag;
        last_leg = sender;
        auto& c = calls.at(std::string(key));
        c.tags[media::index(sender)] = sender_tag;
        c.last_answer = sdp;
        ++c.answers;
        return "rewritten answer for " + std::string(sdp);
    }
    tl::expected<void, media::MediaError> remove(std::string_view key) override {
        if (calls.erase(std::string(key)) == 0)
            return tl::make_unexpected(media::MediaError{media::MediaError::Code::kNotFound, "x"});
        return {};
    }
    tl::expected<CallTotals, media::MediaError> totals(std::string_view) override {
        CallTotals t;
        t.legs[0].packets = 100;
        t.legs[0].bytes = 17200;
        t.legs[1].packets = 90;
        t.legs[1].bytes = 15480;
        t.legs[1].errors = 2;
        return t;
    }
    bool exists(std::string_view key) const override { return calls.count(std::string(key)) != 0; }
    std::vector<media::Stream> streams(std::string_view) const override { return {}; }

    std::map<std::string, FakeCall> calls;  // by session key
    int offer_calls = 0;
    bool fail_next = false;
    media::LegOptions last_options;
    media::LegOptions last_sender_options;
    std::string last_sender;
    media::Leg last_leg = media::Leg::kA;
};

const sip::SockAddr kPeer = *sip::SockAddr::parse("127.0.0.1:40000");
const sip::SockAddr kOtherPeer = *sip::SockAddr::parse("127.0.0.1:40001");

std::string offer_body(std::string_view call_id, std::string_view extra = "") {
    std::string d = "d7:command5:offer7:call-id" + std::to_string(call_id.size()) + ":" +
                    std::string(call_id) + "8:from-tag5:alice3:sdp3:v=0";
    d += extra;
    d += "e";
    return d;
}

Value reply_of(const std::optional<std::string>& datagram, std::string_view cookie) {
    EXPECT_TRUE(datagram);
    if (!datagram) return Value{Dict{}};
    auto f = split_frame(*datagram);
    EXPECT_TRUE(f);
    EXPECT_EQ(f->cookie, cookie);
    BodyFormat format{};
    auto v = decode_body(f->body, &format);
    EXPECT_TRUE(v);
    return v ? *v : Value{Dict{}};
}

std::string result_of(const Value& v) {
    const Value* r = v.find("result");
    return r != nullptr && r->is_string() ? r->as_string() : "";
}

class NgServer : public ::testing::Test {
  protected:
    NgServer() : server(make_config(), backend) {}
    static ServerConfig make_config() {
        ServerConfig c;
        c.interface_towards_a = "alice-side";
        c.interface_towards_b = "bob-side";
        return c;
    }
    FakeBackend backend;
    Server server;
    Server::Clock::time_point t0 = Server::Clock::time_point{} + 1h;
};

TEST_F(NgServer, AnswersPingWithPong) {
    auto out = server.handle("5323_1 d7:command4:pinge", kPeer, t0);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, "5323_1 d6:result4:ponge");  // rtpengine's documented example
    EXPECT_EQ(server.counters().ping, 1U);
}

TEST_F(NgServer, OfferRepliesWithTheRewrittenSdp) {
    const auto v = reply_of(server.handle("c1 " + offer_body("call1"), kPeer, t0), "c1");
    EXPECT_EQ(result_of(v), "ok");
    EXPECT_EQ(v.find("sdp")->as_string(), "rewritten offer for v=0");
    EXPECT_EQ(backend.last_sender, "alice");
    EXPECT_EQ(backend.last_options.interface, "bob-side");  // the offer goes to B
    EXPECT_EQ(server.counters().sessions_created, 1U);
}

TEST_F(NgServer, RetransmissionGetsTheCachedBytesAndNoSecondSession) {
    const std::string request = "retx1 " + offer_body("call1");
    const auto first = server.handle(request, kPeer, t0);
    const auto again = server.handle(request, kPeer, t0 + 2s);
    ASSERT_TRUE(first);
    ASSERT_TRUE(again);
    EXPECT_EQ(*first, *again);
    EXPECT_EQ(backend.offer_calls, 1);
    EXPECT_EQ(backend.calls.at("call1").offers, 1);
    EXPECT_EQ(server.counters().retransmissions, 1U);
    EXPECT_EQ(server.counters().offer, 1U);
    // The same cookie from another peer is another request.
    (void)server.handle(request, kOtherPeer, t0 + 3s);
    EXPECT_EQ(backend.offer_calls, 2);
    // After the TTL the cookie is forgotten: the command runs again.
    (void)server.handle(request, kPeer, t0 + 31s);
    EXPECT_EQ(backend.offer_calls, 3);
}

TEST_F(NgServer, CookieCacheIsBounded) {
    ServerConfig c = make_config();
    c.cookie_cache_max = 4;
    Server small(c, backend);
    for (int i = 0; i < 10; ++i)
        (void)small.handle("k" + std::to_string(i) + " d7:command4:pinge", kPeer, t0);
    EXPECT_EQ(small.cached_replies(), 4U);
    // The oldest were evicted: k0 runs again, k9 is a retransmission.
    (void)small.handle("k9 d7:command4:pinge", kPeer, t0);
    EXPECT_EQ(small.counters().retransmissions, 1U);
    (void)small.handle("k0 d7:command4:pinge", kPeer, t0);
    EXPECT_EQ(small.counters().ping, 11U);
}

TEST_F(NgServer, LoadLimitRefusesNewCallsButNotExistingOnes) {
    ServerConfig c = make_config();
    c.max_sessions = 2;
    Server limited(c, backend);
    EXPECT_EQ(result_of(reply_of(limited.handle("a " + offer_body("c1"), kPeer, t0), "a")), "ok");
    EXPECT_EQ(result_of(reply_of(limited.handle("b " + offer_body("c2"), kPeer, t0), "b")), "ok");
    const auto v = reply_of(
        limited.handle("c " + offer_body("c3", "8:supportsl10:load limite"), kPeer, t0), "c");
    EXPECT_EQ(result_of(v), "load limit");
    EXPECT_NE(v.find("message"), nullptr);
    EXPECT_FALSE(backend.exists("c3"));
    // A re-offer on an existing call still works.
    EXPECT_EQ(result_of(reply_of(limited.handle("d " + offer_body("c1"), kPeer, t0), "d")), "ok");
    EXPECT_EQ(limited.counters().load_limited, 1U);
}

TEST_F(NgServer, AnswerNamesLegBAndUsesTheOfferersInterface) {
    (void)server.handle("1 " + offer_body("call1", "9:directionl5:inner5:outere"), kPeer, t0);
    EXPECT_EQ(backend.last_options.interface, "outer");
    const auto v = reply_of(
        server.handle(
            "2 d7:command6:answer7:call-id5:call18:from-tag5:alice6:to-tag3:bob3:sdp3:v=1e", kPeer,
            t0),
        "2");
    EXPECT_EQ(result_of(v), "ok");
    EXPECT_EQ(v.find("sdp")->as_string(), "rewritten answer for v=1");
    EXPECT_EQ(backend.last_sender, "bob");               // an answer's SDP is the to-tag's
    EXPECT_EQ(backend.last_options.interface, "inner");  // ...and goes to A's interface
    EXPECT_EQ(backend.last_sender_options.interface, "outer");
    // A re-INVITE from B: from-tag = bob; the offer goes towards A.
    (void)server.handle(
        "3 d7:command5:offer7:call-id5:call18:from-tag3:bob6:to-tag5:alice3:sdp3:v=2e", kPeer, t0);
    EXPECT_EQ(backend.last_sender, "bob");
    EXPECT_EQ(backend.last_options.interface, "inner");
}

TEST_F(NgServer, AnswerForAnUnknownCallIsAnError) {
    const auto v = reply_of(
        server.handle("x d7:command6:answer7:call-id4:nope8:from-tag1:a6:to-tag1:b3:sdp3:v=0e",
                      kPeer, t0),
        "x");
    EXPECT_EQ(result_of(v), "error");
    EXPECT_EQ(v.find("error-reason")->as_string(), "Unknown call-id");
    EXPECT_EQ(v.as_dict().size(), 2U);  // no other keys in the error case
}

TEST_F(NgServer, MapsFlagsOntoLegOptions) {
    (void)server.handle(
        "1 " +
            offer_body(
                "c",
                "5:flagsl13:strict-source18:SIP-source-addresse13:received-froml3:IP410:192.0.2.99e"
                "7:replacel6:origine8:rtcp-muxl7:requiree18:transport-protocol8:RTP/SAVP"
                "4:SDESl28:only-AES_CM_128_HMAC_SHA1_32e"),
        kPeer, t0);
    const auto& o = backend.last_options;
    const auto& so = backend.last_sender_options;
    EXPECT_EQ(o.latching, flowapi::Latching::kStrict);
    EXPECT_EQ(so.latching, flowapi::Latching::kStrict);
    EXPECT_TRUE(o.trust_address);  // the receiver's address comes from its own SDP later
    EXPECT_FALSE(so.trust_address);
    ASSERT_TRUE(so.received_from);
    EXPECT_EQ(flowapi::to_string(so.received_from->address), "192.0.2.99");
    EXPECT_EQ(so.interface, "alice-side");
    EXPECT_EQ(o.interface, "bob-side");
    EXPECT_TRUE(o.replace_origin);
    EXPECT_EQ(o.rtcp_mux, media::RtcpMux::kRequire);
    EXPECT_EQ(o.transport, media::Transport::kRtpSavp);
    EXPECT_EQ(o.sdes_suites, (std::vector<std::string>{"AES_CM_128_HMAC_SHA1_32"}));
    EXPECT_TRUE(o.remove_ice);

    (void)server.handle("2 " + offer_body("d",
                                          "5:flagsl10:asymmetric13:trust-address31:SDES-no-AES_CM_"
                                          "128_HMAC_SHA1_80e3:ICE5:force"
                                          "18:transport-protocol7:RTP/AVP"),
                        kPeer, t0);
    const auto& p = backend.last_options;
    EXPECT_EQ(p.latching, flowapi::Latching::kOff);
    EXPECT_TRUE(backend.last_sender_options.trust_address);
    EXPECT_FALSE(backend.last_sender_options.received_from);
    EXPECT_FALSE(p.replace_origin);
    EXPECT_FALSE(p.remove_ice);
    EXPECT_EQ(p.transport, media::Transport::kRtpAvp);
    EXPECT_EQ(p.sdes_suites.size(), 5U);
    EXPECT_EQ(p.sdes_suites.front(), "AES_CM_128_HMAC_SHA1_32");
}

TEST_F(NgServer, RefusesSdesOffWithAnSrtpTransport) {
    const auto v = reply_of(
        server.handle("1 " + offer_body("c", "5:flagsl8:SDES-offe18:transport-protocol8:RTP/SAVP"),
                      kPeer, t0),
        "1");
    EXPECT_EQ(result_of(v), "error");
    EXPECT_EQ(backend.offer_calls, 0);
    EXPECT_FALSE(backend.exists("c"));
}

TEST_F(NgServer, CountsUnknownFlagsAndIgnoresThem) {
    const auto v = reply_of(
        server.handle("1 " + offer_body("c", "5:flagsl11:loop-ignore13:trust-addresse6:foobari1e"),
                      kPeer, t0),
        "1");
    EXPECT_EQ(result_of(v), "ok");
    EXPECT_EQ(server.counters().unknown_flags, 1U);
    EXPECT_EQ(server.counters().unknown_keys, 1U);
}

TEST_F(NgServer, MediaErrorsBecomeErrorReplies) {
    backend.fail_next = true;
    const auto v = reply_of(server.handle("1 " + offer_body("c"), kPeer, t0), "1");
    EXPECT_EQ(result_of(v), "error");
    EXPECT_NE(v.find("error-reason")->as_string().find("no m= line"), std::string::npos);
    EXPECT_EQ(server.counters().errors, 1U);
}

TEST_F(NgServer, UndecodableBodiesGetAnErrorWithTheOffset) {
    const auto v = reply_of(server.handle("9 d7:command4:pingi1e", kPeer, t0), "9");
    EXPECT_EQ(result_of(v), "error");
    EXPECT_EQ(v.find("error-reason")->as_string(),
              "could not decode dictionary: bencode: dictionary key is not a string at byte 16");
    EXPECT_FALSE(server.handle("no-space-no-cookie", kPeer, t0));
    EXPECT_EQ(server.counters().undecodable, 2U);
    const auto u =
        reply_of(server.handle("8 d7:command12:block medias7:call-id1:xe", kPeer, t0), "8");
    EXPECT_EQ(result_of(u), "error");
}

TEST_F(NgServer, JsonRequestsGetJsonReplies) {
    auto out = server.handle(
        R"(j1 {"command":"offer","call id":"cj","from tag":"alice","sdp":"v=0","flags":["trust address"]})",
        kPeer, t0);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, R"(j1 {"result":"ok","sdp":"rewritten offer for v=0"})");
}

TEST_F(NgServer, DeleteQueryListStatistics) {
    (void)server.handle("1 " + offer_body("call1"), kPeer, t0);
    (void)server.handle("2 " + offer_body("call2"), kPeer, t0);
    (void)server.handle(
        "3 d7:command6:answer7:call-id5:call18:from-tag5:alice6:to-tag3:bob3:sdp3:v=1e", kPeer, t0);

    auto l = reply_of(server.handle("4 d7:command4:list5:limiti1ee", kPeer, t0), "4");
    ASSERT_EQ(l.find("calls")->as_list().size(), 1U);
    EXPECT_EQ(l.find("calls")->as_list()[0].as_string(), "call1");

    auto q = reply_of(server.handle("5 d7:command5:query7:call-id5:call1e", kPeer, t0), "5");
    EXPECT_EQ(result_of(q), "ok");
    const Value* rtp = q.find("totals")->find("RTP");
    EXPECT_EQ(rtp->find("packets")->as_int(), 190);
    EXPECT_EQ(rtp->find("bytes")->as_int(), 32680);
    EXPECT_EQ(rtp->find("errors")->as_int(), 2);
    const Value* tags = q.find("tags");
    ASSERT_NE(tags->find("alice"), nullptr);
    ASSERT_NE(tags->find("bob"), nullptr);
    EXPECT_EQ(tags->find("alice")->find("in dialogue with")->as_string(), "bob");
    EXPECT_EQ(tags->find("bob")->find("totals")->find("errors")->as_int(), 2);

    auto d = reply_of(
        server.handle("6 d7:command6:delete7:call-id5:call18:from-tag5:alicee", kPeer, t0), "6");
    EXPECT_EQ(result_of(d), "ok");
    EXPECT_EQ(d.find("totals")->find("RTP")->find("packets")->as_int(), 190);
    EXPECT_FALSE(backend.exists("call1"));
    auto again = reply_of(
        server.handle("7 d7:command6:delete7:call-id5:call18:from-tag5:alicee", kPeer, t0), "7");
    EXPECT_EQ(result_of(again), "ok");
    EXPECT_NE(again.find("warning"), nullptr);
    auto fatal = reply_of(
        server.handle("8 d7:command6:delete7:call-id5:call15:flagsl5:fatalee", kPeer, t0), "8");
    EXPECT_EQ(result_of(fatal), "error");

    auto s = reply_of(server.handle("9 d7:command10:statisticse", kPeer, t0 + 5s), "9");
    const Value* st = s.find("statistics");
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->find("currentstatistics")->find("sessionsown")->as_int(), 1);
    EXPECT_EQ(st->find("totalstatistics")->find("managedsessions")->as_int(), 2);
    EXPECT_EQ(st->find("controlstatistics")->find("totaloffercount")->as_int(), 2);
    EXPECT_EQ(st->find("controlstatistics")->find("totaldeletecount")->as_int(), 3);
}

// ---- forking: branches and per-branch delete ---------------------------------------------------

// A request dictionary from key/value strings (empty values left out).
std::string ng(std::string_view cookie,
               std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
    Value d{Dict{}};
    for (const auto& [k, v] : kv)
        if (!v.empty()) d.set(k, std::string(v));
    return std::string(cookie) + " " + encode(d);
}

class NgFork : public NgServer {
  protected:
    Value send(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
        const std::string cookie = "c" + std::to_string(++cookie_);
        return reply_of(server.handle(ng(cookie, kv), kPeer, t0), cookie);
    }
    Value offer(std::string_view via = "", std::string_view to_tag = "") {
        return send({{"command", "offer"},
                     {"call-id", "fork"},
                     {"from-tag", "alice"},
                     {"to-tag", to_tag},
                     {"via-branch", via},
                     {"sdp", "v=0 offer"}});
    }
    Value answer(std::string_view to_tag, std::string_view sdp, std::string_view via = "") {
        return send({{"command", "answer"},
                     {"call-id", "fork"},
                     {"from-tag", "alice"},
                     {"to-tag", to_tag},
                     {"via-branch", via},
                     {"sdp", sdp}});
    }
    Value del(std::string_view from_tag, std::string_view to_tag, std::string_view via = "") {
        return send({{"command", "delete"},
                     {"call-id", "fork"},
                     {"from-tag", from_tag},
                     {"to-tag", to_tag},
                     {"via-branch", via}});
    }
    std::vector<std::string> tags_in_query() {
        std::vector<std::string> out;
        auto q = send({{"command", "query"}, {"call-id", "fork"}});
        if (const Value* t = q.find("tags"))
            for (const auto& e : t->as_dict()) out.push_back(e.key);
        std::sort(out.begin(), out.end());
        return out;
    }
    int cookie_ = 0;
};

using Keys = std::vector<std::string>;

TEST_F(NgFork, PerBranchOffersGetSeparateSessionsAndAnswersFindThemByViaBranch) {
    // A proxy that offers per branch (Kamailio's branch_route with via-branch): two sessions,
    // each with its own relay ports towards its UAS.
    EXPECT_EQ(result_of(offer("z9hG4bK.1")), "ok");
    EXPECT_EQ(result_of(offer("z9hG4bK.2")), "ok");
    EXPECT_EQ(server.branch_keys("fork"), (Keys{"fork", "fork branch 1"}));
    EXPECT_EQ(backend.calls.size(), 2U);
    // A retransmitted offer of branch 2 (new cookie) stays on branch 2.
    EXPECT_EQ(result_of(offer("z9hG4bK.2")), "ok");
    EXPECT_EQ(backend.calls.at("fork branch 1").offers, 2);

    EXPECT_EQ(result_of(answer("bob2", "v=0 bob2", "z9hG4bK.2")), "ok");
    EXPECT_EQ(backend.calls.at("fork branch 1").tags[1], "bob2");
    EXPECT_EQ(backend.last_leg, media::Leg::kB);
    EXPECT_EQ(result_of(answer("bob1", "v=0 bob1", "z9hG4bK.1")), "ok");
    EXPECT_EQ(backend.calls.at("fork").tags[1], "bob1");
    EXPECT_EQ(tags_in_query(), (Keys{"alice", "bob1", "bob2"}));
    EXPECT_EQ(server.calls(), 1U);  // one call, as list and statistics count it
    auto l = send({{"command", "list"}});
    EXPECT_EQ(l.find("calls")->as_list().size(), 1U);
    EXPECT_EQ(server.counters().branches_created, 1U);

    // The losing branch's delete (to-tag) removes only that branch.
    auto d = del("alice", "bob1");
    EXPECT_EQ(result_of(d), "ok");
    EXPECT_EQ(d.find("totals")->find("RTP")->find("packets")->as_int(), 190);  // that branch's
    EXPECT_EQ(server.branch_keys("fork"), (Keys{"fork branch 1"}));
    EXPECT_FALSE(backend.exists("fork"));
    EXPECT_TRUE(backend.exists("fork branch 1"));
    EXPECT_EQ(tags_in_query(), (Keys{"alice", "bob2"}));
    // BYE from the winner (from-tag bob2, to-tag alice): the last branch, so the call goes.
    EXPECT_EQ(result_of(del("bob2", "alice")), "ok");
    EXPECT_EQ(server.calls(), 0U);
    EXPECT_TRUE(backend.calls.empty());
    EXPECT_EQ(server.counters().sessions_deleted, 1U);
    EXPECT_EQ(server.counters().branches_deleted, 1U);
}

TEST_F(NgFork, DeleteByViaBranchRemovesOnlyThatBranch) {
    (void)offer("z9hG4bK.1");
    (void)offer("z9hG4bK.2");
    (void)offer("z9hG4bK.3");
    EXPECT_EQ(result_of(del("alice", "", "z9hG4bK.2")), "ok");
    EXPECT_EQ(server.branch_keys("fork"), (Keys{"fork", "fork branch 2"}));
    EXPECT_EQ(backend.calls.size(), 2U);
    // An unknown via-branch deletes nothing (warning; error with the fatal flag).
    auto w = del("alice", "", "z9hG4bK.9");
    EXPECT_EQ(result_of(w), "ok");
    EXPECT_NE(w.find("warning"), nullptr);
    EXPECT_EQ(backend.calls.size(), 2U);
    // No to-tag and no via-branch: the whole call.
    EXPECT_EQ(result_of(del("alice", "")), "ok");
    EXPECT_EQ(server.calls(), 0U);
    EXPECT_TRUE(backend.calls.empty());
}

TEST_F(NgFork, AThirdTagOnOneOfferJoinsItsBranchAndDeletingItFallsBack) {
    // One offer forked by the proxy to two UAS: both got the same relay address, so the second
    // to-tag uses the same session (the offerer keeps its relay ports) and becomes active.
    (void)offer();
    EXPECT_EQ(result_of(answer("bob1", "v=0 early media from bob1")), "ok");  // 183
    EXPECT_EQ(result_of(answer("bob2", "v=0 bob2")), "ok");                   // 200 from a fork
    EXPECT_EQ(server.branch_keys("fork"), (Keys{"fork"}));
    EXPECT_EQ(backend.calls.at("fork").tags[1], "bob2");
    EXPECT_EQ(backend.calls.at("fork").answers, 2);
    EXPECT_EQ(tags_in_query(), (Keys{"alice", "bob1", "bob2"}));
    // bob1 answers again (its 200 after all): it is the active tag again.
    EXPECT_EQ(result_of(answer("bob1", "v=0 bob1 final")), "ok");
    EXPECT_EQ(backend.calls.at("fork").tags[1], "bob1");
    // Deleting the active tag points the branch back at the latest other answer (bob2's).
    EXPECT_EQ(result_of(del("alice", "bob1")), "ok");
    EXPECT_EQ(backend.calls.at("fork").tags[1], "bob2");
    EXPECT_EQ(backend.calls.at("fork").last_answer, "v=0 bob2");
    EXPECT_EQ(tags_in_query(), (Keys{"alice", "bob2"}));
    EXPECT_TRUE(backend.exists("fork"));
    // The last tag's delete ends the call.
    EXPECT_EQ(result_of(del("alice", "bob2")), "ok");
    EXPECT_EQ(server.calls(), 0U);
    EXPECT_TRUE(backend.calls.empty());
}

TEST_F(NgFork, InactiveForkTagLeavesWithoutTouchingTheActiveAnswer) {
    (void)offer();
    (void)answer("bob1", "v=0 bob1");
    (void)answer("bob2", "v=0 bob2");
    const int answers = backend.calls.at("fork").answers;
    auto d = del("alice", "bob1");
    EXPECT_EQ(result_of(d), "ok");
    EXPECT_EQ(d.find("totals")->find("RTP")->find("packets")->as_int(), 0);
    EXPECT_EQ(backend.calls.at("fork").answers, answers);  // no re-answer
    EXPECT_EQ(backend.calls.at("fork").tags[1], "bob2");
    EXPECT_EQ(tags_in_query(), (Keys{"alice", "bob2"}));
}

TEST_F(NgFork, ReInviteFromEitherSideStaysOnItsBranch) {
    (void)offer("z9hG4bK.1");
    (void)offer("z9hG4bK.2");
    (void)answer("bob1", "v=0 bob1", "z9hG4bK.1");
    (void)answer("bob2", "v=0 bob2", "z9hG4bK.2");
    // From A towards bob2 (to-tag bob2, a new Via branch): branch 2.
    EXPECT_EQ(result_of(offer("z9hG4bK.7", "bob2")), "ok");
    EXPECT_EQ(backend.calls.at("fork branch 1").offers, 2);
    EXPECT_EQ(server.branch_keys("fork").size(), 2U);
    // From bob1 towards A: branch 1, sent by leg B; A's answer goes back on it.
    auto o = send({{"command", "offer"},
                   {"call-id", "fork"},
                   {"from-tag", "bob1"},
                   {"to-tag", "alice"},
                   {"sdp", "v=0 hold"}});
    EXPECT_EQ(result_of(o), "ok");
    EXPECT_EQ(backend.last_leg, media::Leg::kB);
    EXPECT_EQ(backend.calls.at("fork").offers, 2);
    auto a = send({{"command", "answer"},
                   {"call-id", "fork"},
                   {"from-tag", "bob1"},
                   {"to-tag", "alice"},
                   {"sdp", "v=0 held"}});
    EXPECT_EQ(result_of(a), "ok");
    EXPECT_EQ(backend.last_leg, media::Leg::kA);
    EXPECT_EQ(backend.calls.at("fork").last_answer, "v=0 held");
    // An offer from a tag the call does not know, towards another unknown tag: an error.
    auto bad = send({{"command", "offer"},
                     {"call-id", "fork"},
                     {"from-tag", "mallory"},
                     {"to-tag", "eve"},
                     {"sdp", "v=0"}});
    EXPECT_EQ(result_of(bad), "error");
    // A delete naming an unknown to-tag deletes nothing.
    auto w = del("alice", "nobody");
    EXPECT_NE(w.find("warning"), nullptr);
    EXPECT_EQ(backend.calls.size(), 2U);
}

TEST_F(NgFork, FailedOfferForANewBranchLeavesTheOthers) {
    (void)offer("z9hG4bK.1");
    backend.fail_next = true;
    EXPECT_EQ(result_of(offer("z9hG4bK.2")), "error");
    EXPECT_EQ(server.branch_keys("fork"), (Keys{"fork"}));
    EXPECT_EQ(result_of(offer("z9hG4bK.2")), "ok");
    EXPECT_EQ(server.branch_keys("fork").size(), 2U);
}

TEST(NgServerUdp, ServesPingOverIpv4AndIpv6Loopback) {
    sip::EventLoop loop;  // outlives the server, which unregisters its sockets
    FakeBackend backend;
    ServerConfig c;
    c.listen = {"127.0.0.1:0", "[::1]:0"};
    Server server(c, backend);
    auto l = server.listen(loop);
    ASSERT_TRUE(l) << l.error();
    const auto addrs = server.local_addresses();
    ASSERT_EQ(addrs.size(), 2U);
    for (const auto& a : addrs) {
        ASSERT_NE(a.port(), 0);
        const int fd = ::socket(a.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        timeval tv{2, 0};
        ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
        const std::string ping = "udp1 d7:command4:pinge";
        const auto before = server.counters().ping;
        ASSERT_EQ(::sendto(fd, ping.data(), ping.size(), 0, a.sa(), a.length()),
                  static_cast<ssize_t>(ping.size()));
        (void)loop.run_until([&] { return server.counters().ping > before; }, 2s);
        char buf[256];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        ::close(fd);
        ASSERT_GT(n, 0) << a.to_string();
        EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "udp1 d6:result4:ponge");
    }
}

TEST(NgServerUdp, ListenReportsBadAddresses) {
    sip::EventLoop loop;
    FakeBackend backend;
    ServerConfig c;
    c.listen = {"not-an-address"};
    Server server(c, backend);
    auto l = server.listen(loop);
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().find("not-an-address"), std::string::npos);
    EXPECT_EQ(parse_listen("[::1]")->port(), 2223);
}

}  // namespace
}  // namespace rtpx::ng
