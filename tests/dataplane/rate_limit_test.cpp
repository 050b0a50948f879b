// The per-flow rate limit (rte_meter srTCM as a token bucket) on synthetic mbufs: the meter alone
// in virtual time, then whole bursts through a Worker on a net_ring vdev with chosen arrival times.
// One EAL per process: --no-huge --no-shconf, unique prefix.
#include "rtpx/dataplane/rate_meter.hpp"

#include <vector>

#include <gtest/gtest.h>
#include <rte_cycles.h>

#include "frames.hpp"
#include "ring_worker_fixture.hpp"

namespace rtpx::dataplane {
namespace {

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new RingEnvironment("rate-limit"));

constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;  // virtual Unix time, ns
constexpr std::int64_t kMs = 1'000'000;

TEST(RateMeter, ABurstThenTheCommittedRate) {
    auto meter = RateMeter::make({100, 10, 0, 0}, rte_get_tsc_hz());
    ASSERT_TRUE(meter) << meter.error();
    // The bucket starts full: 10 packets at once, then nothing more at the same instant.
    int conform = 0;
    for (int i = 0; i < 15; ++i) conform += meter->conform(200, kT0) ? 1 : 0;
    EXPECT_EQ(conform, 10);
    // Then 200 packets/s offered for 10 s: 100/s pass (within rte_meter's rounding).
    conform = 0;
    for (int i = 1; i <= 2000; ++i) conform += meter->conform(200, kT0 + i * 5 * kMs) ? 1 : 0;
    EXPECT_GE(conform, 990);
    EXPECT_LE(conform, 1010);
}

TEST(RateMeter, ByteLimitCountsPayloadBytes) {
    auto meter = RateMeter::make({0, 0, 8000, 1000}, rte_get_tsc_hz());
    ASSERT_TRUE(meter) << meter.error();
    EXPECT_TRUE(meter->conform(600, kT0));
    EXPECT_FALSE(meter->conform(600, kT0));  // 400 left
    EXPECT_TRUE(meter->conform(400, kT0));
    EXPECT_FALSE(meter->conform(1, kT0));
    EXPECT_TRUE(meter->conform(80, kT0 + 11 * kMs));  // 11 ms at 8000 B/s: 88 bytes
    EXPECT_FALSE(meter->conform(80, kT0 + 11 * kMs));
}

TEST(RateMeter, RefusesWhatRteMeterRefusesNamingTheField) {
    auto meter = RateMeter::make({5, 0, 0, 0}, rte_get_tsc_hz());
    ASSERT_FALSE(meter);
    EXPECT_EQ(meter.error(), "rate_limit.packets_per_s: rte_meter refuses this rate and burst");
    EXPECT_FALSE(RateMeter::make({}, rte_get_tsc_hz())->enabled());
}

class RateLimitWorker : public RingWorkerTest {
  protected:
    // `count` RTP packets to `port` (seq from `first`) as one burst at `now_ns`; how many left.
    std::size_t burst(std::uint16_t port, std::uint16_t first, std::size_t count,
                      std::int64_t now_ns, std::size_t payload = 160) {
        std::vector<rte_mbuf*> in;
        for (std::size_t i = 0; i < count; ++i) {
            in.push_back(to_mbuf(
                frames::udp(port, frames::rtp(static_cast<std::uint16_t>(first + i), payload))));
        }
        worker_->process_burst(0, in.data(), static_cast<std::uint16_t>(in.size()), now_ns);
        worker_->flush();
        return drain().size();
    }
    flowapi::FlowCounters counters(const flowapi::FlowSpec& s) {
        return table_->stats({s.local})[0].counters;
    }
};

constexpr auto kRateLimited = static_cast<std::size_t>(DropReason::kRateLimited);

// 50 packets/s with a burst of 5: of 10 packets at once 5 pass; 110 ms later 5 tokens more.
// Drops are counted as rate_limited on the flow and the lcore; another flow is untouched.
TEST_F(RateLimitWorker, PacketLimitDropsTheExcessAsRateLimited) {
    auto limited = spec();
    limited.rate_limit = {50, 5, 0, 0};
    auto free_flow = spec();
    free_flow.local.port = 30010;
    ASSERT_TRUE(add(limited).ok);
    ASSERT_TRUE(add(free_flow).ok);
    EXPECT_EQ(burst(30000, 1, 10, kT0), 5u);
    EXPECT_EQ(burst(30010, 1, 10, kT0), 10u);
    EXPECT_EQ(burst(30000, 11, 10, kT0 + 110 * kMs), 5u);
    const auto c = counters(limited);
    EXPECT_EQ(c.packets, 10u);
    EXPECT_EQ(c.drops[kRateLimited], 10u);
    EXPECT_EQ(drops(DropReason::kRateLimited), 10u);
    EXPECT_EQ(counters(free_flow).drops[kRateLimited], 0u);
    // RFC 3550 statistics see only what passed (sequence numbers 6-10 and 16-20 never arrive).
    EXPECT_EQ(table_->stats({limited.local})[0].rtp.extended_highest_seq, 15u);
}

// 17200 bytes/s with a burst of 344: two 172-byte RTP packets, then 11 ms buys one more.
TEST_F(RateLimitWorker, ByteLimitMetersUdpPayloadBytes) {
    auto s = spec();
    s.rate_limit = {0, 0, 17'200, 344};
    ASSERT_TRUE(add(s).ok);
    EXPECT_EQ(burst(30000, 1, 4, kT0), 2u);
    EXPECT_EQ(burst(30000, 5, 4, kT0 + 11 * kMs), 1u);
    EXPECT_EQ(counters(s).drops[kRateLimited], 5u);
}

// A modify to a higher limit takes effect at once (a new configuration, full buckets); a modify
// that removes the limit stops the metering.
TEST_F(RateLimitWorker, ModifyChangesAndRemovesTheLimit) {
    auto s = spec();
    s.rate_limit = {10, 2, 0, 0};
    ASSERT_TRUE(add(s).ok);
    EXPECT_EQ(burst(30000, 1, 8, kT0), 2u);
    s.rate_limit = {1000, 6, 0, 0};
    ASSERT_TRUE(apply(flowapi::OpKind::kModify, s).ok);
    EXPECT_EQ(burst(30000, 9, 8, kT0 + kMs), 6u);
    s.rate_limit = {};
    ASSERT_TRUE(apply(flowapi::OpKind::kModify, s).ok);
    EXPECT_EQ(burst(30000, 17, 30, kT0 + 2 * kMs), 30u);
}

// Strict-source drops happen before the meter: a foreign source never spends the flow's budget.
TEST_F(RateLimitWorker, ForeignSourcesDoNotSpendTheBudget) {
    auto s = spec();
    s.latching = flowapi::Latching::kStrict;
    s.remote = *flowapi::parse_endpoint("198.51.100.7:4000");
    s.rate_limit = {10, 3, 0, 0};
    ASSERT_TRUE(add(s).ok);
    std::vector<rte_mbuf*> in;
    for (std::uint16_t i = 0; i < 8; ++i) {
        in.push_back(to_mbuf(frames::udp(30000, frames::rtp(i), 5555)));  // wrong source port
    }
    worker_->process_burst(0, in.data(), static_cast<std::uint16_t>(in.size()), kT0);
    worker_->flush();
    EXPECT_TRUE(drain().empty());
    EXPECT_EQ(burst(30000, 100, 5, kT0), 3u);
    const auto c = counters(s);
    EXPECT_EQ(c.drops[static_cast<std::size_t>(DropReason::kStrictSource)], 8u);
    EXPECT_EQ(c.drops[kRateLimited], 2u);
}

}  // namespace
}  // namespace rtpx::dataplane
