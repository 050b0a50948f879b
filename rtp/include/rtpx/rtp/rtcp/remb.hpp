// Receiver Estimated Maximum Bitrate, REMB (PSFB FMT 15 application layer feedback,
// draft-alvestrand-rmcat-remb-03 section 2.2). Media source SSRC is 0.
//
//  |  Unique identifier 'R' 'E' 'M' 'B'                            |
//  |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |
//  |   SSRC feedback (Num SSRC of them)                            |
//
// Bitrate = mantissa * 2^exp bits per second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

class RembView {
  public:
    RembView() noexcept = default;
    // kUnsupported (offset 12) for an AFB packet that is not REMB.
    [[nodiscard]] static ParseResult<RembView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<RembView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::uint8_t exponent() const noexcept { return header_.fci[5] >> 2; }
    [[nodiscard]] std::uint32_t mantissa() const noexcept {
        return load_be24(&header_.fci[5]) & 0x3FFFF;
    }
    [[nodiscard]] std::uint64_t bitrate() const noexcept {
        return std::uint64_t{mantissa()} << exponent();
    }
    [[nodiscard]] std::size_t ssrc_count() const noexcept { return header_.fci[4]; }
    [[nodiscard]] std::uint32_t ssrc(std::size_t i) const noexcept {
        return load_be32(&header_.fci[8 + 4 * i]);
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

// True if an AFB packet carries the "REMB" identifier.
[[nodiscard]] bool is_remb(const PacketView& packet) noexcept;

struct RembBuilder {
    std::uint32_t sender_ssrc = 0;
    std::uint8_t exponent = 0;             // 6 bits
    std::uint32_t mantissa = 0;            // 18 bits
    std::span<const std::uint32_t> ssrcs;  // at most 255
    std::uint8_t padding = 0;

    // Sets exponent/mantissa to the smallest exponent that holds `bitrate` (rounded down).
    void set_bitrate(std::uint64_t bitrate) noexcept;
    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 + 4 * ssrcs.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
