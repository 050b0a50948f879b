// Transport-wide congestion control feedback (RTPFB FMT 15),
// draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |V=2|P|  FMT=15 |    PT=205     |           length              |
//  |                     SSRC of packet sender                     |
//  |                      SSRC of media source                     |
//  |      base sequence number     |      packet status count      |
//  |                 reference time                | fb pkt. count |
//  |          packet chunk         |         packet chunk          |
//  .                                                               .
//  |         packet chunk          |  recv delta   |  recv delta   |
//  .                                                               .
//
// Packet chunks (16 bits): run length (0 | symbol:2 | run:13) or status vector (1 | S | 14 bits: 14
// one-bit symbols when S = 0, 7 two-bit symbols when S = 1). Symbols: 0 not received, 1 received
// with a small delta (uint8 x 250 us), 2 received with a large or negative delta (int16 x 250 us).
// The first delta is relative to the reference time (signed 24 bits x 64 ms), each next one to the
// previous received packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

inline constexpr std::int64_t kTransportFeedbackDeltaTickUs = 250;
inline constexpr std::int64_t kTransportFeedbackReferenceTickUs = 64000;

// One entry of the feedback: a sequence number and whether/when it arrived.
struct TransportFeedbackPacket {
    std::uint16_t sequence = 0;
    bool received = false;
    std::int32_t delta_us = 0;    // receive delta (0 when not received)
    std::int64_t arrival_us = 0;  // reference_time_us + the sum of deltas so far (when received)
};

class TransportFeedbackView {
  public:
    TransportFeedbackView() noexcept = default;

    // Validates the whole message: chunks cover `packet status count`, no reserved symbols, no
    // zero-length runs, deltas within the packet.
    [[nodiscard]] static ParseResult<TransportFeedbackView> parse(
        const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<TransportFeedbackView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept { return load_be32(&fci_[-8]); }
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept { return load_be32(&fci_[-4]); }
    [[nodiscard]] std::uint16_t base_sequence() const noexcept { return load_be16(&fci_[0]); }
    [[nodiscard]] std::uint16_t packet_status_count() const noexcept { return load_be16(&fci_[2]); }
    // Signed 24-bit reference time in multiples of 64 ms.
    [[nodiscard]] std::int32_t reference_time() const noexcept {
        const std::uint32_t v = load_be24(&fci_[4]);
        return static_cast<std::int32_t>(v << 8) >> 8;
    }
    [[nodiscard]] std::int64_t reference_time_us() const noexcept {
        return std::int64_t{reference_time()} * kTransportFeedbackReferenceTickUs;
    }
    [[nodiscard]] std::uint8_t feedback_packet_count() const noexcept { return fci_[7]; }
    [[nodiscard]] std::size_t chunk_count() const noexcept { return chunk_count_; }
    [[nodiscard]] std::size_t received_count() const noexcept { return received_count_; }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

    class Iterator {
      public:
        using iterator_category = std::input_iterator_tag;
        using value_type = TransportFeedbackPacket;
        using difference_type = std::ptrdiff_t;
        using pointer = const TransportFeedbackPacket*;
        using reference = const TransportFeedbackPacket&;

        Iterator() noexcept = default;
        [[nodiscard]] const TransportFeedbackPacket& operator*() const noexcept { return current_; }
        [[nodiscard]] const TransportFeedbackPacket* operator->() const noexcept {
            return &current_;
        }
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.remaining_ == b.remaining_;
        }

      private:
        friend class TransportFeedbackView;
        void load() noexcept;
        const std::uint8_t* chunk_ = nullptr;  // current chunk
        const std::uint8_t* delta_ = nullptr;  // next receive delta
        std::uint32_t index_in_chunk_ = 0;
        std::uint32_t remaining_ = 0;  // statuses left, including the current one
        std::int64_t time_us_ = 0;     // arrival time of the last received packet so far
        TransportFeedbackPacket current_;
    };

    // Iterates every status entry (packet_status_count of them) in sequence order.
    [[nodiscard]] Iterator begin() const noexcept;
    [[nodiscard]] Iterator end() const noexcept { return Iterator(); }

  private:
    PacketView packet_;
    const std::uint8_t* fci_ = nullptr;  // base sequence number
    std::size_t chunk_count_ = 0;
    std::size_t received_count_ = 0;
};

// Builds one transport-cc feedback packet. Fixed capacity, no heap.
class TransportFeedbackBuilder {
  public:
    static constexpr std::size_t kMaxPackets = 2048;  // status entries per feedback

    TransportFeedbackBuilder(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                             std::uint8_t feedback_packet_count) noexcept;

    // Makes `base` the first sequence number of the feedback even if it was not received: the
    // numbers from it up to the first added packet are reported as not received. Call it before the
    // first add_received (later calls are ignored). Without it, the first added packet is the base.
    void set_base_sequence(std::uint16_t base) noexcept {
        if (count_ != 0) return;
        base_sequence_ = base;
        has_base_ = true;
    }

    // First call fixes the reference time (arrival_time_us rounded down to 64 ms), and the base
    // sequence unless set_base_sequence gave one. Packets must be added in increasing sequence
    // order (mod 2^16 from the base); gaps are reported as not received. Returns false (builder
    // unchanged) if the packet cannot be added: out of order or duplicate, delta not representable
    // (needs > int16 * 250us), or capacity exceeded -- the caller then writes this feedback and
    // starts a new one.
    [[nodiscard]] bool add_received(std::uint16_t sequence, std::int64_t arrival_time_us) noexcept;

    [[nodiscard]] std::size_t packet_count() const noexcept { return count_; }  // received + lost
    // Bytes write() produces, incl. padding. Runs the chunk encoder: O(packet_count()).
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;

    [[nodiscard]] std::uint16_t base_sequence() const noexcept { return base_sequence_; }
    [[nodiscard]] std::int32_t reference_time() const noexcept { return reference_time_; }

  private:
    // Encodes the chunks; writes them to `out` when non-null. Returns the number of chunks.
    std::size_t encode_chunks(std::uint8_t* out) const noexcept;

    std::uint32_t sender_ssrc_;
    std::uint32_t media_ssrc_;
    std::uint8_t feedback_packet_count_;
    std::uint16_t base_sequence_ = 0;
    bool has_base_ = false;            // set_base_sequence was called
    std::int32_t reference_time_ = 0;  // multiples of 64 ms
    std::int64_t last_time_us_ = 0;    // time the previous delta brought us to
    std::size_t count_ = 0;
    std::size_t delta_bytes_ = 0;
    // Only [0, count_) is ever read; left uninitialised so a new builder costs no 6 KiB memset.
    std::array<std::uint8_t, kMaxPackets> symbols_;  // 0 lost, 1 small, 2 large
    std::array<std::int16_t, kMaxPackets> deltas_;   // in 250 us ticks
};

}  // namespace rtpx::rtp::rtcp
