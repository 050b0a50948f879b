// Absolute capture time ("http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time").
//
// 8 bytes: the capture time as a 64-bit NTP timestamp (32.32 unsigned), optionally followed by
// 8 bytes: the estimated capture clock offset, Q32.32 signed seconds (sender's clock minus the
// capturer's). Element length is 8 or 16.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct AbsCaptureTime {
    static constexpr ExtensionType kType = ExtensionType::kAbsCaptureTime;
    static constexpr std::string_view kUri =
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";

    struct Value {
        std::uint64_t absolute_capture_timestamp = 0;                // NTP 32.32
        std::optional<std::int64_t> estimated_capture_clock_offset;  // Q32.32
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 8 && data.size() != 16) {
            return parse_error(ParseErrc::kBadLength, 0, "abs-capture-time must be 8 or 16 bytes");
        }
        Value v;
        v.absolute_capture_timestamp = load_be64(data.data());
        if (data.size() == 16) {
            v.estimated_capture_clock_offset =
                static_cast<std::int64_t>(load_be64(data.data() + 8));
        }
        return v;
    }
    [[nodiscard]] static std::size_t value_size(const Value& v) noexcept {
        return v.estimated_capture_clock_offset ? 16 : 8;
    }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        const std::size_t size = value_size(v);
        if (out.size() < size) return tl::unexpected(WriteErrc::kNoRoom);
        store_be64(out.data(), v.absolute_capture_timestamp);
        if (v.estimated_capture_clock_offset) {
            store_be64(out.data() + 8,
                       static_cast<std::uint64_t>(*v.estimated_capture_clock_offset));
        }
        return size;
    }
};

}  // namespace rtpx::rtp
