#include "rtpx/rtp/rtcp/sdes.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

std::string_view to_string(SdesItemType t) noexcept {
    switch (t) {
        case SdesItemType::kEnd: return "END";
        case SdesItemType::kCname: return "CNAME";
        case SdesItemType::kName: return "NAME";
        case SdesItemType::kEmail: return "EMAIL";
        case SdesItemType::kPhone: return "PHONE";
        case SdesItemType::kLoc: return "LOC";
        case SdesItemType::kTool: return "TOOL";
        case SdesItemType::kNote: return "NOTE";
        case SdesItemType::kPriv: return "PRIV";
    }
    return "UNKNOWN";
}

bool SdesChunkView::find(SdesItemType type, SdesItem& out) const noexcept {
    bool found = false;
    for_each_item([&](const SdesItem& item) {
        if (!found && item.type == type) {
            out = item;
            found = true;
        }
    });
    return found;
}

std::size_t SdesView::chunk_end(ByteSpan body, std::size_t pos) noexcept {
    pos += 4;
    while (body[pos] != 0) pos += 2 + body[pos + 1];
    return (pos + 4) & ~std::size_t{3};  // null octet, then up to the next 32-bit boundary
}

ParseResult<SdesView> SdesView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<SdesView> SdesView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kSdes, "not an SDES"); !ok) {
        return tl::unexpected(ok.error());
    }
    const ByteSpan body = packet.body();
    constexpr std::size_t kBase = kHeaderSize;  // body offset within the packet
    std::size_t pos = 0;
    for (std::size_t i = 0; i < packet.count(); ++i) {
        if (pos + 4 > body.size()) {
            return parse_error(ParseErrc::kTruncated, kBase + pos, "SDES chunk exceeds packet");
        }
        pos += 4;
        for (;;) {
            if (pos >= body.size()) {
                return parse_error(ParseErrc::kTruncated, kBase + pos,
                                   "SDES chunk has no end of items");
            }
            if (body[pos] == 0) break;
            if (pos + 2 > body.size()) {
                return parse_error(ParseErrc::kTruncated, kBase + pos, "SDES item exceeds packet");
            }
            const std::size_t len = body[pos + 1];
            if (pos + 2 + len > body.size()) {
                return parse_error(ParseErrc::kTruncated, kBase + pos + 1,
                                   "SDES item length exceeds packet");
            }
            if (body[pos] == static_cast<std::uint8_t>(SdesItemType::kPriv) &&
                (len == 0 || std::size_t{body[pos + 2]} + 1 > len)) {
                return parse_error(ParseErrc::kBadLength, kBase + pos + 2,
                                   "SDES PRIV prefix length exceeds item");
            }
            pos += 2 + len;
        }
        const std::size_t end = (pos + 4) & ~std::size_t{3};
        if (end > body.size()) {
            return parse_error(ParseErrc::kTruncated, kBase + pos,
                               "SDES chunk padding exceeds packet");
        }
        pos = end;
    }
    SdesView v;
    v.packet_ = packet;
    return v;
}

namespace {

std::size_t item_size(const SdesItem& item) noexcept {
    return 2 + item.value.size() + (item.type == SdesItemType::kPriv ? 1 + item.prefix.size() : 0);
}

std::size_t chunk_size(const SdesChunk& chunk) noexcept {
    std::size_t n = 4;
    for (const auto& item : chunk.items) n += item_size(item);
    return (n + 4) & ~std::size_t{3};
}

}  // namespace

std::size_t SdesBuilder::size() const noexcept {
    std::size_t n = kHeaderSize + padding;
    for (const auto& c : chunks) n += chunk_size(c);
    return n;
}

WriteResult<std::size_t> SdesBuilder::write(MutableByteSpan out) const noexcept {
    if (chunks.size() > kMaxCount) return tl::unexpected(WriteErrc::kBadValue);
    std::size_t body = 0;
    for (const auto& c : chunks) {
        for (const auto& item : c.items) {
            if (item.type == SdesItemType::kEnd || item_size(item) - 2 > 255 ||
                (item.type == SdesItemType::kPriv && item.prefix.size() > 255)) {
                return tl::unexpected(WriteErrc::kBadValue);
            }
        }
        body += chunk_size(c);
    }
    auto total = write_header(out, static_cast<std::uint8_t>(chunks.size()),
                              to_wire(PacketType::kSdes), body, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    for (const auto& c : chunks) {
        std::uint8_t* const start = p;
        store_be32(p, c.ssrc);
        p += 4;
        for (const auto& item : c.items) {
            *p++ = static_cast<std::uint8_t>(item.type);
            *p++ = static_cast<std::uint8_t>(item_size(item) - 2);
            if (item.type == SdesItemType::kPriv) {
                *p++ = static_cast<std::uint8_t>(item.prefix.size());
                if (!item.prefix.empty()) std::memcpy(p, item.prefix.data(), item.prefix.size());
                p += item.prefix.size();
            }
            if (!item.value.empty()) std::memcpy(p, item.value.data(), item.value.size());
            p += item.value.size();
        }
        std::uint8_t* const end = start + chunk_size(c);
        while (p < end) *p++ = 0;
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
