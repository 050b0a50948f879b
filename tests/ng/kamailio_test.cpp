// Kamailio interop on loopback: sipp UAC -> Kamailio 5.6 (deploy/kamailio/kamailio.cfg, its
// rtpengine module pointed at this test's ng server) -> sipp UAS, with rtpx's media engine on a
// real rtpx-dataplane (net_null vdevs: signalling and flow programming are real, no RTP flows).
// Checks that the call succeeds, that the UAS got the SDP rewritten to the relay's bob-side
// address, that Kamailio's offer/answer/delete reached the server without errors, and that the
// delete left no session and no flow behind. Skipped when not root, or when rtpx-dataplane,
// kamailio or sipp is missing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "dataplane_process.hpp"
#include "rtpx/flowapi/client.hpp"
#include "rtpx/ng/server.hpp"

#ifndef RTPX_DATAPLANE_BIN
#define RTPX_DATAPLANE_BIN ""
#endif
#ifndef RTPX_SOURCE_DIR
#define RTPX_SOURCE_DIR ""
#endif

namespace rtpx::ng {
namespace {

using namespace std::chrono_literals;

constexpr const char* kKamailio = "/usr/sbin/kamailio";
constexpr const char* kSipp = "/usr/bin/sipp";

// A free UDP port on 127.0.0.1 (bound and released; good enough on loopback for a test).
std::uint16_t free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

// True once something is bound to 127.0.0.1:port (UDP).
bool udp_port_taken(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool taken =
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return taken;
}

// Waits (bounded) for `pid` to exit; its exit status, or -1 when it had to be killed.
int wait_exit(pid_t& pid, std::chrono::seconds limit) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(50ms);
    }
    testing::terminate(pid);
    return -1;
}

TEST(NgKamailio, CallThroughKamailioIsAnchoredAndDeleted) {
    if (::access(kKamailio, X_OK) != 0 || ::access(kSipp, X_OK) != 0)
        GTEST_SKIP() << "kamailio or sipp not installed";
    testing::DataplaneProcess dataplane;
    if (auto why = dataplane.start(RTPX_DATAPLANE_BIN, "ng-kamailio"); !why.empty()) {
        dataplane.stop();
        GTEST_SKIP() << why;
    }
    const std::string dir = dataplane.dir();
    auto engine = media::MediaEngine::create(dataplane.config());
    ASSERT_TRUE(engine) << engine.error().what;

    sip::EventLoop loop;
    ServerConfig config;
    config.listen = {"127.0.0.1:0"};
    auto ng = start_server(loop, *engine, config);
    ASSERT_TRUE(ng) << ng.error();
    const std::uint16_t ng_port = ng->server->local_addresses().at(0).port();
    std::thread loop_thread([&] { loop.run(); });

    const std::uint16_t sip_port = free_udp_port(), uas_port = free_udp_port(),
                        uac_port = free_udp_port();
    const std::string uas_messages = dir + "/uas_messages.log";
    pid_t uas = testing::spawn_logged(
        {kSipp, "-sf", std::string(RTPX_SOURCE_DIR) + "/tests/ng/sipp/uas_record_route.xml", "-i",
         "127.0.0.1", "-p", std::to_string(uas_port), "-m", "1", "-nostdin", "-timeout", "20s",
         "-trace_msg", "-message_file", uas_messages},
        dir + "/uas.log");
    pid_t kamailio = testing::spawn_logged(
        {kKamailio, "-DD", "-E", "-f",
         std::string(RTPX_SOURCE_DIR) + "/deploy/kamailio/kamailio.cfg", "-A",
         "RTPX_NG_SOCK=\"udp:127.0.0.1:" + std::to_string(ng_port) + "\"", "-A",
         "SIP_LISTEN=udp:127.0.0.1:" + std::to_string(sip_port), "-Y", dir, "-w", dir},
        dir + "/kamailio.log");
    for (int i = 0; i < 100 && !udp_port_taken(sip_port); ++i) std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms);  // children up (the rtpengine module pings the ng server)

    pid_t uac =
        testing::spawn_logged({kSipp,
                               "-sf",
                               std::string(RTPX_SOURCE_DIR) + "/tests/ng/sipp/uac_via_proxy.xml",
                               "-key",
                               "uas",
                               "127.0.0.1:" + std::to_string(uas_port),
                               "-s",
                               "bob",
                               "-i",
                               "127.0.0.1",
                               "-p",
                               std::to_string(uac_port),
                               "-rsa",
                               "127.0.0.1:" + std::to_string(sip_port),
                               "-m",
                               "1",
                               "-nostdin",
                               "-timeout",
                               "20s",
                               "-timeout_error",
                               "-trace_msg",
                               "-message_file",
                               dir + "/uac_messages.log",
                               "127.0.0.1:" + std::to_string(sip_port)},
                              dir + "/uac.log");
    const int uac_status = wait_exit(uac, 30s);
    (void)wait_exit(uas, 5s);
    testing::terminate(kamailio);
    loop.stop();
    loop_thread.join();

    const auto& counters = ng->server->counters();
    EXPECT_EQ(uac_status, 0) << testing::read_text(dir + "/uac.log")
                             << testing::read_text(dir + "/kamailio.log");
    EXPECT_GE(counters.ping, 1U);
    EXPECT_GE(counters.offer, 1U);
    EXPECT_GE(counters.answer, 1U);
    EXPECT_GE(counters.del, 1U);
    EXPECT_EQ(counters.errors, 0U) << testing::read_text(dir + "/kamailio.log");
    EXPECT_EQ(counters.unknown_flags, 0U);
    EXPECT_EQ(counters.sessions_created, 1U);
    // The UAS saw the relay (bob-side) in the offer, not the caller's address.
    const std::string messages = testing::read_text(uas_messages);
    EXPECT_NE(messages.find(std::string("c=IN IP4 ") + testing::kBobSide), std::string::npos)
        << messages;
    EXPECT_EQ(messages.find("c=IN IP4 192.0.2.1"), std::string::npos) << messages;
    // Nothing left behind.
    EXPECT_TRUE(engine->sessions().empty());
    auto client = flowapi::Client::connect(dataplane.socket(), "ng-kamailio-test");
    ASSERT_TRUE(client);
    auto dump = client->dump();
    ASSERT_TRUE(dump);
    EXPECT_TRUE(dump->flows.empty());
    ng->server.reset();
    dataplane.stop();
}

}  // namespace
}  // namespace rtpx::ng
