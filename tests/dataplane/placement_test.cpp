// Placement (placement.hpp): what the data plane asks the sched/ planner and what it accepts from
// it. Pure functions: no EAL.
#include "rtpx/dataplane/placement.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace rtpx::dataplane {
namespace {

PortConfig vdev(std::string text) {
    PortConfig p;
    p.vdev = std::move(text);
    return p;
}

TEST(Placement, RxQueuesComeFromTheVdevArguments) {
    EXPECT_EQ(expected_rx_queues(vdev("net_af_packet0,iface=eth1")), 1);
    EXPECT_EQ(expected_rx_queues(vdev("net_af_packet0,iface=eth1,qpairs=4")), 4);
    EXPECT_EQ(expected_rx_queues(vdev("net_af_packet0,qpairs=4x,iface=eth1")), 1);  // not a count
    EXPECT_EQ(expected_rx_queues(vdev("net_af_xdp0,iface=eth1,queue_count=2")), 2);
    EXPECT_EQ(expected_rx_queues(vdev("net_tap0,iface=t0")), 1);
    EXPECT_EQ(expected_rx_queues(vdev("net_pcap0,iface=eth0")), 1);
    EXPECT_EQ(expected_rx_queues(vdev("net_ring0")), 64);
    PortConfig pci;
    pci.pci = "0000:03:00.0";
    EXPECT_EQ(expected_rx_queues(pci), 64);
    // Queues a dispatcher must read because the device fills them whatever is configured.
    EXPECT_EQ(probe_rx_queues(vdev("net_af_packet0,iface=eth1,qpairs=2")), 2);
    EXPECT_EQ(probe_rx_queues(vdev("net_ring0")), 1);
    EXPECT_EQ(probe_rx_queues(pci), 1);
}

std::vector<LcoreInfo> lcores(unsigned n) {
    std::vector<LcoreInfo> out;
    for (unsigned i = 0; i < n; ++i) out.push_back({i, 0});
    return out;
}

sched::PortSpec port(std::string name, std::uint16_t rx_queues) {
    sched::PortSpec p;
    p.name = std::move(name);
    p.rx_queues = rx_queues;
    return p;
}

// The dispatch integration test's case: 4 pinned lcores, single-queue ports.
TEST(Placement, SingleQueuePortsOnPinnedLcoresGetADispatcherFeedingTheOthers) {
    const std::vector<sched::PortSpec> ports = {port("net_af_packet0", 1),
                                                port("net_af_packet1", 1)};
    Config config;
    config.lcores = "0@0,1@1,2@1,3@0";
    auto plan = plan_on_lcores(lcores(4), 0, ports, config);
    ASSERT_TRUE(plan) << plan.error();
    EXPECT_EQ(plan->main_lcore, 0u);
    ASSERT_EQ(plan->dispatchers.size(), 1u);
    EXPECT_EQ(plan->dispatchers[0].lcore, 1u);
    EXPECT_EQ(plan->dispatchers[0].ports, (std::vector<std::size_t>{0, 1}));
    ASSERT_EQ(plan->workers.size(), 2u);
    EXPECT_EQ(plan->workers[0].lcore, 2u);
    EXPECT_EQ(plan->workers[1].lcore, 3u);
    for (const auto& w : plan->workers) {
        EXPECT_EQ(w.dispatcher, 0);
        for (const auto& q : w.queues) EXPECT_EQ(q.rx_queue, -1);
    }
    for (const auto& p : plan->ports) {
        EXPECT_EQ(p.steering, sched::SteeringMode::kDispatch);
        EXPECT_EQ(p.rx_queues, 1);
        EXPECT_EQ(p.tx_queues, 2);
    }
    EXPECT_TRUE(check_plan(*plan));
}

TEST(Placement, EnoughQueuesMeansOneQueuePerWorkerAndNoDispatcher) {
    const std::vector<sched::PortSpec> ports = {port("net_ring0", 16)};
    Config config;
    config.lcores = "0-3";
    auto plan = plan_on_lcores(lcores(4), 0, ports, config);
    ASSERT_TRUE(plan) << plan.error();
    EXPECT_TRUE(plan->dispatchers.empty());
    ASSERT_EQ(plan->workers.size(), 3u);
    for (std::size_t w = 0; w < 3; ++w) EXPECT_EQ(plan->workers[w].queues[0].rx_queue, int(w));
    EXPECT_EQ(plan->ports[0].rx_queues, 3);
    EXPECT_TRUE(check_plan(*plan));
    // dispatch = true: a dispatcher even though the port has the queues.
    config.dispatch = true;
    plan = plan_on_lcores(lcores(4), 0, ports, config);
    ASSERT_TRUE(plan) << plan.error();
    EXPECT_EQ(plan->dispatchers.size(), 1u);
    EXPECT_EQ(plan->workers.size(), 2u);
}

TEST(Placement, OneWorkerPollsTheSingleQueueItself) {
    const std::vector<sched::PortSpec> ports = {port("net_af_packet0", 1)};
    Config config;
    config.lcores = "0-1";
    auto plan = plan_on_lcores(lcores(2), 0, ports, config);
    ASSERT_TRUE(plan) << plan.error();
    EXPECT_TRUE(plan->dispatchers.empty());
    ASSERT_EQ(plan->workers.size(), 1u);
    EXPECT_EQ(plan->workers[0].lcore, 1u);
    EXPECT_EQ(plan->workers[0].queues[0].rx_queue, 0);
}

TEST(Placement, AMainLcoreAloneIsRefusedWithTheLcoresNamed) {
    Config config;
    config.lcores = "0";
    auto plan = plan_on_lcores(lcores(1), 0, {}, config);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error(), "lcores: need a main lcore and at least one more for a worker");
    config.lcores = "0-2";
    config.workers = 5;
    plan =
        plan_on_lcores(lcores(3), 0, std::vector<sched::PortSpec>{port("net_ring0", 16)}, config);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().find("lcores \"0-2\": 5 workers asked"), std::string::npos)
        << plan.error();
}

// Workers on a second socket would poll RX queue 0 of their local port while sending on queue
// <index>: the data plane refuses that plan rather than polling the wrong queue.
TEST(Placement, PlansAWorkerCannotFollowAreRefusedWithTheFix) {
    std::vector<LcoreInfo> two_sockets = {{0, 0}, {1, 0}, {2, 1}};
    std::vector<sched::PortSpec> ports = {port("0000:03:00.0", 8), port("0000:81:00.0", 8)};
    ports[0].numa = 0;
    ports[1].numa = 1;
    Config config;
    config.lcores = "0-2";
    auto plan = plan_on_lcores(two_sockets, 0, ports, config);
    ASSERT_TRUE(plan) << plan.error();
    const auto ok = check_plan(*plan);
    ASSERT_FALSE(ok);
    EXPECT_NE(ok.error().find("worker 1 RX queue 0 of port 0000:81:00.0"), std::string::npos)
        << ok.error();
}

}  // namespace
}  // namespace rtpx::dataplane

namespace rtpx::dataplane {
namespace {

TEST(DataplaneConfig, ControlTcpIsAnAddressAndPort) {
    const std::string port = "[[port]]\nvdev = \"net_ring0\"\naddresses = [\"192.0.2.1\"]\n";
    auto c = parse_config("[dataplane]\ncontrol_tcp = \"[::1]:7070\"\n" + port, "dp.toml");
    ASSERT_TRUE(c) << c.error();
    ASSERT_TRUE(c->control_tcp);
    EXPECT_EQ(flowapi::to_string(*c->control_tcp), "[::1]:7070");
    c = parse_config("[dataplane]\n" + port, "dp.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_FALSE(c->control_tcp);
    c = parse_config("[dataplane]\ncontrol_tcp = \"localhost\"\n" + port, "dp.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(),
              "dp.toml:2:15: dataplane.control_tcp: expected ADDRESS:PORT, e.g. 127.0.0.1:7070");
}

}  // namespace
}  // namespace rtpx::dataplane

namespace rtpx::dataplane {
namespace {

TEST(EalMemoryMode, InMemoryByDefaultAndHugepageFilesUnlinkedWhenThereAreAny) {
    using Args = std::vector<std::string>;
    Args a = {"rtpx-dataplane", "-l", "0-1"};
    add_memory_mode(a);
    EXPECT_EQ(a, (Args{"rtpx-dataplane", "-l", "0-1", "--in-memory"}));
    a = {"x", "--file-prefix=dp1"};  // hugepage files named dp1map_*: unlinked once mapped
    add_memory_mode(a);
    EXPECT_EQ(a, (Args{"x", "--file-prefix=dp1", "--huge-unlink"}));
    a = {"x", "--no-huge", "--no-shconf", "--file-prefix=t"};  // no hugepage files at all
    add_memory_mode(a);
    EXPECT_EQ(a, (Args{"x", "--no-huge", "--no-shconf", "--file-prefix=t"}));
    a = {"x", "--file-prefix=t", "--huge-unlink=never"};  // the operator's choice stands
    add_memory_mode(a);
    EXPECT_EQ(a, (Args{"x", "--file-prefix=t", "--huge-unlink=never"}));
}

}  // namespace
}  // namespace rtpx::dataplane
