// RTP packet fast-path micro-benchmarks: parse + read two extensions through the extmap, build the
// same packet, remap its extension IDs in place. BM_RtpPacket_ParseOnly is the same-run baseline.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "rtpx/rtp/extensions/audio_level.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::rtp {
namespace {

// 172 bytes: 12 header + 12 one-byte extension block (audio level ID 1, transport-cc ID 3) + 148
// bytes of Opus payload.
std::vector<std::uint8_t> make_packet() {
    std::vector<std::uint8_t> p = {
        0x90, 0x6F, 0x00, 0x2A, 0x00, 0x01, 0xE2, 0x40, 0xCA, 0xFE, 0xBA, 0xBE,
        0xBE, 0xDE, 0x00, 0x02, 0x10, 0xAA, 0x31, 0x12, 0x34, 0x00, 0x00, 0x00,
    };
    for (int i = 0; p.size() < 172; ++i) p.push_back(static_cast<std::uint8_t>(i * 7));
    return p;
}

ExtensionMap make_map() {
    ExtensionMap map;
    map.set(1, ExtensionType::kAudioLevel);
    map.set(3, ExtensionType::kTransportWideCc);
    return map;
}

void BM_RtpPacket_ParseOnly(benchmark::State& state) {
    const auto packet = make_packet();
    for (auto _ : state) {
        auto view = RtpView::parse(packet);
        benchmark::DoNotOptimize(view);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_RtpPacket_ParseOnly);

// Parses the packet afresh every iteration and reads ssrc-audio-level and transport-wide-cc with
// `read(view, map, sum)`, which adds both values to sum and returns false if either is missing.
template <class Read>
void parse_and_read_two_extensions(benchmark::State& state, Read read) {
    const auto packet = make_packet();
    const ExtensionMap map = make_map();
    std::uint32_t sum = 0;
    for (auto _ : state) {
        // Clobbers memory: the packet must be parsed afresh every iteration.
        benchmark::DoNotOptimize(packet.data());
        auto view = RtpView::parse(packet);
        if (!view) {
            state.SkipWithError("parse failed");
            break;
        }
        if (!read(*view, map, sum)) {
            state.SkipWithError("extension missing");
            break;
        }
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}

// Typed reads through RtpView::get (an optional per extension).
void BM_RtpPacket_ParseWithTwoExtensions(benchmark::State& state) {
    parse_and_read_two_extensions(
        state, [](const RtpView& view, const ExtensionMap& map, std::uint32_t& sum) {
            const auto level = view.get<AudioLevel>(map);
            const auto tsn = view.get<TransportWideCc>(map);
            if (!level || !tsn) return false;
            sum += level->level + tsn->transport_sequence_number;
            return true;
        });
}
BENCHMARK(BM_RtpPacket_ParseWithTwoExtensions);

// The same typed reads through RtpView::read (an out-parameter instead of an optional).
void BM_RtpPacket_ParseReadTwoExtensions(benchmark::State& state) {
    parse_and_read_two_extensions(
        state, [](const RtpView& view, const ExtensionMap& map, std::uint32_t& sum) {
            AudioLevel::Value level;
            TransportWideCc::Value tsn;
            if (!view.read<AudioLevel>(map, level) || !view.read<TransportWideCc>(map, tsn)) {
                return false;
            }
            sum += level.level + tsn.transport_sequence_number;
            return true;
        });
}
BENCHMARK(BM_RtpPacket_ParseReadTwoExtensions);

// The same reads through raw lookups (find_extension + byte reads), without the typed traits'
// validation and optional/expected plumbing: what a hot loop that knows the layout can do.
void BM_RtpPacket_ParseFindTwoExtensionsRaw(benchmark::State& state) {
    parse_and_read_two_extensions(
        state, [](const RtpView& view, const ExtensionMap& map, std::uint32_t& sum) {
            const ByteSpan level = view.find_extension(map.id_of(ExtensionType::kAudioLevel));
            const ByteSpan tsn = view.find_extension(map.id_of(ExtensionType::kTransportWideCc));
            if (level.empty() || tsn.size() != 2) return false;
            sum += (level[0] & 0x7Fu) + load_be16(tsn.data());
            return true;
        });
}
BENCHMARK(BM_RtpPacket_ParseFindTwoExtensionsRaw);

void BM_RtpPacket_Write(benchmark::State& state) {
    const auto packet = make_packet();
    const ByteSpan payload(packet.data() + 24, packet.size() - 24);
    std::array<std::uint8_t, 1500> buf{};
    std::uint16_t seq = 0;
    for (auto _ : state) {
        RtpPacketWriter w(buf);
        w.set_payload_type(111);
        w.set_sequence_number(seq++);
        w.set_timestamp(123456);
        w.set_ssrc(0xCAFEBABE);
        (void)w.add_extension<AudioLevel>(1, AudioLevel::Value{true, 42});
        (void)w.add_extension<TransportWideCc>(3, TransportWideCc::Value{seq});
        (void)w.set_payload(payload);
        auto n = w.finish();
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(buf.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_RtpPacket_Write);

void BM_RtpPacket_RemapExtensionIds(benchmark::State& state) {
    auto packet = make_packet();
    // Swap IDs 1 <-> 3 each time, so the packet stays valid and the work stays the same.
    std::array<std::uint8_t, 256> id_map{};
    for (std::size_t i = 0; i < id_map.size(); ++i) id_map[i] = static_cast<std::uint8_t>(i);
    id_map[1] = 3;
    id_map[3] = 1;
    for (auto _ : state) {
        auto r = remap_extension_ids(packet, id_map);
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(packet.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_RtpPacket_RemapExtensionIds);

void BM_RtpPacket_StripHeaderExtensions(benchmark::State& state) {
    const auto packet = make_packet();
    std::vector<std::uint8_t> work(packet.size());
    for (auto _ : state) {
        std::copy(packet.begin(), packet.end(), work.begin());
        auto n = strip_header_extensions(work);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(work.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_RtpPacket_StripHeaderExtensions);

}  // namespace
}  // namespace rtpx::rtp
