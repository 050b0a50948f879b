// Cost of the GCC estimator (draft-ietf-rmcat-gcc-02) per packet reported: one on_feedback call
// per 100 ms report of a 1 Mbps video-like stream (about 9 packets of 1200 bytes per report, 5 ms
// apart, sub-millisecond arrival jitter, 1 % loss). BM_Gcc_Baseline walks the same reports
// without an estimator: the difference is the estimator's cost.
//
//   build/ci/perf/rtp_gcc_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <array>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "rtpx/rtp/gcc.hpp"

namespace {

using namespace rtpx::rtp;

constexpr std::size_t kReports = 1000;
constexpr std::size_t kPerReport = 9;

const std::vector<std::array<GccPacket, kPerReport>>& reports() {
    static const auto r = [] {
        std::vector<std::array<GccPacket, kPerReport>> out(kReports);
        std::uint32_t lcg = 777;
        std::int64_t send = 0;
        std::size_t n = 0;
        for (auto& report : out) {
            for (auto& p : report) {
                lcg = lcg * 1664525u + 1013904223u;
                p.send_time_us = send;
                p.arrival_time_us = send + 30'000 + (lcg >> 22);  // 30 ms + up to 1 ms
                p.size_bytes = 1200;
                p.received = ++n % 100 != 0;
                send += 11'111;  // 9 per 100 ms
            }
        }
        return out;
    }();
    return r;
}

void BM_Gcc_OnFeedback(benchmark::State& state) {
    const auto& r = reports();
    GccEstimator gcc;
    std::size_t i = 0;
    std::int64_t now = 0;
    for (auto _ : state) {
        gcc.on_feedback(r[i], now, 40'000);
        benchmark::DoNotOptimize(gcc.target_bitrate_bps());
        now += 100'000;
        if (++i == r.size()) {
            i = 0;
            state.PauseTiming();
            gcc = GccEstimator();
            now = 0;
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPerReport));
}
BENCHMARK(BM_Gcc_OnFeedback);

void BM_Gcc_Baseline(benchmark::State& state) {
    const auto& r = reports();
    std::size_t i = 0;
    for (auto _ : state) {
        std::uint64_t sum = 0;
        for (const auto& p : r[i]) sum += p.size_bytes;
        benchmark::DoNotOptimize(sum);
        if (++i == r.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPerReport));
}
BENCHMARK(BM_Gcc_Baseline);

}  // namespace
