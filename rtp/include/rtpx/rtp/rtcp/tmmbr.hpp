// Temporary Maximum Media Stream Bit Rate Request and Notification, TMMBR (RTPFB FMT 3) and TMMBN
// (RTPFB FMT 4), RFC 5104 sections 4.2.1 and 4.2.2. The media source SSRC is 0; each FCI entry:
//
//  |                              SSRC                             |
//  | MxTBR Exp |  MxTBR Mantissa (17 bits)           |Measured Overhead|
//
// Maximum total media bit rate = mantissa * 2^exp bits per second. TMMBR has at least one entry,
// TMMBN may have none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct TmmbItem {
    std::uint32_t ssrc = 0;
    std::uint8_t exponent = 0;          // 6 bits
    std::uint32_t mantissa = 0;         // 17 bits
    std::uint16_t packet_overhead = 0;  // 9 bits, measured overhead in bytes

    [[nodiscard]] std::uint64_t bitrate() const noexcept {
        return std::uint64_t{mantissa} << exponent;
    }
    // The smallest exponent that represents `bitrate` (rounded down to what the mantissa can hold).
    [[nodiscard]] static TmmbItem from_bitrate(std::uint32_t ssrc, std::uint64_t bitrate,
                                               std::uint16_t packet_overhead) noexcept;
    friend bool operator==(const TmmbItem&, const TmmbItem&) = default;
};

// Parses TMMBR (FMT 3) or TMMBN (FMT 4); is_notification() tells which.
class TmmbView {
  public:
    TmmbView() noexcept = default;
    [[nodiscard]] static ParseResult<TmmbView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<TmmbView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] bool is_notification() const noexcept {
        return packet_.fmt() == static_cast<std::uint8_t>(RtpfbFmt::kTmmbn);
    }
    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::size_t item_count() const noexcept { return header_.fci.size() / 8; }
    [[nodiscard]] TmmbItem item(std::size_t i) const noexcept;
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct TmmbrBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const TmmbItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

struct TmmbnBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const TmmbItem> items;  // the bounding set; may be empty
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 8 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
