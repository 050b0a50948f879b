// Fuzzes the RFC 7983 / RFC 5761 first-byte classifier: it must never read past the buffer (ASan)
// and its answer must agree with the first byte's class.
#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/demux.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using rtpx::rtp::PacketClass;
    const rtpx::rtp::ByteSpan bytes(data, size);
    const PacketClass muxed = rtpx::rtp::classify(bytes, true);
    const PacketClass plain = rtpx::rtp::classify(bytes, false);
    if (size == 0) {
        if (muxed != PacketClass::kUnknown) __builtin_trap();
        return 0;
    }
    const std::uint8_t b0 = data[0];
    const bool rtp_range = b0 >= 128 && b0 <= 191;
    if ((muxed == PacketClass::kRtp || muxed == PacketClass::kRtcp) && !rtp_range) __builtin_trap();
    if (!rtp_range && muxed != plain) __builtin_trap();
    if (plain == PacketClass::kRtcp) __builtin_trap();  // without rtcp-mux nothing is RTCP
    if (muxed == PacketClass::kStun && size < rtpx::rtp::kStunHeaderSize) __builtin_trap();
    return 0;
}
