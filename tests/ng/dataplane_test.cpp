// The ng server on a real media engine and a real rtpx-dataplane process (net_null vdevs,
// --no-huge, a control socket in a temporary directory): offer/answer/query/delete as Kamailio's
// rtpengine module sends them (RTP/AVP offer, answer, delete), the flows checked on the data plane
// by the session's cookie, an RTP/AVP -> RTP/SAVP offer checked at the SDP level (the data plane on
// main refuses SRTP flows), and the factory start_server() serving over UDP.
// Skipped when not root or when the binary (RTPX_DATAPLANE_BIN, from CMake) is missing.
#include <sys/socket.h>
#include <sys/time.h>

#include <gtest/gtest.h>

#include "dataplane_process.hpp"
#include "rtpx/flowapi/client.hpp"
#include "rtpx/ng/server.hpp"

#ifndef RTPX_DATAPLANE_BIN
#define RTPX_DATAPLANE_BIN ""
#endif

namespace rtpx::ng {
namespace {

using namespace std::chrono_literals;

using testing::kAliceSide;
using testing::kBobSide;

// An offer as a SIP phone sends it through Kamailio (RFC 4317 2.1 style, literals).
constexpr const char* kOfferSdp =
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
constexpr const char* kAnswerSdp =
    "v=0\r\no=bob 2808844564 2808844564 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\n"
    "t=0 0\r\nm=audio 49174 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n";

std::string bstr(std::string_view s) {
    return std::to_string(s.size()) + ":" + std::string(s);
}

// Kamailio's rtpengine_offer("trust-address replace-origin replace-session-connection ICE=remove
// direction=alice-side direction=bob-side RTP AVP") as bencode.
std::string offer_request(std::string_view call_id, std::string_view transport = "RTP/AVP") {
    return "d" + bstr("sdp") + bstr(kOfferSdp) + bstr("ICE") + bstr("remove") + bstr("flags") +
           "l" + bstr("trust-address") + "e" + bstr("replace") + "l" + bstr("origin") +
           bstr("session-connection") + "e" + bstr("direction") + "l" + bstr("alice-side") +
           bstr("bob-side") + "e" + bstr("transport-protocol") + bstr(transport) + bstr("call-id") +
           bstr(call_id) + bstr("via-branch") + bstr("z9hG4bK-1") + bstr("received-from") + "l" +
           bstr("IP4") + bstr("192.0.2.1") + "e" + bstr("from-tag") + bstr("alice-tag") +
           bstr("supports") + "l" + bstr("load limit") + "e" + bstr("command") + bstr("offer") +
           "e";
}
std::string answer_request(std::string_view call_id) {
    return "d" + bstr("sdp") + bstr(kAnswerSdp) + bstr("ICE") + bstr("remove") + bstr("flags") +
           "l" + bstr("trust-address") + "e" + bstr("replace") + "l" + bstr("origin") +
           bstr("session-connection") + "e" + bstr("transport-protocol") + bstr("RTP/AVP") +
           bstr("call-id") + bstr(call_id) + bstr("from-tag") + bstr("alice-tag") + bstr("to-tag") +
           bstr("bob-tag") + bstr("command") + bstr("answer") + "e";
}
std::string simple_request(std::string_view command, std::string_view call_id) {
    return "d" + bstr("command") + bstr(command) + bstr("call-id") + bstr(call_id) +
           bstr("from-tag") + bstr("alice-tag") + "e";
}

class NgDataplane : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { skip_ = dataplane_.start(RTPX_DATAPLANE_BIN, "ng-test"); }
    static void TearDownTestSuite() { dataplane_.stop(); }
    void SetUp() override {
        if (!skip_.empty()) GTEST_SKIP() << skip_;
        auto e = media::MediaEngine::create(dataplane_.config());
        ASSERT_TRUE(e) << e.error().what;
        engine_ = std::make_unique<media::MediaEngine>(std::move(*e));
        backend_ = std::make_unique<MediaBackend>(*engine_);
        ServerConfig c;
        c.max_sessions = 2;
        server_ = std::make_unique<Server>(c, *backend_);
    }
    void TearDown() override {
        server_.reset();
        backend_.reset();
        engine_.reset();
    }

    Value send(const std::string& cookie, const std::string& body) {
        const auto peer = *sip::SockAddr::parse("127.0.0.1:5060");
        auto out = server_->handle(cookie + " " + body, peer, Server::Clock::now());
        EXPECT_TRUE(out);
        if (!out) return Value{Dict{}};
        EXPECT_EQ(out->substr(0, cookie.size() + 1), cookie + " ");
        auto v = decode(out->substr(cookie.size() + 1));
        EXPECT_TRUE(v);
        return v ? *v : Value{Dict{}};
    }
    static std::string result(const Value& v) {
        const Value* r = v.find("result");
        std::string s = r != nullptr && r->is_string() ? r->as_string() : "";
        if (s == "error") s += ": " + v.find("error-reason")->as_string();
        return s;
    }
    static std::size_t flows_of(std::uint64_t cookie) {
        auto c = flowapi::Client::connect(dataplane_.socket(), "ng-test");
        EXPECT_TRUE(c) << (c ? "" : c.error());
        if (!c) return 0;
        auto d = c->dump();
        EXPECT_TRUE(d);
        std::size_t n = 0;
        if (d) {
            for (const auto& f : d->flows) n += f.cookie == cookie ? 1 : 0;
        }
        return n;
    }

    static inline std::string skip_;
    static inline testing::DataplaneProcess dataplane_;
    std::unique_ptr<media::MediaEngine> engine_;
    std::unique_ptr<MediaBackend> backend_;
    std::unique_ptr<Server> server_;
};

TEST_F(NgDataplane, OfferAnswerQueryDeleteProgramAndRemoveFlows) {
    const Value offer = send("k1", offer_request("call-1@192.0.2.1"));
    ASSERT_EQ(result(offer), "ok");
    const std::string offer_sdp = offer.find("sdp")->as_string();
    // Bob sees the relay's bob-side address in c= and o= (replace origin), and one of its ports.
    EXPECT_NE(offer_sdp.find(std::string("c=IN IP4 ") + kBobSide), std::string::npos) << offer_sdp;
    EXPECT_NE(offer_sdp.find(std::string("IN IP4 ") + kBobSide + "\r\ns="), std::string::npos)
        << offer_sdp;
    EXPECT_EQ(offer_sdp.find("192.0.2.1"), std::string::npos) << offer_sdp;
    EXPECT_NE(offer_sdp.find("m=audio 31"), std::string::npos) << offer_sdp;

    const Value answer = send("k2", answer_request("call-1@192.0.2.1"));
    ASSERT_EQ(result(answer), "ok");
    const std::string answer_sdp = answer.find("sdp")->as_string();
    EXPECT_NE(answer_sdp.find(std::string("c=IN IP4 ") + kAliceSide), std::string::npos)
        << answer_sdp;
    EXPECT_EQ(answer_sdp.find("192.0.2.2"), std::string::npos) << answer_sdp;

    media::MediaSession* session = engine_->find("call-1@192.0.2.1");
    ASSERT_NE(session, nullptr);
    const std::uint64_t cookie = session->id();
    EXPECT_EQ(flows_of(cookie), 4U);  // RTP and RTCP, both directions

    const Value query = send("k3", simple_request("query", "call-1@192.0.2.1"));
    ASSERT_EQ(result(query), "ok");
    ASSERT_NE(query.find("totals"), nullptr);
    EXPECT_EQ(query.find("totals")->find("RTP")->find("packets")->as_int(),
              0);  // net_null: no traffic
    ASSERT_NE(query.find("tags")->find("alice-tag"), nullptr);
    ASSERT_NE(query.find("tags")->find("bob-tag"), nullptr);
    const Value& alice_media =
        query.find("tags")->find("alice-tag")->find("medias")->as_list().at(0);
    EXPECT_EQ(alice_media.find("protocol")->as_string(), "RTP/AVP");
    const Value& alice_stream = alice_media.find("streams")->as_list().at(0);
    EXPECT_EQ(alice_stream.find("endpoint")->find("address")->as_string(), "192.0.2.1");
    EXPECT_EQ(alice_stream.find("endpoint")->find("port")->as_int(), 49170);

    const Value list = send("k4", "d7:command4:liste");
    ASSERT_EQ(list.find("calls")->as_list().size(), 1U);

    const Value del = send("k5", simple_request("delete", "call-1@192.0.2.1"));
    ASSERT_EQ(result(del), "ok");
    EXPECT_EQ(flows_of(cookie), 0U);
    EXPECT_EQ(engine_->find("call-1@192.0.2.1"), nullptr);
    // The ports are free again.
    EXPECT_EQ(engine_->port_pools().used("alice-side"), 0U);
    EXPECT_EQ(engine_->port_pools().used("bob-side"), 0U);
}

TEST_F(NgDataplane, RetransmittedOfferAllocatesOnce) {
    const std::string req = offer_request("call-retx");
    const auto peer = *sip::SockAddr::parse("127.0.0.1:5060");
    const auto now = Server::Clock::now();
    const auto first = server_->handle("r1 " + req, peer, now);
    const std::size_t used = engine_->port_pools().used("bob-side");
    const auto second = server_->handle("r1 " + req, peer, now + 1s);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);
    EXPECT_EQ(engine_->port_pools().used("bob-side"), used);
    EXPECT_EQ(server_->counters().retransmissions, 1U);
    EXPECT_EQ(result(send("r2", simple_request("delete", "call-retx"))), "ok");
}

TEST_F(NgDataplane, LoadLimitWithTwoCalls) {
    EXPECT_EQ(result(send("l1", offer_request("c1"))), "ok");
    EXPECT_EQ(result(send("l2", offer_request("c2"))), "ok");
    EXPECT_EQ(result(send("l3", offer_request("c3"))), "load limit");
    EXPECT_EQ(engine_->find("c3"), nullptr);
    EXPECT_EQ(result(send("l4", simple_request("delete", "c1"))), "ok");
    EXPECT_EQ(result(send("l5", simple_request("delete", "c2"))), "ok");
}

TEST_F(NgDataplane, BridgesRtpAvpToRtpSavpInTheSdp) {
    const Value offer = send("s1", offer_request("call-srtp", "RTP/SAVP"));
    ASSERT_EQ(result(offer), "ok");
    const std::string sdp = offer.find("sdp")->as_string();
    EXPECT_NE(sdp.find("RTP/SAVP"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("a=crypto:"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << sdp;
    EXPECT_EQ(result(send("s2", simple_request("delete", "call-srtp"))), "ok");
}

TEST_F(NgDataplane, StartServerServesOverUdp) {
    sip::EventLoop loop;
    ServerConfig c;
    c.listen = {"127.0.0.1:0"};
    auto svc = start_server(loop, *engine_, c);
    ASSERT_TRUE(svc) << svc.error();
    const auto addr = svc->server->local_addresses().at(0);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string req = "u1 " + offer_request("call-udp");
    ASSERT_EQ(::sendto(fd, req.data(), req.size(), 0, addr.sa(), addr.length()),
              static_cast<ssize_t>(req.size()));
    (void)loop.run_until([&] { return svc->server->counters().offer > 0; }, 2s);
    std::string buf(65536, '\0');
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    ::close(fd);
    ASSERT_GT(n, 0);
    buf.resize(static_cast<std::size_t>(n));
    EXPECT_EQ(buf.rfind("u1 d", 0), 0U) << buf;
    EXPECT_NE(buf.find("6:result2:ok"), std::string::npos) << buf;
    EXPECT_EQ(result(send("u2", simple_request("delete", "call-udp"))), "ok");
}

}  // namespace
}  // namespace rtpx::ng
