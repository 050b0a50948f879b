// `rtpx plan`: the placement plan sched/ computes for a topology and a set of ports, as JSON (or
// a short summary with --text). rtpx-dataplane runs the same planner on the live topology
// (rtpx::sched::make_live_plan) and prints the same summary at start.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "rtpx/sched/plan.hpp"
#include "rtpx/sched/steering.hpp"

namespace rtpx::cli {

struct PlanOptions {
    std::string topology;            // hwloc XML file
    std::vector<std::string> ports;  // NAME[:NUMA[:QUEUES]]
    unsigned workers = 0;
    std::string steering = "rss";
    bool text = false;
    bool allow_smt = false;
    unsigned reserved_cores = 1;
    int main_lcore = -1;
    unsigned socket_mem_mb = 1024;
    std::string relay_ports;  // FIRST-LAST: also show how each port steers this range
};

// Parses one --port argument against the topology:
//   NAME            a PCI address found in the topology (its NUMA node from there), or a vdev
//   NAME:NUMA       NUMA is a node number, or "none" / "-1" for a vdev, or "auto" (look it up)
//   NAME:NUMA:QUEUES  the number of RX queues the device has
// PCI devices default to 64 RX queues with RSS on the UDP destination port; vdevs to 1 queue.
// The error says what is wrong with the argument.
[[nodiscard]] tl::expected<sched::PortSpec, std::string> parse_port_arg(
    const std::string& arg, const sched::Topology& topology);

// The plan as JSON: workers (lcore, core, numa, ports, queues, dispatcher), main_lcore,
// main_is_worker, control_plane_cpus, dispatchers, ports, eal_args.
[[nodiscard]] nlohmann::json plan_to_json(const sched::Plan& plan);

// How a planned port steers the relay port range (steer_port): relay ports per worker lcore, and
// the rte_flow rules for flow steering. Adds "relay_ports" to the port's JSON object.
[[nodiscard]] tl::expected<nlohmann::json, std::string> port_steering_json(const sched::Plan& plan,
                                                                           std::size_t port,
                                                                           sched::PortRange range);

// Runs the command; returns the exit status (0 ok, 1 invalid input or unsatisfiable, 2 usage).
int run_plan(const PlanOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rtpx::cli
