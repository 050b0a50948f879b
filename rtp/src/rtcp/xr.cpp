#include "rtpx/rtp/rtcp/xr.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {
namespace {

// Smallest contents (after the block header) each known block type needs.
constexpr std::size_t min_contents(std::uint8_t bt) noexcept {
    switch (static_cast<XrBlockType>(bt)) {
        case XrBlockType::kLossRle:
        case XrBlockType::kDuplicateRle:
        case XrBlockType::kPacketReceiptTimes:
        case XrBlockType::kReceiverReferenceTime: return 8;
        case XrBlockType::kDlrr: return 0;
        case XrBlockType::kStatisticsSummary: return 36;
        case XrBlockType::kVoipMetrics: return 32;
    }
    return 0;
}

// Writes a block header and checks room for `contents_size`; returns the block size.
WriteResult<std::size_t> begin_block(MutableByteSpan out, std::uint8_t bt, std::uint8_t ts,
                                     std::size_t contents_size) noexcept {
    if (contents_size % 4 != 0 || contents_size / 4 > 0xFFFF) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    if (out.size() < 4 + contents_size) return tl::unexpected(WriteErrc::kNoRoom);
    out[0] = bt;
    out[1] = ts;
    store_be16(&out[2], static_cast<std::uint16_t>(contents_size / 4));
    return 4 + contents_size;
}

}  // namespace

ParseResult<XrView> XrView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<XrView> XrView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kXr, "not an XR"); !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    if (body.size() < 4) return parse_error(ParseErrc::kTruncated, 2, "XR shorter than its SSRC");
    std::size_t pos = 4;
    std::size_t blocks = 0;
    while (pos < body.size()) {
        if (pos + 4 > body.size()) {
            return parse_error(ParseErrc::kTruncated, kHeaderSize + pos,
                               "XR report block header exceeds packet");
        }
        const std::size_t contents = 4 * std::size_t{load_be16(&body[pos + 2])};
        if (pos + 4 + contents > body.size()) {
            return parse_error(ParseErrc::kTruncated, kHeaderSize + pos + 2,
                               "XR block length exceeds packet");
        }
        const std::uint8_t bt = body[pos];
        if (contents < min_contents(bt) ||
            (bt == static_cast<std::uint8_t>(XrBlockType::kDlrr) && contents % 12 != 0)) {
            return parse_error(ParseErrc::kBadLength, kHeaderSize + pos + 2,
                               "XR block length too short for its block type");
        }
        pos += 4 + contents;
        ++blocks;
    }
    XrView v;
    v.packet_ = packet;
    v.body_ = body;
    v.block_count_ = blocks;
    return v;
}

XrRleBlock decode_rle(const XrBlockView& b) noexcept {
    XrRleBlock r;
    r.type = static_cast<XrBlockType>(b.block_type);
    r.thinning = b.type_specific & 0x0F;
    r.ssrc = load_be32(&b.contents[0]);
    r.begin_seq = load_be16(&b.contents[4]);
    r.end_seq = load_be16(&b.contents[6]);
    r.chunks = b.contents.subspan(8);
    return r;
}

XrPacketReceiptTimesBlock decode_packet_receipt_times(const XrBlockView& b) noexcept {
    XrPacketReceiptTimesBlock r;
    r.thinning = b.type_specific & 0x0F;
    r.ssrc = load_be32(&b.contents[0]);
    r.begin_seq = load_be16(&b.contents[4]);
    r.end_seq = load_be16(&b.contents[6]);
    r.receipt_times = b.contents.subspan(8);
    return r;
}

XrReceiverReferenceTimeBlock decode_receiver_reference_time(const XrBlockView& b) noexcept {
    return {load_be32(&b.contents[0]), load_be32(&b.contents[4])};
}

XrDlrrBlock decode_dlrr(const XrBlockView& b) noexcept {
    return {b.contents};
}

XrStatisticsSummaryBlock decode_statistics_summary(const XrBlockView& b) noexcept {
    XrStatisticsSummaryBlock r;
    const std::uint8_t* p = b.contents.data();
    r.loss_report = (b.type_specific & 0x80) != 0;
    r.duplicate_report = (b.type_specific & 0x40) != 0;
    r.jitter_flag = (b.type_specific & 0x20) != 0;
    r.ttl_or_hl = (b.type_specific >> 3) & 0x3;
    r.ssrc = load_be32(p);
    r.begin_seq = load_be16(p + 4);
    r.end_seq = load_be16(p + 6);
    r.lost_packets = load_be32(p + 8);
    r.dup_packets = load_be32(p + 12);
    r.min_jitter = load_be32(p + 16);
    r.max_jitter = load_be32(p + 20);
    r.mean_jitter = load_be32(p + 24);
    r.dev_jitter = load_be32(p + 28);
    r.min_ttl_or_hl = p[32];
    r.max_ttl_or_hl = p[33];
    r.mean_ttl_or_hl = p[34];
    r.dev_ttl_or_hl = p[35];
    return r;
}

XrVoipMetricsBlock decode_voip_metrics(const XrBlockView& b) noexcept {
    XrVoipMetricsBlock r;
    const std::uint8_t* p = b.contents.data();
    r.ssrc = load_be32(p);
    r.loss_rate = p[4];
    r.discard_rate = p[5];
    r.burst_density = p[6];
    r.gap_density = p[7];
    r.burst_duration = load_be16(p + 8);
    r.gap_duration = load_be16(p + 10);
    r.round_trip_delay = load_be16(p + 12);
    r.end_system_delay = load_be16(p + 14);
    r.signal_level = p[16];
    r.noise_level = p[17];
    r.rerl = p[18];
    r.gmin = p[19];
    r.r_factor = p[20];
    r.ext_r_factor = p[21];
    r.mos_lq = p[22];
    r.mos_cq = p[23];
    r.rx_config = p[24];
    r.jb_nominal = load_be16(p + 26);
    r.jb_maximum = load_be16(p + 28);
    r.jb_abs_max = load_be16(p + 30);
    return r;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out, const XrRleBlock& b) noexcept {
    if (b.thinning > 0x0F || b.chunks.size() % 4 != 0) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto n = begin_block(out, static_cast<std::uint8_t>(b.type), b.thinning, 8 + b.chunks.size());
    if (!n) return n;
    store_be32(&out[4], b.ssrc);
    store_be16(&out[8], b.begin_seq);
    store_be16(&out[10], b.end_seq);
    if (!b.chunks.empty()) std::memcpy(&out[12], b.chunks.data(), b.chunks.size());
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                        const XrPacketReceiptTimesBlock& b) noexcept {
    if (b.thinning > 0x0F || b.receipt_times.size() % 4 != 0) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto n = begin_block(out, static_cast<std::uint8_t>(XrBlockType::kPacketReceiptTimes),
                         b.thinning, 8 + b.receipt_times.size());
    if (!n) return n;
    store_be32(&out[4], b.ssrc);
    store_be16(&out[8], b.begin_seq);
    store_be16(&out[10], b.end_seq);
    if (!b.receipt_times.empty()) {
        std::memcpy(&out[12], b.receipt_times.data(), b.receipt_times.size());
    }
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                        const XrReceiverReferenceTimeBlock& b) noexcept {
    auto n = begin_block(out, static_cast<std::uint8_t>(XrBlockType::kReceiverReferenceTime), 0, 8);
    if (!n) return n;
    store_be32(&out[4], b.ntp_sec);
    store_be32(&out[8], b.ntp_frac);
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                        std::span<const XrDlrrSubBlock> b) noexcept {
    auto n = begin_block(out, static_cast<std::uint8_t>(XrBlockType::kDlrr), 0, 12 * b.size());
    if (!n) return n;
    std::uint8_t* p = out.data() + 4;
    for (const auto& s : b) {
        store_be32(p, s.ssrc);
        store_be32(p + 4, s.lrr);
        store_be32(p + 8, s.dlrr);
        p += 12;
    }
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                        const XrStatisticsSummaryBlock& b) noexcept {
    if (b.ttl_or_hl > 3) return tl::unexpected(WriteErrc::kBadValue);
    const auto ts =
        static_cast<std::uint8_t>((b.loss_report ? 0x80 : 0) | (b.duplicate_report ? 0x40 : 0) |
                                  (b.jitter_flag ? 0x20 : 0) | (b.ttl_or_hl << 3));
    auto n = begin_block(out, static_cast<std::uint8_t>(XrBlockType::kStatisticsSummary), ts, 36);
    if (!n) return n;
    std::uint8_t* p = out.data() + 4;
    store_be32(p, b.ssrc);
    store_be16(p + 4, b.begin_seq);
    store_be16(p + 6, b.end_seq);
    store_be32(p + 8, b.lost_packets);
    store_be32(p + 12, b.dup_packets);
    store_be32(p + 16, b.min_jitter);
    store_be32(p + 20, b.max_jitter);
    store_be32(p + 24, b.mean_jitter);
    store_be32(p + 28, b.dev_jitter);
    p[32] = b.min_ttl_or_hl;
    p[33] = b.max_ttl_or_hl;
    p[34] = b.mean_ttl_or_hl;
    p[35] = b.dev_ttl_or_hl;
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out, const XrVoipMetricsBlock& b) noexcept {
    auto n = begin_block(out, static_cast<std::uint8_t>(XrBlockType::kVoipMetrics), 0, 32);
    if (!n) return n;
    std::uint8_t* p = out.data() + 4;
    store_be32(p, b.ssrc);
    p[4] = b.loss_rate;
    p[5] = b.discard_rate;
    p[6] = b.burst_density;
    p[7] = b.gap_density;
    store_be16(p + 8, b.burst_duration);
    store_be16(p + 10, b.gap_duration);
    store_be16(p + 12, b.round_trip_delay);
    store_be16(p + 14, b.end_system_delay);
    p[16] = b.signal_level;
    p[17] = b.noise_level;
    p[18] = b.rerl;
    p[19] = b.gmin;
    p[20] = b.r_factor;
    p[21] = b.ext_r_factor;
    p[22] = b.mos_lq;
    p[23] = b.mos_cq;
    p[24] = b.rx_config;
    p[25] = 0;
    store_be16(p + 26, b.jb_nominal);
    store_be16(p + 28, b.jb_maximum);
    store_be16(p + 30, b.jb_abs_max);
    return n;
}

WriteResult<std::size_t> write_xr_block(MutableByteSpan out, std::uint8_t block_type,
                                        std::uint8_t type_specific, ByteSpan contents) noexcept {
    auto n = begin_block(out, block_type, type_specific, contents.size());
    if (!n) return n;
    if (!contents.empty()) std::memcpy(&out[4], contents.data(), contents.size());
    return n;
}

WriteResult<std::size_t> XrBuilder::write(MutableByteSpan out) const noexcept {
    if (blocks.size() % 4 != 0) return tl::unexpected(WriteErrc::kBadValue);
    auto total = write_header(out, 0, to_wire(PacketType::kXr), 4 + blocks.size(), padding);
    if (!total) return total;
    store_be32(&out[4], ssrc);
    if (!blocks.empty()) std::memcpy(&out[8], blocks.data(), blocks.size());
    return total;
}

}  // namespace rtpx::rtp::rtcp
