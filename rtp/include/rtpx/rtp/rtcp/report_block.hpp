// Reception report block of SR and RR packets (RFC 3550 section 6.4.1).
//
//  |                 SSRC_1 (SSRC of first source)                 |
//  | fraction lost |       cumulative number of packets lost       |
//  |           extended highest sequence number received           |
//  |                      interarrival jitter                      |
//  |                         last SR (LSR)                         |
//  |                   delay since last SR (DLSR)                  |
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::rtp::rtcp {

inline constexpr std::size_t kReportBlockSize = 24;
inline constexpr std::int32_t kMinCumulativeLost = -(1 << 23);
inline constexpr std::int32_t kMaxCumulativeLost = (1 << 23) - 1;

struct ReportBlock {
    std::uint32_t ssrc = 0;
    std::uint8_t fraction_lost = 0;    // fixed point, lost / expected * 256
    std::int32_t cumulative_lost = 0;  // signed 24 bits
    std::uint32_t highest_seq = 0;     // extended highest sequence number received
    std::uint32_t jitter = 0;          // interarrival jitter, RTP timestamp units
    std::uint32_t lsr = 0;             // middle 32 bits of the last SR's NTP timestamp
    std::uint32_t dlsr = 0;            // delay since last SR, 1/65536 s

    friend bool operator==(const ReportBlock&, const ReportBlock&) = default;
};

// Reads a block from 24 bytes the caller has checked are there.
[[nodiscard]] constexpr ReportBlock load_report_block(const std::uint8_t* p) noexcept {
    ReportBlock b;
    b.ssrc = load_be32(p);
    b.fraction_lost = p[4];
    b.cumulative_lost = static_cast<std::int32_t>(load_be24(p + 5) << 8) >> 8;
    b.highest_seq = load_be32(p + 8);
    b.jitter = load_be32(p + 12);
    b.lsr = load_be32(p + 16);
    b.dlsr = load_be32(p + 20);
    return b;
}

// Writes a block into 24 bytes the caller has checked are there. cumulative_lost must be within
// [kMinCumulativeLost, kMaxCumulativeLost] (see report_blocks_valid).
constexpr void store_report_block(std::uint8_t* p, const ReportBlock& b) noexcept {
    store_be32(p, b.ssrc);
    p[4] = b.fraction_lost;
    store_be24(p + 5, static_cast<std::uint32_t>(b.cumulative_lost) & 0xFFFFFF);
    store_be32(p + 8, b.highest_seq);
    store_be32(p + 12, b.jitter);
    store_be32(p + 16, b.lsr);
    store_be32(p + 20, b.dlsr);
}

[[nodiscard]] constexpr bool report_block_valid(const ReportBlock& b) noexcept {
    return b.cumulative_lost >= kMinCumulativeLost && b.cumulative_lost <= kMaxCumulativeLost;
}

}  // namespace rtpx::rtp::rtcp
