// Private to rtp/src/srtp: packet layout checks both backends apply before any crypto, so that
// they reject malformed packets with the same status.
#pragma once

#include <cstdint>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::rtp::srtp::detail {

inline constexpr std::uint32_t kRtpHeader = 12;
inline constexpr std::uint32_t kRtcpHeader = 8;

// RTP header length (fixed part, CSRCs, extension), or 0 when it does not fit in `limit` octets.
// The caller has checked limit >= 12.
[[nodiscard]] inline std::uint32_t rtp_header_len(const std::uint8_t* p,
                                                  std::uint32_t limit) noexcept {
    std::uint32_t n = kRtpHeader + 4U * (p[0] & 0x0fU);
    if (n > limit) return 0;
    if ((p[0] & 0x10U) != 0) {
        if (n + 4 > limit) return 0;
        n += 4 + 4U * load_be16(p + n + 2);
        if (n > limit) return 0;
    }
    return n;
}

}  // namespace rtpx::rtp::srtp::detail
