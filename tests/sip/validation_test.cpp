// validate_request (RFC 3261 8.2, 16.3), rejection responses, merged-request/loop detection
// (8.2.2.2) and the classification of unparseable messages.
#include "rtpx/sip/validation.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>
#include <tuple>

#include "fixtures.hpp"

namespace rtpx::sip {
namespace {

using test::crlf;

std::string request(const std::string& start, const std::string& extra = "",
                    const std::string& cseq_method = "") {
    const std::string method = start.substr(0, start.find(' '));
    std::string text = start + "\r\n";
    text += "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n";
    text += "Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.com>\r\n";
    text += "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n";
    text += "Call-ID: a84b4c76e66710\r\n";
    text += "CSeq: 314159 " + (cseq_method.empty() ? method : cseq_method) + "\r\n";
    text += extra;
    text += "Content-Length: 0\r\n\r\n";
    return text;
}

std::optional<Rejection> check(const std::string& text, const ValidationPolicy& policy = {}) {
    auto m = SipMessageView::parse(text);
    EXPECT_TRUE(m) << text;
    if (!m) return Rejection{};
    return validate_request(*m, policy);
}

TEST(SipValidation, WellFormedRequestPasses) {
    EXPECT_FALSE(check(request("INVITE sip:bob@biloxi.com SIP/2.0")));
    EXPECT_FALSE(check(request("OPTIONS tel:+1-201-555-0123 SIP/2.0")));
}

TEST(SipValidation, MissingMandatoryHeadersNameTheHeader) {
    const std::string full = request("INVITE sip:bob@biloxi.com SIP/2.0");
    for (const char* name : {"Via", "From", "To", "Call-ID", "CSeq"}) {
        std::string text = full;
        const std::size_t at = text.find(std::string("\r\n") + name + ":") + 2;
        text.erase(at, text.find("\r\n", at) + 2 - at);
        auto r = check(text);
        ASSERT_TRUE(r) << name;
        EXPECT_EQ(r->status, 400);
        EXPECT_EQ(r->reason, std::string("Bad Request (missing ") + name + ")");
    }
}

TEST(SipValidation, MalformedHeaderGives400NamingTheProblem) {
    auto r = check(request("INVITE sip:bob@biloxi.com SIP/2.0", "Contact: <sip:alice@pc33"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->reason, "Bad Request ('<' without '>')");
    auto dup = check(request("INVITE sip:bob@biloxi.com SIP/2.0", "Call-ID: other\r\n"));
    ASSERT_TRUE(dup);
    EXPECT_EQ(dup->reason, "Bad Request (multiple Call-ID)");
    auto mismatch = check(request("INVITE sip:bob@biloxi.com SIP/2.0", "", "BYE"));
    ASSERT_TRUE(mismatch);
    EXPECT_EQ(mismatch->reason, "Bad Request (CSeq method does not match)");
}

TEST(SipValidation, VersionSchemeMethodRequireAndMaxForwards) {
    auto v = check(request("INVITE sip:bob@biloxi.com SIP/3.0"));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->status, 505);
    EXPECT_EQ(v->reason, "Version Not Supported");

    auto scheme = check(request("INVITE http://biloxi.com/bob SIP/2.0"));
    ASSERT_TRUE(scheme);
    EXPECT_EQ(scheme->status, 416);
    ValidationPolicy no_tel;
    no_tel.accept_tel_uri = false;
    EXPECT_EQ(check(request("INVITE tel:+12015550123 SIP/2.0"), no_tel)->status, 416);

    EXPECT_EQ(check(request("FOO sip:bob@biloxi.com SIP/2.0"))->status, 501);

    const std::array<Method, 4> allowed{Method::kInvite, Method::kAck, Method::kBye,
                                        Method::kCancel};
    ValidationPolicy ua;
    ua.allowed_methods = allowed;
    auto sub = check(request("SUBSCRIBE sip:bob@biloxi.com SIP/2.0"), ua);
    ASSERT_TRUE(sub);
    EXPECT_EQ(sub->status, 405);
    EXPECT_EQ(sub->extra_header, HeaderId::kAllow);
    EXPECT_EQ(sub->extra_value, "INVITE, ACK, BYE, CANCEL");
    EXPECT_FALSE(check(request("BYE sip:bob@biloxi.com SIP/2.0"), ua));

    const std::array<std::string_view, 2> supported{"100rel", "timer"};
    ValidationPolicy ext;
    ext.supported = supported;
    EXPECT_FALSE(
        check(request("INVITE sip:bob@biloxi.com SIP/2.0", "Require: 100rel, TIMER\r\n"), ext));
    auto bad_ext = check(request("INVITE sip:bob@biloxi.com SIP/2.0",
                                 "Require: 100rel, precondition\r\nRequire: foo\r\n"),
                         ext);
    ASSERT_TRUE(bad_ext);
    EXPECT_EQ(bad_ext->status, 420);
    EXPECT_EQ(bad_ext->extra_header, HeaderId::kUnsupported);
    EXPECT_EQ(bad_ext->extra_value, "precondition, foo");
    // ACK never gets a 420 (RFC 3261 8.2.2.3).
    EXPECT_FALSE(check(request("ACK sip:bob@biloxi.com SIP/2.0", "Require: foo\r\n"), ext));

    std::string zero = request("OPTIONS sip:bob@biloxi.com SIP/2.0");
    zero.replace(zero.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
    ValidationPolicy proxy;
    proxy.forwarding = true;
    auto hops = check(zero, proxy);
    ASSERT_TRUE(hops);
    EXPECT_EQ(hops->status, 483);
    EXPECT_EQ(hops->reason, "Too Many Hops");
    EXPECT_FALSE(check(zero));
}

TEST(SipValidation, RejectionResponseCarriesTheExtraHeader) {
    const std::string text = request("SUBSCRIBE sip:bob@biloxi.com SIP/2.0");
    auto m = SipMessageView::parse(text);
    ASSERT_TRUE(m);
    const std::array<Method, 2> allowed{Method::kInvite, Method::kOptions};
    ValidationPolicy ua;
    ua.allowed_methods = allowed;
    auto r = validate_request(*m, ua);
    ASSERT_TRUE(r);
    const std::string response = make_rejection_response(*m, *r, "xyz").serialize();
    EXPECT_TRUE(response.starts_with("SIP/2.0 405 Method Not Allowed\r\n"));
    EXPECT_NE(response.find("\r\nTo: Bob <sip:bob@biloxi.com>;tag=xyz\r\n"), std::string::npos);
    EXPECT_NE(response.find("\r\nAllow: INVITE, OPTIONS\r\n"), std::string::npos);
    auto parsed = SipMessageView::parse(response);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->check_syntax());
}

// RFC 3261 8.2.2.2: the same request (From-tag, Call-ID, CSeq) arriving by a second path.
TEST(SipValidation, MergedRequestIsDetectedAsALoop) {
    using Key = std::tuple<std::string, std::string, std::uint32_t, std::string>;
    std::map<Key, std::string> ongoing;
    auto lookup = [&](std::string_view call_id, std::string_view from_tag, std::uint32_t cseq,
                      std::string_view method) -> std::optional<std::string_view> {
        auto it = ongoing.find(Key{call_id, from_tag, cseq, method});
        if (it == ongoing.end()) return std::nullopt;
        return std::string_view(it->second);
    };
    const std::string first = request("INVITE sip:bob@biloxi.com SIP/2.0");
    auto m1 = SipMessageView::parse(first);
    ASSERT_TRUE(m1);
    EXPECT_FALSE(detect_loop(*m1, lookup));
    auto key = merged_request_key(*m1);
    ASSERT_TRUE(key);
    ongoing[Key{key->call_id, key->from_tag, key->cseq, key->cseq_method}] = key->branch;
    EXPECT_FALSE(detect_loop(*m1, lookup));  // a retransmission matches the transaction itself

    std::string second = first;
    second.replace(second.find("z9hG4bKnashds8"), 14, "z9hG4bKother99");
    auto m2 = SipMessageView::parse(second);
    ASSERT_TRUE(m2);
    EXPECT_TRUE(detect_loop(*m2, lookup));

    // In-dialog requests (To-tag present) are not subject to the check.
    std::string in_dialog = second;
    in_dialog.replace(in_dialog.find("<sip:bob@biloxi.com>"), 20, "<sip:bob@biloxi.com>;tag=9");
    auto m3 = SipMessageView::parse(in_dialog);
    ASSERT_TRUE(m3);
    EXPECT_FALSE(merged_request_key(*m3));
    EXPECT_FALSE(detect_loop(*m3, lookup));
}

TEST(SipValidation, UnparseableMessagesAreClassifiedForCounters) {
    EXPECT_EQ(classify_unparseable("SIP/2.0 2000 Bad\r\n"), DropReason::kUnparseableResponse);
    EXPECT_EQ(classify_unparseable("\r\nsip/2.0 200"), DropReason::kUnparseableResponse);
    EXPECT_EQ(classify_unparseable("INVITE  sip:a@b SIP/2.0\r\n"), DropReason::kUnparseableRequest);
    EXPECT_EQ(classify_unparseable(std::string("\x00\x01\x02", 3)), DropReason::kNotSip);
    EXPECT_EQ(drop_reason_info(DropReason::kUnparseableResponse).name,
              "dropped_unparseable_responses");
    EXPECT_FALSE(drop_reason_info(DropReason::kNotSip).help.empty());
}

}  // namespace
}  // namespace rtpx::sip
