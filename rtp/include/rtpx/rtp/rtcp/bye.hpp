// Goodbye, BYE (RFC 3550 section 6.6).
//
//  |V=2|P|    SC   |   PT=BYE=203  |             length            |
//  |                           SSRC/CSRC (SC of them)              |
//  |     length    |               reason for leaving (opt)      ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

class ByeView {
  public:
    ByeView() noexcept = default;
    [[nodiscard]] static ParseResult<ByeView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<ByeView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::size_t ssrc_count() const noexcept { return packet_.count(); }
    [[nodiscard]] std::uint32_t ssrc(std::size_t i) const noexcept {
        return load_be32(&packet_.body()[4 * i]);
    }
    [[nodiscard]] bool has_reason() const noexcept { return has_reason_; }
    [[nodiscard]] ByteSpan reason() const noexcept { return reason_; }
    [[nodiscard]] std::string_view reason_text() const noexcept {
        return {reinterpret_cast<const char*>(reason_.data()), reason_.size()};
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan reason_;
    bool has_reason_ = false;
};

struct ByeBuilder {
    std::span<const std::uint32_t> ssrcs;  // at most 31
    ByteSpan reason;                       // at most 255 bytes; omitted when empty
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kHeaderSize + 4 * ssrcs.size() + (reason.empty() ? 0 : (reason.size() + 4) / 4 * 4) +
               padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
