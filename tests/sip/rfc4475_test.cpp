// RFC 4475 "SIP Torture Test Messages": what each message must do, with the RFC's words.
// The fixtures are tests/data/sip/rfc4475/<name>.sip (see the README there).
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "fixtures.hpp"
#include "rtpx/sip/message.hpp"
#include "rtpx/sip/multipart.hpp"
#include "rtpx/sip/sip_message.hpp"
#include "rtpx/sip/validation.hpp"

namespace rtpx::sip {
namespace {

using test::fixture;

SipMessageView must_parse(const std::string& text, const char* name) {
    auto m = SipMessageView::parse(text);
    EXPECT_TRUE(m) << name << ": " << (m ? "" : m.error().what) << " at byte "
                   << (m ? 0U : m.error().offset);
    return m ? *m : SipMessageView{};
}

// 3.1.1: "All elements should treat this as a well-formed request" (and the valid responses).
TEST(Rfc4475, ValidMessagesParseAndPassTheSyntaxCheck) {
    for (const char* name : {"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq",
                             "dblreq", "semiuri", "transports", "unreason", "noreason"}) {
        const std::string text = fixture(std::string("rfc4475/") + name + ".sip");
        ASSERT_FALSE(text.empty()) << name;
        auto m = SipMessageView::parse(text);
        ASSERT_TRUE(m) << name << ": " << m.error().what << " at byte " << m.error().offset;
        auto syntax = m->check_syntax();
        EXPECT_TRUE(syntax) << name << ": " << syntax.error().what << " at byte "
                            << syntax.error().offset;
    }
}

// 3.1.1.1 wsinv, field by field.
TEST(Rfc4475, ShortTortuousInvite) {
    const std::string text = fixture("rfc4475/wsinv.sip");
    const SipMessageView m = must_parse(text, "wsinv");
    EXPECT_EQ(m.method(), Method::kInvite);
    auto ruri = m.request_uri();
    ASSERT_TRUE(ruri);
    EXPECT_TRUE(ruri->param_range().has("unknownparam"));
    auto to = m.to();
    ASSERT_TRUE(to);
    EXPECT_EQ(to->uri.user, "vivekg");
    EXPECT_EQ(to->tag(), "1918181833n");
    auto from = m.from();
    ASSERT_TRUE(from);
    EXPECT_EQ(from->display_name, R"("J Rosenberg \\\"")");
    EXPECT_EQ(from->display_name_unquoted(), R"(J Rosenberg \")");
    EXPECT_EQ(from->tag(), "98asjd8");
    EXPECT_EQ(*m.max_forwards(), 68U);  // "0068": leading zeros
    EXPECT_EQ(*m.call_id(), "wsinv.ndaksdj@192.0.2.1");
    EXPECT_EQ(m.content_length(), 150U);
    EXPECT_EQ(m.cseq()->seq, 9U);
    EXPECT_EQ(m.cseq()->method, Method::kInvite);
    // "a mix of short and long form for the same header field name": 3 Via values on 2 lines.
    ASSERT_EQ(m.via_count(), 3U);
    std::array<std::string, 3> hosts;
    std::array<std::string, 3> branches;
    std::size_t i = 0;
    for (auto v : m.values(HeaderId::kVia)) {
        auto via = m.parse_via(v);
        ASSERT_TRUE(via) << via.error().what;
        hosts[i] = std::string(via->host);
        branches[i] = std::string(via->branch());
        ++i;
    }
    EXPECT_EQ(hosts,
              (std::array<std::string, 3>{"192.0.2.2", "spindle.example.com", "192.168.255.111"}));
    EXPECT_EQ(branches, (std::array<std::string, 3>{"390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"}));
    EXPECT_EQ(m.top_via()->transport, "UDP");
    EXPECT_EQ(m.find(HeaderId::kSubject)->value, "");  // "an empty subject"
    EXPECT_EQ(unfold(m.find("NewFangledHeader")->value),
              "newfangled value continued newfangled value");
    EXPECT_EQ(m.find("UnknownHeaderWithUnusualValue")->value, ";;,,;;,;");
    auto route = m.parse_name_addr(m.find(HeaderId::kRoute)->value);
    ASSERT_TRUE(route);
    EXPECT_TRUE(route->uri.lr());
    EXPECT_EQ(route->uri.param("unknownwith"), "value");
    auto contact = m.parse_name_addr(m.find(HeaderId::kContact)->value, true);
    ASSERT_TRUE(contact);
    EXPECT_EQ(contact->display_name_unquoted(), R"(Quoted string "")");
    EXPECT_EQ(contact->param("newparam"), "newvalue");
    EXPECT_EQ(contact->param("secondparam"), "");
    EXPECT_EQ(contact->q(), 330);
    EXPECT_TRUE(find_sdp_body(m));
    EXPECT_FALSE(validate_request(m));
}

// 3.1.1.2 intmeth: "A method of IN%56ITE is an unknown method"; "Endpoints will generate a 501".
TEST(Rfc4475, WideRangeOfValidCharacters) {
    const std::string text = fixture("rfc4475/intmeth.sip");
    const SipMessageView m = must_parse(text, "intmeth");
    EXPECT_EQ(m.method(), Method::kUnknown);
    EXPECT_EQ(m.method_text(), "!interesting-Method0123456789_*+`.%indeed'~");
    auto ruri = m.request_uri();
    ASSERT_TRUE(ruri) << ruri.error().what;
    EXPECT_EQ(ruri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(ruri->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    EXPECT_EQ(ruri->host, "example.com");
    EXPECT_EQ(m.top_via()->branch(), "z9hG4bK-.!%66*_+`'~");
    EXPECT_EQ(m.from()->display_name, "token1~` token2'+_ token3*%!.-");
    EXPECT_EQ(m.from()->tag(), "_token~1'+`*%!-.");
    EXPECT_EQ(*m.call_id(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    EXPECT_EQ(m.find("extensionHeader-!.%*+_`'~")->value,
              "\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB");
    auto r = validate_request(m);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 501);
}

// 3.1.1.3 esc01 / 3.1.1.5 esc02: escapes are kept raw; "%" outside "escaped" is not an escape.
TEST(Rfc4475, EscapesAreNotDecodedAndPercentIsOrdinaryInTokens) {
    const std::string esc01 = fixture("rfc4475/esc01.sip");
    const SipMessageView m1 = must_parse(esc01, "esc01");
    EXPECT_EQ(m1.request_uri()->user, "sips%3Auser%40example.com");
    EXPECT_EQ(m1.to()->uri.user, "%75se%72");
    auto contact = m1.parse_name_addr(m1.find(HeaderId::kContact)->value, true);
    ASSERT_TRUE(contact);
    EXPECT_EQ(contact->uri.param("n%61me"), "v%61lue%25%34%31");
    EXPECT_TRUE(contact->uri.param_range().has("%6C%72"));

    const std::string esc02 = fixture("rfc4475/esc02.sip");
    const SipMessageView m2 = must_parse(esc02, "esc02");
    EXPECT_EQ(m2.method(), Method::kUnknown);     // RE%47IST%45R is not REGISTER
    EXPECT_EQ(m2.count(HeaderId::kContact), 2U);  // C%6Fntact is another header
    EXPECT_TRUE(m2.find("C%6Fntact"));
}

// 3.1.1.8 dblreq: "the element should ... ignore the INVITE" that follows Content-Length: 0.
TEST(Rfc4475, ExtraTrailingOctetsInDatagramAreIgnored) {
    const std::string text = fixture("rfc4475/dblreq.sip");
    const SipMessageView m = must_parse(text, "dblreq");
    EXPECT_EQ(m.method(), Method::kRegister);
    EXPECT_TRUE(m.body().empty());
    EXPECT_LT(m.bytes().size(), text.size());
    EXPECT_TRUE(m.bytes().ends_with("Content-Length: 0\r\n\r\n"));
}

// 3.1.1.9 semiuri, 3.1.1.10 transports, 3.1.1.12 unreason, 3.1.1.13 noreason.
TEST(Rfc4475, UnusualButValidElements) {
    const std::string semi = fixture("rfc4475/semiuri.sip");
    const SipMessageView m1 = must_parse(semi, "semiuri");
    EXPECT_EQ(m1.request_uri()->user, "user;par=u%40example.net");
    EXPECT_TRUE(m1.request_uri()->params.empty());

    const std::string transports = fixture("rfc4475/transports.sip");
    const SipMessageView m2 = must_parse(transports, "transports");
    std::string seen;
    for (auto v : m2.values(HeaderId::kVia)) seen += std::string(m2.parse_via(v)->transport) + " ";
    EXPECT_EQ(seen, "UDP SCTP TLS UNKNOWN TCP ");

    const std::string unreason = fixture("rfc4475/unreason.sip");
    const SipMessageView m3 = must_parse(unreason, "unreason");
    EXPECT_EQ(m3.status_code(), 200);
    EXPECT_TRUE(m3.reason().starts_with("= 2**3 * 5**2 "));

    const std::string noreason = fixture("rfc4475/noreason.sip");
    const SipMessageView m4 = must_parse(noreason, "noreason");
    EXPECT_EQ(m4.status_code(), 100);
    EXPECT_EQ(m4.reason(), "");
}

// 3.1.2: invalid messages. Each is rejected by the parser, by check_syntax, or by validation, with
// the error or response the RFC asks for.
struct Invalid {
    const char* name;
    const char* expected_what;  // parse() or check_syntax() error; nullptr: both succeed
    std::uint16_t status;       // validate_request status for requests (0: not checked)
};

TEST(Rfc4475, InvalidMessagesAreRejectedWithTheRightError) {
    const std::array<Invalid, 19> cases{{
        // 3.1.2.1 "An element receiving this request should respond with a 400 Bad Request."
        {"badinv01", "bad Via parameter", 400},
        // 3.1.2.2 "a datagram ... the message ... should be discarded"; 400 on streams.
        {"clerr", "body shorter than Content-Length", 0},
        // 3.1.2.3 "should respond with a 400 Bad Request"
        {"ncl", "bad Content-Length", 0},
        // 3.1.2.4 "should respond with a 400 Bad Request"
        {"scalar02", "CSeq number out of range", 400},
        // 3.1.2.5 "should be dropped" (a response): check_syntax rejects it.
        {"scalarlg", "CSeq number out of range", 0},
        // 3.1.2.6 "should respond with a 400 Bad Request"
        {"quotbal", "unterminated quoted display name", 400},
        // 3.1.2.7 "should respond with a 400 Bad Request"
        {"ltgtruri", "URI without scheme", 400},
        // 3.1.2.8 "should respond with a 400 Bad Request"
        {"lwsruri", "white space in SIP version (extra SP in request line)", 0},
        // 3.1.2.9 "should respond with a 400 Bad Request"
        {"lwsstart", "empty Request-URI or extra space", 0},
        // 3.1.2.10 "should respond with a 400 Bad Request"
        {"trws", "white space in SIP version (extra SP in request line)", 0},
        // 3.1.2.11 "should respond with a 400 Bad Request"
        {"escruri", "headers in Request-URI", 400},
        // 3.1.2.12 "should respond with a 400 Bad Request" (or ignore the Date)
        {"baddate", "Date not in GMT", 400},
        // 3.1.2.13 "should respond with a 400 Bad Request"
        {"regbadct", "addr-spec with reserved character (use <>)", 400},
        // 3.1.2.14 "should respond with a 400 Bad Request"
        {"badaspec", "URI without scheme", 400},
        // 3.1.2.15 "should respond with a 400 Bad Request"
        {"baddn", "bad character in display name", 400},
        // 3.1.2.16 "should respond with a 505 Version Not Supported"
        {"badvers", nullptr, 505},
        // 3.1.2.17 "should respond with a 400 Bad Request"
        {"mismatch01", nullptr, 400},
        // 3.1.2.18 "should respond with a 501 (Not Implemented). A 400 ... is also acceptable"
        {"mismatch02", nullptr, 501},
        // 3.1.2.19 "should be dropped" (a response with a status code out of range)
        {"bigcode", "bad status code", 0},
    }};
    for (const Invalid& c : cases) {
        const std::string text = fixture(std::string("rfc4475/") + c.name + ".sip");
        ASSERT_FALSE(text.empty()) << c.name;
        auto m = SipMessageView::parse(text);
        const char* what = nullptr;
        if (!m) {
            what = m.error().what;
        } else if (auto s = m->check_syntax(); !s) {
            what = s.error().what;
        }
        if (c.expected_what == nullptr) {
            EXPECT_EQ(what, nullptr) << c.name << ": " << what;
        } else {
            ASSERT_NE(what, nullptr) << c.name;
            EXPECT_STREQ(what, c.expected_what) << c.name;
        }
        if (c.status != 0) {
            ASSERT_TRUE(m) << c.name;
            auto r = validate_request(*m);
            ASSERT_TRUE(r) << c.name;
            EXPECT_EQ(r->status, c.status) << c.name << ": " << r->reason;
            if (c.status == 400) {
                EXPECT_TRUE(r->reason.starts_with("Bad Request (")) << c.name;
            }
        }
        if (!m) {
            const bool response = std::string(c.name) == "bigcode";
            EXPECT_EQ(classify_unparseable(text),
                      response ? DropReason::kUnparseableResponse : DropReason::kUnparseableRequest)
                << c.name;
        }
    }
}

// 3.2.1 badbranch: "z9hG4bK" alone is a legal branch; the message is well formed.
TEST(Rfc4475, MissingTransactionIdentifierStillParses) {
    const std::string text = fixture("rfc4475/badbranch.sip");
    const SipMessageView m = must_parse(text, "badbranch");
    EXPECT_EQ(m.top_via()->branch(), "z9hG4bK");
    EXPECT_TRUE(m.check_syntax());
    EXPECT_FALSE(validate_request(m));
}

// 3.3: application-layer semantics.
TEST(Rfc4475, ApplicationLayerSemantics) {
    auto status_of = [](const char* name, const ValidationPolicy& policy = {}) -> int {
        const std::string text = fixture(std::string("rfc4475/") + name + ".sip");
        auto m = SipMessageView::parse(text);
        if (!m) return -1;
        auto r = validate_request(*m, policy);
        return r ? r->status : 0;
    };
    // 3.3.1 insuf: "should respond with a 400 Bad Request"
    EXPECT_EQ(status_of("insuf"), 400);
    // 3.3.2 unkscm / 3.3.3 novelsc: "should respond with a 416 (Unsupported URI Scheme)"
    EXPECT_EQ(status_of("unkscm"), 416);
    EXPECT_EQ(status_of("novelsc"), 416);
    // 3.3.4 unksm2: well-formed (To/From/Contact with other schemes); a registrar decides.
    EXPECT_EQ(status_of("unksm2"), 0);
    // 3.3.5 bext01: "should respond with a 420 (Bad Extension)", Unsupported listing both.
    {
        const std::string text = fixture("rfc4475/bext01.sip");
        const SipMessageView m = must_parse(text, "bext01");
        auto r = validate_request(m);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 420);
        EXPECT_EQ(r->extra_header, HeaderId::kUnsupported);
        EXPECT_EQ(r->extra_value, "nothingSupportsThis, nothingSupportsThisEither");
        const std::string response = make_rejection_response(m, *r, "tag1").serialize();
        EXPECT_NE(
            response.find("\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n"),
            std::string::npos);
    }
    // 3.3.6 invut: unknown body type is for the application (415); the message is well-formed.
    EXPECT_EQ(status_of("invut"), 0);
    // 3.3.7 regaut01: unknown Authorization scheme is well-formed.
    EXPECT_EQ(status_of("regaut01"), 0);
    // 3.3.8 multi01: "should respond with a 400 Bad Request"
    EXPECT_EQ(status_of("multi01"), 400);
    // 3.3.9 mcl01: "should respond with a 400 Bad Request": the parser refuses it.
    EXPECT_EQ(status_of("mcl01"), -1);
    // 3.3.11 zeromf: a proxy answers 483; a UAS handles it.
    ValidationPolicy forwarding;
    forwarding.forwarding = true;
    EXPECT_EQ(status_of("zeromf", forwarding), 483);
    EXPECT_EQ(status_of("zeromf"), 0);
    // 3.3.12/3.3.13 cparam01/02, 3.3.14 regescrt, 3.3.15 sdp01: well-formed.
    for (const char* name : {"cparam01", "cparam02", "regescrt", "sdp01"}) {
        EXPECT_EQ(status_of(name), 0) << name;
    }
    // 3.4.1 inv2543: "should accept" RFC 2543 syntax (no Max-Forwards, no branch, no tag).
    EXPECT_EQ(status_of("inv2543"), 0);
}

// 3.3.10 bcast: a well-formed response.
TEST(Rfc4475, BroadcastViaResponseParses) {
    const std::string text = fixture("rfc4475/bcast.sip");
    const SipMessageView m = must_parse(text, "bcast");
    EXPECT_EQ(m.via_count(), 2U);
    EXPECT_TRUE(m.check_syntax());
}

// 3.3.12 cparam01: parameters after an addr-spec belong to the header, not the URI.
TEST(Rfc4475, ContactParamsOfAddrSpecAreHeaderParams) {
    const std::string t1 = fixture("rfc4475/cparam01.sip");
    const SipMessageView m1 = must_parse(t1, "cparam01");
    auto c1 = m1.parse_name_addr(m1.find(HeaderId::kContact)->value, true);
    ASSERT_TRUE(c1);
    EXPECT_TRUE(c1->param_range().has("unknownparam"));
    EXPECT_TRUE(c1->uri.params.empty());
    const std::string t2 = fixture("rfc4475/cparam02.sip");
    const SipMessageView m2 = must_parse(t2, "cparam02");
    auto c2 = m2.parse_name_addr(m2.find(HeaderId::kContact)->value, true);
    ASSERT_TRUE(c2);
    EXPECT_TRUE(c2->uri.param_range().has("unknownparam"));
    EXPECT_TRUE(c2->params.empty());
}

}  // namespace
}  // namespace rtpx::sip
