// Fuzz target: the header extension codecs. The first input byte selects the extension type
// (ExtensionType, modulo the count), the rest is the element data. A successful parse must write
// back (value_size bytes exactly) and re-parse to an equal value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtpx/rtp/extensions/all.hpp"

using namespace rtpx::rtp;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

template <class Ext>
void round_trip(ByteSpan data) {
    auto value = Ext::parse(data);
    if (!value) return;
    const std::size_t size = Ext::value_size(*value);
    std::vector<std::uint8_t> out(size);
    auto n = Ext::write(out, *value);
    check(n.has_value() && *n == size);
    auto again = Ext::parse(out);
    check(again.has_value());
    check(*again == *value);
}

void dependency_descriptor(ByteSpan data) {
    auto value = DependencyDescriptor::parse(data);
    if (value && !value->structure_needed) round_trip<DependencyDescriptor>(data);
    // Again with a stream structure (three decode targets, two chains) for the custom fields.
    FrameDependencyStructure s;
    s.decode_target_count = 3;
    s.chain_count = 2;
    s.template_count = 4;
    s.templates[1].temporal_id = 1;
    s.templates[2].spatial_id = 1;
    s.templates[3].spatial_id = 1;
    s.decode_target_protected_by = {0, 1, 1};
    auto with = DependencyDescriptor::parse(data, &s);
    if (!with || with->structure_needed) return;
    const std::size_t size = DependencyDescriptor::value_size(*with);
    std::vector<std::uint8_t> out(size);
    auto n = DependencyDescriptor::write(out, *with);
    check(n.has_value() && *n == size);
    auto again = DependencyDescriptor::parse(out, with->structure ? nullptr : &s);
    check(again.has_value());
    check(*again == *with);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const ByteSpan body(data + 1, size - 1);
    switch (static_cast<ExtensionType>(data[0] % kExtensionTypeCount)) {
        case ExtensionType::kNone: break;
        case ExtensionType::kAudioLevel: round_trip<AudioLevel>(body); break;
        case ExtensionType::kCsrcAudioLevel: round_trip<CsrcAudioLevel>(body); break;
        case ExtensionType::kVideoOrientation: round_trip<VideoOrientation>(body); break;
        case ExtensionType::kTransportWideCc: round_trip<TransportWideCc>(body); break;
        case ExtensionType::kAbsSendTime: round_trip<AbsSendTime>(body); break;
        case ExtensionType::kAbsCaptureTime: round_trip<AbsCaptureTime>(body); break;
        case ExtensionType::kTransmissionOffset: round_trip<TransmissionOffset>(body); break;
        case ExtensionType::kFrameMarking: round_trip<FrameMarking>(body); break;
        case ExtensionType::kMid: round_trip<Mid>(body); break;
        case ExtensionType::kRtpStreamId: round_trip<RtpStreamId>(body); break;
        case ExtensionType::kRepairedRtpStreamId: round_trip<RepairedRtpStreamId>(body); break;
        case ExtensionType::kPlayoutDelay: round_trip<PlayoutDelay>(body); break;
        case ExtensionType::kDependencyDescriptor: dependency_descriptor(body); break;
    }
    return 0;
}
