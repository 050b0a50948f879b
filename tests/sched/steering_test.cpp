// Steering tables (RSS, rte_flow rules, dispatcher) and the per-worker relay port allocator.
#include "rtpx/sched/steering.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {
namespace {

constexpr PortRange kRange{30000, 39999};

TEST(RssSteering, TableAgreesWithTheBitwiseHashForEveryPort) {
    const auto reta = default_reta(128, 4);
    const std::uint8_t workers[] = {7, 8, 9, 10};  // queue q is polled by plan worker 7 + q
    RssSpec spec{kMicrosoftRssKey, reta};
    auto table = make_rss_table(spec, workers, kRange);
    ASSERT_TRUE(table) << table.error().what;
    std::map<std::uint8_t, std::size_t> per_worker;
    for (std::uint32_t p = kRange.first; p <= kRange.last; ++p) {
        const auto port = static_cast<std::uint16_t>(p);
        ASSERT_EQ(table->worker_of(port), workers[rss_queue_of(spec, port)]) << p;
        ++per_worker[table->worker_of(port)];
    }
    EXPECT_EQ(table->worker_of(kRange.first - 1), kNoWorker);
    EXPECT_EQ(table->worker_of(kRange.last + 1), kNoWorker);
    // Every queue gets a share: the low 7 hash bits of consecutive ports are well spread.
    ASSERT_EQ(per_worker.size(), 4u);
    for (auto [w, n] : per_worker) EXPECT_GT(n, 2000u) << "worker " << int(w);
}

TEST(RssSteering, L4DstOnlyHashesTheTwoPortBytes) {
    const auto reta = default_reta(512, 8);
    RssSpec spec{kMicrosoftRssKey, reta};
    const std::uint8_t port[] = {0x75, 0x30};  // 30000
    EXPECT_EQ(rss_queue_of(spec, 30000), reta[toeplitz_hash(kMicrosoftRssKey, port) % 512]);
}

TEST(RssSteering, FullTupleWithFixedRemoteMatchesTheMicrosoftVector) {
    // 66.9.149.187:2794 -> 161.142.100.80:1766 hashes to 0x51ccc178 (Microsoft RSS suite).
    const auto reta = default_reta(128, 128);
    RssSpec spec{kMicrosoftRssKey, reta, RssInput::kIpv4Udp};
    spec.remote_addr = {66, 9, 149, 187};
    spec.local_addr = {161, 142, 100, 80};
    spec.remote_port = 2794;
    EXPECT_EQ(rss_queue_of(spec, 1766), 0x51ccc178 % 128);
    std::vector<std::uint8_t> identity(128);
    for (std::size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<std::uint8_t>(i);
    auto table = make_rss_table(spec, identity, PortRange{1000, 2000});
    ASSERT_TRUE(table);
    EXPECT_EQ(table->worker_of(1766), 0x51ccc178 % 128);
}

TEST(RssSteering, RejectsBadInput) {
    const auto reta = default_reta(100, 4);
    const std::uint8_t workers[] = {0, 1, 2, 3};
    EXPECT_EQ(make_rss_table(RssSpec{kMicrosoftRssKey, reta}, workers, kRange).error().code,
              SteeringErrc::kBadReta);
    const auto reta128 = default_reta(128, 8);
    EXPECT_EQ(make_rss_table(RssSpec{kMicrosoftRssKey, reta128}, workers, kRange).error().code,
              SteeringErrc::kBadReta);  // queues 4..7 have no worker entry
    const std::uint8_t short_key[5] = {};
    const auto reta4 = default_reta(128, 4);
    EXPECT_EQ(make_rss_table(RssSpec{short_key, reta4}, workers, kRange).error().code,
              SteeringErrc::kBadKey);
    EXPECT_EQ(
        make_rss_table(RssSpec{kMicrosoftRssKey, reta4}, workers, PortRange{0, 10}).error().code,
        SteeringErrc::kBadRange);
}

TEST(FlowSteering, RulesCoverTheRangeExactlyOnceAndAgreeWithTheTable) {
    const std::uint8_t workers[] = {3, 4, 5};
    auto flow = make_flow_rules(PortRange{10000, 19999}, workers);
    ASSERT_TRUE(flow) << flow.error().what;
    for (std::uint32_t p = 1; p < 65536; ++p) {
        int matches = 0;
        std::uint8_t worker = kNoWorker;
        for (const FlowRule& r : flow->rules) {
            if ((p & r.mask) == r.spec) {
                ++matches;
                worker = r.worker;
                ASSERT_EQ(r.worker, workers[r.queue]);
            }
        }
        const bool in_range = p >= 10000 && p <= 19999;
        ASSERT_EQ(matches, in_range ? 1 : 0) << p;
        ASSERT_EQ(flow->table.worker_of(static_cast<std::uint16_t>(p)), worker) << p;
    }
    // Contiguous blocks, boundaries on even ports (an RTP/RTCP pair never splits).
    for (std::uint32_t p = 10000; p < 19999; p += 2) {
        EXPECT_EQ(flow->table.worker_of(static_cast<std::uint16_t>(p)),
                  flow->table.worker_of(static_cast<std::uint16_t>(p + 1)));
    }
    EXPECT_EQ(flow->table.worker_of(10000), 3);
    EXPECT_EQ(flow->table.worker_of(19999), 5);
    EXPECT_LT(flow->rules.size(), 3u * 2u * 16u);  // at most two prefix chains per block
}

TEST(FlowSteering, WholePortSpaceIsFewRules) {
    const std::uint8_t workers[] = {0, 1};
    auto flow = make_flow_rules(PortRange{32768, 65535}, workers);
    ASSERT_TRUE(flow);
    ASSERT_EQ(flow->rules.size(), 2u);
    EXPECT_EQ(flow->rules[0].spec, 32768);
    EXPECT_EQ(flow->rules[0].mask, 0xC000);
    EXPECT_EQ(flow->rules[1].spec, 49152);
    EXPECT_EQ(flow->rules[1].mask, 0xC000);
}

TEST(DispatchTable, PairsGoRoundRobinAndStayTogether) {
    auto table = make_interleaved_table(PortRange{20000, 20011}, 3);
    ASSERT_TRUE(table);
    const std::uint8_t expected[] = {0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2};
    for (std::uint16_t i = 0; i < 12; ++i) EXPECT_EQ(table->worker_of(20000 + i), expected[i]);
    EXPECT_EQ(table->worker_of(19999), kNoWorker);
    EXPECT_EQ(sizeof(SteeringTable), 65536u);
    EXPECT_FALSE(make_interleaved_table(PortRange{20000, 20011}, 0));
}

TEST(RelayPortAllocator, HandsOutOnlyPortsTheWorkerReceives) {
    const auto reta = default_reta(128, 4);
    const std::uint8_t workers[] = {0, 1, 2, 3};
    auto table = make_rss_table(RssSpec{kMicrosoftRssKey, reta}, workers, kRange);
    ASSERT_TRUE(table);
    RelayPortAllocator ports(*table, kRange, PortUnit::kSingle);
    std::size_t total = 0;
    for (std::uint8_t w = 0; w < 4; ++w) total += ports.available(w);
    EXPECT_EQ(total, kRange.size());
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 1000; ++i) {
        auto p = ports.allocate(2);
        ASSERT_TRUE(p);
        EXPECT_EQ(table->worker_of(*p), 2);
        EXPECT_TRUE(seen.insert(*p).second);
        EXPECT_TRUE(ports.allocated(*p));
    }
    EXPECT_EQ(ports.available(4), 0u);
    EXPECT_FALSE(ports.allocate(4));
}

TEST(RelayPortAllocator, PairsHaveBothPortsOnTheWorker) {
    auto table = make_interleaved_table(kRange, 4);
    ASSERT_TRUE(table);
    RelayPortAllocator ports(*table, kRange, PortUnit::kPair);
    EXPECT_EQ(ports.available(1), kRange.size() / 2 / 4);
    for (int i = 0; i < 100; ++i) {
        auto p = ports.allocate(1);
        ASSERT_TRUE(p);
        EXPECT_EQ(*p % 2, 0);
        EXPECT_EQ(table->worker_of(*p), 1);
        EXPECT_EQ(table->worker_of(static_cast<std::uint16_t>(*p + 1)), 1);
    }
}

TEST(RelayPortAllocator, ReleasedPortsAreReusedLast) {
    auto table = make_interleaved_table(PortRange{40000, 40007}, 1);
    ASSERT_TRUE(table);
    RelayPortAllocator ports(*table, PortRange{40000, 40007}, PortUnit::kPair);
    ASSERT_EQ(ports.available(0), 4u);
    const auto a = ports.allocate(0);
    ASSERT_EQ(a, 40000);
    EXPECT_TRUE(ports.release(*a));
    EXPECT_FALSE(ports.release(*a));     // twice
    EXPECT_FALSE(ports.release(40001));  // odd half of a pair is not an allocation unit
    EXPECT_FALSE(ports.release(50000));  // outside the range
    EXPECT_EQ(ports.allocate(0), 40002);
    EXPECT_EQ(ports.allocate(0), 40004);
    EXPECT_EQ(ports.allocate(0), 40006);
    EXPECT_EQ(ports.allocate(0), 40000);  // the released one comes back last
    EXPECT_FALSE(ports.allocate(0));
}

}  // namespace
}  // namespace rtpx::sched
