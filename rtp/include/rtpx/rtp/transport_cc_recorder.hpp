// Receive side of transport-wide congestion control
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): records the arrival time of every packet
// carrying a transport-wide sequence number and turns the record into transport-cc feedback
// packets (RTPFB FMT 15) with rtcp::TransportFeedbackBuilder.
//
// The record is a ring of `capacity` slots indexed by the unwrapped (64-bit) sequence number; each
// slot is tagged with the sequence number it holds, so lost packets need no clearing and late,
// reordered and duplicate packets are all O(1). The ring is allocated once in the constructor;
// on_packet and build_feedback never allocate. One recorder per transport (per media leg), owned
// and written by one lcore; times are passed in (microseconds, any monotonic clock).
//
// Reporting window: feedback covers every sequence number from the first one not yet reported to
// the highest one received. A packet that arrives after its range was reported moves the window
// back so it is reported (again, with the others after it), as the sender's estimator expects.
// Each feedback's base sequence number is the first unreported one, received or not, so losses just
// after the previous feedback are reported as lost and no packet is reported twice (unless it came
// late, as above).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"

namespace rtpx::rtp {

enum class TransportCcVerdict : std::uint8_t {
    kRecorded,   // new sequence number (in order, with a gap, or late but still in the ring)
    kDuplicate,  // already recorded; the first arrival time is kept
    kTooOld,     // more than `capacity` behind the highest sequence number; not recorded
};

class TransportCcRecorder {
  public:
    static constexpr std::size_t kDefaultCapacity = 4096;

    // capacity is rounded up to a power of two (minimum 64). Allocates the ring here, only here.
    explicit TransportCcRecorder(std::size_t capacity = kDefaultCapacity);

    TransportCcVerdict on_packet(std::uint16_t transport_seq, std::int64_t arrival_us) noexcept;

    // Writes the next transport-cc feedback packet (one complete RTCP packet) into out and marks
    // what it covers as reported. Returns the bytes written, 0 when nothing is waiting, or kNoRoom
    // (nothing is marked reported then). Call again until it returns 0: one call covers at most
    // TransportFeedbackBuilder::kMaxPackets sequence numbers, and a gap in arrival times that a
    // receive delta cannot express (> ~8 s) also splits the report.
    [[nodiscard]] WriteResult<std::size_t> build_feedback(std::uint32_t sender_ssrc,
                                                          std::uint32_t media_ssrc,
                                                          MutableByteSpan out) noexcept;

    [[nodiscard]] bool has_unreported() const noexcept {
        return started_ && report_start_ <= highest_;
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
    [[nodiscard]] std::int64_t highest_sequence() const noexcept { return highest_; }  // unwrapped
    [[nodiscard]] std::uint8_t feedback_packet_count() const noexcept { return fb_count_; }

    // Counters.
    [[nodiscard]] std::uint64_t recorded() const noexcept { return recorded_; }
    [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
    [[nodiscard]] std::uint64_t too_old() const noexcept { return too_old_; }
    // Sequence numbers that fell out of the ring before any feedback covered them.
    [[nodiscard]] std::uint64_t unreported_overwritten() const noexcept { return overwritten_; }
    [[nodiscard]] std::uint64_t feedback_packets() const noexcept { return feedback_packets_; }

  private:
    struct Slot {
        std::int64_t ext_seq;
        std::int64_t arrival_us;
    };
    [[nodiscard]] Slot& slot(std::int64_t ext_seq) noexcept {
        return ring_[static_cast<std::uint64_t>(ext_seq) & mask_];
    }
    [[nodiscard]] const Slot* find(std::int64_t ext_seq) const noexcept {
        const Slot& s = ring_[static_cast<std::uint64_t>(ext_seq) & mask_];
        return s.ext_seq == ext_seq ? &s : nullptr;
    }

    std::unique_ptr<Slot[]> ring_;
    std::uint64_t mask_;
    bool started_ = false;
    std::uint8_t fb_count_ = 0;
    std::int64_t highest_ = 0;
    std::int64_t report_start_ = 0;  // first unwrapped sequence number not yet reported

    std::uint64_t recorded_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t too_old_ = 0;
    std::uint64_t overwritten_ = 0;
    std::uint64_t feedback_packets_ = 0;
};

}  // namespace rtpx::rtp
