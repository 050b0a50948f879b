// RTP packets (RFC 3550 section 5.1): a validating read-only view, in-place mutators for the data
// plane, and a writer that builds a packet into a caller's buffer.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |  CC x 4 bytes
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   defined by profile (0xBEDE...) |           length            |  if X (5.3.1); length in
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     32-bit words
// |                      header extension body                    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 payload ...   [padding ... count]             |  if P: last byte = pad count
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/header_extension.hpp"

namespace rtpx::rtp {

inline constexpr std::size_t kRtpHeaderSize = 12;
inline constexpr std::size_t kRtpMaxCsrcs = 15;

// A validated RTP packet. Holds a span into the caller's bytes; lives no longer than they do.
class RtpView {
  public:
    // Validates: at least 12 bytes, version 2, the CSRC list fits, the extension header and body
    // fit, and with the P bit the last byte is a non-zero pad count no larger than the bytes after
    // the header. Errors carry the offset of the offending field.
    //
    // The RFC 8285 elements inside the block are not walked here, so the fast path pays only for
    // the lookups it makes: iteration and lookups are bounds-checked and stop at an element that
    // runs past the block. parse_strict() also checks every element, for tools and tests that must
    // report such packets (`rtpx decode rtp` should use it).
    [[nodiscard]] static ParseResult<RtpView> parse(ByteSpan packet) noexcept;
    // parse() plus validate_extensions().
    [[nodiscard]] static ParseResult<RtpView> parse_strict(ByteSpan packet) noexcept {
        auto view = parse(packet);
        if (!view) return view;
        if (auto elements = view->validate_extensions(); !elements) {
            return tl::unexpected(elements.error());
        }
        return view;
    }
    // Checks that every RFC 8285 element fits the block; error offsets are packet offsets.
    [[nodiscard]] ParseResult<void> validate_extensions() const noexcept {
        if (!has_extension()) return {};
        return validate_extension_elements(ext_profile_, extension_data(), ext_offset_ + 4);
    }

    [[nodiscard]] std::uint8_t version() const noexcept { return data_[0] >> 6; }
    [[nodiscard]] bool has_padding() const noexcept { return (data_[0] & 0x20) != 0; }
    [[nodiscard]] bool has_extension() const noexcept { return (data_[0] & 0x10) != 0; }
    [[nodiscard]] std::uint8_t csrc_count() const noexcept { return data_[0] & 0x0F; }
    [[nodiscard]] bool marker() const noexcept { return (data_[1] & 0x80) != 0; }
    [[nodiscard]] std::uint8_t payload_type() const noexcept { return data_[1] & 0x7F; }
    [[nodiscard]] std::uint16_t sequence_number() const noexcept { return load_be16(data_ + 2); }
    [[nodiscard]] std::uint32_t timestamp() const noexcept { return load_be32(data_ + 4); }
    [[nodiscard]] std::uint32_t ssrc() const noexcept { return load_be32(data_ + 8); }
    // i < csrc_count().
    [[nodiscard]] std::uint32_t csrc(std::size_t i) const noexcept {
        return load_be32(data_ + kRtpHeaderSize + 4 * i);
    }

    // Fixed header + CSRCs + extension block.
    [[nodiscard]] std::size_t header_size() const noexcept { return header_size_; }
    // The payload without padding.
    [[nodiscard]] ByteSpan payload() const noexcept {
        return ByteSpan(data_ + header_size_, size_ - header_size_ - padding_size_);
    }
    [[nodiscard]] std::size_t payload_size() const noexcept {
        return size_ - header_size_ - padding_size_;
    }
    [[nodiscard]] std::size_t padding_size() const noexcept { return padding_size_; }
    [[nodiscard]] ByteSpan bytes() const noexcept { return ByteSpan(data_, size_); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    // 0 when there is no extension block.
    [[nodiscard]] std::uint16_t extension_profile() const noexcept { return ext_profile_; }
    [[nodiscard]] ExtensionForm extension_form() const noexcept {
        return has_extension() ? extension_form_of(ext_profile_) : ExtensionForm::kNone;
    }
    // Offset of the extension block's 4-byte header in the packet (0 when there is none).
    [[nodiscard]] std::size_t extension_offset() const noexcept { return ext_offset_; }
    // The block body after its 4-byte header (empty when there is none).
    [[nodiscard]] ByteSpan extension_data() const noexcept {
        return ByteSpan(data_ + ext_offset_ + 4, ext_size_);
    }
    // The RFC 8285 elements, in order (empty for other profiles).
    [[nodiscard]] HeaderExtensionRange extensions() const noexcept {
        return has_extension() ? HeaderExtensionRange(ext_profile_, extension_data())
                               : HeaderExtensionRange();
    }
    // The data of the first element with this ID; empty if absent (or present with no data, which
    // only the two-byte form can express: use find_extension_element to tell them apart).
    [[nodiscard]] ByteSpan find_extension(std::uint8_t id) const noexcept {
        const auto e = find_extension_element(id);
        return e ? *e : ByteSpan{};
    }
    [[nodiscard]] std::optional<ByteSpan> find_extension_element(std::uint8_t id) const noexcept {
        if (!has_extension()) return std::nullopt;
        return rtp::find_extension_element(ext_profile_, extension_data(), id);
    }

    // The value of extension trait `Ext` (see extensions/), looked up through the stream's extmap,
    // into `out`. False (out untouched) when the map has no ID for it, the packet does not carry
    // it, or its bytes are invalid. The fast path's form: no optional to build and copy.
    template <class Ext>
    [[nodiscard]] bool read(const ExtensionMap& map, typename Ext::value_type& out) const noexcept {
        const std::uint8_t id = map.id_of(Ext::kType);
        if (id == 0) return false;
        // An empty element (two-byte form only) fails every trait's parse, as an absent one would.
        auto value = Ext::parse(find_extension(id));
        if (!value) return false;
        out = *value;
        return true;
    }
    // The same as an optional. One named result (NRVO): returning separate temporaries made GCC
    // build the optional on the stack with narrow stores and copy it with a wide load.
    template <class Ext>
    [[nodiscard]] std::optional<typename Ext::value_type> get(
        const ExtensionMap& map) const noexcept {
        std::optional<typename Ext::value_type> out;
        const std::uint8_t id = map.id_of(Ext::kType);
        if (id != 0) {
            if (auto value = Ext::parse(find_extension(id))) out.emplace(std::move(*value));
        }
        return out;
    }

  private:
    RtpView() noexcept = default;

    const std::uint8_t* data_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t header_size_ = 0;
    std::uint32_t ext_offset_ = 0;
    std::uint32_t ext_size_ = 0;  // body bytes (block length x 4)
    std::uint16_t ext_profile_ = 0;
    std::uint8_t padding_size_ = 0;
};

// Inline: returning the view through memory from an out-of-line call costs more than the parse
// itself on the fast path (parse, then a few accessors).
inline ParseResult<RtpView> RtpView::parse(ByteSpan packet) noexcept {
    const std::size_t size = packet.size();
    const std::uint8_t* p = packet.data();
    if (size < kRtpHeaderSize) {
        return parse_error(ParseErrc::kTruncated, size, "RTP packet shorter than 12-byte header");
    }
    if ((p[0] >> 6) != 2) return parse_error(ParseErrc::kBadVersion, 0, "RTP version is not 2");
    std::size_t header = kRtpHeaderSize + 4 * static_cast<std::size_t>(p[0] & 0x0F);
    if (header > size) {
        return parse_error(ParseErrc::kTruncated, kRtpHeaderSize, "RTP CSRC list exceeds packet");
    }
    RtpView view;
    view.data_ = p;
    view.size_ = static_cast<std::uint32_t>(size);
    if ((p[0] & 0x10) != 0) {
        const std::size_t ext = header;
        if (ext + 4 > size) {
            return parse_error(ParseErrc::kTruncated, ext,
                               "RTP header extension header exceeds packet");
        }
        const std::size_t body = static_cast<std::size_t>(load_be16(p + ext + 2)) * 4;
        if (ext + 4 + body > size) {
            return parse_error(ParseErrc::kTruncated, ext + 2,
                               "RTP header extension longer than packet");
        }
        view.ext_profile_ = load_be16(p + ext);
        view.ext_offset_ = static_cast<std::uint32_t>(ext);
        view.ext_size_ = static_cast<std::uint32_t>(body);
        header = ext + 4 + body;
    }
    view.header_size_ = static_cast<std::uint32_t>(header);
    if ((p[0] & 0x20) != 0) {
        const std::uint8_t pad = p[size - 1];
        if (pad == 0) {
            return parse_error(ParseErrc::kBadPadding, size - 1, "RTP padding count is zero");
        }
        if (pad > size - header) {
            return parse_error(ParseErrc::kBadPadding, size - 1,
                               "RTP padding count exceeds bytes after header");
        }
        view.padding_size_ = pad;
    }
    return view;
}

// A first-byte check only (version 2), for demultiplexing before a full parse.
[[nodiscard]] constexpr bool looks_like_rtp(ByteSpan packet) noexcept {
    return packet.size() >= kRtpHeaderSize && (packet[0] >> 6) == 2;
}

// --- In-place mutators ----------------------------------------------------------------------
// They take the bytes of a packet that RtpView::parse accepted (at least the 12-byte header).

inline void set_sequence_number(MutableByteSpan packet, std::uint16_t seq) noexcept {
    store_be16(packet.data() + 2, seq);
}
inline void set_timestamp(MutableByteSpan packet, std::uint32_t ts) noexcept {
    store_be32(packet.data() + 4, ts);
}
inline void set_ssrc(MutableByteSpan packet, std::uint32_t ssrc) noexcept {
    store_be32(packet.data() + 8, ssrc);
}
// pt is masked to 7 bits.
inline void set_payload_type(MutableByteSpan packet, std::uint8_t pt) noexcept {
    packet[1] = static_cast<std::uint8_t>((packet[1] & 0x80) | (pt & 0x7F));
}
inline void set_marker(MutableByteSpan packet, bool marker) noexcept {
    packet[1] = static_cast<std::uint8_t>((packet[1] & 0x7F) | (marker ? 0x80 : 0));
}

struct RemapResult {
    std::uint16_t rewritten = 0;  // elements whose ID was changed (or kept by an identity entry)
    std::uint16_t dropped = 0;    // elements turned into padding
};

// Rewrites the ID of every RFC 8285 element in place: new ID = id_map[old ID]. An element is
// dropped when id_map[old ID] is 0, or when the new ID does not fit the block's form (15-255 in a
// one-byte block): dropping overwrites the element's header and data with zero bytes, which both
// forms define as padding, so the packet keeps its length and stays valid. Blocks of other profiles
// and packets without a block are left alone. The packet must have been accepted by RtpView::parse.
RemapResult remap_extension_ids(MutableByteSpan packet,
                                const std::array<std::uint8_t, 256>& id_map) noexcept;

// Removes the extension block (clears X, moves payload and padding forward). Returns the new packet
// length; a packet without a block (or one too short to hold what it claims) is returned unchanged.
std::size_t strip_header_extensions(MutableByteSpan packet) noexcept;

// --- Writer ---------------------------------------------------------------------------------

// Builds an RTP packet in a caller's buffer, in wire order: header fields (any time), CSRCs, header
// extensions, payload, padding, then finish(). It never writes past the buffer; a call that does
// not fit returns kNoRoom and changes nothing, a value that does not fit its field returns
// kBadValue, and calls out of order (a CSRC after an extension, an extension after the payload)
// return kBadValue.
//
// Extensions are staged in two-byte layout and the block is laid out when the payload (or padding,
// or finish) comes: in the one-byte form when every element fits it (ID 1-14, 1-16 bytes) and the
// form was not forced, else the two-byte form (which a stream may only use with extmap-allow-mixed,
// or when it negotiated two-byte IDs).
class RtpPacketWriter {
  public:
    enum class Form : std::uint8_t { kAuto, kOneByte, kTwoByte };

    explicit RtpPacketWriter(MutableByteSpan buffer) noexcept;

    void set_marker(bool marker) noexcept { marker_ = marker; }
    // > 127 makes finish() fail with kBadValue.
    void set_payload_type(std::uint8_t pt) noexcept { payload_type_ = pt; }
    void set_sequence_number(std::uint16_t seq) noexcept { sequence_number_ = seq; }
    void set_timestamp(std::uint32_t ts) noexcept { timestamp_ = ts; }
    void set_ssrc(std::uint32_t ssrc) noexcept { ssrc_ = ssrc; }
    // Forces a block form (kOneByte refuses elements that do not fit it); appbits go into the low
    // nibble of a two-byte profile.
    void set_extension_form(Form form, std::uint8_t appbits = 0) noexcept {
        form_ = form;
        appbits_ = static_cast<std::uint8_t>(appbits & 0x0F);
    }

    [[nodiscard]] WriteResult<std::size_t> add_csrc(std::uint32_t csrc) noexcept;

    // A raw element; returns the data bytes written.
    [[nodiscard]] WriteResult<std::size_t> add_extension(std::uint8_t id, ByteSpan data) noexcept;

    // A typed element through its trait (extensions/*.hpp).
    template <class Ext>
    [[nodiscard]] WriteResult<std::size_t> add_extension(
        std::uint8_t id, const typename Ext::value_type& value) noexcept {
        const std::size_t size = Ext::value_size(value);
        auto slot = reserve_extension(id, size);
        if (!slot) return tl::unexpected(slot.error());
        auto written = Ext::write(*slot, value);
        if (!written || *written != size) {
            cancel_extension();
            return tl::unexpected(written ? WriteErrc::kBadValue : written.error());
        }
        return size;
    }

    // Reserves an element of `size` data bytes and returns where to write them.
    [[nodiscard]] WriteResult<MutableByteSpan> reserve_extension(std::uint8_t id,
                                                                 std::size_t size) noexcept;

    // Copies the payload. Lays out the extension block first.
    [[nodiscard]] WriteResult<std::size_t> set_payload(ByteSpan payload) noexcept;
    // Reserves `size` payload bytes for the caller to fill. Lays out the extension block first.
    [[nodiscard]] WriteResult<MutableByteSpan> reserve_payload(std::size_t size) noexcept;
    // RTP padding of `count` bytes (1-255) including the count byte; sets P.
    [[nodiscard]] WriteResult<std::size_t> set_padding(std::size_t count) noexcept;

    // Writes the fixed header and returns the packet length.
    [[nodiscard]] WriteResult<std::size_t> finish() noexcept;

  private:
    enum class Phase : std::uint8_t { kCsrcs, kExtensions, kPayload, kPadding, kDone };

    [[nodiscard]] WriteResult<void> lay_out_extensions() noexcept;
    void cancel_extension() noexcept;

    MutableByteSpan buf_;
    std::uint32_t timestamp_ = 0;
    std::uint32_t ssrc_ = 0;
    std::size_t ext_used_ = 0;  // staged element bytes (two-byte layout), after the block header
    std::size_t last_element_ = 0;  // ext_used_ before the last reserve_extension
    std::size_t end_ = 0;           // packet bytes laid out so far (after lay_out_extensions)
    std::uint16_t sequence_number_ = 0;
    std::uint8_t payload_type_ = 0;
    std::uint8_t csrc_count_ = 0;
    std::uint16_t ext_count_ = 0;
    std::uint8_t padding_ = 0;
    std::uint8_t appbits_ = 0;
    bool marker_ = false;
    Form form_ = Form::kAuto;
    Phase phase_ = Phase::kCsrcs;
};

}  // namespace rtpx::rtp
