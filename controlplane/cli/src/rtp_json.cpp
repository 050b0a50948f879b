#include "rtp_json.hpp"

#include <charconv>

#include "input.hpp"
#include "rtpx/rtp/extensions/all.hpp"

namespace rtpx::cli {
namespace {

using json = nlohmann::ordered_json;
namespace r = rtpx::rtp;

json error_json(const r::ParseError& e) {
    return json{{"error", e.what}};
}

std::string_view dti_name(r::DecodeTargetIndication dti) {
    switch (dti) {
        case r::DecodeTargetIndication::kNotPresent: return "not_present";
        case r::DecodeTargetIndication::kDiscardable: return "discardable";
        case r::DecodeTargetIndication::kSwitch: return "switch";
        case r::DecodeTargetIndication::kRequired: return "required";
    }
    return "unknown";
}

json dtis_json(const std::array<r::DecodeTargetIndication, 32>& dtis, std::size_t count) {
    json out = json::array();
    for (std::size_t i = 0; i < count; ++i) out.push_back(dti_name(dtis[i]));
    return out;
}

json structure_json(const r::FrameDependencyStructure& s) {
    json templates = json::array();
    for (std::size_t t = 0; t < s.template_count; ++t) {
        const r::FrameDependencyTemplate& tmpl = s.templates[t];
        json fdiffs = json::array();
        for (std::size_t i = 0; i < tmpl.fdiff_count; ++i) fdiffs.push_back(tmpl.fdiffs[i]);
        json chains = json::array();
        for (std::size_t c = 0; c < s.chain_count; ++c) chains.push_back(tmpl.chain_fdiffs[c]);
        templates.push_back(json{{"spatial_id", tmpl.spatial_id},
                                 {"temporal_id", tmpl.temporal_id},
                                 {"dtis", dtis_json(tmpl.dtis, s.decode_target_count)},
                                 {"fdiffs", fdiffs},
                                 {"chain_fdiffs", chains}});
    }
    json protected_by = json::array();
    if (s.chain_count != 0) {
        for (std::size_t d = 0; d < s.decode_target_count; ++d) {
            protected_by.push_back(s.decode_target_protected_by[d]);
        }
    }
    json out{{"template_id_offset", s.template_id_offset},
             {"decode_target_count", s.decode_target_count},
             {"chain_count", s.chain_count},
             {"templates", templates},
             {"decode_target_protected_by", protected_by}};
    if (s.resolutions_present) {
        json res = json::array();
        for (std::size_t i = 0; i < s.spatial_layer_count(); ++i) {
            res.push_back(
                json{{"width", s.resolutions[i].width}, {"height", s.resolutions[i].height}});
        }
        out["render_resolutions"] = res;
    }
    return out;
}

json dependency_descriptor_json(const r::DependencyDescriptor::Value& v) {
    json out{{"start_of_frame", v.start_of_frame},
             {"end_of_frame", v.end_of_frame},
             {"frame_dependency_template_id", v.frame_dependency_template_id},
             {"frame_number", v.frame_number}};
    if (v.structure) out["template_dependency_structure"] = structure_json(*v.structure);
    if (v.structure || v.active_decode_targets_present) {
        out["active_decode_targets_bitmask"] = v.active_decode_targets_bitmask;
    }
    if (v.structure_needed) {
        out["structure_needed"] = true;
        out["custom_dtis"] = v.custom_dtis;
        out["custom_fdiffs"] = v.custom_fdiffs;
        out["custom_chains"] = v.custom_chains;
        return out;
    }
    if (v.custom_dtis) out["frame_dtis"] = dtis_json(v.frame_dtis, v.decode_target_count);
    if (v.custom_fdiffs) {
        json fdiffs = json::array();
        for (std::size_t i = 0; i < v.frame_fdiff_count; ++i) fdiffs.push_back(v.frame_fdiffs[i]);
        out["frame_fdiffs"] = fdiffs;
    }
    if (v.custom_chains) {
        json chains = json::array();
        for (std::size_t c = 0; c < v.chain_count; ++c) chains.push_back(v.frame_chain_fdiffs[c]);
        out["frame_chain_fdiffs"] = chains;
    }
    return out;
}

template <class Ext, class F>
json decode(r::ByteSpan data, F&& fields) {
    auto v = Ext::parse(data);
    if (!v) return error_json(v.error());
    return fields(*v);
}

}  // namespace

json extension_to_json(r::ExtensionType type, r::ByteSpan data) {
    switch (type) {
        case r::ExtensionType::kNone: break;
        case r::ExtensionType::kAudioLevel:
            return decode<r::AudioLevel>(data, [](const auto& v) {
                return json{{"voice_activity", v.voice_activity}, {"level", v.level}};
            });
        case r::ExtensionType::kCsrcAudioLevel:
            return decode<r::CsrcAudioLevel>(data, [](const auto& v) {
                json levels = json::array();
                for (std::size_t i = 0; i < v.count; ++i) levels.push_back(v.levels[i]);
                return json{{"levels", levels}};
            });
        case r::ExtensionType::kVideoOrientation:
            return decode<r::VideoOrientation>(data, [](const auto& v) {
                return json{
                    {"back_camera", v.back_camera}, {"flip", v.flip}, {"rotation", v.rotation}};
            });
        case r::ExtensionType::kTransportWideCc:
            return decode<r::TransportWideCc>(data, [](const auto& v) {
                return json{{"transport_sequence_number", v.transport_sequence_number}};
            });
        case r::ExtensionType::kAbsSendTime:
            return decode<r::AbsSendTime>(data, [](const auto& v) {
                return json{{"abs_send_time", v.abs_send_time},
                            {"abs_send_time_us", r::AbsSendTime::to_microseconds(v.abs_send_time)}};
            });
        case r::ExtensionType::kAbsCaptureTime:
            return decode<r::AbsCaptureTime>(data, [](const auto& v) {
                json out{{"absolute_capture_timestamp", v.absolute_capture_timestamp}};
                if (v.estimated_capture_clock_offset) {
                    out["estimated_capture_clock_offset"] = *v.estimated_capture_clock_offset;
                }
                return out;
            });
        case r::ExtensionType::kTransmissionOffset:
            return decode<r::TransmissionOffset>(data, [](const auto& v) {
                return json{{"transmission_offset", v.transmission_offset}};
            });
        case r::ExtensionType::kFrameMarking:
            return decode<r::FrameMarking>(data, [](const auto& v) {
                json out{{"start_of_frame", v.start_of_frame},
                         {"end_of_frame", v.end_of_frame},
                         {"independent", v.independent},
                         {"discardable", v.discardable}};
                if (v.scalable) {
                    out["base_layer_sync"] = v.base_layer_sync;
                    out["temporal_id"] = v.temporal_id;
                    out["layer_id"] = v.layer_id;
                    if (v.tl0_pic_idx) out["tl0_pic_idx"] = *v.tl0_pic_idx;
                }
                return out;
            });
        case r::ExtensionType::kMid:
            return decode<r::Mid>(data, [](const auto& v) {
                return json{{"mid", std::string(v)}};
            });
        case r::ExtensionType::kRtpStreamId:
            return decode<r::RtpStreamId>(data, [](const auto& v) {
                return json{{"rtp_stream_id", std::string(v)}};
            });
        case r::ExtensionType::kRepairedRtpStreamId:
            return decode<r::RepairedRtpStreamId>(data, [](const auto& v) {
                return json{{"repaired_rtp_stream_id", std::string(v)}};
            });
        case r::ExtensionType::kPlayoutDelay:
            return decode<r::PlayoutDelay>(data, [](const auto& v) {
                return json{{"min_delay_ms", v.min_delay * r::PlayoutDelay::kGranularityMs},
                            {"max_delay_ms", v.max_delay * r::PlayoutDelay::kGranularityMs}};
            });
        case r::ExtensionType::kDependencyDescriptor:
            return decode<r::DependencyDescriptor>(
                data, [](const auto& v) { return dependency_descriptor_json(v); });
    }
    return json{{"error", "no decoder for this extension type"}};
}

json rtp_to_json(const r::RtpView& packet, const r::ExtensionMap& map) {
    json csrcs = json::array();
    for (std::size_t i = 0; i < packet.csrc_count(); ++i) csrcs.push_back(packet.csrc(i));
    json extensions = json::array();
    for (const r::HeaderExtensionElement& e : packet.extensions()) {
        const r::ExtensionType type = map.type_of(e.id);
        json element{{"id", e.id}};
        if (type == r::ExtensionType::kNone) {
            element["uri"] = nullptr;
            element["len"] = e.data.size();
            element["data"] = to_hex(e.data);
        } else {
            element["uri"] = std::string(r::uri_of(type));
            element["len"] = e.data.size();
            json fields = extension_to_json(type, e.data);
            if (fields.contains("error")) element["data"] = to_hex(e.data);
            element.update(fields);
        }
        extensions.push_back(std::move(element));
    }
    return json{{"kind", "rtp"},
                {"version", packet.version()},
                {"padding", packet.has_padding()},
                {"marker", packet.marker()},
                {"pt", packet.payload_type()},
                {"seq", packet.sequence_number()},
                {"ts", packet.timestamp()},
                {"ssrc", packet.ssrc()},
                {"csrcs", csrcs},
                {"extensions", extensions},
                {"payload_len", packet.payload_size()}};
}

tl::expected<std::pair<std::uint8_t, r::ExtensionType>, std::string> parse_extmap_arg(
    std::string_view arg) {
    const std::size_t eq = arg.find('=');
    if (eq == std::string_view::npos) {
        return tl::unexpected("extmap '" + std::string(arg) + "' has no '=' (expected ID=URI)");
    }
    const std::string_view id_text = arg.substr(0, eq);
    const std::string_view uri = arg.substr(eq + 1);
    if (id_text.find('/') != std::string_view::npos) {
        return tl::unexpected("extmap ID '" + std::string(id_text) +
                              "' has a direction; give only the number (ID=URI)");
    }
    unsigned id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || ec != std::errc{} || end != id_text.data() + id_text.size()) {
        return tl::unexpected("extmap ID '" + std::string(id_text) + "' is not a number");
    }
    if (id < 1 || id > 255) {
        return tl::unexpected("extmap ID " + std::to_string(id) + " is out of range 1-255");
    }
    if (uri.empty()) return tl::unexpected(std::string("extmap URI is empty"));
    const r::ExtensionType type = r::type_from_uri(uri);
    if (type == r::ExtensionType::kNone) {
        return tl::unexpected("extmap URI '" + std::string(uri) + "' is not a known extension");
    }
    return std::pair<std::uint8_t, r::ExtensionType>{static_cast<std::uint8_t>(id), type};
}

}  // namespace rtpx::cli
