// Mixer-to-client audio levels, RFC 6465 ("urn:ietf:params:rtp-hdrext:csrc-audio-level").
//
// One byte per CSRC, in CSRC-list order (at most 15):
//  0 1 2 3 4 5 6 7
// +-+-+-+-+-+-+-+-+
// |0|   level 1   | ...   level: 0-127, in -dBov; the top bit is reserved (sent 0, ignored here)
// +-+-+-+-+-+-+-+-+
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

struct CsrcAudioLevel {
    static constexpr ExtensionType kType = ExtensionType::kCsrcAudioLevel;
    static constexpr std::string_view kUri = "urn:ietf:params:rtp-hdrext:csrc-audio-level";
    static constexpr std::size_t kMaxLevels = 15;

    struct Value {
        std::array<std::uint8_t, kMaxLevels> levels{};  // entries past count are 0
        std::uint8_t count = 0;
        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        if (data.empty() || data.size() > kMaxLevels) {
            return parse_error(ParseErrc::kBadLength, 0, "CSRC audio levels must be 1-15 bytes");
        }
        Value v;
        v.count = static_cast<std::uint8_t>(data.size());
        for (std::size_t i = 0; i < data.size(); ++i) {
            v.levels[i] = static_cast<std::uint8_t>(data[i] & 0x7F);
        }
        return v;
    }
    [[nodiscard]] static std::size_t value_size(const Value& v) noexcept { return v.count; }
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept {
        if (v.count == 0 || v.count > kMaxLevels) return tl::unexpected(WriteErrc::kBadValue);
        if (out.size() < v.count) return tl::unexpected(WriteErrc::kNoRoom);
        for (std::size_t i = 0; i < v.count; ++i) {
            if (v.levels[i] > 127) return tl::unexpected(WriteErrc::kBadValue);
            out[i] = v.levels[i];
        }
        return v.count;
    }
};

}  // namespace rtpx::rtp
