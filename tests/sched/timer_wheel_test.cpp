// TimerWheel: exact behaviour on virtual time, and a property test against the reference model of
// timer_wheel_model.hpp over random operation sequences (the fuzzer drives the same harness).
#include "rtpx/sched/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "timer_wheel_model.hpp"

namespace rtpx::sched {
namespace {

constexpr unsigned kShift = 10;  // 1024 ticks per slot
constexpr std::uint64_t kSlot = 1u << kShift;

std::vector<std::uint64_t> advance(TimerWheel& wheel, std::uint64_t now) {
    std::vector<std::uint64_t> fired;
    wheel.advance(now, [&](TimerHandle, std::uint64_t cookie) { fired.push_back(cookie); });
    return fired;
}

TEST(TimerWheel, FiresNeverEarlyAndWithinOneSlot) {
    TimerWheel wheel(TimerWheelConfig{16, kShift, 0});
    ASSERT_TRUE(wheel.arm(5 * kSlot + 3, 7));
    EXPECT_TRUE(advance(wheel, 5 * kSlot + 3).empty());  // due tick reached, slot 5 not over
    EXPECT_TRUE(advance(wheel, 6 * kSlot - 1).empty());
    EXPECT_EQ(advance(wheel, 6 * kSlot), std::vector<std::uint64_t>{7});
    EXPECT_EQ(wheel.armed(), 0u);
}

TEST(TimerWheel, FiresInSlotOrderAcrossLevels) {
    TimerWheel wheel(TimerWheelConfig{16, kShift, 1000 * kSlot});
    const std::uint64_t base = 1000 * kSlot;
    // 20 ms, 5 s and 10 min at 1 tick = 1 us: levels 0/1, 2 and 3 of the wheel.
    ASSERT_TRUE(wheel.arm(base + 600'000'000, 3));
    ASSERT_TRUE(wheel.arm(base + 20'000, 1));
    ASSERT_TRUE(wheel.arm(base + 5'000'000, 2));
    EXPECT_EQ(advance(wheel, base + 10'000), std::vector<std::uint64_t>{});
    EXPECT_EQ(advance(wheel, base + 700'000'000), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(TimerWheel, CancelIsSafeOnStaleHandles) {
    TimerWheel wheel(TimerWheelConfig{1, kShift, 0});
    auto a = wheel.arm(kSlot, 1);
    ASSERT_TRUE(a);
    EXPECT_TRUE(wheel.pending(*a));
    EXPECT_TRUE(wheel.cancel(*a));
    EXPECT_FALSE(wheel.cancel(*a));  // already cancelled
    auto b = wheel.arm(kSlot, 2);    // reuses the node with a new generation
    ASSERT_TRUE(b);
    EXPECT_EQ(b->index, a->index);
    EXPECT_FALSE(wheel.cancel(*a));  // the old handle must not cancel the new timer
    EXPECT_TRUE(wheel.pending(*b));
    EXPECT_EQ(advance(wheel, 2 * kSlot), std::vector<std::uint64_t>{2});
    EXPECT_FALSE(wheel.cancel(*b));  // fired
    EXPECT_FALSE(wheel.cancel(TimerHandle{}));
    EXPECT_FALSE(wheel.cancel(TimerHandle{99, 1}));
}

TEST(TimerWheel, PoolExhaustionIsAnErrorNotAnAllocation) {
    TimerWheel wheel(TimerWheelConfig{2, kShift, 0});
    ASSERT_TRUE(wheel.arm(kSlot, 1));
    ASSERT_TRUE(wheel.arm(kSlot, 2));
    auto third = wheel.arm(kSlot, 3);
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error(), TimerErrc::kPoolExhausted);
    EXPECT_EQ(advance(wheel, 2 * kSlot).size(), 2u);
    EXPECT_TRUE(wheel.arm(kSlot, 3));  // a timer armed in the past fires in the next slot
    EXPECT_EQ(advance(wheel, 3 * kSlot), std::vector<std::uint64_t>{3});
}

TEST(TimerWheel, RescheduleKeepsTheHandle) {
    TimerWheel wheel(TimerWheelConfig{4, kShift, 0});
    auto t = wheel.arm(10 * kSlot, 5);
    ASSERT_TRUE(t);
    EXPECT_TRUE(wheel.reschedule(*t, 100'000 * kSlot));  // an inactivity timeout pushed back
    EXPECT_TRUE(advance(wheel, 50'000 * kSlot).empty());
    EXPECT_TRUE(wheel.pending(*t));
    EXPECT_TRUE(wheel.reschedule(*t, 60'000 * kSlot));
    EXPECT_EQ(advance(wheel, 60'001 * kSlot), std::vector<std::uint64_t>{5});
}

TEST(TimerWheel, TimersBeyondTheTopLevelWaitOnTheOverflowList) {
    TimerWheel wheel(TimerWheelConfig{4, 0, 0});  // 1 tick per slot: 2^32 slots is 2^32 ticks
    const std::uint64_t far = (std::uint64_t{1} << 40) + 12345;
    ASSERT_TRUE(wheel.arm(far, 1));
    ASSERT_TRUE(wheel.arm(3, 2));
    EXPECT_EQ(advance(wheel, 4), std::vector<std::uint64_t>{2});
    EXPECT_TRUE(advance(wheel, far).empty());
    EXPECT_EQ(advance(wheel, far + 1), std::vector<std::uint64_t>{1});
}

TEST(TimerWheel, CallbackReArmingItselfFiresOncePerSlotAndTerminates) {
    TimerWheel wheel(TimerWheelConfig{4, kShift, 0});
    ASSERT_TRUE(wheel.arm(0, 1));
    std::size_t calls = 0;
    // Each callback re-arms "now" (already due): it lands in the next slot, so one advance over
    // 10 slots fires it once per slot, and the loop ends.
    wheel.advance(10 * kSlot, [&](TimerHandle, std::uint64_t cookie) {
        ++calls;
        ASSERT_TRUE(wheel.arm(0, cookie));
    });
    EXPECT_EQ(calls, 10u);
    EXPECT_EQ(wheel.armed(), 1u);
}

TEST(TimerWheel, CallbackMayCancelATimerDueInTheSameSlot) {
    TimerWheel wheel(TimerWheelConfig{4, kShift, 0});
    auto a = wheel.arm(kSlot / 2, 1);
    auto b = wheel.arm(kSlot / 2, 2);
    ASSERT_TRUE(a && b);
    std::vector<std::uint64_t> fired;
    wheel.advance(kSlot, [&](TimerHandle, std::uint64_t cookie) {
        fired.push_back(cookie);
        wheel.cancel(cookie == 1 ? *b : *a);
    });
    EXPECT_EQ(fired.size(), 1u);
    EXPECT_EQ(wheel.armed(), 0u);
}

TEST(TimerWheel, LongIdleGapIsSkippedNotWalked) {
    TimerWheel wheel(TimerWheelConfig{4, 0, 0});
    ASSERT_TRUE(wheel.arm(std::uint64_t{1} << 31, 1));
    // 2^31 one-tick slots: walking them one by one would take seconds; the bitmaps skip them.
    EXPECT_EQ(advance(wheel, (std::uint64_t{1} << 31) + 1), std::vector<std::uint64_t>{1});
    EXPECT_EQ(wheel.next_slot(), (std::uint64_t{1} << 31) + 1);
}

TEST(TimerWheel, SlotShiftForTsc) {
    EXPECT_EQ(TimerWheel::slot_shift_for(3'000'000'000, 100'000), 18u);  // 87 us slots at 3 GHz
    EXPECT_EQ(TimerWheel::slot_shift_for(1'000'000'000, 1'000), 9u);
    EXPECT_EQ(TimerWheel::slot_shift_for(1'000, 1), 0u);
}

TEST(TimerWheelProperty, AgreesWithTheReferenceModelOnRandomOperations) {
    std::mt19937_64 rng(20261124);
    std::size_t fired = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<std::uint8_t> ops(64 + rng() % 2048);
        for (auto& b : ops) b = static_cast<std::uint8_t>(rng());
        const std::uint64_t start = round % 3 == 0 ? 0 : rng() >> 24;
        test::TimerWheelHarness harness(start);
        const auto error = harness.run(ops);
        ASSERT_FALSE(error) << "round " << round << ": " << *error;
        fired += harness.fired();
    }
    EXPECT_GT(fired, 10'000u);  // the sequences did exercise expiry
}

}  // namespace
}  // namespace rtpx::sched
