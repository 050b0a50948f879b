#include "rtpx/rtp/rtcp/compound.hpp"

#include <cstring>

#include "rtpx/rtp/rtcp/remb.hpp"

namespace rtpx::rtp::rtcp {

PacketKind classify(const PacketView& packet) noexcept {
    switch (packet.packet_type()) {
        case PacketType::kSr: return PacketKind::kSr;
        case PacketType::kRr: return PacketKind::kRr;
        case PacketType::kSdes: return PacketKind::kSdes;
        case PacketType::kBye: return PacketKind::kBye;
        case PacketType::kApp: return PacketKind::kApp;
        case PacketType::kXr: return PacketKind::kXr;
        case PacketType::kRtpfb:
            switch (static_cast<RtpfbFmt>(packet.fmt())) {
                case RtpfbFmt::kNack: return PacketKind::kNack;
                case RtpfbFmt::kTmmbr: return PacketKind::kTmmbr;
                case RtpfbFmt::kTmmbn: return PacketKind::kTmmbn;
                case RtpfbFmt::kCcfb: return PacketKind::kCcfb;
                case RtpfbFmt::kTransportFeedback: return PacketKind::kTransportFeedback;
            }
            return PacketKind::kRtpfbOther;
        case PacketType::kPsfb:
            switch (static_cast<PsfbFmt>(packet.fmt())) {
                case PsfbFmt::kPli: return PacketKind::kPli;
                case PsfbFmt::kSli: return PacketKind::kSli;
                case PsfbFmt::kRpsi: return PacketKind::kRpsi;
                case PsfbFmt::kFir: return PacketKind::kFir;
                case PsfbFmt::kTstr: return PacketKind::kTstr;
                case PsfbFmt::kTstn: return PacketKind::kTstn;
                case PsfbFmt::kAfb:
                    return is_remb(packet) ? PacketKind::kRemb : PacketKind::kPsfbOther;
            }
            return PacketKind::kPsfbOther;
    }
    return PacketKind::kUnknown;
}

std::string_view to_string(PacketKind kind) noexcept {
    switch (kind) {
        case PacketKind::kSr: return "SR";
        case PacketKind::kRr: return "RR";
        case PacketKind::kSdes: return "SDES";
        case PacketKind::kBye: return "BYE";
        case PacketKind::kApp: return "APP";
        case PacketKind::kXr: return "XR";
        case PacketKind::kNack: return "NACK";
        case PacketKind::kTmmbr: return "TMMBR";
        case PacketKind::kTmmbn: return "TMMBN";
        case PacketKind::kTransportFeedback: return "TWCC";
        case PacketKind::kCcfb: return "CCFB";
        case PacketKind::kRtpfbOther: return "RTPFB";
        case PacketKind::kPli: return "PLI";
        case PacketKind::kSli: return "SLI";
        case PacketKind::kRpsi: return "RPSI";
        case PacketKind::kFir: return "FIR";
        case PacketKind::kTstr: return "TSTR";
        case PacketKind::kTstn: return "TSTN";
        case PacketKind::kRemb: return "REMB";
        case PacketKind::kPsfbOther: return "PSFB";
        case PacketKind::kUnknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}

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
