#include "rtpx/rtp/rtcp/nack.hpp"

namespace rtpx::rtp::rtcp {

ParseResult<NackView> NackView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<NackView> NackView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kRtpfb, static_cast<std::uint8_t>(RtpfbFmt::kNack),
                             "not a generic NACK");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.empty()) return parse_error(ParseErrc::kBadLength, 2, "NACK has no FCI entry");
    if (fb->fci.size() % 4 != 0) {
        return parse_error(ParseErrc::kBadLength, 2, "NACK FCI is not a multiple of 4 bytes");
    }
    NackView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> NackBuilder::write(MutableByteSpan out) const noexcept {
    if (items.empty()) return tl::unexpected(WriteErrc::kBadValue);
    auto total =
        write_feedback_header(out, PacketType::kRtpfb, static_cast<std::uint8_t>(RtpfbFmt::kNack),
                              sender_ssrc, media_ssrc, 4 * items.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    for (const auto& it : items) {
        store_be16(p, it.pid);
        store_be16(p + 2, it.blp);
        p += 4;
    }
    return total;
}

WriteResult<std::size_t> pack_nack_items(std::span<const std::uint16_t> lost,
                                         std::span<NackItem> out) noexcept {
    std::size_t n = 0;
    for (const std::uint16_t seq : lost) {
        if (n > 0) {
            const auto diff = static_cast<std::uint16_t>(seq - out[n - 1].pid);
            if (diff == 0) continue;  // duplicate
            if (diff <= 16) {
                out[n - 1].blp = static_cast<std::uint16_t>(out[n - 1].blp | (1u << (diff - 1)));
                continue;
            }
        }
        if (n == out.size()) return tl::unexpected(WriteErrc::kNoRoom);
        out[n++] = NackItem{seq, 0};
    }
    return n;
}

}  // namespace rtpx::rtp::rtcp
