// Client transactions (RFC 3261 17.1, RFC 6026 7.2) in virtual time, with RFC 3665 3.1 messages:
// the exact retransmission schedule of timers A and E, the B/F timeouts at 64*T1, D and K, ACK for
// non-2xx, the Accepted state and timer M, response matching (17.1.3) and transport errors.
#include <gtest/gtest.h>

#include "rtpx/sip/builder.hpp"
#include "transaction_support.hpp"

namespace rtpx::sip::test {
namespace {

using Lines = std::vector<std::string>;

// A response to the F1 INVITE with another status (the F2 180 with its status line replaced).
std::string invite_response(std::uint16_t status, bool udp = true) {
    std::string r = rfc3665("f2_180", udp);
    const std::string line = "SIP/2.0 " + std::to_string(status) + " " +
                             std::string(reason_phrase_or_class(status)) + "\r\n";
    return line + r.substr(r.find("\r\n") + 2);
}

TxnHandle start(Harness& h, const std::string& request, TxnTransport t = TxnTransport::kUdp) {
    auto handle =
        h.layer.start_client(std::string_view(request), peer(t), h.timers.now(), h.timers);
    EXPECT_TRUE(handle.has_value());
    return handle.value_or(TxnHandle{});
}

// 17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start timer A
// with a value of T1 ... When timer A fires, the client transaction MUST retransmit the request by
// passing it to the transport layer, and MUST reset the timer with a value of 2*T1 ... If the
// client transaction is still in the "Calling" state when timer B fires, the client transaction
// SHOULD inform the TU that a timeout has occurred." Timer B = 64*T1.
TEST(InviteClientTransaction, RetransmitsWithTimerADoublingUntilTimerB) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite"));
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kCalling);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 send INVITE", "0 arm A 500", "0 arm B 32000", "500 send INVITE",
                     "500 arm A 1500", "1500 send INVITE", "1500 arm A 3500", "3500 send INVITE",
                     "3500 arm A 7500", "7500 send INVITE", "7500 arm A 15500", "15500 send INVITE",
                     "15500 arm A 31500", "31500 send INVITE", "31500 arm A 63500",
                     "32000 timeout B", "32000 cancel A", "32000 terminated"}));
    EXPECT_FALSE(h.layer.alive(t));
    EXPECT_EQ(h.layer.state(t).error(), TxnError::kNoTransaction);
    EXPECT_EQ(h.layer.counters().retransmissions, 6u);
    EXPECT_EQ(h.layer.counters().timeouts, 1u);
}

// 17.1.1.2: timer A only on unreliable transports; B in every case.
TEST(InviteClientTransaction, ReliableTransportUsesOnlyTimerB) {
    Harness h;
    start(h, rfc3665("f1_invite", false), TxnTransport::kTcp);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 send INVITE", "0 arm B 32000", "32000 timeout B", "32000 terminated"}));
}

// "If the client transaction receives a provisional response while in the "Calling" state, it
// transitions to the "Proceeding" state ... the client transaction SHOULD NOT retransmit the
// request any longer." Every provisional response goes to the TU.
TEST(InviteClientTransaction, ProvisionalResponseStopsRetransmissions) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite"));
    h.run_until(0);
    EXPECT_EQ(h.receive(rfc3665("f2_180"), 700), TxnDisposition::kMatched);
    EXPECT_EQ(h.receive(rfc3665("f2_180"), 800), TxnDisposition::kMatched);
    EXPECT_EQ(h.run_until(100000), (Lines{"500 send INVITE", "500 arm A 1500", "700 cancel A",
                                          "700 cancel B", "700 response 180", "800 response 180"}));
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kProceeding);
}

// 17.1.1.2/17.1.1.3: a 300-699 response is ACKed by the transaction (same branch, To of the
// response, CSeq method ACK), passed up once, and timer D (>= 32 s) absorbs retransmissions, each
// of which is ACKed again.
TEST(InviteClientTransaction, AcksNonSuccessFinalResponseAndAbsorbsRetransmissions) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite"));
    h.run_until(0);
    h.receive(rfc3665("f2_180"), 100);
    h.run_until(100);
    EXPECT_EQ(h.receive(invite_response(486), 2000), TxnDisposition::kMatched);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kCompleted);
    EXPECT_EQ(h.run_until(2000), (Lines{"2000 send ACK", "2000 response 486", "2000 arm D 34000"}));
    const std::string ack = h.recorder.sent.back();
    auto view = SipMessageView::parse(ack);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->request_uri_text(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(view->top_via()->branch(), "z9hG4bK74bf9");
    EXPECT_EQ(view->to()->tag(), "8321234356");
    EXPECT_EQ(view->cseq()->seq, 1u);
    EXPECT_EQ(view->cseq()->method, Method::kAck);
    EXPECT_EQ(*view->call_id(), "3848276298220188511@atlanta.example.com");

    EXPECT_EQ(h.receive(invite_response(486), 2500), TxnDisposition::kAbsorbed);
    EXPECT_EQ(h.run_until(40000), (Lines{"2500 send ACK", "34000 terminated"}));
    EXPECT_EQ(h.recorder.sent.back(), ack);
    EXPECT_FALSE(h.layer.alive(t));
    EXPECT_EQ(h.layer.counters().responses_absorbed, 1u);
}

// 17.1.1.2: timer D is zero on reliable transports: the transaction ends with the ACK.
TEST(InviteClientTransaction, ReliableTransportTerminatesAfterTheAck) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite", false), TxnTransport::kTcp);
    h.run_until(0);
    h.receive(invite_response(603, false), 300, peer(TxnTransport::kTcp));
    EXPECT_EQ(h.run_until(300),
              (Lines{"300 cancel B", "300 send ACK", "300 response 603", "300 terminated"}));
    EXPECT_FALSE(h.layer.alive(t));
}

// RFC 6026 7.2: a 2xx moves the transaction to Accepted with timer M = 64*T1; every 2xx received
// there goes to the TU (which ACKs it); after M the transaction is gone and a 2xx is the core's.
TEST(InviteClientTransaction, SuccessResponseMovesToAcceptedUntilTimerM) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite"));
    h.run_until(0);
    h.receive(rfc3665("f3_200"), 1000);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kAccepted);
    h.receive(rfc3665("f3_200"), 1600);
    EXPECT_EQ(h.run_until(40000), (Lines{"500 send INVITE", "500 arm A 1500", "1000 cancel A",
                                         "1000 cancel B", "1000 response 200", "1000 arm M 33000",
                                         "1600 response 200", "33000 terminated"}));
    EXPECT_EQ(h.receive(rfc3665("f3_200"), 40000), TxnDisposition::kStray);
    EXPECT_EQ(h.run_until(40000), (Lines{"40000 stray-response 200"}));
}

// 17.1.2.2: "timer E ... with a value of T1 ... If timer E fires while still in this state, the
// timer is reset, but this time with a value of MIN(2*T1, T2) ... 4*T1 ... T2": sends at 0, 0.5,
// 1.5, 3.5, 7.5, 11.5 ... 31.5 s; timer F at 64*T1.
TEST(NonInviteClientTransaction, RetransmitsWithTimerECappedAtT2UntilTimerF) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f5_bye"));
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kTrying);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 send BYE",        "0 arm E 500",     "0 arm F 32000",     "500 send BYE",
                     "500 arm E 1500",    "1500 send BYE",   "1500 arm E 3500",   "3500 send BYE",
                     "3500 arm E 7500",   "7500 send BYE",   "7500 arm E 11500",  "11500 send BYE",
                     "11500 arm E 15500", "15500 send BYE",  "15500 arm E 19500", "19500 send BYE",
                     "19500 arm E 23500", "23500 send BYE",  "23500 arm E 27500", "27500 send BYE",
                     "27500 arm E 31500", "31500 send BYE",  "31500 arm E 35500", "32000 timeout F",
                     "32000 cancel E",    "32000 terminated"}));
    EXPECT_EQ(h.layer.counters().retransmissions, 10u);
}

// 17.1.2.2: "If Timer E fires while in the "Proceeding" state, the request MUST be passed to the
// transport layer for retransmission, and Timer E MUST be reset with a value of T2 seconds."
TEST(NonInviteClientTransaction, ProceedingRetransmitsEveryT2) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f5_bye"));
    h.run_until(0);
    const std::string trying = [] {
        std::string r = rfc3665("f6_200_bye");
        return "SIP/2.0 100 Trying\r\n" + r.substr(r.find("\r\n") + 2);
    }();
    h.receive(trying, 600);
    EXPECT_EQ(h.layer.state(t).value(), TxnState::kProceeding);
    EXPECT_EQ(h.run_until(10000), (Lines{"500 send BYE", "500 arm E 1500", "600 response 100",
                                         "1500 send BYE", "1500 arm E 5500", "5500 send BYE",
                                         "5500 arm E 9500", "9500 send BYE", "9500 arm E 13500"}));
}

// 17.1.2.2: a final response goes up once; timer K = T4 absorbs retransmissions (zero on reliable).
TEST(NonInviteClientTransaction, FinalResponseStartsTimerK) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f5_bye"));
    h.run_until(0);
    EXPECT_EQ(h.receive(rfc3665("f6_200_bye"), 200), TxnDisposition::kMatched);
    EXPECT_EQ(h.receive(rfc3665("f6_200_bye"), 700), TxnDisposition::kAbsorbed);
    EXPECT_EQ(h.run_until(10000), (Lines{"200 cancel E", "200 cancel F", "200 response 200",
                                         "200 arm K 5200", "5200 terminated"}));
    EXPECT_FALSE(h.layer.alive(t));

    Harness r;
    start(r, rfc3665("f5_bye", false), TxnTransport::kTcp);
    r.run_until(0);
    r.receive(rfc3665("f6_200_bye", false), 200, peer(TxnTransport::kTcp));
    EXPECT_EQ(r.run_until(10000), (Lines{"200 cancel F", "200 response 200", "200 terminated"}));
}

// T1, T2, T4 are configuration: T1 = 100 ms, T2 = 300 ms, T4 = 1 s.
TEST(NonInviteClientTransaction, FollowsConfiguredT1T2T4) {
    TransactionConfig c = small_config();
    c.timers.t1 = TxnDuration(100);
    c.timers.t2 = TxnDuration(300);
    c.timers.t4 = TxnDuration(1000);
    Harness h(c);
    start(h, rfc3665("f5_bye"));
    h.run_until(0);
    h.receive(rfc3665("f6_200_bye"), 900);
    EXPECT_EQ(
        h.run_until(10000),
        (Lines{"100 send BYE", "100 arm E 300", "300 send BYE", "300 arm E 600", "600 send BYE",
               "600 arm E 900", "900 send BYE", "900 arm E 1200", "900 cancel E", "900 cancel F",
               "900 response 200", "900 arm K 1900", "1900 terminated"}));
}

// 17.1.3: a response matches by the branch of its top Via AND its CSeq method, so the 200 to a
// CANCEL and the 487 to the INVITE it cancels (same branch, 9.1) reach their own transactions.
TEST(ClientTransactionMatching, SeparatesInviteAndCancelWithTheSameBranch) {
    Harness h;
    const std::string invite = rfc3665("f1_invite");
    const TxnHandle inv = start(h, invite);
    h.receive(rfc3665("f2_180"), 100);
    const std::string cancel = make_cancel(*SipMessageView::parse(invite)).serialize();
    const TxnHandle can = start(h, cancel);
    EXPECT_NE(inv, can);
    h.run_until(100);
    auto cancel_view = SipMessageView::parse(cancel);
    const std::string ok = make_response(*cancel_view, 200, {}, "8321234356").serialize();
    h.receive(ok, 200);
    EXPECT_EQ(h.layer.state(can).value(), TxnState::kCompleted);
    EXPECT_EQ(h.layer.state(inv).value(), TxnState::kProceeding);
    h.receive(invite_response(487), 250);
    EXPECT_EQ(h.layer.state(inv).value(), TxnState::kCompleted);
    EXPECT_EQ(h.run_until(250),
              (Lines{"200 cancel E", "200 cancel F", "200 response 200", "200 arm K 5200",
                     "250 send ACK", "250 response 487", "250 arm D 32250"}));
    // A branch nobody sent: the core's.
    std::string other = rfc3665("f2_180");
    other.replace(other.find("z9hG4bK74bf9"), 12, "z9hG4bKother");
    EXPECT_EQ(h.receive(other, 300), TxnDisposition::kStray);
    EXPECT_EQ(h.layer.counters().stray_responses, 1u);
}

// 8.1.3.1 / 17.1.4: a transport error is reported to the TU and ends the transaction; a timer
// that fires afterwards is ignored.
TEST(ClientTransactionErrors, TransportErrorIsReportedAndLateTimersIgnored) {
    Harness h;
    const TxnHandle t = start(h, rfc3665("f1_invite"));
    h.run_until(0);
    h.layer.on_transport_error(t, at_ms(10), h.timers);
    EXPECT_EQ(h.run_until(40000),
              (Lines{"0 transport-error", "0 cancel A", "0 cancel B", "0 terminated"}));
    h.layer.on_timer(t, TimerName::kA, at_ms(500), h.timers);
    h.layer.on_transport_error(t, at_ms(500), h.timers);
    EXPECT_TRUE(h.run_until(40000).empty());
    EXPECT_EQ(h.layer.counters().late_timers, 1u);
    EXPECT_EQ(h.layer.counters().transport_errors, 1u);
}

TEST(ClientTransactionErrors, StartRefusesWhatCannotBeATransaction) {
    TransactionConfig c;
    c.capacity = 2;
    Harness h(c);
    auto& l = h.layer;
    EXPECT_EQ(l.start_client(std::string_view(rfc3665("f4_ack")), peer(), {}, h.timers).error(),
              TxnError::kWrongKind);
    EXPECT_EQ(l.start_client(std::string_view(rfc3665("f2_180")), peer(), {}, h.timers).error(),
              TxnError::kWrongKind);
    std::string old = rfc3665("f5_bye");
    old.replace(old.find("z9hG4bK"), 7, "abcdefg");
    EXPECT_EQ(l.start_client(std::string_view(old), peer(), {}, h.timers).error(),
              TxnError::kBadMessage);
    EXPECT_EQ(l.start_client(std::string_view("garbage"), peer(), {}, h.timers).error(),
              TxnError::kBadMessage);
    ASSERT_TRUE(l.start_client(std::string_view(rfc3665("f5_bye")), peer(), {}, h.timers));
    EXPECT_EQ(l.start_client(std::string_view(rfc3665("f5_bye")), peer(), {}, h.timers).error(),
              TxnError::kDuplicate);
    ASSERT_TRUE(l.start_client(std::string_view(rfc3665("f1_invite")), peer(), {}, h.timers));
    const std::string cancel =
        make_cancel(*SipMessageView::parse(rfc3665("f1_invite"))).serialize();
    EXPECT_EQ(l.start_client(std::string_view(cancel), peer(), {}, h.timers).error(),
              TxnError::kTableFull);
    EXPECT_EQ(l.size(), 2u);
}

// The owned-message entry point serialises the request into the transaction.
TEST(ClientTransactionErrors, StartsFromAnOwnedMessage) {
    Harness h;
    RequestSpec spec;
    spec.method = "OPTIONS";
    spec.request_uri = "sip:bob@biloxi.example.com";
    spec.from = "<sip:alice@atlanta.example.com>";
    spec.to = "<sip:bob@biloxi.example.com>";
    spec.via_sent_by = "client.atlanta.example.com:5060";
    const SipMessage options = make_request(spec);
    auto t = h.layer.start_client(options, peer(), {}, h.timers);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(h.layer.kind(*t).value(), TxnKind::kNonInviteClient);
    EXPECT_EQ(h.recorder.sent.back(), options.serialize());
}

}  // namespace
}  // namespace rtpx::sip::test
