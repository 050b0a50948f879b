#include "rtpx/rtp/rtcp/fir.hpp"

namespace rtpx::rtp::rtcp {

ParseResult<FirView> FirView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<FirView> FirView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kFir),
                             "not a FIR");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.empty()) return parse_error(ParseErrc::kBadLength, 2, "FIR has no FCI entry");
    if (fb->fci.size() % 8 != 0) {
        return parse_error(ParseErrc::kBadLength, 2, "FIR FCI is not a multiple of 8 bytes");
    }
    FirView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> FirBuilder::write(MutableByteSpan out) const noexcept {
    if (items.empty()) return tl::unexpected(WriteErrc::kBadValue);
    auto total =
        write_feedback_header(out, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kFir),
                              sender_ssrc, 0, 8 * items.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    for (const auto& it : items) {
        store_be32(p, it.ssrc);
        store_be32(p + 4, std::uint32_t{it.seq_nr} << 24);
        p += 8;
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
