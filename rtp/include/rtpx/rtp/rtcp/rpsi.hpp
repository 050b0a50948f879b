// Reference Picture Selection Indication, RPSI (PSFB FMT 3, RFC 4585 section 6.3.3).
//
//  |      PB       |0| Payload Type|    Native RPSI bit string     |
//  |   defined per codec          ...                | Padding (0) |
//
// PB is the number of padding bits at the end of the FCI (which is a multiple of 32 bits).
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

class RpsiView {
  public:
    RpsiView() noexcept = default;
    [[nodiscard]] static ParseResult<RpsiView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<RpsiView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::uint8_t padding_bits() const noexcept { return header_.fci[0]; }
    [[nodiscard]] std::uint8_t payload_type() const noexcept { return header_.fci[1] & 0x7F; }
    // The bytes after the payload type, padding bits included.
    [[nodiscard]] ByteSpan bit_string() const noexcept { return header_.fci.subspan(2); }
    [[nodiscard]] std::size_t bit_length() const noexcept {
        return 8 * bit_string().size() - padding_bits();
    }
    // The bytes that hold the bit_length() bits, and how many bits of the last one are unused
    // (what RpsiBuilder takes).
    [[nodiscard]] ByteSpan native_rpsi() const noexcept {
        return bit_string().first((bit_length() + 7) / 8);
    }
    [[nodiscard]] std::uint8_t unused_bits() const noexcept {
        return static_cast<std::uint8_t>(8 * native_rpsi().size() - bit_length());
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct RpsiBuilder {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::uint8_t payload_type = 0;  // 7 bits
    ByteSpan bit_string;            // whole bytes; the last `unused_bits` bits are padding
    std::uint8_t unused_bits = 0;   // 0..7
    std::uint8_t padding = 0;

    // Bytes of FCI: 2 + bit string, rounded up to 32 bits.
    [[nodiscard]] std::size_t fci_size() const noexcept {
        return (2 + bit_string.size() + 3) / 4 * 4;
    }
    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + fci_size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
