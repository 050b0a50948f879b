// Picture Loss Indication, PLI (PSFB FMT 1, RFC 4585 section 6.3.1): no FCI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

class PliView {
  public:
    PliView() noexcept = default;
    [[nodiscard]] static ParseResult<PliView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<PliView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct PliBuilder {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept { return kFeedbackHeaderSize + padding; }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept {
        return write_feedback_header(out, PacketType::kPsfb,
                                     static_cast<std::uint8_t>(PsfbFmt::kPli), sender_ssrc,
                                     media_ssrc, 0, padding);
    }
};

}  // namespace rtpx::rtp::rtcp
