#include "rtpx/rtp/rtcp/rpsi.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

ParseResult<RpsiView> RpsiView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<RpsiView> RpsiView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kRpsi),
                             "not an RPSI");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.size() < 4) {
        return parse_error(ParseErrc::kBadLength, 2, "RPSI shorter than its FCI header");
    }
    if (fb->fci[0] > 8 * (fb->fci.size() - 2)) {
        return parse_error(ParseErrc::kBadValue, kFeedbackHeaderSize,
                           "RPSI padding bits exceed the bit string");
    }
    RpsiView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> RpsiBuilder::write(MutableByteSpan out) const noexcept {
    const std::size_t fci = fci_size();
    const std::size_t pb = unused_bits + 8 * (fci - 2 - bit_string.size());
    if (payload_type > 0x7F || unused_bits > 7 || pb > 255) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto total =
        write_feedback_header(out, PacketType::kPsfb, static_cast<std::uint8_t>(PsfbFmt::kRpsi),
                              sender_ssrc, media_ssrc, fci, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    p[0] = static_cast<std::uint8_t>(pb);
    p[1] = payload_type;
    if (!bit_string.empty()) std::memcpy(p + 2, bit_string.data(), bit_string.size());
    for (std::size_t i = 2 + bit_string.size(); i < fci; ++i) p[i] = 0;
    return total;
}

}  // namespace rtpx::rtp::rtcp
