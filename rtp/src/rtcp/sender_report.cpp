#include "rtpx/rtp/rtcp/sender_report.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

ParseResult<SenderReportView> SenderReportView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<SenderReportView> SenderReportView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kSr, "not an SR"); !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    if (body.size() < 24) {
        return parse_error(ParseErrc::kTruncated, 2, "SR shorter than its sender info");
    }
    if (body.size() < 24 + packet.count() * kReportBlockSize) {
        return parse_error(ParseErrc::kTruncated, 2, "SR shorter than its report blocks");
    }
    SenderReportView v;
    v.packet_ = packet;
    v.body_ = body;
    return v;
}

WriteResult<std::size_t> SenderReportBuilder::write(MutableByteSpan out) const noexcept {
    if (report_blocks.size() > kMaxCount) return tl::unexpected(WriteErrc::kBadValue);
    for (const auto& b : report_blocks) {
        if (!report_block_valid(b)) return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t body =
        24 + report_blocks.size() * kReportBlockSize + profile_extensions.size();
    auto total = write_header(out, static_cast<std::uint8_t>(report_blocks.size()),
                              to_wire(PacketType::kSr), body, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    store_be32(p, ssrc);
    store_be32(p + 4, sender_info.ntp_sec);
    store_be32(p + 8, sender_info.ntp_frac);
    store_be32(p + 12, sender_info.rtp_ts);
    store_be32(p + 16, sender_info.packet_count);
    store_be32(p + 20, sender_info.octet_count);
    p += 24;
    for (const auto& b : report_blocks) {
        store_report_block(p, b);
        p += kReportBlockSize;
    }
    if (!profile_extensions.empty()) {
        std::memcpy(p, profile_extensions.data(), profile_extensions.size());
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
