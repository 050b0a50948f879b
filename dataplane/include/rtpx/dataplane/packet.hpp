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
[[nodiscard]] tl::expected<ParsedFrame, DropReason> parse_frame(const std::uint8_t* frame,
                                                                std::size_t size) noexcept;

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
    bool known = false;
    std::uint16_t sum = 0;
};
// From the frame's UDP checksum; unknown when the sender sent none (checksum 0, IPv4).
[[nodiscard]] PayloadSum ingress_payload_sum(const std::uint8_t* frame,
                                             const ParsedFrame& p) noexcept;
// The folded one's-complement sum of `size` bytes (a run starting at an even payload offset).
[[nodiscard]] std::uint16_t ones_sum(const std::uint8_t* bytes, std::size_t size) noexcept;
// A run of payload bytes whose sum went from `before` to `after`.
[[nodiscard]] PayloadSum adjust_payload_sum(PayloadSum s, std::uint16_t before,
                                            std::uint16_t after) noexcept;

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
