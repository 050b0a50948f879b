// SipMessageView: start lines, header index, compact forms, folding, lists, typed accessors,
// limits, and parse -> serialise byte-exact round trips of RFC 3261 / RFC 3665 messages.
#include "rtpx/sip/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "rtpx/sip/multipart.hpp"
#include "rtpx/sip/sip_message.hpp"
#include "rtpx/sip/text.hpp"

namespace rtpx::sip {
namespace {

using test::crlf;
using test::fixture;

TEST(SipMessageParse, Rfc3665InviteFieldByField) {
    const std::string text = fixture("rfc3665/3.1_f1_invite.sip");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m) << m.error().what;
    EXPECT_TRUE(m->is_request());
    EXPECT_EQ(m->method(), Method::kInvite);
    EXPECT_EQ(m->method_text(), "INVITE");
    EXPECT_EQ(m->request_uri_text(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(m->version(), "SIP/2.0");
    EXPECT_TRUE(m->is_sip_2_0());
    EXPECT_EQ(m->header_count(), 9U);
    EXPECT_EQ(m->header(0).id, HeaderId::kVia);
    EXPECT_EQ(m->header(0).name, "Via");
    EXPECT_EQ(m->header(0).value,
              "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9");

    auto via = m->top_via();
    ASSERT_TRUE(via);
    EXPECT_EQ(via->protocol_name, "SIP");
    EXPECT_EQ(via->protocol_version, "2.0");
    EXPECT_EQ(via->transport, "TCP");
    EXPECT_EQ(via->host, "client.atlanta.example.com");
    EXPECT_EQ(via->port, 5060);
    EXPECT_EQ(via->branch(), "z9hG4bK74bf9");
    EXPECT_TRUE(via->has_rfc3261_branch());
    EXPECT_FALSE(via->received());
    EXPECT_FALSE(via->rport());

    auto from = m->from();
    ASSERT_TRUE(from);
    EXPECT_EQ(from->display_name, "Alice");
    EXPECT_EQ(from->uri_text, "sip:alice@atlanta.example.com");
    EXPECT_EQ(from->uri.user, "alice");
    EXPECT_EQ(from->uri.host, "atlanta.example.com");
    EXPECT_EQ(from->tag(), "9fxced76sl");
    auto to = m->to();
    ASSERT_TRUE(to);
    EXPECT_EQ(to->tag(), "");
    EXPECT_EQ(*m->call_id(), "3848276298220188511@atlanta.example.com");
    auto cseq = m->cseq();
    ASSERT_TRUE(cseq);
    EXPECT_EQ(cseq->seq, 1U);
    EXPECT_EQ(cseq->method, Method::kInvite);
    EXPECT_EQ(*m->max_forwards(), 70U);
    auto ct = m->content_type();
    ASSERT_TRUE(ct);
    EXPECT_TRUE(ct->is("application", "sdp"));
    EXPECT_EQ(m->content_length(), 151U);
    EXPECT_EQ(m->body().size(), 151U);
    EXPECT_TRUE(m->body().starts_with("v=0\r\n"));
    auto contact = m->parse_name_addr(m->find(HeaderId::kContact)->value, true);
    ASSERT_TRUE(contact);
    EXPECT_EQ(contact->uri.transport(), "tcp");
    EXPECT_TRUE(m->check_syntax());
    ASSERT_TRUE(find_sdp_body(*m));
    EXPECT_EQ(*find_sdp_body(*m), m->body());
}

TEST(SipMessageParse, StatusLine) {
    const std::string text = fixture("rfc3665/3.1_f2_180.sip");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m) << m.error().what;
    EXPECT_TRUE(m->is_response());
    EXPECT_EQ(m->status_code(), 180);
    EXPECT_EQ(m->reason(), "Ringing");
    EXPECT_EQ(*m->top_via()->received(), "192.0.2.101");
    EXPECT_EQ(m->to()->tag(), "8321234356");
    EXPECT_TRUE(m->body().empty());
}

TEST(SipMessageParse, CompactFormsResolveToCanonicalIds) {
    const std::string text =
        crlf("OPTIONS sip:a@b SIP/2.0", "v: SIP/2.0/UDP h;branch=z9hG4bK1", "f: <sip:a@b>;tag=1",
             "t: sip:c@d", "i: x@y", "CSeq: 2 OPTIONS", "m: <sip:a@h>", "k: 100rel, timer",
             "c: text/plain", "l: 0", "x: 1800", "o: presence", "u: dialog", "r: <sip:r@h>",
             "b: <sip:b@h>", "a: *;audio", "j: *;video", "d: proxy", "y: abc", "n: <https://c/x>",
             "e: gzip", "s: hi", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m) << m.error().what;
    const std::vector<HeaderId> ids{HeaderId::kVia,
                                    HeaderId::kFrom,
                                    HeaderId::kTo,
                                    HeaderId::kCallId,
                                    HeaderId::kCSeq,
                                    HeaderId::kContact,
                                    HeaderId::kSupported,
                                    HeaderId::kContentType,
                                    HeaderId::kContentLength,
                                    HeaderId::kSessionExpires,
                                    HeaderId::kEvent,
                                    HeaderId::kAllowEvents,
                                    HeaderId::kReferTo,
                                    HeaderId::kReferredBy,
                                    HeaderId::kAcceptContact,
                                    HeaderId::kRejectContact,
                                    HeaderId::kRequestDisposition,
                                    HeaderId::kIdentity,
                                    HeaderId::kIdentityInfo,
                                    HeaderId::kContentEncoding,
                                    HeaderId::kSubject};
    ASSERT_EQ(m->header_count(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ(m->header(i).id, ids[i]) << i;
        EXPECT_EQ(lookup_header(header_name(ids[i])), ids[i]);
        if (m->header(i).name.size() == 1) {
            EXPECT_EQ(compact_form(ids[i]), m->header(i).name[0]) << header_name(ids[i]);
        }
    }
    EXPECT_EQ(header_name(HeaderId::kCallId), "Call-ID");
    EXPECT_EQ(header_name(HeaderId::kWwwAuthenticate), "WWW-Authenticate");
    EXPECT_EQ(lookup_header("cAlL-iD"), HeaderId::kCallId);
    EXPECT_EQ(lookup_header("X-Unknown"), HeaderId::kOther);
    EXPECT_TRUE(m->check_syntax());
}

TEST(SipHeaderNames, EveryCanonicalNameLooksUpToItsIdInAnyCase) {
    for (std::size_t i = 1; i < kHeaderIdCount; ++i) {
        const auto id = static_cast<HeaderId>(i);
        std::string lower(header_name(id));
        for (char& c : lower) c = ascii_lower(c);
        EXPECT_EQ(lookup_header(header_name(id)), id) << header_name(id);
        EXPECT_EQ(lookup_header(lower), id) << lower;
    }
    EXPECT_EQ(lookup_header("Z"), HeaderId::kOther);  // no compact form z
    EXPECT_EQ(lookup_header("9"), HeaderId::kOther);
    EXPECT_EQ(lookup_header("Vias"), HeaderId::kOther);
    EXPECT_EQ(lookup_method("INVITE"), Method::kInvite);
    EXPECT_EQ(lookup_method("invite"), Method::kUnknown);  // methods are case-sensitive
    EXPECT_EQ(method_name(Method::kUpdate), "UPDATE");
}

TEST(SipMessageParse, NamesAreCaseInsensitiveAndUnknownHeadersFoundByName) {
    const std::string text = crlf("BYE sip:a@b SIP/2.0", "VIA: SIP/2.0/UDP h;branch=z9hG4bK1",
                                  "X-Custom : one", "x-custom: two", "content-LENGTH: 0", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->has(HeaderId::kVia));
    EXPECT_EQ(m->find("x-CUSTOM")->value, "one");
    EXPECT_EQ(m->find("Content-Length")->value, "0");
    EXPECT_FALSE(m->find("X-Missing"));
}

TEST(SipMessageParse, FoldedValuesStayViewsAndParse) {
    const std::string text =
        crlf("INVITE sip:a@b SIP/2.0", "Subject: first", "  second", "\tthird", "Via: SIP/2.0/UDP",
             " h.example.com;branch=z9hG4bK1", "Content-Length: 0", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m) << m.error().what;
    const auto subject = m->find(HeaderId::kSubject)->value;
    EXPECT_EQ(subject, "first\r\n  second\r\n\tthird");
    EXPECT_TRUE(is_folded(subject));
    EXPECT_EQ(unfold(subject), "first second third");
    char buf[8];
    EXPECT_FALSE(unfold_into(subject, buf));
    auto via = m->top_via();
    ASSERT_TRUE(via) << via.error().what;
    EXPECT_EQ(via->host, "h.example.com");
}

TEST(SipMessageParse, ListHeadersIterateEveryElementOfEveryLine) {
    const std::string text =
        crlf("SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
             "Record-Route: <sip:p1;lr>, \"x,y\" <sip:p2;lr>", "Via: SIP/2.0/TCP c;branch=z9hG4bK3",
             "Record-Route: <sip:p3;lr>", "Subject: a, b", "Content-Length: 0", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    std::vector<std::string> vias;
    for (auto v : m->values(HeaderId::kVia)) vias.emplace_back(v);
    ASSERT_EQ(vias.size(), 3U);
    EXPECT_EQ(vias[1], "SIP/2.0/UDP b;branch=z9hG4bK2");
    EXPECT_EQ(m->via_count(), 3U);
    std::vector<std::string> rr;
    for (auto v : m->values(HeaderId::kRecordRoute)) rr.emplace_back(v);
    ASSERT_EQ(rr.size(), 3U);
    EXPECT_EQ(rr[1], "\"x,y\" <sip:p2;lr>");
    // Subject is not a list: one element with its comma.
    std::vector<std::string> subj;
    for (auto v : m->values(HeaderId::kSubject)) subj.emplace_back(v);
    ASSERT_EQ(subj.size(), 1U);
    EXPECT_EQ(m->count(HeaderId::kVia), 2U);
    EXPECT_TRUE(m->check_syntax());
}

TEST(SipMessageParse, LeadingCrlfsAreSkipped) {
    const std::string text = "\r\n\r\n" + crlf("OPTIONS sip:a@b SIP/2.0", "Content-Length: 0", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->bytes().substr(0, 7), "OPTIONS");
}

TEST(SipMessageParse, DatagramBodyIsCutAtContentLength) {
    const std::string text =
        crlf("MESSAGE sip:a@b SIP/2.0", "Content-Length: 5", "") + "helloEXTRA";
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->body(), "hello");
    EXPECT_EQ(m->bytes().size(), text.size() - 5);
}

TEST(SipMessageParse, DatagramWithoutContentLengthTakesTheRest) {
    const std::string text = crlf("MESSAGE sip:a@b SIP/2.0", "") + "hi";
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->body(), "hi");
    EXPECT_FALSE(m->content_length());
}

TEST(SipMessageParse, StreamRequiresContentLength) {
    const std::string text = crlf("MESSAGE sip:a@b SIP/2.0", "") + "hi";
    SipParseOptions opts;
    opts.transport = SipTransportKind::kStream;
    auto m = SipMessageView::parse(text, opts);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, SipParseErrc::kBadContentLength);
}

TEST(SipMessageParse, SpanOverloadMatchesStringView) {
    const std::string text = fixture("rfc3665/3.1_f4_ack.sip");
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    auto m = SipMessageView::parse(std::span<const std::uint8_t>(bytes));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->method(), Method::kAck);
}

// --- one negative test per grammar rule / length field ---------------------------------------

struct Bad {
    const char* name;
    std::string text;
    SipParseErrc code;
    std::size_t offset;
};

TEST(SipMessageParse, RejectsEachMalformedElementWithCodeAndOffset) {
    const std::string hdrs = crlf("Content-Length: 0", "");
    const std::vector<Bad> cases{
        {"empty", "", SipParseErrc::kIncomplete, 0},
        {"no end of start line", "INVITE sip:a@b SIP/2.0", SipParseErrc::kIncomplete, 22},
        {"no end of headers", crlf("INVITE sip:a@b SIP/2.0", "Via: x"), SipParseErrc::kIncomplete,
         32},
        {"method not a token", crlf("INV(ITE sip:a@b SIP/2.0") + hdrs, SipParseErrc::kBadStartLine,
         3},
        {"no request URI", crlf("INVITE") + hdrs, SipParseErrc::kBadStartLine, 6},
        {"double SP", crlf("INVITE  sip:a@b SIP/2.0") + hdrs, SipParseErrc::kBadStartLine, 7},
        {"no version", crlf("INVITE sip:a@b") + hdrs, SipParseErrc::kBadStartLine, 14},
        {"trailing SP", crlf("INVITE sip:a@b SIP/2.0 ") + hdrs, SipParseErrc::kBadStartLine, 22},
        {"bad version", crlf("INVITE sip:a@b HTTP/1.1") + hdrs, SipParseErrc::kBadVersion, 15},
        {"bad version digits", crlf("INVITE sip:a@b SIP/2.x") + hdrs, SipParseErrc::kBadVersion,
         15},
        {"control char in URI", crlf("INVITE sip:a\x01@b SIP/2.0") + hdrs,
         SipParseErrc::kBadStartLine, 12},
        {"status 2 digits", crlf("SIP/2.0 20 OK") + hdrs, SipParseErrc::kBadStartLine, 8},
        {"status 4 digits", crlf("SIP/2.0 2000 OK") + hdrs, SipParseErrc::kBadStartLine, 8},
        {"status 099", crlf("SIP/2.0 099 Low") + hdrs, SipParseErrc::kBadStartLine, 8},
        {"status 700", crlf("SIP/2.0 700 High") + hdrs, SipParseErrc::kBadStartLine, 8},
        {"no status", crlf("SIP/2.0") + hdrs, SipParseErrc::kBadStartLine, 7},
        {"status version", crlf("SIP/2 200 OK") + hdrs, SipParseErrc::kBadVersion, 0},
        {"header without colon", crlf("OPTIONS sip:a@b SIP/2.0", "Via SIP/2.0/UDP h", ""),
         SipParseErrc::kBadHeader, 29},
        {"bad header name", crlf("OPTIONS sip:a@b SIP/2.0", "V(a: x", ""), SipParseErrc::kBadHeader,
         26},
        {"empty header name", crlf("OPTIONS sip:a@b SIP/2.0", ": x", ""), SipParseErrc::kBadHeader,
         25},
        {"Content-Length not a number", crlf("OPTIONS sip:a@b SIP/2.0", "Content-Length: 1x", ""),
         SipParseErrc::kBadContentLength, 41},
        {"negative Content-Length", crlf("OPTIONS sip:a@b SIP/2.0", "l: -1", ""),
         SipParseErrc::kBadContentLength, 28},
        {"Content-Length overflow", crlf("OPTIONS sip:a@b SIP/2.0", "l: 99999999999", ""),
         SipParseErrc::kBadContentLength, 28},
        {"Content-Lengths disagree",
         crlf("OPTIONS sip:a@b SIP/2.0", "l: 1", "Content-Length: 2", "") + "xy",
         SipParseErrc::kBadContentLength, 47},
        {"body shorter than Content-Length", crlf("OPTIONS sip:a@b SIP/2.0", "l: 10", "") + "abc",
         SipParseErrc::kBodyTruncated, 37},
    };
    for (const Bad& c : cases) {
        auto m = SipMessageView::parse(c.text);
        ASSERT_FALSE(m) << c.name;
        EXPECT_EQ(m.error().code, c.code) << c.name << ": " << m.error().what;
        EXPECT_EQ(m.error().offset, c.offset) << c.name << ": " << m.error().what;
    }
}

TEST(SipMessageParse, RejectsMoreHeadersThanTheIndexHolds) {
    std::string text = "OPTIONS sip:a@b SIP/2.0\r\n";
    for (std::size_t i = 0; i < SipMessageView::kMaxHeaders; ++i) text += "X-H: v\r\n";
    auto ok = SipMessageView::parse(text + "\r\n");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->header_count(), SipMessageView::kMaxHeaders);
    auto bad = SipMessageView::parse(text + "X-H: v\r\n\r\n");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, SipParseErrc::kTooManyHeaders);
    EXPECT_EQ(bad.error().offset, text.size());
}

TEST(SipMessageParse, RejectsMessagesOverTheSizeLimit) {
    const std::string text = crlf("MESSAGE sip:a@b SIP/2.0", "l: 100", "") + std::string(100, 'x');
    SipParseOptions opts;
    opts.max_message_bytes = 64;
    auto m = SipMessageView::parse(text, opts);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, SipParseErrc::kTooLarge);
}

TEST(SipMessageParse, TypedAccessorsReportMissingAndMalformedHeaders) {
    const std::string text = crlf("OPTIONS sip:a@b SIP/2.0", "CSeq: x OPTIONS", "Max-Forwards: 256",
                                  "Call-ID: a b", "Content-Length: 0", "");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->from().error().code, SipParseErrc::kMissingHeader);
    EXPECT_STREQ(m->from().error().what, "missing From");
    EXPECT_EQ(m->top_via().error().code, SipParseErrc::kMissingHeader);
    EXPECT_EQ(m->cseq().error().code, SipParseErrc::kBadValue);
    EXPECT_EQ(m->cseq().error().offset, text.find("x OPTIONS"));
    EXPECT_EQ(m->max_forwards().error().code, SipParseErrc::kBadValue);
    EXPECT_EQ(m->call_id().error().code, SipParseErrc::kBadValue);
    auto syntax = m->check_syntax();
    ASSERT_FALSE(syntax);
    EXPECT_EQ(syntax.error().offset, text.find("x OPTIONS"));  // CSeq is the first bad field
}

TEST(SipMessageParse, CheckSyntaxFlagsEachStructuredHeader) {
    struct Case {
        const char* header;
        const char* what;
    };
    const std::vector<Case> cases{
        {"Via: SIP/2.0/UDP", "Via without sent-by"},
        {"Via: SIP/2.0 h", "Via without '/'"},
        {"Via: SIP/2.0/UDP h:99999", "bad port"},
        {"Via: SIP/2.0/UDP h;ttl=300", "bad Via ttl"},
        {"Via: SIP/2.0/UDP h;branch", "Via parameter without value"},
        {"Via: SIP/2.0/UDP h;rport=x", "bad Via rport"},
        {"Via: SIP/2.0/UDP [::1", "IPv6 reference without ']'"},
        {"From: <sip:a@b", "'<' without '>'"},
        {"From: Bob <sip:a@b>;tag=\"x", "bad header parameter"},
        {"To: sip:a@b?x=y", "addr-spec with reserved character (use <>)"},
        {"Contact: *, <sip:a@b>", "Contact '*' with other contacts"},
        {"Contact: <sip:a@b>;expires=x", "bad Contact expires"},
        {"Contact: <sip:a@b>;q=1.5", "bad Contact q"},
        {"Route: sip:p@h;lr", "route without angle brackets"},
        {"CSeq: 1", "CSeq without method"},
        {"CSeq: 2147483648 INVITE", "CSeq number out of range"},
        {"CSeq: 1 INVITE x", "trailing characters after CSeq method"},
        {"Content-Type: application", "Content-Type without '/'"},
        {"Content-Type: application/sdp;x=\"", "bad Content-Type parameter"},
        {"Expires: soon", "bad Expires"},
        {"RSeq: 0x1", "bad RSeq"},
        {"Require: a b", "list element is not a token"},
        {"Date: Fri, 01 Jan 2010 16:00:00 EST", "Date not in GMT"},
    };
    for (const Case& c : cases) {
        const std::string text = crlf("OPTIONS sip:a@b SIP/2.0", c.header, "Content-Length: 0", "");
        auto m = SipMessageView::parse(text);
        ASSERT_TRUE(m) << c.header;
        auto r = m->check_syntax();
        ASSERT_FALSE(r) << c.header;
        EXPECT_STREQ(r.error().what, c.what) << c.header;
        EXPECT_GE(r.error().offset, text.find(':')) << c.header;
        EXPECT_LT(r.error().offset, text.size()) << c.header;
    }
}

// --- round trips -------------------------------------------------------------------------------

TEST(SipMessageRoundTrip, RfcMessagesSerialiseBackToTheSameBytes) {
    for (const char* name :
         {"rfc3261/24.1_register.sip", "rfc3261/24.1_register_200.sip", "rfc3665/3.1_f1_invite.sip",
          "rfc3665/3.1_f2_180.sip", "rfc3665/3.1_f3_200.sip", "rfc3665/3.1_f4_ack.sip",
          "rfc3665/3.1_f5_bye.sip", "rfc3665/3.1_f6_200_bye.sip"}) {
        const std::string text = fixture(name);
        ASSERT_FALSE(text.empty()) << name;
        auto m = SipMessageView::parse(text);
        ASSERT_TRUE(m) << name << ": " << m.error().what;
        EXPECT_TRUE(m->check_syntax()) << name;
        EXPECT_EQ(SipMessage::from_view(*m).serialize(), text) << name;
    }
}

TEST(SipMessageRoundTrip, SerialiserKeepsUnknownHeadersAndFixesContentLength) {
    const std::string text = crlf("MESSAGE sip:a@b SIP/2.0", "X-Odd: ;;,,;;,;", "") + "body";
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    SipMessage owned = SipMessage::from_view(*m);
    EXPECT_EQ(owned.serialize(),
              crlf("MESSAGE sip:a@b SIP/2.0", "X-Odd: ;;,,;;,;", "Content-Length: 4", "") + "body");
    owned.body = "longer body";
    owned.add(HeaderId::kContentLength, "1");
    owned.add(HeaderId::kContentLength, "2");
    EXPECT_EQ(owned.serialize(),
              crlf("MESSAGE sip:a@b SIP/2.0", "X-Odd: ;;,,;;,;", "Content-Length: 11", "") +
                  "longer body");
}

TEST(SipMessageOwned, HeaderEditing) {
    SipMessage m;
    m.method = "OPTIONS";
    m.request_uri = "sip:a@b";
    m.add(HeaderId::kVia, "SIP/2.0/UDP a;branch=z9hG4bK1");
    m.add("X-A", "1");
    m.add_front(HeaderId::kVia, "SIP/2.0/UDP b;branch=z9hG4bK2");
    EXPECT_EQ(m.headers.front().value, "SIP/2.0/UDP b;branch=z9hG4bK2");
    EXPECT_EQ(m.count(HeaderId::kVia), 2U);
    m.set(HeaderId::kVia, "SIP/2.0/UDP c;branch=z9hG4bK3");
    EXPECT_EQ(m.count(HeaderId::kVia), 1U);
    EXPECT_EQ(m.value(HeaderId::kVia), "SIP/2.0/UDP c;branch=z9hG4bK3");
    EXPECT_EQ(m.find("x-a")->value, "1");
    EXPECT_EQ(m.remove(HeaderId::kVia), 1U);
    EXPECT_EQ(m.find(HeaderId::kVia), nullptr);
    m.headers.push_back(SipHeader{"v", "SIP/2.0/UDP d"});
    EXPECT_EQ(m.value(HeaderId::kVia), "SIP/2.0/UDP d");  // compact names match too
}

}  // namespace
}  // namespace rtpx::sip
