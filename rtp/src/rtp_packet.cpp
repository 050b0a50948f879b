#include "rtpx/rtp/rtp_packet.hpp"

#include <cstring>

namespace rtpx::rtp {

RemapResult remap_extension_ids(MutableByteSpan packet,
                                const std::array<std::uint8_t, 256>& id_map) noexcept {
    RemapResult result;
    const std::size_t size = packet.size();
    std::uint8_t* p = packet.data();
    if (size < kRtpHeaderSize || (p[0] & 0x10) == 0) return result;
    const std::size_t ext = kRtpHeaderSize + 4 * static_cast<std::size_t>(p[0] & 0x0F);
    if (ext + 4 > size) return result;
    const ExtensionForm form = extension_form_of(load_be16(p + ext));
    std::size_t body = static_cast<std::size_t>(load_be16(p + ext + 2)) * 4;
    if (ext + 4 + body > size) return result;
    std::uint8_t* b = p + ext + 4;
    std::size_t pos = 0;
    if (form == ExtensionForm::kOneByte) {
        while (pos < body) {
            const std::uint8_t h = b[pos];
            if (h == 0) {
                ++pos;
                continue;
            }
            const std::uint8_t id = static_cast<std::uint8_t>(h >> 4);
            if (id == 15 || id == 0) break;
            const std::size_t len = static_cast<std::size_t>(h & 0x0F) + 1;
            if (pos + 1 + len > body) break;
            const std::uint8_t new_id = id_map[id];
            if (new_id == 0 || new_id > kOneByteMaxId) {
                std::memset(b + pos, 0, 1 + len);
                ++result.dropped;
            } else {
                b[pos] = static_cast<std::uint8_t>((new_id << 4) | (h & 0x0F));
                ++result.rewritten;
            }
            pos += 1 + len;
        }
    } else if (form == ExtensionForm::kTwoByte) {
        while (pos < body) {
            if (b[pos] == 0) {
                ++pos;
                continue;
            }
            if (pos + 2 > body) break;
            const std::size_t len = b[pos + 1];
            if (pos + 2 + len > body) break;
            const std::uint8_t new_id = id_map[b[pos]];
            if (new_id == 0) {
                std::memset(b + pos, 0, 2 + len);
                ++result.dropped;
            } else {
                b[pos] = new_id;
                ++result.rewritten;
            }
            pos += 2 + len;
        }
    }
    return result;
}

std::size_t strip_header_extensions(MutableByteSpan packet) noexcept {
    const std::size_t size = packet.size();
    std::uint8_t* p = packet.data();
    if (size < kRtpHeaderSize || (p[0] & 0x10) == 0) return size;
    const std::size_t ext = kRtpHeaderSize + 4 * static_cast<std::size_t>(p[0] & 0x0F);
    if (ext + 4 > size) return size;
    const std::size_t block = 4 + static_cast<std::size_t>(load_be16(p + ext + 2)) * 4;
    if (ext + block > size) return size;
    std::memmove(p + ext, p + ext + block, size - ext - block);
    p[0] = static_cast<std::uint8_t>(p[0] & ~0x10);
    return size - block;
}

// --- RtpPacketWriter ---------------------------------------------------------------------------

RtpPacketWriter::RtpPacketWriter(MutableByteSpan buffer) noexcept : buf_(buffer) {}

WriteResult<std::size_t> RtpPacketWriter::add_csrc(std::uint32_t csrc) noexcept {
    if (phase_ != Phase::kCsrcs || csrc_count_ >= kRtpMaxCsrcs) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t at = kRtpHeaderSize + 4 * static_cast<std::size_t>(csrc_count_);
    if (at + 4 > buf_.size()) return tl::unexpected(WriteErrc::kNoRoom);
    store_be32(buf_.data() + at, csrc);
    ++csrc_count_;
    return 4;
}

WriteResult<MutableByteSpan> RtpPacketWriter::reserve_extension(std::uint8_t id,
                                                                std::size_t size) noexcept {
    if (phase_ != Phase::kCsrcs && phase_ != Phase::kExtensions) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    if (id == 0 || size > kTwoByteMaxDataSize) return tl::unexpected(WriteErrc::kBadValue);
    const bool fits_one_byte = id <= kOneByteMaxId && size >= 1 && size <= kOneByteMaxDataSize;
    if (form_ == Form::kOneByte && !fits_one_byte) return tl::unexpected(WriteErrc::kBadValue);
    const std::size_t block = kRtpHeaderSize + 4 * static_cast<std::size_t>(csrc_count_);
    const std::size_t at = block + 4 + ext_used_;
    // The staged (two-byte) layout is never shorter than the final one, so this check suffices for
    // the elements; padding to a 32-bit boundary is checked when the block is laid out.
    if (at + 2 + size > buf_.size()) return tl::unexpected(WriteErrc::kNoRoom);
    phase_ = Phase::kExtensions;
    buf_[at] = id;
    buf_[at + 1] = static_cast<std::uint8_t>(size);
    last_element_ = ext_used_;
    ext_used_ += 2 + size;
    ++ext_count_;
    return buf_.subspan(at + 2, size);
}

void RtpPacketWriter::cancel_extension() noexcept {
    // Only ever called right after reserve_extension; the form is chosen at layout.
    ext_used_ = last_element_;
    --ext_count_;
    if (ext_count_ == 0) phase_ = Phase::kCsrcs;
}

WriteResult<std::size_t> RtpPacketWriter::add_extension(std::uint8_t id, ByteSpan data) noexcept {
    auto slot = reserve_extension(id, data.size());
    if (!slot) return tl::unexpected(slot.error());
    if (!data.empty()) std::memmove(slot->data(), data.data(), data.size());
    return data.size();
}

WriteResult<void> RtpPacketWriter::lay_out_extensions() noexcept {
    if (phase_ != Phase::kCsrcs && phase_ != Phase::kExtensions) return {};
    const std::size_t block = kRtpHeaderSize + 4 * static_cast<std::size_t>(csrc_count_);
    if (ext_count_ == 0) {
        if (block > buf_.size()) return tl::unexpected(WriteErrc::kNoRoom);
        end_ = block;
        phase_ = Phase::kPayload;
        return {};
    }
    std::uint8_t* body = buf_.data() + block + 4;
    // Recheck fit over the staged elements (cancel_extension may have removed the culprit).
    bool one_byte = form_ != Form::kTwoByte;
    if (form_ == Form::kAuto) {
        for (std::size_t r = 0; r < ext_used_;) {
            const std::uint8_t id = body[r];
            const std::size_t len = body[r + 1];
            if (id > kOneByteMaxId || len == 0 || len > kOneByteMaxDataSize) one_byte = false;
            r += 2 + len;
        }
    }
    std::size_t used = ext_used_;
    if (one_byte) {
        std::size_t w = 0;
        for (std::size_t r = 0; r < ext_used_;) {
            const std::uint8_t id = body[r];
            const std::size_t len = body[r + 1];
            body[w] = static_cast<std::uint8_t>((id << 4) | (len - 1));
            std::memmove(body + w + 1, body + r + 2, len);
            w += 1 + len;
            r += 2 + len;
        }
        used = w;
    }
    const std::size_t padded = (used + 3) & ~std::size_t{3};
    if (block + 4 + padded > buf_.size() || padded / 4 > 0xFFFF) {
        return tl::unexpected(WriteErrc::kNoRoom);
    }
    std::memset(body + used, 0, padded - used);
    store_be16(buf_.data() + block,
               one_byte ? kOneByteExtensionProfile
                        : static_cast<std::uint16_t>(kTwoByteExtensionProfile | appbits_));
    store_be16(buf_.data() + block + 2, static_cast<std::uint16_t>(padded / 4));
    end_ = block + 4 + padded;
    phase_ = Phase::kPayload;
    return {};
}

WriteResult<MutableByteSpan> RtpPacketWriter::reserve_payload(std::size_t size) noexcept {
    if (phase_ == Phase::kPadding || phase_ == Phase::kDone) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto laid = lay_out_extensions();
    if (!laid) return tl::unexpected(laid.error());
    if (size > buf_.size() - end_) return tl::unexpected(WriteErrc::kNoRoom);
    MutableByteSpan out = buf_.subspan(end_, size);
    end_ += size;
    phase_ = Phase::kPadding;
    return out;
}

WriteResult<std::size_t> RtpPacketWriter::set_payload(ByteSpan payload) noexcept {
    auto out = reserve_payload(payload.size());
    if (!out) return tl::unexpected(out.error());
    if (!payload.empty()) std::memmove(out->data(), payload.data(), payload.size());
    return payload.size();
}

WriteResult<std::size_t> RtpPacketWriter::set_padding(std::size_t count) noexcept {
    if (phase_ == Phase::kDone || padding_ != 0 || count == 0 || count > 255) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    auto laid = lay_out_extensions();
    if (!laid) return tl::unexpected(laid.error());
    if (count > buf_.size() - end_) return tl::unexpected(WriteErrc::kNoRoom);
    std::memset(buf_.data() + end_, 0, count - 1);
    buf_[end_ + count - 1] = static_cast<std::uint8_t>(count);
    end_ += count;
    padding_ = static_cast<std::uint8_t>(count);
    phase_ = Phase::kPadding;
    return count;
}

WriteResult<std::size_t> RtpPacketWriter::finish() noexcept {
    if (payload_type_ > 0x7F) return tl::unexpected(WriteErrc::kBadValue);
    if (phase_ == Phase::kDone) return end_;
    auto laid = lay_out_extensions();
    if (!laid) return tl::unexpected(laid.error());
    std::uint8_t* p = buf_.data();
    p[0] = static_cast<std::uint8_t>(0x80 | (padding_ != 0 ? 0x20 : 0) |
                                     (ext_count_ != 0 ? 0x10 : 0) | csrc_count_);
    p[1] = static_cast<std::uint8_t>((marker_ ? 0x80 : 0) | payload_type_);
    store_be16(p + 2, sequence_number_);
    store_be32(p + 4, timestamp_);
    store_be32(p + 8, ssrc_);
    phase_ = Phase::kDone;
    return end_;
}

}  // namespace rtpx::rtp
