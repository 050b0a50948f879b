// RFC 3261 18.2.1 (received), RFC 3581 4 (rport), RFC 3261 18.2.2 (response destinations).
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "rtpx/sip/transport/transport.hpp"
#include "transport_test_util.hpp"

namespace rtpx::sip {
namespace {

std::string annotate(const std::string& text, const SockAddr& source) {
    auto view = SipMessageView::parse(text);
    EXPECT_TRUE(view.has_value());
    std::array<std::uint8_t, 2048> out{};
    auto n = annotate_top_via(*view, source, out);
    EXPECT_TRUE(n.has_value());
    return std::string(reinterpret_cast<const char*>(out.data()), n.value_or(0));
}

std::string top_via_line(const std::string& text) {
    auto at = text.find("Via: ");
    return text.substr(at, text.find("\r\n", at) - at);
}

TEST(TransportVia, AddsReceivedWhenSourceDiffersFromSentBy) {
    // RFC 3261 18.2.1: sent-by names a host other than the packet's source address.
    auto out = annotate(test::options_request("UDP", "192.0.2.4:5060"),
                        *SockAddr::parse("198.51.100.7:5060"));
    EXPECT_EQ(top_via_line(out),
              "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKtest1;received=198.51.100.7");
}

TEST(TransportVia, LeavesViaAloneWhenSourceMatchesAndNoRport) {
    auto in = test::options_request("UDP", "192.0.2.4:5060");
    EXPECT_EQ(annotate(in, *SockAddr::parse("192.0.2.4:5070")), in);
}

TEST(TransportVia, AddsReceivedForHostNames) {
    auto out = annotate(test::options_request("UDP", "pc33.atlanta.com"),
                        *SockAddr::parse("192.0.2.4:5060"));
    EXPECT_EQ(top_via_line(out),
              "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKtest1;received=192.0.2.4");
}

TEST(TransportVia, FillsEmptyRportAndAlwaysAddsReceived) {
    // RFC 3581 4: rport gets the source port; received is added even when equal to sent-by.
    auto in = test::options_request("UDP", "192.0.2.1:5060", "z9hG4bKnashds7", ";rport");
    auto out = annotate(in, *SockAddr::parse("192.0.2.1:9988"));
    EXPECT_EQ(
        top_via_line(out),
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7;rport=9988;received=192.0.2.1");
    // Everything after the top Via is unchanged, so Content-Length still holds.
    EXPECT_EQ(out.substr(out.find("Max-Forwards")), in.substr(in.find("Max-Forwards")));
}

TEST(TransportVia, RportInTheMiddleOfParameters) {
    auto in = test::options_request("UDP", "[2001:db8::9]:5060", "z9hG4bKx", "");
    in.replace(in.find(";branch"), 0, ";rport");
    auto out = annotate(in, *SockAddr::parse("[2001:db8::1]:40000"));
    EXPECT_EQ(
        top_via_line(out),
        "Via: SIP/2.0/UDP [2001:db8::9]:5060;rport=40000;branch=z9hG4bKx;received=[2001:db8::1]");
}

TEST(TransportVia, OnlyTheTopViaIsTouched) {
    std::string in = test::options_request("UDP", "192.0.2.4", "z9hG4bKa", ";rport");
    in.replace(in.find("Max-Forwards"), 0, "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb;rport\r\n");
    auto out = annotate(in, *SockAddr::parse("192.0.2.8:1234"));
    EXPECT_NE(
        out.find("Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKa;rport=1234;received=192.0.2.8\r\n"),
        std::string::npos);
    EXPECT_NE(out.find("Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb;rport\r\n"), std::string::npos);
}

TEST(TransportVia, TopViaOfACommaListIsAnnotatedInPlace) {
    std::string in = test::options_request("UDP", "192.0.2.4", "z9hG4bKa", ";rport");
    in.replace(in.find(";rport") + 6, 0, ", SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb");
    auto out = annotate(in, *SockAddr::parse("192.0.2.8:1234"));
    EXPECT_EQ(top_via_line(out),
              "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKa;rport=1234;received=192.0.2.8, "
              "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb");
}

TEST(TransportVia, RefusesWhenOutputIsTooSmall) {
    auto in = test::options_request("UDP", "192.0.2.4");
    auto view = SipMessageView::parse(in);
    ASSERT_TRUE(view);
    std::array<std::uint8_t, 64> small{};
    EXPECT_FALSE(annotate_top_via(*view, *SockAddr::parse("198.51.100.7:5060"), small));
}

std::string response_with_via(const std::string& via) {
    return "SIP/2.0 200 OK\r\nVia: " + via +
           "\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n";
}

TEST(TransportVia, ResponseGoesToReceivedAndRport) {
    // RFC 3581 4 / RFC 3261 18.2.2 unreliable unicast.
    auto text = response_with_via(
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport=9988;received=198.51.100.2");
    auto view = SipMessageView::parse(text);
    ASSERT_TRUE(view);
    auto target = response_target(*view);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->proto, TransportProto::kUdp);
    EXPECT_EQ(target->remote.to_string(), "198.51.100.2:9988");
}

TEST(TransportVia, ResponseWithoutRportUsesSentByPort) {
    auto text =
        response_with_via("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKa;received=198.51.100.2");
    auto view = SipMessageView::parse(text);
    ASSERT_TRUE(view);
    EXPECT_EQ(response_target(*view)->remote.to_string(), "198.51.100.2:5070");
    auto plain = response_with_via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa");
    auto view2 = SipMessageView::parse(plain);
    EXPECT_EQ(response_target(*view2)->remote.to_string(), "192.0.2.1:5060");
}

TEST(TransportVia, ReliableResponsePrefersTheRequestConnection) {
    auto text = response_with_via("SIP/2.0/TLS [2001:db8::9];branch=z9hG4bKa");
    auto view = SipMessageView::parse(text);
    auto target = response_target(*view, 42);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->proto, TransportProto::kTls);
    EXPECT_EQ(target->connection, 42u);
    EXPECT_EQ(target->remote.to_string(), "[2001:db8::9]:5061");  // default port for TLS
}

TEST(TransportVia, NoTargetForAHostNameWithoutReceived) {
    auto text = response_with_via("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKa");
    auto view = SipMessageView::parse(text);
    EXPECT_FALSE(response_target(*view));
}

// --- IPv6 in received (RFC 3261 25.1 via-received = IPv4address / IPv6address; RFC 5118 4.5:
// peers write the IPv6 address bare or as a reference, so both are read; we write the reference).

TEST(TransportVia, ParsesBareAndBracketedIpv6Received) {
    for (const char* via :
         {"SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=2001:db8::1",
          "SIP/2.0/UDP [2001:db8::9]:5060;received=2001:db8::1;branch=z9hG4bKa",
          "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=[2001:db8::1]",
          "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=::ffff:192.0.2.1"}) {
        auto v = ViaView::parse(via);
        ASSERT_TRUE(v) << via << ": " << v.error().what;
        EXPECT_EQ(v->branch(), "z9hG4bKa") << via;
        ASSERT_TRUE(v->received()) << via;
    }
    EXPECT_EQ(*ViaView::parse("SIP/2.0/UDP h;received=2001:db8::1;rport=7")->received(),
              "2001:db8::1");
    EXPECT_EQ(*ViaView::parse("SIP/2.0/UDP h;received=2001:db8::1;rport=7")->rport(), "7");
}

TEST(TransportVia, RejectsMalformedReceived) {
    // Not an address: a bare IPv6 value is only accepted as a whole address.
    EXPECT_FALSE(ViaView::parse("SIP/2.0/UDP h;branch=z9hG4bKa;received=2001:db8::1::2"));
    EXPECT_FALSE(ViaView::parse("SIP/2.0/UDP h;branch=z9hG4bKa;received=[2001:db8::1"));
    EXPECT_FALSE(ViaView::parse("SIP/2.0/UDP h;branch=z9hG4bKa;received=a:b"));
}

TEST(TransportVia, ResponseGoesToABareIpv6Received) {
    auto text = response_with_via(
        "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=2001:db8::1;rport=40000");
    auto view = SipMessageView::parse(text);
    ASSERT_TRUE(view) << view.error().what;
    auto target = response_target(*view);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->remote.to_string(), "[2001:db8::1]:40000");
    auto bracketed = response_with_via(
        "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=[2001:db8::1];rport=40000");
    auto view2 = SipMessageView::parse(bracketed);
    ASSERT_TRUE(view2);
    EXPECT_EQ(response_target(*view2)->remote.to_string(), "[2001:db8::1]:40000");
}

TEST(TransportVia, AddsBracketedIpv6ReceivedForAnIpv6Source) {
    auto out = annotate(test::options_request("UDP", "[2001:db8::9]:5060", "z9hG4bKx", ";rport"),
                        *SockAddr::parse("[2001:db8::1]:40000"));
    EXPECT_EQ(
        top_via_line(out),
        "Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKx;rport=40000;received=[2001:db8::1]");
}

TEST(TransportVia, KeepsAReceivedThatNamesTheSourceInEitherIpv6Form) {
    for (const char* received : {"2001:db8::1", "[2001:db8::1]", "2001:DB8:0::1"}) {
        auto in = test::options_request("UDP", "[2001:db8::9]:5060", "z9hG4bKx",
                                        std::string(";received=") + received);
        EXPECT_EQ(annotate(in, *SockAddr::parse("[2001:db8::1]:5060")), in) << received;
    }
}

TEST(TransportVia, ReplacesAReceivedThatDoesNotNameTheSource) {
    // A request that arrives with a received= naming another host (spoofed, or set by a broken
    // client) must not steer our responses there (RFC 3261 18.2.1: received is the source).
    auto in =
        test::options_request("UDP", "192.0.2.4:5060", "z9hG4bKx", ";received=203.0.113.9;rport");
    auto out = annotate(in, *SockAddr::parse("198.51.100.7:6000"));
    EXPECT_EQ(top_via_line(out),
              "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKx;received=198.51.100.7;rport=6000");
    auto view = SipMessageView::parse(out);
    ASSERT_TRUE(view);
    auto response = response_with_via(std::string(view->find(HeaderId::kVia)->value));
    auto rview = SipMessageView::parse(response);
    ASSERT_TRUE(rview);
    EXPECT_EQ(response_target(*rview)->remote.to_string(), "198.51.100.7:6000");

    auto v6 =
        test::options_request("UDP", "[2001:db8::9]:5060", "z9hG4bKx", ";received=2001:db8::66");
    EXPECT_EQ(top_via_line(annotate(v6, *SockAddr::parse("[2001:db8::1]:5060"))),
              "Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKx;received=[2001:db8::1]");
}

TEST(TransportAddress, ParsesSipHostPortForms) {
    EXPECT_EQ(SockAddr::parse("127.0.0.1:5070")->to_string(), "127.0.0.1:5070");
    EXPECT_EQ(SockAddr::parse("127.0.0.1")->port(), 5060);
    EXPECT_EQ(SockAddr::parse("[::1]:5062")->to_string(), "[::1]:5062");
    EXPECT_EQ(SockAddr::parse("::1")->to_string(), "[::1]:5060");
    EXPECT_FALSE(SockAddr::parse("example.com:5060"));
    EXPECT_FALSE(SockAddr::parse("127.0.0.1:99999"));
    EXPECT_FALSE(SockAddr::parse("127.0.0.1:"));
    EXPECT_FALSE(SockAddr::parse("[::1"));
    EXPECT_TRUE(SockAddr::parse("[::1]")->is_ipv6());
}

}  // namespace
}  // namespace rtpx::sip
