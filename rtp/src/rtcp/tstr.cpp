#include "rtpx/rtp/rtcp/tstr.hpp"

namespace rtpx::rtp::rtcp {
namespace {

WriteResult<std::size_t> write_tst(MutableByteSpan out, PsfbFmt fmt, std::uint32_t sender_ssrc,
                                   std::span<const TstItem> items, std::uint8_t padding) noexcept {
    if (items.empty()) return tl::unexpected(WriteErrc::kBadValue);
    for (const auto& it : items) {
        if (it.index > 0x1F) return tl::unexpected(WriteErrc::kBadValue);
    }
    auto total = write_feedback_header(out, PacketType::kPsfb, static_cast<std::uint8_t>(fmt),
                                       sender_ssrc, 0, 8 * items.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    for (const auto& it : items) {
        store_be32(p, it.ssrc);
        store_be32(p + 4, (std::uint32_t{it.seq_nr} << 24) | it.index);
        p += 8;
    }
    return total;
}

}  // namespace

ParseResult<TstView> TstView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<TstView> TstView::parse(const PacketView& packet) noexcept {
    const auto fmt =
        packet.fmt() == static_cast<std::uint8_t>(PsfbFmt::kTstn) ? PsfbFmt::kTstn : PsfbFmt::kTstr;
    auto fb = parse_feedback(packet, PacketType::kPsfb, static_cast<std::uint8_t>(fmt),
                             "not a TSTR or TSTN");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.empty()) return parse_error(ParseErrc::kBadLength, 2, "TSTR/TSTN has no FCI entry");
    if (fb->fci.size() % 8 != 0) {
        return parse_error(ParseErrc::kBadLength, 2, "TSTR/TSTN FCI is not a multiple of 8 bytes");
    }
    TstView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> TstrBuilder::write(MutableByteSpan out) const noexcept {
    return write_tst(out, PsfbFmt::kTstr, sender_ssrc, items, padding);
}

WriteResult<std::size_t> TstnBuilder::write(MutableByteSpan out) const noexcept {
    return write_tst(out, PsfbFmt::kTstn, sender_ssrc, items, padding);
}

}  // namespace rtpx::rtp::rtcp
