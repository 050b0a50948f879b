// Shared by the pipeline tests: one EAL per test process (--no-huge --no-shconf, a unique file
// prefix) with a net_ring vdev whose TX feeds its RX, and a fixture that runs bursts through a
// Worker and a FlowTable on it and reads back what the worker transmitted.
#pragma once

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/worker.hpp"

namespace rtpx::dataplane {

using Bytes = std::vector<std::uint8_t>;

inline rte_mempool* g_pool = nullptr;
inline std::uint16_t g_ring_port = 0;

constexpr std::array<std::uint8_t, 6> kPortMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xAA};
constexpr std::array<std::uint8_t, 6> kNextHopMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

// The EAL, a mempool and net_ring0 started with one queue. `name` prefixes the EAL file prefix.
class RingEnvironment : public ::testing::Environment {
  public:
    explicit RingEnvironment(std::string name, unsigned mbufs = 1023, std::uint16_t ring_size = 256)
        : name_(std::move(name)), mbufs_(mbufs), ring_size_(ring_size) {}
    void SetUp() override {
        const std::string prefix = "--file-prefix=rtpx-" + name_ + "-" + std::to_string(::getpid());
        std::vector<std::string> args = {
            name_,       "--no-huge", "-m",          "64",    "--no-shconf",    "--no-pci",
            "-l",        "0",         "--log-level", "error", "--no-telemetry", "--vdev",
            "net_ring0", prefix};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0);
        g_pool = rte_pktmbuf_pool_create("test_pool", mbufs_, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
        ASSERT_NE(g_pool, nullptr);
        ASSERT_EQ(rte_eth_dev_get_port_by_name("net_ring0", &g_ring_port), 0);
        rte_eth_conf conf{};
        ASSERT_EQ(rte_eth_dev_configure(g_ring_port, 1, 1, &conf), 0);
        ASSERT_EQ(rte_eth_rx_queue_setup(g_ring_port, 0, ring_size_, 0, nullptr, g_pool), 0);
        ASSERT_EQ(rte_eth_tx_queue_setup(g_ring_port, 0, ring_size_, 0, nullptr), 0);
        ASSERT_EQ(rte_eth_dev_start(g_ring_port), 0);
    }
    void TearDown() override {
        (void)rte_eth_dev_stop(g_ring_port);
        (void)rte_eth_dev_close(g_ring_port);
        rte_mempool_free(g_pool);
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        (void)::rmdir(runtime_dir.c_str());
    }

  private:
    std::string name_;
    unsigned mbufs_;
    std::uint16_t ring_size_;
};

// The port the tests' frames arrive at: kPortMac, 192.0.2.1 and 2001:db8::1.
inline PortIdentity port_identity() {
    PortIdentity id;
    id.mac = kPortMac;
    id.ipv4_count = 1;
    id.ipv4[0] = {192, 0, 2, 1};
    id.ipv6_count = 1;
    id.ipv6[0] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return id;
}

inline rte_mbuf* to_mbuf(const Bytes& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    EXPECT_NE(m, nullptr);
    auto* p = reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
    std::memcpy(p, frame.data(), frame.size());
    return m;
}

inline Bytes bytes_of(const rte_mbuf* m) {
    const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
    return Bytes(p, p + rte_pktmbuf_data_len(m));
}

// A worker on port index 0 (net_ring0), a 1024-flow table, a to-control ring of 256 messages.
class RingWorkerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto t = FlowTable::create("test_flows_" + std::to_string(counter_++), 1024, 1, 0);
        ASSERT_TRUE(t) << t.error();
        table_ = std::move(*t);
        to_control_ =
            rte_ring_create_elem(("test_ctl_" + std::to_string(counter_)).c_str(),
                                 sizeof(WorkerMessage), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        ASSERT_NE(to_control_, nullptr);
        port_.port_id = g_ring_port;
        port_.identity = port_identity();
        port_.neighbours = &neighbours_;
        WorkerContext ctx;
        ctx.ports = &port_;
        ctx.port_count = 1;
        ctx.flows = table_.get();
        ctx.to_control = to_control_;
        ctx.counters = &counters_;
        ctx.stop = &stop_;
        ctx.clock = TscClock::start();
        configure(ctx);
        worker_ = std::make_unique<Worker>(ctx);
        book_.port_of = [this](const flowapi::IpAddress& ip) {
            return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
        };
        book_.describe_port = [](int, FlowConfig& c) { c.egress_mac = kPortMac; };
    }
    void TearDown() override {
        drain();
        rte_ring_free(to_control_);
    }
    // Tests adjust the worker's context here.
    virtual void configure(WorkerContext&) {}

    // 192.0.2.1:30000 relayed from 192.0.2.1:30002 to 192.0.2.50:5004 through kNextHopMac.
    static flowapi::FlowSpec spec() {
        flowapi::FlowSpec s;
        s.local = *flowapi::parse_endpoint("192.0.2.1:30000");
        s.egress_source = *flowapi::parse_endpoint("192.0.2.1:30002");
        s.egress_destination = *flowapi::parse_endpoint("192.0.2.50:5004");
        s.next_hop_mac = kNextHopMac;
        return s;
    }

    flowapi::BatchReply apply(flowapi::OpKind kind, const flowapi::FlowSpec& spec) {
        return table_->apply({{{kind, spec}}}, book_);
    }
    flowapi::BatchReply add(const flowapi::FlowSpec& spec) {
        return apply(flowapi::OpKind::kAdd, spec);
    }

    // Runs mbufs through the worker as one burst; returns what it transmitted (read back from
    // the ring port).
    std::vector<Bytes> run_mbufs(std::vector<rte_mbuf*> in) {
        worker_->process_burst(0, in.data(), static_cast<std::uint16_t>(in.size()), 1'000'000'000);
        worker_->flush();
        return drain();
    }
    std::vector<Bytes> run(const std::vector<Bytes>& frames) {
        std::vector<rte_mbuf*> in;
        for (const auto& f : frames) in.push_back(to_mbuf(f));
        return run_mbufs(in);
    }
    std::vector<Bytes> drain() {
        std::vector<Bytes> out;
        std::array<rte_mbuf*, 32> got;
        std::uint16_t n = 0;
        while ((n = rte_eth_rx_burst(g_ring_port, 0, got.data(), got.size())) > 0) {
            for (std::uint16_t i = 0; i < n; ++i) {
                out.push_back(bytes_of(got[i]));
                rte_pktmbuf_free(got[i]);
            }
        }
        return out;
    }
    [[nodiscard]] std::uint64_t drops(DropReason r) const {
        return counters_.drops[static_cast<std::size_t>(r)].get();
    }

    static inline int counter_ = 0;
    std::unique_ptr<FlowTable> table_;
    rte_ring* to_control_ = nullptr;
    PortContext port_;
    NeighbourTable neighbours_;
    LcoreCounters counters_;
    std::atomic<bool> stop_{false};
    std::unique_ptr<Worker> worker_;
    PortAddressBook book_;
};

}  // namespace rtpx::dataplane
