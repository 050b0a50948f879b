// rtpx-bench end to end through DPDK: the engine sends on a ring port (rte_eth_from_rings) whose TX
// ring an impairment stage drains; the stage drops, delays (in steps of a virtual clock),
// duplicates and passes frames back on the port's RX ring, and keeps exact tallies. The receiver's
// loss, duplicate, reordering and latency figures must equal them. No timing: the engine is driven
// with virtual time. One EAL per process: --no-huge --no-shconf, unique prefix.
#include <unistd.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpx/bench/engine.hpp"
#include "rtpx/bench/scenario.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::bench {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        const std::string prefix = "--file-prefix=rtpx-bench-test-" + std::to_string(::getpid());
        std::vector<std::string> args = {
            "bench_loop_test", "--no-huge", "-m", "256",         "--no-shconf",
            "--no-pci",        "-l",        "0",  "--log-level", "error",
            "--no-telemetry",  prefix};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0);
        g_pool =
            rte_pktmbuf_pool_create("bench_test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
        ASSERT_NE(g_pool, nullptr);
    }
    void TearDown() override {
        rte_mempool_free(g_pool);
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        (void)::rmdir(runtime_dir.c_str());
    }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

// A ring port: what the engine sends lands in `out`; what the stage puts in `back` is received.
struct RingPort {
    rte_ring* out = nullptr;
    rte_ring* back = nullptr;
    std::uint16_t port = 0;
    explicit RingPort(const std::string& name) {
        out = rte_ring_create((name + "_o").c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        back = rte_ring_create((name + "_b").c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        const int id = rte_eth_from_rings(name.c_str(), &back, 1, &out, 1, 0);
        EXPECT_GE(id, 0);
        port = static_cast<std::uint16_t>(id);
        auto r = setup_port(port, g_pool, 1024, 1024);
        EXPECT_TRUE(r) << (r ? "" : r.error());
    }
    ~RingPort() {
        (void)rte_eth_dev_stop(port);
        (void)rte_eth_dev_close(port);
        rte_mbuf* m = nullptr;
        while (rte_ring_dequeue(out, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
        while (rte_ring_dequeue(back, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
        rte_ring_free(out);
        rte_ring_free(back);
    }
};

// The impairment stage. Frame k (in TX order, from 0): dropped when k % drop_every == drop_at,
// duplicated when k % dup_every == dup_at, held for `delay_steps` steps when k % delay_every ==
// delay_at. Tallies per stream what it did.
struct Impairment {
    std::uint64_t drop_every = 97, drop_at = 3;
    std::uint64_t dup_every = 113, dup_at = 7;
    std::uint64_t delay_every = 101, delay_at = 50, delay_steps = 5;
    std::uint64_t k = 0;
    std::map<std::uint32_t, std::uint64_t> dropped, duplicated, delayed, passed;
    std::deque<std::pair<std::uint64_t, rte_mbuf*>> held;  // (release step, frame)

    static std::uint32_t stream_of(rte_mbuf* m) {
        auto udp = rtp::capture::parse_udp_frame(
            rtp::capture::kLinkTypeEthernet,
            ByteSpan(rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len));
        EXPECT_TRUE(udp);
        return (udp->dst_port - 20000) / 2;  // the scenario's port plan (one address)
    }

    void step(RingPort& rp, std::uint64_t now_step) {
        std::array<rte_mbuf*, 64> in;
        unsigned n = 0;
        while ((n = rte_ring_dequeue_burst(rp.out, reinterpret_cast<void**>(in.data()), 64,
                                           nullptr)) != 0) {
            for (unsigned i = 0; i < n; ++i, ++k) {
                rte_mbuf* m = in[i];
                const std::uint32_t s = stream_of(m);
                if (k % drop_every == drop_at) {
                    ++dropped[s];
                    rte_pktmbuf_free(m);
                    continue;
                }
                if (k % delay_every == delay_at) {
                    ++delayed[s];
                    held.emplace_back(now_step + delay_steps, m);
                    continue;
                }
                if (k % dup_every == dup_at) {
                    ++duplicated[s];
                    rte_mbuf* c = rte_pktmbuf_copy(m, g_pool, 0, UINT32_MAX);
                    ASSERT_NE(c, nullptr);
                    ASSERT_EQ(rte_ring_enqueue(rp.back, c), 0);
                }
                ++passed[s];
                ASSERT_EQ(rte_ring_enqueue(rp.back, m), 0);
            }
        }
        while (!held.empty() && held.front().first <= now_step) {
            ++passed[stream_of(held.front().second)];
            ASSERT_EQ(rte_ring_enqueue(rp.back, held.front().second), 0);
            held.pop_front();
        }
    }
    static std::uint64_t total(const std::map<std::uint32_t, std::uint64_t>& m) {
        std::uint64_t t = 0;
        for (const auto& [k_, v] : m) t += v;
        return t;
    }
};

struct LoopRun {
    std::unique_ptr<Generator> gen;
    std::unique_ptr<Receiver> rx;
    Impairment imp;
    EngineCounters counters;
};

// 10 G.711 streams, 10 frames per 1000-ns step for `steps` steps, then 10 idle steps to flush.
// The scenario's generator and receiver (expecting every stream back).
void make_pair(const Scenario& sc, LoopRun& run) {
    auto streams = make_streams(sc);
    ASSERT_TRUE(streams);
    auto returns = make_returns(sc, true);
    ASSERT_TRUE(returns);
    auto g = Generator::create(std::move(*streams));
    ASSERT_TRUE(g);
    auto r = Receiver::create(sc.flows, *returns);
    ASSERT_TRUE(r);
    run.gen = std::move(*g);
    run.rx = std::move(*r);
}

void run_loop(const std::string& name, const Scenario& sc, LoopRun& run, std::uint64_t steps) {
    RingPort rp(name);
    make_pair(sc, run);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    Engine engine(*run.gen, *run.rx, EngineConfig{rp.port, rp.port, 0, 0, g_pool, 10});
    for (std::uint64_t t = 0; t < steps + 10; ++t) {
        const std::uint64_t now = t * 1000;
        if (t < steps) {
            ASSERT_EQ(engine.tx(now, 10), 10u);
        }
        run.imp.step(rp, t);
        while (engine.rx(now) != 0) {
        }
    }
    EXPECT_EQ(engine.queued(), 0u);
    run.counters = engine.counters();
}

Scenario ten_streams() {
    auto s = parse_scenario("[streams]\nflows = 10\nprofile = \"g711\"\n");
    EXPECT_TRUE(s);
    return *s;
}

TEST(BenchLoop, LossDuplicatesReorderingAndLatencyMatchTheImpairmentExactly) {
    LoopRun run;
    // 499 steps: the last held frame (k = 4898) still has later frames of its stream behind it.
    run_loop("bench_ring_plain", ten_streams(), run, 499);
    const auto& imp = run.imp;
    const RxTotals& t = run.rx->totals();
    EXPECT_EQ(run.counters.tx_rtp, 4990u);
    EXPECT_EQ(t.received + Impairment::total(imp.dropped), 4990u);
    EXPECT_EQ(Impairment::total(imp.dropped), 4990u / 97 + (4990 % 97 > 3 ? 1 : 0));
    EXPECT_EQ(t.duplicates, Impairment::total(imp.duplicated));
    // Each held frame arrives after five later frames of its stream: one reordered arrival each.
    EXPECT_EQ(t.reordered, Impairment::total(imp.delayed));
    EXPECT_GT(t.reordered, 40u);
    for (std::uint32_t s = 0; s < 10; ++s) {
        const StreamRx& st = run.rx->stream(s);
        EXPECT_EQ(st.received,
                  run.gen->sent_of(s) - (imp.dropped.contains(s) ? imp.dropped.at(s) : 0))
            << "stream " << s;
        EXPECT_EQ(st.reordered, imp.delayed.contains(s) ? imp.delayed.at(s) : 0) << "stream " << s;
        // Streams with no held frame see a constant transit: no added jitter.
        if (!imp.delayed.contains(s)) {
            EXPECT_EQ(st.jitter_ns16, 0u) << "stream " << s;
        }
    }
    // Latency: frames pass in the step they were sent (0 ns) or are held 5 steps (5000 ns).
    const LatencyHistogram& h = run.rx->latency();
    EXPECT_EQ(h.count(), t.received);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 5000u);
    EXPECT_EQ(h.percentile(0.5), 0u);
    EXPECT_EQ(h.bucket_count(LatencyHistogram::bucket_of(5000)), Impairment::total(imp.delayed));
    EXPECT_EQ(t.drops, (std::array<std::uint64_t, 4>{}));
}

TEST(BenchLoop, SrtpRoundTripUnprotectsAndReportsReplaysAsSrtpFailures) {
    Scenario sc = ten_streams();
    sc.srtp_in = rtp::srtp::Suite::kAeadAes128Gcm;
    sc.rtcp_every = 20;
    LoopRun run;
    run_loop("bench_ring_srtp", sc, run, 300);
    const auto& imp = run.imp;
    const RxTotals& t = run.rx->totals();
    const std::uint64_t frames = 3000;
    EXPECT_EQ(run.counters.tx_frames, frames);
    EXPECT_EQ(run.counters.tx_rtp + run.counters.tx_rtcp, frames);
    EXPECT_GT(run.counters.tx_rtcp, 100u);
    // Everything that came back once decrypts; the duplicates are refused by the replay window.
    EXPECT_EQ(t.received + t.rtcp + Impairment::total(imp.dropped), frames);
    EXPECT_EQ(t.drops[static_cast<std::size_t>(RxDrop::kSrtpFailed)],
              Impairment::total(imp.duplicated));
    EXPECT_EQ(t.duplicates, 0u);
    EXPECT_EQ(run.gen->counters().srtp_failures, 0u);
}

TEST(BenchLoop, MinBurstSendsPacedTrialsInTrainsOfThatSize) {
    RingPort rp("bench_ring_train");
    const Scenario sc = ten_streams();
    LoopRun run;
    make_pair(sc, run);
    ASSERT_FALSE(HasFatalFailure());
    EngineConfig config{rp.port, rp.port, 0, 0, g_pool, 8, 8};  // burst = min_burst: trains of 8
    Engine engine(*run.gen, *run.rx, config);
    // 2000 pps for 0.2 s: 400 frames, all left in the ring's TX side (nothing comes back).
    const TrialStats t = engine.run_trial(2000, 0.2, 0);
    const EngineCounters& c = engine.counters();
    ASSERT_GT(c.generated, 0u);
    // Every train but the trial's last is exactly 8 frames, whether or not the generator fell
    // behind (it never sends fewer than min_burst, nor more than burst, per poll).
    EXPECT_EQ(c.tx_bursts, (c.generated + 7) / 8);
    EXPECT_LE(c.generated, 400u);
    EXPECT_EQ(c.tx_frames, c.generated);
    EXPECT_EQ(rte_ring_count(rp.out), c.generated);
    EXPECT_EQ(t.outcome.sent, c.tx_rtp);
}

}  // namespace
}  // namespace rtpx::bench
