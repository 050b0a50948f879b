#include "rtpx/rtp/rtcp/app.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

ParseResult<AppView> AppView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<AppView> AppView::parse(const PacketView& packet) noexcept {
    if (auto ok = expect_type(packet, PacketType::kApp, "not an APP"); !ok) {
        return tl::unexpected(ok.error());
    }
    if (packet.body().size() < 8) {
        return parse_error(ParseErrc::kTruncated, 2, "APP shorter than its SSRC and name");
    }
    AppView v;
    v.packet_ = packet;
    v.body_ = packet.body();
    return v;
}

WriteResult<std::size_t> AppBuilder::write(MutableByteSpan out) const noexcept {
    if (data.size() % 4 != 0) return tl::unexpected(WriteErrc::kBadValue);
    auto total = write_header(out, subtype, to_wire(PacketType::kApp), 8 + data.size(), padding);
    if (!total) return total;
    store_be32(&out[4], ssrc);
    std::memcpy(&out[8], name.data(), 4);
    if (!data.empty()) std::memcpy(&out[12], data.data(), data.size());
    return total;
}

}  // namespace rtpx::rtp::rtcp
