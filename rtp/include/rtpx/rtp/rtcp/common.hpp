// RTCP common header (RFC 3550 section 6.4.1) and the helpers every packet type shares.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P| count/FMT |      PT       |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// `length` is the packet size in 32-bit words minus one, including the header and any padding. When
// P is set, the last byte of the packet is the number of padding bytes (itself included).
//
// A PacketView covers exactly one packet. Every type-specific view is parsed from a PacketView, and
// reports error offsets relative to the first byte of that packet; the compound walker rebases them
// onto the whole compound.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"

namespace rtpx::rtp::rtcp {

enum class PacketType : std::uint8_t {
    kSr = 200,
    kRr = 201,
    kSdes = 202,
    kBye = 203,
    kApp = 204,
    kRtpfb = 205,
    kPsfb = 206,
    kXr = 207,
};

// Feedback message types (FMT) of RTPFB packets (RFC 4585 section 6.2 and later registrations).
enum class RtpfbFmt : std::uint8_t {
    kNack = 1,                // RFC 4585 generic NACK
    kTmmbr = 3,               // RFC 5104
    kTmmbn = 4,               // RFC 5104
    kCcfb = 11,               // RFC 8888 congestion control feedback
    kTransportFeedback = 15,  // draft-holmer-rmcat-transport-wide-cc-extensions-01
};

// Feedback message types (FMT) of PSFB packets (RFC 4585 section 6.3, RFC 5104).
enum class PsfbFmt : std::uint8_t {
    kPli = 1,
    kSli = 2,
    kRpsi = 3,
    kFir = 4,
    kTstr = 5,
    kTstn = 6,
    kAfb = 15,  // application layer feedback (REMB)
};

inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::size_t kMaxCount = 31;  // count/FMT is 5 bits
// Largest packet the 16-bit length field can describe.
inline constexpr std::size_t kMaxPacketSize = (std::size_t{0xFFFF} + 1) * 4;

[[nodiscard]] constexpr std::uint8_t to_wire(PacketType t) noexcept {
    return static_cast<std::uint8_t>(t);
}

// One RTCP packet (header, body, padding). Holds a span into the caller's buffer.
class PacketView {
  public:
    PacketView() noexcept = default;

    // Parses the packet at the start of `buffer`: version 2, length within the buffer, padding
    // count non-zero and within the packet. The view covers only that packet; bytes after it are
    // ignored.
    [[nodiscard]] static ParseResult<PacketView> parse(ByteSpan buffer) noexcept;

    [[nodiscard]] std::uint8_t version() const noexcept { return bytes_[0] >> 6; }
    [[nodiscard]] bool padding() const noexcept { return (bytes_[0] & 0x20) != 0; }
    [[nodiscard]] std::uint8_t count() const noexcept { return bytes_[0] & 0x1F; }
    [[nodiscard]] std::uint8_t fmt() const noexcept { return count(); }
    [[nodiscard]] std::uint8_t packet_type_raw() const noexcept { return bytes_[1]; }
    [[nodiscard]] PacketType packet_type() const noexcept {
        return static_cast<PacketType>(bytes_[1]);
    }
    [[nodiscard]] bool is(PacketType t) const noexcept { return bytes_[1] == to_wire(t); }
    [[nodiscard]] std::uint16_t length_words() const noexcept { return load_be16(&bytes_[2]); }
    // Whole packet in bytes: (length + 1) * 4.
    [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }
    // Number of padding bytes at the end (0 when P is clear).
    [[nodiscard]] std::uint8_t padding_size() const noexcept {
        return padding() ? bytes_[bytes_.size() - 1] : std::uint8_t{0};
    }
    [[nodiscard]] ByteSpan bytes() const noexcept { return bytes_; }
    // The bytes between the 4-byte header and the padding.
    [[nodiscard]] ByteSpan body() const noexcept {
        return bytes_.subspan(kHeaderSize, bytes_.size() - kHeaderSize - padding_size());
    }

  private:
    explicit PacketView(ByteSpan bytes) noexcept : bytes_(bytes) {}
    ByteSpan bytes_;
};

using CommonHeaderView = PacketView;

// Checks that `packet` has the given type (and, for feedback types, FMT), else kUnsupported at 0/1.
[[nodiscard]] ParseResult<void> expect_type(const PacketView& packet, PacketType type,
                                            const char* what) noexcept;
[[nodiscard]] ParseResult<void> expect_type_fmt(const PacketView& packet, PacketType type,
                                                std::uint8_t fmt, const char* what) noexcept;

// Writes a common header for a packet whose body (after the 4 header bytes) is `body_size` bytes,
// followed by `padding` padding bytes (zeros, the last one holding the count). Checks that the
// whole packet fits `out`, that (body_size + padding) is a multiple of 4, count <= 31, the length
// fits 16 bits. Returns the total packet size; the caller writes the body at out[4, 4 + body_size).
[[nodiscard]] WriteResult<std::size_t> write_header(MutableByteSpan out, std::uint8_t count,
                                                    std::uint8_t packet_type, std::size_t body_size,
                                                    std::uint8_t padding = 0) noexcept;

// The two SSRCs that open every RTPFB/PSFB packet (RFC 4585 section 6.1), and the FCI after them.
struct FeedbackHeader {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    ByteSpan fci;  // feedback control information; starts at packet offset 12
};
inline constexpr std::size_t kFeedbackHeaderSize = 12;  // common header + two SSRCs

// Checks type/FMT and that the body holds the two SSRCs; returns them and the FCI.
[[nodiscard]] ParseResult<FeedbackHeader> parse_feedback(const PacketView& packet, PacketType type,
                                                         std::uint8_t fmt,
                                                         const char* what) noexcept;

// Writes the common header and the two SSRCs of an RTPFB/PSFB packet whose FCI is `fci_size` bytes;
// the caller writes the FCI at out[12, 12 + fci_size). Returns the total packet size.
[[nodiscard]] WriteResult<std::size_t> write_feedback_header(
    MutableByteSpan out, PacketType type, std::uint8_t fmt, std::uint32_t sender_ssrc,
    std::uint32_t media_ssrc, std::size_t fci_size, std::uint8_t padding = 0) noexcept;

}  // namespace rtpx::rtp::rtcp
