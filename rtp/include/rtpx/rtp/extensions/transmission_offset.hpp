// Transmission time offset, RFC 5450 ("urn:ietf:params:rtp-hdrext:toffset").
//
//  0                   1                   2
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        transmission offset (24-bit signed)    |  in RTP timestamp units
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct TransmissionOffset {
    static constexpr ExtensionType kType = ExtensionType::kTransmissionOffset;
    static constexpr std::string_view kUri = "urn:ietf:params:rtp-hdrext:toffset";
    static constexpr std::int32_t kMin = -(1 << 23);
    static constexpr std::int32_t kMax = (1 << 23) - 1;

    struct Value {
        std::int32_t transmission_offset = 0;  // -2^23 .. 2^23-1
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.size() != 3) {
            return parse_error(ParseErrc::kBadLength, 0, "transmission offset must be 3 bytes");
        }
        const std::uint32_t raw = load_be24(data.data());
        // Sign-extend from 24 bits.
        return Value{static_cast<std::int32_t>(raw ^ 0x800000u) - 0x800000};
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 3; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.transmission_offset < kMin || v.transmission_offset > kMax) {
            return tl::unexpected(WriteErrc::kBadValue);
        }
        if (out.size() < 3) return tl::unexpected(WriteErrc::kNoRoom);
        store_be24(out.data(), static_cast<std::uint32_t>(v.transmission_offset) & 0x00FFFFFF);
        return 3;
    }
};

}  // namespace rtpx::rtp
