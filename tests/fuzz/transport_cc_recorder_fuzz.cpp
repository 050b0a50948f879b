// Drives TransportCcRecorder with arbitrary (sequence, time step) records and checks that every
// feedback packet it builds parses back with H2's TransportFeedbackView and only reports sequence
// numbers that were recorded as received.
//
// Input: 4-byte records: sequence number (big endian 16 bits), time step in us (16 bits, signed so
// arrival times can go backwards). A record with step 0x7FFF builds feedback instead.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/rtcp/transport_feedback.hpp"
#include "rtpx/rtp/transport_cc_recorder.hpp"

namespace {

void drain(rtpx::rtp::TransportCcRecorder& rec, const std::bitset<65536>& seen) {
    std::array<std::uint8_t, 1500 * 12> out{};
    for (int i = 0; i < 64; ++i) {
        const auto n = rec.build_feedback(1, 2, out);
        if (!n) __builtin_trap();  // 18000 bytes always hold a 2048-entry feedback
        if (*n == 0) return;
        const auto view =
            rtpx::rtp::rtcp::TransportFeedbackView::parse(rtpx::rtp::ByteSpan(out.data(), *n));
        if (!view) __builtin_trap();
        for (const auto& p : *view) {
            if (p.received && !seen[p.sequence]) __builtin_trap();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    rtpx::rtp::TransportCcRecorder rec(256);
    std::bitset<65536> seen;
    std::int64_t t = 1'000'000;
    for (std::size_t i = 0; i + 4 <= size; i += 4) {
        const std::uint16_t seq = rtpx::rtp::load_be16(data + i);
        const auto step = static_cast<std::int16_t>(rtpx::rtp::load_be16(data + i + 2));
        if (step == 0x7FFF) {
            drain(rec, seen);
            continue;
        }
        t += step * 16;
        if (rec.on_packet(seq, t) == rtpx::rtp::TransportCcVerdict::kRecorded) seen[seq] = true;
    }
    drain(rec, seen);
    return 0;
}
