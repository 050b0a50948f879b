// Application-defined packet, APP (RFC 3550 section 6.7).
//
//  |V=2|P| subtype |   PT=APP=204  |             length            |
//  |                           SSRC/CSRC                           |
//  |                          name (ASCII)                         |
//  |                   application-dependent data                ...
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

class AppView {
  public:
    AppView() noexcept = default;
    [[nodiscard]] static ParseResult<AppView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<AppView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint8_t subtype() const noexcept { return packet_.count(); }
    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(&body_[0]); }
    [[nodiscard]] std::string_view name() const noexcept {
        return {reinterpret_cast<const char*>(&body_[4]), 4};
    }
    [[nodiscard]] ByteSpan data() const noexcept { return body_.subspan(8); }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    PacketView packet_;
    ByteSpan body_;
};

struct AppBuilder {
    std::uint8_t subtype = 0;  // 5 bits
    std::uint32_t ssrc = 0;
    std::array<char, 4> name{};
    ByteSpan data;  // a multiple of 4 bytes
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept {
        return kHeaderSize + 8 + data.size() + padding;
    }
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
