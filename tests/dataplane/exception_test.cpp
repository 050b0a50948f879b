// The exception port on synthetic mbufs: a second net_ring stands in for the TAP, so every case
// is exact and needs no privileges; the TAP itself is exercised by
// tests/integration/dataplane_exception_test.sh. One EAL per process: --no-huge --no-shconf.
#include "rtpx/dataplane/exception.hpp"

#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <rte_dev.h>

#include "frames.hpp"
#include "ring_worker_fixture.hpp"
#include "rtpx/dataplane/config.hpp"

namespace rtpx::dataplane {
namespace {

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new RingEnvironment("exception"));

constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;

// The stand-in TAP, a second net_ring (TX loops back to RX) probed once per process: what the
// worker hands to the kernel is read with rx_burst, what the kernel sends is put there with
// tx_burst.
std::uint16_t fake_tap() {
    static const std::uint16_t port = [] {
        std::uint16_t id = 0;
        EXPECT_EQ(rte_dev_probe("net_ring1"), 0);
        EXPECT_EQ(rte_eth_dev_get_port_by_name("net_ring1", &id), 0);
        rte_eth_conf conf{};
        EXPECT_EQ(rte_eth_dev_configure(id, 1, 1, &conf), 0);
        EXPECT_EQ(rte_eth_rx_queue_setup(id, 0, 256, 0, nullptr, g_pool), 0);
        EXPECT_EQ(rte_eth_tx_queue_setup(id, 0, 256, 0, nullptr), 0);
        EXPECT_EQ(rte_eth_dev_start(id), 0);
        return id;
    }();
    return port;
}

class ExceptionTest : public RingWorkerTest {
  protected:
    void configure(WorkerContext& ctx) override {
        port_.has_exception = true;
        port_.exception_port_id = fake_tap();
        port_.exception_rate_pps = rate_pps();
        exception_ = std::make_unique<ExceptionPath>(ctx.ports, ctx.port_count, 0, ctx.counters);
        ctx.exception = exception_.get();
    }
    virtual std::uint32_t rate_pps() const { return kDefaultExceptionRatePps; }
    void TearDown() override {
        (void)kernel_received();
        RingWorkerTest::TearDown();
    }
    // What the worker handed to the kernel since the last call.
    std::vector<Bytes> kernel_received() {
        std::vector<Bytes> out;
        std::array<rte_mbuf*, 32> got;
        std::uint16_t n = 0;
        while ((n = rte_eth_rx_burst(fake_tap(), 0, got.data(), got.size())) > 0) {
            for (std::uint16_t i = 0; i < n; ++i) {
                out.push_back(bytes_of(got[i]));
                rte_pktmbuf_free(got[i]);
            }
        }
        return out;
    }
    std::vector<Bytes> run_at(const std::vector<Bytes>& frames) {
        std::vector<rte_mbuf*> in;
        for (const auto& f : frames) in.push_back(to_mbuf(f));
        worker_->process_burst(0, in.data(), static_cast<std::uint16_t>(in.size()), kT0);
        worker_->flush();
        return drain();
    }
    std::unique_ptr<ExceptionPath> exception_;
};

Bytes arp(std::uint16_t op, const std::array<std::uint8_t, 4>& target) {
    Bytes f(op == 1 ? 6 : 0, 0xFF);
    if (op != 1) f.assign(kPortMac.begin(), kPortMac.end());
    f.insert(f.end(), frames::kPeerMac.begin(), frames::kPeerMac.end());
    f.insert(f.end(), {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, static_cast<std::uint8_t>(op)});
    f.insert(f.end(), frames::kPeerMac.begin(), frames::kPeerMac.end());
    f.insert(f.end(), frames::kPeer.begin(), frames::kPeer.end());
    if (op == 1) {
        f.insert(f.end(), 6, 0);
    } else {
        f.insert(f.end(), kPortMac.begin(), kPortMac.end());
    }
    f.insert(f.end(), target.begin(), target.end());
    return f;
}

// SSH (TCP) and SIP (UDP 5060, no flow) to the media address go to the kernel unchanged; media
// to a flow's port is relayed as before; nothing is counted as a drop.
TEST_F(ExceptionTest, NonMediaTrafficForOurAddressGoesToTheKernel) {
    ASSERT_TRUE(add(spec()).ok);
    const Bytes ssh = frames::tcp_syn(22);
    const Bytes sip = frames::udp(5060, Bytes(300, 'S'), 5060);
    const auto out = run_at({ssh, sip, frames::udp(30000, frames::rtp(1))});
    EXPECT_EQ(out.size(), 1u);  // the RTP, relayed
    const auto kernel = kernel_received();
    ASSERT_EQ(kernel.size(), 2u);
    EXPECT_EQ(kernel[0], ssh);
    EXPECT_EQ(kernel[1], sip);
    EXPECT_EQ(exception_->counters().to_kernel.get(), 2u);
    for (std::size_t r = 0; r < flowapi::kDropReasonCount; ++r)
        EXPECT_EQ(counters_.drops[r].get(), 0u) << r;
}

// What is not for our addresses stays dropped by its reason: UDP to another IP that reached our
// MAC, TCP to another IP, TCP for another MAC.
TEST_F(ExceptionTest, TrafficForOtherAddressesIsStillDropped) {
    Bytes other_ip = frames::udp(5060, Bytes(20, 0));
    other_ip[30 + 3] = 99;  // 192.0.2.99
    Bytes other_tcp = frames::tcp_syn(22);
    other_tcp[30 + 3] = 99;
    Bytes other_mac = frames::tcp_syn(22);
    other_mac[5] = 0xBB;
    EXPECT_TRUE(run_at({other_ip, other_tcp, other_mac}).empty());
    EXPECT_TRUE(kernel_received().empty());
    EXPECT_EQ(drops(DropReason::kNoFlow), 1u);
    EXPECT_EQ(drops(DropReason::kUnsupportedL3), 2u);  // parsing rejects TCP before the MAC check
}

// ARP requests for our address are still answered by the data plane; ARP replies (the kernel's
// own resolution) reach the kernel as well as teaching the data plane the neighbour.
TEST_F(ExceptionTest, ArpRepliesReachTheKernelRequestsAreAnsweredHere) {
    const auto answered = run_at({arp(1, frames::kUs)});
    ASSERT_EQ(answered.size(), 1u);
    EXPECT_TRUE(kernel_received().empty());
    const Bytes reply = arp(2, frames::kUs);
    EXPECT_TRUE(run_at({reply}).empty());
    const auto kernel = kernel_received();
    ASSERT_EQ(kernel.size(), 1u);
    EXPECT_EQ(kernel[0], reply);
    EXPECT_EQ(drops(DropReason::kExceptionIgnored), 0u);
}

// What the kernel sends on the TAP leaves through the port, unchanged, and counts as TX.
TEST_F(ExceptionTest, FramesFromTheKernelLeaveThroughThePort) {
    Bytes syn_ack = frames::tcp_syn(40000, 22);
    rte_mbuf* m = to_mbuf(syn_ack);
    ASSERT_EQ(rte_eth_tx_burst(fake_tap(), 0, &m, 1), 1u);
    EXPECT_EQ(worker_->poll_once(), 1u);
    const auto out = drain();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], syn_ack);
    EXPECT_EQ(exception_->counters().from_kernel.get(), 1u);
    EXPECT_EQ(counters_.tx.get(), 1u);
}

class LimitedExceptionTest : public ExceptionTest {
  protected:
    std::uint32_t rate_pps() const override { return 20; }  // burst 2
};

// A flood to the media address reaches the kernel at the configured rate; the rest is dropped as
// exception_limited.
TEST_F(LimitedExceptionTest, AFloodIsLimitedAndCounted) {
    std::vector<Bytes> flood;
    for (std::uint16_t i = 0; i < 10; ++i) flood.push_back(frames::tcp_syn(22, 1000 + i));
    EXPECT_TRUE(run_at(flood).empty());
    EXPECT_EQ(kernel_received().size(), 2u);
    EXPECT_EQ(drops(DropReason::kExceptionLimited), 8u);
}

TEST(ExceptionConfig, TapNameAndRateWithErrorsNamed) {
    const std::string port = "[[port]]\nvdev = \"net_ring0\"\naddresses = [\"192.0.2.1\"]\n";
    auto c = parse_config(port, "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_TRUE(c->ports[0].exception.empty());
    EXPECT_EQ(c->ports[0].exception_rate_pps, kDefaultExceptionRatePps);
    c = parse_config(
        port + "exception = \"tap\"\nexception_iface = \"sip0\"\nexception_rate_pps = 0\n",
        "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->ports[0].exception, "tap");
    EXPECT_EQ(c->ports[0].exception_iface, "sip0");
    EXPECT_EQ(c->ports[0].exception_rate_pps, 0u);
    c = parse_config(port + "exception = \"kni\"\n", "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), "dp.toml:4:13: port[0].exception: expected \"tap\" or \"none\"");
    c = parse_config(port + "exception_iface = \"a-very-long-interface\"\n", "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(),
              "dp.toml:4:19: port[0].exception_iface: expected an interface name of 1 to 15 "
              "characters");
}

// for_kernel() alone: VLAN, MAC and address rules.
TEST(ForKernel, MatchesThePortsMacVlanAndAddresses) {
    PortIdentity id = port_identity();
    const Bytes syn = frames::tcp_syn(22);
    EXPECT_TRUE(for_kernel(syn.data(), syn.size(), id));
    Bytes tagged(syn.begin(), syn.begin() + 12);
    tagged.insert(tagged.end(), {0x81, 0x00, 0x00, 0x07});
    tagged.insert(tagged.end(), syn.begin() + 12, syn.end());
    EXPECT_FALSE(for_kernel(tagged.data(), tagged.size(), id));  // VLAN 7, port untagged
    id.vlan = 7;
    EXPECT_TRUE(for_kernel(tagged.data(), tagged.size(), id));
    EXPECT_FALSE(for_kernel(syn.data(), syn.size(), id));  // untagged on a VLAN port
    EXPECT_FALSE(for_kernel(syn.data(), 13, id));
}

}  // namespace
}  // namespace rtpx::dataplane
