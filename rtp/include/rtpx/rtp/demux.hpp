// First-byte demultiplexing of packets arriving on one media port (RFC 7983, which updates RFC 5764
// section 5.1.2), plus the RFC 5761 section 4 rule that separates RTCP from RTP when both share a
// port (rtcp-mux).
//
//   first byte   class
//   0..3         STUN         (RFC 5389; also needs >= 20 bytes and the magic cookie 0x2112A442)
//   16..19       ZRTP         (RFC 6189)
//   20..63       DTLS         (RFC 6347 content types, range reserved by RFC 7983)
//   64..79       TURN channel (RFC 5766 ChannelData; channel numbers 0x4000..0x4FFF)
//   128..191     RTP / RTCP   (version 2); with rtcp_mux, second byte & 0x7F in 64..95
//                             (packet type 192..223) is RTCP, otherwise RTP
//   anything else, or a packet too short for its class: kUnknown
//
// Cheap sanity only: this never parses more than the first eight bytes. RTP needs >= 12 bytes,
// RTCP >= 8 bytes, TURN ChannelData >= 4 bytes, DTLS >= 13 bytes (a record header).
#pragma once

#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::rtp {

enum class PacketClass : std::uint8_t { kUnknown, kStun, kZrtp, kDtls, kTurnChannel, kRtp, kRtcp };

[[nodiscard]] constexpr std::string_view to_string(PacketClass c) noexcept {
    switch (c) {
        case PacketClass::kUnknown: return "unknown";
        case PacketClass::kStun: return "stun";
        case PacketClass::kZrtp: return "zrtp";
        case PacketClass::kDtls: return "dtls";
        case PacketClass::kTurnChannel: return "turn-channel";
        case PacketClass::kRtp: return "rtp";
        case PacketClass::kRtcp: return "rtcp";
    }
    return "unknown";
}

inline constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
inline constexpr std::size_t kStunHeaderSize = 20;
inline constexpr std::size_t kMinRtpSize = 12;
inline constexpr std::size_t kMinRtcpSize = 8;
inline constexpr std::size_t kMinDtlsRecordSize = 13;
inline constexpr std::size_t kMinTurnChannelSize = 4;

// Classifies a UDP payload. With rtcp_mux = false every version-2 packet is reported as kRtp (the
// port carries RTP only, or RTCP only and the caller knows which). Never reads past the span.
[[nodiscard]] PacketClass classify(ByteSpan packet, bool rtcp_mux = true) noexcept;

}  // namespace rtpx::rtp
