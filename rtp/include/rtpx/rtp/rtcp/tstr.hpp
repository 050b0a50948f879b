// Temporal-Spatial Trade-off Request and Notification, TSTR (PSFB FMT 5) and TSTN (PSFB FMT 6),
// RFC 5104 sections 4.3.2 and 4.3.3. Media source SSRC is 0; FCI entries:
//
//  |                              SSRC                             |
//  |  Seq nr.      |  Reserved (19 bits)                 |  Index  |
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct TstItem {
    std::uint32_t ssrc = 0;
    std::uint8_t seq_nr = 0;
    std::uint8_t index = 0;  // 5 bits: 0 = highest spatial quality ... 31 = highest frame rate
    friend bool operator==(const TstItem&, const TstItem&) = default;
};

// Parses TSTR (FMT 5) or TSTN (FMT 6); is_notification() tells which.
class TstView {
  public:
    TstView() noexcept = default;
    [[nodiscard]] static ParseResult<TstView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<TstView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] bool is_notification() const noexcept {
        return packet_.fmt() == static_cast<std::uint8_t>(PsfbFmt::kTstn);
    }
    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::size_t item_count() const noexcept { return header_.fci.size() / 8; }
    [[nodiscard]] TstItem item(std::size_t i) const noexcept {
        return {load_be32(&header_.fci[8 * i]), header_.fci[8 * i + 4],
                static_cast<std::uint8_t>(header_.fci[8 * i + 7] & 0x1F)};
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct TstrBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const TstItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

struct TstnBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const TstItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
