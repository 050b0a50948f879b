// AV1 dependency descriptor, AV1 RTP payload specification appendix A
// ("https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension").
//
// A bit-packed descriptor (MSB first, zero-padded to whole bytes):
//   mandatory (3 bytes): start_of_frame f(1), end_of_frame f(1), frame_dependency_template_id f(6),
//                        frame_number f(16)
//   extended (when the element is longer than 3 bytes): template_dependency_structure_present_flag,
//     active_decode_targets_present_flag, custom_dtis_flag, custom_fdiffs_flag, custom_chains_flag
//     (1 bit each), then the template dependency structure (A.8.2: template_id_offset f(6),
//     dt_cnt_minus_one f(5), template layers (next_layer_idc f(2) until 3), DTIs f(2) per template
//     and decode target, fdiffs (fdiff_follows_flag f(1), fdiff_minus_one f(4)), chains
//     (chain_cnt ns(DtCnt+1), decode_target_protected_by ns(chain_cnt), template chain fdiffs
//     f(4)), resolutions_present_flag f(1) and render_width/height_minus_1 f(16) per spatial
//     layer), active_decode_targets_bitmask f(DtCnt), then the frame's custom DTIs f(2) each,
//     custom fdiffs (next_fdiff_size f(2), fdiff_minus_one f(4*size)) and custom chain fdiffs f(8)
//     each.
//
// DtCnt and chain_cnt come from the structure, which a sender puts only in some packets (key
// frames). parse(data) uses the structure when this packet carries it; parse(data, &structure)
// uses the stream's latest structure otherwise. When neither is there and the packet flags fields
// that need it (active decode targets, custom DTIs or chains), parse reads what it can (mandatory
// fields, flags, custom fdiffs when they come first) and sets `structure_needed`.
//
// Limits (fixed-capacity arrays, no heap): 64 templates (all template IDs), 32 decode targets (the
// 5-bit field's whole range), 32 chains, 16 fdiffs per template, 16 custom fdiffs per frame,
// 64 spatial layers of render resolutions. Structures beyond them are kUnsupported.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

// Decode target indication (A.8.3, table A.1).
enum class DecodeTargetIndication : std::uint8_t {
    kNotPresent = 0,
    kDiscardable = 1,
    kSwitch = 2,
    kRequired = 3,
};

struct FrameDependencyTemplate {
    static constexpr std::size_t kMaxFdiffs = 16;

    std::uint8_t spatial_id = 0;
    std::uint8_t temporal_id = 0;
    std::array<DecodeTargetIndication, 32> dtis{};  // decode_target_count entries
    std::uint8_t fdiff_count = 0;
    std::array<std::uint8_t, kMaxFdiffs> fdiffs{};  // 1-16 each
    std::array<std::uint8_t, 32> chain_fdiffs{};    // chain_count entries, 0-15 each
    friend bool operator==(const FrameDependencyTemplate&,
                           const FrameDependencyTemplate&) = default;
};

struct RenderResolution {
    std::uint32_t width = 0;   // render_width_minus_1 + 1
    std::uint32_t height = 0;  // render_height_minus_1 + 1
    friend bool operator==(const RenderResolution&, const RenderResolution&) = default;
};

struct FrameDependencyStructure {
    static constexpr std::size_t kMaxTemplates = 64;
    static constexpr std::size_t kMaxDecodeTargets = 32;
    static constexpr std::size_t kMaxChains = 32;
    static constexpr std::size_t kMaxSpatialLayers = 64;

    std::uint8_t template_id_offset = 0;   // 0-63
    std::uint8_t decode_target_count = 1;  // DtCnt, 1-32
    std::uint8_t chain_count = 0;          // 0-DtCnt
    std::uint8_t template_count = 0;       // 1-64
    std::array<FrameDependencyTemplate, kMaxTemplates> templates{};
    std::array<std::uint8_t, kMaxDecodeTargets> decode_target_protected_by{};  // chain index
    bool resolutions_present = false;
    std::array<RenderResolution, kMaxSpatialLayers> resolutions{};  // spatial_layer_count() entries

    // MaxSpatialId + 1: the spatial ID of the last template, plus one.
    [[nodiscard]] std::size_t spatial_layer_count() const noexcept {
        return template_count == 0 ? 0 : templates[template_count - 1].spatial_id + 1u;
    }
    friend bool operator==(const FrameDependencyStructure&,
                           const FrameDependencyStructure&) = default;
};

struct DependencyDescriptor {
    static constexpr ExtensionType kType = ExtensionType::kDependencyDescriptor;
    static constexpr std::string_view kUri =
        "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";
    static constexpr std::size_t kMaxFrameFdiffs = 16;

    struct Value {
        // Mandatory fields.
        bool start_of_frame = false;
        bool end_of_frame = false;
        std::uint8_t frame_dependency_template_id = 0;  // 0-63
        std::uint16_t frame_number = 0;

        // Extended-field flags (all false in a 3-byte descriptor).
        bool active_decode_targets_present = false;
        bool custom_dtis = false;
        bool custom_fdiffs = false;
        bool custom_chains = false;
        // template_dependency_structure_present_flag: the structure this packet carries.
        std::optional<FrameDependencyStructure> structure;

        // Set by parse when flagged fields need a structure that neither the packet nor the caller
        // supplied; the fields after the flags were then not read.
        bool structure_needed = false;

        // DtCnt and chain_cnt of the structure in use (0 when unknown); the writer sizes the
        // custom fields by them.
        std::uint8_t decode_target_count = 0;
        std::uint8_t chain_count = 0;

        // Present when active_decode_targets_present, or all-ones over DtCnt when the packet
        // carries a structure without an explicit bitmask; else 0.
        std::uint32_t active_decode_targets_bitmask = 0;

        std::array<DecodeTargetIndication, 32> frame_dtis{};        // custom_dtis: DtCnt entries
        std::uint8_t frame_fdiff_count = 0;                         // custom_fdiffs
        std::array<std::uint16_t, kMaxFrameFdiffs> frame_fdiffs{};  // 1-4096 each
        std::array<std::uint8_t, 32> frame_chain_fdiffs{};  // custom_chains: chain_cnt entries

        friend bool operator==(const Value&, const Value&) = default;
    };
    using value_type = Value;

    [[nodiscard]] static ParseResult<Value> parse(ByteSpan data) noexcept {
        return parse(data, nullptr);
    }
    // `stream_structure`: the latest structure seen on the stream, used when the packet has none.
    [[nodiscard]] static ParseResult<Value> parse(
        ByteSpan data, const FrameDependencyStructure* stream_structure) noexcept;
    // 0 when the value cannot be written (see write()).
    [[nodiscard]] static std::size_t value_size(const Value& v) noexcept;
    // kBadValue for a value the syntax cannot express (template layers out of order, counts over
    // the limits, fields out of range, structure_needed set).
    [[nodiscard]] static WriteResult<std::size_t> write(MutableByteSpan out,
                                                        const Value& v) noexcept;
};

}  // namespace rtpx::rtp
