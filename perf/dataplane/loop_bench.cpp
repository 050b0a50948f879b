// The data plane's closed-loop benchmark (what `perf/run.sh dataplane` runs). One process: the EAL
// with two lcores and a net_ring vdev whose TX feeds its own RX; the real Worker::run loop on lcore
// 1 (the worker of rtpx-dataplane, RCU, loop-gap instrumentation and all) and the control side on
// the main lcore, programming flows through FlowTable::apply (what the control socket calls) after
// a round trip through the flow API's wire codec.
//
// A standalone binary rather than a mode of rtpx-dataplane: it needs to put the packets in flight
// on the port before the worker starts, to own the worker's counters and lcore, and to time the
// control thread's batches from inside; none of that belongs in the production binary.
//
// Forwarding: N flows form a chain (flow i's egress destination is flow i+1's local address; added
// in random order, so a packet walks randomly through memory); 512 packets are in flight, entering
// the chain at evenly spaced flows (the injection points). Every flow rewrites the sequence number;
// the injection points add 1 and the others 0, so that each flow sees consecutive sequence numbers,
// as on a real call (with N flows a packet comes back to a flow after N hops, while 512 others
// passed it: adding 1 on every hop made every flow see gaps of N / 512, at 100k flows a burst of
// 194 lost packets before each one; --seq-per-hop 1 restores that layout, which costs the SRTP
// replay window a walk over each gap). Cycles per packet = the worker thread's CPU time
// (schedstat, so that time the shared machine gives to others is not counted) in TSC cycles /
// packets it received; the ring's own rx_burst + tx_burst (the "ring" row) is the floor.
//  - floor: a hand-built parse + lookup + header rewrite loop on the plain suite's table (its
//    comment says what it leaves out): the cost of the memory the flows live in, on this machine.
//  - plain: RTP relay with seq rewrite, RFC 3550 statistics and counters on, software checksums
//    (incremental: the frames carry RX_L4_CKSUM_GOOD as from a NIC that verifies checksums).
//  - protect: RTP->SRTP. The loop must bring packets back to plain RTP, so flows alternate
//    RTP->SRTP and SRTP->RTP: the figure is the mean of protect and unprotect.
//  - rekey: SRTP->SRTP, AES_CM_128_HMAC_SHA1_80, every flow with its own ingress key (the
//    previous flow's egress key). rekey_gcm: the same with AEAD_AES_128_GCM.
//    SRTP flows the data plane refuses are reported as null. Packets put in flight at a flow with
//    ingress SRTP are protected with its key first.
//  - churn: while the worker forwards the 100k chain (or the largest given), batches of adds and
//    then deletes of other flows: changes per second, and the worker's longest loop gap.
//  - wake: with idle back-off on, the time from a frame landing on an idle worker's queue to the
//    worker receiving it (median and max of 20), against a busy-polling worker.
//
//   dataplane_loop_bench [--flows 1000,100000,1000000] [--runs 5] [--seconds 1]
//                        [--suites ring,floor,plain,protect,rekey,rekey_gcm,churn,wake]
//                        [--batch 100]
//                        [--idle-sleep-us 200] [--huge 1] [--seq-per-hop 1]
// Prints one line per measurement ("result <suite> <flows> <key>=<value> ...") for perf/run.sh to
// aggregate (medians and spread). "ring" is the floor: the ring's rx_burst + tx_burst alone.
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/srtp_stage.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/flowapi/wire.hpp"
#include "rtpx/rtp/bytes.hpp"

namespace {

using namespace rtpx;
using namespace rtpx::dataplane;

constexpr std::array<std::uint8_t, 6> kPortMac = {0x02, 0, 0, 0, 0, 0xAA};
constexpr std::uint16_t kInFlight = 512;
constexpr std::uint16_t kMediaPort = 30000;

struct Options {
    std::vector<std::uint32_t> flows = {1000, 100000, 1000000};
    std::vector<std::string> suites = {"ring",  "floor",     "plain", "protect",
                                       "rekey", "rekey_gcm", "churn", "wake"};
    int runs = 5;
    double seconds = 1.0;
    std::uint32_t batch = 100;
    std::uint32_t idle_sleep_us = 200;
    bool huge = false;  // --huge 1: hugepages (--in-memory) as production runs, not --no-huge
    bool seq_per_hop = false;  // --seq-per-hop 1: every flow adds 1 to the sequence number
};

rte_mempool* g_pool = nullptr;
std::uint16_t g_port = 0;
unsigned g_worker_lcore = 0;

std::uint64_t rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
    }
    return 0;
}

// Nanoseconds a thread has spent on a CPU (schedstat): the machine is shared, so the worker's
// cycles are counted from its own CPU time, not from the wall clock it was preempted in.
std::uint64_t cpu_ns(long tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/schedstat");
    std::uint64_t ns = 0;
    in >> ns;
    return ns;
}

// Waits until thread `tid` has run for `seconds` of CPU time past `start_ns` (a loaded machine
// may hold it off the CPU), or 20 times that in wall time; returns its CPU time then.
std::uint64_t wait_for_cpu(long tid, std::uint64_t start_ns, double seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(20 * seconds);
    const auto want = static_cast<std::uint64_t>(seconds * 1e9);
    std::uint64_t now = cpu_ns(tid);
    while (now - start_ns < want && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        now = cpu_ns(tid);
    }
    return now;
}

// Context switches the kernel forced on a thread (preemption shows in loop gaps).
std::uint64_t involuntary_switches(long tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) return std::stoull(line.substr(27));
    }
    return 0;
}

flowapi::IpAddress address_of(std::uint8_t net, std::uint32_t i) {
    return flowapi::IpAddress::v4(net, static_cast<std::uint8_t>(i >> 16),
                                  static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i));
}

// An Ethernet/IPv4/UDP/RTP frame (160-byte payload) to 10.x.y.z (flow i) with sequence `seq`;
// `trailer` more octets after the RTP packet (room for an SRTP tag, counted in the lengths).
void fill_frame(rte_mbuf* m, std::uint32_t i, std::uint16_t seq, std::uint16_t trailer = 0) {
    const auto rtp_size = static_cast<std::uint16_t>(172 + trailer);
    auto* f = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 14 + 20 + 8 + rtp_size));
    if (f == nullptr) return;
    std::memset(f, 0, 14 + 20 + 8 + rtp_size);
    std::memcpy(f, kPortMac.data(), 6);
    f[12] = 0x08;
    std::uint8_t* ip = f + 14;
    ip[0] = 0x45;
    rtp::store_be16(ip + 2, static_cast<std::uint16_t>(20 + 8 + rtp_size));
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = 198;
    ip[13] = 51;
    ip[14] = 100;
    ip[15] = 7;
    std::memcpy(ip + 16, address_of(10, i).bytes.data(), 4);
    std::uint8_t* udp = ip + 20;
    rtp::store_be16(udp, 4000);
    rtp::store_be16(udp + 2, kMediaPort);
    rtp::store_be16(udp + 4, static_cast<std::uint16_t>(8 + rtp_size));
    std::uint8_t* r = udp + 8;
    r[0] = 0x80;
    rtp::store_be16(r + 2, seq);
    rtp::store_be32(r + 8, 0x11223344);
}

flowapi::SrtpParams srtp_key(std::uint32_t i,
                             flowapi::SrtpSuite suite = flowapi::SrtpSuite::kAesCm128HmacSha1_80) {
    flowapi::SrtpParams p;
    p.suite = suite;
    for (std::size_t b = 0; b < 16; ++b) p.master_key[b] = static_cast<std::uint8_t>(i * 31 + b);
    for (std::size_t b = 0; b < 14; ++b) p.master_salt[b] = static_cast<std::uint8_t>(i * 7 + b);
    return p;
}

enum class Mode { kPlain, kProtect, kRekey, kRekeyGcm };

bool g_seq_per_hop = false;

// The flow packet p (of kInFlight) enters the chain at.
std::uint32_t injection_point(std::uint32_t p, std::uint32_t flows) {
    return static_cast<std::uint32_t>((std::uint64_t{p} * flows / kInFlight) % flows);
}

// Whether some packet enters the chain at flow i (flows >= kInFlight: at most one does).
bool is_injection_point(std::uint32_t i, std::uint32_t flows) {
    const std::uint64_t p = (std::uint64_t{i} * kInFlight + flows - 1) / flows;  // ceil
    return p < kInFlight && injection_point(static_cast<std::uint32_t>(p), flows) == i;
}

flowapi::FlowSpec chain_spec(std::uint32_t i, std::uint32_t flows, Mode mode) {
    flowapi::FlowSpec s;
    s.local = {address_of(10, i), kMediaPort};
    s.egress_source = {address_of(10, i), kMediaPort};
    s.egress_destination = {address_of(10, (i + 1) % flows), kMediaPort};
    s.next_hop_mac = kPortMac;
    // Consecutive sequence numbers at every flow (the header comment): +1 at the injection points.
    // Fewer flows than packets in flight: several packets share a flow, +1 on every hop.
    s.seq_offset = g_seq_per_hop || flows < kInFlight || is_injection_point(i, flows) ? 1 : 0;
    if (mode == Mode::kProtect) {
        // Even flows protect, odd flows unprotect (an odd-length chain would protect twice).
        if (i % 2 == 0 && i + 1 < flows) s.srtp_egress = srtp_key(i);
        if (i % 2 == 1) s.srtp_ingress = srtp_key(i - 1);
    } else if (mode == Mode::kRekey || mode == Mode::kRekeyGcm) {
        const auto suite = mode == Mode::kRekey ? flowapi::SrtpSuite::kAesCm128HmacSha1_80
                                                : flowapi::SrtpSuite::kAeadAes128Gcm;
        s.srtp_ingress = srtp_key((i + flows - 1) % flows, suite);
        s.srtp_egress = srtp_key(i, suite);
    }
    return s;
}

PortAddressBook address_book() {
    PortAddressBook book;
    book.port_of = [](const flowapi::IpAddress&) { return 0; };
    book.describe_port = [](int, FlowConfig& cfg) { cfg.egress_mac = kPortMac; };
    return book;
}

// The control socket's path minus the socket: encode, decode, apply.
flowapi::BatchReply apply_over_wire(FlowTable& table, const flowapi::Batch& batch,
                                    const PortAddressBook& book) {
    const auto frame = flowapi::encode({1, batch});
    auto env = flowapi::decode(std::span<const std::uint8_t>(frame.data() + 0, frame.size()));
    if (!env) return flowapi::BatchReply{false, 0, 0, flowapi::describe(env.error())};
    return table.apply(std::get<flowapi::Batch>(env->message), book);
}

struct Table {
    std::unique_ptr<FlowTable> table;
    std::string error;  // why the flows were refused
    double add_seconds = 0;
    std::uint64_t rss_added_kib = 0;
};

Table build_table(std::uint32_t flows, Mode mode, std::uint32_t capacity) {
    static int serial = 0;
    Table t;
    const std::uint64_t rss_before = rss_kib();
    auto created = FlowTable::create("loop_flows_" + std::to_string(serial++), capacity, 1, 0);
    if (!created) {
        t.error = created.error();
        return t;
    }
    t.table = std::move(*created);
    std::vector<std::uint32_t> order(flows);
    for (std::uint32_t i = 0; i < flows; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    const auto book = address_book();
    flowapi::Batch batch;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t n = 0; n < order.size(); ++n) {
        batch.ops.push_back({flowapi::OpKind::kAdd, chain_spec(order[n], flows, mode)});
        if (batch.ops.size() == 10000 || n + 1 == order.size()) {
            const auto reply = t.table->apply(batch, book);
            if (!reply.ok) {
                t.error = reply.error;
                t.table.reset();
                return t;
            }
            batch.ops.clear();
        }
    }
    t.add_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.rss_added_kib = rss_kib() - rss_before;
    return t;
}

// The SRTP key flow i expects its media under in `mode` (suite kNone: plain RTP).
flowapi::SrtpParams ingress_key(std::uint32_t i, std::uint32_t flows, Mode mode) {
    return chain_spec(i, flows, mode).srtp_ingress;
}

// Puts kInFlight packets on the ring, each entering the chain at its own flow; a flow with
// ingress SRTP gets the packet SRTP-protected with its key (as the previous flow would send it).
void inject(std::uint32_t flows, Mode mode = Mode::kPlain) {
    std::unique_ptr<rtp::srtp::SrtpBackend> backend;
    if (mode != Mode::kPlain) {
        auto b = rtp::srtp::make_ipsecmb_backend();
        if (!b) {
            std::fprintf(stderr, "loop_bench: IPsec-MB: %s\n", b.error().what);
            std::exit(1);
        }
        backend = std::move(*b);
    }
    std::uint16_t sent = 0;
    for (std::uint16_t p = 0; p < kInFlight; ++p) {
        rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
        if (m == nullptr) break;
        const std::uint32_t i = injection_point(p, flows);
        const flowapi::SrtpParams key =
            mode == Mode::kPlain ? flowapi::SrtpParams{} : ingress_key(i, flows, mode);
        if (key.suite == flowapi::SrtpSuite::kNone) {
            fill_frame(m, i, 0);
        } else {
            auto stage = make_srtp_direction(key, nullptr, "srtp_ingress");
            if (!stage) {
                std::fprintf(stderr, "loop_bench: %s\n", stage.error().c_str());
                std::exit(1);
            }
            const auto trailer =
                static_cast<std::uint16_t>(rtp::srtp::srtp_trailer_len(*stage->context));
            fill_frame(m, i, 0, trailer);
            std::array<rtp::srtp::SrtpPacket, 1> packet = {
                {{stage->context.get(), rte_pktmbuf_mtod_offset(m, std::uint8_t*, 14 + 20 + 8), 172,
                  static_cast<std::uint32_t>(172 + trailer)}}};
            std::array<rtp::srtp::SrtpStatus, 1> status{};
            if (backend->protect_rtp(packet, status) != 1 || packet[0].len != 172U + trailer) {
                std::fprintf(stderr, "loop_bench: cannot protect the injected packet\n");
                std::exit(1);
            }
        }
        // As a NIC with RX checksum offload marks them (the flag stays on the looping mbuf).
        m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
        if (rte_eth_tx_burst(g_port, 0, &m, 1) != 1) {
            rte_pktmbuf_free(m);
        } else {
            ++sent;
        }
    }
    if (sent != kInFlight) {
        std::fprintf(stderr, "loop_bench: only %u of %u packets in flight (mbufs available: %u)\n",
                     sent, kInFlight, rte_mempool_avail_count(g_pool));
    }
}

void drain() {
    std::array<rte_mbuf*, 32> pkts;
    std::uint16_t n = 0;
    while ((n = rte_eth_rx_burst(g_port, 0, pkts.data(), pkts.size())) > 0)
        rte_pktmbuf_free_bulk(pkts.data(), n);
}

// A Worker on the worker lcore, as rtpx-dataplane launches it.
struct RunningWorker {
    PortContext port;
    NeighbourTable neighbours;
    LcoreCounters counters;
    std::atomic<bool> stop{false};
    std::unique_ptr<Worker> worker;
    std::atomic<long> tid{0};

    RunningWorker(FlowTable& table, std::uint32_t idle_sleep_us) {
        port.port_id = g_port;
        port.identity.mac = kPortMac;
        port.neighbours = &neighbours;
        WorkerContext ctx;
        ctx.ports = &port;
        ctx.port_count = 1;
        ctx.flows = &table;
        ctx.counters = &counters;
        ctx.stop = &stop;
        ctx.clock = TscClock::start();
        ctx.idle_sleep_us = idle_sleep_us;
        worker = std::make_unique<Worker>(ctx);
        if (rte_eal_remote_launch(&RunningWorker::entry, this, g_worker_lcore) != 0) {
            std::fprintf(stderr, "cannot launch the worker\n");
            std::exit(1);
        }
        while (tid.load() == 0) std::this_thread::yield();
    }
    ~RunningWorker() {
        stop.store(true);
        rte_eal_wait_lcore(g_worker_lcore);
    }
    static int entry(void* arg) {
        auto* self = static_cast<RunningWorker*>(arg);
        self->tid.store(::syscall(SYS_gettid));
        return self->worker->run();
    }
    [[nodiscard]] std::uint64_t drops() const {
        std::uint64_t d = 0;
        for (const auto& c : counters.drops) d += c.get();
        return d;
    }
    [[nodiscard]] double max_gap_us() const {
        return static_cast<double>(counters.max_loop_gap_cycles.get()) * 1e6 /
               static_cast<double>(rte_get_tsc_hz());
    }
};

struct Rate {
    double mpps = 0;    // per second of the worker's CPU time
    double cycles = 0;  // TSC cycles of the worker's CPU time per packet
    std::uint64_t drops = 0;
};

Rate rate(std::uint64_t packets, std::uint64_t cpu_nanoseconds, std::uint64_t drops) {
    Rate r;
    const double p = static_cast<double>(packets);
    const double ns = static_cast<double>(cpu_nanoseconds);
    r.cycles = p > 0 ? ns * static_cast<double>(rte_get_tsc_hz()) / 1e9 / p : 0;
    r.mpps = ns > 0 ? p / ns * 1e3 : 0;
    r.drops = drops;
    return r;
}

// Forwards for `seconds` after a short warm-up; the worker's packets over the TSC cycles elapsed.
Rate measure(RunningWorker& w, double seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long tid = w.tid.load();
    const std::uint64_t p0 = w.counters.rx.get();
    const std::uint64_t c0 = cpu_ns(tid);
    const std::uint64_t c1 = wait_for_cpu(tid, c0, seconds);
    const std::uint64_t p1 = w.counters.rx.get();
    return rate(p1 - p0, c1 - c0, w.drops());
}

// What measure_hand_built() reads and sets in a hand-built loop (which adds a static entry()).
struct HandBuiltLoop {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> packets{0};
    std::atomic<long> tid{0};
};

// The same for a hand-built loop: launches it on the worker lcore, measures, stops it and drains
// the ring.
template <class Loop>
Rate measure_hand_built(Loop& loop, double seconds) {
    (void)rte_eal_remote_launch(&Loop::entry, &loop, g_worker_lcore);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long tid = loop.tid.load();
    const std::uint64_t p0 = loop.packets.load();
    const std::uint64_t c0 = cpu_ns(tid);
    const std::uint64_t c1 = wait_for_cpu(tid, c0, seconds);
    const std::uint64_t p1 = loop.packets.load();
    loop.stop.store(true);
    rte_eal_wait_lcore(g_worker_lcore);
    drain();
    return rate(p1 - p0, c1 - c0, 0);
}

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::kPlain: return "plain";
        case Mode::kProtect: return "protect";
        case Mode::kRekey: return "rekey";
        case Mode::kRekeyGcm: return "rekey_gcm";
    }
    return "?";
}

void forwarding(const Options& o, Mode mode) {
    for (const std::uint32_t flows : o.flows) {
        Table t = build_table(flows, mode, flows);
        if (!t.table) {
            std::printf("result %s %u refused=1 error=\"%s\"\n", mode_name(mode), flows,
                        t.error.c_str());
            std::fflush(stdout);
            continue;
        }
        if (mode == Mode::kPlain) {
            std::printf("result table %u add_s=%.3f rss_mib=%.1f total_rss_mib=%.1f\n", flows,
                        t.add_seconds, static_cast<double>(t.rss_added_kib) / 1024.0,
                        static_cast<double>(rss_kib()) / 1024.0);
        }
        for (int run = 0; run < o.runs; ++run) {
            // SRTP contexts remember what they saw (replay windows, sent indices): every run after
            // the first gets fresh ones, or its packets would be replays of the previous run's.
            if (mode != Mode::kPlain && run > 0) t = build_table(flows, mode, flows);
            if (!t.table) {
                std::printf("result %s %u refused=1 error=\"%s\"\n", mode_name(mode), flows,
                            t.error.c_str());
                break;
            }
            inject(flows, mode);
            Rate r;
            {
                RunningWorker w(*t.table, 0);
                r = measure(w, o.seconds);
            }
            drain();
            std::printf("result %s %u mpps=%.3f cycles=%.1f drops=%llu\n", mode_name(mode), flows,
                        r.mpps, r.cycles, static_cast<unsigned long long>(r.drops));
            std::fflush(stdout);
        }
    }
}

// rx_burst + tx_burst alone on the same ring: the floor under every figure.
void ring_floor(const Options& o) {
    struct Loop : HandBuiltLoop {
        static int entry(void* arg) {
            auto* self = static_cast<Loop*>(arg);
            self->tid.store(::syscall(SYS_gettid));
            std::array<rte_mbuf*, kBurstSize> pkts;
            std::uint64_t n_total = 0;
            while (!self->stop.load(std::memory_order_relaxed)) {
                const std::uint16_t n = rte_eth_rx_burst(g_port, 0, pkts.data(), kBurstSize);
                const std::uint16_t sent = rte_eth_tx_burst(g_port, 0, pkts.data(), n);
                if (sent < n) rte_pktmbuf_free_bulk(pkts.data() + sent, n - sent);
                n_total += n;
                self->packets.store(n_total, std::memory_order_relaxed);
            }
            return 0;
        }
    };
    for (int run = 0; run < o.runs; ++run) {
        inject(1);
        Loop loop;
        const Rate r = measure_hand_built(loop, o.seconds);
        std::printf("result ring 1 mpps=%.3f cycles=%.1f\n", r.mpps, r.cycles);
        std::fflush(stdout);
    }
}

// The hand-built floor on the same table, chain and packets as "plain": per burst, parse (IPv4/UDP
// inline), hash, bulk lookup, every hit's entry and configuration line prefetched, then a packet
// counter and the egress template's 42 octets copied over the headers with the IP length and
// checksum patched (UDP checksum 0). No statistics, no sequence rewrite, no checks beyond the
// parse: what the plain relay costs above this is the price of its features.
void hand_built_floor(const Options& o) {
    struct Loop : HandBuiltLoop {
        FlowTable* table = nullptr;
        static int entry(void* arg) {
            auto* self = static_cast<Loop*>(arg);
            self->tid.store(::syscall(SYS_gettid));
            std::array<rte_mbuf*, kBurstSize> pkts;
            std::array<FlowHashKey, kBurstSize> keys;
            std::array<const FlowHashKey*, kBurstSize> key_ptrs;
            std::array<std::uint32_t, kBurstSize> hashes;
            std::array<FlowEntry*, kBurstSize> entries;
            std::uint64_t n_total = 0;
            ParsedFrame p;
            while (!self->stop.load(std::memory_order_relaxed)) {
                const std::uint16_t n = rte_eth_rx_burst(g_port, 0, pkts.data(), kBurstSize);
                for (std::uint16_t i = 0; i < n; ++i)
                    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
                for (std::uint16_t i = 0; i < n; ++i) {
                    const auto* f = rte_pktmbuf_mtod(pkts[i], const std::uint8_t*);
                    if (!parse_udp4(f, rte_pktmbuf_data_len(pkts[i]), p)) p.dst_port = 0;
                    hashes[i] = fill_hash_key(keys[i], flowapi::AddressFamily::kIpv4,
                                              f + p.dst_ip_offset(), p.dst_port);
                    key_ptrs[i] = &keys[i];
                }
                if (n != 0)
                    self->table->lookup_bulk(key_ptrs.data(), hashes.data(), n, entries.data());
                for (std::uint16_t i = 0; i < n; ++i) {
                    if (entries[i] == nullptr) continue;
                    rte_prefetch0(entries[i]);
                    rte_prefetch0(entries[i]->inline_config());
                }
                std::uint16_t out = 0;
                for (std::uint16_t i = 0; i < n; ++i) {
                    FlowEntry* e = entries[i];
                    if (e == nullptr) {
                        rte_pktmbuf_free(pkts[i]);
                        continue;
                    }
                    const FlowConfig* cfg = e->config.load(std::memory_order_acquire);
                    e->packets.add(1);
                    auto* f = rte_pktmbuf_mtod(pkts[i], std::uint8_t*);
                    const std::uint16_t ip_len = rtp::load_be16(f + 14 + 2);
                    std::memcpy(f, cfg->egress.bytes.data(), 42);
                    rtp::store_be16(f + 14 + 2, ip_len);
                    std::uint32_t sum = std::uint32_t{cfg->egress.ip_sum} + ip_len;
                    sum = (sum & 0xFFFF) + (sum >> 16);
                    rtp::store_be16(f + 14 + 10, static_cast<std::uint16_t>(~sum));
                    rtp::store_be16(f + 34 + 4, static_cast<std::uint16_t>(ip_len - 20));
                    rtp::store_be16(f + 34 + 6, 0);
                    pkts[out++] = pkts[i];
                }
                const std::uint16_t sent = rte_eth_tx_burst(g_port, 0, pkts.data(), out);
                if (sent < out) rte_pktmbuf_free_bulk(pkts.data() + sent, out - sent);
                n_total += n;
                self->packets.store(n_total, std::memory_order_relaxed);
            }
            return 0;
        }
    };
    for (const std::uint32_t flows : o.flows) {
        Table t = build_table(flows, Mode::kPlain, flows);
        if (!t.table) continue;
        for (int run = 0; run < o.runs; ++run) {
            inject(flows);
            Loop loop;
            loop.table = t.table.get();
            const Rate r = measure_hand_built(loop, o.seconds);
            std::printf("result floor %u mpps=%.3f cycles=%.1f\n", flows, r.mpps, r.cycles);
            std::fflush(stdout);
        }
    }
}

// Flow programming while forwarding: batches of `batch` adds, then the same flows deleted.
void churn(const Options& o) {
    const std::uint32_t flows = *std::max_element(o.flows.begin(), o.flows.end()) >= 100000
                                    ? 100000
                                    : *std::max_element(o.flows.begin(), o.flows.end());
    Table t = build_table(flows, Mode::kPlain, flows + o.batch);
    if (!t.table) {
        std::printf("result churn %u refused=1 error=\"%s\"\n", flows, t.error.c_str());
        return;
    }
    flowapi::Batch adds;
    flowapi::Batch deletes;
    for (std::uint32_t i = 0; i < o.batch; ++i) {
        flowapi::FlowSpec s;
        s.local = {address_of(11, i), kMediaPort};
        s.egress_source = s.local;
        s.egress_destination = {address_of(12, i), kMediaPort};
        s.next_hop_mac = kPortMac;
        adds.ops.push_back({flowapi::OpKind::kAdd, s});
        deletes.ops.push_back({flowapi::OpKind::kDelete, s});
    }
    const auto book = address_book();
    for (int run = 0; run < o.runs; ++run) {
        inject(flows);
        RunningWorker w(*t.table, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        // The same time without flow changes first: the gap the machine alone causes.
        const std::uint64_t quiet_switches0 = involuntary_switches(w.tid.load());
        w.counters.max_loop_gap_cycles.value.store(0);
        std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
        const double quiet_gap = w.max_gap_us();
        const std::uint64_t quiet_switches = involuntary_switches(w.tid.load()) - quiet_switches0;
        w.counters.max_loop_gap_cycles.value.store(0);  // racy by one store at most: fine here
        const std::uint64_t switches0 = involuntary_switches(w.tid.load());
        const std::uint64_t c0 = cpu_ns(w.tid.load());
        const std::uint64_t p0 = w.counters.rx.get();
        std::uint64_t changes = 0;
        bool ok = true;
        const auto start = std::chrono::steady_clock::now();
        const auto until = start + std::chrono::duration<double>(o.seconds);
        while (ok && std::chrono::steady_clock::now() < until) {
            ok = apply_over_wire(*t.table, adds, book).ok &&
                 apply_over_wire(*t.table, deletes, book).ok;
            changes += 2 * o.batch;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const std::uint64_t p1 = w.counters.rx.get();
        const std::uint64_t c1 = cpu_ns(w.tid.load());
        const double gap = w.max_gap_us();
        const std::uint64_t switches = involuntary_switches(w.tid.load()) - switches0;
        const std::uint64_t drops = w.drops();
        w.stop.store(true);
        rte_eal_wait_lcore(g_worker_lcore);
        drain();
        std::printf(
            "result churn %u changes_per_s=%.0f batch=%u max_gap_us=%.1f worker_preemptions=%llu "
            "quiet_max_gap_us=%.1f quiet_preemptions=%llu cycles=%.1f drops=%llu ok=%d\n",
            flows, static_cast<double>(changes) / elapsed, o.batch, gap,
            static_cast<unsigned long long>(switches), quiet_gap,
            static_cast<unsigned long long>(quiet_switches), rate(p1 - p0, c1 - c0, 0).cycles,
            static_cast<unsigned long long>(drops), ok ? 1 : 0);
        std::fflush(stdout);
    }
}

// Wake-up latency: one frame (to no flow: dropped) on the queue of an idle worker.
void wake(const Options& o) {
    Table t = build_table(1, Mode::kPlain, 16);
    if (!t.table) return;
    for (const std::uint32_t sleep_us : {std::uint32_t{0}, o.idle_sleep_us}) {
        RunningWorker w(*t.table, sleep_us);
        std::vector<double> samples;
        for (int i = 0; i < 20; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            const std::uint64_t before = w.counters.rx.get();
            rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
            fill_frame(m, 0x00FFFFFF, 0);  // 10.255.255.255: no flow
            const std::uint64_t t0 = rte_rdtsc();
            if (rte_eth_tx_burst(g_port, 0, &m, 1) != 1) {
                rte_pktmbuf_free(m);
                continue;
            }
            while (w.counters.rx.get() == before) rte_pause();
            samples.push_back(static_cast<double>(rte_rdtsc() - t0) * 1e6 /
                              static_cast<double>(rte_get_tsc_hz()));
        }
        std::sort(samples.begin(), samples.end());
        if (samples.empty()) continue;
        std::printf("result wake %u median_us=%.1f max_us=%.1f idle_sleeps=%llu\n", sleep_us,
                    samples[samples.size() / 2], samples.back(),
                    static_cast<unsigned long long>(w.counters.idle_sleeps.get()));
        std::fflush(stdout);
    }
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(item);
    return out;
}

bool has(const Options& o, const std::string& suite) {
    return std::find(o.suites.begin(), o.suites.end(), suite) != o.suites.end();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string v = argv[i + 1];
        if (a == "--flows") {
            o.flows.clear();
            for (const auto& f : split(v))
                o.flows.push_back(static_cast<std::uint32_t>(std::stoul(f)));
        } else if (a == "--suites") {
            o.suites = split(v);
        } else if (a == "--runs") {
            o.runs = std::stoi(v);
        } else if (a == "--seconds") {
            o.seconds = std::stod(v);
        } else if (a == "--batch") {
            o.batch = static_cast<std::uint32_t>(std::stoul(v));
        } else if (a == "--huge") {
            o.huge = v == "1";
        } else if (a == "--seq-per-hop") {
            o.seq_per_hop = v == "1";
        } else if (a == "--idle-sleep-us") {
            o.idle_sleep_us = static_cast<std::uint32_t>(std::stoul(v));
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (o.flows.empty() || o.runs < 1 || o.seconds <= 0 || o.batch == 0) {
        std::fprintf(stderr, "bad options\n");
        return 2;
    }
    g_seq_per_hop = o.seq_per_hop;
    // Flow storage is DPDK memory: size the heap for the largest table (--no-huge: anonymous
    // memory, resident only where touched, so RSS tells what the flows cost).
    const std::uint32_t largest = *std::max_element(o.flows.begin(), o.flows.end());
    const std::string memory = std::to_string(512 + largest / 1000 * 3);
    const std::string prefix = "--file-prefix=rtpx-loop-bench-" + std::to_string(::getpid());
    // With --huge 1 the flows live in hugepages (reserve them first: at 100k flows --no-huge's 4
    // KiB pages make every entry a TLB miss); RSS then no longer tells the flows' cost.
    std::vector<std::string> args = {"loop_bench", o.huge ? "--in-memory" : "--no-huge",
                                     "-m",         memory,
                                     "--no-pci",   "-l",
                                     "0,1",        "--log-level",
                                     "error",      "--no-telemetry",
                                     "--vdev",     "net_ring0",
                                     prefix};
    if (!o.huge) args.insert(args.begin() + 4, "--no-shconf");
    std::vector<char*> eal_argv;
    for (auto& a : args) eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "EAL init failed\n");
        return 1;
    }
    g_worker_lcore = rte_get_next_lcore(-1, 1, 0);
    g_pool = rte_pktmbuf_pool_create("loop_pool", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    rte_eth_conf conf{};
    if (g_pool == nullptr || rte_eth_dev_get_port_by_name("net_ring0", &g_port) != 0 ||
        rte_eth_dev_configure(g_port, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(g_port, 0, 1024, 0, nullptr, g_pool) != 0 ||
        rte_eth_tx_queue_setup(g_port, 0, 1024, 0, nullptr) != 0 ||
        rte_eth_dev_start(g_port) != 0) {
        std::fprintf(stderr, "port setup failed\n");
        return 1;
    }
    std::printf("result machine 0 tsc_mhz=%.0f\n", static_cast<double>(rte_get_tsc_hz()) / 1e6);
    if (has(o, "ring")) ring_floor(o);
    if (has(o, "plain")) forwarding(o, Mode::kPlain);  // first: its "table" lines measure RSS
    if (has(o, "floor")) hand_built_floor(o);
    if (has(o, "protect")) forwarding(o, Mode::kProtect);
    if (has(o, "rekey")) forwarding(o, Mode::kRekey);
    if (has(o, "rekey_gcm")) forwarding(o, Mode::kRekeyGcm);
    if (has(o, "churn")) churn(o);
    if (has(o, "wake")) wake(o);
    const std::string dir = rte_eal_get_runtime_dir();
    (void)rte_eth_dev_stop(g_port);
    (void)rte_eth_dev_close(g_port);
    rte_eal_cleanup();
    (void)::rmdir(dir.c_str());
    return 0;
}
