// Absolute send time ("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"): the send time
// as 24 bits of 6.18 fixed-point seconds (bits 14-37 of the 64-bit NTP time), wrapping every 64 s.
//
//  0                   1                   2
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | seconds (6) |        fraction (18)            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct AbsSendTime {
    static constexpr ExtensionType kType = ExtensionType::kAbsSendTime;
    static constexpr std::string_view kUri =
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    struct Value {
        std::uint32_t abs_send_time = 0;  // 24-bit 6.18 fixed point seconds
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    // The 6.18 value of a 64-bit NTP timestamp (32.32).
    [[nodiscard]] static constexpr std::uint32_t from_ntp(std::uint64_t ntp) noexcept {
        return static_cast<std::uint32_t>(ntp >> 14) & 0x00FFFFFF;
    }
    // The 6.18 value of a time in microseconds (rounded to nearest).
    [[nodiscard]] static constexpr std::uint32_t from_microseconds(std::uint64_t us) noexcept {
        return static_cast<std::uint32_t>(((us << 18) + 500000) / 1000000) & 0x00FFFFFF;
    }
    [[nodiscard]] static constexpr std::uint64_t to_microseconds(std::uint32_t v) noexcept {
        return (std::uint64_t{v & 0x00FFFFFF} * 1000000 + (1u << 17)) >> 18;
    }

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 3) {
            return parse_error(ParseErrc::kBadLength, 0, "abs-send-time must be 3 bytes");
        }
        return Value{load_be24(data.data())};
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 3; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.abs_send_time > 0x00FFFFFF) return tl::unexpected(WriteErrc::kBadValue);
        if (out.size() < 3) return tl::unexpected(WriteErrc::kNoRoom);
        store_be24(out.data(), v.abs_send_time);
        return 3;
    }
};

}  // namespace rtpx::rtp
