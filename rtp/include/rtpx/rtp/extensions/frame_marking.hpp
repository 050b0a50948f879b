// Video frame marking, RFC 9626 (the published draft-ietf-avtext-framemarking-16),
// "urn:ietf:params:rtp-hdrext:framemarking".
//
// Short form, for non-scalable streams (element length 1):
//  0 1 2 3 4 5 6 7
// +-+-+-+-+-+-+-+-+
// |S|E|I|D|0 0 0 0|   S: start of frame, E: end of frame, I: independent, D: discardable
// +-+-+-+-+-+-+-+-+
//
// Long form, for scalable streams (element length 3, or 2 when TL0PICIDX is omitted):
//  0                   1                   2
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |S|E|I|D|B| TID |      LID      |   TL0PICIDX   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   B: base layer sync, TID: temporal layer ID (0-7), LID: layer ID, TL0PICIDX: temporal-layer-0
//   picture index (a running counter). The low nibble of the short form is reserved: ignored on
//   parse, written as 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct FrameMarking {
    static constexpr ExtensionType kType = ExtensionType::kFrameMarking;
    static constexpr std::string_view kUri = "urn:ietf:params:rtp-hdrext:framemarking";

    struct Value {
        bool start_of_frame = false;              // S
        bool end_of_frame = false;                // E
        bool independent = false;                 // I
        bool discardable = false;                 // D
        bool scalable = false;                    // long form: the fields below are present
        bool base_layer_sync = false;             // B
        std::uint8_t temporal_id = 0;             // TID, 0-7
        std::uint8_t layer_id = 0;                // LID
        std::optional<std::uint8_t> tl0_pic_idx;  // TL0PICIDX (long form, 3 bytes)
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept;
    [[nodiscard]] static std::size_t value_size(const Value& v) noexcept {
        return !v.scalable ? 1 : (v.tl0_pic_idx ? 3 : 2);
    }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept;
};

}  // namespace rtpx::rtp
