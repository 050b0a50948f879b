// RTCP congestion control feedback, CCFB (RTPFB FMT 11, RFC 8888 section 3.1).
//
//  |V=2|P| FMT=11  |   PT = 205    |          length               |
//  |                 SSRC of RTCP packet sender                    |
//  |                   SSRC of 1st RTP Stream                      |   report block 1
//  |          begin_seq            |          num_reports          |
//  |R|ECN|  Arrival time offset    | ...  (num_reports metrics, padded to 32 bits)
//  ...                                                                report block n
//  |                        Report Timestamp                       |
//
// There is no "SSRC of media source" word. R: packet received; ECN: the two ECN bits seen; ATO:
// arrival time before the report timestamp in 1/1024 s (0x1FFE over range, 0x1FFF unavailable).
// The report timestamp is the middle 32 bits of an NTP timestamp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

struct CcfbMetric {
    bool received = false;
    std::uint8_t ecn = 0;                   // 2 bits
    std::uint16_t arrival_time_offset = 0;  // 13 bits, 1/1024 s

    [[nodiscard]] static constexpr CcfbMetric from_wire(std::uint16_t w) noexcept {
        return {(w & 0x8000) != 0, static_cast<std::uint8_t>((w >> 13) & 0x3),
                static_cast<std::uint16_t>(w & 0x1FFF)};
    }
    [[nodiscard]] constexpr std::uint16_t to_wire() const noexcept {
        return static_cast<std::uint16_t>((received ? 0x8000 : 0) | ((ecn & 0x3) << 13) |
                                          (arrival_time_offset & 0x1FFF));
    }
    friend bool operator==(const CcfbMetric&, const CcfbMetric&) = default;
};

inline constexpr std::uint16_t kCcfbAtoOverRange = 0x1FFE;
inline constexpr std::uint16_t kCcfbAtoUnavailable = 0x1FFF;

// One report block (per RTP stream).
class CcfbReportBlockView {
  public:
    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(&bytes_[0]); }
    [[nodiscard]] std::uint16_t begin_seq() const noexcept { return load_be16(&bytes_[4]); }
    [[nodiscard]] std::uint16_t num_reports() const noexcept { return load_be16(&bytes_[6]); }
    // Metric for sequence begin_seq + i, i < num_reports().
    [[nodiscard]] CcfbMetric metric(std::size_t i) const noexcept {
        return CcfbMetric::from_wire(load_be16(&bytes_[8 + 2 * i]));
    }
    [[nodiscard]] ByteSpan bytes() const noexcept { return bytes_; }

  private:
    friend class CcfbView;
    ByteSpan bytes_;
};

class CcfbView {
  public:
    CcfbView() noexcept = default;
    [[nodiscard]] static ParseResult<CcfbView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<CcfbView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return load_be32(&body_[0]); }
    [[nodiscard]] std::uint32_t report_timestamp() const noexcept {
        return load_be32(&body_[body_.size() - 4]);
    }
    [[nodiscard]] std::size_t report_block_count() const noexcept { return block_count_; }
    // Calls f(const CcfbReportBlockView&) for each report block.
    template <class F>
    void for_each_report_block(F&& f) const noexcept {
        std::size_t pos = 4;
        for (std::size_t i = 0; i < block_count_; ++i) {
            CcfbReportBlockView b;
            const std::size_t n = load_be16(&body_[pos + 6]);
            const std::size_t size = 8 + (2 * n + 3) / 4 * 4;
            b.bytes_ = body_.subspan(pos, size);
            f(static_cast<const CcfbReportBlockView&>(b));
            pos += size;
        }
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan body_;
    std::size_t block_count_ = 0;
};

struct CcfbReportBlock {
    std::uint32_t ssrc = 0;
    std::uint16_t begin_seq = 0;
    std::span<const CcfbMetric> metrics;  // num_reports of them, at most 16384
};

struct CcfbBuilder {
    std::uint32_t sender_ssrc = 0;
    std::span<const CcfbReportBlock> report_blocks;
    std::uint32_t report_timestamp = 0;
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
