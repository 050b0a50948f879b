#include "rtpx/dataplane/placement.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace rtpx::dataplane {

namespace {

// The value of `key=` in a vdev's comma-separated arguments, or empty.
std::string_view vdev_arg(std::string_view vdev, std::string_view key) {
    std::size_t pos = vdev.find(',');
    while (pos != std::string_view::npos) {
        const std::size_t start = pos + 1;
        pos = vdev.find(',', start);
        const std::string_view arg = vdev.substr(
            start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
        if (arg.size() > key.size() && arg.substr(0, key.size()) == key && arg[key.size()] == '=') {
            return arg.substr(key.size() + 1);
        }
    }
    return {};
}

std::uint16_t count_or(std::string_view text, std::uint16_t fallback) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v == 0 || v > 1024)
        return fallback;
    return static_cast<std::uint16_t>(v);
}

}  // namespace

std::uint16_t expected_rx_queues(const PortConfig& port) {
    constexpr std::uint16_t kPlenty = 64;
    if (port.vdev.empty()) return kPlenty;
    const std::string name = port.device_name();
    auto driver_is = [&](std::string_view driver) { return name.rfind(driver, 0) == 0; };
    if (driver_is("net_af_packet") || driver_is("eth_af_packet"))
        return count_or(vdev_arg(port.vdev, "qpairs"), 1);
    if (driver_is("net_af_xdp")) return count_or(vdev_arg(port.vdev, "queue_count"), 1);
    if (driver_is("net_pcap") || driver_is("net_tap") || driver_is("net_tun")) return 1;
    return kPlenty;
}

std::uint16_t probe_rx_queues(const PortConfig& port) {
    const std::string name = port.device_name();
    if (name.rfind("net_af_packet", 0) == 0 || name.rfind("eth_af_packet", 0) == 0 ||
        name.rfind("net_af_xdp", 0) == 0) {
        return expected_rx_queues(port);
    }
    return 1;
}

void add_memory_mode(std::vector<std::string>& args) {
    auto has = [&](std::string_view prefix) {
        return std::any_of(args.begin(), args.end(),
                           [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
    };
    if (!has("--in-memory") && !has("--no-shconf") && !has("--file-prefix"))
        args.emplace_back("--in-memory");
    if (!has("--in-memory") && !has("--no-huge") && !has("--huge-unlink"))
        args.emplace_back("--huge-unlink");
}

sched::PlanConfig plan_config(const Config& config) {
    sched::PlanConfig pc;
    // kFlow: a port gives each local worker its own queue when it has enough of them (the data
    // plane spreads them by RSS on addresses and UDP ports; a flow's packets from one source meet
    // one worker), otherwise a dispatcher reads it.
    pc.steering = config.dispatch ? sched::SteeringMode::kDispatch : sched::SteeringMode::kFlow;
    pc.workers = config.workers;
    return pc;
}

tl::expected<sched::Plan, std::string> plan_on_lcores(std::span<const LcoreInfo> lcores,
                                                      unsigned main_lcore,
                                                      std::span<const sched::PortSpec> ports,
                                                      const Config& config) {
    std::vector<LcoreInfo> sorted(lcores.begin(), lcores.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const LcoreInfo& a, const LcoreInfo& b) { return a.id < b.id; });
    if (sorted.size() < 2) {
        return tl::unexpected(
            std::string("lcores: need a main lcore and at least one more for a worker"));
    }
    // One core per lcore (EAL lcores may share a CPU: --lcores '1@1,2@1'), on its socket.
    sched::Topology topo;
    std::set<int> numa;
    for (const auto& l : sorted) numa.insert(l.socket < 0 ? 0 : l.socket);
    for (int n : numa) topo.numa_nodes.push_back(sched::NumaNode{static_cast<unsigned>(n), 0});
    for (const auto& l : sorted) {
        sched::Core core;
        core.os_index = l.id;
        core.numa = l.socket < 0 ? 0 : l.socket;
        core.pus = {l.id};
        topo.pus.push_back(sched::Pu{l.id, static_cast<unsigned>(topo.cores.size())});
        topo.cores.push_back(std::move(core));
    }
    sched::PlanConfig pc = plan_config(config);
    pc.main_lcore = static_cast<int>(main_lcore);
    pc.reserved_cores = 1;
    auto plan = sched::make_plan(topo, ports, pc);
    if (!plan) return tl::unexpected("lcores \"" + config.lcores + "\": " + plan.error().what);
    return std::move(*plan);
}

tl::expected<void, std::string> check_plan(const sched::Plan& plan) {
    if (plan.main_is_worker || plan.workers.empty()) {
        return tl::unexpected(
            std::string("the placement plan runs the worker on the main lcore (one core): set "
                        "dataplane.lcores"));
    }
    for (std::size_t w = 0; w < plan.workers.size(); ++w) {
        for (const auto& q : plan.workers[w].queues) {
            if (q.rx_queue >= 0 && static_cast<std::size_t>(q.rx_queue) != w) {
                return tl::unexpected("the placement plan gives worker " + std::to_string(w) +
                                      " RX queue " + std::to_string(q.rx_queue) + " of port " +
                                      plan.ports[q.port].name +
                                      "; workers poll the queue of their own index (ports on "
                                      "several NUMA nodes need dataplane.dispatch = true)");
            }
            if (q.tx_queue != static_cast<int>(w)) {
                return tl::unexpected("the placement plan gives worker " + std::to_string(w) +
                                      " TX queue " + std::to_string(q.tx_queue));
            }
        }
    }
    return {};
}

}  // namespace rtpx::dataplane
