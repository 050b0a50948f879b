#include "rtpx/rtp/extensions/frame_marking.hpp"

namespace rtpx::rtp {

ParseResult<FrameMarking::Value> FrameMarking::parse(ByteSpan data) noexcept {
    if (data.empty() || data.size() > 3) {
        return parse_error(ParseErrc::kBadLength, 0, "frame marking must be 1-3 bytes");
    }
    const std::uint8_t b = data[0];
    Value v;
    v.start_of_frame = (b & 0x80) != 0;
    v.end_of_frame = (b & 0x40) != 0;
    v.independent = (b & 0x20) != 0;
    v.discardable = (b & 0x10) != 0;
    if (data.size() == 1) return v;
    v.scalable = true;
    v.base_layer_sync = (b & 0x08) != 0;
    v.temporal_id = static_cast<std::uint8_t>(b & 0x07);
    v.layer_id = data[1];
    if (data.size() == 3) v.tl0_pic_idx = data[2];
    return v;
}

WriteResult<std::size_t> FrameMarking::write(MutableByteSpan out, const Value& v) noexcept {
    if (v.temporal_id > 7) return tl::unexpected(WriteErrc::kBadValue);
    if (!v.scalable &&
        (v.base_layer_sync || v.temporal_id != 0 || v.layer_id != 0 || v.tl0_pic_idx)) {
        return tl::unexpected(WriteErrc::kBadValue);  // layer fields need the long form
    }
    const std::size_t size = value_size(v);
    if (out.size() < size) return tl::unexpected(WriteErrc::kNoRoom);
    std::uint8_t b =
        static_cast<std::uint8_t>((v.start_of_frame ? 0x80 : 0) | (v.end_of_frame ? 0x40 : 0) |
                                  (v.independent ? 0x20 : 0) | (v.discardable ? 0x10 : 0));
    if (v.scalable) {
        b = static_cast<std::uint8_t>(b | (v.base_layer_sync ? 0x08 : 0) | v.temporal_id);
        out[1] = v.layer_id;
        if (v.tl0_pic_idx) out[2] = *v.tl0_pic_idx;
    }
    out[0] = b;
    return size;
}

}  // namespace rtpx::rtp
