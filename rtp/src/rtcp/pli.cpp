#include "rtpx/rtp/rtcp/pli.hpp"

namespace rtpx::rtp::rtcp {

ParseResult<PliView> PliView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<PliView> PliView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kPli),
                             "not a PLI");
    if (!fb) return tl::unexpected(fb.error());
    PliView v;  // RFC 4585: PLI has no FCI; trailing bytes are tolerated and ignored
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

}  // namespace rtpx::rtp::rtcp
