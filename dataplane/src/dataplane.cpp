#include "rtpx/dataplane/dataplane.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "rtpx/dataplane/dispatcher.hpp"
#include "rtpx/dataplane/exception.hpp"
#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/placement.hpp"
#include "rtpx/dataplane/rtcp_agent.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/flowapi/client.hpp"
#include "rtpx/rtp/bytes.hpp"
#include "rtpx/sched/plan.hpp"

namespace rtpx::dataplane {

using flowapi::AddressFamily;

struct Dataplane::State {
    Config config;
    bool eal_up = false;
    std::vector<rte_mempool*> pools;  // index: NUMA socket
    std::vector<PortContext> ports;
    std::vector<std::unique_ptr<NeighbourTable>> neighbours;
    std::vector<bool> started;
    std::unique_ptr<FlowTable> flows;
    std::vector<std::unique_ptr<LcoreCounters>> counters;
    std::vector<rte_ring*> to_control;
    std::vector<rte_ring*> from_control;
    std::vector<std::unique_ptr<RtcpAgent>> rtcp_agents;  // one per worker
    std::vector<std::unique_ptr<ExceptionPath>>
        exceptions;                                        // one per worker, when any port has one
    std::vector<std::uint16_t> exception_ports;            // the TAPs' DPDK ports
    std::vector<std::unique_ptr<Dispatcher>> dispatchers;  // the plan's
    std::vector<rte_ring*> dispatch_rings;  // dispatcher -> worker rings, and idle ones
    std::vector<std::unique_ptr<Worker>> workers;
    std::atomic<bool> stop_workers{false};
    bool workers_launched = false;
    std::int64_t started_unix_ns = 0;
    std::string placement;  // for the log: where the main lcore and the workers run

    // Control thread bookkeeping.
    struct Tracked {
        std::int64_t added_unix_ns = 0;
        bool inactive_reported = false;
    };
    std::map<std::string, Tracked> tracked;  // by to_string(key)
    std::map<std::pair<std::uint32_t, std::string>, std::int64_t>
        resolving;  // (port, ip) -> last ask

    // Telemetry reads this snapshot (refreshed by the control thread), never the hash itself.
    mutable std::mutex telemetry_mutex;
    std::vector<std::string> telemetry_flows;

    int port_of(const flowapi::IpAddress& ip) const {
        for (std::size_t i = 0; i < ports.size(); ++i) {
            const auto& id = ports[i].identity;
            if (ip.family != AddressFamily::kNone && id.owns(ip.family, ip.bytes.data()))
                return static_cast<int>(i);
        }
        return -1;
    }
};

namespace {

Dataplane::State* g_telemetry_state = nullptr;  // the one data plane of this process

std::string eal_error(const std::string& what) {
    return what + ": " + rte_strerror(rte_errno);
}

std::int64_t unix_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool has_arg(const std::vector<std::string>& args, std::string_view prefix) {
    return std::any_of(args.begin(), args.end(),
                       [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
}

// Lcores when the configuration does not pin them: the sched/ placement plan on this machine's
// live topology (the main lcore on a reserved core, one worker per free physical core, NUMA-local
// to the ports; a dispatcher for ports with too few RX queues), made before the EAL starts from
// what the port configuration says about queues (placement.hpp).
tl::expected<sched::Plan, std::string> plan_lcores(const Config& config) {
    std::vector<sched::PortSpec> ports;
    for (const auto& p : config.ports) {
        sched::PortSpec spec;
        spec.name = p.device_name();
        spec.rx_queues = expected_rx_queues(p);
        if (!p.pci.empty()) {
            std::ifstream numa("/sys/bus/pci/devices/" + p.pci + "/numa_node");
            int node = sched::kNoNuma;
            if (numa >> node && node >= 0) spec.numa = node;
        }
        ports.push_back(spec);
    }
    auto plan = sched::make_live_plan(ports, plan_config(config));
    if (!plan) return tl::unexpected("lcores from the sched/ plan: " + plan.error().what);
    if (auto ok = check_plan(*plan); !ok) return tl::unexpected(ok.error());
    return std::move(*plan);
}

// With dataplane.lcores: the plan on the EAL's lcores and the ports' real RX queues.
tl::expected<sched::Plan, std::string> plan_pinned(const Config& config,
                                                   const std::vector<std::uint16_t>& port_ids) {
    std::vector<LcoreInfo> lcores;
    unsigned lcore = 0;
    RTE_LCORE_FOREACH(lcore) {
        const unsigned socket = rte_lcore_to_socket_id(lcore);
        lcores.push_back(LcoreInfo{lcore, socket == static_cast<unsigned>(SOCKET_ID_ANY)
                                              ? sched::kNoNuma
                                              : static_cast<int>(socket)});
    }
    std::vector<sched::PortSpec> ports;
    for (std::size_t i = 0; i < port_ids.size(); ++i) {
        sched::PortSpec spec;
        spec.name = config.ports[i].device_name();
        rte_eth_dev_info info{};
        if (rte_eth_dev_info_get(port_ids[i], &info) != 0)
            return tl::unexpected("port[" + std::to_string(i) + "]: no device info");
        spec.rx_queues = std::max<std::uint16_t>(info.max_rx_queues, 1);
        const int socket = rte_eth_dev_socket_id(port_ids[i]);
        if (config.ports[i].vdev.empty() && socket >= 0) spec.numa = socket;
        ports.push_back(spec);
    }
    auto plan = plan_on_lcores(lcores, rte_get_main_lcore(), ports, config);
    if (!plan) return plan;
    if (auto ok = check_plan(*plan); !ok) return tl::unexpected(ok.error());
    return plan;
}

// The exception port of port[index] (exception.hpp): a net_tap vdev named after the port.
std::string exception_vdev(const PortConfig& p, std::size_t index) {
    const std::string iface =
        p.exception_iface.empty() ? "rtpx-exc" + std::to_string(index) : p.exception_iface;
    return "net_tap_rtpx" + std::to_string(index) + ",iface=" + iface;
}

// Configures and starts the TAP of port[index] with one queue per worker and the port's MAC;
// returns its DPDK port.
tl::expected<std::uint16_t, std::string> start_exception_port(const PortConfig& p,
                                                              std::size_t index,
                                                              std::uint16_t queues, int socket,
                                                              rte_mempool* pool,
                                                              rte_ether_addr& mac) {
    const std::string vdev = exception_vdev(p, index);
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(vdev.substr(0, vdev.find(',')).c_str(), &id) != 0)
        return tl::unexpected(std::string("no TAP device"));
    rte_eth_conf conf{};
    if (int rc = rte_eth_dev_configure(id, queues, queues, &conf); rc != 0)
        return tl::unexpected(std::string("configure: ") + rte_strerror(-rc));
    for (std::uint16_t q = 0; q < queues; ++q) {
        if (int rc =
                rte_eth_rx_queue_setup(id, q, 512, static_cast<unsigned>(socket), nullptr, pool);
            rc != 0) {
            return tl::unexpected(std::string("RX queue: ") + rte_strerror(-rc));
        }
        if (int rc = rte_eth_tx_queue_setup(id, q, 512, static_cast<unsigned>(socket), nullptr);
            rc != 0) {
            return tl::unexpected(std::string("TX queue: ") + rte_strerror(-rc));
        }
    }
    // The kernel's interface answers for the port: same MAC.
    if (int rc = rte_eth_dev_default_mac_addr_set(id, &mac); rc != 0)
        return tl::unexpected(std::string("MAC address: ") + rte_strerror(-rc));
    if (int rc = rte_eth_dev_start(id); rc != 0)
        return tl::unexpected(std::string("start: ") + rte_strerror(-rc));
    return id;
}

int launch_worker(void* arg) {
    return static_cast<Worker*>(arg)->run();
}

int launch_dispatcher(void* arg) {
    return static_cast<Dispatcher*>(arg)->run();
}

int telemetry_stats(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    if (g_telemetry_state == nullptr) return 0;
    std::uint64_t rx = 0;
    std::uint64_t tx = 0;
    std::uint64_t max_gap = 0;
    std::uint64_t idle_sleeps = 0;
    std::uint64_t busy_cycles = 0;
    std::array<std::uint64_t, flowapi::kDropReasonCount> drops{};
    for (const auto& c : g_telemetry_state->counters) {
        rx += c->rx.get();
        tx += c->tx.get();
        max_gap = std::max(max_gap, c->max_loop_gap_cycles.get());
        idle_sleeps += c->idle_sleeps.get();
        busy_cycles += c->busy_cycles.get();
        for (std::size_t i = 0; i < drops.size(); ++i) drops[i] += c->drops[i].get();
    }
    std::uint64_t to_kernel = 0;
    std::uint64_t from_kernel = 0;
    for (const auto& e : g_telemetry_state->exceptions) {
        to_kernel += e->counters().to_kernel.get();
        from_kernel += e->counters().from_kernel.get();
    }
    rte_tel_data_add_dict_u64(d, "exception_to_kernel", to_kernel);
    rte_tel_data_add_dict_u64(d, "exception_from_kernel", from_kernel);
    rte_tel_data_add_dict_u64(d, "rx_packets", rx);
    rte_tel_data_add_dict_u64(d, "tx_packets", tx);
    rte_tel_data_add_dict_u64(d, "flows",
                              g_telemetry_state->flows ? g_telemetry_state->flows->size() : 0);
    // The longest worker loop iteration since start (idle sleeps excluded), and idle sleeps.
    const std::uint64_t hz = rte_get_tsc_hz();
    rte_tel_data_add_dict_u64(d, "max_loop_gap_us", hz == 0 ? 0 : max_gap * 1'000'000 / hz);
    // Time in worker loop iterations that carried packets, all workers (the busy part of polling).
    rte_tel_data_add_dict_u64(
        d, "busy_us",
        hz == 0 ? 0 : busy_cycles / hz * 1'000'000 + busy_cycles % hz * 1'000'000 / hz);
    rte_tel_data_add_dict_u64(d, "idle_sleeps", idle_sleeps);
    // Per worker (plan order), so an operator sees how flows spread; then the dispatchers.
    const std::size_t workers = g_telemetry_state->workers.size();
    if (rte_tel_data* per = rte_tel_data_alloc(); per != nullptr) {
        rte_tel_data_start_array(per, RTE_TEL_U64_VAL);
        for (std::size_t w = 0; w < workers; ++w)
            rte_tel_data_add_array_u64(per, g_telemetry_state->counters[w]->rx.get());
        if (rte_tel_data_add_dict_container(d, "worker_rx_packets", per, 0) != 0)
            rte_tel_data_free(per);
    }
    rte_tel_data_add_dict_u64(d, "workers", workers);
    rte_tel_data_add_dict_u64(d, "dispatchers", g_telemetry_state->dispatchers.size());
    for (std::size_t i = 0; i < drops.size(); ++i) {
        const std::string name = "drop_" + std::string(flowapi::kDropReasons[i].name);
        rte_tel_data_add_dict_u64(d, name.c_str(), drops[i]);
    }
    return 0;
}

int telemetry_flows(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
    if (g_telemetry_state == nullptr) return 0;
    std::lock_guard lock(g_telemetry_state->telemetry_mutex);
    for (const auto& f : g_telemetry_state->telemetry_flows)
        rte_tel_data_add_array_string(d, f.c_str());
    return 0;
}

}  // namespace

tl::expected<std::unique_ptr<Dataplane>, std::string> Dataplane::start(
    const Config& config, const std::vector<std::string>& extra_eal, const std::string& program,
    const flowapi::Batch& static_flows) {
    std::unique_ptr<Dataplane> dp(new Dataplane());
    dp->state_ = std::make_unique<State>();
    State& s = *dp->state_;
    s.config = config;
    if (config.ports.size() > kMaxPorts)
        return tl::unexpected("at most " + std::to_string(kMaxPorts) + " ports");

    // EAL.
    std::vector<std::string> args = {program};
    sched::Plan plan;
    if (config.lcores.empty()) {
        auto live = plan_lcores(config);
        if (!live) return tl::unexpected(live.error());
        plan = std::move(*live);
        std::vector<unsigned> lcores = {plan.main_lcore};
        for (const auto& w : plan.workers) lcores.push_back(w.lcore);
        for (const auto& d : plan.dispatchers) lcores.push_back(d.lcore);
        args.insert(args.end(), {"-l", sched::cpu_list(lcores), "--main-lcore",
                                 std::to_string(plan.main_lcore)});
        s.placement = "lcores from the sched/ plan:\n";
    } else {
        // --lcores when lcores are mapped onto CPUs ("0@0,1@1,2@1"), -l for a plain list.
        const bool mapped = config.lcores.find_first_of("@(") != std::string::npos;
        args.insert(args.end(), {mapped ? "--lcores" : "-l", config.lcores});
        s.placement =
            "lcores " + config.lcores + " (dataplane.lcores), placed by the sched/ plan:\n";
    }
    args.insert(args.end(), config.eal.begin(), config.eal.end());
    args.insert(args.end(), extra_eal.begin(), extra_eal.end());
    add_memory_mode(args);
    bool any_pci = false;
    for (std::size_t i = 0; i < config.ports.size(); ++i) {
        const auto& p = config.ports[i];
        if (p.exception == "tap") {
            args.emplace_back("--vdev");
            args.push_back(exception_vdev(p, i));
        }
    }
    for (const auto& p : config.ports) {
        if (!p.vdev.empty()) {
            args.emplace_back("--vdev");
            args.push_back(p.vdev);
        } else {
            args.emplace_back("-a");
            args.push_back(p.pci);
            any_pci = true;
        }
    }
    if (!any_pci && !has_arg(args, "--no-pci") && !has_arg(args, "-a"))
        args.emplace_back("--no-pci");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
        return tl::unexpected(eal_error("EAL init"));
    s.eal_up = true;
    s.started_unix_ns = unix_now_ns();

    // Mempools, one per NUMA socket that has a port.
    s.pools.assign(RTE_MAX_NUMA_NODES, nullptr);
    std::vector<std::uint16_t> port_ids;
    for (std::size_t i = 0; i < config.ports.size(); ++i) {
        std::uint16_t id = 0;
        const std::string name = config.ports[i].device_name();
        if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
            return tl::unexpected("port[" + std::to_string(i) + "]: no device " + name);
        }
        port_ids.push_back(id);
        int socket = rte_eth_dev_socket_id(id);
        if (socket < 0) socket = 0;
        if (s.pools[static_cast<std::size_t>(socket)] == nullptr) {
            const std::string pool_name = "rtpx_mbufs_" + std::to_string(socket);
            rte_mempool* pool = rte_pktmbuf_pool_create(pool_name.c_str(), config.mbufs, 256, 0,
                                                        RTE_MBUF_DEFAULT_BUF_SIZE, socket);
            if (pool == nullptr) return tl::unexpected(eal_error("mempool " + pool_name));
            s.pools[static_cast<std::size_t>(socket)] = pool;
        }
    }

    // Placement: with pinned lcores, now that the EAL knows them and the ports' queues.
    if (!config.lcores.empty()) {
        auto pinned = plan_pinned(config, port_ids);
        if (!pinned) return tl::unexpected(pinned.error());
        plan = std::move(*pinned);
    }
    // The plan's own EAL line is what the planner would pass; say what the EAL was given.
    std::string described = sched::describe(plan);
    if (const auto eal_line = described.rfind("EAL:"); eal_line != std::string::npos)
        described.erase(eal_line);
    s.placement += described + "EAL:";
    for (std::size_t i = 1; i < args.size(); ++i) s.placement += " " + args[i];
    const auto worker_count = static_cast<unsigned>(plan.workers.size());

    // Ports: the plan's RX queues (one per worker, or queue 0 for a dispatcher) and a TX queue
    // per worker.
    const auto queues = static_cast<std::uint16_t>(worker_count);
    for (std::size_t i = 0; i < config.ports.size(); ++i) {
        const auto& pc = config.ports[i];
        std::uint16_t rx_queues = plan.ports[i].rx_queues;
        if (plan.ports[i].steering == sched::SteeringMode::kDispatch)  // it reads them all
            rx_queues = std::max(rx_queues, probe_rx_queues(pc));
        const std::uint16_t id = port_ids[i];
        const std::string what = "port[" + std::to_string(i) + "] (" + pc.device_name() + ")";
        rte_eth_dev_info info{};
        if (rte_eth_dev_info_get(id, &info) != 0) return tl::unexpected(what + ": no device info");
        rte_eth_conf conf{};
        PortContext ctx;
        ctx.port_id = id;
        if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0) {
            conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
            ctx.offload.ipv4 = true;
        }
        if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0) {
            conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
            ctx.offload.udp = true;
        }
        if (rx_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_UDP) != 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf =
                info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
        }
        if (rx_queues > info.max_rx_queues || queues > info.max_tx_queues) {
            return tl::unexpected(what + ": has " + std::to_string(info.max_rx_queues) + " RX / " +
                                  std::to_string(info.max_tx_queues) +
                                  " TX queues; the plan needs " + std::to_string(rx_queues) +
                                  " / " + std::to_string(queues) +
                                  " (set dataplane.dispatch = true or fewer workers)");
        }
        if (int rc = rte_eth_dev_configure(id, rx_queues, queues, &conf); rc != 0) {
            return tl::unexpected(what + ": configure: " + rte_strerror(-rc));
        }
        std::uint16_t rxd = pc.rx_descriptors;
        std::uint16_t txd = pc.tx_descriptors;
        (void)rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
        int socket = rte_eth_dev_socket_id(id);
        if (socket < 0) socket = 0;
        for (std::uint16_t q = 0; q < queues; ++q) {
            if (int rc = q >= rx_queues ? 0
                                        : rte_eth_rx_queue_setup(
                                              id, q, rxd, static_cast<unsigned>(socket), nullptr,
                                              s.pools[static_cast<std::size_t>(socket)]);
                rc != 0) {
                return tl::unexpected(what + ": RX queue " + std::to_string(q) + ": " +
                                      rte_strerror(-rc));
            }
            rte_eth_txconf txconf = info.default_txconf;
            txconf.offloads = conf.txmode.offloads;
            if (int rc = rte_eth_tx_queue_setup(id, q, txd, static_cast<unsigned>(socket), &txconf);
                rc != 0) {
                return tl::unexpected(what + ": TX queue " + std::to_string(q) + ": " +
                                      rte_strerror(-rc));
            }
        }
        if (int rc = rte_eth_dev_start(id); rc != 0)
            return tl::unexpected(what + ": start: " + rte_strerror(-rc));
        s.started.push_back(true);
        rte_ether_addr mac{};
        (void)rte_eth_macaddr_get(id, &mac);
        std::memcpy(ctx.identity.mac.data(), mac.addr_bytes, 6);
        ctx.identity.vlan = pc.vlan;
        for (const auto& a : pc.addresses) {
            if (a.family == AddressFamily::kIpv4 &&
                ctx.identity.ipv4_count < PortIdentity::kMaxAddresses) {
                std::memcpy(ctx.identity.ipv4[ctx.identity.ipv4_count++].data(), a.bytes.data(), 4);
            } else if (a.family == AddressFamily::kIpv6 &&
                       ctx.identity.ipv6_count < PortIdentity::kMaxAddresses) {
                std::memcpy(ctx.identity.ipv6[ctx.identity.ipv6_count++].data(), a.bytes.data(),
                            16);
            }
        }
        if (pc.exception == "tap") {
            auto tap = start_exception_port(pc, i, queues, socket,
                                            s.pools[static_cast<std::size_t>(socket)], mac);
            if (!tap) return tl::unexpected(what + ": exception port: " + tap.error());
            ctx.has_exception = true;
            ctx.exception_port_id = *tap;
            ctx.exception_rate_pps = pc.exception_rate_pps;
            s.exception_ports.push_back(*tap);
        }
        s.neighbours.push_back(std::make_unique<NeighbourTable>());
        ctx.neighbours = s.neighbours.back().get();
        s.ports.push_back(ctx);
    }

    // Flow table.
    auto table = FlowTable::create("rtpx_flows", config.max_flows, worker_count,
                                   static_cast<int>(rte_socket_id()));
    if (!table) return tl::unexpected(table.error());
    s.flows = std::move(*table);

    // Workers, as the plan places them: worker w polls queue w of the ports it reads directly,
    // its dispatcher's ring for dispatched ports, and sends on queue w of every port.
    const TscClock clock = TscClock::start();
    // ring_of[w][p]: the dispatcher's ring to worker w for port p.
    std::vector<std::array<rte_ring*, kMaxPorts>> ring_of(worker_count);
    for (unsigned w = 0; w < worker_count; ++w) {
        const sched::WorkerPlan& wp = plan.workers[w];
        const unsigned lcore = wp.lcore;
        const std::string suffix = std::to_string(w);
        const int socket = static_cast<int>(rte_lcore_to_socket_id(lcore));
        rte_ring* to =
            rte_ring_create_elem(("rtpx_to_ctl_" + suffix).c_str(), sizeof(WorkerMessage), 4096,
                                 socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
        rte_ring* from = rte_ring_create(("rtpx_from_ctl_" + suffix).c_str(), 1024, socket,
                                         RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (to == nullptr || from == nullptr) return tl::unexpected(eal_error("worker rings"));
        s.to_control.push_back(to);
        s.from_control.push_back(from);
        s.counters.push_back(std::make_unique<LcoreCounters>());
        WorkerContext ctx;
        ctx.index = static_cast<std::uint16_t>(w);
        ctx.queue = static_cast<std::uint16_t>(w);
        ctx.ports = s.ports.data();
        ctx.port_count = static_cast<std::uint16_t>(s.ports.size());
        ctx.flows = s.flows.get();
        ctx.to_control = to;
        ctx.from_control = from;
        ctx.counters = s.counters.back().get();
        ctx.stop = &s.stop_workers;
        ctx.clock = clock;
        ctx.idle_sleep_us = config.idle_sleep_us;
        ctx.srtp_failure_threshold = config.srtp_failure_threshold;
        for (std::size_t p = 0; p < s.ports.size(); ++p) {
            const sched::PortPlan& pp = plan.ports[p];
            const bool dispatched = pp.steering == sched::SteeringMode::kDispatch &&
                                    pp.dispatcher >= 0 && wp.dispatcher == pp.dispatcher;
            if (!dispatched && wp.queues[p].rx_queue >= 0) continue;  // polls queue w
            // Dispatched: its dispatcher's ring. Neither (a port on another NUMA node): a ring
            // nothing feeds, so the worker never polls a queue that is not its own.
            rte_ring* r = rte_ring_create(
                ((dispatched ? "rtpx_disp_" : "rtpx_idle_") + suffix + "_" + std::to_string(p))
                    .c_str(),
                dispatched ? 1024 : 2, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (r == nullptr) return tl::unexpected(eal_error("dispatcher rings"));
            s.dispatch_rings.push_back(r);
            ctx.rx_rings[p] = r;
            if (dispatched) ring_of[w][p] = r;
        }
        RtcpAgentConfig agent;
        agent.pool = s.pools[static_cast<std::size_t>(socket < 0 ? 0 : socket)];
        for (std::size_t i = 0; agent.pool == nullptr && i < s.pools.size(); ++i)
            agent.pool = s.pools[i];
        agent.seed ^= (std::uint64_t{w} + 1) * 0xD1B54A32D192ED03ull;
        s.rtcp_agents.push_back(std::make_unique<RtcpAgent>(agent, ctx.ports, ctx.port_count,
                                                            ctx.flows, clock.now_unix_ns()));
        ctx.rtcp = s.rtcp_agents.back().get();
        if (!s.exception_ports.empty()) {
            s.exceptions.push_back(std::make_unique<ExceptionPath>(ctx.ports, ctx.port_count,
                                                                   ctx.queue, ctx.counters));
            ctx.exception = s.exceptions.back().get();
        }
        s.workers.push_back(std::make_unique<Worker>(ctx));
        if (!s.workers.back()->srtp_ready())
            return tl::unexpected("worker " + suffix + ": the IPsec-MB SRTP backend did not start");
    }
    for (const sched::DispatcherPlan& d : plan.dispatchers) {
        DispatcherContext dc;
        dc.ports = s.ports.data();
        dc.port_count = static_cast<std::uint16_t>(s.ports.size());
        for (std::size_t p : d.ports) {
            dc.rx_ports.push_back(static_cast<std::uint16_t>(p));
            dc.rx_queues[p] = std::max(plan.ports[p].rx_queues, probe_rx_queues(config.ports[p]));
        }
        for (std::size_t wi : d.workers) dc.rings.push_back(ring_of[wi]);
        s.counters.push_back(std::make_unique<LcoreCounters>());
        dc.counters = s.counters.back().get();
        dc.stop = &s.stop_workers;
        dc.idle_sleep_us = config.idle_sleep_us;
        s.dispatchers.push_back(std::make_unique<Dispatcher>(std::move(dc)));
    }
    // Static flows before any worker reads a packet.
    if (!static_flows.ops.empty()) {
        const auto reply = dp->apply(static_flows);
        if (!reply.ok) return tl::unexpected("static flows: " + reply.error);
    }
    s.workers_launched = true;  // from here on the destructor waits for the lcores
    for (unsigned w = 0; w < worker_count; ++w) {
        if (rte_eal_remote_launch(launch_worker, s.workers[w].get(), plan.workers[w].lcore) != 0)
            return tl::unexpected("cannot launch worker " + std::to_string(w) + " on lcore " +
                                  std::to_string(plan.workers[w].lcore));
    }
    for (std::size_t d = 0; d < s.dispatchers.size(); ++d) {
        if (rte_eal_remote_launch(launch_dispatcher, s.dispatchers[d].get(),
                                  plan.dispatchers[d].lcore) != 0)
            return tl::unexpected("cannot launch dispatcher " + std::to_string(d) + " on lcore " +
                                  std::to_string(plan.dispatchers[d].lcore));
    }

    // Gratuitous ARP for every IPv4 media address (through worker 0's queue).
    for (std::size_t i = 0; i < s.ports.size(); ++i) {
        const auto& id = s.ports[i].identity;
        for (std::size_t a = 0; a < id.ipv4_count; ++a) {
            int socket = rte_eth_dev_socket_id(s.ports[i].port_id);
            rte_mbuf* m =
                rte_pktmbuf_alloc(s.pools[static_cast<std::size_t>(socket < 0 ? 0 : socket)]);
            if (m == nullptr) break;
            build_gratuitous_arp(m, id.mac, id.vlan, id.ipv4[a].data());
            m->port = static_cast<std::uint16_t>(i);
            if (rte_ring_enqueue(s.from_control[0], m) != 0) rte_pktmbuf_free(m);
        }
    }

    g_telemetry_state = &s;
    (void)rte_telemetry_register_cmd("/rtpx/stats", telemetry_stats,
                                     "Returns rtpx data plane totals: packets and drops by reason");
    (void)rte_telemetry_register_cmd(
        "/rtpx/flows", telemetry_flows,
        "Returns the local endpoints of the flows (refreshed twice a second)");
    return dp;
}

Dataplane::~Dataplane() {
    if (!state_) return;
    State& s = *state_;
    g_telemetry_state = nullptr;
    if (s.workers_launched) {
        s.stop_workers.store(true);
        rte_eal_mp_wait_lcore();
    }
    for (std::size_t i = 0; i < s.ports.size(); ++i) {
        (void)rte_eth_dev_stop(s.ports[i].port_id);
        (void)rte_eth_dev_close(s.ports[i].port_id);
    }
    for (auto* r : s.dispatch_rings) {
        void* m = nullptr;
        while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
        rte_ring_free(r);
    }
    for (const std::uint16_t tap : s.exception_ports) {
        (void)rte_eth_dev_stop(tap);
        (void)rte_eth_dev_close(tap);
    }
    s.flows.reset();
    for (auto* r : s.to_control) rte_ring_free(r);
    for (auto* r : s.from_control) {
        void* m = nullptr;
        while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
        rte_ring_free(r);
    }
    for (auto* p : s.pools) rte_mempool_free(p);
    if (s.eal_up) {
        // EAL leaves its runtime directory behind, holding the telemetry sockets until exit;
        // hugepage files are never there (--in-memory/--no-huge) or unlinked once mapped
        // (--huge-unlink, start()).
        const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(runtime_dir, ec)) {
            if (entry.is_socket(ec)) std::filesystem::remove(entry.path(), ec);
        }
        std::filesystem::remove(runtime_dir, ec);  // only when empty
    }
}

const std::string& Dataplane::placement() const {
    return state_->placement;
}

flowapi::BatchReply Dataplane::apply(const flowapi::Batch& batch) {
    State& s = *state_;
    PortAddressBook book;
    book.port_of = [&](const flowapi::IpAddress& ip) { return s.port_of(ip); };
    book.describe_port = [&](int port, FlowConfig& c) {
        const auto& pc = s.ports[static_cast<std::size_t>(port)];
        c.egress_mac = pc.identity.mac;
        c.egress_vlan = pc.identity.vlan;
        const auto& gw = s.config.ports[static_cast<std::size_t>(port)].gateway_mac;
        if (gw) {
            c.has_next_hop_mac = true;
            c.next_hop_mac = *gw;
        }
    };
    auto reply = apply_with_reverse_rekeys(*s.flows, batch, book);
    if (reply.ok) {
        const std::int64_t now = unix_now_ns();
        for (const auto& op : batch.ops) {
            const std::string key = to_string(op.spec.local);
            if (op.kind == flowapi::OpKind::kDelete) {
                s.tracked.erase(key);
            } else {
                s.tracked[key] = State::Tracked{now, false};
            }
        }
    }
    return reply;
}

flowapi::DataplaneTotals Dataplane::totals() const {
    flowapi::DataplaneTotals t;
    for (const auto& c : state_->counters) {
        t.rx_packets += c->rx.get();
        t.tx_packets += c->tx.get();
        for (std::size_t i = 0; i < t.drops.size(); ++i) t.drops[i] += c->drops[i].get();
    }
    return t;
}

flowapi::StatsReply Dataplane::stats(const std::vector<flowapi::FlowKey>& keys) const {
    return flowapi::StatsReply{totals(), state_->flows->stats(keys)};
}

flowapi::DumpReply Dataplane::dump() const {
    return flowapi::DumpReply{state_->flows->dump()};
}

namespace {

struct Connection {
    int fd = -1;
    flowapi::FrameAssembler frames;
    bool subscribed = false;
    bool said_hello = false;
};

constexpr auto kSendTimeout = std::chrono::milliseconds(1000);

}  // namespace

tl::expected<void, std::string> Dataplane::run(const std::atomic<bool>& stop) {
    State& s = *state_;
    const std::string& path = s.config.control_socket;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        return tl::unexpected("control socket path too long: " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) return tl::unexpected(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listener, 16) != 0) {
        const std::string error = "control socket " + path + ": " + std::strerror(errno);
        ::close(listener);
        return tl::unexpected(error);
    }
    // The flow API on TCP too, when configured (a remote control plane).
    int tcp_listener = -1;
    if (s.config.control_tcp) {
        const flowapi::Endpoint& ep = *s.config.control_tcp;
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (ep.address.family == AddressFamily::kIpv4) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(ep.port);
            std::memcpy(&a->sin_addr, ep.address.bytes.data(), 4);
            len = sizeof(sockaddr_in);
        } else {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(ep.port);
            std::memcpy(&a->sin6_addr, ep.address.bytes.data(), 16);
            len = sizeof(sockaddr_in6);
        }
        tcp_listener = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        if (tcp_listener < 0 ||
            ::setsockopt(tcp_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
            ::bind(tcp_listener, reinterpret_cast<const sockaddr*>(&ss), len) != 0 ||
            ::listen(tcp_listener, 16) != 0) {
            const std::string error =
                "control TCP " + flowapi::to_string(ep) + ": " + std::strerror(errno);
            if (tcp_listener >= 0) ::close(tcp_listener);
            ::close(listener);
            ::unlink(path.c_str());
            return tl::unexpected(error);
        }
    }
    std::vector<Connection> connections;
    std::vector<flowapi::Event> pending;
    std::int64_t last_scan = 0;

    auto reply = [&](Connection& c, std::uint32_t id, flowapi::Message m) {
        if (!flowapi::write_frame(c.fd, flowapi::encode({id, std::move(m)}), kSendTimeout)) {
            ::close(c.fd);
            c.fd = -1;
        }
    };
    auto handle = [&](Connection& c, const std::vector<std::uint8_t>& frame) {
        auto env = flowapi::decode(frame);
        if (!env) {
            // Malformed: nothing applied; the request id is read raw when the header is there.
            std::uint32_t id = 0;
            if (frame.size() >= flowapi::kFrameHeaderSize) id = rtp::load_be32(frame.data() + 8);
            if (frame.size() >= 6 &&
                frame[5] == static_cast<std::uint8_t>(flowapi::MessageType::kBatch)) {
                reply(c, id,
                      flowapi::BatchReply{
                          false, 0, env.error().index == flowapi::kNoIndex ? 0 : env.error().index,
                          flowapi::describe(env.error())});
            } else {
                reply(c, id, flowapi::ErrorReply{flowapi::describe(env.error())});
            }
            return;
        }
        const std::uint32_t id = env->request_id;
        std::visit(
            [&](auto& m) {
                using T = std::decay_t<decltype(m)>;
                if constexpr (std::is_same_v<T, flowapi::Hello>) {
                    if (m.min_version > flowapi::kProtocolVersion ||
                        m.max_version < flowapi::kProtocolVersion) {
                        reply(c, id, flowapi::ErrorReply{"no common protocol version"});
                        return;
                    }
                    c.said_hello = true;
                    reply(c, id,
                          flowapi::HelloReply{flowapi::kProtocolVersion, "rtpx-dataplane",
                                              s.flows->size()});
                } else if constexpr (std::is_same_v<T, flowapi::Batch>) {
                    reply(c, id, apply(m));
                } else if constexpr (std::is_same_v<T, flowapi::StatsQuery>) {
                    reply(c, id, stats(m.keys));
                } else if constexpr (std::is_same_v<T, flowapi::DumpQuery>) {
                    reply(c, id, dump());
                } else if constexpr (std::is_same_v<T, flowapi::Subscribe>) {
                    c.subscribed = m.events;
                    reply(c, id, flowapi::BatchReply{true, 0, 0, ""});
                } else {
                    reply(c, id, flowapi::ErrorReply{"not a request"});
                }
            },
            env->message);
    };

    std::array<WorkerMessage, 64> messages;
    while (!stop.load()) {
        std::vector<pollfd> fds;
        fds.push_back({listener, POLLIN, 0});
        fds.push_back({tcp_listener, POLLIN, 0});  // fd -1: ignored by poll
        constexpr std::size_t kListeners = 2;
        for (auto& c : connections) fds.push_back({c.fd, POLLIN, 0});
        const int n = ::poll(fds.data(), fds.size(), 20);
        if (n < 0 && errno != EINTR) break;
        for (std::size_t l = 0; n > 0 && l < kListeners; ++l) {
            if ((fds[l].revents & POLLIN) == 0) continue;
            const int fd = ::accept4(fds[l].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) connections.push_back(Connection{fd, {}, false, false});
        }
        for (std::size_t i = kListeners; n > 0 && i < fds.size(); ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            Connection& c = connections[i - kListeners];
            std::uint8_t buf[65536];
            const ssize_t got = ::recv(c.fd, buf, sizeof(buf), 0);
            if (got <= 0) {
                if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                ::close(c.fd);
                c.fd = -1;
                continue;
            }
            c.frames.feed(buf, static_cast<std::size_t>(got));
            for (;;) {
                auto frame = c.frames.next();
                if (!frame) {  // an impossible length: the stream cannot be resynchronised
                    reply(c, 0, flowapi::ErrorReply{flowapi::describe(frame.error())});
                    if (c.fd >= 0) ::close(c.fd);
                    c.fd = -1;
                    break;
                }
                if (frame->empty() || c.fd < 0) break;
                handle(c, *frame);
            }
        }
        connections.erase(std::remove_if(connections.begin(), connections.end(),
                                         [](const Connection& c) { return c.fd < 0; }),
                          connections.end());

        // Flows deleted or replaced by earlier batches, once the workers are past them.
        s.flows->reclaim();

        // Workers' messages.
        const std::int64_t now = unix_now_ns();
        for (std::size_t w = 0; w < s.to_control.size(); ++w) {
            const unsigned got = rte_ring_sc_dequeue_burst_elem(
                s.to_control[w], messages.data(), sizeof(WorkerMessage), messages.size(), nullptr);
            for (unsigned i = 0; i < got; ++i) {
                const WorkerMessage& m = messages[i];
                if (m.kind == WorkerMessage::Kind::kEvent) {
                    pending.push_back(m.event);
                } else if (m.kind == WorkerMessage::Kind::kNeighbour) {
                    if (m.port < s.neighbours.size()) s.neighbours[m.port]->update(m.ip, m.mac);
                } else if (m.port < s.ports.size()) {
                    // Resolve: at most one request per (port, address) per second.
                    auto& last = s.resolving[{m.port, to_string(m.ip)}];
                    if (now - last < 1'000'000'000) continue;
                    last = now;
                    const auto& pc = s.ports[m.port];
                    const auto& id = pc.identity;
                    int socket = rte_eth_dev_socket_id(pc.port_id);
                    rte_mbuf* mb = rte_pktmbuf_alloc(
                        s.pools[static_cast<std::size_t>(socket < 0 ? 0 : socket)]);
                    if (mb == nullptr) continue;
                    if (m.ip.family == AddressFamily::kIpv4 && id.ipv4_count > 0) {
                        build_arp_request(mb, id.mac, id.vlan, id.ipv4[0].data(),
                                          m.ip.bytes.data());
                    } else if (m.ip.family == AddressFamily::kIpv6 && id.ipv6_count > 0) {
                        build_neighbour_solicitation(mb, id.mac, id.vlan, id.ipv6[0].data(),
                                                     m.ip.bytes.data());
                    } else {
                        rte_pktmbuf_free(mb);
                        continue;
                    }
                    mb->port = static_cast<std::uint16_t>(m.port);
                    if (rte_ring_enqueue(s.from_control[0], mb) != 0) rte_pktmbuf_free(mb);
                }
            }
        }

        // Inactivity and the telemetry snapshot, twice a second.
        if (now - last_scan > 500'000'000) {
            last_scan = now;
            std::vector<std::string> names;
            s.flows->for_each([&](const FlowEntry& e) {
                const std::string key = to_string(e.key);
                names.push_back(key);
                const auto* cfg = e.config.load(std::memory_order_acquire);
                auto it = s.tracked.find(key);
                if (it == s.tracked.end() || cfg->spec.inactivity_timeout_ms == 0) return;
                const std::int64_t last =
                    std::max(e.last_packet_unix_ns.load(std::memory_order_relaxed),
                             it->second.added_unix_ns);
                const std::int64_t idle_ms = (now - last) / 1'000'000;
                if (idle_ms >= cfg->spec.inactivity_timeout_ms) {
                    if (!it->second.inactive_reported) {
                        it->second.inactive_reported = true;
                        pending.push_back({flowapi::EventKind::kInactivity,
                                           e.key,
                                           cfg->spec.cookie,
                                           static_cast<std::uint64_t>(idle_ms),
                                           {},
                                           now});
                    }
                } else {
                    it->second.inactive_reported = false;
                }
            });
            std::lock_guard lock(s.telemetry_mutex);
            s.telemetry_flows = std::move(names);
        }

        if (!pending.empty()) {
            for (auto& c : connections) {
                if (c.subscribed && c.fd >= 0) reply(c, 0, flowapi::Events{pending});
            }
            pending.clear();
        }
    }
    for (auto& c : connections) {
        if (c.fd >= 0) ::close(c.fd);
    }
    ::close(listener);
    if (tcp_listener >= 0) ::close(tcp_listener);
    ::unlink(path.c_str());
    return {};
}

}  // namespace rtpx::dataplane
