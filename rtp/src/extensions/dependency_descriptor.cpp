#include "rtpx/rtp/extensions/dependency_descriptor.hpp"

namespace rtpx::rtp {
namespace {

class BitReader {
  public:
    explicit BitReader(ByteSpan data) noexcept : data_(data), size_bits_(data.size() * 8) {}

    // Reads n (0-32) bits MSB first; past the end it returns 0 and remembers the overrun.
    std::uint32_t read(unsigned n) noexcept {
        if (pos_ + n > size_bits_) {
            overrun_ = true;
            pos_ = size_bits_;
            return 0;
        }
        std::uint32_t v = 0;
        for (unsigned i = 0; i < n; ++i, ++pos_) {
            v = (v << 1) | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
        }
        return v;
    }
    bool flag() noexcept { return read(1) != 0; }
    // ns(n), AV1 4.10.7: non-symmetric unsigned encoding of 0..n-1.
    std::uint32_t read_ns(std::uint32_t n) noexcept {
        unsigned w = 0;
        for (std::uint32_t x = n; x != 0; x >>= 1) ++w;
        const std::uint32_t m = (1u << w) - n;
        const std::uint32_t v = read(w - 1);
        if (v < m) return v;
        return (v << 1) - m + read(1);
    }
    [[nodiscard]] bool overrun() const noexcept { return overrun_; }
    [[nodiscard]] std::size_t byte_offset() const noexcept { return pos_ / 8; }

  private:
    ByteSpan data_;
    std::size_t size_bits_;
    std::size_t pos_ = 0;
    bool overrun_ = false;
};

// Writes MSB first; with an empty span it only counts (for value_size).
class BitWriter {
  public:
    explicit BitWriter(MutableByteSpan out) noexcept : out_(out) {}

    void write(std::uint32_t v, unsigned n) noexcept {
        for (unsigned i = n; i-- > 0; ++pos_) {
            const std::size_t byte = pos_ >> 3;
            if (out_.empty()) continue;
            if (byte >= out_.size()) {
                overrun_ = true;
                continue;
            }
            const auto bit = static_cast<std::uint8_t>(0x80u >> (pos_ & 7));
            if ((v >> i) & 1u) {
                out_[byte] = static_cast<std::uint8_t>(out_[byte] | bit);
            } else {
                out_[byte] = static_cast<std::uint8_t>(out_[byte] & ~bit);
            }
        }
    }
    void flag(bool b) noexcept { write(b ? 1 : 0, 1); }
    void write_ns(std::uint32_t v, std::uint32_t n) noexcept {
        unsigned w = 0;
        for (std::uint32_t x = n; x != 0; x >>= 1) ++w;
        const std::uint32_t m = (1u << w) - n;
        if (v < m) {
            write(v, w - 1);
        } else {
            write(v + m, w);
        }
    }
    [[nodiscard]] std::size_t bits() const noexcept { return pos_; }
    [[nodiscard]] bool overrun() const noexcept { return overrun_; }

  private:
    MutableByteSpan out_;
    std::size_t pos_ = 0;
    bool overrun_ = false;
};

constexpr const char* kTruncated = "dependency descriptor truncated";

ParseResult<void> read_structure(BitReader& r, FrameDependencyStructure& s) noexcept {
    s.template_id_offset = static_cast<std::uint8_t>(r.read(6));
    s.decode_target_count = static_cast<std::uint8_t>(r.read(5) + 1);
    // Template layers.
    std::uint8_t spatial_id = 0;
    std::uint8_t temporal_id = 0;
    std::size_t count = 0;
    for (;;) {
        if (count == FrameDependencyStructure::kMaxTemplates) {
            return parse_error(ParseErrc::kUnsupported, r.byte_offset(),
                               "dependency descriptor has more than 64 templates");
        }
        s.templates[count].spatial_id = spatial_id;
        s.templates[count].temporal_id = temporal_id;
        ++count;
        const std::uint32_t next_layer_idc = r.read(2);
        if (r.overrun()) return parse_error(ParseErrc::kTruncated, r.byte_offset(), kTruncated);
        if (next_layer_idc == 3) break;
        if (next_layer_idc == 1) {
            ++temporal_id;
        } else if (next_layer_idc == 2) {
            temporal_id = 0;
            ++spatial_id;
        }
    }
    s.template_count = static_cast<std::uint8_t>(count);
    const std::size_t dt_count = s.decode_target_count;
    for (std::size_t t = 0; t < count; ++t) {
        for (std::size_t d = 0; d < dt_count; ++d) {
            s.templates[t].dtis[d] = static_cast<DecodeTargetIndication>(r.read(2));
        }
    }
    for (std::size_t t = 0; t < count; ++t) {
        FrameDependencyTemplate& tmpl = s.templates[t];
        while (r.flag()) {
            if (tmpl.fdiff_count == FrameDependencyTemplate::kMaxFdiffs) {
                return parse_error(ParseErrc::kUnsupported, r.byte_offset(),
                                   "dependency descriptor template has more than 16 fdiffs");
            }
            tmpl.fdiffs[tmpl.fdiff_count++] = static_cast<std::uint8_t>(r.read(4) + 1);
        }
        if (r.overrun()) return parse_error(ParseErrc::kTruncated, r.byte_offset(), kTruncated);
    }
    s.chain_count = static_cast<std::uint8_t>(r.read_ns(static_cast<std::uint32_t>(dt_count) + 1));
    if (s.chain_count != 0) {
        for (std::size_t d = 0; d < dt_count; ++d) {
            s.decode_target_protected_by[d] = static_cast<std::uint8_t>(r.read_ns(s.chain_count));
        }
        for (std::size_t t = 0; t < count; ++t) {
            for (std::size_t c = 0; c < s.chain_count; ++c) {
                s.templates[t].chain_fdiffs[c] = static_cast<std::uint8_t>(r.read(4));
            }
        }
    }
    s.resolutions_present = r.flag();
    if (s.resolutions_present) {
        for (std::size_t i = 0; i < s.spatial_layer_count(); ++i) {
            s.resolutions[i].width = r.read(16) + 1;
            s.resolutions[i].height = r.read(16) + 1;
        }
    }
    if (r.overrun()) return parse_error(ParseErrc::kTruncated, r.byte_offset(), kTruncated);
    return {};
}

bool write_structure(BitWriter& w, const FrameDependencyStructure& s) noexcept {
    if (s.template_id_offset > 63 || s.decode_target_count == 0 ||
        s.decode_target_count > FrameDependencyStructure::kMaxDecodeTargets ||
        s.template_count == 0 || s.template_count > FrameDependencyStructure::kMaxTemplates ||
        s.chain_count > s.decode_target_count) {
        return false;
    }
    if (s.templates[0].spatial_id != 0 || s.templates[0].temporal_id != 0) return false;
    w.write(s.template_id_offset, 6);
    w.write(s.decode_target_count - 1u, 5);
    for (std::size_t t = 1; t <= s.template_count; ++t) {
        if (t == s.template_count) {
            w.write(3, 2);
            break;
        }
        const FrameDependencyTemplate& prev = s.templates[t - 1];
        const FrameDependencyTemplate& cur = s.templates[t];
        if (cur.spatial_id == prev.spatial_id && cur.temporal_id == prev.temporal_id) {
            w.write(0, 2);
        } else if (cur.spatial_id == prev.spatial_id && cur.temporal_id == prev.temporal_id + 1) {
            w.write(1, 2);
        } else if (cur.spatial_id == prev.spatial_id + 1 && cur.temporal_id == 0) {
            w.write(2, 2);
        } else {
            return false;  // the template layer syntax cannot express this order
        }
    }
    for (std::size_t t = 0; t < s.template_count; ++t) {
        for (std::size_t d = 0; d < s.decode_target_count; ++d) {
            const auto dti = static_cast<std::uint32_t>(s.templates[t].dtis[d]);
            if (dti > 3) return false;
            w.write(dti, 2);
        }
    }
    for (std::size_t t = 0; t < s.template_count; ++t) {
        const FrameDependencyTemplate& tmpl = s.templates[t];
        if (tmpl.fdiff_count > FrameDependencyTemplate::kMaxFdiffs) return false;
        for (std::size_t i = 0; i < tmpl.fdiff_count; ++i) {
            if (tmpl.fdiffs[i] < 1 || tmpl.fdiffs[i] > 16) return false;
            w.flag(true);
            w.write(tmpl.fdiffs[i] - 1u, 4);
        }
        w.flag(false);
    }
    w.write_ns(s.chain_count, s.decode_target_count + 1u);
    if (s.chain_count != 0) {
        for (std::size_t d = 0; d < s.decode_target_count; ++d) {
            if (s.decode_target_protected_by[d] >= s.chain_count) return false;
            w.write_ns(s.decode_target_protected_by[d], s.chain_count);
        }
        for (std::size_t t = 0; t < s.template_count; ++t) {
            for (std::size_t c = 0; c < s.chain_count; ++c) {
                if (s.templates[t].chain_fdiffs[c] > 15) return false;
                w.write(s.templates[t].chain_fdiffs[c], 4);
            }
        }
    }
    w.flag(s.resolutions_present);
    if (s.resolutions_present) {
        for (std::size_t i = 0; i < s.spatial_layer_count(); ++i) {
            const RenderResolution& res = s.resolutions[i];
            if (res.width < 1 || res.width > 65536 || res.height < 1 || res.height > 65536) {
                return false;
            }
            w.write(res.width - 1, 16);
            w.write(res.height - 1, 16);
        }
    }
    return true;
}

bool has_extended_fields(const DependencyDescriptor::Value& v) noexcept {
    return v.structure.has_value() || v.active_decode_targets_present || v.custom_dtis ||
           v.custom_fdiffs || v.custom_chains;
}

// Writes the whole descriptor (or counts its bits). False when the value cannot be expressed.
bool write_descriptor(BitWriter& w, const DependencyDescriptor::Value& v) noexcept {
    if (v.frame_dependency_template_id > 63 || v.structure_needed) return false;
    w.flag(v.start_of_frame);
    w.flag(v.end_of_frame);
    w.write(v.frame_dependency_template_id, 6);
    w.write(v.frame_number, 16);
    if (!has_extended_fields(v)) return true;
    w.flag(v.structure.has_value());
    w.flag(v.active_decode_targets_present);
    w.flag(v.custom_dtis);
    w.flag(v.custom_fdiffs);
    w.flag(v.custom_chains);
    std::size_t dt_count = v.decode_target_count;
    std::size_t chain_count = v.chain_count;
    if (v.structure) {
        if (!write_structure(w, *v.structure)) return false;
        dt_count = v.structure->decode_target_count;
        chain_count = v.structure->chain_count;
    }
    if (dt_count > FrameDependencyStructure::kMaxDecodeTargets || chain_count > dt_count) {
        return false;
    }
    if ((v.active_decode_targets_present || v.custom_dtis || v.custom_chains) && dt_count == 0) {
        return false;  // sized by a structure the value does not know
    }
    if (v.active_decode_targets_present) {
        if (dt_count < 32 && (v.active_decode_targets_bitmask >> dt_count) != 0) return false;
        w.write(v.active_decode_targets_bitmask, static_cast<unsigned>(dt_count));
    }
    if (v.custom_dtis) {
        for (std::size_t d = 0; d < dt_count; ++d) {
            const auto dti = static_cast<std::uint32_t>(v.frame_dtis[d]);
            if (dti > 3) return false;
            w.write(dti, 2);
        }
    }
    if (v.custom_fdiffs) {
        if (v.frame_fdiff_count > DependencyDescriptor::kMaxFrameFdiffs) return false;
        for (std::size_t i = 0; i < v.frame_fdiff_count; ++i) {
            const std::uint32_t fdiff_minus_one = v.frame_fdiffs[i] - 1u;
            if (v.frame_fdiffs[i] == 0 || v.frame_fdiffs[i] > 4096) return false;
            const unsigned size = fdiff_minus_one < 16 ? 1 : fdiff_minus_one < 256 ? 2 : 3;
            w.write(size, 2);
            w.write(fdiff_minus_one, 4 * size);
        }
        w.write(0, 2);
    }
    if (v.custom_chains) {
        for (std::size_t c = 0; c < chain_count; ++c) w.write(v.frame_chain_fdiffs[c], 8);
    }
    return true;
}

}  // namespace

ParseResult<DependencyDescriptor::Value> DependencyDescriptor::parse(
    ByteSpan data, const FrameDependencyStructure* stream_structure) noexcept {
    if (data.size() < 3) {
        return parse_error(ParseErrc::kBadLength, data.size(),
                           "dependency descriptor shorter than 3 bytes");
    }
    BitReader r(data);
    Value v;
    v.start_of_frame = r.flag();
    v.end_of_frame = r.flag();
    v.frame_dependency_template_id = static_cast<std::uint8_t>(r.read(6));
    v.frame_number = static_cast<std::uint16_t>(r.read(16));
    const FrameDependencyStructure* structure = stream_structure;
    if (data.size() > 3) {
        const bool structure_present = r.flag();
        v.active_decode_targets_present = r.flag();
        v.custom_dtis = r.flag();
        v.custom_fdiffs = r.flag();
        v.custom_chains = r.flag();
        if (structure_present) {
            v.structure.emplace();
            auto s = read_structure(r, *v.structure);
            if (!s) return tl::unexpected(s.error());
            structure = &*v.structure;
            v.active_decode_targets_bitmask = structure->decode_target_count >= 32
                                                  ? 0xFFFFFFFFu
                                                  : (1u << structure->decode_target_count) - 1;
        }
    }
    if (structure != nullptr) {
        v.decode_target_count = structure->decode_target_count;
        v.chain_count = structure->chain_count;
        const std::size_t template_index =
            (v.frame_dependency_template_id + 64u - structure->template_id_offset) % 64u;
        if (template_index >= structure->template_count) {
            return parse_error(ParseErrc::kBadValue, 0,
                               "dependency descriptor template id not in structure");
        }
    }
    if (structure == nullptr) {
        if (v.active_decode_targets_present || v.custom_dtis) {
            v.structure_needed = true;
            return v;
        }
    }
    if (v.active_decode_targets_present) {
        v.active_decode_targets_bitmask = r.read(v.decode_target_count);
    }
    if (v.custom_dtis) {
        for (std::size_t d = 0; d < v.decode_target_count; ++d) {
            v.frame_dtis[d] = static_cast<DecodeTargetIndication>(r.read(2));
        }
    }
    if (v.custom_fdiffs) {
        for (;;) {
            const std::uint32_t next_fdiff_size = r.read(2);
            if (next_fdiff_size == 0 || r.overrun()) break;
            if (v.frame_fdiff_count == kMaxFrameFdiffs) {
                return parse_error(ParseErrc::kUnsupported, r.byte_offset(),
                                   "dependency descriptor frame has more than 16 fdiffs");
            }
            v.frame_fdiffs[v.frame_fdiff_count++] =
                static_cast<std::uint16_t>(r.read(4 * next_fdiff_size) + 1);
        }
    }
    if (v.custom_chains) {
        if (structure == nullptr) {
            v.structure_needed = true;
            return v;
        }
        for (std::size_t c = 0; c < v.chain_count; ++c) {
            v.frame_chain_fdiffs[c] = static_cast<std::uint8_t>(r.read(8));
        }
    }
    if (r.overrun()) return parse_error(ParseErrc::kTruncated, data.size(), kTruncated);
    return v;
}

std::size_t DependencyDescriptor::value_size(const Value& v) noexcept {
    BitWriter counter{MutableByteSpan{}};
    if (!write_descriptor(counter, v)) return 0;
    return (counter.bits() + 7) / 8;
}

WriteResult<std::size_t> DependencyDescriptor::write(MutableByteSpan out, const Value& v) noexcept {
    const std::size_t size = value_size(v);
    if (size == 0) return tl::unexpected(WriteErrc::kBadValue);
    if (out.size() < size) return tl::unexpected(WriteErrc::kNoRoom);
    out[size - 1] = 0;  // zero padding bits
    BitWriter w(out.first(size));
    if (!write_descriptor(w, v) || w.overrun()) return tl::unexpected(WriteErrc::kBadValue);
    return size;
}

}  // namespace rtpx::rtp
