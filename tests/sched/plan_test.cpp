// Placement plans on the synthetic topologies of tests/data/topology (hwloc XML).
#include "rtpx/sched/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace rtpx::sched {
namespace {

Topology load(const char* file) {
    auto topo = load_topology_xml(std::string(RTPX_TEST_DATA_DIR "/topology/") + file);
    EXPECT_TRUE(topo) << topo.error().what;
    return topo ? *topo : Topology{};
}

PortSpec nic(const char* name, int numa, std::uint16_t queues = 64) {
    return PortSpec{name, numa, queues, true};
}

// Properties every plan must have, whatever the machine.
void expect_sane(const Topology& topo, const Plan& plan) {
    std::set<unsigned> lcores{plan.main_lcore};
    std::set<unsigned> worker_cores;
    for (const auto& w : plan.workers) {
        if (!plan.main_is_worker) {
            EXPECT_TRUE(lcores.insert(w.lcore).second) << "lcore " << w.lcore << " used twice";
        }
        EXPECT_EQ(topo.find_pu(w.lcore)->core, w.core);
        EXPECT_EQ(topo.cores[w.core].numa, w.numa);
        worker_cores.insert(w.core);
    }
    for (const auto& d : plan.dispatchers) {
        EXPECT_TRUE(lcores.insert(d.lcore).second) << "dispatcher lcore " << d.lcore << " reused";
        EXPECT_EQ(worker_cores.count(d.core), 0u) << "dispatcher shares a core with a worker";
    }
    if (!plan.main_is_worker) {
        const unsigned main_core = topo.find_pu(plan.main_lcore)->core;
        EXPECT_EQ(worker_cores.count(main_core), 0u) << "main lcore on a worker core";
        for (unsigned cpu : plan.control_plane_cpus) {
            EXPECT_EQ(worker_cores.count(topo.find_pu(cpu)->core), 0u)
                << "control-plane CPU " << cpu << " on a worker core";
        }
    }
    // Every worker receives only from ports on its own NUMA node.
    for (const auto& port : plan.ports) {
        for (std::size_t w : port.rx_workers) EXPECT_EQ(plan.workers[w].numa, port.mempool_socket);
        EXPECT_EQ(port.tx_queues, plan.workers.size());
    }
    ASSERT_GE(plan.eal_args.size(), 4u);
    EXPECT_EQ(plan.eal_args[0], "-l");
    EXPECT_EQ(plan.eal_args[2], "--main-lcore");
    EXPECT_EQ(plan.eal_args[3], std::to_string(plan.main_lcore));
}

// make_plan, and the properties above whenever it succeeds.
tl::expected<Plan, PlanError> plan_on(const Topology& topo, std::span<const PortSpec> ports,
                                      const PlanConfig& cfg) {
    auto plan = make_plan(topo, ports, cfg);
    if (plan) expect_sane(topo, *plan);
    return plan;
}

bool no_smt_siblings_among_workers(const Plan& plan) {
    std::set<unsigned> cores;
    for (const auto& w : plan.workers) {
        if (!cores.insert(w.core).second) return false;
    }
    return true;
}

TEST(PlanDualSocket, WorkersAreNumaLocalToTheirPortsAndNeverSmtSiblings) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:3b:00.0", 0), nic("0000:81:00.0", 1)};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    // 32 cores, core 0 reserved: 15 workers on NUMA 0, 16 on NUMA 1, one per physical core.
    EXPECT_EQ(plan->workers.size(), 31u);
    EXPECT_TRUE(no_smt_siblings_among_workers(*plan));
    EXPECT_EQ(plan->main_lcore, 0u);
    EXPECT_EQ(plan->control_plane_cpus, std::vector<unsigned>{32});  // the main lcore's sibling
    EXPECT_TRUE(plan->dispatchers.empty());
    for (const auto& w : plan->workers) EXPECT_LT(w.lcore, 32u) << "a worker on an SMT sibling";

    const PortPlan& p0 = plan->ports[0];
    const PortPlan& p1 = plan->ports[1];
    EXPECT_EQ(p0.mempool_socket, 0);
    EXPECT_EQ(p1.mempool_socket, 1);
    EXPECT_EQ(p0.rx_queues, 15);
    EXPECT_EQ(p1.rx_queues, 16);
    EXPECT_EQ(p0.steering, SteeringMode::kRss);
    // RX queue i of port 1 is polled by the i-th worker of NUMA 1 (lcores 16..31).
    for (std::size_t q = 0; q < p1.rx_workers.size(); ++q) {
        const WorkerPlan& w = plan->workers[p1.rx_workers[q]];
        EXPECT_EQ(w.lcore, 16 + q);
        EXPECT_EQ(w.queues[1].rx_queue, static_cast<int>(q));
        EXPECT_EQ(w.queues[0].rx_queue, -1);  // never receives from the remote NIC
    }
    EXPECT_EQ(plan->eal_args,
              (std::vector<std::string>{"-l", "0-31", "--main-lcore", "0", "--socket-mem",
                                        "1024,1024", "-a", "0000:3b:00.0", "-a", "0000:81:00.0"}));
}

TEST(PlanDualSocket, AskedWorkersAreSpreadOverThePortsNumaNodes) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:3b:00.0", 0), nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.workers = 4;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    ASSERT_EQ(plan->workers.size(), 4u);
    std::vector<unsigned> lcores;
    for (const auto& w : plan->workers) lcores.push_back(w.lcore);
    EXPECT_EQ(lcores, (std::vector<unsigned>{1, 2, 16, 17}));
    EXPECT_EQ(plan->eal_args[1], "0-2,16-17");
}

TEST(PlanDualSocket, PortOnOneSocketKeepsEveryWorkerThere) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:81:00.0", 1), nic("0000:81:00.1", 1)};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_EQ(plan->workers.size(), 16u);
    for (const auto& w : plan->workers) EXPECT_EQ(w.numa, 1);
    // Memory on socket 1 (workers, ports) and socket 0 (main lcore).
    EXPECT_EQ(plan->eal_args[5], "1024,1024");
}

TEST(PlanDualSocket, SmtSiblingsOnlyWhenAllowedAndAfterEveryPhysicalCore) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.workers = 20;
    auto refused = make_plan(topo, ports, cfg);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, PlanErrc::kTooManyWorkers);
    EXPECT_NE(refused.error().what.find("16 free physical cores"), std::string::npos)
        << refused.error().what;

    cfg.allow_smt_siblings = true;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    ASSERT_EQ(plan->workers.size(), 20u);
    for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(plan->workers[i].lcore, 16 + i);
    for (std::size_t i = 16; i < 20; ++i) EXPECT_EQ(plan->workers[i].lcore, 48 + i - 16);
}

TEST(PlanDualSocket, NumaNodeWithoutAFreeCoreIsAnErrorThatSaysWhy) {
    // Reserve all 16 cores of NUMA 0 and then some: the port on NUMA 0 has nowhere to go.
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:3b:00.0", 0), nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.reserved_cores = 16;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, PlanErrc::kNoFreeCore);
    EXPECT_EQ(plan.error().what.rfind("port 0000:3b:00.0 is on NUMA 0 but NUMA 0 has no free "
                                      "physical core after reserving the main lcore",
                                      0),
              0u)
        << plan.error().what;
}

TEST(PlanDualSocket, MainLcoreOnTheSecondSocketMovesTheReservation) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.main_lcore = 16;
    cfg.reserved_cores = 2;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_EQ(plan->main_lcore, 16u);
    EXPECT_EQ(plan->control_plane_cpus, (std::vector<unsigned>{17, 48, 49}));
    EXPECT_EQ(plan->workers.size(), 14u);
    EXPECT_EQ(plan->workers.front().lcore, 18u);
}

TEST(PlanDualSocket, UnknownNumaNodeIsAnError) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:c1:00.0", 3)};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, PlanErrc::kUnknownNuma);
    EXPECT_EQ(plan.error().what,
              "port 0000:c1:00.0 is on NUMA 3 but the topology has NUMA nodes 0, 1");
}

TEST(PlanDualSocket, FewerWorkersThanPortNumaNodesIsAnError) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:3b:00.0", 0), nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.workers = 1;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, PlanErrc::kTooFewWorkers);
}

TEST(PlanDualSocket, SingleQueuePortGetsADispatcherOnItsNode) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:3b:00.0", 0), PortSpec{"0000:81:00.0", 1, 1, false}};
    PlanConfig cfg;
    cfg.workers = 6;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    ASSERT_EQ(plan->dispatchers.size(), 1u);
    const DispatcherPlan& d = plan->dispatchers[0];
    EXPECT_EQ(d.numa, 1);
    EXPECT_EQ(d.lcore, 16u);  // the node's first free physical core
    EXPECT_EQ(d.ports, std::vector<std::size_t>{1});
    EXPECT_EQ(d.workers.size(), 3u);
    EXPECT_EQ(plan->ports[1].steering, SteeringMode::kDispatch);
    EXPECT_EQ(plan->ports[1].rx_queues, 1);
    EXPECT_EQ(plan->ports[0].steering, SteeringMode::kRss);
    EXPECT_EQ(plan->ports[0].rx_queues, 3);
    for (std::size_t w : d.workers) {
        EXPECT_EQ(plan->workers[w].dispatcher, 0);
        EXPECT_EQ(plan->workers[w].queues[1].rx_queue, -1);  // fed by the ring, not the NIC
    }
    EXPECT_EQ(plan->eal_args[1], "0-3,16-19");
}

TEST(Plan64Core, AutomaticPlanUsesEveryPhysicalCoreButTheReservedOne) {
    const Topology topo = load("epyc_64core.xml");
    const PortSpec ports[] = {nic("0000:41:00.0", 0), nic("0000:41:00.1", 0)};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_EQ(plan->workers.size(), 63u);
    EXPECT_TRUE(no_smt_siblings_among_workers(*plan));
    EXPECT_EQ(plan->control_plane_cpus, std::vector<unsigned>{64});
    EXPECT_EQ(plan->eal_args,
              (std::vector<std::string>{"-l", "0-63", "--main-lcore", "0", "--socket-mem", "1024",
                                        "-a", "0000:41:00.0", "-a", "0000:41:00.1"}));
}

TEST(Plan64Core, FlowSteeringLimitedByQueuesUsesFewerWorkersRatherThanADispatcher) {
    const Topology topo = load("epyc_64core.xml");
    const PortSpec ports[] = {PortSpec{"0000:41:00.0", 0, 16, false}};
    PlanConfig cfg;
    cfg.steering = SteeringMode::kFlow;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    // 16 queues, 63 free cores: a dispatcher feeding 62 workers beats 16 direct workers.
    EXPECT_EQ(plan->dispatchers.size(), 1u);
    EXPECT_EQ(plan->workers.size(), 62u);
    // With only 4 cores asked for, 4 queues suffice and no dispatcher is needed.
    cfg.workers = 4;
    plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_TRUE(plan->dispatchers.empty());
    EXPECT_EQ(plan->ports[0].steering, SteeringMode::kFlow);
    EXPECT_EQ(plan->ports[0].rx_queues, 4);
}

TEST(PlanSmallMachine, TwoCoreVmGetsMainLcoreAndOneWorker) {
    const Topology topo = load("vm_2core.xml");
    const PortSpec ports[] = {nic("0000:00:03.0", 0, 1)};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    ASSERT_EQ(plan->workers.size(), 1u);
    EXPECT_EQ(plan->workers[0].lcore, 1u);
    EXPECT_EQ(plan->workers[0].queues[0].rx_queue, 0);  // one worker polls the single queue
    EXPECT_TRUE(plan->dispatchers.empty());
    EXPECT_FALSE(plan->main_is_worker);
    EXPECT_EQ(plan->control_plane_cpus, std::vector<unsigned>{0});  // shares the main lcore
    EXPECT_EQ(plan->eal_args,
              (std::vector<std::string>{"-l", "0-1", "--main-lcore", "0", "--socket-mem", "1024",
                                        "-a", "0000:00:03.0"}));
}

TEST(PlanSmallMachine, TwoCoreVmWithAVdevPlacesItOnTheOnlyNode) {
    const Topology topo = load("vm_2core_live.xml");
    const PortSpec ports[] = {PortSpec{"net_tap0", kNoNuma, 1, false}};
    PlanConfig cfg;
    cfg.steering = SteeringMode::kDispatch;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_EQ(plan->ports[0].mempool_socket, 0);
    EXPECT_EQ(plan->ports[0].numa, kNoNuma);
    EXPECT_TRUE(plan->dispatchers.empty());  // one worker needs no dispatcher
    EXPECT_EQ(plan->eal_args,
              (std::vector<std::string>{"-l", "0-1", "--main-lcore", "0", "--socket-mem", "1024"}));
}

TEST(PlanSmallMachine, TwoCoreVmCannotHaveTwoWorkers) {
    const Topology topo = load("vm_2core.xml");
    PlanConfig cfg;
    cfg.workers = 2;
    auto plan = plan_on(topo, {}, cfg);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, PlanErrc::kTooManyWorkers);
}

TEST(PlanSmallMachine, SingleCoreMachineRunsTheWorkerOnTheMainLcore) {
    const Topology topo = load("single_core.xml");
    const PortSpec ports[] = {PortSpec{"net_tap0", kNoNuma, 1, false}};
    auto plan = plan_on(topo, ports, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_TRUE(plan->main_is_worker);
    ASSERT_EQ(plan->workers.size(), 1u);
    EXPECT_EQ(plan->workers[0].lcore, 0u);
    EXPECT_EQ(plan->eal_args[1], "0");
}

TEST(Plan, CpuListUsesRanges) {
    EXPECT_EQ(cpu_list({3, 0, 1, 2, 8, 11, 10}), "0-3,8,10-11");
    EXPECT_EQ(cpu_list({5}), "5");
    EXPECT_EQ(cpu_list({}), "");
}

TEST(Plan, DescribeNamesEveryWorkerAndTheEalArguments) {
    const Topology topo = load("dual_socket_smt.xml");
    const PortSpec ports[] = {nic("0000:81:00.0", 1)};
    PlanConfig cfg;
    cfg.workers = 2;
    auto plan = plan_on(topo, ports, cfg);
    ASSERT_TRUE(plan);
    const std::string text = describe(*plan);
    EXPECT_NE(text.find("worker 1: lcore 17 (core 17, NUMA 1): 0000:81:00.0 rxq 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("EAL: -l 0,16-17 --main-lcore 0"), std::string::npos) << text;
}

TEST(Plan, LivePlanWorksOnThisMachine) {
    auto plan = make_live_plan({}, PlanConfig{});
    ASSERT_TRUE(plan) << plan.error().what;
    EXPECT_GE(plan->workers.size(), 1u);
}

}  // namespace
}  // namespace rtpx::sched
