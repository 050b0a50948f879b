// Walking an RTCP compound packet (RFC 3550 section 6.1) and building one.
//
// The walker accepts reduced-size RTCP (RFC 5506): the compound need not start with SR/RR and may
// be a single packet of any type. It checks each packet's header (version, length within the
// compound, padding). Errors carry the byte offset within the whole compound. `validate_compound`
// applies the stricter rules of RFC 3550 appendix A.2 on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <utility>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

// What a packet is, from its type and FMT (and, for AFB, the REMB identifier).
enum class PacketKind : std::uint8_t {
    kSr,
    kRr,
    kSdes,
    kBye,
    kApp,
    kXr,
    kNack,
    kTmmbr,
    kTmmbn,
    kTransportFeedback,
    kCcfb,
    kRtpfbOther,  // RTPFB with an FMT not listed above
    kPli,
    kSli,
    kRpsi,
    kFir,
    kTstr,
    kTstn,
    kRemb,
    kPsfbOther,  // PSFB with an FMT not listed above (or AFB that is not REMB)
    kUnknown,    // packet type not in 200..207
};

[[nodiscard]] PacketKind classify(const PacketView& packet) noexcept;
// "SR", "RR", "SDES", "BYE", "APP", "XR", "NACK", "TMMBR", "TMMBN", "TWCC", "CCFB", "RTPFB", "PLI",
// "SLI", "RPSI", "FIR", "TSTR", "TSTN", "REMB", "PSFB", "UNKNOWN".
[[nodiscard]] std::string_view to_string(PacketKind kind) noexcept;

// A compound whose every packet header has been validated; iterating it cannot fail.
class CompoundView {
  public:
    CompoundView() noexcept = default;

    // Validates every packet header (version, length, padding). Empty input is an error.
    [[nodiscard]] static ParseResult<CompoundView> parse(ByteSpan compound) noexcept;

    class Iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = PacketView;
        using difference_type = std::ptrdiff_t;
        using pointer = const PacketView*;
        using reference = const PacketView&;

        Iterator() noexcept = default;
        [[nodiscard]] const PacketView& operator*() const noexcept { return packet_; }
        [[nodiscard]] const PacketView* operator->() const noexcept { return &packet_; }
        // Byte offset of the current packet within the compound.
        [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.offset_ == b.offset_;
        }

      private:
        friend class CompoundView;
        Iterator(ByteSpan compound, std::size_t offset) noexcept;
        ByteSpan compound_;
        std::size_t offset_ = 0;
        PacketView packet_;
    };

    [[nodiscard]] Iterator begin() const noexcept { return Iterator(bytes_, 0); }
    [[nodiscard]] Iterator end() const noexcept { return Iterator(bytes_, bytes_.size()); }
    [[nodiscard]] std::size_t packet_count() const noexcept { return packet_count_; }
    [[nodiscard]] ByteSpan bytes() const noexcept { return bytes_; }

  private:
    CompoundView(ByteSpan bytes, std::size_t count) noexcept
        : bytes_(bytes), packet_count_(count) {}
    ByteSpan bytes_;
    std::size_t packet_count_ = 0;
};

// Calls f(const PacketView&, std::size_t offset) for each packet, validating as it goes. Stops at
// the first malformed header (packets before it have been delivered). Returns the packet count.
template <class F>
[[nodiscard]] ParseResult<std::size_t> for_each_packet(ByteSpan compound, F&& f) noexcept {
    if (compound.empty()) {
        return parse_error(ParseErrc::kTruncated, 0, "RTCP compound is empty");
    }
    std::size_t offset = 0;
    std::size_t count = 0;
    while (offset < compound.size()) {
        auto packet = PacketView::parse(compound.subspan(offset));
        if (!packet) return tl::unexpected(rebase(packet.error(), offset));
        f(*packet, offset);
        offset += packet->size();
        ++count;
    }
    return count;
}

// RFC 3550 appendix A.2: every packet version 2, lengths add up to the compound exactly, padding
// only in the last packet, and (unless reduced-size RTCP is allowed, RFC 5506) the first packet is
// an SR or RR.
[[nodiscard]] ParseResult<void> validate_compound(ByteSpan compound,
                                                  bool reduced_size_allowed) noexcept;

// Appends packets into one buffer. Each builder type B provides
// `WriteResult<std::size_t> write(MutableByteSpan) const noexcept`.
class CompoundBuilder {
  public:
    explicit CompoundBuilder(MutableByteSpan out) noexcept : out_(out) {}

    // Appends one packet; on error nothing is appended. Returns the size of the appended packet.
    template <class B>
    [[nodiscard]] WriteResult<std::size_t> append(const B& builder) noexcept {
        auto n = builder.write(out_.subspan(size_));
        if (n) size_ += *n;
        return n;
    }
    // Appends an already-serialised packet (e.g. one passed through unchanged).
    [[nodiscard]] WriteResult<std::size_t> append_raw(ByteSpan packet) noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] ByteSpan bytes() const noexcept { return ByteSpan(out_.data(), size_); }

  private:
    MutableByteSpan out_;
    std::size_t size_ = 0;
};

}  // namespace rtpx::rtp::rtcp
