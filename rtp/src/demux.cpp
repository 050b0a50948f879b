#include "rtpx/rtp/demux.hpp"

namespace rtpx::rtp {

PacketClass classify(ByteSpan packet, bool rtcp_mux) noexcept {
    if (packet.empty()) return PacketClass::kUnknown;
    const std::uint8_t b0 = packet[0];
    const std::size_t n = packet.size();
    if (b0 >= 128 && b0 <= 191) {
        if (rtcp_mux && n >= 2) {
            const std::uint8_t pt = packet[1] & 0x7F;
            if (pt >= 64 && pt <= 95) {
                return n >= kMinRtcpSize ? PacketClass::kRtcp : PacketClass::kUnknown;
            }
        }
        return n >= kMinRtpSize ? PacketClass::kRtp : PacketClass::kUnknown;
    }
    if (b0 <= 3) {
        if (n < kStunHeaderSize || load_be32(packet.data() + 4) != kStunMagicCookie) {
            return PacketClass::kUnknown;
        }
        return PacketClass::kStun;
    }
    if (b0 >= 16 && b0 <= 19) return PacketClass::kZrtp;
    if (b0 >= 20 && b0 <= 63) {
        return n >= kMinDtlsRecordSize ? PacketClass::kDtls : PacketClass::kUnknown;
    }
    if (b0 >= 64 && b0 <= 79) {
        return n >= kMinTurnChannelSize ? PacketClass::kTurnChannel : PacketClass::kUnknown;
    }
    return PacketClass::kUnknown;
}

}  // namespace rtpx::rtp
