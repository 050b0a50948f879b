// The ng server on a real media engine and a real rtpx-dataplane process (net_null vdevs,
// --no-huge, a control socket in a temporary directory): offer/answer/query/delete as Kamailio's
// rtpengine module sends them (RTP/AVP offer, answer, delete), the flows checked on the data plane
// by the session's cookie, an RTP/AVP -> RTP/SAVP offer checked at the SDP level (the data plane on
// main refuses SRTP flows), and the factory start_server() serving over UDP.
// Skipped when not root or when the binary (RTPX_DATAPLANE_BIN, from CMake) is missing.
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdlib>

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
std::string offer_request(std::string_view call_id, std::string_view transport = "RTP/AVP",
                          std::string_view via = "z9hG4bK-1") {
    return "d" + bstr("sdp") + bstr(kOfferSdp) + bstr("ICE") + bstr("remove") + bstr("flags") +
           "l" + bstr("trust-address") + "e" + bstr("replace") + "l" + bstr("origin") +
           bstr("session-connection") + "e" + bstr("direction") + "l" + bstr("alice-side") +
           bstr("bob-side") + "e" + bstr("transport-protocol") + bstr(transport) + bstr("call-id") +
           bstr(call_id) + bstr("via-branch") + bstr(via) + bstr("received-from") + "l" +
           bstr("IP4") + bstr("192.0.2.1") + "e" + bstr("from-tag") + bstr("alice-tag") +
           bstr("supports") + "l" + bstr("load limit") + "e" + bstr("command") + bstr("offer") +
           "e";
}
std::string answer_request(std::string_view call_id, std::string_view to_tag = "bob-tag",
                           std::string_view sdp = kAnswerSdp) {
    return "d" + bstr("sdp") + bstr(sdp) + bstr("ICE") + bstr("remove") + bstr("flags") + "l" +
           bstr("trust-address") + "e" + bstr("replace") + "l" + bstr("origin") +
           bstr("session-connection") + "e" + bstr("transport-protocol") + bstr("RTP/AVP") +
           bstr("call-id") + bstr(call_id) + bstr("from-tag") + bstr("alice-tag") + bstr("to-tag") +
           bstr(to_tag) + bstr("command") + bstr("answer") + "e";
}
std::string simple_request(std::string_view command, std::string_view call_id) {
    return "d" + bstr("command") + bstr(command) + bstr("call-id") + bstr(call_id) +
           bstr("from-tag") + bstr("alice-tag") + "e";
}
// delete with a to-tag and/or a via-branch (empty: left out): one branch of a forked call.
std::string branch_delete(std::string_view call_id, std::string_view to_tag, std::string_view via) {
    std::string d = "d" + bstr("command") + bstr("delete") + bstr("call-id") + bstr(call_id) +
                    bstr("from-tag") + bstr("alice-tag");
    if (!to_tag.empty()) d += bstr("to-tag") + bstr(to_tag);
    if (!via.empty()) d += bstr("via-branch") + bstr(via);
    return d + "e";
}
// A second UAS's answer (another address and port).
constexpr const char* kAnswer2Sdp =
    "v=0\r\no=carol 1 1 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.3\r\n"
    "t=0 0\r\nm=audio 49180 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n";

// The m=audio port of an SDP (0 when none).
int audio_port(const std::string& sdp) {
    const auto at = sdp.find("m=audio ");
    return at == std::string::npos ? 0 : std::atoi(sdp.c_str() + at + 8);
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
    // Egress destinations ("addr:port") of a session's flows.
    static std::vector<std::string> egress_of(std::uint64_t cookie) {
        std::vector<std::string> out;
        auto c = flowapi::Client::connect(dataplane_.socket(), "ng-test");
        if (!c) return out;
        if (auto d = c->dump()) {
            for (const auto& f : d->flows)
                if (f.cookie == cookie) out.push_back(flowapi::to_string(f.egress_destination));
        }
        std::sort(out.begin(), out.end());
        return out;
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

// One offer forked by the proxy to two UAS (both got the same relay address): the second to-tag
// re-points the same flows at its own address, the offerer keeps its relay port; deleting that tag
// points them back at the first UAS; deleting the last tag removes the flows and frees the ports.
TEST_F(NgDataplane, AForkedAnswerRepointsTheFlowsAndItsDeleteFallsBack) {
    const std::string call = "call-fork@192.0.2.1";
    ASSERT_EQ(result(send("f1", offer_request(call))), "ok");
    const Value a1 = send("f2", answer_request(call, "bob1", kAnswerSdp));
    ASSERT_EQ(result(a1), "ok");
    const std::uint64_t cookie = engine_->find(call)->id();
    const auto first = egress_of(cookie);
    ASSERT_EQ(first.size(), 4U);
    EXPECT_EQ(std::count(first.begin(), first.end(), "192.0.2.2:49174"), 1);

    const Value a2 = send("f3", answer_request(call, "bob2", kAnswer2Sdp));
    ASSERT_EQ(result(a2), "ok");
    EXPECT_EQ(audio_port(a2.find("sdp")->as_string()), audio_port(a1.find("sdp")->as_string()));
    const auto second = egress_of(cookie);
    ASSERT_EQ(second.size(), 4U);
    EXPECT_EQ(std::count(second.begin(), second.end(), "192.0.2.3:49180"), 1);
    EXPECT_EQ(std::count(second.begin(), second.end(), "192.0.2.2:49174"), 0);
    const Value q = send("f4", simple_request("query", call));
    EXPECT_NE(q.find("tags")->find("bob1"), nullptr);
    EXPECT_NE(q.find("tags")->find("bob2"), nullptr);

    ASSERT_EQ(result(send("f5", branch_delete(call, "bob2", ""))), "ok");
    EXPECT_EQ(egress_of(cookie), first);
    ASSERT_EQ(result(send("f6", branch_delete(call, "bob1", ""))), "ok");
    EXPECT_EQ(flows_of(cookie), 0U);
    EXPECT_EQ(engine_->find(call), nullptr);
    EXPECT_EQ(engine_->port_pools().used("alice-side"), 0U);
    EXPECT_EQ(engine_->port_pools().used("bob-side"), 0U);
}

// Offers per branch (via-branch): a session each, with relay ports of their own; a delete by
// via-branch removes that branch's flows only.
TEST_F(NgDataplane, PerBranchOffersGetTheirOwnFlowsAndDeleteByViaBranch) {
    const std::string call = "call-branches@192.0.2.1";
    const Value o1 = send("b1", offer_request(call, "RTP/AVP", "z9hG4bK-b1"));
    const Value o2 = send("b2", offer_request(call, "RTP/AVP", "z9hG4bK-b2"));
    ASSERT_EQ(result(o1), "ok");
    ASSERT_EQ(result(o2), "ok");
    EXPECT_NE(audio_port(o1.find("sdp")->as_string()), audio_port(o2.find("sdp")->as_string()));
    ASSERT_EQ(server_->branch_keys(call).size(), 2U);
    media::MediaSession* s1 = engine_->find(server_->branch_keys(call)[0]);
    media::MediaSession* s2 = engine_->find(server_->branch_keys(call)[1]);
    ASSERT_NE(s1, nullptr);
    ASSERT_NE(s2, nullptr);
    const std::uint64_t c1 = s1->id(), c2 = s2->id();
    ASSERT_EQ(result(send("b3", answer_request(call, "bob1", kAnswerSdp))), "ok");
    EXPECT_EQ(flows_of(c1) + flows_of(c2), 4U);  // the first unanswered branch took it
    ASSERT_EQ(result(send("b4", answer_request(call, "bob2", kAnswer2Sdp))), "ok");
    EXPECT_EQ(flows_of(c1), 4U);
    EXPECT_EQ(flows_of(c2), 4U);
    EXPECT_EQ(server_->calls(), 1U);

    ASSERT_EQ(result(send("b5", branch_delete(call, "", "z9hG4bK-b2"))), "ok");
    EXPECT_EQ(flows_of(c2), 0U);
    EXPECT_EQ(flows_of(c1), 4U);
    ASSERT_EQ(result(send("b6", simple_request("delete", call))), "ok");
    EXPECT_EQ(flows_of(c1), 0U);
    EXPECT_EQ(server_->calls(), 0U);
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
