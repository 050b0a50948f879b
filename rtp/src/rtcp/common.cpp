#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

ParseResult<PacketView> PacketView::parse(ByteSpan buffer) noexcept {
    if (buffer.size() < kHeaderSize) {
        return parse_error(ParseErrc::kTruncated, buffer.size(), "RTCP header truncated");
    }
    if ((buffer[0] >> 6) != kVersion) {
        return parse_error(ParseErrc::kBadVersion, 0, "RTCP version is not 2");
    }
    const std::size_t size = (std::size_t{load_be16(&buffer[2])} + 1) * 4;
    if (size > buffer.size()) {
        return parse_error(ParseErrc::kTruncated, 2, "RTCP length exceeds buffer");
    }
    if ((buffer[0] & 0x20) != 0) {
        const std::uint8_t pad = buffer[size - 1];
        if (pad == 0) {
            return parse_error(ParseErrc::kBadPadding, size - 1, "RTCP padding count is zero");
        }
        if (pad > size - kHeaderSize) {
            return parse_error(ParseErrc::kBadPadding, size - 1, "RTCP padding exceeds packet");
        }
    }
    return PacketView(buffer.first(size));
}

ParseResult<void> expect_type(const PacketView& packet, PacketType type,
                              const char* what) noexcept {
    if (!packet.is(type)) return parse_error(ParseErrc::kUnsupported, 1, what);
    return {};
}

ParseResult<void> expect_type_fmt(const PacketView& packet, PacketType type, std::uint8_t fmt,
                                  const char* what) noexcept {
    if (!packet.is(type)) return parse_error(ParseErrc::kUnsupported, 1, what);
    if (packet.fmt() != fmt) return parse_error(ParseErrc::kUnsupported, 0, what);
    return {};
}

WriteResult<std::size_t> write_header(MutableByteSpan out, std::uint8_t count,
                                      std::uint8_t packet_type, std::size_t body_size,
                                      std::uint8_t padding) noexcept {
    const std::size_t total = kHeaderSize + body_size + padding;
    if (count > kMaxCount || total % 4 != 0 || total > kMaxPacketSize) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    if (out.size() < total) return tl::unexpected(WriteErrc::kNoRoom);
    out[0] = static_cast<std::uint8_t>((kVersion << 6) | (padding != 0 ? 0x20 : 0) | count);
    out[1] = packet_type;
    store_be16(&out[2], static_cast<std::uint16_t>(total / 4 - 1));
    if (padding != 0) {
        for (std::size_t i = total - padding; i < total - 1; ++i) out[i] = 0;
        out[total - 1] = padding;
    }
    return total;
}

ParseResult<FeedbackHeader> parse_feedback(const PacketView& packet, PacketType type,
                                           std::uint8_t fmt, const char* what) noexcept {
    if (auto ok = expect_type_fmt(packet, type, fmt, what); !ok) return tl::unexpected(ok.error());
    const ByteSpan body = packet.body();
    if (body.size() < 8) {
        return parse_error(ParseErrc::kTruncated, 2, "RTCP feedback shorter than its two SSRCs");
    }
    FeedbackHeader h;
    h.sender_ssrc = load_be32(&body[0]);
    h.media_ssrc = load_be32(&body[4]);
    h.fci = body.subspan(8);
    return h;
}

WriteResult<std::size_t> write_feedback_header(MutableByteSpan out, PacketType type,
                                               std::uint8_t fmt, std::uint32_t sender_ssrc,
                                               std::uint32_t media_ssrc, std::size_t fci_size,
                                               std::uint8_t padding) noexcept {
    auto total = write_header(out, fmt, to_wire(type), 8 + fci_size, padding);
    if (!total) return total;
    store_be32(&out[4], sender_ssrc);
    store_be32(&out[8], media_ssrc);
    return total;
}

}  // namespace rtpx::rtp::rtcp
