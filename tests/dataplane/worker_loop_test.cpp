// The worker loop around the pipeline: idle back-off (the state machine, and Worker::run sleeping
// when idle and counting it), the loop-gap statistic, idle_sleep_us in the configuration, and UDP
// checksums carried over incrementally (RFC 1624) through the RTP rewrites. EAL --no-huge on a
// net_ring vdev; no timing is asserted.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ring_worker_fixture.hpp"
#include "rtpx/dataplane/config.hpp"
#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::dataplane {
namespace {

// The shared EAL + net_ring0 environment (ring_worker_fixture.hpp), sized for this suite.
const std::uint16_t& g_port = g_ring_port;
const auto* const g_env =
    ::testing::AddGlobalTestEnvironment(new RingEnvironment("worker-loop", 511, 256));

// ---- IdleBackoff
// ---------------------------------------------------------------------------------

TEST(IdleBackoff, SpinsThenSleepsDoublingUpToTheMaximum) {
    IdleBackoff b(100);
    for (std::uint32_t i = 0; i < IdleBackoff::kSpinPolls; ++i) ASSERT_EQ(b.after_poll(false), 0u);
    std::vector<std::uint32_t> sleeps;
    for (int i = 0; i < 10; ++i) sleeps.push_back(b.after_poll(false));
    EXPECT_EQ(sleeps, (std::vector<std::uint32_t>{1, 2, 4, 8, 16, 32, 64, 100, 100, 100}));
}

TEST(IdleBackoff, OnePollWithWorkReturnsToBusyPolling) {
    IdleBackoff b(50);
    for (std::uint32_t i = 0; i < IdleBackoff::kSpinPolls + 5; ++i) (void)b.after_poll(false);
    EXPECT_EQ(b.after_poll(true), 0u);
    // The spin phase starts over, and so does the doubling.
    for (std::uint32_t i = 0; i < IdleBackoff::kSpinPolls; ++i) ASSERT_EQ(b.after_poll(false), 0u);
    EXPECT_EQ(b.after_poll(false), 1u);
}

TEST(IdleBackoff, ZeroMeansPureBusyPoll) {
    IdleBackoff b(0);
    for (std::uint32_t i = 0; i < 10 * IdleBackoff::kSpinPolls; ++i)
        ASSERT_EQ(b.after_poll(false), 0u);
}

// ---- Configuration ------------------------------------------------------------------------------

constexpr std::string_view kPort = "[[port]]\nvdev = \"net_ring0\"\naddresses = [\"192.0.2.1\"]\n";

TEST(WorkerLoopConfig, IdleSleepDefaultsOnAndCanBeTurnedOffAndLcoresDefaultToThePlan) {
    auto c = parse_config(kPort, "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->idle_sleep_us, 200u);
    EXPECT_TRUE(c->lcores.empty());  // not pinned: the sched/ plan chooses
    c = parse_config("[dataplane]\nidle_sleep_us = 0\n" + std::string(kPort), "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->idle_sleep_us, 0u);
}

TEST(WorkerLoopConfig, IdleSleepOutOfRangeIsNamed) {
    const auto c =
        parse_config("[dataplane]\nidle_sleep_us = 1000000\n" + std::string(kPort), "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), "dp.toml:2:17: dataplane.idle_sleep_us: must be from 0 to 100000");
}

// ---- A worker on the ring
// -------------------------------------------------------------------------

// RFC 1071 byte by byte: all ones when the stored checksum is right.
std::uint16_t reference_sum(const Bytes& b) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < b.size(); i += 2)
        sum += static_cast<std::uint32_t>(b[i] << 8) | (i + 1 < b.size() ? b[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// The UDP checksum check of an untagged IPv4 frame: pseudo-header + UDP segment.
std::uint16_t udp_check(const Bytes& f) {
    const std::size_t udp_len = static_cast<std::size_t>(f[38] << 8 | f[39]);
    Bytes b(f.begin() + 26, f.begin() + 34);
    b.insert(b.end(),
             {0, 17, static_cast<std::uint8_t>(udp_len >> 8), static_cast<std::uint8_t>(udp_len)});
    b.insert(b.end(), f.begin() + 34, f.begin() + 34 + static_cast<std::ptrdiff_t>(udp_len));
    return reference_sum(b);
}

// Ethernet/IPv4/UDP to 192.0.2.1:30000 carrying RTP (PT 96, seq, ts 800, SSRC 0x11223344) with an
// RFC 8285 one-byte extension block (ID 1, one byte) and an odd-sized payload, with a correct UDP
// checksum (or a wrong one).
Bytes frame(std::uint16_t seq, bool corrupt_checksum = false) {
    Bytes rtp = {0x90,
                 96,
                 static_cast<std::uint8_t>(seq >> 8),
                 static_cast<std::uint8_t>(seq),
                 0,
                 0,
                 0x03,
                 0x20,
                 0x11,
                 0x22,
                 0x33,
                 0x44,
                 0xBE,
                 0xDE,
                 0x00,
                 0x01,
                 0x10,
                 0xAB,
                 0x00,
                 0x00};
    for (int i = 0; i < 161; ++i) rtp.push_back(static_cast<std::uint8_t>(i * 7));
    Bytes f(kPortMac.begin(), kPortMac.end());
    f.insert(f.end(), {0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00});
    const std::size_t udp = 8 + rtp.size();
    const std::size_t total = 20 + udp;
    f.insert(f.end(), {0x45,
                       0,
                       static_cast<std::uint8_t>(total >> 8),
                       static_cast<std::uint8_t>(total),
                       0,
                       1,
                       0,
                       0,
                       64,
                       17,
                       0,
                       0,
                       198,
                       51,
                       100,
                       7,
                       192,
                       0,
                       2,
                       1,
                       0x0F,
                       0xA0,
                       0x75,
                       0x30,
                       static_cast<std::uint8_t>(udp >> 8),
                       static_cast<std::uint8_t>(udp),
                       0,
                       0});
    f.insert(f.end(), rtp.begin(), rtp.end());
    const std::uint16_t sum = static_cast<std::uint16_t>(~udp_check(f));
    f[40] = static_cast<std::uint8_t>(sum >> 8);
    f[41] = static_cast<std::uint8_t>(sum ^ (corrupt_checksum ? 0x5A : 0));
    return f;
}

class WorkerLoop : public ::testing::Test {
  protected:
    void SetUp() override {
        auto t = FlowTable::create("loop_flows_" + std::to_string(serial_++), 64, 1, 0);
        ASSERT_TRUE(t) << t.error();
        table_ = std::move(*t);
        port_.port_id = g_port;
        port_.identity.mac = kPortMac;
        port_.identity.ipv4_count = 1;
        port_.identity.ipv4[0] = {192, 0, 2, 1};
        port_.neighbours = &neighbours_;
    }
    WorkerContext context(std::uint32_t idle_sleep_us) {
        WorkerContext ctx;
        ctx.ports = &port_;
        ctx.port_count = 1;
        ctx.flows = table_.get();
        ctx.counters = &counters_;
        ctx.stop = &stop_;
        ctx.clock = TscClock::start();
        ctx.idle_sleep_us = idle_sleep_us;
        return ctx;
    }
    // Worker::run on a thread of its own for a while, on an empty queue.
    void run_idle(std::uint32_t idle_sleep_us) {
        Worker worker(context(idle_sleep_us));
        stop_.store(false);
        std::thread t([&] { (void)worker.run(); });
        // Until the worker has slept a few times (bounded), or a fixed while for busy polling.
        if (idle_sleep_us == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        for (int i = 0; i < 400 && idle_sleep_us != 0 && counters_.idle_sleeps.get() < 10; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        stop_.store(true);
        t.join();
    }
    // rx_checksum_good: as a port that verified the UDP checksum marks the mbuf.
    std::vector<Bytes> relay(const flowapi::FlowSpec& spec, const std::vector<Bytes>& frames,
                             bool rx_checksum_good) {
        PortAddressBook book;
        book.port_of = [](const flowapi::IpAddress&) { return 0; };
        book.describe_port = [](int, FlowConfig& c) { c.egress_mac = kPortMac; };
        EXPECT_TRUE(table_->apply({{{flowapi::OpKind::kAdd, spec}}}, book).ok);
        Worker worker(context(0));
        std::vector<rte_mbuf*> in;
        for (const auto& f : frames) {
            rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
            std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size())), f.data(),
                        f.size());
            if (rx_checksum_good) m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
            in.push_back(m);
        }
        worker.process_burst(0, in.data(), static_cast<std::uint16_t>(in.size()), 1'000'000'000);
        worker.flush();
        std::vector<Bytes> out;
        std::array<rte_mbuf*, 32> got;
        std::uint16_t n = 0;
        while ((n = rte_eth_rx_burst(g_port, 0, got.data(), got.size())) > 0) {
            for (std::uint16_t i = 0; i < n; ++i) {
                const auto* p = rte_pktmbuf_mtod(got[i], const std::uint8_t*);
                out.emplace_back(p, p + rte_pktmbuf_data_len(got[i]));
                rte_pktmbuf_free(got[i]);
            }
        }
        return out;
    }
    static flowapi::FlowSpec spec() {
        flowapi::FlowSpec s;
        s.local = *flowapi::parse_endpoint("192.0.2.1:30000");
        s.egress_source = *flowapi::parse_endpoint("192.0.2.1:30002");
        s.egress_destination = *flowapi::parse_endpoint("203.0.113.9:5004");
        s.next_hop_mac = kNextHopMac;
        return s;
    }

    static inline int serial_ = 0;
    std::unique_ptr<FlowTable> table_;
    PortContext port_;
    NeighbourTable neighbours_;
    LcoreCounters counters_;
    std::atomic<bool> stop_{false};
};

TEST_F(WorkerLoop, IdleWorkerSleepsAndMeasuresItsLoop) {
    run_idle(50);
    EXPECT_GE(counters_.idle_sleeps.get(), 10u);
    EXPECT_GT(counters_.max_loop_gap_cycles.get(), 0u);
}

TEST_F(WorkerLoop, BusyPollingWorkerNeverSleeps) {
    run_idle(0);
    EXPECT_EQ(counters_.idle_sleeps.get(), 0u);
    EXPECT_GT(counters_.max_loop_gap_cycles.get(), 0u);
}

TEST_F(WorkerLoop, PollOnceCountsWhatItHandled) {
    Worker worker(context(0));
    EXPECT_EQ(worker.poll_once(), 0u);
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    const Bytes f = frame(1);
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
    ASSERT_EQ(rte_eth_tx_burst(g_port, 0, &m, 1), 1);
    EXPECT_EQ(worker.poll_once(), 1u);  // no flow: received and dropped
    EXPECT_EQ(counters_.drops[static_cast<std::size_t>(DropReason::kNoFlow)].get(), 1u);
}

// Every RTP header rewrite at once (PT, sequence, timestamp, SSRC, extension ID) over an odd-sized
// payload: the checksum carried over from the ingress one must equal a full recomputation.
TEST_F(WorkerLoop, IncrementalChecksumsMatchAFullSumThroughEveryRewrite) {
    auto s = spec();
    s.pt_map[96] = 111;
    s.seq_offset = 0x8001;
    s.timestamp_offset = 0xFFFF0001;
    s.rewrite_ssrc = 0xCAFEBABE;
    s.extension_map[1] = 7;
    const auto out = relay(s, {frame(1), frame(2), frame(0xFFFF)}, true);
    ASSERT_EQ(out.size(), 3u);
    for (const auto& o : out) {
        auto p = parse_frame(o.data(), o.size());
        ASSERT_TRUE(p);
        auto view =
            rtp::RtpView::parse(rtp::ByteSpan(o.data() + p->payload_offset(), p->payload_size()));
        ASSERT_TRUE(view);
        EXPECT_EQ(view->payload_type(), 111);
        EXPECT_EQ(view->ssrc(), 0xCAFEBABEu);
        EXPECT_EQ(o[p->payload_offset() + 16], 0x70);  // ID 7, length 0
        EXPECT_EQ(udp_check(o), 0xFFFF);
    }
}

// A checksum the port did not verify is not trusted (veth + af_packet deliver partial sums): the
// egress checksum is computed in full.
TEST_F(WorkerLoop, UnverifiedIngressChecksumsAreNotCarriedOver) {
    auto s = spec();
    s.seq_offset = 10;
    const auto out = relay(s, {frame(1, true)}, false);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(udp_check(out[0]), 0xFFFF);
}

// A corrupted datagram that the port vouched for stays detectably corrupted: the relay neither
// repairs nor hides it.
TEST_F(WorkerLoop, AWrongVerifiedChecksumStaysWrong) {
    auto s = spec();
    s.seq_offset = 10;
    const auto out = relay(s, {frame(1, true)}, true);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_NE(udp_check(out[0]), 0xFFFF);
}

// A sender that sent no checksum (IPv4, zero) gets a full one.
TEST_F(WorkerLoop, NoIngressChecksumGetsAFullSum) {
    Bytes f = frame(1);
    f[40] = 0;
    f[41] = 0;
    const auto out = relay(spec(), {f}, true);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(udp_check(out[0]), 0xFFFF);
}

}  // namespace
}  // namespace rtpx::dataplane
