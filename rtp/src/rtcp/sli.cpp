#include "rtpx/rtp/rtcp/sli.hpp"

namespace rtpx::rtp::rtcp {

ParseResult<SliView> SliView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<SliView> SliView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kSli),
                             "not an SLI");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.empty()) return parse_error(ParseErrc::kBadLength, 2, "SLI has no FCI entry");
    if (fb->fci.size() % 4 != 0) {
        return parse_error(ParseErrc::kBadLength, 2, "SLI FCI is not a multiple of 4 bytes");
    }
    SliView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> SliBuilder::write(MutableByteSpan out) const noexcept {
    if (items.empty()) return tl::unexpected(WriteErrc::kBadValue);
    for (const auto& it : items) {
        if (it.first > 0x1FFF || it.number > 0x1FFF || it.picture_id > 0x3F) {
            return tl::unexpected(WriteErrc::kBadValue);
        }
    }
    auto total =
        write_feedback_header(out, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kSli),
                              sender_ssrc, media_ssrc, 4 * items.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    for (const auto& it : items) {
        store_be32(
            p, (std::uint32_t{it.first} << 19) | (std::uint32_t{it.number} << 6) | it.picture_id);
        p += 4;
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
