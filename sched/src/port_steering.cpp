#include "rtpx/sched/port_steering.hpp"

namespace rtpx::sched {

tl::expected<PortSteering, SteeringError> steer_port(const Plan& plan, std::size_t port,
                                                     PortRange relay_ports,
                                                     std::span<const std::uint8_t> rss_key,
                                                     std::size_t reta_size) {
    if (port >= plan.ports.size() || plan.ports[port].rx_workers.empty()) {
        return tl::unexpected(SteeringError{SteeringErrc::kBadWorkers, "no such planned port"});
    }
    const PortPlan& p = plan.ports[port];
    if (p.rx_workers.size() > kMaxSteeringWorkers || plan.workers.size() > kMaxSteeringWorkers) {
        return tl::unexpected(SteeringError{SteeringErrc::kBadWorkers, "more than 255 workers"});
    }
    std::vector<std::uint8_t> workers;  // queue (or dispatcher ring) -> Plan position
    for (std::size_t w : p.rx_workers) workers.push_back(static_cast<std::uint8_t>(w));

    PortSteering out;
    out.mode = p.steering;
    if (p.steering == SteeringMode::kDispatch) {
        auto table = make_interleaved_table(relay_ports, workers.size());
        if (!table) return tl::unexpected(table.error());
        for (std::uint32_t q = relay_ports.first; q <= relay_ports.last; ++q) {
            const auto port_number = static_cast<std::uint16_t>(q);
            out.table.set(port_number, workers[table->worker_of(port_number)]);
        }
    } else if (p.steering == SteeringMode::kFlow) {
        auto flow = make_flow_rules(relay_ports, workers);
        if (!flow) return tl::unexpected(flow.error());
        out.table = flow->table;
        out.flow_rules = std::move(flow->rules);
    } else {
        out.reta = default_reta(reta_size, static_cast<std::uint16_t>(workers.size()));
        auto table = make_rss_table(RssSpec{rss_key, out.reta}, workers, relay_ports);
        if (!table) return tl::unexpected(table.error());
        out.table = *table;
    }
    return out;
}

}  // namespace rtpx::sched
