// steer_port: a plan's ports steered over a relay port range, every port to a worker that
// receives from that NIC (directly or through its dispatcher).
#include "rtpx/sched/port_steering.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace rtpx::sched {
namespace {

constexpr PortRange kRelay{20000, 29999};

Plan plan_with(SteeringMode mode, std::uint16_t queues, unsigned workers) {
    auto topo = load_topology_xml(RTPX_TEST_DATA_DIR "/topology/dual_socket_smt.xml");
    EXPECT_TRUE(topo);
    const PortSpec ports[] = {PortSpec{"0000:3b:00.0", 0, queues, true},
                              PortSpec{"0000:81:00.0", 1, queues, true}};
    PlanConfig cfg;
    cfg.steering = mode;
    cfg.workers = workers;
    auto plan = make_plan(*topo, ports, cfg);
    EXPECT_TRUE(plan) << plan.error().what;
    return *plan;
}

void expect_local_and_balanced(const Plan& plan, std::size_t port, const PortSteering& s) {
    const auto& rx = plan.ports[port].rx_workers;
    std::map<std::uint8_t, std::size_t> count;
    for (std::uint32_t p = kRelay.first; p <= kRelay.last; ++p) {
        const std::uint8_t w = s.table.worker_of(static_cast<std::uint16_t>(p));
        ASSERT_NE(std::find(rx.begin(), rx.end(), w), rx.end()) << "port " << p;
        ++count[w];
    }
    EXPECT_EQ(count.size(), rx.size());
    for (auto [w, n] : count) EXPECT_GT(n, kRelay.size() / rx.size() / 2) << int(w);
    EXPECT_EQ(s.table.worker_of(kRelay.last + 1), kNoWorker);
}

TEST(PortSteering, RssUsesTheWorkersPollingThePortsQueues) {
    const Plan plan = plan_with(SteeringMode::kRss, 64, 8);
    for (std::size_t port = 0; port < 2; ++port) {
        auto s = steer_port(plan, port, kRelay);
        ASSERT_TRUE(s) << s.error().what;
        EXPECT_EQ(s->mode, SteeringMode::kRss);
        EXPECT_EQ(s->reta.size(), 512u);
        expect_local_and_balanced(plan, port, *s);
    }
}

TEST(PortSteering, FlowRulesNameThePlanWorkers) {
    const Plan plan = plan_with(SteeringMode::kFlow, 64, 4);
    auto s = steer_port(plan, 1, kRelay);
    ASSERT_TRUE(s) << s.error().what;
    EXPECT_FALSE(s->flow_rules.empty());
    for (const FlowRule& r : s->flow_rules) {
        EXPECT_EQ(r.worker, plan.ports[1].rx_workers[r.queue]);
        EXPECT_EQ(plan.workers[r.worker].numa, 1);
    }
    expect_local_and_balanced(plan, 1, *s);
}

TEST(PortSteering, DispatchedPortSpreadsOverTheDispatchersWorkers) {
    const Plan plan = plan_with(SteeringMode::kDispatch, 1, 6);
    auto s = steer_port(plan, 0, kRelay);
    ASSERT_TRUE(s) << s.error().what;
    EXPECT_EQ(s->mode, SteeringMode::kDispatch);
    expect_local_and_balanced(plan, 0, *s);
    EXPECT_FALSE(steer_port(plan, 7, kRelay));
}

}  // namespace
}  // namespace rtpx::sched
