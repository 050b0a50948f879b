// Dispatcher mode, for ports with a single RX queue (net_af_packet, net_tap, many vNICs) and more
// than one worker (sched/ SteeringMode::kDispatch, placement.hpp): one dispatcher lcore reads RX
// queue 0 of its ports (the plan's DispatcherPlan::ports; every port when none are named) and hands
// each frame to the worker that owns its flow through SPSC rte_rings, one ring per worker and port.
// The owner is a hash of the flow key (the destination address and UDP port), so every packet of a
// flow meets the same worker (its SRTP contexts, statistics and RTCP agent state stay
// single-writer); frames that are not UDP (ARP, ICMP, ND, exceptions) go to worker 0. Workers read
// their rings where they would call rte_eth_rx_burst and keep their own TX queue on every port. A
// full ring drops the frame as dispatch_ring_full (counted on the dispatcher's counters). No heap,
// lock or log per packet.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpx/dataplane/worker.hpp"

namespace rtpx::dataplane {

inline constexpr std::size_t kMaxDispatchWorkers = 64;

// The worker (0 .. workers-1) that owns this frame's flow.
[[nodiscard]] std::uint16_t dispatch_worker(const std::uint8_t* frame, std::size_t size,
                                            std::uint16_t workers) noexcept;

struct DispatcherContext {
    const PortContext* ports = nullptr;
    std::uint16_t port_count = 0;
    std::uint16_t queue = 0;  // the RX queue it reads on each of its ports
    // Port indices it reads (DispatcherPlan::ports); empty: every port.
    std::vector<std::uint16_t> rx_ports;
    // RX queues it reads on each port, from `queue` on (0 counts as 1): more than one where the
    // device spreads frames over queues it opened at probe (placement.hpp, probe_rx_queues).
    std::array<std::uint16_t, kMaxPorts> rx_queues{};
    // rings[w][port]: to worker w (SP/SC, mbuf pointers); workers = rings.size().
    std::vector<std::array<rte_ring*, kMaxPorts>> rings;
    LcoreCounters* counters = nullptr;
    const std::atomic<bool>* stop = nullptr;
    std::uint32_t idle_sleep_us = 0;
};

class Dispatcher {
  public:
    explicit Dispatcher(DispatcherContext context);
    // One RX burst per port it reads, spread to the workers' rings. Returns the frames read.
    std::uint32_t poll_once() noexcept;
    // Polls until *stop (idle back-off as the workers). For rte_eal_remote_launch.
    int run() noexcept;

  private:
    DispatcherContext ctx_;
    std::uint16_t workers_;
    std::array<std::array<rte_mbuf*, kBurstSize>, kMaxDispatchWorkers> out_{};
    std::array<std::uint16_t, kMaxDispatchWorkers> out_count_{};
};

}  // namespace rtpx::dataplane
