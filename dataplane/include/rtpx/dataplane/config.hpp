// rtpx-dataplane's configuration file (TOML). Example:
//
//   [dataplane]
//   control_socket = "/run/rtpx/dataplane.sock"   # flow API (Unix stream socket)
//   control_tcp = "127.0.0.1:7070"   # optional: the flow API on TCP too, for a remote control
//                                    # plane (no authentication: bind to a management address)
//   lcores = "0-2"            # EAL -l (or --lcores when it maps lcores to CPUs: "0@0,1@1,2@1"):
//                             # the main lcore (control, the lowest) and lcores for workers and
//                             # dispatchers; absent: the sched/ placement plan of this machine
//   workers = 0               # workers to place (0: one per free core / pinned lcore)
//   max_flows = 65536
//   mbufs = 16383             # per NUMA socket in use
//   idle_sleep_us = 200       # idle back-off: longest sleep of an idle worker (0: busy poll)
//   eal = ["--in-memory"]     # extra EAL arguments (those after "--" on the command line follow)
//   srtp_failure_threshold = 100   # an srtp_failures event every this many SRTP failures of a
//                                  # flow (0: none)
//   dispatch = false          # true: steering "dispatch" for every port. Either way a port with
//                             # fewer RX queues than workers (net_af_packet, net_tap ...) is read
//                             by # a dispatcher lcore from the sched/ plan (placement.hpp), which
//                             # feeds the workers through SPSC rings (dispatcher.hpp)
//
//   [[port]]
//   vdev = "net_af_packet0,iface=veth0"   # or: pci = "0000:03:00.0"
//   addresses = ["192.0.2.1", "2001:db8::1"]   # media addresses (ARP/ND/ICMP echo answered)
//   gateway_mac = "02:00:00:00:00:01"     # optional: next hop for every flow leaving this port;
//                                         # otherwise neighbour resolution (ARP/ND) per destination
//   vlan = 0                              # optional 802.1Q VLAN ID
//   rx_descriptors = 1024
//   tx_descriptors = 1024
//   exception = "tap"                     # optional: traffic for the media addresses that the data
//                                         # plane does not handle (SSH, SIP, fragments ...) goes to
//                                         # the kernel through a TAP; "none" (default) drops it
//   exception_iface = "rtpx-exc0"         # the TAP's kernel name (default rtpx-exc<port index>)
//   exception_rate_pps = 10000            # most frames per second per worker to the kernel (0: no
//                                         # limit)
//
// Errors name the file, line and key: "dp.toml:7:13: port[0].addresses[1]: not an IP address".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"

namespace rtpx::dataplane {

struct PortConfig {
    std::string vdev;  // "net_ring0", "net_af_packet0,iface=eth1", ...; empty for PCI
    std::string pci;   // "0000:03:00.0"; empty for a vdev
    std::vector<flowapi::IpAddress> addresses;
    std::optional<flowapi::MacAddress> gateway_mac;
    std::uint16_t vlan = 0;
    std::uint16_t rx_descriptors = 1024;
    std::uint16_t tx_descriptors = 1024;
    // The exception port (exception.hpp): "tap" or empty (none).
    std::string exception;
    std::string exception_iface;  // empty: rtpx-exc<port index>
    std::uint32_t exception_rate_pps = 10'000;

    // The ethdev name DPDK gives the device: the vdev name before its first comma, or the PCI
    // address.
    [[nodiscard]] std::string device_name() const;
};

struct Config {
    std::string control_socket = "/run/rtpx/dataplane.sock";
    std::optional<flowapi::Endpoint> control_tcp;  // the flow API on TCP too
    std::string lcores;                            // empty: the sched/ plan chooses
    std::uint32_t max_flows = 65536;
    std::uint32_t mbufs = 16383;
    // After a run of empty polls a worker sleeps 1, 2, 4 ... up to this many µs per poll (the
    // first frame after idleness waits at most that long); 0 busy-polls (a whole core, always).
    std::uint32_t idle_sleep_us = 200;
    std::vector<std::string> eal;
    std::uint32_t srtp_failure_threshold = 100;
    bool dispatch = false;      // steering dispatch for every port (placement.hpp)
    std::uint32_t workers = 0;  // 0: automatic (sched::PlanConfig::workers)
    std::vector<PortConfig> ports;
};

[[nodiscard]] tl::expected<Config, std::string> load_config(const std::string& path);
[[nodiscard]] tl::expected<Config, std::string> parse_config(std::string_view text,
                                                             const std::string& source_name);

}  // namespace rtpx::dataplane
