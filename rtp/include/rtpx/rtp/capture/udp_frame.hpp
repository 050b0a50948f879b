// UDP datagrams inside captured link-layer frames: a span parser and a builder.
//
// parse_udp_frame() walks a frame as a capture file holds it (link layer, optional VLAN tags, IPv4
// or IPv6 with extension headers, UDP) and returns a view of the UDP payload. It allocates nothing,
// never throws and never reads outside the span. Anything that is not a complete, unfragmented UDP
// datagram is an error: frames that are merely of another kind (ARP, TCP, ICMP, ...) fail with
// ParseErrc::kUnsupported and the phrase "not UDP" (see is_not_udp()), so a caller walking a
// capture can skip them silently and report the rest. Error offsets are relative to the frame
// start.
//
// build_udp_frame() writes Ethernet II (+ one optional 802.1Q tag) + IPv4 or IPv6 + UDP with
// correct IPv4 header and UDP checksums, for tests and the rtpx-pcapgen traffic generator.
//
// This header does not include libpcap; link types are the numbers of the tcpdump.org LINKTYPE_ /
// DLT_ registry.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rtpx/rtp/bytes.hpp"
#include "rtpx/rtp/error.hpp"

namespace rtpx::rtp::capture {

// Link-layer types accepted by parse_udp_frame(). libpcap reports DLT_ values, which differ from
// the LINKTYPE_ values stored in files for a few types (DLT_RAW is 12, or 14 on OpenBSD); both are
// taken.
inline constexpr int kLinkTypeNull = 0;            // DLT_NULL: BSD loopback, host-order family
inline constexpr int kLinkTypeEthernet = 1;        // DLT_EN10MB: Ethernet II, 802.1Q/802.1ad tags
inline constexpr int kLinkTypeDltRaw = 12;         // DLT_RAW on Linux and most systems: bare IP
inline constexpr int kLinkTypeDltRawOpenBsd = 14;  // DLT_RAW on OpenBSD
inline constexpr int kLinkTypeRaw = 101;           // LINKTYPE_RAW: bare IPv4 or IPv6
inline constexpr int kLinkTypeLoop = 108;       // DLT_LOOP: OpenBSD loopback, network-order family
inline constexpr int kLinkTypeLinuxSll = 113;   // LINKTYPE_LINUX_SLL: Linux cooked capture v1
inline constexpr int kLinkTypeIpv4 = 228;       // LINKTYPE_IPV4: bare IPv4
inline constexpr int kLinkTypeIpv6 = 229;       // LINKTYPE_IPV6: bare IPv6
inline constexpr int kLinkTypeLinuxSll2 = 276;  // LINKTYPE_LINUX_SLL2: Linux cooked capture v2

// The `what` of every "this frame is of another kind" error. It is one object program-wide, so the
// pointer compares equal, but is_not_udp() compares the text and is the way to test for it.
inline constexpr char kNotUdp[] = "not UDP";

[[nodiscard]] constexpr bool is_not_udp(const ParseError& e) noexcept {
    return e.code == ParseErrc::kUnsupported && e.what != nullptr &&
           std::string_view(e.what) == std::string_view(kNotUdp);
}

// An IPv4 or IPv6 address. IPv4 uses bytes[0..3]; the rest stays zero so that comparison and
// hashing by value work.
struct IpAddress {
    std::uint8_t family = 4;  // 4 or 6
    std::array<std::uint8_t, 16> bytes{};

    [[nodiscard]] static constexpr IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                                std::uint8_t d) noexcept {
        IpAddress ip;
        ip.family = 4;
        ip.bytes[0] = a;
        ip.bytes[1] = b;
        ip.bytes[2] = c;
        ip.bytes[3] = d;
        return ip;
    }
    [[nodiscard]] static constexpr IpAddress v6(const std::array<std::uint8_t, 16>& b) noexcept {
        IpAddress ip;
        ip.family = 6;
        ip.bytes = b;
        return ip;
    }
    // Dotted quad or RFC 5952 text ("10.0.0.1", "fd00::1"); nullopt when it is neither.
    [[nodiscard]] static std::optional<IpAddress> from_string(std::string_view text);

    // Dotted quad for IPv4, RFC 5952 compressed form for IPv6.
    [[nodiscard]] std::string to_string() const;

    [[nodiscard]] constexpr std::size_t size() const noexcept { return family == 6 ? 16 : 4; }

    auto operator<=>(const IpAddress&) const = default;
};

struct UdpDatagram {
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    ByteSpan payload;                // the UDP payload (UDP length - 8 bytes), inside the frame
    std::size_t payload_offset = 0;  // of payload.data() from the frame start
    std::uint16_t vlan = 0;          // VLAN ID of the outermost 802.1Q/802.1ad tag, 0 if untagged
};

// Parses one captured frame of the given link type down to its UDP payload.
//
// Link layers: Ethernet II with any number of 802.1Q (0x8100), 802.1ad (0x88a8) or 0x9100 tags;
// Linux cooked v1 and v2; bare IP (DLT_RAW, LINKTYPE_RAW, LINKTYPE_IPV4/IPV6, version from the
// first nibble); BSD/OpenBSD loopback with the family in either byte order.
// IPv4: header length, options, total length checked against the frame (Ethernet padding after the
// datagram is ignored); fragments of UDP fail with kUnsupported "IPv4 fragment".
// IPv6: hop-by-hop, routing and destination options headers are skipped; a fragment header of UDP
// fails with kUnsupported "IPv6 fragment". Fragments of other protocols are "not UDP".
// UDP: the UDP length must be at least 8 and fit in the IP payload. Checksums are not verified
// (captures taken on the sending host often carry offloaded, unfilled checksums).
[[nodiscard]] ParseResult<UdpDatagram> parse_udp_frame(int link_type, ByteSpan frame) noexcept;

// What build_udp_frame() writes around a payload.
struct FrameEndpoints {
    std::array<std::uint8_t, 6> src_mac{0x02, 0x00, 0x00,
                                        0x00, 0x00, 0x01};  // locally administered
    std::array<std::uint8_t, 6> dst_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    IpAddress src;  // src.family == dst.family selects IPv4 or IPv6
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t vlan = 0;          // 1..4094 adds one 802.1Q tag; 0 means untagged
    std::uint8_t vlan_priority = 0;  // 802.1p PCP, 0..7, used only with a VLAN tag
    std::uint8_t ttl = 64;           // IPv4 TTL or IPv6 hop limit
    std::uint8_t dscp = 0;           // 0..63; 46 (EF) is usual for voice
    std::uint16_t ipv4_id = 0;       // IPv4 identification (DF is always set)
};

inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;
inline constexpr std::size_t kIpv4HeaderSize = 20;
inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::size_t kUdpHeaderSize = 8;

// Bytes build_udp_frame() writes for this payload size.
[[nodiscard]] constexpr std::size_t udp_frame_size(const FrameEndpoints& ep,
                                                   std::size_t payload_size) noexcept {
    return kEthernetHeaderSize + (ep.vlan != 0 ? kVlanTagSize : 0) +
           (ep.src.family == 6 ? kIpv6HeaderSize : kIpv4HeaderSize) + kUdpHeaderSize + payload_size;
}

// Writes Ethernet II [+ 802.1Q] + IPv4 (with header checksum, DF, no options) or IPv6 (no extension
// headers) + UDP (checksum over the pseudo-header) + payload into `out`. Returns the frame size, or
// kNoRoom when `out` is too small, or kBadValue when the address families differ or are not 4/6,
// the VLAN ID is above 4094, the priority above 7, the DSCP above 63 or the datagram exceeds 65535
// bytes.
[[nodiscard]] WriteResult<std::size_t> build_udp_frame(MutableByteSpan out,
                                                       const FrameEndpoints& ep,
                                                       ByteSpan payload) noexcept;

// RFC 1071 Internet checksum of `bytes` (one's complement of the one's complement sum of 16-bit
// big-endian words, an odd last byte padded with zero).
[[nodiscard]] std::uint16_t internet_checksum(ByteSpan bytes) noexcept;

// UDP checksum (RFC 768 for IPv4, RFC 8200 section 8.1 for IPv6) of `udp_segment` (8-byte header,
// then payload) between src and dst, computed as if the checksum field were zero, i.e. the value to
// store there. A computed 0 is returned as 0xffff (0 means "no checksum" on the wire).
// `udp_segment` must hold at least the 8-byte header; with fewer bytes the result is 0.
[[nodiscard]] std::uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst,
                                         ByteSpan udp_segment) noexcept;

// True when the checksum field of `udp_segment` is zero (not computed, IPv4 only) or correct.
[[nodiscard]] bool udp_checksum_ok(const IpAddress& src, const IpAddress& dst,
                                   ByteSpan udp_segment) noexcept;

}  // namespace rtpx::rtp::capture
