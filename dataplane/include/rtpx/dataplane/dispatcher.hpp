// Dispatcher mode, for ports with a single RX queue (net_af_packet, net_tap, many vNICs) and more
// than one worker (sched/ SteeringMode::kDispatch): one dispatcher lcore reads RX queue 0 of every
// port and hands each frame to the worker that owns its flow through SPSC rte_rings, one ring per
// worker and port. The owner is a hash of the flow key (the destination address and UDP port), so
// every packet of a flow meets the same worker (its SRTP contexts, statistics and RTCP agent state
// stay single-writer); frames that are not UDP (ARP, ICMP, ND, exceptions) go to worker 0. Workers
// read their rings where they would call rte_eth_rx_burst and keep their own TX queue on every
// port. A full ring drops the frame as dispatch_ring_full (counted on the dispatcher's counters).
// No heap, lock or log per packet.
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
    std::uint16_t queue = 0;  // the RX queue it reads on every port
    // rings[w][port]: to worker w (SP/SC, mbuf pointers); workers = rings.size().
    std::vector<std::array<rte_ring*, kMaxPorts>> rings;
    LcoreCounters* counters = nullptr;
    const std::atomic<bool>* stop = nullptr;
    std::uint32_t idle_sleep_us = 0;
};

class Dispatcher {
  public:
    explicit Dispatcher(DispatcherContext context) noexcept;
    // One RX burst per port, spread to the workers' rings. Returns the frames read.
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
