// Dialog-level timers in virtual time: 2xx retransmission until ACK (RFC 3261 13.3.1.4), reliable
// provisionals and PRACK (RFC 3262), re-INVITE glare back-off (RFC 3261 14.1), session timers
// (RFC 4028).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/dialog/dialog.hpp"
#include "rtpx/sip/dialog/prack.hpp"
#include "rtpx/sip/dialog/session_timer.hpp"
#include "rtpx/sip/dialog/timers.hpp"
#include "rtpx/sip/message.hpp"

namespace rtpx::sip {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Fired {
    std::int64_t at_ms;
    RetransmitAction action;
    friend bool operator==(const Fired&, const Fired&) = default;
};

// Fires the timer exactly at each deadline until nothing is armed.
template <class T>
std::vector<Fired> run(T& timer) {
    std::vector<Fired> out;
    while (auto d = timer.next_deadline()) {
        out.push_back({d->count(), timer.on_timer(*d)});
        if (out.size() > 100) break;
    }
    return out;
}

constexpr auto kR = RetransmitAction::kRetransmit;
constexpr auto kG = RetransmitAction::kGiveUp;

TEST(Uas2xxRetransmission, DoublesFromT1UpToT2AndGivesUpAt64T1) {
    // Sent at t=1000 ms; T1=500, T2=4000: 0.5, 1, 2, 4, 4, ... s apart; give up at 64*T1 = 32 s.
    Retransmitter r = Retransmitter::for_2xx(DialogTimerConfig{}, milliseconds(1000));
    EXPECT_EQ(run(r), (std::vector<Fired>{{1500, kR},
                                          {2500, kR},
                                          {4500, kR},
                                          {8500, kR},
                                          {12500, kR},
                                          {16500, kR},
                                          {20500, kR},
                                          {24500, kR},
                                          {28500, kR},
                                          {32500, kR},
                                          {33000, kG}}));
    EXPECT_EQ(r.retransmissions(), 10U);
}

TEST(Uas2xxRetransmission, AckStopsRetransmissionsAndEarlyTimerDoesNothing) {
    Retransmitter r = Retransmitter::for_2xx(DialogTimerConfig{}, milliseconds(0));
    EXPECT_EQ(r.on_timer(milliseconds(499)), RetransmitAction::kNone);
    EXPECT_EQ(r.on_timer(milliseconds(500)), kR);
    EXPECT_EQ(r.next_deadline(), milliseconds(1500));
    r.acknowledge();
    EXPECT_EQ(r.next_deadline(), std::nullopt);
    EXPECT_EQ(r.on_timer(milliseconds(1500)), RetransmitAction::kNone);
}

TEST(Uas2xxRetransmission, ConfiguredTimersScaleTheSchedule) {
    Retransmitter r = Retransmitter::for_2xx(
        DialogTimerConfig{milliseconds(100), milliseconds(400)}, milliseconds(0));
    auto fired = run(r);
    ASSERT_GE(fired.size(), 5U);
    EXPECT_EQ(fired[0], (Fired{100, kR}));
    EXPECT_EQ(fired[1], (Fired{300, kR}));
    EXPECT_EQ(fired[2], (Fired{700, kR}));
    EXPECT_EQ(fired[3], (Fired{1100, kR}));  // capped at T2 = 400
    EXPECT_EQ(fired.back(), (Fired{6400, kG}));
}

// RFC 3261 13.3.1.4: no ACK within 64*T1 -> the UAS confirms and then terminates the dialog
// with a BYE.
TEST(Uas2xxRetransmission, GiveUpLeadsToByeOnTheDialog) {
    const std::string invite =
        "INVITE sip:bob@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKn\r\n"
        "Max-Forwards: 70\r\nTo: <sip:bob@biloxi.com>\r\nFrom: <sip:alice@atlanta.com>;tag=a1\r\n"
        "Call-ID: c1\r\nCSeq: 7 INVITE\r\nContact: <sip:alice@pc33.atlanta.com>\r\n"
        "Content-Length: 0\r\n\r\n";
    auto d = Dialog::create_uas(*SipMessageView::parse(invite), "b1", "sip:bob@192.0.2.4",
                                DialogState::kConfirmed);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->owns_call_id());
    Retransmitter r = Retransmitter::for_2xx(DialogTimerConfig{}, milliseconds(0));
    RetransmitAction last = RetransmitAction::kNone;
    while (auto at = r.next_deadline()) last = r.on_timer(*at);
    ASSERT_EQ(last, kG);
    const SipMessage bye = d->make_request("BYE", ViaSpec{"UDP", "192.0.2.4", false});
    EXPECT_EQ(bye.request_uri, "sip:alice@pc33.atlanta.com");
    EXPECT_EQ(bye.value(HeaderId::kCSeq), "1 BYE");
    EXPECT_EQ(bye.value(HeaderId::kTo), "<sip:alice@atlanta.com>;tag=a1");
}

TEST(Glare, RetryDelaysStayInRfc3261Ranges) {
    EXPECT_EQ(glare_retry_delay(true, 0U), milliseconds(2100));
    EXPECT_EQ(glare_retry_delay(true, 190U), milliseconds(4000));
    EXPECT_EQ(glare_retry_delay(false, 0U), milliseconds(0));
    EXPECT_EQ(glare_retry_delay(false, 200U), milliseconds(2000));
    std::mt19937 rng(42);
    milliseconds owner_min{10000}, owner_max{0}, other_min{10000}, other_max{0};
    for (int i = 0; i < 5000; ++i) {
        const milliseconds a = glare_retry_delay(true, rng);
        const milliseconds b = glare_retry_delay(false, rng);
        EXPECT_EQ(a.count() % 10, 0);  // units of 10 ms
        EXPECT_EQ(b.count() % 10, 0);
        owner_min = std::min(owner_min, a);
        owner_max = std::max(owner_max, a);
        other_min = std::min(other_min, b);
        other_max = std::max(other_max, b);
    }
    EXPECT_GE(owner_min, milliseconds(2100));
    EXPECT_LE(owner_max, milliseconds(4000));
    EXPECT_LT(owner_min, milliseconds(2300));  // the range is used, not one value
    EXPECT_GT(owner_max, milliseconds(3800));
    EXPECT_GE(other_min, milliseconds(0));
    EXPECT_LE(other_max, milliseconds(2000));
    EXPECT_GT(other_max, milliseconds(1800));
}

// --- RFC 3262 ----------------------------------------------------------------------------------

const std::string kInvite100rel =
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
    "Supported: timer, 100rel\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(Prack, RSeqAndRAckGrammar) {
    // RFC 3262 7.1 / 7.2 examples.
    EXPECT_EQ(parse_rseq("988789"), 988789U);
    auto rack = RAckView::parse("776656 1 INVITE");
    ASSERT_TRUE(rack);
    EXPECT_EQ(rack->rseq, 776656U);
    EXPECT_EQ(rack->cseq, 1U);
    EXPECT_EQ(rack->method, Method::kInvite);
    EXPECT_FALSE(parse_rseq("0"));
    EXPECT_FALSE(parse_rseq("2147483648"));
    EXPECT_FALSE(parse_rseq("12a"));
    EXPECT_FALSE(RAckView::parse("776656 1"));
    EXPECT_FALSE(RAckView::parse("776656INVITE"));
    EXPECT_FALSE(RAckView::parse("0 1 INVITE"));
    EXPECT_FALSE(RAckView::parse("1 1 INVITE x"));
    EXPECT_EQ(RAckView::parse("1 x INVITE").error().offset, 2U);
}

TEST(Prack, ReliableProvisionalFlowWithRetransmissionAndPrack) {
    auto invite = SipMessageView::parse(kInvite100rel);
    ASSERT_TRUE(invite);
    EXPECT_EQ(reliability_requested(*invite), ReliabilityRequest::kSupported);

    // UAS: 180 sent reliably at t=0 with RSeq 988789.
    ReliableProvisionalSender sender(DialogTimerConfig{}, 988789);
    SipMessage ringing = make_response(*invite, 180, {}, "bobtag");
    ringing.add(HeaderId::kContact, "<sip:bob@192.0.2.4>");
    ASSERT_TRUE(sender.send(ringing, milliseconds(0)));
    EXPECT_EQ(ringing.value(HeaderId::kRequire), "100rel");
    EXPECT_EQ(ringing.value(HeaderId::kRSeq), "988789");
    SipMessage second = make_response(*invite, 183, {}, "bobtag");
    EXPECT_FALSE(sender.send(second, milliseconds(10)));  // one unacknowledged at a time
    EXPECT_EQ(sender.next_deadline(), milliseconds(500));
    EXPECT_EQ(sender.on_timer(milliseconds(500)), kR);
    EXPECT_EQ(sender.next_deadline(), milliseconds(1500));

    // UAC: creates the early dialog and decides to PRACK.
    const std::string ringing_bytes = ringing.serialize();
    auto ringing_view = SipMessageView::parse(ringing_bytes);
    ASSERT_TRUE(ringing_view);
    auto early = Dialog::create_uac(SipMessage::from_view(*invite), *ringing_view);
    ASSERT_TRUE(early);
    PrackTracker tracker;
    PrackResult p = tracker.on_provisional(*ringing_view);
    ASSERT_EQ(p.decision, PrackDecision::kPrack);
    EXPECT_EQ(p.rack, "988789 1 INVITE");
    // The retransmission of the same 1xx is not PRACKed again (RFC 3262 4).
    EXPECT_EQ(tracker.on_provisional(*ringing_view).decision, PrackDecision::kDiscard);

    const SipMessage prack = make_prack(*early, ViaSpec{"UDP", "pc33.atlanta.com", false}, p.rack);
    EXPECT_EQ(prack.method, "PRACK");
    EXPECT_EQ(prack.request_uri, "sip:bob@192.0.2.4");
    EXPECT_EQ(prack.value(HeaderId::kCSeq), "2 PRACK");
    EXPECT_EQ(prack.value(HeaderId::kRAck), "988789 1 INVITE");
    EXPECT_EQ(prack.value(HeaderId::kTo), "Bob <sip:bob@biloxi.com>;tag=bobtag");

    // A PRACK naming another RSeq gets 481; the right one 200 and stops the retransmissions.
    SipMessage wrong = prack;
    wrong.set(HeaderId::kRAck, "988788 1 INVITE");
    const std::string wrong_bytes = wrong.serialize();
    EXPECT_EQ(sender.on_prack(*SipMessageView::parse(wrong_bytes)), 481);
    const std::string prack_bytes = prack.serialize();
    EXPECT_EQ(sender.on_prack(*SipMessageView::parse(prack_bytes)), 200);
    EXPECT_EQ(sender.next_deadline(), std::nullopt);
    EXPECT_EQ(sender.on_prack(*SipMessageView::parse(prack_bytes)), 481);  // nothing pending now

    // The next reliable 1xx gets RSeq + 1, and the UAC PRACKs it.
    ASSERT_TRUE(sender.send(second, milliseconds(2000)));
    EXPECT_EQ(second.value(HeaderId::kRSeq), "988790");
    const std::string second_bytes = second.serialize();
    EXPECT_EQ(tracker.on_provisional(*SipMessageView::parse(second_bytes)).rack, "988790 1 INVITE");
}

TEST(Prack, UnacknowledgedReliableProvisionalDoublesWithoutCapAndGivesUp) {
    auto invite = SipMessageView::parse(kInvite100rel);
    ASSERT_TRUE(invite);
    ReliableProvisionalSender sender(DialogTimerConfig{}, 1);
    SipMessage ringing = make_response(*invite, 180, {}, "t");
    ASSERT_TRUE(sender.send(ringing, milliseconds(0)));
    EXPECT_EQ(
        run(sender),
        (std::vector<Fired>{
            {500, kR}, {1500, kR}, {3500, kR}, {7500, kR}, {15500, kR}, {31500, kR}, {32000, kG}}));
    EXPECT_EQ(sender.pending(), nullptr);
}

TEST(Prack, UacIgnoresUnreliableAndFlagsMalformed) {
    PrackTracker tracker;
    const std::string plain =
        "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    EXPECT_EQ(tracker.on_provisional(*SipMessageView::parse(plain)).decision,
              PrackDecision::kUnreliable);
    std::string no_rseq = plain;
    no_rseq.insert(no_rseq.find("Content-Length"), "Require: 100rel\r\n");
    EXPECT_EQ(tracker.on_provisional(*SipMessageView::parse(no_rseq)).decision,
              PrackDecision::kMalformed);
    std::string out_of_order = no_rseq;
    out_of_order.insert(out_of_order.find("Content-Length"), "RSeq: 5\r\n");
    EXPECT_EQ(tracker.on_provisional(*SipMessageView::parse(out_of_order)).decision,
              PrackDecision::kPrack);
    std::string skip = no_rseq;
    skip.insert(skip.find("Content-Length"), "RSeq: 7\r\n");  // 6 missing
    EXPECT_EQ(tracker.on_provisional(*SipMessageView::parse(skip)).decision,
              PrackDecision::kDiscard);
}

// --- RFC 4028 ----------------------------------------------------------------------------------

std::string invite_with(std::string_view extra) {
    std::string s = kInvite100rel;
    s.insert(s.find("Content-Length"), extra);
    return s;
}

TEST(SessionTimers, HeaderGrammar) {
    auto se = SessionExpiresValue::parse("4000;refresher=uac");
    ASSERT_TRUE(se);
    EXPECT_EQ(se->delta, 4000U);
    EXPECT_EQ(se->refresher, Refresher::kUac);
    EXPECT_EQ(se->to_string(), "4000;refresher=uac");
    EXPECT_EQ(SessionExpiresValue::parse(" 1800 ")->refresher, Refresher::kUnspecified);
    EXPECT_FALSE(SessionExpiresValue::parse("abc"));
    EXPECT_FALSE(SessionExpiresValue::parse("1800;refresher=proxy"));
    EXPECT_FALSE(SessionExpiresValue::parse("1800;;"));
    EXPECT_EQ(parse_min_se("90"), 90U);
    EXPECT_FALSE(parse_min_se("-1"));
}

TEST(SessionTimers, UasAcceptsLowersRejectsWith422AndChoosesRefresher) {
    SessionTimerConfig cfg;
    cfg.session_expires = 1800;
    cfg.min_se = 600;

    // RFC 4028 9: a request asking for 4000 s with refresher=uac gets 1800 s, refresher uac.
    const std::string big = invite_with("Session-Expires: 4000;refresher=uac\r\n");
    SessionTimerAnswer a = negotiate_session_timer_uas(*SipMessageView::parse(big), cfg);
    EXPECT_EQ(a.reject_status, 0);
    EXPECT_EQ(a.session_expires.to_string(), "1800;refresher=uac");
    EXPECT_TRUE(a.require_timer);
    EXPECT_FALSE(a.agreement.local_refresher);
    SipMessage ok = make_response(*SipMessageView::parse(big), 200, {}, "t");
    a.apply_to(ok);
    EXPECT_EQ(ok.value(HeaderId::kSessionExpires), "1800;refresher=uac");
    EXPECT_EQ(ok.value(HeaderId::kRequire), "timer");

    // Below our Min-SE: 422 with Min-SE: 600.
    const std::string small = invite_with("Session-Expires: 300\r\nMin-SE: 90\r\n");
    a = negotiate_session_timer_uas(*SipMessageView::parse(small), cfg);
    EXPECT_EQ(a.reject_status, 422);
    SipMessage too_small = make_response(*SipMessageView::parse(small), 422, {}, "t");
    a.apply_to(too_small);
    EXPECT_EQ(too_small.value(HeaderId::kMinSE), "600");
    // The UAC retries with the 422's Min-SE.
    const std::string resp = too_small.serialize();
    EXPECT_EQ(session_expires_after_422(*SipMessageView::parse(resp), 300), 600U);

    // No refresher in the request: the UAS picks uac (the UAC supports timer).
    const std::string none = invite_with("Session-Expires: 900\r\n");
    a = negotiate_session_timer_uas(*SipMessageView::parse(none), cfg);
    EXPECT_EQ(a.session_expires.to_string(), "900;refresher=uac");

    // A UAC without timer support: the UAS refreshes and does not Require timer.
    std::string legacy = invite_with("Session-Expires: 900\r\n");
    legacy.replace(legacy.find("Supported: timer, 100rel"), 24, "Supported: 100rel");
    a = negotiate_session_timer_uas(*SipMessageView::parse(legacy), cfg);
    EXPECT_EQ(a.session_expires.to_string(), "900;refresher=uas");
    EXPECT_FALSE(a.require_timer);
    EXPECT_TRUE(a.agreement.local_refresher);
    EXPECT_EQ(a.agreement.interval, 900U);
}

TEST(SessionTimers, UacAddsHeadersAndReadsTheAgreement) {
    SipMessage invite = SipMessage::from_view(*SipMessageView::parse(kInvite100rel));
    add_session_timer_headers(invite, 1800, 90);
    EXPECT_EQ(invite.value(HeaderId::kSessionExpires), "1800");
    EXPECT_EQ(invite.value(HeaderId::kMinSE), "90");
    const std::string ok =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nSession-Expires: "
        "1800;refresher=uas\r\n"
        "Allow: INVITE, ACK, BYE, UPDATE\r\nContent-Length: 0\r\n\r\n";
    auto v = SipMessageView::parse(ok);
    ASSERT_TRUE(v);
    SessionTimerAgreement ag = negotiate_session_timer_uac(*v);
    EXPECT_EQ(ag.interval, 1800U);
    EXPECT_FALSE(ag.local_refresher);
    EXPECT_EQ(session_refresh_method(*v, SessionTimerConfig{}), Method::kUpdate);
    SessionTimerConfig invite_only;
    invite_only.prefer_update = false;
    EXPECT_EQ(session_refresh_method(*v, invite_only), Method::kInvite);
}

TEST(SessionTimers, RefresherRefreshesAtHalfIntervalAndByeOnExpiry) {
    SessionTimer t;
    EXPECT_EQ(t.next_deadline(), std::nullopt);
    t.refreshed(milliseconds(10'000), SessionTimerAgreement{1800, true});
    EXPECT_EQ(t.next_deadline(), milliseconds(10'000 + 900'000));
    EXPECT_EQ(t.on_timer(milliseconds(909'999)), SessionTimerAction::kNone);
    EXPECT_EQ(t.on_timer(milliseconds(910'000)), SessionTimerAction::kSendRefresh);
    // The refresh succeeds 200 ms later: the timers restart from there.
    t.refreshed(milliseconds(910'200), SessionTimerAgreement{1800, true});
    EXPECT_EQ(t.next_deadline(), milliseconds(910'200 + 900'000));
    EXPECT_EQ(t.on_timer(milliseconds(1'810'200)), SessionTimerAction::kSendRefresh);
    // This refresh never succeeds: BYE at expiry - min(32 s, SE/3) = 1800 - 32 s after it began.
    EXPECT_EQ(t.next_deadline(), milliseconds(910'200 + 1'768'000));
    EXPECT_EQ(t.on_timer(milliseconds(910'200 + 1'768'000)), SessionTimerAction::kSendBye);
    EXPECT_FALSE(t.running());
}

TEST(SessionTimers, NonRefresherOnlyWatchesExpiryWithShortIntervalMargin) {
    SessionTimer t;
    t.refreshed(milliseconds(0), SessionTimerAgreement{90, false});
    // min(32, 90/3 = 30) = 30 s before the 90 s expiry.
    EXPECT_EQ(t.next_deadline(), milliseconds(60'000));
    EXPECT_EQ(t.on_timer(milliseconds(45'000)), SessionTimerAction::kNone);
    t.refreshed(milliseconds(50'000), SessionTimerAgreement{90, false});  // peer refreshed
    EXPECT_EQ(t.next_deadline(), milliseconds(110'000));
    EXPECT_EQ(t.on_timer(milliseconds(110'000)), SessionTimerAction::kSendBye);
}

}  // namespace
}  // namespace rtpx::sip
