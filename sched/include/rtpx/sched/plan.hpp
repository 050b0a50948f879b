// Placement: which lcore runs what, computed as a pure function of a topology, the ports and a
// configuration (Seastar's way). Applying the plan (EAL arguments, queue setup, mempools, rings)
// is the data plane's job; this file never touches the machine.
//
// The rules make_plan() follows:
//  - Reserved cores first: the main lcore is the first PU of the first reserved core (by default
//    the machine's first physical core, or the core of PlanConfig::main_lcore); every other PU of
//    the reserved cores (SMT siblings included) is for the control plane and the kernel. No worker
//    or dispatcher ever runs on a reserved core.
//  - Workers are NUMA-local to the ports they receive from: a port on NUMA n is served only by
//    workers on NUMA n. A vdev (NUMA none) is placed on PlanConfig::default_numa (or the first
//    NUMA node with a free core). Each NUMA node that has a port gets at least one worker.
//  - One worker per physical core; SMT siblings are used only with allow_smt_siblings (and then
//    only after every free physical core has one worker).
//  - workers == 0 means "all free physical cores of the NUMA nodes the ports are on" (or of every
//    NUMA node when there are no ports); otherwise the workers are spread round-robin across those
//    NUMA nodes.
//  - Steering per port: rss/flow give each local worker its own RX queue when the port has as many
//    queues as local workers (and, for rss, the NIC can hash on the UDP destination port alone);
//    otherwise, or with steering dispatch, one dispatcher lcore per NUMA node reads RX queue 0 of
//    its single-queue ports and feeds the local workers through SPSC rings. A NUMA node with a
//    single worker needs no dispatcher: that worker polls queue 0 itself. Every worker has a TX
//    queue on every port (a call's two legs may leave through different ports).
//  - Small machines: with one physical core in total, the main lcore also runs the single worker
//    (main_is_worker; the data plane launches the worker loop on the main lcore), and the control
//    plane shares that core. With two cores: main lcore on one, worker on the other.
//  - EAL arguments: -l (main, workers, dispatchers), --main-lcore, --socket-mem with
//    PlanConfig::socket_mem_mb on every NUMA node that holds a worker, dispatcher, port or the main
//    lcore (0 elsewhere), and -a for every port that is a PCI address.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sched/topology.hpp"

namespace rtpx::sched {

enum class SteeringMode : std::uint8_t {
    kRss,       // RSS on the UDP destination port: queues chosen by the NIC's Toeplitz hash
    kFlow,      // rte_flow rules: UDP destination port ranges to queues
    kDispatch,  // software: a dispatcher lcore reads one queue and feeds workers through rings
};

[[nodiscard]] std::string_view to_string(SteeringMode mode) noexcept;

struct PortSpec {
    std::string name;             // PCI address ("0000:81:00.0") or vdev name ("net_tap0")
    int numa = kNoNuma;           // NUMA node of the device; kNoNuma for vdevs
    std::uint16_t rx_queues = 1;  // RX queues the device offers; 1 needs a dispatcher for >1 worker
    bool rss_l4_dst_only = false;  // can hash on the UDP destination port alone (L4_DST_ONLY)
};

struct PlanConfig {
    unsigned workers = 0;             // 0: automatic (every free physical core, see above)
    bool allow_smt_siblings = false;  // allow workers on SMT siblings of other workers
    unsigned reserved_cores = 1;      // physical cores kept for the main lcore + control plane
    int main_lcore = -1;              // PU for the main lcore; -1: first PU of the first core
    int default_numa = kNoNuma;       // where vdev ports go; kNoNuma: first node with a core
    SteeringMode steering = SteeringMode::kRss;
    unsigned socket_mem_mb = 1024;  // hugepage memory per used NUMA node
};

struct WorkerQueue {
    std::size_t port = 0;  // position in Plan::ports
    int rx_queue = -1;     // RX queue this worker polls; -1: fed by a dispatcher ring instead
    int tx_queue = 0;      // TX queue this worker sends on
};

struct WorkerPlan {
    unsigned lcore = 0;  // PU os index
    unsigned core = 0;   // position in Topology::cores
    int numa = kNoNuma;
    std::vector<WorkerQueue> queues;  // one per port the worker receives from (RX) or sends on
    int dispatcher = -1;              // position in Plan::dispatchers feeding it, -1 if none
};

struct DispatcherPlan {
    unsigned lcore = 0;
    unsigned core = 0;
    int numa = kNoNuma;
    std::vector<std::size_t> ports;    // positions in Plan::ports whose RX queue 0 it reads
    std::vector<std::size_t> workers;  // positions in Plan::workers it feeds
};

struct PortPlan {
    std::string name;
    int numa = kNoNuma;      // as given (kNoNuma for vdevs)
    int mempool_socket = 0;  // where its mbufs live: its NUMA node, or where it was placed
    SteeringMode steering = SteeringMode::kRss;  // what this port ends up using
    std::uint16_t rx_queues = 1;                 // to configure
    std::uint16_t tx_queues = 1;                 // one per worker
    std::vector<std::size_t> rx_workers;         // positions in Plan::workers, in RX queue order
    int dispatcher = -1;  // position in Plan::dispatchers when steering is kDispatch
};

struct Plan {
    std::vector<WorkerPlan> workers;
    std::vector<DispatcherPlan> dispatchers;
    std::vector<PortPlan> ports;
    unsigned main_lcore = 0;
    bool main_is_worker = false;               // single-core machine: the main lcore runs worker 0
    std::vector<unsigned> control_plane_cpus;  // PUs for the control plane and the kernel
    std::vector<std::string> eal_args;         // {"-l", "0-3", "--main-lcore", "0", ...}
};

enum class PlanErrc : std::uint8_t {
    kBadConfig,       // contradictory or out-of-range configuration
    kUnknownNuma,     // a port names a NUMA node the topology does not have
    kNoFreeCore,      // a NUMA node that needs a worker (or dispatcher) has no free core
    kTooFewWorkers,   // fewer workers asked than NUMA nodes with ports
    kTooManyWorkers,  // more workers asked than free cores
    kTopology,        // the topology could not be loaded (make_live_plan)
};

struct PlanError {
    PlanErrc code;
    std::string what;  // says why, e.g. "port 0000:81:00.0 is on NUMA 1 but NUMA 1 has no ..."
};

[[nodiscard]] tl::expected<Plan, PlanError> make_plan(const Topology& topology,
                                                      std::span<const PortSpec> ports,
                                                      const PlanConfig& config);

// What rtpx-dataplane calls at start: the same planner on this machine's live topology.
[[nodiscard]] tl::expected<Plan, PlanError> make_live_plan(std::span<const PortSpec> ports,
                                                           const PlanConfig& config);

// A few lines for operators ("worker lcore 2 (core 2, NUMA 0): 0000:3b:00.0 rxq 0 ..."), what the
// data plane prints at start and `rtpx plan --text` shows.
[[nodiscard]] std::string describe(const Plan& plan);

// "0-3,8,10-11" from {0,1,2,3,8,10,11} (the EAL -l syntax); input need not be sorted.
[[nodiscard]] std::string cpu_list(std::vector<unsigned> cpus);

}  // namespace rtpx::sched
