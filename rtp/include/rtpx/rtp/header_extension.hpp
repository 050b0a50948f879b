// RTP header extensions (RFC 8285): the extension block's two forms, its elements, the extension
// types rtpx knows by URI, and the per-stream extmap that binds local IDs to types.
//
// One-byte form (RFC 8285 section 4.2): profile 0xBEDE; each element is a byte ID(4) | L(4)
// followed by L+1 data bytes; ID 1-14 name elements, a 0 byte is padding, ID 15 stops processing
// (a non-zero byte with ID 0 is malformed: iteration stops there, validation reports it).
// Two-byte form (section 4.3): profile 0x100 in the top 12 bits and 4 "appbits" in the low nibble
// (0x1000-0x100F); each element is ID(8), L(8), then L data bytes (L may be 0); a 0 byte is
// padding. A stream that negotiated "a=extmap-allow-mixed" may use either form packet by packet;
// RtpView reads both, and RtpPacketWriter picks one-byte whenever every element fits it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"

namespace rtpx::rtp {

inline constexpr std::uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr std::uint16_t kTwoByteExtensionProfile = 0x1000;  // low 4 bits: appbits
inline constexpr std::uint16_t kTwoByteExtensionProfileMask = 0xFFF0;
inline constexpr std::uint8_t kOneByteMaxId = 14;
inline constexpr std::size_t kOneByteMaxDataSize = 16;
inline constexpr std::size_t kTwoByteMaxDataSize = 255;

enum class ExtensionForm : std::uint8_t {
    kNone,     // no extension block
    kOneByte,  // profile 0xBEDE
    kTwoByte,  // profile 0x1000-0x100F
    kOther,    // an RFC 3550 block of some other profile; its body is opaque
};

[[nodiscard]] constexpr ExtensionForm extension_form_of(std::uint16_t profile) noexcept {
    if (profile == kOneByteExtensionProfile) return ExtensionForm::kOneByte;
    if ((profile & kTwoByteExtensionProfileMask) == kTwoByteExtensionProfile) {
        return ExtensionForm::kTwoByte;
    }
    return ExtensionForm::kOther;
}

// One element of an RFC 8285 block. `data` points into the packet.
struct HeaderExtensionElement {
    std::uint8_t id;
    ByteSpan data;
};

// The elements of one block, iterated in order without allocation. Padding bytes are skipped; an
// element that would run past the block ends the iteration (RtpView::parse rejects such blocks, so
// this only matters for bytes that were changed after validation).
class HeaderExtensionRange {
  public:
    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = HeaderExtensionElement;
        using difference_type = std::ptrdiff_t;
        using pointer = const HeaderExtensionElement*;
        using reference = const HeaderExtensionElement&;

        iterator() noexcept = default;
        iterator(const std::uint8_t* body, std::size_t size, bool two_byte) noexcept
            : body_(body), size_(size), two_byte_(two_byte), at_end_(false) {
            advance();
        }
        reference operator*() const noexcept { return current_; }
        pointer operator->() const noexcept { return &current_; }
        iterator& operator++() noexcept {
            advance();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator copy = *this;
            advance();
            return copy;
        }
        // All end iterators compare equal; two live iterators compare by position.
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.at_end_ == b.at_end_ && (a.at_end_ || a.next_ == b.next_);
        }

        // Offset of the current element's first header byte inside the block body.
        [[nodiscard]] std::size_t element_offset() const noexcept { return start_; }

      private:
        void advance() noexcept {
            std::size_t pos = next_;
            while (pos < size_ && body_[pos] == 0) ++pos;  // padding
            if (pos >= size_) return finish();
            std::size_t len = 0;
            std::size_t hdr = 0;
            std::uint8_t id = 0;
            if (two_byte_) {
                if (pos + 2 > size_) return finish();
                id = body_[pos];
                len = body_[pos + 1];
                hdr = 2;
            } else {
                id = static_cast<std::uint8_t>(body_[pos] >> 4);
                if (id == 15) return finish();  // RFC 8285 4.2: stop processing
                if (id == 0) return finish();   // ID 0 with L != 0: malformed, stop
                len = static_cast<std::size_t>(body_[pos] & 0x0F) + 1;
                hdr = 1;
            }
            if (pos + hdr + len > size_) return finish();
            current_ = HeaderExtensionElement{id, ByteSpan(body_ + pos + hdr, len)};
            start_ = pos;
            next_ = pos + hdr + len;
        }
        void finish() noexcept {
            at_end_ = true;
            current_ = {};
        }

        const std::uint8_t* body_ = nullptr;
        std::size_t size_ = 0;
        std::size_t next_ = 0;
        std::size_t start_ = 0;
        HeaderExtensionElement current_{};
        bool two_byte_ = false;
        bool at_end_ = true;
    };

    HeaderExtensionRange() noexcept = default;
    // `body` is the block after its 4-byte header. Blocks of other profiles give an empty range.
    HeaderExtensionRange(std::uint16_t profile, ByteSpan body) noexcept
        : body_(body), form_(extension_form_of(profile)) {}

    [[nodiscard]] iterator begin() const noexcept {
        if (form_ != ExtensionForm::kOneByte && form_ != ExtensionForm::kTwoByte) return end();
        return iterator(body_.data(), body_.size(), form_ == ExtensionForm::kTwoByte);
    }
    [[nodiscard]] iterator end() const noexcept { return iterator(); }
    [[nodiscard]] ExtensionForm form() const noexcept { return form_; }

  private:
    ByteSpan body_{};
    ExtensionForm form_ = ExtensionForm::kNone;
};

// Checks every element of a block body of the given profile. `base` is the body's offset in the
// packet, so that errors point at the offending byte of the packet. Other profiles always pass.
[[nodiscard]] inline ParseResult<void> validate_extension_elements(std::uint16_t profile,
                                                                   ByteSpan body,
                                                                   std::size_t base) noexcept {
    const std::uint8_t* p = body.data();
    const std::size_t size = body.size();
    std::size_t pos = 0;
    if (profile == kOneByteExtensionProfile) {
        while (pos < size) {
            const std::uint8_t b = p[pos];
            if (b == 0) {
                ++pos;
                continue;
            }
            if ((b >> 4) == 15) return {};  // RFC 8285 4.2: the rest of the block is not processed
            if ((b >> 4) == 0) {
                return parse_error(ParseErrc::kBadValue, base + pos,
                                   "one-byte header extension ID 0 with non-zero length");
            }
            const std::size_t next = pos + 2 + (b & 0x0F);
            if (next > size) {
                return parse_error(ParseErrc::kTruncated, base + pos,
                                   "one-byte header extension element longer than block");
            }
            pos = next;
        }
        return {};
    }
    if ((profile & kTwoByteExtensionProfileMask) != kTwoByteExtensionProfile) return {};
    while (pos < size) {
        if (p[pos] == 0) {
            ++pos;
            continue;
        }
        if (pos + 2 > size) {
            return parse_error(ParseErrc::kTruncated, base + pos,
                               "two-byte header extension element header cut by block end");
        }
        const std::size_t next = pos + 2 + p[pos + 1];
        if (next > size) {
            return parse_error(ParseErrc::kTruncated, base + pos,
                               "two-byte header extension element longer than block");
        }
        pos = next;
    }
    return {};
}

// The data of the first element with this ID (1-255) in a block body, or nullopt. A tight scan for
// the fast path; same rules as HeaderExtensionRange.
[[nodiscard]] inline std::optional<ByteSpan> find_extension_element(std::uint16_t profile,
                                                                    ByteSpan body,
                                                                    std::uint8_t id) noexcept {
    const std::uint8_t* p = body.data();
    const std::size_t size = body.size();
    std::size_t pos = 0;
    if (profile == kOneByteExtensionProfile) {
        if (id == 0 || id > kOneByteMaxId) return std::nullopt;
        while (pos < size) {
            const std::uint8_t b = p[pos];
            const std::uint8_t element_id = static_cast<std::uint8_t>(b >> 4);
            const std::size_t len = static_cast<std::size_t>(b & 0x0F) + 1;
            // The sought ID first: it is never 0 or 15, so the common hit takes one compare.
            if (element_id == id) {
                if (pos + 1 + len > size) break;
                return ByteSpan(p + pos + 1, len);
            }
            if (b == 0) {
                ++pos;
                continue;
            }
            if (element_id == 15 || element_id == 0 || pos + 1 + len > size) break;
            pos += 1 + len;
        }
        return std::nullopt;
    }
    if ((profile & kTwoByteExtensionProfileMask) != kTwoByteExtensionProfile || id == 0) {
        return std::nullopt;
    }
    while (pos < size) {
        if (p[pos] == 0) {
            ++pos;
            continue;
        }
        if (pos + 2 > size) break;
        const std::size_t len = p[pos + 1];
        if (pos + 2 + len > size) break;
        if (p[pos] == id) return ByteSpan(p + pos + 2, len);
        pos += 2 + len;
    }
    return std::nullopt;
}

// --- Extension types and URIs ----------------------------------------------------------------

enum class ExtensionType : std::uint8_t {
    kNone,
    kAudioLevel,            // RFC 6464
    kCsrcAudioLevel,        // RFC 6465
    kVideoOrientation,      // 3GPP TS 26.114 (CVO)
    kTransportWideCc,       // draft-holmer-rmcat-transport-wide-cc-extensions-01
    kAbsSendTime,           // webrtc.org abs-send-time
    kAbsCaptureTime,        // webrtc.org abs-capture-time
    kTransmissionOffset,    // RFC 5450
    kFrameMarking,          // RFC 9626 (draft-ietf-avtext-framemarking)
    kMid,                   // RFC 9143
    kRtpStreamId,           // RFC 8852
    kRepairedRtpStreamId,   // RFC 8852
    kPlayoutDelay,          // webrtc.org playout-delay
    kDependencyDescriptor,  // AV1 RTP specification, appendix A
};
inline constexpr std::size_t kExtensionTypeCount = 14;

// The extmap URI of a type; empty for kNone.
[[nodiscard]] std::string_view uri_of(ExtensionType type) noexcept;
// The type an extmap URI names; kNone for URIs rtpx does not know.
[[nodiscard]] ExtensionType type_from_uri(std::string_view uri) noexcept;
// A short snake_case name ("audio_level", "transport_wide_cc", ...), for logs and JSON.
[[nodiscard]] std::string_view name_of(ExtensionType type) noexcept;

// The extmap of one stream direction: local ID -> type, and type -> ID. Fixed size, no heap; both
// lookups are one array index.
//
// IDs 1-255 are accepted. IDs 1-14 can travel in either block form; IDs 15-255 only in the two-byte
// form (RFC 8285 section 5: ID 15 is reserved in the one-byte form, and one-byte IDs stop at 14),
// so a stream that maps them must have negotiated extmap-allow-mixed. ID 0 is never valid. Each
// type has at most one ID and each ID at most one type: set() replaces older bindings of either.
class ExtensionMap {
  public:
    constexpr ExtensionMap() noexcept = default;

    // Binds `id` to `type`; false (and no change) for ID 0. Binding kNone unbinds the ID.
    bool set(std::uint8_t id, ExtensionType type) noexcept;
    // Binds `id` to the type named by `uri`; false for ID 0 or an unknown URI.
    bool set_uri(std::uint8_t id, std::string_view uri) noexcept;
    // Unbinds the ID (no-op if unbound).
    void erase(std::uint8_t id) noexcept { (void)set(id, ExtensionType::kNone); }
    void clear() noexcept;

    [[nodiscard]] ExtensionType type_of(std::uint8_t id) const noexcept { return types_[id]; }
    // 0 when the type is not in the map.
    [[nodiscard]] std::uint8_t id_of(ExtensionType type) const noexcept {
        return ids_[static_cast<std::size_t>(type)];
    }
    [[nodiscard]] bool empty() const noexcept;

  private:
    std::array<ExtensionType, 256> types_{};
    std::array<std::uint8_t, kExtensionTypeCount> ids_{};
};

}  // namespace rtpx::rtp
