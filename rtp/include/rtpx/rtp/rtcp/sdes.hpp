// Source description, SDES (RFC 3550 section 6.5).
//
//  |V=2|P|    SC   |  PT=SDES=202  |             length            |
//  |                          SSRC/CSRC_1                          |   chunk 1
//  |  type (8)     |  length (8)   |  text (length bytes) ...      |   items
//  ...             | 0 (end)       | zero padding to 32 bits       |
//  |                          SSRC/CSRC_2                          |   chunk 2 ...
//
// Each chunk starts on a 32-bit boundary; its item list ends with a null octet (type 0) followed by
// zero octets up to the next boundary (1 to 4 null octets in all). PRIV items (type 8) hold a
// prefix length octet, the prefix, then the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"
#include "rtpx/rtp/rtcp/common.hpp"

namespace rtpx::rtp::rtcp {

enum class SdesItemType : std::uint8_t {
    kEnd = 0,
    kCname = 1,
    kName = 2,
    kEmail = 3,
    kPhone = 4,
    kLoc = 5,
    kTool = 6,
    kNote = 7,
    kPriv = 8,
};

// "CNAME", "NAME", ... "PRIV"; "UNKNOWN" for other types.
[[nodiscard]] std::string_view to_string(SdesItemType t) noexcept;

struct SdesItem {
    SdesItemType type = SdesItemType::kCname;  // may hold an unregistered value
    ByteSpan value;                            // text (for PRIV, after the prefix)
    ByteSpan prefix;                           // PRIV only

    [[nodiscard]] std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(value.data()), value.size()};
    }
};

class SdesChunkView {
  public:
    [[nodiscard]] std::uint32_t ssrc() const noexcept { return ssrc_; }
    // Calls f(const SdesItem&) for each item (the chunk has been validated).
    template <class F>
    void for_each_item(F&& f) const noexcept {
        std::size_t pos = 0;
        while (pos < items_.size() && items_[pos] != 0) {
            const std::size_t len = items_[pos + 1];
            SdesItem item;
            item.type = static_cast<SdesItemType>(items_[pos]);
            item.value = items_.subspan(pos + 2, len);
            if (item.type == SdesItemType::kPriv) {
                const std::size_t prefix_len = item.value[0];
                item.prefix = item.value.subspan(1, prefix_len);
                item.value = item.value.subspan(1 + prefix_len);
            }
            f(static_cast<const SdesItem&>(item));
            pos += 2 + len;
        }
    }
    // First item of the given type, if any (e.g. the CNAME).
    [[nodiscard]] bool find(SdesItemType type, SdesItem& out) const noexcept;

  private:
    friend class SdesView;
    std::uint32_t ssrc_ = 0;
    ByteSpan items_;  // from the first item to the end of the chunk
};

class SdesView {
  public:
    SdesView() noexcept = default;
    // Validates every chunk and item against the packet length.
    [[nodiscard]] static ParseResult<SdesView> parse(const PacketView& packet) noexcept;
    [[nodiscard]] static ParseResult<SdesView> parse(ByteSpan packet) noexcept;

    [[nodiscard]] std::size_t chunk_count() const noexcept { return packet_.count(); }
    // Calls f(const SdesChunkView&) for each chunk.
    template <class F>
    void for_each_chunk(F&& f) const noexcept {
        const ByteSpan body = packet_.body();
        std::size_t pos = 0;
        for (std::size_t i = 0; i < chunk_count(); ++i) {
            SdesChunkView c;
            c.ssrc_ = load_be32(&body[pos]);
            const std::size_t end = chunk_end(body, pos);
            c.items_ = body.subspan(pos + 4, end - pos - 4);
            f(static_cast<const SdesChunkView&>(c));
            pos = end;
        }
    }
    [[nodiscard]] const PacketView& packet() const noexcept { return packet_; }

  private:
    // End of the validated chunk starting at `pos`.
    [[nodiscard]] static std::size_t chunk_end(ByteSpan body, std::size_t pos) noexcept;
    PacketView packet_;
};

struct SdesChunk {
    std::uint32_t ssrc = 0;
    std::span<const SdesItem> items;  // value <= 255 bytes (PRIV: prefix + value <= 254)
};

struct SdesBuilder {
    std::span<const SdesChunk> chunks;  // at most 31
    std::uint8_t padding = 0;

    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] WriteResult<std::size_t> write(MutableByteSpan out) const noexcept;
};

}  // namespace rtpx::rtp::rtcp
