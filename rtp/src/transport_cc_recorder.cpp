#include "rtpx/rtp/transport_cc_recorder.hpp"

#include <limits>

#include "rtpx/rtp/rtcp/transport_feedback.hpp"

namespace rtpx::rtp {
namespace {

constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();

std::size_t round_up_pow2(std::size_t n) {
    std::size_t p = 64;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

TransportCcRecorder::TransportCcRecorder(std::size_t capacity)
    : ring_(std::make_unique<Slot[]>(round_up_pow2(capacity))), mask_(round_up_pow2(capacity) - 1) {
    for (std::uint64_t i = 0; i <= mask_; ++i) ring_[i] = Slot{kEmpty, 0};
}

TransportCcVerdict TransportCcRecorder::on_packet(std::uint16_t transport_seq,
                                                  std::int64_t arrival_us) noexcept {
    if (!started_) [[unlikely]] {
        started_ = true;
        // Start well above zero so that unwrapped values stay positive for late packets.
        highest_ = std::int64_t{1} << 32 | transport_seq;
        report_start_ = highest_;
        slot(highest_) = Slot{highest_, arrival_us};
        ++recorded_;
        return TransportCcVerdict::kRecorded;
    }
    const auto delta =
        static_cast<std::int16_t>(transport_seq - static_cast<std::uint16_t>(highest_));
    const std::int64_t ext = highest_ + delta;
    const auto cap = static_cast<std::int64_t>(mask_ + 1);

    if (delta > 0) {
        // Slots reused for ext_seq in (highest_, ext] held sequence numbers cap behind; any of
        // those still unreported are lost from the report.
        const std::int64_t new_start = ext - cap + 1;
        if (report_start_ < new_start) {
            overwritten_ += static_cast<std::uint64_t>(new_start - report_start_);
            report_start_ = new_start;
        }
        highest_ = ext;
        slot(ext) = Slot{ext, arrival_us};
        ++recorded_;
        return TransportCcVerdict::kRecorded;
    }
    if (highest_ - ext >= cap) {
        ++too_old_;
        return TransportCcVerdict::kTooOld;
    }
    Slot& s = slot(ext);
    if (s.ext_seq == ext) {
        ++duplicates_;
        return TransportCcVerdict::kDuplicate;
    }
    s = Slot{ext, arrival_us};
    ++recorded_;
    if (ext < report_start_) report_start_ = ext;  // already reported range: report again
    return TransportCcVerdict::kRecorded;
}

WriteResult<std::size_t> TransportCcRecorder::build_feedback(std::uint32_t sender_ssrc,
                                                             std::uint32_t media_ssrc,
                                                             MutableByteSpan out) noexcept {
    if (!has_unreported()) return std::size_t{0};

    rtcp::TransportFeedbackBuilder builder(sender_ssrc, media_ssrc, fb_count_);

    // Adds every received packet from report_start_ on, stopping at the first one the builder
    // refuses; returns the last sequence number added, or -1.
    auto fill = [&](bool base_at_report_start) {
        if (base_at_report_start)
            builder.set_base_sequence(static_cast<std::uint16_t>(report_start_));
        std::int64_t last = -1;
        for (std::int64_t ext = report_start_; ext <= highest_; ++ext) {
            const Slot* s = find(ext);
            if (s == nullptr) continue;  // not received (yet): reported as lost if a later one is
            if (!builder.add_received(static_cast<std::uint16_t>(ext), s->arrival_us)) break;
            last = ext;
        }
        return last;
    };

    // The feedback starts at the first unreported sequence number, so losses just after the
    // previous feedback are reported as such. If the first received packet is too far from it for
    // one feedback, start at that packet instead (those losses then go unreported).
    std::int64_t last_included = fill(true);
    if (last_included < 0) {
        builder = rtcp::TransportFeedbackBuilder(sender_ssrc, media_ssrc, fb_count_);
        last_included = fill(false);
    }
    if (last_included < 0) return std::size_t{0};  // cannot happen: highest_ is always received

    const auto written = builder.write(out);
    if (!written) return written;
    report_start_ = last_included + 1;
    ++fb_count_;
    ++feedback_packets_;
    return written;
}

}  // namespace rtpx::rtp
