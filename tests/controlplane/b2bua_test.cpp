// B2BUA call flows driven in-process: messages injected into the SIP stack as if received, every
// outgoing message captured by the stack's tap, media behind a fake MediaControl that logs what
// the B2BUA asks for (so the order "flows committed, then 200 OK to A" can be checked). Flows after
// RFC 3665 (3.1 basic call, 3.8 CANCEL) and RFC 3261 13.2.2.4 (forked 2xx) / 13.3.1.4 (2xx until
// ACK), RFC 3262 (reliable provisionals, PRACK) and RFC 3261 13.2.1 / RFC 3264 (late offer: the
// offer in the 2xx, the answer in the ACK). Timers run on the real loop with T1 = 20 ms.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "rtpx/cp/b2bua.hpp"
#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/message.hpp"

namespace rtpx::cp {
namespace {

using namespace rtpx::sip;

class FakeMedia final : public MediaControl {
  public:
    tl::expected<std::string, std::string> offer(const std::string& call, CallLeg from,
                                                 std::string_view sdp,
                                                 const MediaPolicy&) override {
        log.push_back("offer " + std::string(to_string(from)));
        if (sdp.find("m=audio") == std::string_view::npos)
            return tl::unexpected(std::string("no media"));
        return "v=0\r\ns=relay-" + call.substr(0, 4) + "\r\nc=IN IP4 10.0.0." +
               std::string(from == CallLeg::kA ? "2" : "1") + "\r\nm=audio 30000 RTP/AVP 0\r\n";
    }
    tl::expected<std::string, std::string> answer(const std::string&, CallLeg from,
                                                  std::string_view, const MediaPolicy&) override {
        log.push_back("answer " + std::string(to_string(from)));
        return "v=0\r\ns=relay-answer\r\nc=IN IP4 10.0.0." +
               std::string(from == CallLeg::kA ? "2" : "1") + "\r\nm=audio 30002 RTP/AVP 0\r\n";
    }
    tl::expected<void, std::string> commit(const std::string&) override {
        log.push_back("commit");
        ++commits;
        if (fail_commit) return tl::unexpected(std::string("refused"));
        return {};
    }
    std::optional<std::array<LegMediaStats, 2>> stats(const std::string&) override {
        std::array<LegMediaStats, 2> s;
        s[0].packets = 100;
        s[0].mos = 4.4;
        s[1].packets = 99;
        s[1].lost = 1;
        return s;
    }
    void release(const std::string&) override {
        log.push_back("release");
        ++releases;
    }
    std::optional<std::string> save(const std::string& call) override {
        return "{\"call\":\"" + call + "\"}";
    }
    bool restore(const std::string& call, std::string_view json) override {
        restored.push_back(call + " " + std::string(json));
        return true;
    }
    void reattach() override { ++reattached; }
    std::vector<std::string> restored;
    int reattached = 0;
    std::vector<std::string> log;
    int commits = 0, releases = 0;
    bool fail_commit = false;
};

struct Sent {
    std::size_t listener;
    SockAddr to;
    std::string bytes;
    [[nodiscard]] SipMessageView view() const { return *SipMessageView::parse(bytes); }
    [[nodiscard]] bool is_response(int status) const {
        return bytes.starts_with("SIP/2.0 " + std::to_string(status));
    }
    [[nodiscard]] bool is_request(std::string_view method) const {
        return bytes.starts_with(std::string(method) + " ");
    }
};

constexpr std::string_view kOfferSdp =
    "v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
constexpr std::string_view kAnswerSdp =
    "v=0\r\no=bob 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0\r\n";

Config make_config() {
    auto c = parse_config(R"(
[[sip.listener]]
name = "a"
transport = "udp"
address = "127.0.0.1:5060"
[[sip.listener]]
name = "b"
transport = "udp"
address = "127.0.0.2:5060"
[[route]]
name = "to-bob"
user_prefix = "bob"
next_hop = "127.0.0.3:5070"
listener = "b"
[limits]
max_calls = 2
[timers]
t1_ms = 20
t2_ms = 160
)",
                          "test.toml");
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return *c;
}

class B2buaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        b2bua.stack().set_tap([this](std::size_t l, const SendTarget& t, std::string_view bytes) {
            sent.push_back(Sent{l, t.remote, std::string(bytes)});
            media.log.push_back(std::string(bytes.substr(0, bytes.find('\r'))) +
                                (l == 0 ? " ->A" : " ->B"));
        });
        ASSERT_TRUE(b2bua.start(/*bind=*/false));
        b2bua.set_record_hook([this](const std::string& line) { records.push_back(line); });
        b2bua.set_media_linger(std::chrono::milliseconds(0));
    }
    // Runs the loop (timers) until `done` or `limit`.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
        return loop.run_until(done, limit);
    }
    std::size_t count(std::size_t listener, std::string_view start) const {
        std::size_t n = 0;
        for (const auto& s : sent) n += s.listener == listener && s.bytes.starts_with(start);
        return n;
    }

    SipMessage alice_invite(std::string call_id = "call-1@alice",
                            std::string_view body = kOfferSdp) {
        RequestSpec s;
        s.method = "INVITE";
        s.request_uri = "sip:bob@127.0.0.1";
        s.from = "Alice <sip:alice@a.example>";
        s.from_tag = "atag";
        s.to = "Bob <sip:bob@b.example>";
        s.call_id = call_id;
        s.via_sent_by = "127.0.0.10:5062";
        s.contact = "<sip:alice@127.0.0.10:5062>";
        s.content_type = body.empty() ? "" : "application/sdp";
        s.body = body;
        return make_request(s);
    }
    void from_a(const SipMessage& m) { from_a(m.serialize()); }
    // A's 200 with SDP (its own offer SDP as the answer) to a request we relayed to it.
    void a_answers_with_sdp(const Sent& request) {
        SipMessage ok = make_response(request.view(), 200, {}, "");
        ok.add(HeaderId::kContact, "<sip:alice@127.0.0.10:5062>");
        ok.add(HeaderId::kContentType, "application/sdp");
        ok.body = std::string(kOfferSdp);
        from_a(ok);
    }
    void from_a(const std::string& bytes) {
        b2bua.stack().inject(0, bytes, *SockAddr::parse("127.0.0.10:5062"));
    }
    void from_b(const SipMessage& m) {
        b2bua.stack().inject(1, m.serialize(), *SockAddr::parse("127.0.0.3:5070"));
    }
    // The messages sent since the last call.
    std::vector<Sent> take() {
        std::vector<Sent> out(sent.begin(), sent.end());
        sent.clear();
        return out;
    }
    const Sent* find(const std::vector<Sent>& v, std::size_t listener, std::string_view start) {
        for (const auto& s : v)
            if (s.listener == listener && s.bytes.starts_with(start)) return &s;
        return nullptr;
    }
    SipMessage b_response(const Sent& invite, std::uint16_t status, std::string_view tag,
                          std::string_view sdp = {}) {
        SipMessage r = make_response(invite.view(), status, {}, tag);
        if (status > 100 && status < 300) r.add(HeaderId::kContact, "<sip:bob@127.0.0.3:5070>");
        if (!sdp.empty()) {
            r.add(HeaderId::kContentType, "application/sdp");
            r.body = std::string(sdp);
        }
        return r;
    }
    // A's ACK or BYE inside the dialog the 200 `ok` created.
    SipMessage a_in_dialog(std::string_view method, const Sent& ok, std::uint32_t cseq) {
        auto v = ok.view();
        RequestSpec s;
        s.method = method;
        s.request_uri = "sip:rtpx@127.0.0.1:5060";
        s.from = "Alice <sip:alice@a.example>";
        s.from_tag = "atag";
        s.to = v.find(HeaderId::kTo)->value;
        s.call_id = *v.call_id();
        s.cseq = cseq;
        s.via_sent_by = "127.0.0.10:5062";
        return make_request(s);
    }
    // B's request inside the B dialog (the INVITE `invite`, answered with To tag `tag`).
    SipMessage b_in_dialog(std::string_view method, const Sent& invite, std::string_view tag,
                           std::uint32_t cseq, std::string_view sdp = {}) {
        auto v = invite.view();
        RequestSpec s;
        s.method = method;
        s.request_uri = "sip:rtpx@127.0.0.2:5060";
        s.from = "Bob <sip:bob@b.example>";
        s.from_tag = tag;
        s.to = v.find(HeaderId::kFrom)->value;  // our From with our tag
        s.call_id = *v.call_id();
        s.cseq = cseq;
        s.via_sent_by = "127.0.0.3:5070";
        s.contact = "<sip:bob@127.0.0.3:5070>";
        s.content_type = sdp.empty() ? "" : "application/sdp";
        s.body = sdp;
        return make_request(s);
    }

    // INVITE in, INVITE out on B; returns B's INVITE.
    Sent start_call(std::string call_id = "call-1@alice") {
        last_invite = alice_invite(call_id);
        from_a(last_invite);
        auto out = take();
        EXPECT_NE(find(out, 0, "SIP/2.0 100"), nullptr);
        const Sent* inv = find(out, 1, "INVITE ");
        EXPECT_NE(inv, nullptr);
        return inv != nullptr ? *inv : Sent{};
    }
    // Through to the 200 OK to A (returned) and A's ACK.
    std::pair<Sent, Sent> answered_call() {
        Sent inv = start_call();
        from_b(b_response(inv, 200, "btag", kAnswerSdp));
        auto out = take();
        const Sent* ok = find(out, 0, "SIP/2.0 200");
        EXPECT_NE(ok, nullptr);
        from_a(a_in_dialog("ACK", *ok, 1));
        take();
        return {inv, *ok};
    }

    Config config = make_config();
    EventLoop loop;
    FakeMedia media;
    B2bua b2bua{config, loop, media};
    std::deque<Sent> sent;
    SipMessage last_invite;
    std::vector<std::string> records;
};

TEST_F(B2buaTest, BasicCallCommitsFlowsBeforeThe200AndTearsDownOnBye) {
    Sent inv = start_call();
    auto iv = inv.view();
    EXPECT_NE(*iv.call_id(), "call-1@alice");  // a fresh Call-ID on the B leg
    EXPECT_EQ(iv.request_uri_text(), "sip:bob@127.0.0.1");
    EXPECT_EQ(inv.to, *SockAddr::parse("127.0.0.3:5070"));
    EXPECT_NE(iv.body().find("s=relay-call"), std::string_view::npos);  // the rewritten offer
    EXPECT_NE(iv.top_via()->host, "127.0.0.10");
    EXPECT_EQ(b2bua.active_calls(), 1u);

    from_b(b_response(inv, 180, "btag"));
    auto out = take();
    const Sent* ringing = find(out, 0, "SIP/2.0 180");
    ASSERT_NE(ringing, nullptr);
    EXPECT_FALSE(ringing->view().to()->tag().empty());
    EXPECT_EQ(*ringing->view().call_id(), "call-1@alice");

    media.log.clear();
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    out = take();
    ASSERT_NE(find(out, 1, "ACK "), nullptr);
    ASSERT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    Sent ok_copy = *find(out, 0, "SIP/2.0 200");
    const Sent* ok = &ok_copy;
    EXPECT_NE(ok->view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_TRUE(ok->view().has(HeaderId::kContact));
    // answer, ONE commit, and only then the 200 towards A
    auto commit = std::find(media.log.begin(), media.log.end(), "commit");
    auto ok_line = std::find(media.log.begin(), media.log.end(), "SIP/2.0 200 OK ->A");
    ASSERT_NE(commit, media.log.end());
    ASSERT_NE(ok_line, media.log.end());
    EXPECT_LT(commit, ok_line);
    EXPECT_EQ(media.commits, 1);

    from_a(a_in_dialog("ACK", *ok, 1));
    EXPECT_TRUE(take().empty());

    from_a(a_in_dialog("BYE", *ok, 2));
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    const Sent* bye = find(out, 1, "BYE ");
    ASSERT_NE(bye, nullptr);
    EXPECT_EQ(*bye->view().call_id(), *iv.call_id());
    EXPECT_EQ(media.releases, 1);
    EXPECT_EQ(b2bua.active_calls(), 0u);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_NE(records[0].find("\"end_reason\":\"bye-caller\""), std::string::npos);
    EXPECT_NE(records[0].find("\"packets\":100"), std::string::npos);
    EXPECT_NE(records[0].find("\"b_call_id\""), std::string::npos);
    from_b(b_response(*bye, 200, "btag"));
    EXPECT_TRUE(take().empty());
}

TEST_F(B2buaTest, ByeFromTheCalleeEndsBothLegs) {
    auto [inv, ok] = answered_call();
    from_b(b_in_dialog("BYE", inv, "btag", 1));
    auto out = take();
    EXPECT_NE(find(out, 1, "SIP/2.0 200"), nullptr);
    const Sent* bye = find(out, 0, "BYE ");
    ASSERT_NE(bye, nullptr);
    EXPECT_EQ(*bye->view().call_id(), "call-1@alice");
    EXPECT_EQ(bye->view().from()->tag(), ok.view().to()->tag());  // our tag on the A dialog
    EXPECT_EQ(bye->to, *SockAddr::parse("127.0.0.10:5062"));      // A's Contact
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_NE(records.at(0).find("bye-callee"), std::string::npos);
}

TEST_F(B2buaTest, ByeBeforeAckEndsTheCallCleanly) {
    Sent inv = start_call();
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    auto out = take();
    ASSERT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    Sent ok = *find(out, 0, "SIP/2.0 200");
    from_a(a_in_dialog("BYE", ok, 2));  // the ACK is still on its way
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    EXPECT_NE(find(out, 1, "BYE "), nullptr);
    from_a(a_in_dialog("ACK", ok, 1));  // arrives late: absorbed
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_EQ(media.releases, 1);
}

TEST_F(B2buaTest, CancelPropagatesAndAnswers487) {
    Sent inv = start_call();
    from_b(b_response(inv, 180, "btag"));
    take();
    from_a(make_cancel(last_invite));
    auto out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);  // to the CANCEL
    EXPECT_NE(find(out, 0, "SIP/2.0 487"), nullptr);
    const Sent* cancel = find(out, 1, "CANCEL ");
    ASSERT_NE(cancel, nullptr);
    EXPECT_EQ(cancel->view().top_via()->branch(), inv.view().top_via()->branch());
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_NE(records.at(0).find("cancelled"), std::string::npos);
    // B answers the CANCEL and the INVITE 487: the layer ACKs, nothing reaches A.
    from_b(b_response(*cancel, 200, ""));
    from_b(b_response(inv, 487, "btag"));
    out = take();
    EXPECT_NE(find(out, 1, "ACK "), nullptr);
    EXPECT_EQ(find(out, 0, "SIP/2"), nullptr);
}

TEST_F(B2buaTest, CancelBeforeAnyProvisionalWaitsForOne) {
    Sent inv = start_call();
    from_a(make_cancel(last_invite));
    auto out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 487"), nullptr);
    EXPECT_EQ(find(out, 1, "CANCEL "), nullptr);  // RFC 3261 9.1: not before a provisional
    from_b(b_response(inv, 180, "btag"));
    out = take();
    EXPECT_NE(find(out, 1, "CANCEL "), nullptr);
    EXPECT_EQ(find(out, 0, "SIP/2.0 180"), nullptr);
}

TEST_F(B2buaTest, FailureResponsesAreMappedBackToA) {
    Sent inv = start_call();
    from_b(b_response(inv, 486, "btag"));
    auto out = take();
    EXPECT_NE(find(out, 1, "ACK "), nullptr);  // the INVITE client transaction's own ACK
    EXPECT_NE(find(out, 0, "SIP/2.0 486"), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_EQ(media.releases, 1);
    EXPECT_NE(records.at(0).find("rejected-486"), std::string::npos);
}

TEST_F(B2buaTest, EarlyMediaProgramsFlowsOn183) {
    Sent inv = start_call();
    from_b(b_response(inv, 183, "btag", kAnswerSdp));
    auto out = take();
    const Sent* progress = find(out, 0, "SIP/2.0 183");
    ASSERT_NE(progress, nullptr);
    EXPECT_NE(progress->view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_EQ(media.commits, 1);
    // The 200 with the same SDP: no second answer, but the flows are committed again (no-op) first.
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    EXPECT_EQ(media.commits, 2);
}

TEST_F(B2buaTest, SecondForked2xxIsAckedAndByed) {
    Sent inv = start_call();
    from_b(b_response(inv, 200, "fork1", kAnswerSdp));
    auto out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    from_b(b_response(inv, 200, "fork2", kAnswerSdp));
    out = take();
    const Sent* ack = find(out, 1, "ACK ");
    const Sent* bye = find(out, 1, "BYE ");
    ASSERT_NE(ack, nullptr);
    ASSERT_NE(bye, nullptr);
    EXPECT_EQ(bye->view().to()->tag(), "fork2");
    EXPECT_EQ(find(out, 0, "SIP/2.0"), nullptr);  // A sees one answer only
    EXPECT_EQ(b2bua.active_calls(), 1u);
}

TEST_F(B2buaTest, OverMaxCallsIs503WithRetryAfter) {
    start_call("c1@alice");
    start_call("c2@alice");
    from_a(alice_invite("c3@alice"));
    auto out = take();
    const Sent* busy = find(out, 0, "SIP/2.0 503");
    ASSERT_NE(busy, nullptr);
    EXPECT_EQ(busy->view().find(HeaderId::kRetryAfter)->value, "5");
    EXPECT_EQ(find(out, 1, "INVITE "), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 2u);
    EXPECT_EQ(b2bua.counters().calls_rejected_overload, 1u);
}

TEST_F(B2buaTest, BadRequestsGetTheValidationAnswerAndNothingElse) {
    // No Max-Forwards is fine; a Max-Forwards of 0 at a forwarding element is 483.
    SipMessage hops = alice_invite("hops@alice");
    hops.set(HeaderId::kMaxForwards, "0");
    from_a(hops);
    auto out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 483"), nullptr);
    EXPECT_EQ(find(out, 1, "INVITE"), nullptr);
    // Unknown method: 501. Require of an unsupported extension: 420.
    SipMessage weird = alice_invite("weird@alice");
    weird.method = "FOO";
    weird.set(HeaderId::kCSeq, "1 FOO");
    from_a(weird);
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 501"), nullptr);
    SipMessage req = alice_invite("req@alice");
    req.add(HeaderId::kRequire, "foo");
    from_a(req);
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 420"), nullptr);
    // A body that is not SDP: 488 (no body at all is a late offer); no route: 404.
    SipMessage text = alice_invite("text@alice");
    text.set(HeaderId::kContentType, "text/plain");
    from_a(text);
    EXPECT_NE(find(take(), 0, "SIP/2.0 488"), nullptr);
    SipMessage nr = alice_invite("noroute@alice");
    nr.request_uri = "sip:carol@127.0.0.1";
    from_a(nr);
    EXPECT_NE(find(take(), 0, "SIP/2.0 404"), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 0u);
    // A BYE for no call: 481.
    SipMessage bye = alice_invite("none@alice");
    bye.method = "BYE";
    bye.set(HeaderId::kCSeq, "2 BYE");
    bye.set(HeaderId::kTo, "<sip:bob@b.example>;tag=x");
    bye.body.clear();
    bye.remove(HeaderId::kContentType);
    from_a(bye);
    EXPECT_NE(find(take(), 0, "SIP/2.0 481"), nullptr);
}

TEST_F(B2buaTest, ReInviteFromTheCalleeIsRelayedWithMediaReprogrammed) {
    auto [inv, ok] = answered_call();
    media.log.clear();
    std::string hold(kAnswerSdp);
    hold += "a=sendonly\r\n";
    from_b(b_in_dialog("INVITE", inv, "btag", 2, hold));
    auto out = take();
    const Sent* reinvite = find(out, 0, "INVITE ");
    ASSERT_NE(reinvite, nullptr);
    EXPECT_EQ(*reinvite->view().call_id(), "call-1@alice");
    EXPECT_NE(reinvite->view().body().find("relay-"), std::string_view::npos);
    EXPECT_NE(std::find(media.log.begin(), media.log.end(), "offer B"), media.log.end());
    // A answers: ACKed by us, answer rewritten, flows reprogrammed, 200 to B.
    a_answers_with_sdp(*reinvite);
    out = take();
    EXPECT_NE(find(out, 0, "ACK "), nullptr);
    const Sent* b_ok = find(out, 1, "SIP/2.0 200");
    ASSERT_NE(b_ok, nullptr);
    EXPECT_NE(b_ok->view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_EQ(b_ok->view().to()->tag(), inv.view().from()->tag());
    EXPECT_NE(std::find(media.log.begin(), media.log.end(), "commit"), media.log.end());
    EXPECT_EQ(b2bua.active_calls(), 1u);
}

TEST_F(B2buaTest, FailedFlowProgrammingNeverAnswersA) {
    media.fail_commit = true;
    Sent inv = start_call();
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    auto out = take();
    EXPECT_EQ(find(out, 0, "SIP/2.0 200"), nullptr);
    EXPECT_NE(find(out, 0, "SIP/2.0 500"), nullptr);
    EXPECT_NE(find(out, 1, "BYE "), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 0u);
}

TEST_F(B2buaTest, EndAllSendsByeOnBothLegs) {
    answered_call();
    b2bua.end_all("shutdown");
    auto out = take();
    EXPECT_NE(find(out, 0, "BYE "), nullptr);
    EXPECT_NE(find(out, 1, "BYE "), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 0u);
}

TEST(B2buaJournal, ARestartedB2buaStillRelaysTheBye) {
    Config config = make_config();
    char dir[] = "/tmp/rtpx-journal-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    config.journal_path = std::string(dir) + "/journal.jsonl";
    EventLoop loop;
    std::vector<Sent> out;
    auto tap = [&out](std::size_t l, const SendTarget& t, std::string_view bytes) {
        out.push_back(Sent{l, t.remote, std::string(bytes)});
    };
    const SockAddr alice = *SockAddr::parse("127.0.0.10:5062");
    const SockAddr bob = *SockAddr::parse("127.0.0.3:5070");
    RequestSpec s;
    s.method = "INVITE";
    s.request_uri = "sip:bob@127.0.0.1";
    s.from = "Alice <sip:alice@a.example>";
    s.from_tag = "atag";
    s.to = "Bob <sip:bob@b.example>";
    s.call_id = "journal@alice";
    s.via_sent_by = "127.0.0.10:5062";
    s.contact = "<sip:alice@127.0.0.10:5062>";
    s.content_type = "application/sdp";
    s.body = kOfferSdp;
    std::string a_to;
    std::string b_call_id;
    {
        FakeMedia media;
        B2bua first(config, loop, media);
        first.stack().set_tap(tap);
        ASSERT_TRUE(first.start(false));
        first.stack().inject(0, make_request(s).serialize(), alice);
        const Sent* inv = nullptr;
        for (const auto& o : out)
            if (o.listener == 1 && o.is_request("INVITE")) inv = &o;
        ASSERT_NE(inv, nullptr);
        b_call_id = std::string(*inv->view().call_id());
        SipMessage ok = make_response(inv->view(), 200, {}, "btag");
        ok.add(HeaderId::kContact, "<sip:bob@127.0.0.3:5070>");
        ok.add(HeaderId::kContentType, "application/sdp");
        ok.body = std::string(kAnswerSdp);
        Sent invite_copy = *inv;
        first.stack().inject(1, ok.serialize(), bob);
        for (const auto& o : out)
            if (o.listener == 0 && o.is_response(200))
                a_to = std::string(o.view().find(HeaderId::kTo)->value);
        ASSERT_FALSE(a_to.empty());
        // the process dies here (no BYE, no "end" line)
    }
    out.clear();
    FakeMedia media;
    B2bua second(config, loop, media);
    second.set_media_linger(std::chrono::milliseconds(0));
    second.stack().set_tap(tap);
    ASSERT_TRUE(second.start(false));
    EXPECT_EQ(second.active_calls(), 1u);
    EXPECT_EQ(second.counters().calls_restored, 1u);
    ASSERT_EQ(media.restored.size(), 1u);
    EXPECT_EQ(media.restored[0], "journal@alice {\"call\":\"journal@alice\"}");
    EXPECT_EQ(media.reattached, 1);
    s.method = "BYE";
    s.to = a_to;
    s.cseq = 2;
    s.content_type = "";
    s.body = "";
    s.contact = "";
    second.stack().inject(0, make_request(s).serialize(), alice);
    const Sent* bye = nullptr;
    bool ok_to_a = false;
    for (const auto& o : out) {
        if (o.listener == 1 && o.is_request("BYE")) bye = &o;
        if (o.listener == 0 && o.is_response(200)) ok_to_a = true;
    }
    EXPECT_TRUE(ok_to_a);
    ASSERT_NE(bye, nullptr);
    EXPECT_EQ(*bye->view().call_id(), b_call_id);
    EXPECT_EQ(bye->view().to()->tag(), "btag");
    EXPECT_EQ(bye->to, bob);
    EXPECT_EQ(second.active_calls(), 0u);
    EXPECT_EQ(media.releases, 1);
    std::filesystem::remove_all(dir);
}

// --- RFC 3262: reliable provisional responses --------------------------------------------------

TEST_F(B2buaTest, ReliableProvisionalsArePrackedOnBAndSentReliablyToA) {
    last_invite = alice_invite();
    last_invite.add(HeaderId::kSupported, "100rel");
    from_a(last_invite);
    auto out = take();
    const Sent* inv_p = find(out, 1, "INVITE ");
    ASSERT_NE(inv_p, nullptr);
    Sent inv = *inv_p;
    EXPECT_NE(inv.view().find(HeaderId::kSupported)->value.find("100rel"), std::string_view::npos);

    // B's 183 with SDP, sent reliably (RSeq 7): PRACKed on B's early dialog, relayed to A
    // reliably with our own RSeq, flows committed for early media.
    SipMessage p183 = b_response(inv, 183, "btag", kAnswerSdp);
    p183.add(HeaderId::kRequire, "100rel");
    p183.add(HeaderId::kRSeq, "7");
    from_b(p183);
    out = take();
    const Sent* prack_p = find(out, 1, "PRACK ");
    ASSERT_NE(prack_p, nullptr);
    Sent prack = *prack_p;
    EXPECT_EQ(prack.view().find(HeaderId::kRAck)->value, "7 1 INVITE");
    EXPECT_EQ(prack.view().to()->tag(), "btag");
    EXPECT_EQ(prack.to, *SockAddr::parse("127.0.0.3:5070"));  // B's Contact
    const Sent* to_a = find(out, 0, "SIP/2.0 183");
    ASSERT_NE(to_a, nullptr);
    Sent a183 = *to_a;
    EXPECT_NE(a183.view().find(HeaderId::kRequire)->value.find("100rel"), std::string_view::npos);
    ASSERT_TRUE(a183.view().has(HeaderId::kRSeq));
    EXPECT_NE(a183.view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_EQ(media.commits, 1);

    // B retransmits its 183 (its PRACK crossed): not processed again.
    from_b(p183);
    out = take();
    EXPECT_EQ(find(out, 1, "PRACK "), nullptr);
    EXPECT_EQ(find(out, 0, "SIP/2.0 183"), nullptr);

    // No PRACK from A yet: our 183 is retransmitted (T1 = 20 ms).
    ASSERT_TRUE(run_until([&] { return count(0, "SIP/2.0 183") >= 1; }));
    take();

    // A's PRACK (RAck = our RSeq): 200, retransmissions stop.
    SipMessage a_prack = a_in_dialog("PRACK", a183, 2);
    a_prack.add(HeaderId::kRAck,
                std::string(a183.view().find(HeaderId::kRSeq)->value) + " 1 INVITE");
    from_a(a_prack);
    out = take();
    const Sent* prack_ok = find(out, 0, "SIP/2.0 200");
    ASSERT_NE(prack_ok, nullptr);
    EXPECT_EQ(prack_ok->view().cseq()->method, Method::kPrack);
    run_until([] { return false; }, std::chrono::milliseconds(100));
    EXPECT_EQ(count(0, "SIP/2.0 183"), 0u);

    // B answers its PRACK, then the INVITE: the call goes on as usual.
    from_b(b_response(prack, 200, "btag"));
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    EXPECT_NE(find(out, 1, "ACK "), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 1u);
}

TEST_F(B2buaTest, RequireHundredRelIsAcceptedAndProvisionalsQueueUntilPrack) {
    last_invite = alice_invite();
    last_invite.add(HeaderId::kRequire, "100rel");
    from_a(last_invite);
    auto out = take();
    EXPECT_EQ(find(out, 0, "SIP/2.0 420"), nullptr);  // 100rel is supported now
    const Sent* inv_p = find(out, 1, "INVITE ");
    ASSERT_NE(inv_p, nullptr);
    Sent inv = *inv_p;
    // B's provisionals are unreliable; towards A (which requires 100rel) they must be reliable,
    // and only one may be unacknowledged at a time.
    from_b(b_response(inv, 180, "btag"));
    out = take();
    EXPECT_EQ(find(out, 1, "PRACK "), nullptr);
    const Sent* r180 = find(out, 0, "SIP/2.0 180");
    ASSERT_NE(r180, nullptr);
    Sent first = *r180;
    std::string rseq(first.view().find(HeaderId::kRSeq)->value);
    from_b(b_response(inv, 183, "btag", kAnswerSdp));
    EXPECT_EQ(find(take(), 0, "SIP/2.0 183"), nullptr);  // queued
    // A PRACK naming another RSeq: 481, nothing released.
    SipMessage wrong = a_in_dialog("PRACK", first, 2);
    wrong.add(HeaderId::kRAck, std::to_string(std::stoul(rseq) + 5) + " 1 INVITE");
    from_a(wrong);
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 481"), nullptr);
    EXPECT_EQ(find(out, 0, "SIP/2.0 183"), nullptr);
    SipMessage prack = a_in_dialog("PRACK", first, 3);
    prack.add(HeaderId::kRAck, rseq + " 1 INVITE");
    from_a(prack);
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    const Sent* next = find(out, 0, "SIP/2.0 183");
    ASSERT_NE(next, nullptr);
    EXPECT_EQ(next->view().find(HeaderId::kRSeq)->value, std::to_string(std::stoul(rseq) + 1));
    // The 200 from B while the 183 is unacknowledged: answered, retransmissions of the 183 stop.
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 200"), nullptr);
    run_until([] { return false; }, std::chrono::milliseconds(100));
    EXPECT_EQ(count(0, "SIP/2.0 183"), 0u);
}

TEST_F(B2buaTest, NoPrackFromAEndsTheCallWith5xxAndCancel) {
    last_invite = alice_invite();
    last_invite.add(HeaderId::kRequire, "100rel");
    from_a(last_invite);
    Sent inv = *find(take(), 1, "INVITE ");
    from_b(b_response(inv, 180, "btag"));
    take();
    // 64*T1 = 1.28 s without a PRACK.
    ASSERT_TRUE(run_until([&] { return b2bua.active_calls() == 0; }));
    auto out = take();
    EXPECT_NE(find(out, 0, "SIP/2.0 504"), nullptr);
    EXPECT_NE(find(out, 1, "CANCEL "), nullptr);
    EXPECT_NE(records.at(0).find("no-prack"), std::string::npos);
}

// --- late offer ----------------------------------------------------------------------------------

TEST_F(B2buaTest, LateOfferTakesTheOfferFromThe2xxAndTheAnswerFromTheAck) {
    last_invite = alice_invite("late@alice", "");
    from_a(last_invite);
    auto out = take();
    EXPECT_EQ(find(out, 0, "SIP/2.0 488"), nullptr);
    const Sent* inv_p = find(out, 1, "INVITE ");
    ASSERT_NE(inv_p, nullptr);
    Sent inv = *inv_p;
    EXPECT_TRUE(inv.view().body().empty());  // no offer towards B either
    EXPECT_FALSE(inv.view().has(HeaderId::kContentType));
    EXPECT_TRUE(media.log.empty() ||
                std::find(media.log.begin(), media.log.end(), "offer A") == media.log.end());

    // B's 200 carries the offer: rewritten into the 200 to A; B is not ACKed yet, no flows yet.
    media.log.clear();
    SipMessage b_ok = b_response(inv, 200, "btag", kAnswerSdp);
    from_b(b_ok);
    out = take();
    const Sent* ok_p = find(out, 0, "SIP/2.0 200");
    ASSERT_NE(ok_p, nullptr);
    Sent ok = *ok_p;
    EXPECT_NE(ok.view().body().find("relay-"), std::string_view::npos);
    EXPECT_EQ(find(out, 1, "ACK "), nullptr);
    EXPECT_NE(std::find(media.log.begin(), media.log.end(), "offer B"), media.log.end());
    EXPECT_EQ(media.commits, 0);

    // B retransmits its 200 before A answers: still nothing for B (an ACK must carry the answer).
    from_b(b_ok);
    EXPECT_EQ(find(take(), 1, "ACK "), nullptr);

    // A's ACK with the answer: answer A, flows committed, THEN B's ACK with the rewritten answer.
    SipMessage ack = a_in_dialog("ACK", ok, 1);
    ack.add(HeaderId::kContentType, "application/sdp");
    ack.body = std::string(kOfferSdp);
    media.log.clear();
    from_a(ack);
    out = take();
    const Sent* b_ack = find(out, 1, "ACK ");
    ASSERT_NE(b_ack, nullptr);
    EXPECT_NE(b_ack->view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_EQ(b_ack->view().to()->tag(), "btag");
    auto answer = std::find(media.log.begin(), media.log.end(), "answer A");
    auto commit = std::find(media.log.begin(), media.log.end(), "commit");
    auto ack_line = std::find_if(media.log.begin(), media.log.end(),
                                 [](const std::string& l) { return l.starts_with("ACK "); });
    ASSERT_NE(answer, media.log.end());
    ASSERT_NE(commit, media.log.end());
    EXPECT_LT(answer, commit);
    EXPECT_LT(commit, ack_line);
    EXPECT_EQ(media.commits, 1);

    // B's 200 again: the same ACK, with the answer.
    from_b(b_ok);
    out = take();
    const Sent* again = find(out, 1, "ACK ");
    ASSERT_NE(again, nullptr);
    EXPECT_NE(again->view().body().find("relay-answer"), std::string_view::npos);
    EXPECT_EQ(b2bua.active_calls(), 1u);
}

TEST_F(B2buaTest, LateOfferWithoutAnAnswerInTheAckEndsTheCall) {
    from_a(alice_invite("late2@alice", ""));
    Sent inv = *find(take(), 1, "INVITE ");
    from_b(b_response(inv, 200, "btag", kAnswerSdp));
    Sent ok = *find(take(), 0, "SIP/2.0 200");
    from_a(a_in_dialog("ACK", ok, 1));  // no SDP
    auto out = take();
    const Sent* b_ack = find(out, 1, "ACK ");
    ASSERT_NE(b_ack, nullptr);                 // B's 2xx still gets its ACK ...
    EXPECT_NE(find(out, 1, "BYE "), nullptr);  // ... then the BYE
    EXPECT_LT(b_ack, find(out, 1, "BYE "));
    EXPECT_NE(find(out, 0, "BYE "), nullptr);
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_EQ(media.commits, 0);
}

// --- re-INVITE 2xx retransmission
// -----------------------------------------------------------------

TEST_F(B2buaTest, TheTwoHundredToARelayedReInviteIsRetransmittedUntilTheAck) {
    auto [inv, ok] = answered_call();
    from_b(b_in_dialog("INVITE", inv, "btag", 2, kAnswerSdp));
    const Sent* reinvite = nullptr;
    auto out = take();
    reinvite = find(out, 0, "INVITE ");
    ASSERT_NE(reinvite, nullptr);
    a_answers_with_sdp(*reinvite);
    out = take();
    const Sent* b_ok = find(out, 1, "SIP/2.0 200");
    ASSERT_NE(b_ok, nullptr);
    std::string first = b_ok->bytes;
    // No ACK from B: the 200 goes again (T1 = 20 ms, doubling), identical.
    ASSERT_TRUE(run_until([&] { return count(1, "SIP/2.0 200") >= 2; }));
    out = take();
    for (const auto& s : out)
        if (s.listener == 1 && s.is_response(200)) {
            EXPECT_EQ(s.bytes, first);
            EXPECT_EQ(s.to, *SockAddr::parse("127.0.0.3:5070"));
        }
    // B's ACK (CSeq 2): no more retransmissions, and the ACK is not relayed to A.
    SipMessage b_ack = b_in_dialog("ACK", inv, "btag", 2);
    from_b(b_ack);
    EXPECT_TRUE(take().empty());
    run_until([] { return false; }, std::chrono::milliseconds(200));
    EXPECT_EQ(count(1, "SIP/2.0 200"), 0u);
    EXPECT_EQ(b2bua.active_calls(), 1u);
}

// --- flows outlive the call briefly --------------------------------------------------------------

TEST_F(B2buaTest, FlowsAreDeletedAMomentAfterTheBye) {
    b2bua.set_media_linger(std::chrono::milliseconds(50));
    auto [inv, ok] = answered_call();
    from_a(a_in_dialog("BYE", ok, 2));
    take();
    EXPECT_EQ(b2bua.active_calls(), 0u);
    EXPECT_EQ(records.size(), 1u);  // the record is written at once ...
    EXPECT_EQ(media.releases, 0);   // ... the flows still relay what is in flight
    ASSERT_TRUE(run_until([&] { return media.releases == 1; }));
    // end_all (shutdown) does not wait.
    auto second = start_call("c2@alice");
    from_b(b_response(second, 200, "btag", kAnswerSdp));
    take();
    b2bua.end_all("shutdown");
    EXPECT_EQ(media.releases, 2);
}

}  // namespace
}  // namespace rtpx::cp
