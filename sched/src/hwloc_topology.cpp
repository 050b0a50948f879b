// The hwloc adapter: the only file of rtpx that includes <hwloc.h>. It turns an hwloc topology
// (from XML or from the live machine) into the plain Topology the planner works on.
#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "rtpx/sched/topology.hpp"

namespace rtpx::sched {
namespace {

struct TopologyDeleter {
    void operator()(hwloc_topology* t) const noexcept { hwloc_topology_destroy(t); }
};
using HwlocTopology = std::unique_ptr<hwloc_topology, TopologyDeleter>;

tl::unexpected<TopologyError> fail(TopologyErrc code, std::string what) {
    return tl::unexpected(TopologyError{code, std::move(what)});
}

int single_numa(hwloc_const_nodeset_t nodeset) {
    if (nodeset == nullptr || hwloc_bitmap_weight(nodeset) != 1) return kNoNuma;
    return hwloc_bitmap_first(nodeset);
}

int first_numa(hwloc_const_nodeset_t nodeset) {
    if (nodeset == nullptr || hwloc_bitmap_iszero(nodeset)) return kNoNuma;
    return hwloc_bitmap_first(nodeset);
}

std::vector<unsigned> pus_of(hwloc_const_cpuset_t cpuset) {
    std::vector<unsigned> out;
    if (cpuset == nullptr) return out;
    for (int i = hwloc_bitmap_first(cpuset); i >= 0; i = hwloc_bitmap_next(cpuset, i)) {
        out.push_back(static_cast<unsigned>(i));
    }
    return out;
}

tl::expected<Topology, TopologyError> convert(hwloc_topology_t topo) {
    Topology out;

    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, o));) {
        out.packages.push_back(Package{o->os_index});
    }
    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o));) {
        out.numa_nodes.push_back(NumaNode{o->os_index, o->attr->numanode.local_memory});
    }
    std::sort(out.numa_nodes.begin(), out.numa_nodes.end(),
              [](const NumaNode& a, const NumaNode& b) { return a.os_index < b.os_index; });

    std::map<hwloc_obj_t, int> cache_position;
    for (hwloc_obj_type_t type : {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE}) {
        for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_type(topo, type, o));) {
            cache_position[o] = static_cast<int>(out.caches.size());
            out.caches.push_back(
                Cache{o->attr->cache.depth, o->attr->cache.size, pus_of(o->cpuset)});
        }
    }

    auto cache_of = [&](hwloc_obj_t obj, hwloc_obj_type_t type) {
        hwloc_obj_t c = hwloc_get_ancestor_obj_by_type(topo, type, obj);
        auto it = cache_position.find(c);
        return it == cache_position.end() ? -1 : it->second;
    };
    auto package_of = [&](hwloc_obj_t obj) {
        hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, obj);
        return p == nullptr ? -1 : static_cast<int>(p->os_index);
    };

    // Cores in logical order; a PU without a Core ancestor (seen on some hypervisors) becomes a
    // core of its own.
    std::map<hwloc_obj_t, unsigned> core_position;
    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE, o));) {
        core_position[o] = static_cast<unsigned>(out.cores.size());
        out.cores.push_back(Core{o->os_index, package_of(o), first_numa(o->nodeset),
                                 pus_of(o->cpuset), cache_of(o, HWLOC_OBJ_L2CACHE),
                                 cache_of(o, HWLOC_OBJ_L3CACHE)});
    }
    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, o));) {
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, o);
        unsigned position = 0;
        if (auto it = core_position.find(core); core != nullptr && it != core_position.end()) {
            position = it->second;
        } else {
            position = static_cast<unsigned>(out.cores.size());
            out.cores.push_back(Core{o->os_index,
                                     package_of(o),
                                     first_numa(o->nodeset),
                                     {o->os_index},
                                     cache_of(o, HWLOC_OBJ_L2CACHE),
                                     cache_of(o, HWLOC_OBJ_L3CACHE)});
        }
        out.pus.push_back(Pu{o->os_index, position});
    }
    if (out.pus.empty()) return fail(TopologyErrc::kIncomplete, "topology has no processing unit");
    std::sort(out.pus.begin(), out.pus.end(),
              [](const Pu& a, const Pu& b) { return a.os_index < b.os_index; });

    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_pcidev(topo, o));) {
        const auto& pci = o->attr->pcidev;
        char address[32];
        std::snprintf(address, sizeof address, "%04x:%02x:%02x.%01x", pci.domain, pci.bus, pci.dev,
                      pci.func);
        PciDevice dev{address, kNoNuma, pci.class_id, {}};
        if (hwloc_obj_t parent = hwloc_get_non_io_ancestor_obj(topo, o)) {
            dev.numa = single_numa(parent->nodeset);
        }
        for (hwloc_obj_t child = o->io_first_child; child != nullptr; child = child->next_sibling) {
            if (child->type == HWLOC_OBJ_OS_DEVICE && child->name != nullptr) {
                dev.os_devices.emplace_back(child->name);
            }
        }
        out.pci_devices.push_back(std::move(dev));
    }
    return out;
}

tl::expected<HwlocTopology, TopologyError> init() {
    hwloc_topology_t raw = nullptr;
    if (hwloc_topology_init(&raw) != 0) {
        return fail(TopologyErrc::kLoadFailed, "hwloc_topology_init failed");
    }
    HwlocTopology topo(raw);
    // PCI devices are filtered out by default; keep the ones that matter (not every bridge).
    hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    return topo;
}

}  // namespace

tl::expected<Topology, TopologyError> load_topology_xml(const std::string& path) {
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        std::fclose(f);
    } else {
        return fail(TopologyErrc::kUnreadable,
                    "cannot read hwloc XML topology '" + path + "': " + std::strerror(errno));
    }
    auto topo = init();
    if (!topo) return tl::unexpected(topo.error());
    if (hwloc_topology_set_xml(topo->get(), path.c_str()) != 0 ||
        hwloc_topology_load(topo->get()) != 0) {
        return fail(TopologyErrc::kUnreadable,
                    "cannot parse hwloc XML topology '" + path + "' (not an hwloc XML export?)");
    }
    return convert(topo->get());
}

tl::expected<Topology, TopologyError> load_live_topology() {
    auto topo = init();
    if (!topo) return tl::unexpected(topo.error());
    if (hwloc_topology_load(topo->get()) != 0) {
        return fail(TopologyErrc::kLoadFailed,
                    std::string("hwloc cannot discover this machine: ") + std::strerror(errno));
    }
    return convert(topo->get());
}

}  // namespace rtpx::sched
