#include "rtpx/rtp/rtcp/tmmbr.hpp"

#include <algorithm>

namespace rtpx::rtp::rtcp {
namespace {

constexpr std::uint32_t kMaxMantissa = (1u << 17) - 1;

WriteResult<std::size_t> write_tmmb(MutableByteSpan out, RtpfbFmt fmt, std::uint32_t sender_ssrc,
                                    std::span<const TmmbItem> items,
                                    std::uint8_t padding) noexcept {
    for (const auto& it : items) {
        if (it.exponent > 63 || it.mantissa > kMaxMantissa || it.packet_overhead > 511) {
            return tl::unexpected(WriteErrc::kBadValue);
        }
    }
    auto total = write_feedback_header(out, PacketType::kRtpfb, static_cast<std::uint8_t>(fmt),
                                       sender_ssrc, 0, 8 * items.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    for (const auto& it : items) {
        store_be32(p, it.ssrc);
        store_be32(p + 4,
                   (std::uint32_t{it.exponent} << 26) | (it.mantissa << 9) | it.packet_overhead);
        p += 8;
    }
    return total;
}

}  // namespace

TmmbItem TmmbItem::from_bitrate(std::uint32_t ssrc, std::uint64_t bitrate,
                                std::uint16_t packet_overhead) noexcept {
    std::uint8_t exp = 0;
    while ((bitrate >> exp) > kMaxMantissa && exp < 63) ++exp;
    return {ssrc, exp,
            static_cast<std::uint32_t>(std::min<std::uint64_t>(bitrate >> exp, kMaxMantissa)),
            packet_overhead};
}

TmmbItem TmmbView::item(std::size_t i) const noexcept {
    const std::uint8_t* p = &header_.fci[8 * i];
    const std::uint32_t w = load_be32(p + 4);
    return {load_be32(p), static_cast<std::uint8_t>(w >> 26), (w >> 9) & kMaxMantissa,
            static_cast<std::uint16_t>(w & 0x1FF)};
}

ParseResult<TmmbView> TmmbView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<TmmbView> TmmbView::parse(const PacketView& packet) noexcept {
    const bool notification = packet.fmt() == static_cast<std::uint8_t>(RtpfbFmt::kTmmbn);
    const auto fmt = notification ? RtpfbFmt::kTmmbn : RtpfbFmt::kTmmbr;
    auto fb = parse_feedback(packet, PacketType::kRtpfb, static_cast<std::uint8_t>(fmt),
                             "not a TMMBR or TMMBN");
    if (!fb) return tl::unexpected(fb.error());
    if (!notification && fb->fci.empty()) {
        return parse_error(ParseErrc::kBadLength, 2, "TMMBR has no FCI entry");
    }
    if (fb->fci.size() % 8 != 0) {
        return parse_error(ParseErrc::kBadLength, 2,
                           "TMMBR/TMMBN FCI is not a multiple of 8 bytes");
    }
    TmmbView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

WriteResult<std::size_t> TmmbrBuilder::write(MutableByteSpan out) const noexcept {
    if (items.empty()) return tl::unexpected(WriteErrc::kBadValue);
    return write_tmmb(out, RtpfbFmt::kTmmbr, sender_ssrc, items, padding);
}

WriteResult<std::size_t> TmmbnBuilder::write(MutableByteSpan out) const noexcept {
    return write_tmmb(out, RtpfbFmt::kTmmbn, sender_ssrc, items, padding);
}

}  // namespace rtpx::rtp::rtcp
