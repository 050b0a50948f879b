// One worker relaying plain RTP on a net_ring closed loop (the vdev's TX feeds its RX): each flow's
// egress destination is the next flow's local address, so every packet walks a chain through all
// flows (added in random order, so the walk is a random walk through memory). 512 packets are in
// flight, spaced so that each flow sees increasing sequence numbers (RFC 3550 statistics on their
// fast path). Per iteration: rx_burst(32) -> parse -> bulk lookup -> classify -> statistics ->
// rewrite -> software checksums -> tx_burst.
//
// BM_Pipeline_RingLoopOnly is the same-run baseline: the ring's rx_burst + tx_burst alone.
//
// SRTP (issue 6), same chain, one IPsec-MB backend in the worker, suite 0 AES_CM_128_HMAC_SHA1_80
// or 1 AEAD_AES_128_GCM (second argument):
//  - BM_Pipeline_Protect: every flow is RTP -> SRTP (egress key per flow). The loop trims the tag
//    off each received frame (and fixes the IP/UDP lengths) so the next flow gets RTP again; that
//    harness work (a few cycles) is inside the figure.
//  - BM_Pipeline_Rekey: every flow is SRTP -> SRTP, ingress key k(i), egress key k(i+1): the next
//    flow's ingress key, so each hop is unprotect + statistics + rewrite + protect.
// Figures: cycles and ns per packet (counters "cycles_per_packet", "ns_per_packet"; wall clock)
// and the same from the thread's CPU time ("cpu_cycles_per_packet", "cpu_ns_per_packet"); run
//   build/ci/perf/dataplane_pipeline_bench --benchmark_repetitions=5 --benchmark_min_time=0.5
//   (--benchmark_report_aggregates_only=true for medians only)
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
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
#include "rtpx/dataplane/srtp_stage.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/rtp/srtp/backend.hpp"

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

std::int64_t thread_cpu_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

enum class Mode { kPlain, kProtect, kRekey };

constexpr std::array<flowapi::SrtpSuite, 2> kBenchSuites = {
    flowapi::SrtpSuite::kAesCm128HmacSha1_80, flowapi::SrtpSuite::kAeadAes128Gcm};

// Flow i's key (the SRTP parameters of the leg into flow i).
flowapi::SrtpParams key_of(std::uint32_t i, flowapi::SrtpSuite suite) {
    flowapi::SrtpParams p;
    p.suite = suite;
    for (std::size_t b = 0; b < p.master_key.size(); ++b)
        p.master_key[b] = static_cast<std::uint8_t>((i >> (8 * (b % 4))) + b);
    for (std::size_t b = 0; b < p.master_salt.size(); ++b)
        p.master_salt[b] = static_cast<std::uint8_t>(i * 7 + b);
    return p;
}

std::uint8_t* rtp_frame_payload(rte_mbuf* m) {
    return rte_pktmbuf_mtod_offset(m, std::uint8_t*, 14 + 20 + 8);
}

// Grows (delta > 0) or trims the frame's UDP payload by |delta| octets and fixes the IPv4 total
// length and UDP length (the checksums are left: nothing on the loop checks them on receipt).
void fix_lengths(rte_mbuf* m, std::int32_t delta) {
    if (delta > 0) {
        (void)rte_pktmbuf_append(m, static_cast<std::uint16_t>(delta));
    } else if (delta < 0) {
        (void)rte_pktmbuf_trim(m, static_cast<std::uint16_t>(-delta));
    }
    auto* ip = rte_pktmbuf_mtod_offset(m, std::uint8_t*, 14);
    rtp::store_be16(ip + 2, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - 14));
    rtp::store_be16(ip + 20 + 4, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - 14 - 20));
}

struct Chain {
    std::uint32_t flows = 0;
    Mode mode = Mode::kPlain;
    flowapi::SrtpSuite suite = flowapi::SrtpSuite::kNone;
    std::unique_ptr<FlowTable> table;
    PortContext port;
    NeighbourTable neighbours;
    LcoreCounters counters;
    std::atomic<bool> stop{false};
    std::unique_ptr<Worker> worker;
    std::uint16_t next_seq = 0;
    std::vector<SrtpStage> inject_keys;  // re-key chains: the keys injected packets start with
    std::unique_ptr<rtp::srtp::SrtpBackend> inject_backend;
};

// One chain at a time (SRTP chains of 100k flows hold a few hundred MB of contexts).
Chain* chain_of(std::uint32_t flows, Mode mode = Mode::kPlain,
                flowapi::SrtpSuite suite = flowapi::SrtpSuite::kNone) {
    static std::unique_ptr<Chain> c;
    if (c && c->flows == flows && c->mode == mode && c->suite == suite) return c.get();
    c.reset();
    c = std::make_unique<Chain>();
    c->flows = flows;
    c->mode = mode;
    c->suite = suite;
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
        if (mode == Mode::kRekey) s.srtp_ingress = key_of(i, suite);
        if (mode != Mode::kPlain) s.srtp_egress = key_of((i + 1) % flows, suite);
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

// Puts kInFlight packets on the ring, evenly spaced along the chain, numbered from the chain's
// next_seq (above every sequence number the flows have seen, so that no SRTP context takes them
// for replays). For a re-keying chain each is SRTP, protected with the key of the flow it starts
// at by a context that lives as long as the chain (so its ROC follows the flow's).
void inject(Chain& c) {
    const bool rekey = c.mode == Mode::kRekey;
    if (rekey && c.inject_keys.empty()) {
        auto b = rtp::srtp::make_ipsecmb_backend();
        if (!b) return;
        c.inject_backend = std::move(*b);
        for (std::uint16_t p = 0; p < kInFlight; ++p) {
            const auto flow =
                static_cast<std::uint32_t>((std::uint64_t{p} * c.flows / kInFlight) % c.flows);
            auto stage = make_srtp_direction(key_of(flow, c.suite), nullptr, "bench");
            if (!stage) return;
            c.inject_keys.push_back(std::move(*stage));
        }
    }
    for (std::uint16_t p = 0; p < kInFlight; ++p) {
        rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
        const auto flow =
            static_cast<std::uint32_t>((std::uint64_t{p} * c.flows / kInFlight) % c.flows);
        fill_frame(m, flow, c.next_seq);
        if (rekey) {
            rtp::srtp::SrtpPacket pkt{c.inject_keys[p].context.get(), rtp_frame_payload(m), 172,
                                      172 + 32};
            rtp::srtp::SrtpStatus status{};
            (void)c.inject_backend->protect_rtp({&pkt, 1}, {&status, 1});
            fix_lengths(m, static_cast<std::int32_t>(pkt.len) - 172);
        }
        if (rte_eth_tx_burst(g_port, 0, &m, 1) != 1) rte_pktmbuf_free(m);
    }
}

void drain() {
    std::array<rte_mbuf*, 32> pkts;
    std::uint16_t n = 0;
    while ((n = rte_eth_rx_burst(g_port, 0, pkts.data(), pkts.size())) > 0)
        rte_pktmbuf_free_bulk(pkts.data(), n);
}

void run_chain(benchmark::State& state, Mode mode) {
    const auto flows = static_cast<std::uint32_t>(state.range(0));
    const flowapi::SrtpSuite suite = mode == Mode::kPlain
                                         ? flowapi::SrtpSuite::kNone
                                         : kBenchSuites[static_cast<std::size_t>(state.range(1))];
    Chain* c = eal_up() ? chain_of(flows, mode, suite) : nullptr;
    if (c == nullptr || (mode != Mode::kPlain && !c->worker->srtp_ready())) {
        state.SkipWithError("EAL, flow table or SRTP setup failed");
        return;
    }
    if (mode != Mode::kPlain) state.SetLabel(std::string(flowapi::suite_info(suite).name));
    inject(*c);
    // Protect chains: the tag each hop adds comes off before the next hop (harness work).
    const std::int32_t tag =
        mode == Mode::kProtect
            ? -static_cast<std::int32_t>(rtp::srtp::suite_info(*backend_suite(suite)).rtp_tag_len)
            : 0;
    std::array<rte_mbuf*, kBurstSize> pkts;
    std::uint64_t packets = 0;
    const std::uint64_t before_drops = [&] {
        std::uint64_t d = 0;
        for (const auto& x : c->counters.drops) d += x.get();
        return d;
    }();
    const std::int64_t cpu_start = thread_cpu_ns();
    const std::uint64_t start = rte_rdtsc();
    for (auto _ : state) {
        const std::uint16_t n = rte_eth_rx_burst(g_port, 0, pkts.data(), kBurstSize);
        if (tag != 0) {
            for (std::uint16_t i = 0; i < n; ++i) fix_lengths(pkts[i], tag);
        }
        c->worker->process_burst(0, pkts.data(), n, 0);
        c->worker->flush();
        packets += n;
    }
    const std::uint64_t cycles = rte_rdtsc() - start;
    const std::int64_t cpu_ns = thread_cpu_ns() - cpu_start;
    drain();
    // Each packet made about packets / kInFlight hops, one sequence number each.
    c->next_seq = static_cast<std::uint16_t>(c->next_seq + packets / kInFlight + 1000);
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    const double per = packets ? static_cast<double>(cycles) / static_cast<double>(packets) : 0;
    state.counters["cycles_per_packet"] = per;
    state.counters["ns_per_packet"] = per * 1e9 / static_cast<double>(rte_get_tsc_hz());
    // The same from the thread's CPU time: robust when other processes share the cores (the
    // wall-clock figures above then include time the thread was not running).
    const double cpu_per = packets ? static_cast<double>(cpu_ns) / static_cast<double>(packets) : 0;
    state.counters["cpu_ns_per_packet"] = cpu_per;
    state.counters["cpu_cycles_per_packet"] = cpu_per * static_cast<double>(rte_get_tsc_hz()) / 1e9;
    std::uint64_t dropped = 0;
    for (const auto& d : c->counters.drops) dropped += d.get();
    state.counters["drops"] = static_cast<double>(dropped - before_drops);
}

void BM_Pipeline_PlainRelay(benchmark::State& state) {
    run_chain(state, Mode::kPlain);
}
BENCHMARK(BM_Pipeline_PlainRelay)->Arg(1000)->Arg(100000);

void BM_Pipeline_Protect(benchmark::State& state) {
    run_chain(state, Mode::kProtect);
}
BENCHMARK(BM_Pipeline_Protect)->ArgsProduct({{1000, 100000}, {0, 1}});

void BM_Pipeline_Rekey(benchmark::State& state) {
    run_chain(state, Mode::kRekey);
}
BENCHMARK(BM_Pipeline_Rekey)->ArgsProduct({{1000, 100000}, {0, 1}});

void BM_Pipeline_RingLoopOnly(benchmark::State& state) {
    if (!eal_up()) {
        state.SkipWithError("EAL setup failed");
        return;
    }
    Chain* c = chain_of(1);
    if (c == nullptr) {
        state.SkipWithError("flow table setup failed");
        return;
    }
    inject(*c);
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
