// RTP payload types: the RFC 3551 section 6 static table and dynamic bindings from SDP rtpmap
// values (RFC 8866 section 6.6: "a=rtpmap:<payload type> <encoding name>/<clock
// rate>[/<parameters>]").
//
// A PayloadTypeRegistry is a fixed array of 128 entries (PT is 7 bits); building it and adding
// bindings never allocates. Lookups are O(1) by PT.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tl/expected.hpp>

namespace rtpx::rtp {

enum class MediaKind : std::uint8_t {
    kUnknown,  // a dynamic binding whose m= line kind was not given
    kAudio,
    kVideo,
    kAudioVideo,  // RFC 3551 "AV" (MP2T)
};

[[nodiscard]] constexpr std::string_view to_string(MediaKind k) noexcept {
    switch (k) {
        case MediaKind::kUnknown: return "unknown";
        case MediaKind::kAudio: return "audio";
        case MediaKind::kVideo: return "video";
        case MediaKind::kAudioVideo: return "audio/video";
    }
    return "unknown";
}

struct PayloadType {
    static constexpr std::size_t kMaxEncodingName = 31;

    std::array<char, kMaxEncodingName + 1> encoding_name{};  // NUL-padded
    std::uint8_t encoding_name_size = 0;
    std::uint8_t channels = 0;  // 0 for video / not applicable, 1 mono, 2 stereo, ...
    MediaKind kind = MediaKind::kUnknown;
    bool is_static = false;        // from the RFC 3551 table rather than an rtpmap
    std::uint32_t clock_rate = 0;  // RTP timestamp rate in Hz

    [[nodiscard]] constexpr std::string_view encoding() const noexcept {
        return {encoding_name.data(), encoding_name_size};
    }
};

enum class RtpmapErrc : std::uint8_t {
    kBadPayloadType,   // not 0..127
    kBadEncodingName,  // empty, too long, or a character outside the SDP token set
    kMissingClockRate,
    kBadClockRate,  // not a decimal number, zero, or larger than 2^32 - 1
    kBadChannels,   // encoding parameters not a decimal number in 1..255
};

struct RtpmapError {
    RtpmapErrc code;
    const char* what;  // static phrase, e.g. "rtpmap clock rate is not a decimal number"
};

// RFC 5761 section 4: with rtcp-mux, payload types 64..95 should not be used, since PT 72..76 with
// the marker bit set are indistinguishable from RTCP SR/RR/SDES/BYE/APP.
[[nodiscard]] constexpr bool conflicts_with_rtcp_mux(std::uint8_t pt) noexcept {
    return pt >= 64 && pt <= 95;
}

class PayloadTypeRegistry {
  public:
    static constexpr std::size_t kPayloadTypes = 128;

    // Starts with the RFC 3551 static assignments. Use clear() for an empty registry.
    PayloadTypeRegistry() noexcept;

    // Binds pt to an rtpmap value such as "opus/48000/2" or "H264/90000". Replaces any existing
    // binding for pt (SDP may rebind even a static PT). The channel count defaults to 1 for audio
    // when the value has no encoding parameters, 0 otherwise.
    [[nodiscard]] tl::expected<void, RtpmapError> add_rtpmap(
        std::uint8_t pt, std::string_view rtpmap, MediaKind kind = MediaKind::kUnknown) noexcept;

    // nullptr when pt is unbound or > 127.
    [[nodiscard]] const PayloadType* find(std::uint8_t pt) const noexcept;

    // The lowest PT bound to this encoding (case-insensitive) and clock rate; channels 0 matches
    // any channel count. -1 if none.
    [[nodiscard]] int find_pt(std::string_view encoding, std::uint32_t clock_rate,
                              std::uint8_t channels = 0) const noexcept;

    void remove(std::uint8_t pt) noexcept;
    void clear() noexcept;  // removes every binding, static ones included
    [[nodiscard]] std::size_t size() const noexcept;

  private:
    std::array<PayloadType, kPayloadTypes> entries_{};
    std::array<bool, kPayloadTypes> bound_{};
};

// The RFC 3551 static entry for pt, or nullptr for dynamic/unassigned/reserved PTs.
[[nodiscard]] const PayloadType* static_payload_type(std::uint8_t pt) noexcept;

}  // namespace rtpx::rtp
