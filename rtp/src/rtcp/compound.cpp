#include "rtpx/rtp/rtcp/compound.hpp"

#include <cstring>

namespace rtpx::rtp::rtcp {

CompoundView::Iterator::Iterator(ByteSpan compound, std::size_t offset) noexcept
    : compound_(compound), offset_(offset) {
    if (offset_ < compound_.size()) packet_ = *PacketView::parse(compound_.subspan(offset_));
}

CompoundView::Iterator& CompoundView::Iterator::operator++() noexcept {
    offset_ += packet_.size();
    if (offset_ < compound_.size()) packet_ = *PacketView::parse(compound_.subspan(offset_));
    return *this;
}

ParseResult<CompoundView> CompoundView::parse(ByteSpan compound) noexcept {
    auto count = for_each_packet(compound, [](const PacketView&, std::size_t) {});
    if (!count) return tl::unexpected(count.error());
    return CompoundView(compound, *count);
}

ParseResult<void> validate_compound(ByteSpan compound, bool reduced_size_allowed) noexcept {
    if (compound.empty()) {
        return parse_error(ParseErrc::kTruncated, 0, "RTCP compound is empty");
    }
    std::size_t offset = 0;
    bool first = true;
    while (offset < compound.size()) {
        auto packet = PacketView::parse(compound.subspan(offset));
        if (!packet) return tl::unexpected(rebase(packet.error(), offset));
        if (first && !reduced_size_allowed && !packet->is(PacketType::kSr) &&
            !packet->is(PacketType::kRr)) {
            return parse_error(ParseErrc::kBadValue, offset + 1,
                               "RTCP compound does not start with SR or RR");
        }
        if (packet->padding() && offset + packet->size() != compound.size()) {
            return parse_error(ParseErrc::kBadPadding, offset,
                               "RTCP padding in a packet other than the last");
        }
        offset += packet->size();
        first = false;
    }
    return {};
}

WriteResult<std::size_t> CompoundBuilder::append_raw(ByteSpan packet) noexcept {
    if (out_.size() - size_ < packet.size()) return tl::unexpected(WriteErrc::kNoRoom);
    if (!packet.empty()) std::memcpy(out_.data() + size_, packet.data(), packet.size());
    size_ += packet.size();
    return packet.size();
}

}  // namespace rtpx::rtp::rtcp
