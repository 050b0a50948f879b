#include "rtpx/rtp/rtcp/ccfb.hpp"

namespace rtpx::rtp::rtcp {
namespace {

constexpr std::size_t kMaxReports = 16384;  // RFC 8888: at most a quarter of the sequence space

constexpr std::size_t block_size(std::size_t num_reports) noexcept {
    return 8 + (2 * num_reports + 3) / 4 * 4;
}

}  // namespace

ParseResult<CcfbView> CcfbView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<CcfbView> CcfbView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type_fmt(packet, PacketType::kRtpfb,
                                  static_cast<std::uint8_t>(RtpfbFmt::kCcfb), "not a CCFB");
        !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    if (body.size() < 8 || body.size() % 4 != 0) {
        return parse_error(ParseErrc::kBadLength, 2,
                           "CCFB shorter than sender SSRC and report timestamp");
    }
    const std::size_t end = body.size() - 4;  // report timestamp
    std::size_t pos = 4;
    std::size_t blocks = 0;
    while (pos < end) {
        if (pos + 8 > end) {
            return parse_error(ParseErrc::kTruncated, kHeaderSize + pos,
                               "CCFB report block header exceeds packet");
        }
        const std::size_t n = load_be16(&body[pos + 6]);
        if (pos + block_size(n) > end) {
            return parse_error(ParseErrc::kTruncated, kHeaderSize + pos + 6,
                               "CCFB num_reports exceeds packet");
        }
        pos += block_size(n);
        ++blocks;
    }
    CcfbView v;
    v.packet_ = packet;
    v.body_ = body;
    v.block_count_ = blocks;
    return v;
}

std::size_t CcfbBuilder::size() const noexcept {
    std::size_t n = kHeaderSize + 8 + padding;
    for (const auto& b : report_blocks) n += block_size(b.metrics.size());
    return n;
}

WriteResult<std::size_t> CcfbBuilder::write(MutableByteSpan out) const noexcept {
    std::size_t body = 8;
    for (const auto& b : report_blocks) {
        if (b.metrics.size() > kMaxReports) return tl::unexpected(WriteErrc::kBadValue);
        body += block_size(b.metrics.size());
    }
    auto total = write_header(out, static_cast<std::uint8_t>(RtpfbFmt::kCcfb),
                              to_wire(PacketType::kRtpfb), body, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    store_be32(p, sender_ssrc);
    p += 4;
    for (const auto& b : report_blocks) {
        store_be32(p, b.ssrc);
        store_be16(p + 4, b.begin_seq);
        store_be16(p + 6, static_cast<std::uint16_t>(b.metrics.size()));
        std::uint8_t* m = p + 8;
        for (const auto& metric : b.metrics) {
            store_be16(m, metric.to_wire());
            m += 2;
        }
        if (b.metrics.size() % 2 != 0) store_be16(m, 0);
        p += block_size(b.metrics.size());
    }
    store_be32(p, report_timestamp);
    return total;
}

}  // namespace rtpx::rtp::rtcp
