// UriView (RFC 3261 19.1 / 25.1 SIP and SIPS URIs, RFC 3966 tel URIs), parameters and headers.
#include "rtpx/sip/uri.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rtpx::sip {
namespace {

TEST(SipUri, FullSipUri) {
    auto u = UriView::parse(
        "sip:alice:secret@atlanta.com:5061;transport=tcp;lr;maddr=239.255.255.1"
        "?subject=project%20x&priority=urgent");
    ASSERT_TRUE(u) << u.error().what;
    EXPECT_EQ(u->scheme, UriScheme::kSip);
    EXPECT_EQ(u->user, "alice");
    EXPECT_EQ(u->password, "secret");
    EXPECT_EQ(u->host, "atlanta.com");
    EXPECT_EQ(u->port, 5061);
    EXPECT_EQ(u->transport(), "tcp");
    EXPECT_TRUE(u->lr());
    EXPECT_EQ(u->param("maddr"), "239.255.255.1");
    EXPECT_EQ(u->param("MADDR"), "239.255.255.1");  // parameter names are case-insensitive
    EXPECT_FALSE(u->param("ttl"));
    std::vector<std::pair<std::string, std::string>> headers;
    for (const UriHeader& h : u->header_range()) headers.emplace_back(h.name, h.value);
    ASSERT_EQ(headers.size(), 2U);
    EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"subject", "project%20x"}));
    EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"priority", "urgent"}));
}

TEST(SipUri, RfcExamples) {
    // RFC 3261 19.1.3 examples.
    for (const char* s :
         {"sip:alice@atlanta.com", "sip:alice:secretword@atlanta.com;transport=tcp",
          "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
          "sip:+1-212-555-1212:1234@gateway.com;user=phone", "sips:1212@gateway.com",
          "sip:alice@192.0.2.4", "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
          "sip:alice;day=tuesday@atlanta.com", "SIP:ALICE@AtLanTa.CoM;Transport=udp"}) {
        auto u = UriView::parse(s);
        EXPECT_TRUE(u) << s << ": " << (u ? "" : u.error().what);
    }
    auto sips = UriView::parse("sips:1212@gateway.com");
    EXPECT_EQ(sips->scheme, UriScheme::kSips);
    auto upper = UriView::parse("SIP:ALICE@AtLanTa.CoM;Transport=udp");
    EXPECT_EQ(upper->scheme, UriScheme::kSip);
    EXPECT_EQ(upper->scheme_text, "SIP");
    EXPECT_EQ(upper->transport(), "udp");
    auto no_user = UriView::parse("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
    EXPECT_FALSE(no_user->has_user);
    EXPECT_EQ(no_user->host, "atlanta.com");
    EXPECT_EQ(no_user->param("method"), "REGISTER");
}

TEST(SipUri, Ipv6References) {
    auto u = UriView::parse("sip:[2001:db8::10]:5070;transport=udp");
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->host_is_ipv6);
    EXPECT_EQ(u->host, "[2001:db8::10]");
    EXPECT_EQ(u->host_bare(), "2001:db8::10");
    EXPECT_EQ(u->port, 5070);
    auto v4mapped = UriView::parse("sips:bob@[::ffff:192.0.2.1]");
    ASSERT_TRUE(v4mapped);
    EXPECT_EQ(v4mapped->host_bare(), "::ffff:192.0.2.1");
    EXPECT_FALSE(v4mapped->port);
}

TEST(SipUri, TelUris) {
    auto g = UriView::parse("tel:+1-201-555-0123");
    ASSERT_TRUE(g) << g.error().what;
    EXPECT_EQ(g->scheme, UriScheme::kTel);
    EXPECT_EQ(g->user, "+1-201-555-0123");
    auto l = UriView::parse("tel:7042;phone-context=example.com");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->user, "7042");
    EXPECT_EQ(l->param("phone-context"), "example.com");
    auto hex = UriView::parse("tel:*99#;phone-context=+1-201");
    EXPECT_TRUE(hex);
}

TEST(SipUri, OtherSchemesAreOpaque) {
    auto u = UriView::parse("urn:service:sos");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, UriScheme::kOther);
    EXPECT_EQ(u->scheme_text, "urn");
    EXPECT_EQ(u->opaque, "service:sos");
    EXPECT_FALSE(u->is_sip_or_sips());
    EXPECT_EQ(to_string(UriScheme::kTel), "tel");
}

TEST(SipUri, RejectsEachMalformedElementWithItsOffset) {
    struct Case {
        const char* uri;
        std::size_t offset;
        const char* what;
    };
    const std::vector<Case> cases{
        {"", 0, "URI without scheme"},
        {"alice@atlanta.com", 5, "URI without scheme"},
        {"1sip:a@b", 0, "URI without scheme"},
        {"sip:", 4, "missing host"},
        {"sip:@atlanta.com", 4, "empty user in URI"},
        {"sip:al ice@atlanta.com", 6, "bad character in URI user"},
        {"sip:alice:pa@ss@atlanta.com", 15, "bad character in URI"},
        {"sip:al%4@atlanta.com", 6, "bad character in URI user"},
        {"sip:alice@atlanta.com:99999", 22, "bad port"},
        {"sip:alice@atlanta.com:", 22, "bad port"},
        {"sip:alice@[2001:db8::1", 10, "IPv6 reference without ']'"},
        {"sip:alice@[2001:zz8::1]", 16, "bad character in IPv6 reference"},
        {"sip:alice@[]", 11, "empty IPv6 reference"},
        {"sip:alice@atlanta.com;", 22, "empty URI parameter"},
        {"sip:alice@atlanta.com;a=", 24, "empty URI parameter value"},
        {"sip:alice@atlanta.com;a=b c", 25, "bad character in URI parameter"},
        {"sip:alice@atlanta.com?", 22, "empty URI header name"},
        {"sip:alice@atlanta.com?a", 23, "URI header without '='"},
        {"sip:alice@atlanta.com?a=<", 24, "bad character in URI header"},
        {"sip:alice@atlanta.com>", 21, "bad character in URI"},
        {"tel:", 4, "tel URI without digits"},
        {"tel:+1-x", 7, "bad character in tel number"},
        {"tel:7042", 4, "local tel number without phone-context"},
        {"urn:", 4, "empty URI"},
        {"urn:a b", 5, "bad character in URI"},
    };
    for (const Case& c : cases) {
        auto u = UriView::parse(c.uri);
        ASSERT_FALSE(u) << c.uri;
        EXPECT_EQ(u.error().code, SipParseErrc::kBadValue) << c.uri;
        EXPECT_EQ(u.error().offset, c.offset) << c.uri << ": " << u.error().what;
        EXPECT_STREQ(u.error().what, c.what) << c.uri;
    }
}

TEST(SipParams, IterationQuotingAndLookup) {
    ParamRange params(" ; a = 1 ;B;c=\"x;y,z\" ;d=[2001:db8::1];;e=");
    std::vector<std::string> names;
    for (const Param& p : params) names.emplace_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"a", "B", "c", "d", "e"}));
    EXPECT_EQ(params.get("A"), "1");
    EXPECT_EQ(params.get("b"), "");
    EXPECT_FALSE(params.find("b")->has_value);
    EXPECT_EQ(params.get("c"), "\"x;y,z\"");
    EXPECT_EQ(params.get("d"), "[2001:db8::1]");
    EXPECT_TRUE(params.find("e")->has_value);
    EXPECT_FALSE(params.get("f"));
    EXPECT_TRUE(ParamRange("").empty());
    EXPECT_FALSE(check_params(" ; a = 1 ;B;c=\"x;y,z\" ;d=[2001:db8::1]"));
    EXPECT_EQ(check_params(";;"), 1U);
    EXPECT_EQ(check_params(";a=\"x"), 3U);
    EXPECT_EQ(check_params("x"), 0U);
    EXPECT_EQ(check_params(";a=<b>"), 3U);
}

TEST(SipParams, CommaListRespectsQuotesAndAngleBrackets) {
    std::vector<std::string> items;
    for (auto v : CommaList(" \"a, b\" <sip:x,y@h>;p=1 , ,c,")) items.emplace_back(v);
    EXPECT_EQ(items, (std::vector<std::string>{"\"a, b\" <sip:x,y@h>;p=1", "c"}));
}

TEST(SipParams, QuotedStrings) {
    EXPECT_EQ(quoted_string_length("\"abc\" rest"), 5U);
    EXPECT_EQ(quoted_string_length(R"("a\"b")"), 6U);
    EXPECT_FALSE(quoted_string_length("\"abc"));
    EXPECT_FALSE(quoted_string_length("abc"));
    EXPECT_FALSE(quoted_string_length("\"a\\"));
    EXPECT_EQ(unquote(R"("J Rosenberg \\\"")"), R"(J Rosenberg \")");
    EXPECT_EQ(unquote("plain"), "plain");
}

}  // namespace
}  // namespace rtpx::sip
