#include "rtpx/sched/plan.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

namespace rtpx::sched {
namespace {

tl::unexpected<PlanError> fail(PlanErrc code, std::string what) {
    return tl::unexpected(PlanError{code, std::move(what)});
}

std::string numa_name(int numa) {
    return numa == kNoNuma ? std::string("none") : std::to_string(numa);
}

// The lcores of one NUMA node that workers and dispatchers may use, best first: the first PU of
// every free physical core, then (only with SMT allowed) the other PUs of those cores.
struct NodeSlots {
    std::vector<unsigned> lcores;
    std::vector<unsigned> cores;  // core position of each lcore
    std::size_t physical = 0;     // free physical cores on the node
    std::size_t total_cores = 0;  // all cores on the node, reserved ones included
};

struct Reservation {
    std::vector<bool> reserved;  // by core position
    unsigned main_lcore = 0;
    std::vector<unsigned> control_plane_cpus;
    std::string description;  // "core 0" / "cores 0, 1", for error messages
};

tl::expected<Reservation, PlanError> reserve(const Topology& topo, const PlanConfig& cfg) {
    Reservation r;
    r.reserved.assign(topo.cores.size(), false);
    std::size_t main_core = 0;
    if (cfg.main_lcore >= 0) {
        const Pu* pu = topo.find_pu(static_cast<unsigned>(cfg.main_lcore));
        if (pu == nullptr) {
            return fail(PlanErrc::kBadConfig, "main lcore " + std::to_string(cfg.main_lcore) +
                                                  " is not a PU of this topology");
        }
        main_core = pu->core;
        r.main_lcore = pu->os_index;
    } else {
        r.main_lcore = topo.cores[0].pus.at(0);
    }
    const std::size_t n_cores = topo.cores.size();
    if (n_cores == 1) {  // main lcore, worker and control plane share the only core
        r.reserved[0] = true;
        r.control_plane_cpus = topo.cores[0].pus;
        r.description = "core 0";
        return r;
    }
    if (cfg.reserved_cores == 0 || cfg.reserved_cores >= n_cores) {
        return fail(PlanErrc::kBadConfig,
                    "reserving " + std::to_string(cfg.reserved_cores) +
                        " core(s) for the main lcore and control plane is not possible on a "
                        "machine with " +
                        std::to_string(n_cores) +
                        " cores (at least 1, and one must be left for a worker)");
    }
    // The main core, then the cores after it on the same NUMA node, then any.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n_cores; ++i) order.push_back((main_core + i) % n_cores);
    std::stable_partition(order.begin(), order.end(), [&](std::size_t c) {
        return topo.cores[c].numa == topo.cores[main_core].numa;
    });
    std::vector<unsigned> reserved_positions;
    for (std::size_t i = 0; i < cfg.reserved_cores; ++i) {
        r.reserved[order[i]] = true;
        reserved_positions.push_back(static_cast<unsigned>(order[i]));
        for (unsigned pu : topo.cores[order[i]].pus) {
            if (pu != r.main_lcore) r.control_plane_cpus.push_back(pu);
        }
    }
    if (r.control_plane_cpus.empty()) r.control_plane_cpus.push_back(r.main_lcore);
    std::sort(r.control_plane_cpus.begin(), r.control_plane_cpus.end());
    std::sort(reserved_positions.begin(), reserved_positions.end());
    r.description = reserved_positions.size() == 1 ? "core " : "cores ";
    for (std::size_t i = 0; i < reserved_positions.size(); ++i) {
        r.description += (i ? ", " : "") + std::to_string(reserved_positions[i]);
    }
    return r;
}

std::map<int, NodeSlots> free_slots(const Topology& topo, const Reservation& r, bool smt) {
    std::map<int, NodeSlots> nodes;
    for (const auto& n : topo.numa_nodes) nodes[static_cast<int>(n.os_index)];
    std::map<int, std::vector<std::pair<unsigned, unsigned>>> siblings;  // numa -> (lcore, core)
    for (std::size_t c = 0; c < topo.cores.size(); ++c) {
        const Core& core = topo.cores[c];
        auto& slots = nodes[core.numa];
        ++slots.total_cores;
        if (r.reserved[c] || core.pus.empty()) continue;
        ++slots.physical;
        slots.lcores.push_back(core.pus[0]);
        slots.cores.push_back(static_cast<unsigned>(c));
        for (std::size_t i = 1; smt && i < core.pus.size(); ++i) {
            siblings[core.numa].emplace_back(core.pus[i], static_cast<unsigned>(c));
        }
    }
    for (auto& [numa, list] : siblings) {
        for (auto [lcore, core] : list) {
            nodes[numa].lcores.push_back(lcore);
            nodes[numa].cores.push_back(core);
        }
    }
    return nodes;
}

// Can a port give each of `workers` local workers its own RX queue in this steering mode?
bool port_has_queues_for(const PortSpec& p, SteeringMode mode, std::size_t workers) {
    if (workers <= 1) return true;
    if (mode == SteeringMode::kDispatch) return false;
    if (mode == SteeringMode::kRss && !p.rss_l4_dst_only) return false;
    return p.rx_queues >= workers;
}

// How many local workers ports on one node can feed through their own queues without a dispatcher.
std::size_t queue_limit(const std::vector<const PortSpec*>& ports, SteeringMode mode) {
    std::size_t limit = SIZE_MAX;
    for (const PortSpec* p : ports) {
        if (mode == SteeringMode::kDispatch ||
            (mode == SteeringMode::kRss && !p->rss_l4_dst_only)) {
            limit = 1;
        } else {
            limit = std::min<std::size_t>(limit, std::max<std::uint16_t>(p->rx_queues, 1));
        }
    }
    return limit;
}

const PortSpec* dispatched_port(const std::vector<const PortSpec*>& ports, SteeringMode mode,
                                std::size_t workers) {
    for (const PortSpec* p : ports) {
        if (!port_has_queues_for(*p, mode, workers)) return p;
    }
    return nullptr;
}

}  // namespace

std::string_view to_string(SteeringMode mode) noexcept {
    switch (mode) {
        case SteeringMode::kRss: return "rss";
        case SteeringMode::kFlow: return "flow";
        case SteeringMode::kDispatch: return "dispatch";
    }
    return "unknown";
}

std::string cpu_list(std::vector<unsigned> cpus) {
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(cpus[i]);
        if (j > i) out += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

tl::expected<Plan, PlanError> make_plan(const Topology& topo, std::span<const PortSpec> ports,
                                        const PlanConfig& cfg) {
    if (topo.cores.empty() || topo.pus.empty()) {
        return fail(PlanErrc::kBadConfig, "the topology has no cores");
    }
    if (cfg.workers > 255) {
        return fail(PlanErrc::kBadConfig, "at most 255 workers (steering tables hold a byte)");
    }
    auto reservation = reserve(topo, cfg);
    if (!reservation) return tl::unexpected(reservation.error());
    const bool single_core = topo.cores.size() == 1;
    auto nodes = free_slots(topo, *reservation, cfg.allow_smt_siblings);

    if (cfg.default_numa != kNoNuma && topo.find_numa(cfg.default_numa) == nullptr) {
        return fail(
            PlanErrc::kUnknownNuma,
            "default NUMA node " + std::to_string(cfg.default_numa) + " is not in the topology");
    }
    int vdev_numa = cfg.default_numa;
    if (vdev_numa == kNoNuma) {
        const Core& main_core = topo.cores[topo.find_pu(reservation->main_lcore)->core];
        vdev_numa = main_core.numa;
        for (const auto& [numa, slots] : nodes) {
            if (numa != kNoNuma && !slots.lcores.empty()) {
                vdev_numa = numa;
                break;
            }
        }
    }

    // Where each port lives, and the NUMA nodes that need workers.
    std::vector<int> port_node(ports.size());
    std::map<int, std::vector<const PortSpec*>> node_ports;
    std::map<int, std::string> first_port_on;
    std::set<std::string> names;
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const PortSpec& p = ports[i];
        if (p.name.empty()) return fail(PlanErrc::kBadConfig, "a port has no name");
        if (!names.insert(p.name).second) {
            return fail(PlanErrc::kBadConfig, "port " + p.name + " is given twice");
        }
        if (p.numa != kNoNuma && topo.find_numa(p.numa) == nullptr) {
            std::string known;
            for (const auto& n : topo.numa_nodes) {
                known += (known.empty() ? "" : ", ") + std::to_string(n.os_index);
            }
            return fail(PlanErrc::kUnknownNuma, "port " + p.name + " is on NUMA " +
                                                    std::to_string(p.numa) +
                                                    " but the topology has NUMA nodes " + known);
        }
        port_node[i] = p.numa == kNoNuma ? vdev_numa : p.numa;
        node_ports[port_node[i]].push_back(&p);
        first_port_on.emplace(port_node[i], p.name);
    }
    std::vector<int> targets;
    for (const auto& [numa, list] : node_ports) targets.push_back(numa);
    if (targets.empty()) {
        for (const auto& [numa, slots] : nodes) {
            if (!slots.lcores.empty()) targets.push_back(numa);
        }
    }

    Plan plan;
    plan.main_lcore = reservation->main_lcore;
    plan.control_plane_cpus = reservation->control_plane_cpus;
    std::map<int, std::size_t> workers_on;  // numa -> worker count
    std::map<int, bool> dispatcher_on;      // numa -> needs a dispatcher

    if (single_core) {
        if (cfg.workers > 1) {
            return fail(PlanErrc::kTooManyWorkers,
                        std::to_string(cfg.workers) +
                            " workers asked but the machine has a single core (it runs the main "
                            "lcore and one worker)");
        }
        plan.main_is_worker = true;
        const Core& core = topo.cores[0];
        plan.workers.push_back(WorkerPlan{plan.main_lcore, 0, core.numa, {}, -1});
        for (int numa : targets) {
            if (numa != core.numa) {
                return fail(PlanErrc::kNoFreeCore,
                            "port " + first_port_on[numa] + " is on NUMA " + numa_name(numa) +
                                " but the only core of the machine is on NUMA " +
                                numa_name(core.numa));
            }
        }
        workers_on[core.numa] = 1;
    } else {
        auto no_core = [&](int numa) {
            const NodeSlots& s = nodes[numa];
            std::string who =
                first_port_on.count(numa)
                    ? "port " + first_port_on[numa] + " is on NUMA " + numa_name(numa) + " but "
                    : "";
            if (s.total_cores == 0) {
                return fail(PlanErrc::kNoFreeCore,
                            who + "NUMA " + numa_name(numa) + " has no cores (memory-only node)");
            }
            return fail(PlanErrc::kNoFreeCore,
                        who + "NUMA " + numa_name(numa) +
                            " has no free physical core after reserving the main lcore and "
                            "control plane (" +
                            reservation->description + ")");
        };
        for (int numa : targets) {
            if (nodes[numa].lcores.empty()) return no_core(numa);
        }
        if (cfg.workers == 0) {
            for (int numa : targets) {
                const std::size_t cap = nodes[numa].lcores.size();
                const std::size_t direct =
                    std::min(cap, queue_limit(node_ports[numa], cfg.steering));
                const std::size_t via_dispatcher = cap >= 3 ? cap - 1 : 0;
                dispatcher_on[numa] = via_dispatcher > direct;
                workers_on[numa] = std::max(direct, via_dispatcher);
            }
        } else {
            if (cfg.workers < targets.size()) {
                return fail(PlanErrc::kTooFewWorkers,
                            std::to_string(cfg.workers) + " worker(s) cannot serve ports on " +
                                std::to_string(targets.size()) +
                                " NUMA nodes (each node with a port needs a local worker)");
            }
            std::size_t capacity = 0;
            for (int numa : targets) capacity += nodes[numa].lcores.size();
            if (cfg.workers > capacity) {
                std::string where;
                for (int numa : targets) where += (where.empty() ? "" : ", ") + numa_name(numa);
                return fail(PlanErrc::kTooManyWorkers,
                            std::to_string(cfg.workers) + " workers asked but NUMA " + where +
                                (ports.empty() ? "" : " (where the ports are)") + " ha" +
                                (targets.size() == 1 ? "s " : "ve ") + std::to_string(capacity) +
                                (cfg.allow_smt_siblings ? " free PUs" : " free physical cores") +
                                (cfg.allow_smt_siblings || !topo.has_smt()
                                     ? ""
                                     : " (SMT siblings are not used unless allowed)"));
            }
            for (std::size_t left = cfg.workers; left > 0;) {
                for (int numa : targets) {
                    if (left > 0 && workers_on[numa] < nodes[numa].lcores.size()) {
                        ++workers_on[numa];
                        --left;
                    }
                }
            }
            for (int numa : targets) {
                const std::size_t w = workers_on[numa];
                const PortSpec* p = dispatched_port(node_ports[numa], cfg.steering, w);
                dispatcher_on[numa] = p != nullptr;
                if (p != nullptr && w + 1 > nodes[numa].lcores.size()) {
                    return fail(PlanErrc::kNoFreeCore,
                                "port " + p->name + " on NUMA " + numa_name(numa) +
                                    " needs a dispatcher lcore (" +
                                    (cfg.steering == SteeringMode::kDispatch
                                         ? std::string("steering dispatch")
                                         : std::to_string(p->rx_queues) + " RX queue(s)") +
                                    " for " + std::to_string(w) + " workers) but NUMA " +
                                    numa_name(numa) + " has only " +
                                    std::to_string(nodes[numa].lcores.size()) + " free lcores");
                }
            }
        }
        // Dispatcher first (it takes the node's first free physical core), then workers.
        for (int numa : targets) {
            const NodeSlots& s = nodes[numa];
            std::size_t next = 0;
            int dispatcher = -1;
            if (dispatcher_on[numa]) {
                dispatcher = static_cast<int>(plan.dispatchers.size());
                plan.dispatchers.push_back(DispatcherPlan{s.lcores[0], s.cores[0], numa, {}, {}});
                next = 1;
            }
            for (std::size_t i = 0; i < workers_on[numa]; ++i, ++next) {
                if (dispatcher >= 0) {
                    plan.dispatchers[static_cast<std::size_t>(dispatcher)].workers.push_back(
                        plan.workers.size());
                }
                plan.workers.push_back(
                    WorkerPlan{s.lcores[next], s.cores[next], numa, {}, dispatcher});
            }
        }
    }

    // Ports: RX queues to local workers (or a dispatcher), a TX queue for every worker.
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const PortSpec& spec = ports[i];
        PortPlan pp;
        pp.name = spec.name;
        pp.numa = spec.numa;
        pp.mempool_socket = port_node[i];
        pp.tx_queues = static_cast<std::uint16_t>(plan.workers.size());
        for (std::size_t w = 0; w < plan.workers.size(); ++w) {
            if (plan.workers[w].numa == port_node[i]) pp.rx_workers.push_back(w);
        }
        const bool dispatched = dispatched_port(node_ports[port_node[i]], cfg.steering,
                                                pp.rx_workers.size()) != nullptr;
        if (dispatched) {
            pp.steering = SteeringMode::kDispatch;
            pp.rx_queues = 1;
            pp.dispatcher = plan.workers[pp.rx_workers[0]].dispatcher;
            plan.dispatchers[static_cast<std::size_t>(pp.dispatcher)].ports.push_back(i);
        } else {
            pp.steering = cfg.steering;
            pp.rx_queues = static_cast<std::uint16_t>(pp.rx_workers.size());
        }
        plan.ports.push_back(std::move(pp));
    }
    for (std::size_t w = 0; w < plan.workers.size(); ++w) {
        WorkerPlan& worker = plan.workers[w];
        for (std::size_t p = 0; p < plan.ports.size(); ++p) {
            const PortPlan& port = plan.ports[p];
            int rx = -1;
            if (port.steering != SteeringMode::kDispatch || port.dispatcher < 0) {
                auto it = std::find(port.rx_workers.begin(), port.rx_workers.end(), w);
                if (it != port.rx_workers.end()) {
                    rx = static_cast<int>(it - port.rx_workers.begin());
                }
            }
            worker.queues.push_back(WorkerQueue{p, rx, static_cast<int>(w)});
        }
    }

    // EAL arguments.
    std::vector<unsigned> lcores{plan.main_lcore};
    std::set<int> used_numa{topo.cores[topo.find_pu(plan.main_lcore)->core].numa};
    for (const auto& w : plan.workers) {
        lcores.push_back(w.lcore);
        used_numa.insert(w.numa);
    }
    for (const auto& d : plan.dispatchers) {
        lcores.push_back(d.lcore);
        used_numa.insert(d.numa);
    }
    for (const auto& p : plan.ports) used_numa.insert(p.mempool_socket);
    used_numa.erase(kNoNuma);
    plan.eal_args = {"-l", cpu_list(lcores), "--main-lcore", std::to_string(plan.main_lcore)};
    if (!used_numa.empty()) {
        std::string mem;
        for (int n = 0; n <= *used_numa.rbegin(); ++n) {
            mem += (n ? "," : "") + std::to_string(used_numa.count(n) ? cfg.socket_mem_mb : 0);
        }
        plan.eal_args.insert(plan.eal_args.end(), {"--socket-mem", mem});
    }
    for (const auto& p : plan.ports) {
        if (auto pci = canonical_pci_address(p.name)) {
            plan.eal_args.insert(plan.eal_args.end(), {"-a", *pci});
        }
    }
    return plan;
}

tl::expected<Plan, PlanError> make_live_plan(std::span<const PortSpec> ports,
                                             const PlanConfig& config) {
    auto topo = load_live_topology();
    if (!topo) return fail(PlanErrc::kTopology, topo.error().what);
    return make_plan(*topo, ports, config);
}

std::string describe(const Plan& plan) {
    std::ostringstream out;
    out << "main lcore " << plan.main_lcore
        << (plan.main_is_worker ? " (also runs worker 0: single-core machine)" : "")
        << "; control plane on CPUs " << cpu_list(plan.control_plane_cpus) << '\n';
    for (std::size_t w = 0; w < plan.workers.size(); ++w) {
        const WorkerPlan& worker = plan.workers[w];
        out << "worker " << w << ": lcore " << worker.lcore << " (core " << worker.core << ", NUMA "
            << numa_name(worker.numa) << ")";
        const char* sep = ": ";
        for (const WorkerQueue& q : worker.queues) {
            const PortPlan& port = plan.ports[q.port];
            if (q.rx_queue >= 0) {
                out << sep << port.name << " rxq " << q.rx_queue;
                sep = ", ";
            } else if (worker.dispatcher >= 0 && port.dispatcher == worker.dispatcher) {
                out << sep << port.name << " via dispatcher " << worker.dispatcher;
                sep = ", ";
            }
        }
        out << '\n';
    }
    for (std::size_t d = 0; d < plan.dispatchers.size(); ++d) {
        const DispatcherPlan& disp = plan.dispatchers[d];
        out << "dispatcher " << d << ": lcore " << disp.lcore << " (core " << disp.core << ", NUMA "
            << numa_name(disp.numa) << ") reads";
        for (std::size_t p : disp.ports) out << ' ' << plan.ports[p].name;
        out << " rxq 0, feeds " << disp.workers.size() << " workers\n";
    }
    for (const PortPlan& p : plan.ports) {
        out << "port " << p.name << ": NUMA " << numa_name(p.numa) << ", mempool on socket "
            << p.mempool_socket << ", steering " << to_string(p.steering) << ", " << p.rx_queues
            << " rx / " << p.tx_queues << " tx queues\n";
    }
    out << "EAL:";
    for (const auto& a : plan.eal_args) out << ' ' << a;
    out << '\n';
    return out.str();
}

}  // namespace rtpx::sched
