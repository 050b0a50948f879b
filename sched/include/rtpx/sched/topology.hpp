// The machine as the placement planner sees it: packages, NUMA nodes, physical cores, processing
// units (hardware threads), caches and PCI devices. A plain value type with no hwloc in it, so
// plans can be computed and tested from synthetic topologies; the only code that talks to hwloc
// is the adapter behind load_topology_xml() and load_live_topology() (hwloc_topology.cpp).
//
// Indices: `os_index` is the operating system's number (a PU's os_index is the Linux CPU id, which
// is also the DPDK lcore id by default; a NUMA node's os_index is the DPDK socket id). Cores are
// referred to by their position in `cores` (hwloc's logical index), because Linux core ids repeat
// across packages. NUMA fields hold a NUMA node's os_index, or kNoNuma.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::sched {

// "Not attached to any NUMA node": a vdev, or a PCI device whose locality hwloc does not know
// (same value as DPDK's SOCKET_ID_ANY).
inline constexpr int kNoNuma = -1;

struct Package {
    unsigned os_index = 0;
};

struct NumaNode {
    unsigned os_index = 0;
    std::uint64_t memory_bytes = 0;  // local memory
};

struct Core {
    unsigned os_index = 0;      // Linux core_id: unique only within a package
    int package = -1;           // os_index of the package, -1 if none
    int numa = kNoNuma;         // os_index of the (first) NUMA node local to the core
    std::vector<unsigned> pus;  // PU os indices, ascending; more than one means SMT siblings
    int l2 = -1;                // position in Topology::caches of the L2 the core uses, -1 if none
    int l3 = -1;                // same for the L3 (last-level cache)
};

struct Pu {
    unsigned os_index = 0;  // Linux CPU id = DPDK lcore id
    unsigned core = 0;      // position of its core in Topology::cores
};

struct Cache {
    unsigned level = 0;  // 1, 2, 3 (unified or data caches only)
    std::uint64_t size_bytes = 0;
    std::vector<unsigned> pus;  // PU os indices sharing it
};

struct PciDevice {
    std::string address;                  // canonical "dddd:bb:dd.f", lower case
    int numa = kNoNuma;                   // nearest NUMA node, kNoNuma when hwloc cannot tell
    std::uint16_t class_id = 0;           // PCI class, e.g. 0x0200 for Ethernet
    std::vector<std::string> os_devices;  // e.g. "eth0"
};

struct Topology {
    std::vector<Package> packages;
    std::vector<NumaNode> numa_nodes;  // ascending os_index
    std::vector<Core> cores;           // hwloc logical order
    std::vector<Pu> pus;               // ascending os_index
    std::vector<Cache> caches;
    std::vector<PciDevice> pci_devices;

    [[nodiscard]] const Pu* find_pu(unsigned os_index) const noexcept;
    [[nodiscard]] const NumaNode* find_numa(int os_index) const noexcept;
    // Accepts "dddd:bb:dd.f" or "bb:dd.f" (domain 0000), any case.
    [[nodiscard]] const PciDevice* find_pci(std::string_view address) const noexcept;
    // The other PUs of the same physical core.
    [[nodiscard]] std::vector<unsigned> smt_siblings(unsigned pu_os_index) const;
    [[nodiscard]] bool has_smt() const noexcept;
};

// "0000:81:00.0" from "81:00.0", "0000:81:00.0" or upper-case forms; nullopt if it is not a PCI
// address (for instance a vdev name such as "net_tap0").
[[nodiscard]] std::optional<std::string> canonical_pci_address(std::string_view name);

enum class TopologyErrc : std::uint8_t {
    kUnreadable,  // the file cannot be opened or hwloc cannot parse it
    kLoadFailed,  // hwloc could not discover the live machine
    kIncomplete,  // no PU, or a PU outside every core
};

struct TopologyError {
    TopologyErrc code;
    std::string what;  // e.g. "cannot read hwloc XML topology 'x.xml': No such file or directory"
};

// Reads an hwloc XML export (`lstopo --of xml`, or a synthetic one: `lstopo -i "pack:2 ..."
// --of xml`), including its PCI devices.
[[nodiscard]] tl::expected<Topology, TopologyError> load_topology_xml(const std::string& path);

// Discovers this machine (only the PUs and NUMA nodes this process is allowed to use).
[[nodiscard]] tl::expected<Topology, TopologyError> load_live_topology();

}  // namespace rtpx::sched
