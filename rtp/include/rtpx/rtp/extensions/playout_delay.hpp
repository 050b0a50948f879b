// Playout delay limits ("http://www.webrtc.org/experiments/rtp-hdrext/playout-delay").
//
//  0                   1                   2
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       MIN delay       |       MAX delay       |  12 bits each, in 10 ms units (0-40.95 s)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A minimum above the maximum is rejected (kBadValue), as libwebrtc does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct PlayoutDelay {
    static constexpr ExtensionType kType = ExtensionType::kPlayoutDelay;
    static constexpr std::string_view kUri =
        "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
    static constexpr std::uint16_t kMaxDelay = 0x0FFF;  // in 10 ms units
    static constexpr std::uint32_t kGranularityMs = 10;

    struct Value {
        std::uint16_t min_delay = 0;  // 10 ms units
        std::uint16_t max_delay = 0;  // 10 ms units
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 3) {
            return parse_error(ParseErrc::kBadLength, 0, "playout delay must be 3 bytes");
        }
        const std::uint32_t raw = load_be24(data.data());
        Value v{static_cast<std::uint16_t>(raw >> 12), static_cast<std::uint16_t>(raw & 0x0FFF)};
        if (v.min_delay > v.max_delay) {
            return parse_error(ParseErrc::kBadValue, 0, "playout delay minimum above maximum");
        }
        return v;
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 3; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.max_delay > kMaxDelay || v.min_delay > v.max_delay) {
            return tl::unexpected(WriteErrc::kBadValue);
        }
        if (out.size() < 3) return tl::unexpected(WriteErrc::kNoRoom);
        store_be24(out.data(), (std::uint32_t{v.min_delay} << 12) | v.max_delay);
        return 3;
    }
};

}  // namespace rtpx::rtp
