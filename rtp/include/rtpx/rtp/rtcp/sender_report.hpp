// Sender report, SR (RFC 3550 section 6.4.1).
//
//  |V=2|P|    RC   |   PT=SR=200   |             length            |
//  |                         SSRC of sender                        |
//  |              NTP timestamp, most significant word             |
//  |             NTP timestamp, least significant word             |
//  |                         RTP timestamp                         |
//  |                     sender's packet count                     |
//  |                      sender's octet count                     |
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

struct SenderInfo {
    std::uint32_t ntp_sec = 0;
    std::uint32_t ntp_frac = 0;
    std::uint32_t rtp_ts = 0;
    std::uint32_t packet_count = 0;
    std::uint32_t octet_count = 0;

    friend bool operator==(const SenderInfo&, const SenderInfo&) = default;
};

class SenderReportView {
  public:
    SenderReportView() noexcept = default;
    [[nodiscard]] static ParseResult<SenderReportView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<SenderReportView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(&body_[0]); }
    [[nodiscard]] std::uint32_t ntp_sec() const noexcept { return load_be32(&body_[4]); }
    [[nodiscard]] std::uint32_t ntp_frac() const noexcept { return load_be32(&body_[8]); }
    [[nodiscard]] std::uint64_t ntp_timestamp() const noexcept { return load_be64(&body_[4]); }
    [[nodiscard]] std::uint32_t rtp_ts() const noexcept { return load_be32(&body_[12]); }
    [[nodiscard]] std::uint32_t packet_count() const noexcept { return load_be32(&body_[16]); }
    [[nodiscard]] std::uint32_t octet_count() const noexcept { return load_be32(&body_[20]); }
    [[nodiscard]] SenderInfo sender_info() const noexcept {
        return {ntp_sec(), ntp_frac(), rtp_ts(), packet_count(), octet_count()};
    }
    [[nodiscard]] std::size_t report_block_count() const noexcept { return packet_.count(); }
    // i < report_block_count()
    [[nodiscard]] ReportBlock report_block(std::size_t i) const noexcept {
        return load_report_block(&body_[24 + i * kReportBlockSize]);
    }
    [[nodiscard]] ByteSpan profile_extensions() const noexcept {
        return body_.subspan(24 + report_block_count() * kReportBlockSize);
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan body_;
};

struct SenderReportBuilder {
    std::uint32_t ssrc = 0;
    SenderInfo sender_info;
    std::span<const ReportBlock> report_blocks;  // at most 31
    ByteSpan profile_extensions;                 // a multiple of 4 bytes
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kHeaderSize + 24 + report_blocks.size() * kReportBlockSize +
               profile_extensions.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
