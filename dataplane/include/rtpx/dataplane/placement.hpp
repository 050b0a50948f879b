// Placement for rtpx-dataplane: the sched/ plan (sched/include/rtpx/sched/plan.hpp) made from the
// configuration, and checked against what this data plane applies. Pure functions, no EAL.
//
// - Without dataplane.lcores, the plan comes from the live topology before the EAL starts
//   (plan_config + port_specs; a vdev's RX queues read from its arguments, a PCI device assumed
//   to have plenty and checked once the EAL knows it).
// - With dataplane.lcores, the plan is made on those lcores after the EAL starts: every lcore but
//   the main one is free for a worker or dispatcher (a synthetic topology, one core per lcore on
//   its EAL socket), and the ports' real RX queue counts decide the steering.
// Either way a port with fewer RX queues than its NUMA node's workers (or every port with
// dataplane.dispatch = true) is read by a dispatcher lcore that feeds the workers through SPSC
// rings (dispatcher.hpp); a node with a single worker needs no dispatcher.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/dataplane/config.hpp"
#include "rtpx/sched/plan.hpp"

namespace rtpx::dataplane {

// The RX queues a port's device will offer, known before the EAL starts: net_af_packet's qpairs,
// net_af_xdp's queue_count, one for net_pcap and net_tap's default; PCI devices and other vdevs:
// 64 (checked against the device when its queues are set up).
[[nodiscard]] std::uint16_t expected_rx_queues(const PortConfig& port);

// The RX queues a device fills whatever the data plane configures, because it opened them at
// probe: net_af_packet's qpairs (its sockets share a PACKET_FANOUT_HASH group) and net_af_xdp's
// queue_count; 1 for every other device. A dispatcher reads all of them.
[[nodiscard]] std::uint16_t probe_rx_queues(const PortConfig& port);

// Steering as the data plane asks the planner: per-worker RX queues (RSS on IP and UDP) unless
// dispatch is configured.
[[nodiscard]] sched::PlanConfig plan_config(const Config& config);

// The EAL's memory mode, appended to `args` unless they choose one: --in-memory without a file
// prefix, --no-shconf or --in-memory; in hugepage mode with files (neither --no-huge nor
// --in-memory) --huge-unlink, so each hugepage file is unlinked as soon as it is mapped and none
// stays in hugetlbfs after exit, clean or not (no secondary process needs them).
void add_memory_mode(std::vector<std::string>& args);

// One EAL lcore: its id and the NUMA socket it runs on (sched::kNoNuma when unknown).
struct LcoreInfo {
    unsigned id = 0;
    int socket = sched::kNoNuma;
};

// The plan on the lcores the configuration pinned (dataplane.lcores, after EAL init).
[[nodiscard]] tl::expected<sched::Plan, std::string> plan_on_lcores(
    std::span<const LcoreInfo> lcores, unsigned main_lcore, std::span<const sched::PortSpec> ports,
    const Config& config);

// What the data plane cannot apply: a worker whose RX queue on a port differs from its index (a
// worker polls queue <index> of every port it reads directly; multi-NUMA RSS needs more), or a
// plan where the main lcore runs a worker.
[[nodiscard]] tl::expected<void, std::string> check_plan(const sched::Plan& plan);

}  // namespace rtpx::dataplane
