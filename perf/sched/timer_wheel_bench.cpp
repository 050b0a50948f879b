// Timer wheel costs: arm + cancel (a timer set and stopped, e.g. a transport-cc feedback timer
// superseded), reschedule (an inactivity timeout pushed back), advance over a slot with nothing
// due (the poll loop's cost when idle), and advance firing timers that re-arm themselves (RTCP
// report timers), per fired timer. BM_Multimap_InsertErase is the baseline measured in the same
// run: the same arm/cancel pattern on a std::multimap ordered by expiry, the obvious alternative.
//
//   build/ci/perf/sched_timer_wheel_bench --benchmark_repetitions=7
//       --benchmark_report_aggregates_only=true   (one command line)
#include <cstdint>
#include <map>
#include <vector>

#include <benchmark/benchmark.h>

#include "rtpx/sched/timer_wheel.hpp"

namespace {

using namespace rtpx::sched;

constexpr unsigned kShift = 18;                 // 87 us slots at 3 GHz
constexpr std::uint64_t kMs = 3'000'000;        // TSC ticks per millisecond at 3 GHz
constexpr std::uint32_t kBackground = 100'000;  // timers already pending (a busy worker)

// Delays from 5 ms to 5 min, the range of transport-cc feedback to inactivity timeouts.
std::vector<std::uint64_t> delays(std::size_t n) {
    std::vector<std::uint64_t> out(n);
    std::uint32_t lcg = 7;
    for (auto& d : out) {
        lcg = lcg * 1664525u + 1013904223u;
        const std::uint64_t scale[] = {5 * kMs, 100 * kMs, 5000 * kMs, 300'000 * kMs};
        d = scale[lcg >> 30] + (lcg & 0xFFFFF);
    }
    return out;
}

TimerWheel busy_wheel(std::uint32_t extra) {
    TimerWheel wheel(TimerWheelConfig{kBackground + extra, kShift, 0});
    for (std::uint64_t d : delays(kBackground)) (void)wheel.arm(d, 0);
    return wheel;
}

void BM_TimerWheel_ArmCancel(benchmark::State& state) {
    TimerWheel wheel = busy_wheel(1);
    const auto ds = delays(4096);
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t cookie = i++;
        auto h = wheel.arm(ds[cookie & 4095], cookie);
        benchmark::DoNotOptimize(h);
        wheel.cancel(*h);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerWheel_ArmCancel);

void BM_Multimap_InsertErase(benchmark::State& state) {
    std::multimap<std::uint64_t, std::uint64_t> timers;
    for (std::uint64_t d : delays(kBackground)) timers.emplace(d, 0);
    const auto ds = delays(4096);
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t cookie = i++;
        auto it = timers.emplace(ds[cookie & 4095], cookie);
        benchmark::DoNotOptimize(it);
        timers.erase(it);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Multimap_InsertErase);

void BM_TimerWheel_Reschedule(benchmark::State& state) {
    TimerWheel wheel = busy_wheel(1);
    auto h = wheel.arm(60'000 * kMs, 1);
    const auto ds = delays(4096);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(wheel.reschedule(*h, ds[i++ & 4095]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerWheel_Reschedule);

// One poll-loop call per slot with nothing due in it (timers pending further out).
void BM_TimerWheel_AdvanceIdle(benchmark::State& state) {
    TimerWheel wheel(TimerWheelConfig{1024, kShift, 0});
    for (std::uint32_t i = 0; i < 1000; ++i) (void)wheel.arm((3'600'000 + i) * kMs, i);
    std::uint64_t now = 0;
    for (auto _ : state) {
        now += std::uint64_t{1} << kShift;
        benchmark::DoNotOptimize(wheel.advance(now, [](TimerHandle, std::uint64_t) {}));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerWheel_AdvanceIdle);

// 20 000 RTCP-like timers (5 s +- spread) re-arming themselves on expiry; items are fired timers.
void BM_TimerWheel_AdvanceFire(benchmark::State& state) {
    constexpr std::uint32_t kTimers = 20'000;
    TimerWheel wheel(TimerWheelConfig{kTimers, kShift, 0});
    std::uint32_t lcg = 1;
    for (std::uint32_t i = 0; i < kTimers; ++i) {
        lcg = lcg * 1664525u + 1013904223u;
        (void)wheel.arm(lcg % (5000 * kMs), i);
    }
    std::uint64_t now = 0;
    std::size_t fired = 0;
    for (auto _ : state) {
        now += kMs;
        fired += wheel.advance(now, [&](TimerHandle, std::uint64_t cookie) {
            (void)wheel.arm(now + 5000 * kMs - (cookie & 0xFFFF) * 1000, cookie);
        });
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(fired));
}
BENCHMARK(BM_TimerWheel_AdvanceFire);

}  // namespace
