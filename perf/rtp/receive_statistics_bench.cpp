// Per-packet costs of the receive-side units: RFC 3550 statistics, first-byte demux, transport-cc
// recording, NACK gap tracking, and one E-model evaluation. BM_ReceiveStatistics_Baseline walks the
// same input arrays without doing any work: subtract it (or take the ratio) to get the unit's cost.
//
//   build/ci/perf/rtp_receive_statistics_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
#include <array>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "rtpx/rtp/demux.hpp"
#include "rtpx/rtp/feedback_policy.hpp"
#include "rtpx/rtp/quality.hpp"
#include "rtpx/rtp/receive_statistics.hpp"
#include "rtpx/rtp/transport_cc_recorder.hpp"

namespace {

using namespace rtpx::rtp;

constexpr std::size_t kPackets = 4096;

struct Stream {
    std::vector<std::uint16_t> seq;
    std::vector<std::uint32_t> ts;
    std::vector<std::int64_t> arrival_ns;
};

// 20 ms audio at 8 kHz, one packet in 100 lost, arrival jitter of up to ~1.3 ms.
const Stream& stream() {
    static const Stream s = [] {
        Stream st;
        std::uint32_t lcg = 12345;
        std::uint16_t seq = 1000;
        for (std::size_t i = 0; st.seq.size() < kPackets; ++i, ++seq) {
            if (i % 100 == 99) continue;
            lcg = lcg * 1664525u + 1013904223u;
            st.seq.push_back(seq);
            st.ts.push_back(static_cast<std::uint32_t>(seq) * 160u);
            st.arrival_ns.push_back(static_cast<std::int64_t>(i) * 20'000'000 + (lcg >> 12));
        }
        return st;
    }();
    return s;
}

void BM_ReceiveStatistics_Baseline(benchmark::State& state) {
    const Stream& s = stream();
    std::int64_t offset = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < kPackets; ++i) {
            std::int64_t x = s.seq[i] + s.ts[i] + s.arrival_ns[i] + offset;
            benchmark::DoNotOptimize(x);
        }
        offset += std::int64_t{kPackets} * 20'000'000;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPackets));
}
BENCHMARK(BM_ReceiveStatistics_Baseline);

void BM_ReceiveStatistics_Update(benchmark::State& state) {
    const Stream& s = stream();
    RtpSourceStatistics stats(8000);
    // Each pass continues the stream: sequence numbers advance (and wrap) like a long call.
    std::uint16_t seq_offset = 0;
    std::uint32_t ts_offset = 0;
    std::int64_t time_offset = 0;
    const auto seq_span = static_cast<std::uint16_t>(s.seq.back() - s.seq.front() + 1);
    for (auto _ : state) {
        for (std::size_t i = 0; i < kPackets; ++i) {
            const SequenceVerdict v =
                stats.on_packet(static_cast<std::uint16_t>(s.seq[i] + seq_offset),
                                s.ts[i] + ts_offset, s.arrival_ns[i] + time_offset);
            benchmark::DoNotOptimize(v);
        }
        seq_offset = static_cast<std::uint16_t>(seq_offset + seq_span);
        ts_offset += std::uint32_t{seq_span} * 160u;
        time_offset += std::int64_t{seq_span} * 20'000'000;
    }
    benchmark::DoNotOptimize(stats.jitter());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPackets));
}
BENCHMARK(BM_ReceiveStatistics_Update);

void BM_Demux_Classify(benchmark::State& state) {
    // A mix of RTP, RTCP, STUN and DTLS first bytes.
    std::array<std::array<std::uint8_t, 32>, 8> pkts{};
    const std::uint8_t firsts[8][2] = {{0x80, 0x60}, {0x80, 0xE0}, {0x81, 0xC8}, {0x80, 0x08},
                                       {0x00, 0x01}, {0x16, 0xFE}, {0x80, 0xC9}, {0x90, 0x6F}};
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        pkts[i][0] = firsts[i][0];
        pkts[i][1] = firsts[i][1];
        pkts[i][4] = 0x21, pkts[i][5] = 0x12, pkts[i][6] = 0xA4, pkts[i][7] = 0x42;
    }
    std::size_t i = 0;
    for (auto _ : state) {
        const PacketClass c = classify(pkts[i & 7]);
        benchmark::DoNotOptimize(c);
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Demux_Classify);

void BM_TransportCcRecorder_OnPacket(benchmark::State& state) {
    TransportCcRecorder rec;
    std::uint16_t seq = 0;
    std::int64_t t = 0;
    for (auto _ : state) {
        seq = static_cast<std::uint16_t>(seq + ((seq & 63) == 7 ? 2 : 1));  // some loss
        t += 1000;
        benchmark::DoNotOptimize(rec.on_packet(seq, t));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TransportCcRecorder_OnPacket);

void BM_TransportCcRecorder_BuildFeedback(benchmark::State& state) {
    // 100 packets (about 100 ms of 10 Mbit/s video) per feedback, 1% loss.
    TransportCcRecorder rec;
    std::array<std::uint8_t, 1500> out{};
    std::uint16_t seq = 0;
    std::int64_t t = 0;
    for (auto _ : state) {
        state.PauseTiming();
        for (int i = 0; i < 100; ++i) {
            seq = static_cast<std::uint16_t>(seq + (i == 50 ? 2 : 1));
            t += 1000;
            (void)rec.on_packet(seq, t);
        }
        state.ResumeTiming();
        benchmark::DoNotOptimize(rec.build_feedback(1, 2, out));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 100));
}
BENCHMARK(BM_TransportCcRecorder_BuildFeedback);

void BM_NackGenerator_OnPacket(benchmark::State& state) {
    NackGenerator g;
    std::uint16_t seq = 0;
    std::int64_t t = 0;
    for (auto _ : state) {
        seq = static_cast<std::uint16_t>(seq + ((seq & 127) == 5 ? 2 : 1));  // a hole every 128
        t += 1'000'000;
        benchmark::DoNotOptimize(g.on_packet(seq, t));
        if ((seq & 127) == 0) {
            std::array<std::uint16_t, 16> out{};
            benchmark::DoNotOptimize(g.collect(t, 50'000'000, out));
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_NackGenerator_OnPacket);

void BM_Quality_Estimate(benchmark::State& state) {
    QualityInput in;
    in.packet_loss_percent = 1.5;
    in.one_way_delay_ms = 80;
    in.jitter_ms = 12;
    for (auto _ : state) {
        benchmark::DoNotOptimize(in);
        const QualityEstimate q = estimate_quality(in);
        benchmark::DoNotOptimize(q);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Quality_Estimate);

}  // namespace
