// Dispatcher mode on synthetic mbufs: the net_ring port as the single-queue port, a Dispatcher
// reading it into per-worker SPSC rings, and the fixture's Worker reading its ring instead of the
// port. One EAL per process: --no-huge --no-shconf, unique prefix.
#include "rtpx/dataplane/dispatcher.hpp"

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "frames.hpp"
#include "ring_worker_fixture.hpp"
#include "rtpx/dataplane/config.hpp"

namespace rtpx::dataplane {
namespace {

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new RingEnvironment("dispatcher"));

// The first media port from `from` whose frames the hash gives to `worker` of `workers`.
std::uint16_t port_for_worker(std::uint16_t worker, std::uint16_t workers,
                              std::uint16_t from = 30000) {
    for (std::uint16_t p = from;; p += 2) {
        const Bytes f = frames::udp(p, frames::rtp(1));
        if (dispatch_worker(f.data(), f.size(), workers) == worker) return p;
    }
}

TEST(DispatchWorker, AFlowAlwaysMeetsOneWorkerAndFlowsSpreadOverAll) {
    std::vector<int> per_worker(4, 0);
    for (std::uint16_t p = 20000; p < 22000; p += 2) {
        const Bytes a = frames::udp(p, frames::rtp(1), 4000);
        const Bytes b = frames::udp(p, frames::rtp(2, 20), 4002);  // same flow, other source
        const std::uint16_t w = dispatch_worker(a.data(), a.size(), 4);
        ASSERT_LT(w, 4u);
        EXPECT_EQ(dispatch_worker(b.data(), b.size(), 4), w) << p;
        ++per_worker[w];
    }
    for (int n : per_worker) EXPECT_GT(n, 150);  // 1000 flows over 4 workers
    const Bytes syn = frames::tcp_syn(22);
    EXPECT_EQ(dispatch_worker(syn.data(), syn.size(), 4), 0u);  // not UDP: worker 0
    EXPECT_EQ(dispatch_worker(syn.data(), 5, 4), 0u);
}

TEST(DispatchConfig, IsABooleanAndNeedsNoPinnedLcores) {
    const std::string port = "[[port]]\nvdev = \"net_ring0\"\naddresses = [\"192.0.2.1\"]\n";
    auto c = parse_config("[dataplane]\nlcores = \"0-3\"\ndispatch = true\n" + port, "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_TRUE(c->dispatch);
    c = parse_config("[dataplane]\ndispatch = true\nworkers = 3\n" + port, "dp.toml");
    ASSERT_TRUE(c) << c.error();  // the sched/ plan places the dispatcher (placement.hpp)
    EXPECT_TRUE(c->dispatch);
    EXPECT_EQ(c->workers, 3u);
    c = parse_config("[dataplane]\nlcores = \"0-3\"\ndispatch = 1\n" + port, "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), "dp.toml:3:12: dataplane.dispatch: expected true or false");
    c = parse_config("[dataplane]\nworkers = 256\n" + port, "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), "dp.toml:2:11: dataplane.workers: must be from 0 to 255");
}

class DispatcherTest : public RingWorkerTest {
  protected:
    void configure(WorkerContext& ctx) override {
        for (std::size_t w = 0; w < rings_.size(); ++w) {
            rings_[w] = rte_ring_create(
                ("disp_test_" + std::to_string(counter_) + "_" + std::to_string(w)).c_str(),
                ring_size(), 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
            ASSERT_NE(rings_[w], nullptr);
        }
        ctx.rx_rings[0] = rings_[0];  // the fixture's worker is worker 0
        DispatcherContext dc;
        dc.ports = ctx.ports;
        dc.port_count = 1;
        dc.rings = {{rings_[0]}, {rings_[1]}};
        dc.counters = &dispatcher_counters_;
        dc.stop = &stop_;
        dispatcher_ = std::make_unique<Dispatcher>(std::move(dc));
    }
    virtual unsigned ring_size() const { return 256; }
    void TearDown() override {
        RingWorkerTest::TearDown();
        for (auto* r : rings_) {
            void* m = nullptr;
            while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
            rte_ring_free(r);
        }
    }
    // Frames arrive on the port (the ring port's TX loops to its RX).
    void arrive(const std::vector<Bytes>& frames) {
        for (const auto& f : frames) {
            rte_mbuf* m = to_mbuf(f);
            ASSERT_EQ(rte_eth_tx_burst(g_ring_port, 0, &m, 1), 1u);
        }
    }
    std::array<rte_ring*, 2> rings_{};
    LcoreCounters dispatcher_counters_;
    std::unique_ptr<Dispatcher> dispatcher_;
};

// Two flows, one per worker: the dispatcher puts each flow's packets on its worker's ring; worker
// 0 relays its flow from the ring; worker 1's packets wait on worker 1's ring.
TEST_F(DispatcherTest, EachFlowGoesToItsWorkersRingAndIsRelayedFromThere) {
    auto mine = spec();
    mine.local.port = port_for_worker(0, 2);
    auto theirs = spec();
    theirs.local.port = port_for_worker(1, 2);
    ASSERT_TRUE(add(mine).ok);
    ASSERT_TRUE(add(theirs).ok);
    std::vector<Bytes> in;
    for (std::uint16_t i = 0; i < 6; ++i) {
        in.push_back(frames::udp(mine.local.port, frames::rtp(i)));
        in.push_back(frames::udp(theirs.local.port, frames::rtp(i)));
    }
    arrive(in);
    EXPECT_EQ(dispatcher_->poll_once(), 12u);
    EXPECT_EQ(rte_ring_count(rings_[0]), 6u);
    EXPECT_EQ(rte_ring_count(rings_[1]), 6u);
    EXPECT_EQ(worker_->poll_once(), 6u);
    const auto out = drain();
    ASSERT_EQ(out.size(), 6u);
    for (const auto& f : out) EXPECT_EQ(f[36] << 8 | f[37], 5004);  // to the flow's destination
    EXPECT_EQ(table_->stats({mine.local})[0].counters.packets, 6u);
    EXPECT_EQ(table_->stats({theirs.local})[0].counters.packets, 0u);
    EXPECT_EQ(rte_ring_count(rings_[1]), 6u);
    EXPECT_EQ(counters_.rx.get(), 6u);
}

class SmallRingDispatcherTest : public DispatcherTest {
  protected:
    unsigned ring_size() const override { return 4; }  // holds 3
};

TEST_F(SmallRingDispatcherTest, AFullRingDropsAsDispatchRingFull) {
    const std::uint16_t port = port_for_worker(1, 2);
    std::vector<Bytes> in;
    for (std::uint16_t i = 0; i < 10; ++i) in.push_back(frames::udp(port, frames::rtp(i)));
    arrive(in);
    EXPECT_EQ(dispatcher_->poll_once(), 10u);
    EXPECT_EQ(rte_ring_count(rings_[1]), 3u);
    EXPECT_EQ(
        dispatcher_counters_.drops[static_cast<std::size_t>(DropReason::kDispatchRingFull)].get(),
        7u);
}

}  // namespace
}  // namespace rtpx::dataplane
