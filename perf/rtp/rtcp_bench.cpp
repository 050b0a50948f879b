// RTCP micro-benchmarks: walking and reading a typical compound, building transport-cc feedback.
//
//   build/ci/perf/rtp_rtcp_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "rtpx/rtp/rtcp/rtcp.hpp"

namespace {

using namespace rtpx::rtp;
using namespace rtpx::rtp::rtcp;

// SR with one report block + SDES with a CNAME: what most endpoints send every few seconds.
std::array<std::uint8_t, 128> make_sr_sdes(std::size_t& size) {
    std::array<std::uint8_t, 128> buf{};
    CompoundBuilder cb(buf);
    const ReportBlock blocks[] = {{0x9ABCDEF0, 25, -2, 0x0001002A, 16, 0x5A8C0000, 0x18000}};
    (void)cb.append(SenderReportBuilder{.ssrc = 0x12345678,
                                        .sender_info = {0xE65A8C00, 0x80000000, 123456, 100, 16000},
                                        .report_blocks = blocks});
    static const std::uint8_t cname[] = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
    const SdesItem items[] = {{SdesItemType::kCname, ByteSpan(cname, sizeof(cname) - 1), {}}};
    const SdesChunk chunks[] = {{0x12345678, items}};
    (void)cb.append(SdesBuilder{.chunks = chunks});
    size = cb.size();
    return buf;
}

void BM_Rtcp_ParseSrSdes(benchmark::State& state) {
    std::size_t size = 0;
    const auto buf = make_sr_sdes(size);
    const ByteSpan compound(buf.data(), size);
    for (auto _ : state) {
        std::uint64_t sum = 0;
        auto n = for_each_packet(compound, [&](const PacketView& p, std::size_t) {
            if (p.is(PacketType::kSr)) {
                auto sr = SenderReportView::parse(p);
                if (!sr) return;
                sum += sr->ssrc() + sr->ntp_sec() + sr->ntp_frac() + sr->rtp_ts() +
                       sr->packet_count() + sr->octet_count();
                for (std::size_t i = 0; i < sr->report_block_count(); ++i) {
                    const ReportBlock b = sr->report_block(i);
                    sum += b.ssrc + b.fraction_lost +
                           static_cast<std::uint32_t>(b.cumulative_lost) + b.highest_seq +
                           b.jitter + b.lsr + b.dlsr;
                }
            } else if (p.is(PacketType::kSdes)) {
                auto sdes = SdesView::parse(p);
                if (!sdes) return;
                sdes->for_each_chunk([&](const SdesChunkView& c) {
                    sum += c.ssrc();
                    c.for_each_item([&](const SdesItem& it) { sum += it.value.size(); });
                });
            }
        });
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Rtcp_ParseSrSdes);

// Baseline for the one above: the compound walk alone (header checks, no field reads).
void BM_Rtcp_WalkSrSdesHeaders(benchmark::State& state) {
    std::size_t size = 0;
    const auto buf = make_sr_sdes(size);
    const ByteSpan compound(buf.data(), size);
    for (auto _ : state) {
        std::size_t sum = 0;
        auto n =
            for_each_packet(compound, [&](const PacketView& p, std::size_t) { sum += p.size(); });
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Rtcp_WalkSrSdesHeaders);

// 100 received packets with a small gap every 10 (one lost), ~1-3 ms apart; write the feedback.
void BM_Rtcp_BuildTransportFeedback100(benchmark::State& state) {
    std::array<std::uint8_t, 1500> out{};
    std::size_t bytes = 0;
    for (auto _ : state) {
        TransportFeedbackBuilder b(0x11111111, 0x22222222, 7);
        std::uint16_t seq = 65500;
        std::int64_t t = 123456789;
        for (int i = 0; i < 100; ++i) {
            seq = static_cast<std::uint16_t>(seq + (i % 10 == 9 ? 2 : 1));
            t += 1000 + (i % 3) * 1000;
            benchmark::DoNotOptimize(b.add_received(seq, t));
        }
        auto n = b.write(out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
        bytes = n ? *n : 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 100));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_Rtcp_BuildTransportFeedback100);

// Parsing and iterating the feedback the previous benchmark writes (the send side's work).
void BM_Rtcp_ParseTransportFeedback100(benchmark::State& state) {
    TransportFeedbackBuilder b(0x11111111, 0x22222222, 7);
    std::uint16_t seq = 65500;
    std::int64_t t = 123456789;
    for (int i = 0; i < 100; ++i) {
        seq = static_cast<std::uint16_t>(seq + (i % 10 == 9 ? 2 : 1));
        t += 1000 + (i % 3) * 1000;
        (void)b.add_received(seq, t);
    }
    std::array<std::uint8_t, 1500> out{};
    const std::size_t size = *b.write(out);
    for (auto _ : state) {
        auto v = TransportFeedbackView::parse(ByteSpan(out.data(), size));
        std::int64_t sum = 0;
        if (v) {
            for (const auto& p : *v) sum += p.arrival_us + p.sequence;
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * b.packet_count()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Rtcp_ParseTransportFeedback100);

}  // namespace
