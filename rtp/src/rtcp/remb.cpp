#include "rtpx/rtp/rtcp/remb.hpp"

namespace rtpx::rtp::rtcp {
namespace {

constexpr std::uint32_t kMaxMantissa = (1u << 18) - 1;
constexpr std::uint8_t kAfb = static_cast<std::uint8_t>(PsfbFmt::kAfb);

}  // namespace

bool is_remb(const PacketView& packet) noexcept {
    if (!packet.is(PacketType::kPsfb) || packet.fmt() != kAfb) return false;
    const ByteSpan body = packet.body();
    return body.size() >= 12 && body[8] == 'R' && body[9] == 'E' && body[10] == 'M' &&
           body[11] == 'B';
}

ParseResult<RembView> RembView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<RembView> RembView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kPsfb, kAfb, "not an AFB/REMB");
    if (!fb) return tl::unexpected(fb.error());
    if (fb->fci.size() < 4 || !is_remb(packet)) {
        return parse_error(ParseErrc::kUnsupported, kFeedbackHeaderSize,
                           "AFB without the REMB identifier");
    }
    if (fb->fci.size() < 8) {
        return parse_error(ParseErrc::kBadLength, 2, "REMB shorter than its bitrate field");
    }
    const std::size_t n = fb->fci[4];
    if (8 + 4 * n > fb->fci.size()) {
        return parse_error(ParseErrc::kTruncated, kFeedbackHeaderSize + 4,
                           "REMB SSRC count exceeds packet");
    }
    RembView v;
    v.packet_ = packet;
    v.header_ = *fb;
    return v;
}

void RembBuilder::set_bitrate(std::uint64_t bitrate) noexcept {
    std::uint8_t exp = 0;
    while ((bitrate >> exp) > kMaxMantissa && exp < 63) ++exp;
    exponent = exp;
    const std::uint64_t m = bitrate >> exp;
    mantissa = static_cast<std::uint32_t>(m > kMaxMantissa ? kMaxMantissa : m);
}

WriteResult<std::size_t> RembBuilder::write(MutableByteSpan out) const noexcept {
    if (exponent > 63 || mantissa > kMaxMantissa || ssrcs.size() > 255) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto total = write_feedback_header(out, PacketType::kPsfb, kAfb, sender_ssrc, 0,
                                       8 + 4 * ssrcs.size(), padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kFeedbackHeaderSize;
    p[0] = 'R';
    p[1] = 'E';
    p[2] = 'M';
    p[3] = 'B';
    p[4] = static_cast<std::uint8_t>(ssrcs.size());
    store_be24(p + 5, (std::uint32_t{exponent} << 18) | mantissa);
    p += 8;
    for (const std::uint32_t s : ssrcs) {
        store_be32(p, s);
        p += 4;
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
