// Client-to-mixer audio level, RFC 6464 ("urn:ietf:params:rtp-hdrext:ssrc-audio-level").
//
//  0 1 2 3 4 5 6 7
// +-+-+-+-+-+-+-+-+
// |V|    level    |   V: voice activity; level: 0-127, in -dBov (0 = loudest, 127 = silence)
// +-+-+-+-+-+-+-+-+
//
// Some senders (old libwebrtc, some SBCs) pad the element to 2 or 4 bytes; parse() accepts 1-4
// bytes and reads the first, write() always writes 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct AudioLevel {
    static constexpr ExtensionType kType = ExtensionType::kAudioLevel;
    static constexpr std::string_view kUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    struct Value {
        bool voice_activity = false;
        std::uint8_t level = 127;  // -dBov, 0-127
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.empty() || data.size() > 4) {
            return parse_error(ParseErrc::kBadLength, 0, "audio level must be 1 byte");
        }
        return Value{(data[0] & 0x80) != 0, static_cast<std::uint8_t>(data[0] & 0x7F)};
    }
    [[nodiscard]] static std::size_t value_size(const Value&) noexcept { return 1; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.level > 127) return tl::unexpected(WriteErrc::kBadValue);
        if (out.empty()) return tl::unexpected(WriteErrc::kNoRoom);
        out[0] = static_cast<std::uint8_t>((v.voice_activity ? 0x80 : 0) | v.level);
        return 1;
    }
};

}  // namespace rtpx::rtp
