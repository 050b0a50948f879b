#include "rtpx/rtp/rtcp/bye.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

ParseResult<ByeView> ByeView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<ByeView> ByeView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kBye, "not a BYE"); !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    const std::size_t ssrcs = 4 * std::size_t{packet.count()};
    if (body.size() < ssrcs) {
        return parse_error(ParseErrc::kTruncated, 2, "BYE shorter than its SSRC list");
    }
    ByeView v;
    v.packet_ = packet;
    if (body.size() > ssrcs) {
        const std::size_t len = body[ssrcs];
        if (ssrcs + 1 + len > body.size()) {
            return parse_error(ParseErrc::kTruncated, kHeaderSize + ssrcs,
                               "BYE reason length exceeds packet");
        }
        v.has_reason_ = true;
        v.reason_ = body.subspan(ssrcs + 1, len);
    }
    return v;
}

WriteResult<std::size_t> ByeBuilder::write(MutableByteSpan out) const noexcept {
    if (ssrcs.size() > kMaxCount || reason.size() > 255) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t reason_size = reason.empty() ? 0 : (reason.size() + 4) / 4 * 4;
    auto total = write_header(out, static_cast<std::uint8_t>(ssrcs.size()),
                              to_wire(PacketType::kBye), 4 * ssrcs.size() + reason_size, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    for (const std::uint32_t s : ssrcs) {
        store_be32(p, s);
        p += 4;
    }
    if (!reason.empty()) {
        p[0] = static_cast<std::uint8_t>(reason.size());
        std::memcpy(p + 1, reason.data(), reason.size());
        for (std::size_t i = 1 + reason.size(); i < reason_size; ++i) p[i] = 0;
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
