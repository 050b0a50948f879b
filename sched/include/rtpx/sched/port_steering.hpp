// The steering of one planned port: the glue between a Plan and steering.hpp. Given the relay
// port range, it builds what the data plane installs (RETA, or rte_flow rules) and the table both
// processes share (relay port -> position in Plan::workers): the dispatcher looks packets up in
// it, the control plane allocates relay ports from it (RelayPortAllocator) on the worker
// CallAssigner chose.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/sched/plan.hpp"
#include "rtpx/sched/steering.hpp"
#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {

struct PortSteering {
    SteeringMode mode = SteeringMode::kRss;
    SteeringTable table;               // relay port -> position in Plan::workers
    std::vector<std::uint16_t> reta;   // kRss: the redirection table to program
    std::vector<FlowRule> flow_rules;  // kFlow: the rules to install (worker = Plan position)
};

// For Plan::ports[port]: kRss hashes the UDP destination port alone with `rss_key` and an even
// RETA of `reta_size` entries over the port's RX queues; kFlow splits the range over its queues;
// kDispatch interleaves port pairs over the workers its dispatcher feeds. A port with a single
// worker (one RX queue, no dispatcher) sends the whole range to it.
[[nodiscard]] tl::expected<PortSteering, SteeringError> steer_port(
    const Plan& plan, std::size_t port, PortRange relay_ports,
    std::span<const std::uint8_t> rss_key = kMicrosoftRssKey, std::size_t reta_size = 512);

}  // namespace rtpx::sched
