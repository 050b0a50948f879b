// MediaEngine against a real rtpx-dataplane process (net_null vdevs, --no-huge, a control socket
// in a temporary directory): batches applied, flows dumped with the session's cookie, stats per
// leg, inactivity events through event_fd(), teardown, and reattach after a new engine.
// Skipped when not root or when the binary (RTPX_DATAPLANE_BIN, from CMake or the environment) is
// missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "media_fixtures.hpp"
#include "rtpx/flowapi/client.hpp"

extern char** environ;

namespace rtpx::media {
namespace {

using namespace testing;

#ifndef RTPX_DATAPLANE_BIN
#define RTPX_DATAPLANE_BIN ""
#endif

constexpr const char* kOffer =
    "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
constexpr const char* kAnswer =
    "v=0\r\no=bob 7 7 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
    "m=audio 49174 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

class MediaEngineLive : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (::geteuid() != 0) {
            skip_ = "needs root (DPDK vdevs)";
            return;
        }
        // RTPX_DATAPLANE_BIN in the environment overrides the path CMake compiled in.
        const char* env = std::getenv("RTPX_DATAPLANE_BIN");
        const std::string bin = env != nullptr && *env != '\0' ? env : RTPX_DATAPLANE_BIN;
        struct stat st {};
        if (bin.empty() || ::stat(bin.c_str(), &st) != 0) {
            skip_ = "rtpx-dataplane not built";
            return;
        }
        char tmpl[] = "/tmp/rtpx-media-test.XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        socket_ = dir_ + "/dp.sock";
        const std::string prefix = "rtpx-media-" + std::to_string(::getpid());
        std::ofstream(dir_ + "/dp.toml")
            << "[dataplane]\ncontrol_socket = \"" << socket_
            << "\"\nlcores = \"0-1\"\nmbufs = 2047\nmax_flows = 256\n"
            << "eal = [\"--no-huge\", \"-m\", \"256\", \"--no-shconf\", "
               "\"--file-prefix="
            << prefix
            << "\", \"--log-level=error\"]\n\n"
               "[[port]]\nvdev = \"net_null0\"\naddresses = [\""
            << kAliceSide << "\"]\n\n[[port]]\nvdev = \"net_null1\"\naddresses = [\"" << kBobSide
            << "\"]\n";
        const std::string config = dir_ + "/dp.toml";
        const std::string log = dir_ + "/dp.log";
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        std::vector<std::string> args = {bin, "--config", config};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
        // Wait (bounded) for the control socket.
        for (int i = 0; i < 200 && pid_ > 0; ++i) {
            if (::access(socket_.c_str(), F_OK) == 0) return;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        skip_ = "rtpx-dataplane did not start: " + text;
    }
    static void TearDownTestSuite() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            if (::waitpid(pid_, &status, WNOHANG) == 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
            pid_ = -1;
        }
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
        std::filesystem::remove_all("/var/run/dpdk/rtpx-media-" + std::to_string(::getpid()));
    }
    void SetUp() override {
        if (!skip_.empty()) GTEST_SKIP() << skip_;
    }

    static std::vector<DataplaneConfig> config() { return two_sided(30000, 30999, socket_); }
    static std::vector<flowapi::FlowSpec> dump() {
        auto c = flowapi::Client::connect(socket_, "media-test");
        EXPECT_TRUE(c) << (c ? "" : c.error());
        if (!c) return {};
        auto d = c->dump();
        EXPECT_TRUE(d);
        return d ? d->flows : std::vector<flowapi::FlowSpec>{};
    }
    static std::size_t flows_of(std::uint64_t cookie) {
        std::size_t n = 0;
        for (const auto& f : dump()) n += f.cookie == cookie ? 1 : 0;
        return n;
    }
    static MediaSession& call(MediaEngine& e, const std::string& id, std::uint32_t inactivity = 0) {
        auto& s = e.create_session(id);
        LegOptions b = towards("bob-side"), a = towards("alice-side");
        a.inactivity_timeout_ms = b.inactivity_timeout_ms = inactivity;
        EXPECT_TRUE(s.offer(Leg::kA, kOffer, b));
        EXPECT_TRUE(s.answer(Leg::kB, kAnswer, a));
        return s;
    }

    static inline std::string skip_;
    static inline std::string dir_;
    static inline std::string socket_;
    static inline pid_t pid_ = -1;
};

TEST_F(MediaEngineLive, ApplyDumpStatsTeardown) {
    auto engine = MediaEngine::create(config());
    ASSERT_TRUE(engine) << engine.error().what;
    EXPECT_TRUE(engine->dataplane_connected(0));
    auto& s = call(*engine, "real-1");
    const auto id = s.id();
    auto applied = engine->apply(s.take_changes());
    ASSERT_TRUE(applied) << applied.error().what;
    const auto flows = dump();
    std::size_t mine = 0;
    for (const auto& f : flows) {
        if (f.cookie != s.id()) continue;
        ++mine;
        const auto ours = s.flows();
        EXPECT_NE(std::find(ours.begin(), ours.end(), f), ours.end())
            << "the data plane holds exactly the spec the session produced";
    }
    EXPECT_EQ(mine, 4u) << "RTP and RTCP, both directions";

    auto st = engine->stats(s);
    ASSERT_TRUE(st) << st.error().what;
    for (const auto& leg : *st) {
        EXPECT_EQ(leg.codec, "PCMU");
        EXPECT_EQ(leg.packets, 0u) << "no traffic on net_null";
        EXPECT_EQ(leg.mos, 0.0);
    }

    // A hold re-INVITE is applied as modifies.
    ASSERT_TRUE(s.offer(Leg::kA, std::string(kOffer) + "a=sendonly\r\n", towards("bob-side")));
    ASSERT_TRUE(s.answer(Leg::kB, std::string(kAnswer) + "a=recvonly\r\n", towards("alice-side")));
    ASSERT_TRUE(engine->apply(s.take_changes()));

    // A batch the data plane refuses (adding flows that exist) is a clear error, nothing applied.
    flowapi::Batch again;
    for (const auto& f : s.flows()) again.ops.push_back({flowapi::OpKind::kAdd, f});
    auto refused = engine->apply(again);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, MediaError::Code::kDataplane);
    EXPECT_NE(refused.error().what.find("refused op"), std::string::npos) << refused.error().what;

    ASSERT_TRUE(engine->delete_call("real-1"));
    EXPECT_EQ(flows_of(id), 0u);
    EXPECT_EQ(engine->port_pools().used("alice-side"), 0u);
    EXPECT_EQ(engine->find("real-1"), nullptr);
}

TEST_F(MediaEngineLive, InactivityEventsWakeTheEventFd) {
    auto engine = MediaEngine::create(config());
    ASSERT_TRUE(engine) << engine.error().what;
    auto& s = call(*engine, "idle-1", 500);
    const auto id = s.id();
    ASSERT_TRUE(engine->apply(s.take_changes()));
    // Bounded wait (not a timing assertion): the data plane scans twice a second.
    std::vector<std::pair<std::uint64_t, flowapi::Event>> events;
    for (int i = 0; i < 40 && events.empty(); ++i) {
        pollfd p{engine->event_fd(), POLLIN, 0};
        if (::poll(&p, 1, 500) > 0) events = engine->drain_events();
    }
    ASSERT_FALSE(events.empty()) << "no inactivity event within 20 s";
    bool inactivity = false;
    for (const auto& [sid, e] : events) {
        EXPECT_EQ(sid, e.cookie);
        if (sid == id && e.kind == flowapi::EventKind::kInactivity) inactivity = true;
    }
    EXPECT_TRUE(inactivity);
    ASSERT_TRUE(engine->delete_call("idle-1"));
}

TEST_F(MediaEngineLive, ReattachAfterRestartRebuildsOccupancy) {
    nlohmann::json journal;
    std::uint64_t id = 0;
    std::vector<flowapi::FlowSpec> before;
    std::uint64_t orphan_id = 0;
    {
        auto engine = MediaEngine::create(config());
        ASSERT_TRUE(engine) << engine.error().what;
        auto& s = call(*engine, "survivor");
        ASSERT_TRUE(engine->apply(s.take_changes()));
        auto& o = call(*engine, "orphan");  // not journaled: its ports must stay taken anyway
        ASSERT_TRUE(engine->apply(o.take_changes()));
        journal = s.to_json();
        id = s.id();
        orphan_id = o.id();
        before = s.flows();
        // The engine goes away without tearing anything down (a crash, as far as flows go).
    }
    auto engine = MediaEngine::create(config());
    ASSERT_TRUE(engine) << engine.error().what;
    auto restored = engine->restore_session(journal);
    ASSERT_TRUE(restored) << restored.error().what;
    auto seen = engine->reattach();
    ASSERT_TRUE(seen) << seen.error().what;
    EXPECT_GE(*seen, 8u);
    EXPECT_EQ((*restored)->flows(), before);
    EXPECT_EQ(engine->port_pools().used("alice-side"), 2u) << "survivor's and orphan's pairs";
    EXPECT_TRUE((*restored)->take_changes().ops.empty()) << "nothing to re-send";

    // New calls never get a port the data plane already uses.
    auto& fresh = call(*engine, "fresh");
    ASSERT_TRUE(engine->apply(fresh.take_changes())) << "no clash with existing flows";
    for (const auto& f : fresh.flows()) {
        for (const auto& old : dump()) {
            if (old.cookie != fresh.id()) {
                EXPECT_NE(old.local, f.local);
            }
        }
    }
    // A BYE after the restart tears the survivor down.
    ASSERT_TRUE(engine->delete_call("survivor"));
    ASSERT_TRUE(engine->delete_call("fresh"));
    EXPECT_EQ(flows_of(id), 0u);
    // Clean the orphan up by hand (what an operator's `rtpx flow del` would do).
    flowapi::Batch del;
    for (const auto& f : dump()) {
        if (f.cookie == orphan_id) {
            flowapi::FlowOp op;
            op.kind = flowapi::OpKind::kDelete;
            op.spec.local = f.local;
            del.ops.push_back(op);
        }
    }
    EXPECT_TRUE(engine->apply(del));
    EXPECT_TRUE(dump().empty());
}

// The control plane's pipelined path: a batch sent without waiting, a refused one reported later,
// and the end of several calls in one stats query with the deletes sent behind it.
TEST_F(MediaEngineLive, DetachedBatchesAndEndCallsInOneRoundTrip) {
    auto engine = MediaEngine::create(config());
    ASSERT_TRUE(engine) << engine.error().what;
    auto& first = call(*engine, "end-1");
    auto& second = call(*engine, "end-2");
    const auto id1 = first.id(), id2 = second.id();
    ASSERT_TRUE(engine->apply_detached(first.take_changes()));
    ASSERT_TRUE(engine->apply(second.take_changes())) << "answered after the detached batch";
    EXPECT_TRUE(engine->take_detached_errors().empty());
    EXPECT_EQ(flows_of(id1), 4u);
    EXPECT_EQ(flows_of(id2), 4u);

    flowapi::Batch again;  // adds of flows that exist: refused, reported by take_detached_errors
    for (const auto& f : first.flows()) again.ops.push_back({flowapi::OpKind::kAdd, f});
    ASSERT_TRUE(engine->apply_detached(again));

    auto stats = engine->end_calls({"end-1", "unknown", "end-2"});
    ASSERT_EQ(stats.size(), 3u);
    ASSERT_TRUE(stats[0]);
    EXPECT_FALSE(stats[1]);
    ASSERT_TRUE(stats[2]);
    EXPECT_EQ((*stats[0])[0].codec, "PCMU");
    EXPECT_EQ((*stats[2])[1].packets, 0u) << "no traffic on net_null";
    EXPECT_EQ(engine->find("end-1"), nullptr);
    EXPECT_EQ(engine->port_pools().used("alice-side"), 0u) << "ports released at once";

    // One more blocking round trip on the same connection: every earlier reply has been read.
    auto& third = call(*engine, "end-3");
    ASSERT_TRUE(engine->apply(third.take_changes()));
    auto errors = engine->take_detached_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("refused op 0"), std::string::npos) << errors[0];
    EXPECT_EQ(flows_of(id1), 0u);
    EXPECT_EQ(flows_of(id2), 0u);
    ASSERT_TRUE(engine->delete_call("end-3"));
}

TEST_F(MediaEngineLive, CreateFailsClearlyWithoutADataplane) {
    auto engine = MediaEngine::create(two_sided(30000, 30999, dir_ + "/missing.sock"));
    ASSERT_FALSE(engine);
    EXPECT_EQ(engine.error().code, MediaError::Code::kDataplane);
    EXPECT_NE(engine.error().what.find("missing.sock"), std::string::npos) << engine.error().what;
}

}  // namespace
}  // namespace rtpx::media
