// Coordination of video orientation, 3GPP TS 26.114 section 7.4.5 ("urn:3gpp:video-orientation").
//
//  0 1 2 3 4 5 6 7
// +-+-+-+-+-+-+-+-+
// |0 0 0 0|C|F|R1R0|   C: camera (0 front, 1 back); F: horizontal flip;
// +-+-+-+-+-+-+-+-+    R1R0: rotation 0, 90, 180, 270 degrees
//
// The four high bits (the higher-granularity rotation bits of urn:3gpp:video-orientation:6) are
// ignored on parse and written as 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct VideoOrientation {
    static constexpr ExtensionType kType = ExtensionType::kVideoOrientation;
    static constexpr std::string_view kUri = "urn:3gpp:video-orientation";

    struct Value {
        bool back_camera = false;    // C
        bool flip = false;           // F
        std::uint16_t rotation = 0;  // degrees: 0, 90, 180 or 270
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 1) {
            return parse_error(ParseErrc::kBadLength, 0, "video orientation must be 1 byte");
        }
        return Value{(data[0] & 0x08) != 0, (data[0] & 0x04) != 0,
                     static_cast<std::uint16_t>((data[0] & 0x03) * 90)};
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 1; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.rotation % 90 != 0 || v.rotation > 270) return tl::unexpected(WriteErrc::kBadValue);
        if (out.empty()) return tl::unexpected(WriteErrc::kNoRoom);
        out[0] = static_cast<std::uint8_t>((v.back_camera ? 0x08 : 0) | (v.flip ? 0x04 : 0) |
                                           (v.rotation / 90));
        return 1;
    }
};

}  // namespace rtpx::rtp
