// Load-aware call assignment, alone and together with steering and the relay port allocator.
#include "rtpx/sched/call_assigner.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {
namespace {

TEST(CallAssigner, ExpectedPacketRateFollowsPtime) {
    EXPECT_EQ(expected_packet_rate(20), 100u);     // 50 pps from each leg
    EXPECT_EQ(expected_packet_rate(30), 68u);      // 34 (rounded up) each way
    EXPECT_EQ(expected_packet_rate(20, 2), 200u);  // two streams
    EXPECT_EQ(expected_packet_rate(0), 100u);      // unknown ptime: 20 ms
}

TEST(CallAssigner, PicksTheLeastLoadedWorkerByPacketRate) {
    CallAssigner assigner(3);
    const auto a = assigner.assign(expected_packet_rate(10));  // 200 pps
    const auto b = assigner.assign(expected_packet_rate(20));  // 100 pps
    const auto c = assigner.assign(expected_packet_rate(20));
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->worker, 0);
    EXPECT_EQ(b->worker, 1);
    EXPECT_EQ(c->worker, 2);
    // Workers 1 and 2 carry 100 pps, worker 0 200: the next two calls go to 1 and 2.
    EXPECT_EQ(assigner.assign(100)->worker, 1);
    EXPECT_EQ(assigner.assign(100)->worker, 2);
    EXPECT_EQ(assigner.load(0), 200u);
    EXPECT_EQ(assigner.load(1), 200u);
    EXPECT_EQ(assigner.calls(1), 2u);
}

TEST(CallAssigner, ReleaseReturnsTheLoad) {
    CallAssigner assigner(2);
    const auto heavy = assigner.assign(1000);
    ASSERT_TRUE(heavy);
    EXPECT_EQ(assigner.assign(100)->worker, 1);
    assigner.release(*heavy);
    EXPECT_EQ(assigner.load(0), 0u);
    EXPECT_EQ(assigner.calls(0), 0u);
    EXPECT_EQ(assigner.assign(100)->worker, 0);
    assigner.release(CallAssignment{200, 5});  // unknown worker: ignored
}

TEST(CallAssigner, DisabledWorkersGetNoNewCalls) {
    CallAssigner assigner(2);
    assigner.set_enabled(0, false);
    EXPECT_EQ(assigner.assign(100)->worker, 1);
    EXPECT_EQ(assigner.assign(100)->worker, 1);
    assigner.set_enabled(1, false);
    EXPECT_FALSE(assigner.assign(100));
}

TEST(CallAssigner, WithRssSteeringBothLegsGetPortsOnTheChosenWorker) {
    // Four workers polling queues 0-3 of a NIC hashing the UDP destination port.
    const auto reta = default_reta(128, 4);
    const std::uint8_t workers[] = {0, 1, 2, 3};
    const PortRange range{30000, 30999};
    auto table = make_rss_table(RssSpec{kMicrosoftRssKey, reta}, workers, range);
    ASSERT_TRUE(table);
    RelayPortAllocator ports(*table, range, PortUnit::kSingle);
    CallAssigner assigner(4);
    std::vector<CallAssignment> calls;
    for (int i = 0; i < 200; ++i) {
        auto call = assigner.assign_if(expected_packet_rate(20),
                                       [&](std::uint8_t w) { return ports.available(w) >= 2; });
        ASSERT_TRUE(call);
        const auto leg_a = ports.allocate(call->worker);
        const auto leg_b = ports.allocate(call->worker);
        ASSERT_TRUE(leg_a && leg_b);
        EXPECT_EQ(table->worker_of(*leg_a), call->worker);
        EXPECT_EQ(table->worker_of(*leg_b), call->worker);
        calls.push_back(*call);
    }
    for (std::uint8_t w = 0; w < 4; ++w) EXPECT_EQ(assigner.calls(w), 50u);
    for (const auto& c : calls) assigner.release(c);
    for (std::uint8_t w = 0; w < 4; ++w) EXPECT_EQ(assigner.load(w), 0u);
}

}  // namespace
}  // namespace rtpx::sched
