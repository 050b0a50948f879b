// Builders: requests (RFC 3261 8.1.1), responses (8.2.6), ACK for non-2xx (17.1.1.3), CANCEL (9.1),
// branch/tag/Call-ID tokens and reason phrases.
#include "rtpx/sip/builder.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fixtures.hpp"

namespace rtpx::sip {
namespace {

using test::crlf;
using test::fixture;

TEST(SipBuilder, TokensAreFreshAndWellFormed) {
    std::set<std::string> branches;
    for (int i = 0; i < 1000; ++i) {
        const std::string b = make_branch();
        EXPECT_TRUE(b.starts_with(kBranchCookie));
        EXPECT_EQ(b.size(), kBranchCookie.size() + 22);
        branches.insert(b);
    }
    EXPECT_EQ(branches.size(), 1000U);
    const std::string tag = make_tag();
    EXPECT_EQ(tag.size(), 16U);
    EXPECT_NE(tag, make_tag());
    EXPECT_TRUE(make_call_id("host.example.com").ends_with("@host.example.com"));
    EXPECT_TRUE(is_valid_call_id(make_call_id()));
}

TEST(SipBuilder, ReasonPhrases) {
    EXPECT_EQ(reason_phrase(100), "Trying");
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(481), "Call/Transaction Does Not Exist");
    EXPECT_EQ(reason_phrase(505), "Version Not Supported");
    EXPECT_EQ(reason_phrase(608), "Rejected");
    EXPECT_EQ(reason_phrase(299), "");
    EXPECT_EQ(reason_phrase_or_class(299), "OK");
    EXPECT_EQ(reason_phrase_or_class(499), "Bad Request");
}

TEST(SipBuilder, RequestHasEveryMandatoryHeaderAndParsesBack) {
    RequestSpec spec;
    spec.method = "INVITE";
    spec.request_uri = "sip:bob@biloxi.example.com";
    spec.from = "Alice <sip:alice@atlanta.example.com>";
    spec.from_tag = "9fxced76sl";
    spec.to = "Bob <sip:bob@biloxi.example.com>";
    spec.call_id = "3848276298220188511@atlanta.example.com";
    spec.cseq = 1;
    spec.via_transport = "TCP";
    spec.via_sent_by = "client.atlanta.example.com:5060";
    spec.branch = "z9hG4bK74bf9";
    spec.contact = "<sip:alice@client.atlanta.example.com;transport=tcp>";
    spec.content_type = "application/sdp";
    spec.body = "v=0\r\n";
    const std::string text = make_request(spec).serialize();
    EXPECT_EQ(text, crlf("INVITE sip:bob@biloxi.example.com SIP/2.0",
                         "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
                         "Max-Forwards: 70", "To: Bob <sip:bob@biloxi.example.com>",
                         "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
                         "Call-ID: 3848276298220188511@atlanta.example.com", "CSeq: 1 INVITE",
                         "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>",
                         "Content-Type: application/sdp", "Content-Length: 5", "") +
                        "v=0\r\n");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->check_syntax());
}

TEST(SipBuilder, RequestDefaultsGenerateBranchTagAndCallId) {
    RequestSpec spec;
    spec.method = "OPTIONS";
    spec.request_uri = "sip:bob@biloxi.com";
    spec.from = "<sip:alice@atlanta.com>";
    spec.to = "<sip:bob@biloxi.com>";
    spec.via_sent_by = "192.0.2.1:5060";
    spec.via_rport = true;
    const std::string text = make_request(spec).serialize();
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->top_via()->has_rfc3261_branch());
    EXPECT_EQ(m->top_via()->rport(), "");
    EXPECT_EQ(m->from()->tag().size(), 16U);
    EXPECT_EQ(m->call_id()->size(), 24U);
    EXPECT_EQ(m->cseq()->method, Method::kOptions);
}

// RFC 3261 8.2.6: the response to RFC 3665 F1 equals F2 except for the fields the UAS adds.
TEST(SipBuilder, ResponseCopiesViaFromToCallIdCSeqAndAddsToTag) {
    const std::string invite = fixture("rfc3665/3.1_f1_invite.sip");
    auto req = SipMessageView::parse(invite);
    ASSERT_TRUE(req);
    SipMessage ringing = make_response(*req, 180, {}, "8321234356");
    EXPECT_EQ(ringing.reason, "Ringing");
    EXPECT_EQ(ringing.serialize(),
              crlf("SIP/2.0 180 Ringing",
                   "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
                   "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
                   "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356",
                   "Call-ID: 3848276298220188511@atlanta.example.com", "CSeq: 1 INVITE",
                   "Content-Length: 0", ""));
    // 100 Trying never gets a To-tag.
    EXPECT_EQ(make_response(*req, 100).value(HeaderId::kTo), "Bob <sip:bob@biloxi.example.com>");
    // A generated tag when none is given.
    auto busy = make_response(*req, 486);
    auto parsed_to = NameAddrView::parse(busy.value(HeaderId::kTo));
    ASSERT_TRUE(parsed_to);
    EXPECT_EQ(parsed_to->tag().size(), 16U);
    EXPECT_EQ(busy.reason, "Busy Here");
    EXPECT_EQ(make_response(*req, 603, "Go Away").reason, "Go Away");
}

TEST(SipBuilder, ResponseKeepsAnExistingToTagAllViasAndRecordRoute) {
    const std::string text =
        crlf("INVITE sip:b@h SIP/2.0",
             "Via: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP p2;branch=z9hG4bK2",
             "Via: SIP/2.0/UDP ua;branch=z9hG4bK3", "Record-Route: <sip:p1;lr>",
             "From: <sip:a@h>;tag=1", "To: <sip:b@h>;tag=2", "Call-ID: c", "CSeq: 2 INVITE",
             "Timestamp: 54", "Content-Length: 0", "");
    auto req = SipMessageView::parse(text);
    ASSERT_TRUE(req);
    SipMessage ok = make_response(*req, 200, {}, "other");
    EXPECT_EQ(ok.count(HeaderId::kVia), 2U);
    EXPECT_EQ(ok.headers[0].value,
              "SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP p2;branch=z9hG4bK2");
    EXPECT_EQ(ok.value(HeaderId::kRecordRoute), "<sip:p1;lr>");
    EXPECT_EQ(ok.value(HeaderId::kTo), "<sip:b@h>;tag=2");
    EXPECT_EQ(ok.find(HeaderId::kTimestamp), nullptr);
    SipMessage trying = make_response(*req, 100);
    EXPECT_EQ(trying.value(HeaderId::kTimestamp), "54");
    EXPECT_EQ(make_response(*req, 486).find(HeaderId::kRecordRoute), nullptr);
    // The owned overload gives the same result.
    EXPECT_EQ(make_response(SipMessage::from_view(*req), 200, {}, "x").serialize(), ok.serialize());
}

// RFC 3261 17.1.1.3 and RFC 3665 3.8 (unsuccessful, busy): ACK for a 486.
TEST(SipBuilder, AckForNon2xxFinalResponse) {
    const std::string text =
        crlf("INVITE sip:bob@biloxi.example.com SIP/2.0",
             "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
             "Max-Forwards: 70", "Route: <sip:ss1.atlanta.example.com;lr>",
             "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
             "To: Bob <sip:bob@biloxi.example.com>",
             "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com", "CSeq: 1 INVITE",
             "Contact: <sip:alice@client.atlanta.example.com>", "Content-Length: 0", "");
    auto invite = SipMessageView::parse(text);
    ASSERT_TRUE(invite);
    const std::string busy_text = make_response(*invite, 486, {}, "314159").serialize();
    auto busy = SipMessageView::parse(busy_text);
    ASSERT_TRUE(busy);
    const std::string expected =
        crlf("ACK sip:bob@biloxi.example.com SIP/2.0",
             "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
             "Max-Forwards: 70", "To: Bob <sip:bob@biloxi.example.com>;tag=314159",
             "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
             "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com", "CSeq: 1 ACK",
             "Route: <sip:ss1.atlanta.example.com;lr>", "Content-Length: 0", "");
    EXPECT_EQ(make_ack_for_non2xx(*invite, *busy).serialize(), expected);
    EXPECT_EQ(make_ack_for_non2xx(SipMessage::from_view(*invite), *busy).serialize(), expected);

    const std::string cancel =
        crlf("CANCEL sip:bob@biloxi.example.com SIP/2.0",
             "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9",
             "Max-Forwards: 70", "To: Bob <sip:bob@biloxi.example.com>",
             "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl",
             "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com", "CSeq: 1 CANCEL",
             "Route: <sip:ss1.atlanta.example.com;lr>", "Content-Length: 0", "");
    EXPECT_EQ(make_cancel(*invite).serialize(), cancel);
    EXPECT_EQ(make_cancel(SipMessage::from_view(*invite)).serialize(), cancel);
}

}  // namespace
}  // namespace rtpx::sip
