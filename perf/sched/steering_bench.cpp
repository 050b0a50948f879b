// Steering costs: building the relay-port -> worker table for the whole 64k port space (RSS with
// the byte-table Toeplitz, IPv6 full tuple with a fixed remote, rte_flow rules, dispatcher
// interleave), the per-worker port allocator, and a dispatcher's per-packet lookup. Items are
// ports (or lookups). BM_Steering_RssBitwise64k computes the same RSS table with the bitwise
// reference hash: the baseline the table method is measured against.
//
//   build/ci/perf/sched_steering_bench --benchmark_repetitions=7
//       --benchmark_report_aggregates_only=true   (one command line)
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "rtpx/sched/steering.hpp"
#include "rtpx/sched/toeplitz.hpp"

namespace {

using namespace rtpx::sched;

constexpr PortRange kAll{1, 65535};
const std::vector<std::uint16_t> kReta = default_reta(512, 16);
const std::vector<std::uint8_t> kWorkers = [] {
    std::vector<std::uint8_t> w(16);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::uint8_t>(i);
    return w;
}();

void BM_Steering_RssTable64k(benchmark::State& state) {
    const RssSpec spec{kMicrosoftRssKey, kReta};
    for (auto _ : state) {
        auto table = make_rss_table(spec, kWorkers, kAll);
        benchmark::DoNotOptimize(table->bytes().data());
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_RssTable64k)->Unit(benchmark::kMicrosecond);

void BM_Steering_RssTable64kIpv6(benchmark::State& state) {
    RssSpec spec{kMicrosoftRssKey, kReta, RssInput::kIpv6Udp};
    spec.remote_addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    spec.local_addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    spec.remote_port = 5004;
    for (auto _ : state) {
        auto table = make_rss_table(spec, kWorkers, kAll);
        benchmark::DoNotOptimize(table->bytes().data());
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_RssTable64kIpv6)->Unit(benchmark::kMicrosecond);

void BM_Steering_RssBitwise64k(benchmark::State& state) {
    const RssSpec spec{kMicrosoftRssKey, kReta};
    for (auto _ : state) {
        SteeringTable table;
        for (std::uint32_t p = kAll.first; p <= kAll.last; ++p) {
            const auto port = static_cast<std::uint16_t>(p);
            table.set(port, kWorkers[rss_queue_of(spec, port)]);
        }
        benchmark::DoNotOptimize(table.bytes().data());
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_RssBitwise64k)->Unit(benchmark::kMicrosecond);

void BM_Steering_FlowRules64k(benchmark::State& state) {
    for (auto _ : state) {
        auto flow = make_flow_rules(kAll, kWorkers);
        benchmark::DoNotOptimize(flow->rules.data());
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_FlowRules64k)->Unit(benchmark::kMicrosecond);

void BM_Steering_Interleaved64k(benchmark::State& state) {
    for (auto _ : state) {
        auto table = make_interleaved_table(kAll, 16);
        benchmark::DoNotOptimize(table->bytes().data());
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_Interleaved64k)->Unit(benchmark::kMicrosecond);

void BM_Steering_AllocatorBuild64k(benchmark::State& state) {
    const auto table = make_rss_table(RssSpec{kMicrosoftRssKey, kReta}, kWorkers, kAll);
    for (auto _ : state) {
        RelayPortAllocator ports(*table, kAll, PortUnit::kSingle);
        benchmark::DoNotOptimize(ports.available(0));
    }
    state.SetItemsProcessed(state.iterations() * 65535);
}
BENCHMARK(BM_Steering_AllocatorBuild64k)->Unit(benchmark::kMicrosecond);

void BM_Steering_AllocateRelease(benchmark::State& state) {
    const auto table = make_rss_table(RssSpec{kMicrosoftRssKey, kReta}, kWorkers, kAll);
    RelayPortAllocator ports(*table, kAll, PortUnit::kSingle);
    std::uint8_t w = 0;
    for (auto _ : state) {
        auto p = ports.allocate(w);
        benchmark::DoNotOptimize(p);
        ports.release(*p);
        w = (w + 1) & 15;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Steering_AllocateRelease);

// A dispatcher's lookup for a burst of 32 packets to random relay ports.
void BM_Steering_DispatchLookup(benchmark::State& state) {
    const auto table = make_interleaved_table(PortRange{16384, 32767}, 8);
    std::vector<std::uint16_t> dst(4096);
    std::uint32_t lcg = 3;
    for (auto& p : dst) {
        lcg = lcg * 1664525u + 1013904223u;
        p = static_cast<std::uint16_t>(16384 + (lcg >> 18));
    }
    std::size_t i = 0;
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (int k = 0; k < 32; ++k) sum += table->worker_of(dst[(i + k) & 4095]);
        i += 32;
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_Steering_DispatchLookup);

}  // namespace
