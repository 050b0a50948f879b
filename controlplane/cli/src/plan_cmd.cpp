#include "plan_cmd.hpp"

#include <charconv>
#include <iostream>
#include <memory>
#include <ostream>

#include "commands.hpp"
#include "rtpx/sched/port_steering.hpp"

namespace rtpx::cli {
namespace {

std::optional<long> parse_int(std::string_view s) {
    long v = 0;
    const auto* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
    return v;
}

nlohmann::json numa_json(int numa) {
    return numa == sched::kNoNuma ? nlohmann::json(nullptr) : nlohmann::json(numa);
}

}  // namespace

tl::expected<sched::PortSpec, std::string> parse_port_arg(const std::string& arg,
                                                          const sched::Topology& topology) {
    // A PCI address has colons of its own: the NUMA and queue fields are the trailing ones
    // after the address, so split from the end only past a full address.
    std::string name = arg;
    std::vector<std::string> fields;
    if (auto pci = sched::canonical_pci_address(arg)) {
        name = *pci;
    } else {
        std::size_t cut = arg.size();
        // Try NAME:A:B then NAME:A, taking the longest prefix that is a PCI address or has no
        // colon at all (a vdev name).
        for (int n = 0; n < 2; ++n) {
            const auto colon = arg.rfind(':', cut - 1);
            if (colon == std::string::npos || colon == 0) break;
            cut = colon;
            const std::string prefix = arg.substr(0, cut);
            if (sched::canonical_pci_address(prefix) || prefix.find(':') == std::string::npos) {
                name = prefix;
                std::string rest = arg.substr(cut + 1);
                fields.clear();
                for (std::size_t at = 0;;) {
                    const auto next = rest.find(':', at);
                    fields.push_back(rest.substr(at, next - at));
                    if (next == std::string::npos) break;
                    at = next + 1;
                }
                break;
            }
        }
        if (fields.empty() && arg.find(':') != std::string::npos) {
            return tl::unexpected("--port '" + arg + "': expected NAME[:NUMA[:QUEUES]]");
        }
    }
    const auto pci = sched::canonical_pci_address(name);
    if (pci) name = *pci;
    if (name.empty()) return tl::unexpected("--port '" + arg + "': empty port name");

    sched::PortSpec spec;
    spec.name = name;
    spec.rx_queues = pci ? 64 : 1;
    spec.rss_l4_dst_only = pci.has_value();
    const std::string numa = fields.empty() ? "auto" : fields[0];
    if (numa == "auto") {
        if (pci) {
            const sched::PciDevice* dev = topology.find_pci(*pci);
            if (dev == nullptr) {
                return tl::unexpected("port " + *pci +
                                      " is not a PCI device of the topology; give its NUMA node "
                                      "as " +
                                      *pci + ":NUMA");
            }
            spec.numa = dev->numa;
        } else {
            spec.numa = sched::kNoNuma;
        }
    } else if (numa == "none" || numa == "-1") {
        spec.numa = sched::kNoNuma;
    } else if (auto v = parse_int(numa); v && *v >= 0 && *v < 4096) {
        spec.numa = static_cast<int>(*v);
    } else {
        return tl::unexpected("--port '" + arg + "': NUMA must be a node number, none or auto");
    }
    if (fields.size() >= 2) {
        auto q = parse_int(fields[1]);
        if (!q || *q < 1 || *q > 1024) {
            return tl::unexpected("--port '" + arg + "': QUEUES must be 1 to 1024");
        }
        spec.rx_queues = static_cast<std::uint16_t>(*q);
    }
    if (fields.size() > 2) return tl::unexpected("--port '" + arg + "': too many fields");
    return spec;
}

nlohmann::json plan_to_json(const sched::Plan& plan) {
    using nlohmann::json;
    json workers = json::array();
    for (const auto& w : plan.workers) {
        json ports = json::array();
        json queues = json::array();
        for (const auto& q : w.queues) {
            const auto& port = plan.ports[q.port];
            const bool via_ring =
                q.rx_queue < 0 && w.dispatcher >= 0 && port.dispatcher == w.dispatcher;
            if (q.rx_queue >= 0 || via_ring) ports.push_back(port.name);
            queues.push_back({{"port", port.name},
                              {"rx_queue", q.rx_queue >= 0 ? json(q.rx_queue) : json(nullptr)},
                              {"tx_queue", q.tx_queue}});
        }
        workers.push_back({{"lcore", w.lcore},
                           {"core", w.core},
                           {"numa", numa_json(w.numa)},
                           {"ports", ports},
                           {"queues", queues},
                           {"dispatcher", w.dispatcher >= 0 ? json(w.dispatcher) : json(nullptr)}});
    }
    json dispatchers = json::array();
    for (const auto& d : plan.dispatchers) {
        json ports = json::array();
        for (auto p : d.ports) ports.push_back(plan.ports[p].name);
        json fed = json::array();
        for (auto w : d.workers) fed.push_back(plan.workers[w].lcore);
        dispatchers.push_back({{"lcore", d.lcore},
                               {"core", d.core},
                               {"numa", numa_json(d.numa)},
                               {"ports", ports},
                               {"workers", fed}});
    }
    json ports = json::array();
    for (const auto& p : plan.ports) {
        json rx = json::array();
        for (auto w : p.rx_workers) rx.push_back(plan.workers[w].lcore);
        ports.push_back({{"name", p.name},
                         {"numa", numa_json(p.numa)},
                         {"mempool_socket", p.mempool_socket},
                         {"steering", std::string(sched::to_string(p.steering))},
                         {"rx_queues", p.rx_queues},
                         {"tx_queues", p.tx_queues},
                         {"rx_workers", rx}});
    }
    return json{{"workers", workers},
                {"main_lcore", plan.main_lcore},
                {"main_is_worker", plan.main_is_worker},
                {"control_plane_cpus", plan.control_plane_cpus},
                {"dispatchers", dispatchers},
                {"ports", ports},
                {"eal_args", plan.eal_args}};
}

tl::expected<nlohmann::json, std::string> port_steering_json(const sched::Plan& plan,
                                                             std::size_t port,
                                                             sched::PortRange range) {
    using nlohmann::json;
    auto steering = sched::steer_port(plan, port, range);
    if (!steering) return tl::unexpected(std::string(steering.error().what));
    std::vector<std::size_t> count(plan.workers.size(), 0);
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        const std::uint8_t w = steering->table.worker_of(static_cast<std::uint16_t>(p));
        if (w < count.size()) ++count[w];
    }
    json per_worker = json::array();
    for (std::size_t w : plan.ports[port].rx_workers) {
        per_worker.push_back({{"lcore", plan.workers[w].lcore}, {"ports", count[w]}});
    }
    json out{{"first", range.first}, {"last", range.last}, {"workers", per_worker}};
    if (steering->mode == sched::SteeringMode::kFlow) {
        json rules = json::array();
        for (const auto& r : steering->flow_rules) {
            rules.push_back({{"udp_dst_spec", r.spec},
                             {"udp_dst_mask", r.mask},
                             {"queue", r.queue},
                             {"lcore", plan.workers[r.worker].lcore}});
        }
        out["flow_rules"] = rules;
    }
    return out;
}

namespace {

std::optional<sched::PortRange> parse_range(const std::string& text) {
    const auto dash = text.find('-');
    if (dash == std::string::npos) return std::nullopt;
    auto first = parse_int(std::string_view(text).substr(0, dash));
    auto last = parse_int(std::string_view(text).substr(dash + 1));
    if (!first || !last || *first < 1 || *last > 65535 || *first > *last) return std::nullopt;
    return sched::PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
}

}  // namespace

int run_plan(const PlanOptions& options, std::ostream& out, std::ostream& err) {
    sched::PlanConfig config;
    if (options.steering == "rss")
        config.steering = sched::SteeringMode::kRss;
    else if (options.steering == "flow")
        config.steering = sched::SteeringMode::kFlow;
    else if (options.steering == "dispatch")
        config.steering = sched::SteeringMode::kDispatch;
    else {
        err << "error: --steering must be rss, flow or dispatch\n";
        return 2;
    }
    config.workers = options.workers;
    config.allow_smt_siblings = options.allow_smt;
    config.reserved_cores = options.reserved_cores;
    config.main_lcore = options.main_lcore;
    config.socket_mem_mb = options.socket_mem_mb;

    std::optional<sched::PortRange> relay;
    if (!options.relay_ports.empty() && !(relay = parse_range(options.relay_ports))) {
        err << "error: --relay-ports must be FIRST-LAST within 1-65535\n";
        return 2;
    }

    auto topology = sched::load_topology_xml(options.topology);
    if (!topology) {
        err << "error: " << topology.error().what << '\n';
        return 1;
    }
    std::vector<sched::PortSpec> ports;
    for (const auto& arg : options.ports) {
        auto spec = parse_port_arg(arg, *topology);
        if (!spec) {
            err << "error: " << spec.error() << '\n';
            return spec.error().rfind("--port", 0) == 0 ? 2 : 1;  // syntax is usage
        }
        ports.push_back(std::move(*spec));
    }
    auto plan = sched::make_plan(*topology, ports, config);
    if (!plan) {
        err << "error: " << plan.error().what << '\n';
        return 1;
    }
    nlohmann::json json = plan_to_json(*plan);
    std::string relay_text;
    for (std::size_t p = 0; relay && p < plan->ports.size(); ++p) {
        auto steering = port_steering_json(*plan, p, *relay);
        if (!steering) {
            err << "error: " << steering.error() << '\n';
            return 1;
        }
        relay_text += "relay ports " + options.relay_ports + " on " + plan->ports[p].name;
        const char* sep = ": ";
        for (const auto& w : (*steering)["workers"]) {
            relay_text += sep + ("lcore " + w["lcore"].dump()) + " " + w["ports"].dump();
            sep = ", ";
        }
        relay_text += '\n';
        json["ports"][p]["relay_ports"] = std::move(*steering);
    }
    if (options.text)
        out << sched::describe(*plan) << relay_text;
    else
        out << json.dump(2) << '\n';
    return 0;
}

void add_plan_command(CLI::App& app, int& status) {
    auto options = std::make_shared<PlanOptions>();
    auto* plan = app.add_subcommand(
        "plan", "placement plan (workers, queues, dispatchers, EAL arguments) for a topology");
    plan->add_option("--topology", options->topology,
                     "hwloc XML topology (lstopo --of xml, or a synthetic export)")
        ->required();
    plan->add_option("--port", options->ports,
                     "port NAME[:NUMA[:QUEUES]]: PCI address or vdev; NUMA a number, none (or -1) "
                     "for a vdev, auto (default) to look a PCI device up (repeatable)");
    plan->add_option("--workers", options->workers,
                     "worker lcores (0: every free physical core of the ports' NUMA nodes)");
    plan->add_option("--steering", options->steering, "how packets reach workers")
        ->check(CLI::IsMember({"rss", "flow", "dispatch"}));
    plan->add_flag("--text", options->text, "a short human summary instead of JSON");
    plan->add_flag("--allow-smt", options->allow_smt,
                   "allow workers on SMT siblings (after every physical core)");
    plan->add_option("--reserved-cores", options->reserved_cores,
                     "physical cores kept for the main lcore and the control plane (default 1)");
    plan->add_option("--main-lcore", options->main_lcore, "CPU for the DPDK main lcore");
    plan->add_option("--socket-mem", options->socket_mem_mb,
                     "hugepage MB per used NUMA node (default 1024)");
    plan->add_option("--relay-ports", options->relay_ports,
                     "FIRST-LAST: also show which worker each relay port of the range reaches "
                     "(and the rte_flow rules with --steering flow)");
    plan->final_callback([options, &status] { status = run_plan(*options, std::cout, std::cerr); });
}

}  // namespace rtpx::cli
