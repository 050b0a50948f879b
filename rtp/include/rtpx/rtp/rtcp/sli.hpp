// Slice Loss Indication, SLI (PSFB FMT 2, RFC 4585 section 6.3.2). FCI entries of 32 bits:
//
//  |            First        |        Number           | PictureID |
//     13 bits                   13 bits                   6 bits
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct SliItem {
    std::uint16_t first = 0;      // 13 bits: first lost macroblock
    std::uint16_t number = 0;     // 13 bits: number of lost macroblocks
    std::uint8_t picture_id = 0;  // 6 bits
    friend bool operator==(const SliItem&, const SliItem&) = default;
};

class SliView {
  public:
    SliView() noexcept = default;
    [[nodiscard]] static ParseResult<SliView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<SliView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::size_t item_count() const noexcept { return header_.fci.size() / 4; }
    [[nodiscard]] SliItem item(std::size_t i) const noexcept {
        const std::uint32_t w = load_be32(&header_.fci[4 * i]);
        return {static_cast<std::uint16_t>(w >> 19), static_cast<std::uint16_t>((w >> 6) & 0x1FFF),
                static_cast<std::uint8_t>(w & 0x3F)};
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct SliBuilder {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::span<const SliItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 4 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
