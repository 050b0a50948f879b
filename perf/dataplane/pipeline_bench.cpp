// One worker relaying plain RTP on a net_ring closed loop (the vdev's TX feeds its RX): each flow's
// egress destination is the next flow's local address, so every packet walks a chain through all
// flows (added in random order, so the walk is a random walk through memory). 512 packets are in
// flight, spaced so that each flow sees increasing sequence numbers (RFC 3550 statistics on their
// fast path). Per iteration: rx_burst(32) -> parse -> bulk lookup -> classify -> statistics ->
// rewrite -> software checksums -> tx_burst.
//
// BM_Pipeline_RingLoopOnly is the same-run baseline: the ring's rx_burst + tx_burst alone.
// Figures: cycles per packet (counter "cycles_per_packet"); run
//   build/ci/perf/dataplane_pipeline_bench --benchmark_repetitions=5 --benchmark_min_time=0.5
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/worker.hpp"

namespace {

using namespace rtpx;
using namespace rtpx::dataplane;

constexpr std::array<std::uint8_t, 6> kPortMac = {0x02, 0, 0, 0, 0, 0xAA};
constexpr std::uint16_t kInFlight = 512;

rte_mempool* g_pool = nullptr;
std::uint16_t g_port = 0;

bool eal_up() {
    static const bool up = [] {
        const std::string prefix = "--file-prefix=rtpx-bench-" + std::to_string(::getpid());
        std::vector<std::string> args = {
            "pipeline_bench", "--no-huge", "-m",        "2048",        "--no-shconf",
            "--no-pci",       "-l",        "0",         "--log-level", "error",
            "--no-telemetry", "--vdev",    "net_ring0", prefix};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) return false;
        g_pool = rte_pktmbuf_pool_create("bench_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
        rte_eth_conf conf{};
        return g_pool != nullptr && rte_eth_dev_get_port_by_name("net_ring0", &g_port) == 0 &&
               rte_eth_dev_configure(g_port, 1, 1, &conf) == 0 &&
               rte_eth_rx_queue_setup(g_port, 0, 1024, 0, nullptr, g_pool) == 0 &&
               rte_eth_tx_queue_setup(g_port, 0, 1024, 0, nullptr) == 0 &&
               rte_eth_dev_start(g_port) == 0;
    }();
    return up;
}

flowapi::IpAddress address_of(std::uint32_t i) {
    return flowapi::IpAddress::v4(10, static_cast<std::uint8_t>(i >> 16),
                                  static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i));
}

// An Ethernet/IPv4/UDP/RTP frame (160-byte payload) to flow `i` with sequence number `seq`.
void fill_frame(rte_mbuf* m, std::uint32_t i, std::uint16_t seq) {
    auto* f = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 14 + 20 + 8 + 172));
    if (f == nullptr) return;
    std::memset(f, 0, 14 + 20 + 8 + 172);
    std::memcpy(f, kPortMac.data(), 6);
    f[12] = 0x08;
    std::uint8_t* ip = f + 14;
    ip[0] = 0x45;
    rtp::store_be16(ip + 2, 20 + 8 + 172);
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = 198;
    ip[13] = 51;
    ip[14] = 100;
    ip[15] = 7;
    std::memcpy(ip + 16, address_of(i).bytes.data(), 4);
    std::uint8_t* udp = ip + 20;
    rtp::store_be16(udp, 4000);
    rtp::store_be16(udp + 2, 30000);
    rtp::store_be16(udp + 4, 8 + 172);
    std::uint8_t* r = udp + 8;
    r[0] = 0x80;
    r[1] = 0;
    rtp::store_be16(r + 2, seq);
    rtp::store_be32(r + 8, 0x11223344);
}

struct Chain {
    std::unique_ptr<FlowTable> table;
    PortContext port;
    NeighbourTable neighbours;
    LcoreCounters counters;
    std::atomic<bool> stop{false};
    std::unique_ptr<Worker> worker;
};

Chain* chain_of(std::uint32_t flows) {
    static std::map<std::uint32_t, std::unique_ptr<Chain>> chains;
    auto& c = chains[flows];
    if (c) return c.get();
    c = std::make_unique<Chain>();
    auto table = FlowTable::create("bench_flows_" + std::to_string(flows), flows, 1, 0);
    if (!table) return nullptr;
    c->table = std::move(*table);
    std::vector<std::uint32_t> order(flows);
    for (std::uint32_t i = 0; i < flows; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    PortAddressBook book;
    book.port_of = [](const flowapi::IpAddress&) { return 0; };
    book.describe_port = [](int, FlowConfig& cfg) { cfg.egress_mac = kPortMac; };
    flowapi::Batch batch;
    for (std::uint32_t i : order) {
        flowapi::FlowSpec s;
        s.local = {address_of(i), 30000};
        s.egress_source = {address_of(i), 30000};
        s.egress_destination = {address_of((i + 1) % flows), 30000};
        s.next_hop_mac = kPortMac;
        s.seq_offset = 1;
        batch.ops.push_back({flowapi::OpKind::kAdd, s});
        if (batch.ops.size() == 10000) {
            if (!c->table->apply(batch, book).ok) return nullptr;
            batch.ops.clear();
        }
    }
    if (!batch.ops.empty() && !c->table->apply(batch, book).ok) return nullptr;
    c->port.port_id = g_port;
    c->port.identity.mac = kPortMac;
    c->port.neighbours = &c->neighbours;
    WorkerContext ctx;
    ctx.ports = &c->port;
    ctx.port_count = 1;
    ctx.flows = c->table.get();
    ctx.counters = &c->counters;
    ctx.stop = &c->stop;
    ctx.clock = TscClock::start();
    c->worker = std::make_unique<Worker>(ctx);
    return c.get();
}

// Puts kInFlight packets on the ring, evenly spaced along the chain.
void inject(std::uint32_t flows) {
    for (std::uint16_t p = 0; p < kInFlight; ++p) {
        rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
        fill_frame(m, static_cast<std::uint32_t>((std::uint64_t{p} * flows / kInFlight) % flows),
                   0);
        if (rte_eth_tx_burst(g_port, 0, &m, 1) != 1) rte_pktmbuf_free(m);
    }
}

void drain() {
    std::array<rte_mbuf*, 32> pkts;
    std::uint16_t n = 0;
    while ((n = rte_eth_rx_burst(g_port, 0, pkts.data(), pkts.size())) > 0)
        rte_pktmbuf_free_bulk(pkts.data(), n);
}

void BM_Pipeline_PlainRelay(benchmark::State& state) {
    const auto flows = static_cast<std::uint32_t>(state.range(0));
    Chain* c = eal_up() ? chain_of(flows) : nullptr;
    if (c == nullptr) {
        state.SkipWithError("EAL or flow table setup failed");
        return;
    }
    inject(flows);
    std::array<rte_mbuf*, kBurstSize> pkts;
    std::uint64_t packets = 0;
    const std::uint64_t start = rte_rdtsc();
    for (auto _ : state) {
        const std::uint16_t n = rte_eth_rx_burst(g_port, 0, pkts.data(), kBurstSize);
        c->worker->process_burst(0, pkts.data(), n, 0);
        c->worker->flush();
        packets += n;
    }
    const std::uint64_t cycles = rte_rdtsc() - start;
    drain();
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    state.counters["cycles_per_packet"] =
        packets ? static_cast<double>(cycles) / static_cast<double>(packets) : 0;
    std::uint64_t dropped = 0;
    for (const auto& d : c->counters.drops) dropped += d.get();
    state.counters["drops"] = static_cast<double>(dropped);
}
BENCHMARK(BM_Pipeline_PlainRelay)->Arg(1000)->Arg(100000);

void BM_Pipeline_RingLoopOnly(benchmark::State& state) {
    if (!eal_up()) {
        state.SkipWithError("EAL setup failed");
        return;
    }
    inject(1);
    std::array<rte_mbuf*, kBurstSize> pkts;
    std::uint64_t packets = 0;
    const std::uint64_t start = rte_rdtsc();
    for (auto _ : state) {
        const std::uint16_t n = rte_eth_rx_burst(g_port, 0, pkts.data(), kBurstSize);
        const std::uint16_t sent = rte_eth_tx_burst(g_port, 0, pkts.data(), n);
        if (sent < n) rte_pktmbuf_free_bulk(pkts.data() + sent, n - sent);
        packets += n;
    }
    const std::uint64_t cycles = rte_rdtsc() - start;
    drain();
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    state.counters["cycles_per_packet"] =
        packets ? static_cast<double>(cycles) / static_cast<double>(packets) : 0;
}
BENCHMARK(BM_Pipeline_RingLoopOnly);

// EAL's runtime directory outlives rte_eal_cleanup (--no-shconf still makes it).
struct RuntimeDirCleanup {
    ~RuntimeDirCleanup() {
        if (g_pool == nullptr) return;
        const std::string dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        (void)::rmdir(dir.c_str());
    }
} g_runtime_dir_cleanup;

}  // namespace
