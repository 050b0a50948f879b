// The exception port: traffic for a port's own addresses that the data plane does not handle
// itself goes to the kernel through a TAP (net_tap) port, and what the kernel sends on that TAP
// leaves through the port. So SSH, SIP, BGP, traceroute replies, IP fragments ... addressed to a
// media address reach the host's stack, while the media never does.
//
// To the kernel (Worker::process_burst offers what it would otherwise drop):
//   - IPv4/IPv6 that is not UDP, ICMP or ICMPv6 (unsupported_l3), IP fragments (ip_fragment),
//     UDP to a port without a flow (no_flow), and ARP/ICMP/ND the worker does not answer itself
//     (exception_ignored: ARP replies, echo replies, NAs ...), when the frame is for the port
//     (its MAC or a group address, its VLAN) and, for IP, for one of its media addresses or an
//     IPv6 multicast group;
//   - untagged (a VLAN tag is removed), at most exception_rate_pps frames per second per worker
//     and port (an rte_meter token bucket, burst a tenth of it): the kernel path costs a system
//     call per frame, so a flood to the media address must not reach it unbounded. Frames over the
//     limit, and frames the TAP queue did not take, are dropped as exception_limited.
// From the kernel: every worker polls its own queue of every TAP and sends what it reads out of
// the TAP's port (tagged with the port's VLAN), unchanged: the TAP has the port's MAC, and the
// kernel's ARP/ND goes through the same path (replies come back as exceptions).
//
// The operator gives the TAP interface the media addresses (ip addr add ... dev <iface>); the data
// plane names it, gives it the port's MAC and brings it up. One ExceptionPath per worker, made
// on the control thread; the worker alone uses it. No heap, lock or log per packet.
#pragma once

#include <array>
#include <cstdint>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/rate_meter.hpp"
#include "rtpx/dataplane/worker.hpp"

namespace rtpx::dataplane {

inline constexpr std::uint32_t kDefaultExceptionRatePps = 10'000;

// Per worker (single writer).
struct ExceptionCounters {
    Counter to_kernel;    // frames handed to an exception port
    Counter from_kernel;  // frames read from an exception port and sent out
};

// Does this frame belong to the host stack of `port` (see above: its MAC or a group address, its
// VLAN; ARP, or IP to one of its addresses or an IPv6 multicast group)? `f`/`size`: the frame.
[[nodiscard]] bool for_kernel(const std::uint8_t* f, std::size_t size,
                              const PortIdentity& port) noexcept;

class ExceptionPath {
  public:
    // `ports`: the worker's ports (PortContext::has_exception, exception_port_id and
    // exception_rate_pps); `queue`: the worker's queue on every exception port.
    ExceptionPath(const PortContext* ports, std::uint16_t port_count, std::uint16_t queue,
                  LcoreCounters* lcore);

    // A frame received on `port` that the worker would drop as `why` (unsupported_l3,
    // ip_fragment, no_flow or exception_ignored; other reasons are never offered to the kernel):
    // true when it was taken for the kernel; false with `why` left alone (not for the kernel) or
    // set to exception_limited.
    [[nodiscard]] bool offer(std::uint16_t port, rte_mbuf* m, std::int64_t now_ns,
                             DropReason& why) noexcept;

    // Reads every exception port's queue; send(port index, mbuf) takes each frame out of its
    // port. Returns how many it read.
    template <class Send>
    std::uint32_t poll(Send&& send) noexcept {
        std::uint32_t handled = 0;
        std::array<rte_mbuf*, kBurstSize> pkts;
        for (std::uint16_t port = 0; port < port_count_; ++port) {
            if (!ports_[port].has_exception) continue;
            const std::uint16_t n =
                rte_eth_rx_burst(ports_[port].exception_port_id, queue_, pkts.data(), kBurstSize);
            for (std::uint16_t i = 0; i < n; ++i) {
                if (prepare_for_port(port, pkts[i])) send(port, pkts[i]);
            }
            counters_.from_kernel.add(n);
            handled += n;
        }
        return handled;
    }

    // Hands what offer() buffered to the exception ports.
    void flush() noexcept;

    [[nodiscard]] const ExceptionCounters& counters() const noexcept { return counters_; }

  private:
    [[nodiscard]] bool prepare_for_port(std::uint16_t port, rte_mbuf*& m) noexcept;
    void limited(rte_mbuf* m) noexcept;

    const PortContext* ports_;
    std::uint16_t port_count_;
    std::uint16_t queue_;
    LcoreCounters* lcore_;
    std::array<RateMeter, kMaxPorts> meters_{};
    std::array<std::array<rte_mbuf*, kBurstSize>, kMaxPorts> tx_{};
    std::array<std::uint16_t, kMaxPorts> tx_count_{};
    ExceptionCounters counters_;
};

}  // namespace rtpx::dataplane
