// Extended reports, XR (RFC 3611).
//
//  |V=2|P|reserved |   PT=XR=207   |             length            |
//  |                              SSRC                             |
//  :                         report blocks                         :
//
// Every report block: |  BT  | type-specific |  block length (32-bit words after this one)  |.
// The seven block types of RFC 3611 section 4 are decoded; others are kept raw (BT + bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

enum class XrBlockType : std::uint8_t {
    kLossRle = 1,
    kDuplicateRle = 2,
    kPacketReceiptTimes = 3,
    kReceiverReferenceTime = 4,
    kDlrr = 5,
    kStatisticsSummary = 6,
    kVoipMetrics = 7,
};

// One report block, as found in the packet.
struct XrBlockView {
    std::uint8_t block_type = 0;
    std::uint8_t type_specific = 0;
    ByteSpan contents;  // after the 4-byte block header
    ByteSpan bytes;     // the whole block

    [[nodiscard]] bool is(XrBlockType t) const noexcept {
        return block_type == static_cast<std::uint8_t>(t);
    }
};

// Loss RLE (BT 1) and Duplicate RLE (BT 2), section 4.1/4.2. Chunks are 16 bits: run length
// (0 | run type | 14-bit length), bit vector (1 | 15 bits), or the null chunk 0 (padding).
struct XrRleBlock {
    XrBlockType type = XrBlockType::kLossRle;
    std::uint8_t thinning = 0;  // T, 4 bits
    std::uint32_t ssrc = 0;
    std::uint16_t begin_seq = 0;
    std::uint16_t end_seq = 0;
    ByteSpan chunks;  // 2 bytes each; a multiple of 4 bytes

    [[nodiscard]] std::size_t chunk_count() const noexcept { return chunks.size() / 2; }
    [[nodiscard]] std::uint16_t chunk(std::size_t i) const noexcept {
        return load_be16(&chunks[2 * i]);
    }
};

// One decoded RLE chunk (section 4.1.1): a run of `run_length` packets all received (loss RLE) or
// all duplicated (duplicate RLE) when run_type is 1, or neither when 0; a bit vector of 15 packets,
// most significant first; or the null chunk that pads a block to 32 bits.
struct XrRleChunk {
    enum class Kind : std::uint8_t { kRunLength, kBitVector, kNull };
    Kind kind = Kind::kNull;
    std::uint8_t run_type = 0;     // run length chunks
    std::uint16_t run_length = 0;  // run length chunks, 14 bits
    std::uint16_t bit_vector = 0;  // bit vector chunks, 15 bits

    [[nodiscard]] static constexpr XrRleChunk from_wire(std::uint16_t w) noexcept {
        XrRleChunk c;
        if (w == 0) return c;
        if ((w & 0x8000) == 0) {
            c.kind = Kind::kRunLength;
            c.run_type = static_cast<std::uint8_t>((w >> 14) & 1);
            c.run_length = w & 0x3FFF;
        } else {
            c.kind = Kind::kBitVector;
            c.bit_vector = w & 0x7FFF;
        }
        return c;
    }
};

// Packet Receipt Times (BT 3), section 4.3.
struct XrPacketReceiptTimesBlock {
    std::uint8_t thinning = 0;
    std::uint32_t ssrc = 0;
    std::uint16_t begin_seq = 0;
    std::uint16_t end_seq = 0;
    ByteSpan receipt_times;  // 32 bits each

    [[nodiscard]] std::size_t count() const noexcept { return receipt_times.size() / 4; }
    [[nodiscard]] std::uint32_t receipt_time(std::size_t i) const noexcept {
        return load_be32(&receipt_times[4 * i]);
    }
};

// Receiver Reference Time (BT 4), section 4.4.
struct XrReceiverReferenceTimeBlock {
    std::uint32_t ntp_sec = 0;
    std::uint32_t ntp_frac = 0;
};

// DLRR (BT 5), section 4.5: sub-blocks of (SSRC, last RR, delay since last RR).
struct XrDlrrSubBlock {
    std::uint32_t ssrc = 0;
    std::uint32_t lrr = 0;
    std::uint32_t dlrr = 0;
    friend bool operator==(const XrDlrrSubBlock&, const XrDlrrSubBlock&) = default;
};
struct XrDlrrBlock {
    ByteSpan sub_blocks;  // 12 bytes each
    [[nodiscard]] std::size_t count() const noexcept { return sub_blocks.size() / 12; }
    [[nodiscard]] XrDlrrSubBlock sub_block(std::size_t i) const noexcept {
        const std::uint8_t* p = &sub_blocks[12 * i];
        return {load_be32(p), load_be32(p + 4), load_be32(p + 8)};
    }
};

// Statistics Summary (BT 6), section 4.6.
struct XrStatisticsSummaryBlock {
    bool loss_report = false;       // L
    bool duplicate_report = false;  // D
    bool jitter_flag = false;       // J
    std::uint8_t ttl_or_hl = 0;     // ToH, 2 bits: 0 none, 1 IPv4 TTL, 2 IPv6 hop limit
    std::uint32_t ssrc = 0;
    std::uint16_t begin_seq = 0;
    std::uint16_t end_seq = 0;
    std::uint32_t lost_packets = 0;
    std::uint32_t dup_packets = 0;
    std::uint32_t min_jitter = 0;
    std::uint32_t max_jitter = 0;
    std::uint32_t mean_jitter = 0;
    std::uint32_t dev_jitter = 0;
    std::uint8_t min_ttl_or_hl = 0;
    std::uint8_t max_ttl_or_hl = 0;
    std::uint8_t mean_ttl_or_hl = 0;
    std::uint8_t dev_ttl_or_hl = 0;
};

// VoIP Metrics (BT 7), section 4.7.
struct XrVoipMetricsBlock {
    std::uint32_t ssrc = 0;
    std::uint8_t loss_rate = 0;
    std::uint8_t discard_rate = 0;
    std::uint8_t burst_density = 0;
    std::uint8_t gap_density = 0;
    std::uint16_t burst_duration = 0;
    std::uint16_t gap_duration = 0;
    std::uint16_t round_trip_delay = 0;
    std::uint16_t end_system_delay = 0;
    std::uint8_t signal_level = 0;
    std::uint8_t noise_level = 0;
    std::uint8_t rerl = 0;
    std::uint8_t gmin = 0;
    std::uint8_t r_factor = 0;
    std::uint8_t ext_r_factor = 0;
    std::uint8_t mos_lq = 0;
    std::uint8_t mos_cq = 0;
    std::uint8_t rx_config = 0;
    std::uint16_t jb_nominal = 0;
    std::uint16_t jb_maximum = 0;
    std::uint16_t jb_abs_max = 0;
};

// Decoders for blocks XrView::parse has validated (the type must match).
[[nodiscard]] XrRleBlock decode_rle(const XrBlockView& b) noexcept;
[[nodiscard]] XrPacketReceiptTimesBlock decode_packet_receipt_times(const XrBlockView& b) noexcept;
[[nodiscard]] XrReceiverReferenceTimeBlock decode_receiver_reference_time(
    const XrBlockView& b) noexcept;
[[nodiscard]] XrDlrrBlock decode_dlrr(const XrBlockView& b) noexcept;
[[nodiscard]] XrStatisticsSummaryBlock decode_statistics_summary(const XrBlockView& b) noexcept;
[[nodiscard]] XrVoipMetricsBlock decode_voip_metrics(const XrBlockView& b) noexcept;

class XrView {
  public:
    XrView() noexcept = default;
    // Validates every block length against the packet and the minimum size of known types.
    [[nodiscard]] static ParseResult<XrView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<XrView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(&body_[0]); }
    [[nodiscard]] std::size_t block_count() const noexcept { return block_count_; }
    [[nodiscard]] ByteSpan blocks() const noexcept { return body_.subspan(4); }
    // Calls f(const XrBlockView&) for each report block.
    template <class F>
    void for_each_block(F&& f) const noexcept {
        std::size_t pos = 4;
        while (pos < body_.size()) {
            const std::size_t size = 4 + 4 * std::size_t{load_be16(&body_[pos + 2])};
            XrBlockView b;
            b.block_type = body_[pos];
            b.type_specific = body_[pos + 1];
            b.bytes = body_.subspan(pos, size);
            b.contents = b.bytes.subspan(4);
            f(static_cast<const XrBlockView&>(b));
            pos += size;
        }
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan body_;
    std::size_t block_count_ = 0;
};

// Block writers: each writes one complete report block into `out` and returns its size.
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                                      const XrRleBlock& b) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                                      const XrPacketReceiptTimesBlock& b) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_xr_block(
    MutableByteSpan out, const XrReceiverReferenceTimeBlock& b) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                                      std::span<const XrDlrrSubBlock> b) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                                      const XrStatisticsSummaryBlock& b) noexcept;
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out,
                                                      const XrVoipMetricsBlock& b) noexcept;
// Any block type, contents given raw (a multiple of 4 bytes).
[[nodiscard]] WriteResult<std::size_t> write_xr_block(MutableByteSpan out, std::uint8_t block_type,
                                                      std::uint8_t type_specific,
                                                      ByteSpan contents) noexcept;

// An XR packet around report blocks already serialised (e.g. with write_xr_block).
struct XrBuilder {
    std::uint32_t ssrc = 0;
    ByteSpan blocks;  // a sequence of whole report blocks
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kHeaderSize + 4 + blocks.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
