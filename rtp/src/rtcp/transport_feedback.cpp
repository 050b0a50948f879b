#include "rtpx/rtp/rtcp/transport_feedback.hpp"

#include <algorithm>
#include <limits>

namespace rtpx::rtp::rtcp {
namespace {

constexpr std::uint8_t kFmt = static_cast<std::uint8_t>(RtpfbFmt::kTransportFeedback);
constexpr std::size_t kFciOffset = kFeedbackHeaderSize;  // FCI starts at packet byte 12
constexpr std::size_t kFixedFci = 8;  // base seq, status count, reference time, fb pkt count
constexpr std::uint32_t kMaxRunLength = 0x1FFF;
constexpr std::size_t kOneBitCapacity = 14;
constexpr std::size_t kTwoBitCapacity = 7;

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Number of statuses a chunk describes, and the symbol of its i-th status.
constexpr std::uint32_t chunk_capacity(std::uint16_t chunk) noexcept {
    if ((chunk & 0x8000) == 0) return chunk & kMaxRunLength;
    return (chunk & 0x4000) == 0 ? kOneBitCapacity : kTwoBitCapacity;
}
constexpr std::uint8_t chunk_symbol(std::uint16_t chunk, std::uint32_t i) noexcept {
    if ((chunk & 0x8000) == 0) return static_cast<std::uint8_t>((chunk >> 13) & 0x3);
    if ((chunk & 0x4000) == 0) return static_cast<std::uint8_t>((chunk >> (13 - i)) & 0x1);
    return static_cast<std::uint8_t>((chunk >> (2 * (6 - i))) & 0x3);
}

}  // namespace

ParseResult<TransportFeedbackView> TransportFeedbackView::parse(ByteSpan packet) noexcept {
    auto p = PacketView::parse(packet);
    if (!p) return tl::unexpected(p.error());
    return parse(*p);
}

ParseResult<TransportFeedbackView> TransportFeedbackView::parse(const PacketView& packet) noexcept {
    auto fb = parse_feedback(packet, PacketType::kRtpfb, kFmt, "not a transport-cc feedback");
    if (!fb) return tl::unexpected(fb.error());
    const ByteSpan fci = fb->fci;
    if (fci.size() < kFixedFci) {
        return parse_error(ParseErrc::kTruncated, 2,
                           "transport-cc feedback shorter than its fixed fields");
    }
    const std::uint32_t status_count = load_be16(&fci[2]);
    if (status_count == 0) {
        return parse_error(ParseErrc::kBadValue, kFciOffset + 2,
                           "transport-cc packet status count is zero");
    }
    std::size_t pos = kFixedFci;
    std::uint32_t covered = 0;
    std::size_t delta_bytes = 0;
    std::size_t received = 0;
    std::size_t chunks = 0;
    while (covered < status_count) {
        if (pos + 2 > fci.size()) {
            return parse_error(ParseErrc::kTruncated, kFciOffset + pos,
                               "transport-cc packet chunks exceed packet");
        }
        const std::uint16_t chunk = load_be16(&fci[pos]);
        const std::uint32_t n = std::min(chunk_capacity(chunk), status_count - covered);
        if (n == 0) {
            return parse_error(ParseErrc::kBadValue, kFciOffset + pos,
                               "transport-cc run length chunk of zero");
        }
        if ((chunk & 0x8000) == 0) {
            const std::uint8_t symbol = chunk_symbol(chunk, 0);
            if (symbol == 3) {
                return parse_error(ParseErrc::kBadValue, kFciOffset + pos,
                                   "transport-cc reserved status symbol");
            }
            delta_bytes += std::size_t{symbol} * n;
            received += symbol != 0 ? n : 0;
        } else {
            for (std::uint32_t i = 0; i < n; ++i) {
                const std::uint8_t symbol = chunk_symbol(chunk, i);
                if (symbol == 3) {
                    return parse_error(ParseErrc::kBadValue, kFciOffset + pos,
                                       "transport-cc reserved status symbol");
                }
                delta_bytes += symbol;
                received += symbol != 0 ? 1 : 0;
            }
        }
        covered += n;
        pos += 2;
        ++chunks;
    }
    if (pos + delta_bytes > fci.size()) {
        return parse_error(ParseErrc::kTruncated, kFciOffset + pos,
                           "transport-cc receive deltas exceed packet");
    }
    TransportFeedbackView v;
    v.packet_ = packet;
    v.fci_ = fci.data();
    v.chunk_count_ = chunks;
    v.received_count_ = received;
    return v;
}

TransportFeedbackView::Iterator TransportFeedbackView::begin() const noexcept {
    Iterator it;
    it.chunk_ = fci_ + kFixedFci;
    it.delta_ = it.chunk_ + 2 * chunk_count_;
    it.remaining_ = packet_status_count();
    it.time_us_ = reference_time_us();
    it.current_.sequence = base_sequence();
    it.load();
    return it;
}

void TransportFeedbackView::Iterator::load() noexcept {
    const std::uint16_t chunk = load_be16(chunk_);
    const std::uint8_t symbol = chunk_symbol(chunk, index_in_chunk_);
    current_.received = symbol != 0;
    current_.delta_us = 0;
    current_.arrival_us = 0;
    if (symbol == 1) {
        current_.delta_us = static_cast<std::int32_t>(*delta_ * kTransportFeedbackDeltaTickUs);
        delta_ += 1;
    } else if (symbol == 2) {
        const auto ticks = static_cast<std::int16_t>(load_be16(delta_));
        current_.delta_us = static_cast<std::int32_t>(ticks * kTransportFeedbackDeltaTickUs);
        delta_ += 2;
    }
    if (current_.received) {
        time_us_ += current_.delta_us;
        current_.arrival_us = time_us_;
    }
}

TransportFeedbackView::Iterator& TransportFeedbackView::Iterator::operator++() noexcept {
    if (remaining_ == 0) return *this;
    --remaining_;
    ++current_.sequence;
    if (++index_in_chunk_ >= chunk_capacity(load_be16(chunk_))) {
        chunk_ += 2;
        index_in_chunk_ = 0;
    }
    if (remaining_ != 0) load();
    return *this;
}

TransportFeedbackBuilder::TransportFeedbackBuilder(std::uint32_t sender_ssrc,
                                                   std::uint32_t media_ssrc,
                                                   std::uint8_t feedback_packet_count) noexcept
    : sender_ssrc_(sender_ssrc),
      media_ssrc_(media_ssrc),
      feedback_packet_count_(feedback_packet_count) {}

bool TransportFeedbackBuilder::add_received(std::uint16_t sequence,
                                            std::int64_t arrival_time_us) noexcept {
    std::size_t gap = 0;
    std::int64_t last_time_us = last_time_us_;
    std::int32_t reference_time = reference_time_;
    if (count_ == 0) {
        const std::int64_t ref = floor_div(arrival_time_us, kTransportFeedbackReferenceTickUs);
        last_time_us = ref * kTransportFeedbackReferenceTickUs;
        // The wire field is 24 bits; only differences matter to the receiver of the feedback.
        reference_time = static_cast<std::int32_t>(static_cast<std::uint32_t>(ref) << 8) >> 8;
        if (has_base_) {
            gap = static_cast<std::uint16_t>(sequence - base_sequence_);
            if (gap >= 0x8000) return false;  // before the base
        }
    } else {
        const auto next = static_cast<std::uint16_t>(base_sequence_ + count_);
        gap = static_cast<std::uint16_t>(sequence - next);
        if (gap >= 0x8000) return false;  // older than (or equal to) the last added packet
    }
    if (count_ + gap + 1 > kMaxPackets) return false;
    const std::int64_t ticks =
        floor_div(arrival_time_us - last_time_us + 125, kTransportFeedbackDeltaTickUs);
    if (ticks < std::numeric_limits<std::int16_t>::min() ||
        ticks > std::numeric_limits<std::int16_t>::max()) {
        return false;
    }
    if (count_ == 0 && !has_base_) base_sequence_ = sequence;
    reference_time_ = reference_time;
    for (std::size_t i = 0; i < gap; ++i) symbols_[count_ + i] = 0;
    count_ += gap;
    const std::uint8_t symbol = (ticks >= 0 && ticks <= 0xFF) ? 1 : 2;
    symbols_[count_] = symbol;
    deltas_[count_] = static_cast<std::int16_t>(ticks);
    ++count_;
    delta_bytes_ += symbol;
    last_time_us_ = last_time_us + ticks * kTransportFeedbackDeltaTickUs;
    return true;
}

std::size_t TransportFeedbackBuilder::encode_chunks(std::uint8_t* out) const noexcept {
    std::size_t chunks = 0;
    std::size_t i = 0;
    auto emit = [&](std::uint16_t chunk) {
        if (out != nullptr) store_be16(out + 2 * chunks, chunk);
        ++chunks;
    };
    while (i < count_) {
        const std::uint8_t symbol = symbols_[i];
        std::size_t run = 1;
        while (i + run < count_ && symbols_[i + run] == symbol && run < kMaxRunLength) ++run;
        const std::size_t remaining = count_ - i;
        auto emit_run = [&] {
            emit(static_cast<std::uint16_t>((symbol << 13) | run));
            i += run;
        };
        if (run >= kOneBitCapacity || run == remaining) {
            emit_run();
            continue;
        }
        const std::size_t n1 = std::min(kOneBitCapacity, remaining);
        bool all_small = true;
        for (std::size_t k = 0; k < n1; ++k) all_small = all_small && symbols_[i + k] <= 1;
        if (all_small) {
            std::uint16_t chunk = 0x8000;
            for (std::size_t k = 0; k < n1; ++k) {
                chunk = static_cast<std::uint16_t>(chunk | (symbols_[i + k] << (13 - k)));
            }
            emit(chunk);
            i += n1;
        } else if (run >= kTwoBitCapacity) {
            emit_run();
        } else {
            const std::size_t n2 = std::min(kTwoBitCapacity, remaining);
            std::uint16_t chunk = 0xC000;
            for (std::size_t k = 0; k < n2; ++k) {
                chunk = static_cast<std::uint16_t>(chunk | (symbols_[i + k] << (2 * (6 - k))));
            }
            emit(chunk);
            i += n2;
        }
    }
    return chunks;
}

std::size_t TransportFeedbackBuilder::size() const noexcept {
    const std::size_t body = 8 + kFixedFci + 2 * encode_chunks(nullptr) + delta_bytes_;
    return kHeaderSize + (body + 3) / 4 * 4;
}

WriteResult<std::size_t> TransportFeedbackBuilder::write(MutableByteSpan out) const noexcept {
    if (count_ == 0) return tl::unexpected(WriteErrc::kBadValue);  // status count 0 is invalid
    const std::size_t chunks = encode_chunks(nullptr);
    const std::size_t body = 8 + kFixedFci + 2 * chunks + delta_bytes_;
    const auto padding = static_cast<std::uint8_t>((4 - body % 4) % 4);
    auto total = write_header(out, kFmt, to_wire(PacketType::kRtpfb), body, padding);
    if (!total) return total;
    std::uint8_t* p = out.data() + kHeaderSize;
    store_be32(p, sender_ssrc_);
    store_be32(p + 4, media_ssrc_);
    store_be16(p + 8, base_sequence_);
    store_be16(p + 10, static_cast<std::uint16_t>(count_));
    store_be24(p + 12, static_cast<std::uint32_t>(reference_time_) & 0xFFFFFF);
    p[15] = feedback_packet_count_;
    p += 16;
    encode_chunks(p);
    p += 2 * chunks;
    for (std::size_t i = 0; i < count_; ++i) {
        if (symbols_[i] == 1) {
            *p++ = static_cast<std::uint8_t>(deltas_[i]);
        } else if (symbols_[i] == 2) {
            store_be16(p, static_cast<std::uint16_t>(deltas_[i]));
            p += 2;
        }
    }
    return total;
}

}  // namespace rtpx::rtp::rtcp
