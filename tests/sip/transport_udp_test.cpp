// UdpTransport on loopback (IPv4 and IPv6): round trips, rport/received, bad datagrams.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtpx/sip/builder.hpp"
#include "rtpx/sip/transport/udp_transport.hpp"
#include "transport_test_util.hpp"

namespace rtpx::sip {
namespace {

using test::Recorder;
using test::run_until;

struct UdpPair {
    explicit UdpPair(bool ipv6) {
        UdpConfig config;
        config.bind = ipv6 ? SockAddr::ipv6_loopback(0) : SockAddr::ipv4_loopback(0);
        a = std::move(UdpTransport::open(loop, ua, config).value());
        b = std::move(UdpTransport::open(loop, ub, config).value());
    }
    EventLoop loop;
    Recorder ua, ub;
    std::unique_ptr<UdpTransport> a, b;
};

class TransportUdp : public ::testing::TestWithParam<bool> {};

TEST_P(TransportUdp, RequestAndResponseRoundTrip) {
    UdpPair p(GetParam());
    std::string request =
        test::options_request("UDP", p.a->local().to_string(), "z9hG4bKrt", ";rport");
    ASSERT_TRUE(p.a->send(p.b->local(), request));
    ASSERT_TRUE(run_until(p.loop, [&] { return !p.ub.messages.empty(); }));
    const auto& got = p.ub.messages.front();
    EXPECT_TRUE(got.is_request);
    EXPECT_EQ(got.proto, TransportProto::kUdp);
    EXPECT_EQ(got.remote, p.a->local());
    EXPECT_EQ(got.local, p.b->local());
    EXPECT_EQ(got.raw, request);
    // rport filled with the source port, received added (RFC 3581 4).
    std::string host = GetParam() ? "[::1]" : "127.0.0.1";
    EXPECT_NE(got.text.find(";rport=" + std::to_string(p.a->local().port()) + ";received=" + host),
              std::string::npos)
        << got.text;

    // The responder builds a response from what it got and sends it where 18.2.2 says.
    auto view = SipMessageView::parse(got.text);
    ASSERT_TRUE(view);
    std::string response = make_response(*view, 200).serialize();
    auto response_view = SipMessageView::parse(response);
    auto target = response_target(*response_view);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->remote, p.a->local());
    ASSERT_TRUE(p.b->send(target->remote, response));
    ASSERT_TRUE(run_until(p.loop, [&] { return !p.ua.messages.empty(); }));
    EXPECT_FALSE(p.ua.messages.front().is_request);
    EXPECT_EQ(p.ua.messages.front().text, response);  // responses are delivered untouched
    EXPECT_EQ(p.b->counters().received_messages, 1u);
    EXPECT_EQ(p.a->counters().sent_messages, 1u);
}

TEST_P(TransportUdp, RportAndReceivedWhenTheSourcePortDiffersFromVia) {
    UdpPair p(GetParam());
    // The Via claims port 5999 of the sender's host: a NAT rewrote the source port.
    std::string host = GetParam() ? "[::1]" : "127.0.0.1";
    std::string request = test::options_request("UDP", host + ":5999", "z9hG4bKnat", ";rport");
    ASSERT_TRUE(p.a->send(p.b->local(), request));
    ASSERT_TRUE(run_until(p.loop, [&] { return !p.ub.messages.empty(); }));
    auto view = SipMessageView::parse(p.ub.messages.front().text);
    ASSERT_TRUE(view);
    auto via = view->top_via();
    ASSERT_TRUE(via);
    EXPECT_EQ(via->rport(), std::to_string(p.a->local().port()));
    EXPECT_EQ(via->received(), GetParam() ? "[::1]" : "127.0.0.1");
    // And the response goes to the real source port, not 5999.
    std::string response = make_response(*view, 200).serialize();
    EXPECT_EQ(response_target(*SipMessageView::parse(response))->remote, p.a->local());
}

TEST_P(TransportUdp, UnparseableDatagramsAreCountedAndDropped) {
    UdpPair p(GetParam());
    ASSERT_TRUE(
        p.a->send(p.b->local(), std::string_view("SIP/2.0 200 OK\r\nVia: garbage\r\n\r\n")));
    ASSERT_TRUE(p.a->send(p.b->local(), std::string_view("\x16\x03\x01 not sip at all")));
    ASSERT_TRUE(p.a->send(p.b->local(), std::string_view("\r\n\r\n")));  // keep-alive: ignored
    // A well-formed request after them still gets through.
    ASSERT_TRUE(p.a->send(p.b->local(), test::options_request("UDP", p.a->local().to_string())));
    ASSERT_TRUE(run_until(p.loop, [&] { return !p.ub.messages.empty(); }));
    EXPECT_EQ(p.b->counters().dropped_unparseable_responses, 1u);
    EXPECT_EQ(p.b->counters().dropped_not_sip, 1u);
    EXPECT_EQ(p.ub.messages.size(), 1u);
}

TEST_P(TransportUdp, MalformedButAnswerableRequestGets400) {
    UdpPair p(GetParam());
    std::string request = test::options_request("UDP", p.a->local().to_string());
    // A Contact that is not a name-addr: the request parses, check_syntax fails.
    request.replace(request.find("Content-Length"), 0, "Contact: <sip:broken\r\n");
    ASSERT_TRUE(p.a->send(p.b->local(), request));
    ASSERT_TRUE(run_until(p.loop, [&] { return !p.ua.messages.empty(); }));
    EXPECT_TRUE(p.ub.messages.empty());
    EXPECT_EQ(p.b->counters().dropped_unparseable_requests, 1u);
    EXPECT_EQ(p.b->counters().answered_400, 1u);
    auto response = SipMessageView::parse(p.ua.messages.front().text);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status_code(), 400);
}

TEST_P(TransportUdp, SendToTheOtherFamilyIsNoRoute) {
    UdpPair p(GetParam());
    auto other = GetParam() ? SockAddr::ipv4_loopback(5060) : SockAddr::ipv6_loopback(5060);
    auto r = p.a->send(other, std::string_view("x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TransportErrc::kNoRoute);
}

TEST_P(TransportUdp, ManyDatagramsInOneBurstAreAllDelivered) {
    UdpPair p(GetParam());
    constexpr int kCount = 100;  // more than one recvmmsg batch
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(p.a->send(p.b->local(), test::options_request("UDP", p.a->local().to_string(),
                                                                  "z9hG4bK" + std::to_string(i))));
    }
    ASSERT_TRUE(run_until(p.loop, [&] { return p.ub.messages.size() == kCount; }));
}

INSTANTIATE_TEST_SUITE_P(Families, TransportUdp, ::testing::Values(false, true),
                         [](const auto& param_info) { return param_info.param ? "IPv6" : "IPv4"; });

TEST(TransportEventLoop, TimersFireInDeadlineOrderAndCancelledOnesDoNot) {
    EventLoop loop;
    std::vector<int> fired;
    loop.add_timer(std::chrono::milliseconds(20), [&] { fired.push_back(2); });
    loop.add_timer(std::chrono::milliseconds(1), [&] { fired.push_back(1); });
    auto cancelled = loop.add_timer(std::chrono::milliseconds(5), [&] { fired.push_back(99); });
    loop.cancel_timer(cancelled);
    ASSERT_TRUE(loop.run_until([&] { return fired.size() == 2; }, test::kWait));
    EXPECT_EQ(fired, (std::vector<int>{1, 2}));
    EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(TransportEventLoop, StopEndsRun) {
    EventLoop loop;
    loop.add_timer(std::chrono::milliseconds(1), [&] { loop.stop(); });
    loop.run();  // returns: the timer stopped it
    SUCCEED();
}

}  // namespace
}  // namespace rtpx::sip
