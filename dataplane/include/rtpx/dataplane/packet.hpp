// Pipeline stages on one frame, as pure functions on bytes and mbufs (unit-tested on synthetic
// mbufs): L2/L3/L4 parsing, the exception path (ARP, ICMP echo, IPv6 neighbour discovery) answered
// in place, and the header rewrite with checksums. No heap, no locks, no logs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <rte_mbuf.h>

#include <tl/expected.hpp>

#include "rtpx/flowapi/flow.hpp"
#include "rtpx/rtp/bytes.hpp"

namespace rtpx::dataplane {

using flowapi::DropReason;

inline constexpr std::size_t kEthHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;
inline constexpr std::size_t kIpv4HeaderSize = 20;
inline constexpr std::size_t kIpv6HeaderSize = 40;
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

enum class FrameKind : std::uint8_t { kUdp, kArp, kIcmp, kIcmpv6 };

// Offsets into the frame; addresses are read from the frame bytes at src_ip/dst_ip.
struct ParsedFrame {
    FrameKind kind = FrameKind::kUdp;
    flowapi::AddressFamily family = flowapi::AddressFamily::kNone;
    std::uint16_t vlan = 0;       // VLAN ID (0: untagged)
    std::uint16_t l3_offset = 0;  // after Ethernet (and VLAN)
    std::uint16_t l4_offset = 0;
    std::uint16_t l4_size = 0;   // from the IP header (frame padding excluded)
    std::uint16_t src_port = 0;  // UDP only
    std::uint16_t dst_port = 0;
    [[nodiscard]] std::uint16_t payload_offset() const noexcept {
        return l4_offset + kUdpHeaderSize;
    }
    [[nodiscard]] std::uint16_t payload_size() const noexcept { return l4_size - kUdpHeaderSize; }
    [[nodiscard]] std::size_t ip_size() const noexcept {
        return family == flowapi::AddressFamily::kIpv4 ? 4 : 16;
    }
    [[nodiscard]] std::uint16_t src_ip_offset() const noexcept {
        return l3_offset + (family == flowapi::AddressFamily::kIpv4 ? 12 : 8);
    }
    [[nodiscard]] std::uint16_t dst_ip_offset() const noexcept {
        return l3_offset + (family == flowapi::AddressFamily::kIpv4 ? 16 : 24);
    }
};

// Ethernet (one optional 802.1Q tag), then ARP, IPv4 (options allowed; fragments dropped) or IPv6
// (UDP or ICMPv6 as the first next header; extension headers dropped as unsupported_l3), then UDP
// with a length that fits. Errors are the drop reason.
// The general case, out of line (parse_frame tries the common one inline first).
[[nodiscard]] tl::expected<ParsedFrame, DropReason> parse_frame_general(const std::uint8_t* frame,
                                                                        std::size_t size) noexcept;
// Inline: untagged IPv4 without options, not a fragment, UDP with consistent lengths (what a
// relay sees nearly always), filling `p` field by field; false for anything else (then
// parse_frame_general decides; it gives the same result for these frames too).
[[nodiscard]] inline bool parse_udp4(const std::uint8_t* f, std::size_t size,
                                     ParsedFrame& p) noexcept {
    constexpr std::size_t kL4 = kEthHeaderSize + kIpv4HeaderSize;
    if (size < kL4 + kUdpHeaderSize || rtp::load_be16(f + 12) != kEtherTypeIpv4 ||
        f[kEthHeaderSize] != 0x45 || f[kEthHeaderSize + 9] != kProtoUdp ||
        (rtp::load_be16(f + kEthHeaderSize + 6) & 0x3FFF) != 0) {
        return false;
    }
    const std::size_t total = rtp::load_be16(f + kEthHeaderSize + 2);
    const std::size_t udp_len = rtp::load_be16(f + kL4 + 4);
    if (total < kIpv4HeaderSize + kUdpHeaderSize || kEthHeaderSize + total > size ||
        udp_len < kUdpHeaderSize || udp_len > total - kIpv4HeaderSize) {
        return false;
    }
    p.kind = FrameKind::kUdp;
    p.family = flowapi::AddressFamily::kIpv4;
    p.vlan = 0;
    p.l3_offset = kEthHeaderSize;
    p.l4_offset = kL4;
    p.l4_size = static_cast<std::uint16_t>(udp_len);
    p.src_port = rtp::load_be16(f + kL4);
    p.dst_port = rtp::load_be16(f + kL4 + 2);
    return true;
}
[[nodiscard]] inline tl::expected<ParsedFrame, DropReason> parse_frame(const std::uint8_t* f,
                                                                       std::size_t size) noexcept {
    ParsedFrame p;
    if (parse_udp4(f, size, p)) return p;
    return parse_frame_general(f, size);
}

// The identity of one port on the exception path.
struct PortIdentity {
    static constexpr std::size_t kMaxAddresses = 16;
    std::array<std::uint8_t, 6> mac{};
    std::uint16_t vlan = 0;
    std::uint8_t ipv4_count = 0;
    std::uint8_t ipv6_count = 0;
    std::array<std::array<std::uint8_t, 4>, kMaxAddresses> ipv4{};
    std::array<std::array<std::uint8_t, 16>, kMaxAddresses> ipv6{};

    [[nodiscard]] bool owns(flowapi::AddressFamily family, const std::uint8_t* ip) const noexcept;
};

// A neighbour seen on the exception path (an ARP request or reply, an NS with a source link-layer
// address option, an NA with a target link-layer address).
struct NeighbourObservation {
    bool valid = false;
    flowapi::IpAddress ip;
    std::array<std::uint8_t, 6> mac{};
};

enum class ExceptionVerdict : std::uint8_t {
    kReply,  // the frame was turned into a reply in place: send it back out of the port
    kDrop,   // consumed (counted as exception_ignored, or as the returned reason)
};

// Answers ARP requests, ICMP/ICMPv6 echo requests and neighbour solicitations for the port's
// media addresses by rewriting the frame in place (the mbuf's length may change for ND). Fills
// `learned` with the sender when the frame teaches a neighbour.
[[nodiscard]] ExceptionVerdict handle_exception(rte_mbuf* m, const ParsedFrame& p,
                                                const PortIdentity& port,
                                                NeighbourObservation& learned) noexcept;

// Where and how a rewritten packet leaves.
struct EgressHeaders {
    std::array<std::uint8_t, 6> src_mac{};
    std::array<std::uint8_t, 6> dst_mac{};
    std::uint16_t vlan = 0;
    flowapi::Endpoint source;
    flowapi::Endpoint destination;
};

struct ChecksumOffload {
    bool ipv4 = false;  // RTE_ETH_TX_OFFLOAD_IPV4_CKSUM
    bool udp = false;   // RTE_ETH_TX_OFFLOAD_UDP_CKSUM
};

// The one's-complement sum (RFC 1071, folded) of a UDP payload, when it is known without reading
// the payload: derived from the ingress UDP checksum and adjusted for every byte rewritten since
// (RFC 1624). rewrite_headers then fills the UDP checksum from the new headers and this sum. A
// wrong ingress checksum stays wrong (the relay neither hides nor creates corruption). Any stage
// that changes payload bytes must adjust it (adjust_payload_sum) or set known = false.
struct PayloadSum {
    // One word (bit 16: known; bits 0-15: the sum): kept in registers and spilled whole, never
    // written in parts and read back at once (a store-forwarding stall per packet).
    std::uint32_t state = 0;
    [[nodiscard]] bool known() const noexcept { return (state >> 16) != 0; }
    [[nodiscard]] std::uint16_t sum() const noexcept { return static_cast<std::uint16_t>(state); }
    [[nodiscard]] static PayloadSum of(std::uint16_t sum) noexcept {
        return {0x10000u | std::uint32_t{sum}};
    }
};
// The folded one's-complement sum (RFC 1071) of `size` bytes as big-endian 16-bit words (an odd
// last byte padded on the right). Summed in native order, eight octets per step (RFC 1071 section
// 2: the sum is byte-order independent up to a final swap): DPDK's rte_raw_cksum adds two octets
// per step.
[[nodiscard]] inline std::uint16_t ones_sum(const std::uint8_t* bytes, std::size_t size) noexcept {
    std::uint64_t s = 0;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w;
        __builtin_memcpy(&w, bytes + i, 8);
        s += (w & 0xFFFFFFFFu) + (w >> 32);
    }
    if (i + 4 <= size) {
        std::uint32_t w;
        __builtin_memcpy(&w, bytes + i, 4);
        s += w;
        i += 4;
    }
    if (i + 2 <= size) {
        std::uint16_t w;
        __builtin_memcpy(&w, bytes + i, 2);
        s += w;
        i += 2;
    }
    if (i < size) {
        // Native order: the byte at the lower address is the low one on little-endian CPUs.
        s += __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? bytes[i] : std::uint64_t{bytes[i]} << 8;
    }
    s = (s & 0xFFFFFFFFu) + (s >> 32);
    s = (s & 0xFFFFFFFFu) + (s >> 32);
    s = (s & 0xFFFFu) + (s >> 16);
    s = (s & 0xFFFFu) + (s >> 16);
    const auto native = static_cast<std::uint16_t>(s);
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? __builtin_bswap16(native) : native;
}
// Adds folded sums: a + b with the end-around carry.
[[nodiscard]] constexpr std::uint16_t ones_add(std::uint32_t a, std::uint32_t b) noexcept {
    std::uint32_t s = a + b;
    s = (s & 0xFFFF) + (s >> 16);
    return static_cast<std::uint16_t>((s & 0xFFFF) + (s >> 16));
}
// From the frame's UDP checksum; unknown when the sender sent none (checksum 0, IPv4).
// pseudo-header + UDP header (checksum included) + payload sums to all ones when the checksum is
// right (RFC 1071), so the payload's sum is the complement of the rest.
[[nodiscard]] inline PayloadSum ingress_payload_sum(const std::uint8_t* f,
                                                    const ParsedFrame& p) noexcept {
    const std::uint8_t* udp = f + p.l4_offset;
    if (udp[6] == 0 && udp[7] == 0) return {};
    const std::size_t ip = p.ip_size();
    std::uint32_t rest = ones_sum(f + p.src_ip_offset(), ip);
    rest += ones_sum(f + p.dst_ip_offset(), ip);
    rest += kProtoUdp + std::uint32_t{p.l4_size};
    rest += ones_sum(udp, kUdpHeaderSize);
    return PayloadSum::of(static_cast<std::uint16_t>(~ones_add(rest & 0xFFFF, rest >> 16)));
}
// RFC 1624 eqn. 3 on sums, S' = S + ~m + m', for one 16-bit word of payload that went from m to
// m' (or a run of them by its sums): the term to add to a delta (at most a few thousand terms).
[[nodiscard]] constexpr std::uint32_t sum_delta(std::uint16_t before,
                                                std::uint16_t after) noexcept {
    return std::uint32_t{static_cast<std::uint16_t>(~before)} + after;
}
// Payload bytes rewritten: `delta` is the sum of their sum_delta terms.
[[nodiscard]] inline PayloadSum adjust_payload_sum(PayloadSum s, std::uint32_t delta) noexcept {
    if (!s.known()) return s;
    const std::uint16_t folded = ones_add(delta & 0xFFFF, delta >> 16);
    return PayloadSum::of(ones_add(s.sum(), folded));
}

// A flow's egress headers laid out once (control thread, FlowTable::apply) so that the per-packet
// rewrite is a copy of `size` octets and four length/checksum stores: Ethernet (and VLAN), IPv4
// (DF, TTL 64, no options) or IPv6, UDP, with the lengths and checksums zero, and the one's-
// complement sums of what does not change per packet. The metadata comes first so that an IPv4
// template without VLAN lies within the first cache line of its owner.
struct EgressTemplate {
    static constexpr std::size_t kMaxSize =
        kEthHeaderSize + kVlanTagSize + kIpv6HeaderSize + kUdpHeaderSize;
    std::uint8_t size = 0;  // 42, 46, 62 or 66 octets
    std::uint8_t l2 = 0;    // Ethernet (+ VLAN): 14 or 18
    std::uint8_t l3 = 0;    // 20 or 40
    bool v4 = true;
    std::uint16_t ip_sum = 0;      // IPv4: the header's folded sum, total length excluded
    std::uint16_t pseudo_sum = 0;  // the pseudo-header's addresses and protocol, folded
    std::uint16_t ports_sum = 0;   // UDP source + destination port, folded
    std::array<std::uint8_t, kMaxSize> bytes{};
    // Where the destination address sits (neighbour resolution reads it from here).
    [[nodiscard]] const std::uint8_t* destination_ip() const noexcept {
        return bytes.data() + l2 + (v4 ? 16 : 24);
    }
};
// The template for `out` (out.dst_mac included: rewrites that resolve the next hop per packet
// overwrite the first six octets).
[[nodiscard]] EgressTemplate make_egress_template(const EgressHeaders& out) noexcept;

// Replaces Ethernet/VLAN/IP/UDP headers by the template's (the family may change), keeping the UDP
// payload (frame padding trimmed), with `dst_mac` (nullptr: the template's), and fills lengths and
// checksums (software, or offload requests as for rewrite_headers).
[[nodiscard]] tl::expected<void, DropReason> apply_egress_template(
    rte_mbuf* m, const ParsedFrame& p, const EgressTemplate& t, const std::uint8_t* dst_mac,
    ChecksumOffload offload, PayloadSum payload = {}) noexcept;

// Replaces Ethernet/VLAN/IP/UDP headers by fresh ones for `out` (the family may change), keeping
// the UDP payload (frame padding trimmed), and fills checksums: in software, or as offload
// requests (ol_flags, l2_len, l3_len, pseudo-header checksum) when the port has them. The UDP
// checksum in software sums the payload unless `payload.known`. The mbuf must be one segment.
[[nodiscard]] tl::expected<void, DropReason> rewrite_headers(rte_mbuf* m, const ParsedFrame& p,
                                                             const EgressHeaders& out,
                                                             ChecksumOffload offload,
                                                             PayloadSum payload = {}) noexcept;

// Builds an ARP request (who has `target`? tell `sender`) into an empty mbuf.
void build_arp_request(rte_mbuf* m, const std::array<std::uint8_t, 6>& src_mac, std::uint16_t vlan,
                       const std::uint8_t* sender_ip, const std::uint8_t* target_ip) noexcept;
// A gratuitous ARP (request for our own address) announcing `ip`.
inline void build_gratuitous_arp(rte_mbuf* m, const std::array<std::uint8_t, 6>& src_mac,
                                 std::uint16_t vlan, const std::uint8_t* ip) noexcept {
    build_arp_request(m, src_mac, vlan, ip, ip);
}
// Builds an IPv6 neighbour solicitation for `target` from `source` (solicited-node multicast).
void build_neighbour_solicitation(rte_mbuf* m, const std::array<std::uint8_t, 6>& src_mac,
                                  std::uint16_t vlan, const std::uint8_t* source_ip,
                                  const std::uint8_t* target_ip) noexcept;

// Internet checksum helpers over bytes (RFC 1071), exposed for tests.
[[nodiscard]] std::uint16_t ipv4_header_checksum(const std::uint8_t* header,
                                                 std::size_t size) noexcept;
// The UDP/ICMPv6 checksum with its pseudo-header, over the whole L4 segment (checksum field
// zero or not: the function skips it at `checksum_offset`).
[[nodiscard]] std::uint16_t l4_checksum(flowapi::AddressFamily family, const std::uint8_t* src_ip,
                                        const std::uint8_t* dst_ip, std::uint8_t proto,
                                        const std::uint8_t* l4, std::size_t size,
                                        std::size_t checksum_offset) noexcept;

}  // namespace rtpx::dataplane
