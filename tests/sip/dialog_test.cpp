// Dialog layer (RFC 3261 12, 13.2.2.4, 14): UAC and UAS dialogs from the RFC 3665 3.1 basic call
// flow, forking, route sets (loose and strict routing), remote CSeq checks, target refresh, glare.
#include <gtest/gtest.h>

#include <string>

#include "rtpx/sip/dialog/dialog.hpp"
#include "rtpx/sip/dialog/invite_forks.hpp"
#include "rtpx/sip/message.hpp"

namespace rtpx::sip {
namespace {

SipMessageView parse_or_die(const std::string& bytes) {
    auto v = SipMessageView::parse(bytes);
    EXPECT_TRUE(v) << (v ? "" : v.error().what) << "\n" << bytes;
    return *v;
}

// RFC 3665 3.1 "Successful Session Establishment", F1 INVITE Alice -> Bob (SDP omitted).
const std::string kF1Invite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
    "Max-Forwards: 70\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// F2 180 Ringing Bob -> Alice.
const std::string kF2Ringing =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// F3 200 OK Bob -> Alice (SDP omitted).
const std::string kF3Ok =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:bob@client.biloxi.example.com;transport=tcp>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

std::string with_branch(const SipMessage& m, std::string_view branch) {
    SipMessage copy = m;
    SipHeader* via = copy.find(HeaderId::kVia);
    const std::size_t b = via->value.find(";branch=") + 8;
    via->value.replace(b,
                       via->value.find_first_of(";", b) == std::string::npos
                           ? std::string::npos
                           : via->value.find_first_of(";", b) - b,
                       branch);
    return copy.serialize();
}

TEST(DialogUac, Rfc3665BasicCallEarlyThenConfirmedThenAckAndBye) {
    const SipMessage invite = SipMessage::from_view(parse_or_die(kF1Invite));
    InviteForks forks(invite);

    auto ringing = parse_or_die(kF2Ringing);
    ForkResult r = forks.on_response(ringing);
    ASSERT_EQ(r.event, ForkEvent::kEarlyCreated);
    Dialog& d = *r.dialog;
    EXPECT_EQ(d.state(), DialogState::kEarly);
    EXPECT_EQ(d.role(), DialogRole::kUac);
    EXPECT_EQ(d.id(),
              (DialogId{"3848276298220188511@atlanta.example.com", "9fxced76sl", "8321234356"}));
    EXPECT_EQ(d.remote_target(), "sip:bob@client.biloxi.example.com;transport=tcp");
    EXPECT_TRUE(d.route_set().empty());
    EXPECT_EQ(d.local_cseq(), 1U);
    EXPECT_FALSE(d.remote_cseq());
    EXPECT_FALSE(d.secure());
    EXPECT_EQ(d.local_uri(), "Alice <sip:alice@atlanta.example.com>");
    EXPECT_EQ(d.remote_uri(), "Bob <sip:bob@biloxi.example.com>");

    r = forks.on_response(parse_or_die(kF3Ok));
    ASSERT_EQ(r.event, ForkEvent::kConfirmed);
    EXPECT_EQ(r.dialog, &d);
    EXPECT_EQ(d.state(), DialogState::kConfirmed);
    EXPECT_EQ(forks.on_response(parse_or_die(kF3Ok)).event, ForkEvent::kRetransmitted2xx);

    // F4 ACK Alice -> Bob: a new transaction (the RFC shows branch z9hG4bK74bd5).
    const ViaSpec alice_via{"TCP", "client.atlanta.example.com:5060", false};
    const SipMessage ack = d.make_ack(1, alice_via);
    EXPECT_EQ(with_branch(ack, "z9hG4bK74bd5"),
              "ACK sip:bob@client.biloxi.example.com;transport=tcp SIP/2.0\r\n"
              "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bd5\r\n"
              "Max-Forwards: 70\r\n"
              "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
              "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
              "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
              "CSeq: 1 ACK\r\n"
              "Content-Length: 0\r\n"
              "\r\n");
    EXPECT_NE(ack.value(HeaderId::kVia).find(";branch=z9hG4bK"), std::string::npos);
    EXPECT_EQ(ack.value(HeaderId::kVia).find("z9hG4bK74bf9"), std::string::npos);
    EXPECT_EQ(d.local_cseq(), 1U);  // ACK does not consume a CSeq

    // Alice hangs up instead (the RFC has Bob do it; see DialogUas below): CSeq 2 BYE.
    const SipMessage bye = d.make_request("BYE", alice_via);
    EXPECT_EQ(bye.method, "BYE");
    EXPECT_EQ(bye.request_uri, "sip:bob@client.biloxi.example.com;transport=tcp");
    EXPECT_EQ(bye.value(HeaderId::kCSeq), "2 BYE");
    EXPECT_EQ(bye.value(HeaderId::kTo), "Bob <sip:bob@biloxi.example.com>;tag=8321234356");
    EXPECT_EQ(bye.value(HeaderId::kFrom), "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl");
    EXPECT_EQ(bye.count(HeaderId::kContact), 0U);
    EXPECT_EQ(bye.count(HeaderId::kRoute), 0U);
    EXPECT_EQ(d.local_cseq(), 2U);
}

TEST(DialogUas, Rfc3665BasicCallBobSendsF5Bye) {
    auto invite = parse_or_die(kF1Invite);
    auto created =
        Dialog::create_uas(invite, "8321234356", "sip:bob@client.biloxi.example.com;transport=tcp",
                           DialogState::kEarly);
    ASSERT_TRUE(created);
    Dialog d = std::move(*created);
    EXPECT_EQ(d.role(), DialogRole::kUas);
    EXPECT_EQ(d.id(),
              (DialogId{"3848276298220188511@atlanta.example.com", "8321234356", "9fxced76sl"}));
    EXPECT_EQ(d.remote_cseq(), 1U);
    EXPECT_FALSE(d.local_cseq());
    EXPECT_EQ(d.remote_target(), "sip:alice@client.atlanta.example.com;transport=tcp");
    d.confirm();
    EXPECT_EQ(d.state(), DialogState::kConfirmed);

    // F5 BYE Bob -> Alice. RFC 3665 writes the Request-URI without ";transport=tcp"; RFC 3261
    // 12.2.1.1 makes it the remote target, the Contact URI of F1, which has it.
    const SipMessage bye =
        d.make_request("BYE", ViaSpec{"TCP", "client.biloxi.example.com:5060", false});
    EXPECT_EQ(with_branch(bye, "z9hG4bKnashds7"),
              "BYE sip:alice@client.atlanta.example.com;transport=tcp SIP/2.0\r\n"
              "Via: SIP/2.0/TCP client.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n"
              "Max-Forwards: 70\r\n"
              "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
              "From: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
              "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
              "CSeq: 1 BYE\r\n"
              "Content-Length: 0\r\n"
              "\r\n");
    // The UAC's view of that BYE matches its dialog.
    const SipMessage alice_invite = SipMessage::from_view(invite);
    auto alice = Dialog::create_uac(alice_invite, parse_or_die(kF3Ok));
    ASSERT_TRUE(alice);
    const std::string bye_bytes = bye.serialize();
    auto bye_view = parse_or_die(bye_bytes);
    EXPECT_TRUE(alice->matches_request(bye_view));
    EXPECT_FALSE(d.matches_request(bye_view));
    EXPECT_TRUE(alice->on_request(bye_view).accepted());
    EXPECT_EQ(alice->remote_cseq(), 1U);
    EXPECT_EQ(alice->state(), DialogState::kTerminated);
}

std::string response_with(std::string_view status_line, std::string_view to_tag,
                          std::string_view extra = {}) {
    std::string r(status_line);
    r += "\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n"
         "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
         "To: Bob <sip:bob@biloxi.com>";
    if (!to_tag.empty()) r.append(";tag=").append(to_tag);
    r += "\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\n";
    r += extra;
    r += "Content-Length: 0\r\n\r\n";
    return r;
}

const std::string kForkedInvite =
    "INVITE sips:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/TLS pc33.atlanta.com;branch=z9hG4bKnashds8\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sips:alice@pc33.atlanta.com>\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(DialogForking, TwoEarlyDialogsFirst2xxWinsSecond2xxIsReportedForAckAndBye) {
    InviteForks forks(SipMessage::from_view(parse_or_die(kForkedInvite)));
    EXPECT_EQ(forks.on_response(parse_or_die(response_with("SIP/2.0 100 Trying", ""))).event,
              ForkEvent::kIgnored);
    const std::string b1_180 =
        response_with("SIP/2.0 180 Ringing", "b1", "Contact: <sips:bob@b1.biloxi.com>\r\n");
    const std::string b2_183 = response_with("SIP/2.0 183 Session Progress", "b2",
                                             "Contact: <sips:bob@b2.biloxi.com>\r\n");
    ForkResult r1 = forks.on_response(parse_or_die(b1_180));
    ForkResult r2 = forks.on_response(parse_or_die(b2_183));
    ASSERT_EQ(r1.event, ForkEvent::kEarlyCreated);
    ASSERT_EQ(r2.event, ForkEvent::kEarlyCreated);
    EXPECT_NE(r1.dialog, r2.dialog);
    EXPECT_EQ(forks.early_count(), 2U);
    EXPECT_TRUE(r1.dialog->secure());  // sips Request-URI
    EXPECT_EQ(forks.on_response(parse_or_die(b1_180)).event, ForkEvent::kEarlyUpdated);

    // b2 answers first.
    ForkResult ok2 = forks.on_response(parse_or_die(
        response_with("SIP/2.0 200 OK", "b2", "Contact: <sips:bob@b2-final.biloxi.com>\r\n")));
    ASSERT_EQ(ok2.event, ForkEvent::kConfirmed);
    EXPECT_EQ(ok2.dialog, r2.dialog);
    EXPECT_EQ(ok2.dialog->remote_target(), "sips:bob@b2-final.biloxi.com");
    EXPECT_EQ(forks.confirmed(), r2.dialog);
    EXPECT_EQ(r1.dialog->state(), DialogState::kEarly);

    // b1's 2xx arrives too: a second confirmed dialog the TU must ACK and BYE.
    ForkResult ok1 = forks.on_response(parse_or_die(
        response_with("SIP/2.0 200 OK", "b1", "Contact: <sips:bob@b1.biloxi.com>\r\n")));
    ASSERT_EQ(ok1.event, ForkEvent::kAdditional2xx);
    EXPECT_EQ(ok1.dialog, r1.dialog);
    EXPECT_EQ(ok1.dialog->state(), DialogState::kConfirmed);
    const ViaSpec via{"TLS", "pc33.atlanta.com", false};
    const SipMessage ack = ok1.dialog->make_ack(314159, via);
    EXPECT_EQ(ack.request_uri, "sips:bob@b1.biloxi.com");
    EXPECT_EQ(ack.value(HeaderId::kTo), "Bob <sip:bob@biloxi.com>;tag=b1");
    EXPECT_EQ(ack.value(HeaderId::kCSeq), "314159 ACK");
    const SipMessage bye = ok1.dialog->make_request("BYE", via);
    EXPECT_EQ(bye.value(HeaderId::kCSeq), "314160 BYE");
    EXPECT_EQ(bye.value(HeaderId::kTo), "Bob <sip:bob@biloxi.com>;tag=b1");
    // A third fork that only ever rang is terminated when the transaction ends.
    const std::string b3_180 = response_with("SIP/2.0 180 Ringing", "b3");
    Dialog* b3 = forks.on_response(parse_or_die(b3_180)).dialog;
    ASSERT_NE(b3, nullptr);
    forks.finish();
    EXPECT_EQ(b3->state(), DialogState::kTerminated);
    EXPECT_EQ(forks.confirmed()->state(), DialogState::kConfirmed);
}

TEST(DialogForking, NonSuccessFinalTerminatesEveryEarlyDialog) {
    InviteForks forks(SipMessage::from_view(parse_or_die(kForkedInvite)));
    Dialog* a = forks.on_response(parse_or_die(response_with("SIP/2.0 180 Ringing", "x1"))).dialog;
    Dialog* b = forks.on_response(parse_or_die(response_with("SIP/2.0 180 Ringing", "x2"))).dialog;
    ASSERT_TRUE(a && b);
    EXPECT_EQ(forks.on_response(parse_or_die(response_with("SIP/2.0 486 Busy Here", "x2"))).event,
              ForkEvent::kFailed);
    EXPECT_EQ(a->state(), DialogState::kTerminated);
    EXPECT_EQ(b->state(), DialogState::kTerminated);
    EXPECT_EQ(forks.confirmed(), nullptr);
}

TEST(DialogUac, RejectsResponsesThatCreateNoDialog) {
    const SipMessage invite = SipMessage::from_view(parse_or_die(kForkedInvite));
    auto no_tag =
        Dialog::create_uac(invite, parse_or_die(response_with("SIP/2.0 180 Ringing", "")));
    ASSERT_FALSE(no_tag);
    EXPECT_EQ(no_tag.error().code, DialogErrc::kMissingTag);
    auto trying =
        Dialog::create_uac(invite, parse_or_die(response_with("SIP/2.0 100 Trying", "t")));
    ASSERT_FALSE(trying);
    EXPECT_EQ(trying.error().code, DialogErrc::kNotDialogCreating);
    auto busy =
        Dialog::create_uac(invite, parse_or_die(response_with("SIP/2.0 486 Busy Here", "t")));
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, DialogErrc::kNotDialogCreating);
}

// Record-Route as a UAC sees it in the 2xx (RFC 3261 16.12.1.1 style: the proxy nearest the UAS
// first). The UAC's route set is the reverse.
TEST(DialogRouteSet, UacReversesRecordRouteAndUsesLooseRouting) {
    const SipMessage invite = SipMessage::from_view(parse_or_die(kForkedInvite));
    auto d = Dialog::create_uac(
        invite, parse_or_die(response_with(
                    "SIP/2.0 200 OK", "rr",
                    "Record-Route: <sip:p2.biloxi.com;lr>, <sip:p1.atlanta.com;lr>\r\n"
                    "Record-Route: <sip:p0.atlanta.com;lr>\r\n"
                    "Contact: <sip:bob@192.0.2.4>\r\n")));
    ASSERT_TRUE(d);
    ASSERT_EQ(d->route_set().size(), 3U);
    EXPECT_EQ(d->route_set()[0], "<sip:p0.atlanta.com;lr>");
    EXPECT_EQ(d->route_set()[2], "<sip:p2.biloxi.com;lr>");
    const SipMessage bye = d->make_request("BYE", ViaSpec{"UDP", "pc33.atlanta.com", false});
    EXPECT_EQ(bye.request_uri, "sip:bob@192.0.2.4");
    ASSERT_EQ(bye.count(HeaderId::kRoute), 3U);
    EXPECT_EQ(bye.headers[2].name, "Route");  // after Via and Max-Forwards
    EXPECT_EQ(bye.headers[2].value, "<sip:p0.atlanta.com;lr>");
    EXPECT_EQ(bye.headers[4].value, "<sip:p2.biloxi.com;lr>");
}

TEST(DialogRouteSet, StrictRouterBecomesRequestUriAndRemoteTargetGoesLast) {
    // RFC 3261 12.2.1.1's example: route set <sip:proxy1>, <sip:proxy2>, ..., remote target
    // sip:user@remoteua; proxy1 a strict router.
    const SipMessage invite = SipMessage::from_view(parse_or_die(kForkedInvite));
    auto d = Dialog::create_uac(
        invite, parse_or_die(response_with(
                    "SIP/2.0 200 OK", "sr",
                    "Record-Route: <sip:proxy4>, <sip:proxy3;lr>, <sip:proxy2>, <sip:proxy1>\r\n"
                    "Contact: <sip:user@remoteua>\r\n")));
    ASSERT_TRUE(d);
    const SipMessage req = d->make_request("INFO", ViaSpec{"UDP", "pc33.atlanta.com", false});
    EXPECT_EQ(req.request_uri, "sip:proxy1");
    std::vector<std::string> routes;
    for (const auto& h : req.headers) {
        if (h.name == "Route") routes.push_back(h.value);
    }
    EXPECT_EQ(routes, (std::vector<std::string>{"<sip:proxy2>", "<sip:proxy3;lr>", "<sip:proxy4>",
                                                "<sip:user@remoteua>"}));
    // The ACK routes the same way.
    EXPECT_EQ(d->make_ack(314159, ViaSpec{"UDP", "h", false}).request_uri, "sip:proxy1");
}

const std::string kUasInvite =
    "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP p1.atlanta.com;branch=z9hG4bKp1\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n"
    "Record-Route: <sip:p1.atlanta.com;lr>\r\n"
    "Max-Forwards: 69\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
    "Content-Length: 0\r\n\r\n";

std::string in_dialog(std::string_view method, std::uint32_t cseq, std::string_view extra = {}) {
    std::string r(method);
    r += " sip:bob@192.0.2.4 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK" +
         std::to_string(cseq) + std::string(method) +
         "\r\nMax-Forwards: 70\r\n"
         "To: Bob <sip:bob@biloxi.com>;tag=bobtag\r\n"
         "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710\r\n"
         "CSeq: " +
         std::to_string(cseq) + " " + std::string(method) + "\r\n";
    r += extra;
    r += "Content-Length: 0\r\n\r\n";
    return r;
}

Dialog bob_dialog() {
    auto d = Dialog::create_uas(SipMessageView::parse(kUasInvite).value(), "bobtag",
                                "sip:bob@192.0.2.4", DialogState::kConfirmed);
    EXPECT_TRUE(d);
    d->remote_invite_finished();
    return std::move(*d);
}

TEST(DialogUas, RouteSetInRecordRouteOrderAndRemoteCSeqChecks) {
    Dialog d = bob_dialog();
    EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:p1.atlanta.com;lr>"}));
    EXPECT_EQ(d.remote_cseq(), 10U);

    const std::string lower = in_dialog("INFO", 9);
    InDialogCheck c = d.on_request(parse_or_die(lower));
    EXPECT_EQ(c.status, 500);
    EXPECT_EQ(d.remote_cseq(), 10U);
    EXPECT_EQ(d.on_request(parse_or_die(in_dialog("INFO", 10))).status, 500);
    EXPECT_TRUE(d.on_request(parse_or_die(in_dialog("INFO", 11))).accepted());
    EXPECT_TRUE(d.on_request(parse_or_die(in_dialog("INFO", 20))).accepted());  // gaps allowed
    EXPECT_EQ(d.remote_cseq(), 20U);
    EXPECT_TRUE(d.on_request(parse_or_die(in_dialog("ACK", 10))).accepted());  // ACK keeps its CSeq
    EXPECT_EQ(d.remote_cseq(), 20U);

    // Target refresh by UPDATE (RFC 3311) and by re-INVITE.
    EXPECT_TRUE(
        d.on_request(parse_or_die(in_dialog("UPDATE", 21, "Contact: <sip:alice@198.51.100.7>\r\n")))
            .accepted());
    EXPECT_EQ(d.remote_target(), "sip:alice@198.51.100.7");
    EXPECT_TRUE(
        d.on_request(parse_or_die(in_dialog("INVITE", 22, "Contact: <sip:alice@198.51.100.8>\r\n")))
            .accepted());
    EXPECT_EQ(d.remote_target(), "sip:alice@198.51.100.8");
    // A non-refresh request's Contact does not change the target.
    EXPECT_TRUE(
        d.on_request(parse_or_die(in_dialog("INFO", 23, "Contact: <sip:x@203.0.113.1>\r\n")))
            .accepted());
    EXPECT_EQ(d.remote_target(), "sip:alice@198.51.100.8");

    // Bob's requests: Route = route set, Request-URI = remote target; first local CSeq is 1.
    const SipMessage reinvite = d.make_request("INVITE", ViaSpec{"UDP", "192.0.2.4", true});
    EXPECT_EQ(reinvite.request_uri, "sip:alice@198.51.100.8");
    EXPECT_EQ(reinvite.value(HeaderId::kRoute), "<sip:p1.atlanta.com;lr>");
    EXPECT_EQ(reinvite.value(HeaderId::kContact), "<sip:bob@192.0.2.4>");
    EXPECT_EQ(reinvite.value(HeaderId::kCSeq), "1 INVITE");
    EXPECT_NE(reinvite.value(HeaderId::kVia).find(";rport"), std::string::npos);
}

TEST(DialogRefresh, UacTargetRefreshFrom2xxAnd481Terminates) {
    Dialog d = bob_dialog();
    d.local_invite_started();
    (void)d.make_request("INVITE", ViaSpec{"UDP", "192.0.2.4", false});
    std::string ok =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKx\r\n"
        "From: Bob <sip:bob@biloxi.com>;tag=bobtag\r\n"
        "To: Alice <sip:alice@atlanta.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\n"
        "CSeq: 1 INVITE\r\nContact: <sip:alice@203.0.113.9>\r\nContent-Length: 0\r\n\r\n";
    d.on_refresh_response(parse_or_die(ok));
    EXPECT_EQ(d.remote_target(), "sip:alice@203.0.113.9");
    EXPECT_FALSE(d.local_invite_pending());
    std::string gone = ok;
    gone.replace(8, 6, "481 Call/Transaction Does Not Exist");
    d.on_refresh_response(parse_or_die(gone));
    EXPECT_EQ(d.state(), DialogState::kTerminated);
    EXPECT_EQ(d.on_request(parse_or_die(in_dialog("INFO", 30))).status, 481);
}

TEST(DialogGlare, ReInviteWhileOwnReInvitePendingGets491AndOverlappingGets500RetryAfter) {
    Dialog d = bob_dialog();
    d.local_invite_started();
    InDialogCheck c = d.on_request(parse_or_die(in_dialog("INVITE", 11)));
    EXPECT_EQ(c.status, 491);
    EXPECT_EQ(c.reason, "Request Pending");
    d.local_invite_finished();
    EXPECT_TRUE(d.on_request(parse_or_die(in_dialog("INVITE", 12))).accepted());
    c = d.on_request(parse_or_die(in_dialog("INVITE", 13)));  // the first is still unanswered
    EXPECT_EQ(c.status, 500);
    EXPECT_LE(c.retry_after, 10U);
    d.remote_invite_finished();
    EXPECT_TRUE(d.on_request(parse_or_die(in_dialog("INVITE", 14))).accepted());
}

TEST(DialogHelpers, WithoutTagKeepsOtherParameters) {
    EXPECT_EQ(without_tag("Bob <sip:bob@biloxi.com>;tag=a6c85cf"), "Bob <sip:bob@biloxi.com>");
    EXPECT_EQ(without_tag("<sip:b@c>;x=1;tag=t;y"), "<sip:b@c>;x=1;y");
    EXPECT_EQ(without_tag("sip:b@c;TAG=t"), "sip:b@c");
    EXPECT_EQ(without_tag("\"A, B\" <sip:ab@c>"), "\"A, B\" <sip:ab@c>");
}

}  // namespace
}  // namespace rtpx::sip
