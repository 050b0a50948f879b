// Receiver report, RR (RFC 3550 section 6.4.2).
//
//  |V=2|P|    RC   |   PT=RR=201   |             length            |
//  |                     SSRC of packet sender                     |
//  |                 report blocks (RC x 24 bytes)                 |
//  |                  profile-specific extensions                  |
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"
#include "rtpx/rtp/rtcp/report_block.hpp"

namespace rtpx::rtp::rtcp {

class ReceiverReportView {
  public:
    ReceiverReportView() noexcept = default;
    [[nodiscard]] static ParseResult<ReceiverReportView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<ReceiverReportView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(&body_[0]); }
    [[nodiscard]] std::size_t report_block_count() const noexcept { return packet_.count(); }
    [[nodiscard]] ReportBlock report_block(std::size_t i) const noexcept {
        return load_report_block(&body_[4 + i * kReportBlockSize]);
    }
    [[nodiscard]] ByteSpan profile_extensions() const noexcept {
        return body_.subspan(4 + report_block_count() * kReportBlockSize);
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan body_;
};

struct ReceiverReportBuilder {
    std::uint32_t ssrc = 0;
    std::span<const ReportBlock> report_blocks;  // at most 31
    ByteSpan profile_extensions;                 // a multiple of 4 bytes
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kHeaderSize + 4 + report_blocks.size() * kReportBlockSize +
               profile_extensions.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
