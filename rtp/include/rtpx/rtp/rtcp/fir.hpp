// Full Intra Request, FIR (PSFB FMT 4, RFC 5104 section 4.3.1). Media source SSRC is 0; FCI
// entries:
//
//  |                              SSRC                             |
//  | Seq nr.       |    Reserved (24 bits)                         |
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct FirItem {
    std::uint32_t ssrc = 0;
    std::uint8_t seq_nr = 0;
    friend bool operator==(const FirItem&, const FirItem&) = default;
};

class FirView {
  public:
    FirView() noexcept = default;
    [[nodiscard]] static ParseResult<FirView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<FirView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::size_t item_count() const noexcept { return header_.fci.size() / 8; }
    [[nodiscard]] FirItem item(std::size_t i) const noexcept {
        return {load_be32(&header_.fci[8 * i]), header_.fci[8 * i + 4]};
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct FirBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const FirItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
