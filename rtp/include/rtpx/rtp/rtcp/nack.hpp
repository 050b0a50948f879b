// Generic NACK (RTPFB FMT 1, RFC 4585 section 6.2.1).
//
//  |V=2|P|  FMT=1  |   PT=205      |          length               |
//  |                  SSRC of packet sender                        |
//  |                  SSRC of media source                         |
//  |            PID                |             BLP               |   (one or more)
//
// PID is a lost sequence number; bit i of BLP (least significant = 0) reports PID + i + 1 lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct NackItem {
    std::uint16_t pid = 0;
    std::uint16_t blp = 0;
    friend bool operator==(const NackItem&, const NackItem&) = default;
};

class NackView {
  public:
    NackView() noexcept = default;
    [[nodiscard]] static ParseResult<NackView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<NackView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return header_.sender_ssrc; }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return header_.media_ssrc; }
    [[nodiscard]] std::size_t item_count() const noexcept { return header_.fci.size() / 4; }
    [[nodiscard]] NackItem item(std::size_t i) const noexcept {
        return {load_be16(&header_.fci[4 * i]), load_be16(&header_.fci[4 * i + 2])};
    }
    // Calls f(std::uint16_t sequence) for every lost sequence number, in FCI order.
    template <class F>
    void for_each_lost(F&& f) const noexcept {
        for (std::size_t i = 0; i < item_count(); ++i) {
            const NackItem it = item(i);
            f(it.pid);
            for (unsigned b = 0; b < 16; ++b) {
                if ((it.blp >> b) & 1u) f(static_cast<std::uint16_t>(it.pid + b + 1));
            }
        }
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    FeedbackHeader header_;
};

struct NackBuilder {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::span<const NackItem> items;  // at least one
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kFeedbackHeaderSize + 4 * items.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

// Packs lost sequence numbers, in increasing order (mod 2^16), into PID/BLP items. Returns the
// number of items written to `out`, or kNoRoom if `out` is too small.
[[nodiscard]] WriteResult<std::size_t> pack_nack_items(std::span<const std::uint16_t> lost,
                                                       std::span<NackItem> out) noexcept;

}  // namespace rtpx::rtp::rtcp
