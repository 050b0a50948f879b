// Server transactions (RFC 3261 17.2, RFC 6026 7.1) in virtual time, with RFC 3665 3.1 messages:
// 100 Trying, retransmission absorption, timers G/H/I/J/L, ACK matching, CANCEL matching (9.2),
// the RFC 2543 fallback (17.2.3), stray ACKs and transport errors.
#include <gtest/gtest.h>

#include "rtpx/sip/builder.hpp"
#include "transaction_support.hpp"

namespace rtpx::sip::test {
namespace {

using Lines = std::vector<std::string>;

std::string respond_to(const std::string& request, std::uint16_t status) {
    return make_response(*SipMessageView::parse(request), status, {}, "8321234356").serialize();
}

std::string ack_for(const std::string& invite, const std::string& response) {
    return make_ack_for_non2xx(*SipMessageView::parse(invite), *SipMessageView::parse(response))
        .serialize();
}

void respond(Harness& h, TxnHandle t, const std::string& response, std::int64_t at) {
    h.timers.run_until(h.layer, at_ms(at));
    auto r = h.layer.respond(t, std::string_view(response), at_ms(at), h.timers);
    EXPECT_TRUE(r.has_value()) << (r ? "" : to_string(r.error()));
}

// 17.2.1: "If the TU does not generate a provisional response within 200 ms, the server transaction
// MUST generate a 100 (Trying) response." The INVITE reaches the TU once.
TEST(InviteServerTransaction, Sends100TryingAfter200Milliseconds) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    EXPECT_EQ(h.receive(invite, 0), TxnDisposition::kNewTransaction);
    const TxnHandle t = h.recorder.last_request;
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kProceeding);
    EXPECT_EQ(h.layer.kind(t).value(), TxnKind::kInviteServer);
    EXPECT_EQ(h.run_until(1000), (Lines{"0 arm 100 200", "0 request INVITE", "200 send 100"}));
    auto trying = SipMessageView::parse(h.recorder.sent.back());
    ASSERT_TRUE(trying.has_value());
    EXPECT_EQ(trying->reason(), "Trying");
    EXPECT_EQ(trying->to()->tag(), "");  // 8.2.6.2: no To tag on 100
    EXPECT_EQ(trying->top_via()->branch(), "z9hG4bK74bf9");
    EXPECT_EQ(trying->cseq()->method, Method::kInvite);
}

TEST(InviteServerTransaction, TuAnswerWithin200MillisecondsReplaces100Trying) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    respond(h, h.recorder.last_request, respond_to(invite, 180), 50);
    EXPECT_EQ(h.run_until(1000),
              (Lines{"0 arm 100 200", "0 request INVITE", "50 cancel 100", "50 send 180"}));
}

TEST(InviteServerTransaction, Sends100TryingAtOnceOrNeverWhenConfigured) {
    TransactionConfig c = small_config();
    c.trying = TryingPolicy::kImmediate;
    Harness h(c);
    h.receive(rfc3665("f1_invite"), 0);
    EXPECT_EQ(h.run_until(1000), (Lines{"0 send 100", "0 request INVITE"}));
    c.trying = TryingPolicy::kNever;
    Harness n(c);
    n.receive(rfc3665("f1_invite"), 0);
    EXPECT_EQ(n.run_until(1000), (Lines{"0 request INVITE"}));
}

// 17.2.1: "If a request retransmission is received while in the "Proceeding" state, the most
// recent provisional response that was received from the TU MUST be passed to the transport layer
// for retransmission." A retransmission before any response gets the 100 Trying at once.
TEST(InviteServerTransaction, RetransmittedInviteGetsTheLastProvisionalResponse) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    const TxnHandle t = h.recorder.last_request;
    h.run_until(0);
    EXPECT_EQ(h.receive(invite, 100), TxnDisposition::kAbsorbed);
    respond(h, t, respond_to(invite, 180), 300);
    EXPECT_EQ(h.receive(invite, 600), TxnDisposition::kAbsorbed);
    EXPECT_EQ(h.run_until(1000),
              (Lines{"100 cancel 100", "100 send 100", "300 send 180", "600 send 180"}));
    EXPECT_EQ(h.layer.counters().requests_absorbed, 2u);
    EXPECT_EQ(h.layer.counters().server_created, 1u);
}

// 17.2.1: a 300-699 response moves to Completed; timer G retransmits it at T1, 2*T1 ... capped at
// T2; the ACK moves to Confirmed (absorbed, not passed up) with timer I = T4; then Terminated.
TEST(InviteServerTransaction, RetransmitsNonSuccessFinalWithTimerGUntilAck) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    const TxnHandle t = h.recorder.last_request;
    h.run_until(0);
    const std::string busy = respond_to(invite, 486);
    respond(h, t, busy, 1000);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kCompleted);
    EXPECT_EQ(h.receive(invite, 2000), TxnDisposition::kAbsorbed);
    EXPECT_EQ(h.receive(ack_for(invite, busy), 10000), TxnDisposition::kMatched);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kConfirmed);
    EXPECT_EQ(h.receive(ack_for(invite, busy), 10100), TxnDisposition::kAbsorbed);
    EXPECT_EQ(h.run_until(20000),
              (Lines{"200 send 100", "1000 send 486", "1000 arm G 1500", "1000 arm H 33000",
                     "1500 send 486", "1500 arm G 2500", "2000 send 486", "2500 send 486",
                     "2500 arm G 4500", "4500 send 486", "4500 arm G 8500", "8500 send 486",
                     "8500 arm G 12500", "10000 cancel G", "10000 cancel H", "10000 arm I 15000",
                     "15000 terminated"}));
    EXPECT_FALSE(h.layer.alive(t));
}

// 17.2.1: "If timer H fires while in the "Completed" state, it implies that the ACK was never
// received. In this case, the server transaction MUST transition to the "Terminated" state, and
// MUST indicate to the TU that a transaction failure has occurred." H = 64*T1.
TEST(InviteServerTransaction, TimerHEndsTheTransactionWithoutAck) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    respond(h, h.recorder.last_request, respond_to(invite, 486), 1000);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 arm 100 200",   "0 request INVITE",  "200 send 100",    "1000 send 486",
                     "1000 arm G 1500", "1000 arm H 33000",  "1500 send 486",   "1500 arm G 2500",
                     "2500 send 486",   "2500 arm G 4500",   "4500 send 486",   "4500 arm G 8500",
                     "8500 send 486",   "8500 arm G 12500",  "12500 send 486",  "12500 arm G 16500",
                     "16500 send 486",  "16500 arm G 20500", "20500 send 486",  "20500 arm G 24500",
                     "24500 send 486",  "24500 arm G 28500", "28500 send 486",  "28500 arm G 32500",
                     "32500 send 486",  "32500 arm G 36500", "33000 timeout H", "33000 cancel G",
                     "33000 terminated"}));
}

// Reliable transports: no timer G, and timer I is zero.
TEST(InviteServerTransaction, ReliableTransportSkipsTimersGAndI) {
    Harness h;
    const std::string invite = rfc3665("f1_invite", false);
    const TxnPeer tcp = peer(TxnTransport::kTcp);
    h.receive(invite, 0, tcp);
    const TxnHandle t = h.recorder.last_request;
    h.run_until(0);
    const std::string busy = respond_to(invite, 486);
    respond(h, t, busy, 100);
    h.receive(ack_for(invite, busy), 150, tcp);
    EXPECT_EQ(h.run_until(1000), (Lines{"100 cancel 100", "100 send 486", "100 arm H 32100",
                                        "150 cancel H", "150 terminated"}));
    EXPECT_EQ(h.recorder.actions.size(), 0u);
}

// RFC 6026 7.1: a 2xx from the TU moves to Accepted with timer L = 64*T1. Retransmitted INVITEs are
// absorbed (the TU retransmits its 2xx itself, through respond()); the 2xx's ACK (new
// branch, 13.2.2.4) matches no transaction and goes to the core; L ends the transaction.
TEST(InviteServerTransaction, SuccessResponseMovesToAcceptedUntilTimerL) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    const TxnHandle t = h.recorder.last_request;
    h.run_until(0);
    const std::string ok = respond_to(invite, 200);
    respond(h, t, ok, 100);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kAccepted);
    EXPECT_EQ(h.receive(invite, 500), TxnDisposition::kAbsorbed);
    respond(h, t, ok, 600);  // the TU's 2xx retransmission
    EXPECT_EQ(
        h.layer.respond(t, std::string_view(respond_to(invite, 486)), at_ms(600), h.timers).error(),
        TxnError::kWrongState);
    EXPECT_EQ(h.receive(rfc3665("f4_ack"), 700), TxnDisposition::kStray);
    EXPECT_EQ(h.run_until(40000), (Lines{"100 cancel 100", "100 send 200", "100 arm L 32100",
                                         "600 send 200", "700 stray-ack ACK", "32100 terminated"}));
    EXPECT_EQ(h.layer.counters().stray_acks, 1u);
}

// RFC 6026 7.1: in Accepted, an ACK that matches the transaction (here an ACK for the 2xx that
// reuses the INVITE's branch) is passed to the TU, not absorbed; the state does not change.
TEST(InviteServerTransaction, AckMatchingInAcceptedGoesToTheTu) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    const TxnHandle t = h.recorder.last_request;
    const std::string ok = respond_to(invite, 200);
    respond(h, t, ok, 100);
    h.run_until(100);
    EXPECT_EQ(h.receive(ack_for(invite, ok), 200), TxnDisposition::kMatched);
    ASSERT_EQ(h.recorder.actions.size(), 1u);
    EXPECT_EQ(h.recorder.actions[0].kind, TxnActionKind::kStrayAck);
    EXPECT_EQ(h.recorder.actions[0].txn, t);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kAccepted);
}

// 17.2.2: Trying absorbs retransmissions silently; Proceeding and Completed resend the last
// response; timer J = 64*T1 on unreliable transports, zero on reliable ones.
TEST(NonInviteServerTransaction, AbsorbsRetransmissionsUntilTimerJ) {
    Harness h;
    const std::string bye = rfc3665("f5_bye");
    EXPECT_EQ(h.receive(bye, 0), TxnDisposition::kNewTransaction);
    const TxnHandle t = h.recorder.last_request;
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kTrying);
    EXPECT_EQ(h.receive(bye, 500), TxnDisposition::kAbsorbed);
    respond(h, t, respond_to(bye, 100), 700);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kProceeding);
    EXPECT_EQ(h.receive(bye, 1500), TxnDisposition::kAbsorbed);
    respond(h, t, respond_to(bye, 200), 2000);
    EXPECT_EQ(h.receive(bye, 3500), TxnDisposition::kAbsorbed);
    EXPECT_EQ(
        h.layer.respond(t, std::string_view(respond_to(bye, 200)), at_ms(3600), h.timers).error(),
        TxnError::kWrongState);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 request BYE", "700 send 100", "1500 send 100", "2000 send 200",
                     "2000 arm J 34000", "3500 send 200", "34000 terminated"}));

    Harness r;
    r.receive(rfc3665("f5_bye", false), 0, peer(TxnTransport::kTcp));
    respond(r, r.recorder.last_request, respond_to(bye, 200), 10);
    EXPECT_EQ(r.run_until(100), (Lines{"0 request BYE", "10 send 200", "10 terminated"}));
}

// 9.2: the CANCEL is a transaction of its own, and the TU learns which INVITE server transaction
// it cancels (to answer that INVITE 487 and the CANCEL 200). A CANCEL matching nothing: no related
// transaction (the TU answers 481).
TEST(CancelMatching, FindsTheInviteServerTransaction) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    h.receive(invite, 0);
    const TxnHandle inv = h.recorder.last_request;
    respond(h, inv, respond_to(invite, 180), 10);
    const std::string cancel = make_cancel(*SipMessageView::parse(invite)).serialize();
    EXPECT_EQ(h.receive(cancel, 1000), TxnDisposition::kNewTransaction);
    const TxnHandle can = h.recorder.last_request;
    EXPECT_NE(can, inv);
    EXPECT_EQ(h.recorder.related, inv);
    EXPECT_EQ(h.layer.kind(can).value(), TxnKind::kNonInviteServer);
    respond(h, can, respond_to(cancel, 200), 1001);
    respond(h, inv, respond_to(invite, 487), 1001);
    EXPECT_EQ(h.run_until(1001),
              (Lines{"0 arm 100 200", "0 request INVITE", "10 cancel 100", "10 send 180",
                     "1000 request CANCEL", "1001 send 200", "1001 arm J 33001", "1001 send 487",
                     "1001 arm G 1501", "1001 arm H 33001"}));

    std::string other = cancel;
    other.replace(other.find("z9hG4bK74bf9"), 12, "z9hG4bKnone0");
    h.receive(other, 2000);
    EXPECT_FALSE(h.recorder.related.valid());
}

// 17.2.3: with an RFC 3261 branch, the sent-by of the top Via is part of the match.
TEST(ServerTransactionMatching, SameBranchFromAnotherSentByIsAnotherTransaction) {
    Harness h;
    const std::string bye = rfc3665("f5_bye");
    h.receive(bye, 0);
    const TxnHandle first = h.recorder.last_request;
    std::string other = bye;
    other.replace(other.find("client.biloxi.example.com:5060"), 30,
                  "CLIENT.biloxi.example.com:5070");
    EXPECT_EQ(h.receive(other, 10), TxnDisposition::kNewTransaction);
    EXPECT_NE(h.recorder.last_request, first);
    other.replace(other.find(":5070"), 5, ":5060");  // host case does not matter
    EXPECT_EQ(h.receive(other, 20), TxnDisposition::kAbsorbed);
}

// 17.2.3, RFC 2543 fallback (no magic cookie): INVITE matched on Request-URI, To tag, From tag,
// Call-ID, CSeq and top Via; "the ACK request matches a transaction if the Request-URI, From tag,
// Call-ID, CSeq number (not the method), and top Via header field match those of the INVITE
// request which created the transaction, and the To tag of the ACK matches the To tag of the
// response sent by the server transaction."
TEST(ServerTransactionMatching, FallsBackToRfc2543Matching) {
    Harness h;
    std::string invite = rfc3665("f1_invite");
    invite.replace(invite.find(";branch=z9hG4bK74bf9"), 20, "");
    EXPECT_EQ(h.receive(invite, 0), TxnDisposition::kNewTransaction);
    const TxnHandle t = h.recorder.last_request;
    EXPECT_EQ(h.receive(invite, 500), TxnDisposition::kAbsorbed);
    const std::string cancel = make_cancel(*SipMessageView::parse(invite)).serialize();
    h.receive(cancel, 600);
    EXPECT_EQ(h.recorder.related, t);
    const std::string busy = respond_to(invite, 486);
    respond(h, t, busy, 1000);
    std::string wrong_tag = ack_for(invite, busy);
    wrong_tag.replace(wrong_tag.find("tag=8321234356"), 14, "tag=1111111111");
    EXPECT_EQ(h.receive(wrong_tag, 1100), TxnDisposition::kStray);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kCompleted);
    EXPECT_EQ(h.receive(ack_for(invite, busy), 1200), TxnDisposition::kMatched);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kConfirmed);
    // Another Call-ID is another transaction.
    std::string other = invite;
    other.replace(other.find("3848276298220188511"), 5, "99999");
    EXPECT_EQ(h.receive(other, 1300), TxnDisposition::kNewTransaction);
}

// 17.2.4: a failed send of a response is reported to the TU and ends the transaction; respond()
// on a gone or client transaction is refused.
TEST(ServerTransactionErrors, TransportErrorAndRefusedResponses) {
    Harness h;
    const std::string bye = rfc3665("f5_bye");
    h.receive(bye, 0);
    const TxnHandle t = h.recorder.last_request;
    h.layer.on_transport_error(t, at_ms(5), h.timers);
    EXPECT_EQ(h.run_until(10), (Lines{"0 request BYE", "0 transport-error", "0 terminated"}));
    EXPECT_EQ(
        h.layer.respond(t, std::string_view(respond_to(bye, 200)), at_ms(10), h.timers).error(),
        TxnError::kNoTransaction);
    auto client =
        h.layer.start_client(std::string_view(rfc3665("f1_invite")), peer(), at_ms(10), h.timers);
    ASSERT_TRUE(client.has_value());
    EXPECT_EQ(h.layer.respond(*client, std::string_view(respond_to(bye, 200)), at_ms(10), h.timers)
                  .error(),
              TxnError::kWrongKind);
    h.receive(bye, 20);
    EXPECT_EQ(h.layer.respond(h.recorder.last_request, std::string_view(bye), at_ms(20), h.timers)
                  .error(),
              TxnError::kWrongKind);
    EXPECT_EQ(
        h.layer.respond(h.recorder.last_request, std::string_view("junk"), at_ms(20), h.timers)
            .error(),
        TxnError::kBadMessage);
}

// A request without a usable top Via or CSeq cannot be matched: dropped and counted.
TEST(ServerTransactionErrors, UnmatchableRequestIsDropped) {
    Harness h;
    std::string bye = rfc3665("f5_bye");
    bye.erase(bye.find("CSeq: 1 BYE\r\n"), 13);
    auto view = SipMessageView::parse(bye);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(h.layer.on_message(*view, peer(), {}, h.timers), TxnDisposition::kDropped);
    EXPECT_EQ(h.layer.counters().dropped_unmatchable, 1u);
    EXPECT_TRUE(h.recorder.lines.empty());
}

}  // namespace
}  // namespace rtpx::sip::test
