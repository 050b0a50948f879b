#include "rtpx/rtp/rtcp/receiver_report.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

ParseResult<ReceiverReportView> ReceiverReportView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<ReceiverReportView> ReceiverReportView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kRr, "not an RR"); !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    if (body.size() < 4) {
        return parse_error(ParseErrc::kTruncated, 2, "RR shorter than its SSRC");
    }
    if (body.size() < 4 + packet.count() * kReportBlockSize) {
        return parse_error(ParseErrc::kTruncated, 2, "RR shorter than its report blocks");
    }
    ReceiverReportView v;
    v.packet_ = packet;
    v.body_ = body;
    return v;
}

WriteResult<std::size_t> ReceiverReportBuilder::write(MutableByteSpan out) const noexcept {
    if (report_blocks.size() > kMaxCount) return tl::unexpected(WriteErrc::kBadValue);
    for (const auto& b : report_blocks) {
        if (!report_block_valid(b)) return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t body =
        4 + report_blocks.size() * kReportBlockSize + profile_extensions.size();
    auto total = write_header(out, static_cast<std::uint8_t>(report_blocks.size()),
                              to_wire(PacketType::kRr), body, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    store_be32(p, ssrc);
    p += 4;
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
