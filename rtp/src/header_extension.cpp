#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

namespace {

struct UriEntry {
    ExtensionType type;
    std::string_view uri;
    std::string_view name;
};

constexpr std::array<UriEntry, kExtensionTypeCount> kUris{{
    {ExtensionType::kNone, "", "none"},
    {ExtensionType::kAudioLevel, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", "audio_level"},
    {ExtensionType::kCsrcAudioLevel, "urn:ietf:params:rtp-hdrext:csrc-audio-level",
     "csrc_audio_level"},
    {ExtensionType::kVideoOrientation, "urn:3gpp:video-orientation", "video_orientation"},
    {ExtensionType::kTransportWideCc,
     "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
     "transport_wide_cc"},
    {ExtensionType::kAbsSendTime, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
     "abs_send_time"},
    {ExtensionType::kAbsCaptureTime,
     "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time", "abs_capture_time"},
    {ExtensionType::kTransmissionOffset, "urn:ietf:params:rtp-hdrext:toffset",
     "transmission_offset"},
    {ExtensionType::kFrameMarking, "urn:ietf:params:rtp-hdrext:framemarking", "frame_marking"},
    {ExtensionType::kMid, "urn:ietf:params:rtp-hdrext:sdes:mid", "mid"},
    {ExtensionType::kRtpStreamId, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "rtp_stream_id"},
    {ExtensionType::kRepairedRtpStreamId, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
     "repaired_rtp_stream_id"},
    {ExtensionType::kPlayoutDelay, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
     "playout_delay"},
    {ExtensionType::kDependencyDescriptor,
     "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
     "dependency_descriptor"},
}};

constexpr bool table_in_order() {
    for (std::size_t i = 0; i < kUris.size(); ++i) {
        if (static_cast<std::size_t>(kUris[i].type) != i) return false;
    }
    return true;
}
static_assert(table_in_order(), "kUris must be indexed by ExtensionType");

}  // namespace

std::string_view uri_of(ExtensionType type) noexcept {
    const auto i = static_cast<std::size_t>(type);
    return i < kUris.size() ? kUris[i].uri : std::string_view{};
}

std::string_view name_of(ExtensionType type) noexcept {
    const auto i = static_cast<std::size_t>(type);
    return i < kUris.size() ? kUris[i].name : std::string_view{"unknown"};
}

ExtensionType type_from_uri(std::string_view uri) noexcept {
    if (uri.empty()) return ExtensionType::kNone;
    for (const UriEntry& e : kUris) {
        if (e.uri == uri) return e.type;
    }
    return ExtensionType::kNone;
}

bool ExtensionMap::set(std::uint8_t id, ExtensionType type) noexcept {
    if (id == 0 || static_cast<std::size_t>(type) >= kExtensionTypeCount) return false;
    const ExtensionType old_type = types_[id];
    if (old_type != ExtensionType::kNone) ids_[static_cast<std::size_t>(old_type)] = 0;
    if (type != ExtensionType::kNone) {
        const std::uint8_t old_id = ids_[static_cast<std::size_t>(type)];
        if (old_id != 0) types_[old_id] = ExtensionType::kNone;
        ids_[static_cast<std::size_t>(type)] = id;
    }
    types_[id] = type;
    return true;
}

bool ExtensionMap::set_uri(std::uint8_t id, std::string_view uri) noexcept {
    const ExtensionType type = type_from_uri(uri);
    if (type == ExtensionType::kNone) return false;
    return set(id, type);
}

void ExtensionMap::clear() noexcept {
    types_.fill(ExtensionType::kNone);
    ids_.fill(0);
}

bool ExtensionMap::empty() const noexcept {
    for (std::size_t i = 1; i < ids_.size(); ++i) {
        if (ids_[i] != 0) return false;
    }
    return true;
}

}  // namespace rtpx::rtp
