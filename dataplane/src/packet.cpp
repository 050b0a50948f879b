#include "rtpx/dataplane/packet.hpp"

#include <algorithm>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "rtpx/rtp/bytes.hpp"

namespace rtpx::dataplane {

using flowapi::AddressFamily;
using rtp::load_be16;
using rtp::load_be32;
using rtp::store_be16;
using rtp::store_be32;

namespace {

tl::unexpected<DropReason> drop(DropReason r) noexcept {
    return tl::unexpected<DropReason>(r);
}

// One's complement sum of big-endian 16-bit words (RFC 1071), not folded.
std::uint32_t sum_be(const std::uint8_t* p, std::size_t n) noexcept {
    return ones_sum(p, n);
}

std::uint16_t fold(std::uint32_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::uint32_t pseudo_header_sum(AddressFamily family, const std::uint8_t* src,
                                const std::uint8_t* dst, std::uint8_t proto,
                                std::size_t l4_size) noexcept {
    const std::size_t ip = family == AddressFamily::kIpv4 ? 4 : 16;
    std::uint32_t sum = sum_be(src, ip) + sum_be(dst, ip);
    sum += proto;
    sum += static_cast<std::uint32_t>(l4_size & 0xFFFF) + static_cast<std::uint32_t>(l4_size >> 16);
    return sum;
}

void write_ethernet(std::uint8_t* f, const std::array<std::uint8_t, 6>& dst,
                    const std::array<std::uint8_t, 6>& src, std::uint16_t vlan,
                    std::uint16_t ether_type) noexcept {
    std::memcpy(f, dst.data(), 6);
    std::memcpy(f + 6, src.data(), 6);
    if (vlan != 0) {
        store_be16(f + 12, kEtherTypeVlan);
        store_be16(f + 14, vlan);
        store_be16(f + 16, ether_type);
    } else {
        store_be16(f + 12, ether_type);
    }
}

// Swaps Ethernet addresses: the reply goes back to the sender, from us.
void reply_ethernet(std::uint8_t* f, const std::array<std::uint8_t, 6>& our_mac) noexcept {
    std::memcpy(f, f + 6, 6);
    std::memcpy(f + 6, our_mac.data(), 6);
}

void set_ipv4_checksum(std::uint8_t* ip, std::size_t header_size) noexcept {
    store_be16(ip + 10, 0);
    store_be16(ip + 10, ipv4_header_checksum(ip, header_size));
}

}  // namespace

std::uint16_t ipv4_header_checksum(const std::uint8_t* header, std::size_t size) noexcept {
    return static_cast<std::uint16_t>(~fold(sum_be(header, size)));
}

std::uint16_t l4_checksum(AddressFamily family, const std::uint8_t* src_ip,
                          const std::uint8_t* dst_ip, std::uint8_t proto, const std::uint8_t* l4,
                          std::size_t size, std::size_t checksum_offset) noexcept {
    std::uint32_t sum = pseudo_header_sum(family, src_ip, dst_ip, proto, size);
    sum += sum_be(l4, checksum_offset);
    sum += sum_be(l4 + checksum_offset + 2, size - checksum_offset - 2);
    // The 2 bytes before an odd-aligned tail: sum_be pads an odd tail with zero in the right byte
    // only when it starts at an even offset; checksum_offset is even for UDP (6) and ICMPv6 (2).
    return static_cast<std::uint16_t>(~fold(sum));
}

tl::expected<ParsedFrame, DropReason> parse_frame_general(const std::uint8_t* f,
                                                          std::size_t size) noexcept {
    ParsedFrame p;
    if (size < kEthHeaderSize) return drop(DropReason::kMalformed);
    std::size_t l3 = kEthHeaderSize;
    std::uint16_t type = load_be16(f + 12);
    if (type == kEtherTypeVlan) {
        if (size < kEthHeaderSize + kVlanTagSize) return drop(DropReason::kMalformed);
        p.vlan = load_be16(f + 14) & 0x0FFF;
        type = load_be16(f + 16);
        l3 += kVlanTagSize;
    }
    p.l3_offset = static_cast<std::uint16_t>(l3);
    if (type == kEtherTypeArp) {
        if (size < l3 + 28) return drop(DropReason::kMalformed);
        p.kind = FrameKind::kArp;
        p.family = AddressFamily::kIpv4;
        return p;
    }
    std::size_t l4 = 0;
    std::size_t l4_size = 0;
    std::uint8_t proto = 0;
    if (type == kEtherTypeIpv4) {
        if (size < l3 + kIpv4HeaderSize) return drop(DropReason::kMalformed);
        const std::uint8_t* ip = f + l3;
        const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
        const std::size_t total = load_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < kIpv4HeaderSize || total < ihl || l3 + total > size) {
            return drop(DropReason::kMalformed);
        }
        if ((load_be16(ip + 6) & 0x3FFF) != 0)
            return drop(DropReason::kIpFragment);  // MF or offset
        p.family = AddressFamily::kIpv4;
        proto = ip[9];
        l4 = l3 + ihl;
        l4_size = total - ihl;
    } else if (type == kEtherTypeIpv6) {
        if (size < l3 + kIpv6HeaderSize) return drop(DropReason::kMalformed);
        const std::uint8_t* ip = f + l3;
        const std::size_t payload = load_be16(ip + 4);
        if ((ip[0] >> 4) != 6 || l3 + kIpv6HeaderSize + payload > size) {
            return drop(DropReason::kMalformed);
        }
        p.family = AddressFamily::kIpv6;
        proto = ip[6];
        l4 = l3 + kIpv6HeaderSize;
        l4_size = payload;
    } else {
        return drop(DropReason::kUnsupportedL3);
    }
    p.l4_offset = static_cast<std::uint16_t>(l4);
    p.l4_size = static_cast<std::uint16_t>(l4_size);
    if (proto == kProtoUdp) {
        if (l4_size < kUdpHeaderSize) return drop(DropReason::kMalformed);
        const std::size_t udp_len = load_be16(f + l4 + 4);
        if (udp_len < kUdpHeaderSize || udp_len > l4_size) return drop(DropReason::kMalformed);
        p.kind = FrameKind::kUdp;
        p.src_port = load_be16(f + l4);
        p.dst_port = load_be16(f + l4 + 2);
        p.l4_size = static_cast<std::uint16_t>(udp_len);
        return p;
    }
    if (proto == kProtoIcmp && p.family == AddressFamily::kIpv4) {
        p.kind = FrameKind::kIcmp;
        return p;
    }
    if (proto == kProtoIcmpv6 && p.family == AddressFamily::kIpv6) {
        p.kind = FrameKind::kIcmpv6;
        return p;
    }
    return drop(DropReason::kUnsupportedL3);
}

bool PortIdentity::owns(AddressFamily family, const std::uint8_t* ip) const noexcept {
    if (family == AddressFamily::kIpv4) {
        for (std::size_t i = 0; i < ipv4_count; ++i) {
            if (std::memcmp(ipv4[i].data(), ip, 4) == 0) return true;
        }
        return false;
    }
    for (std::size_t i = 0; i < ipv6_count; ++i) {
        if (std::memcmp(ipv6[i].data(), ip, 16) == 0) return true;
    }
    return false;
}

namespace {

ExceptionVerdict handle_arp(std::uint8_t* f, const ParsedFrame& p, const PortIdentity& port,
                            NeighbourObservation& learned) noexcept {
    std::uint8_t* a = f + p.l3_offset;
    if (load_be16(a) != 1 || load_be16(a + 2) != kEtherTypeIpv4 || a[4] != 6 || a[5] != 4) {
        return ExceptionVerdict::kDrop;
    }
    const std::uint16_t op = load_be16(a + 6);
    std::uint8_t* sender_mac = a + 8;
    std::uint8_t* sender_ip = a + 14;
    std::uint8_t* target_mac = a + 18;
    std::uint8_t* target_ip = a + 24;
    if ((op == 1 || op == 2) && load_be32(sender_ip) != 0) {
        learned.valid = true;
        learned.ip.family = AddressFamily::kIpv4;
        learned.ip.bytes = {};
        std::memcpy(learned.ip.bytes.data(), sender_ip, 4);
        std::memcpy(learned.mac.data(), sender_mac, 6);
    }
    if (op != 1 || !port.owns(AddressFamily::kIpv4, target_ip)) return ExceptionVerdict::kDrop;
    std::uint8_t requested[4];
    std::memcpy(requested, target_ip, 4);
    store_be16(a + 6, 2);
    std::memcpy(target_mac, sender_mac, 6);
    std::memcpy(target_ip, sender_ip, 4);
    std::memcpy(sender_mac, port.mac.data(), 6);
    std::memcpy(sender_ip, requested, 4);
    std::memcpy(f, target_mac, 6);
    std::memcpy(f + 6, port.mac.data(), 6);
    return ExceptionVerdict::kReply;
}

ExceptionVerdict handle_icmp(std::uint8_t* f, const ParsedFrame& p,
                             const PortIdentity& port) noexcept {
    std::uint8_t* ip = f + p.l3_offset;
    std::uint8_t* icmp = f + p.l4_offset;
    if (p.l4_size < 8 || icmp[0] != 8 || icmp[1] != 0) return ExceptionVerdict::kDrop;  // echo
    if (!port.owns(AddressFamily::kIpv4, ip + 16)) return ExceptionVerdict::kDrop;
    std::swap_ranges(ip + 12, ip + 16, ip + 16);  // source <-> destination
    ip[8] = 64;
    set_ipv4_checksum(ip, p.l4_offset - p.l3_offset);
    icmp[0] = 0;  // echo reply
    store_be16(icmp + 2, 0);
    store_be16(icmp + 2, static_cast<std::uint16_t>(~fold(sum_be(icmp, p.l4_size))));
    reply_ethernet(f, port.mac);
    return ExceptionVerdict::kReply;
}

void set_icmpv6_checksum(std::uint8_t* ip, std::uint8_t* icmp, std::size_t size) noexcept {
    store_be16(icmp + 2, 0);
    store_be16(icmp + 2,
               l4_checksum(AddressFamily::kIpv6, ip + 8, ip + 24, kProtoIcmpv6, icmp, size, 2));
}

// The link-layer address option of type `type` (1 source, 2 target) in ND options, or nullptr.
const std::uint8_t* find_lladdr_option(const std::uint8_t* options, std::size_t size,
                                       std::uint8_t type) noexcept {
    std::size_t at = 0;
    while (at + 8 <= size) {
        const std::size_t len = static_cast<std::size_t>(options[at + 1]) * 8;
        if (len == 0 || at + len > size) return nullptr;
        if (options[at] == type && len == 8) return options + at + 2;
        at += len;
    }
    return nullptr;
}

ExceptionVerdict handle_icmpv6(rte_mbuf* m, std::uint8_t* f, const ParsedFrame& p,
                               const PortIdentity& port, NeighbourObservation& learned) noexcept {
    std::uint8_t* ip = f + p.l3_offset;
    std::uint8_t* icmp = f + p.l4_offset;
    if (p.l4_size < 4) return ExceptionVerdict::kDrop;
    const std::uint8_t type = icmp[0];
    static constexpr std::uint8_t kUnspecified[16] = {};
    if (type == 128) {  // echo request
        if (!port.owns(AddressFamily::kIpv6, ip + 24)) return ExceptionVerdict::kDrop;
        std::swap_ranges(ip + 8, ip + 24, ip + 24);  // source <-> destination
        ip[7] = 64;
        icmp[0] = 129;
        set_icmpv6_checksum(ip, icmp, p.l4_size);
        reply_ethernet(f, port.mac);
        return ExceptionVerdict::kReply;
    }
    // RFC 4861 section 7.1.1: hop limit 255, code 0, at least 24 bytes.
    if ((type != 135 && type != 136) || ip[7] != 255 || icmp[1] != 0 || p.l4_size < 24) {
        return ExceptionVerdict::kDrop;
    }
    const std::uint8_t* target = icmp + 8;
    const std::uint8_t* lladdr = find_lladdr_option(icmp + 24, p.l4_size - 24, type == 135 ? 1 : 2);
    if (lladdr != nullptr) {
        learned.valid = true;
        learned.ip.family = AddressFamily::kIpv6;
        std::memcpy(learned.ip.bytes.data(), type == 135 ? ip + 8 : target, 16);
        std::memcpy(learned.mac.data(), lladdr, 6);
        if (type == 135 && std::memcmp(ip + 8, kUnspecified, 16) == 0) learned.valid = false;
    }
    if (type != 135 || !port.owns(AddressFamily::kIpv6, target)) return ExceptionVerdict::kDrop;
    // Neighbour advertisement (RFC 4861 section 4.4): solicited and override, with our MAC as the
    // target link-layer address; to the solicitor, or all-nodes when it had no address yet.
    constexpr std::size_t kNaSize = 32;
    const std::size_t frame_size = p.l4_offset + kNaSize;
    if (frame_size > rte_pktmbuf_data_len(m)) {
        if (rte_pktmbuf_append(
                m, static_cast<std::uint16_t>(frame_size - rte_pktmbuf_data_len(m))) == nullptr) {
            return ExceptionVerdict::kDrop;
        }
    } else {
        (void)rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - frame_size));
    }
    const bool from_unspecified = std::memcmp(ip + 8, kUnspecified, 16) == 0;
    std::uint8_t tgt[16];
    std::memcpy(tgt, target, 16);
    if (from_unspecified) {
        static constexpr std::uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                       0,    0,    0, 0, 0, 0, 0, 1};
        std::memcpy(ip + 24, kAllNodes, 16);
        static constexpr std::array<std::uint8_t, 6> kAllNodesMac = {0x33, 0x33, 0, 0, 0, 1};
        std::memcpy(f, kAllNodesMac.data(), 6);
        std::memcpy(f + 6, port.mac.data(), 6);
    } else {
        std::memcpy(ip + 24, ip + 8, 16);
        reply_ethernet(f, port.mac);
    }
    std::memcpy(ip + 8, tgt, 16);
    store_be16(ip + 4, kNaSize);
    ip[7] = 255;
    icmp[0] = 136;
    icmp[1] = 0;
    store_be32(icmp + 4, from_unspecified ? 0x20000000u : 0x60000000u);  // (S|)O
    std::memcpy(icmp + 8, tgt, 16);
    icmp[24] = 2;  // target link-layer address
    icmp[25] = 1;
    std::memcpy(icmp + 26, port.mac.data(), 6);
    set_icmpv6_checksum(ip, icmp, kNaSize);
    return ExceptionVerdict::kReply;
}

}  // namespace

ExceptionVerdict handle_exception(rte_mbuf* m, const ParsedFrame& p, const PortIdentity& port,
                                  NeighbourObservation& learned) noexcept {
    auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
    switch (p.kind) {
        case FrameKind::kArp: return handle_arp(f, p, port, learned);
        case FrameKind::kIcmp: return handle_icmp(f, p, port);
        case FrameKind::kIcmpv6: return handle_icmpv6(m, f, p, port, learned);
        case FrameKind::kUdp: break;
    }
    return ExceptionVerdict::kDrop;
}

EgressTemplate make_egress_template(const EgressHeaders& out) noexcept {
    EgressTemplate t;
    const bool v4 = out.destination.address.family == AddressFamily::kIpv4;
    t.v4 = v4;
    t.l2 = static_cast<std::uint8_t>(kEthHeaderSize + (out.vlan != 0 ? kVlanTagSize : 0));
    t.l3 = static_cast<std::uint8_t>(v4 ? kIpv4HeaderSize : kIpv6HeaderSize);
    t.size = static_cast<std::uint8_t>(t.l2 + t.l3 + kUdpHeaderSize);
    std::uint8_t* f = t.bytes.data();
    write_ethernet(f, out.dst_mac, out.src_mac, out.vlan, v4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
    std::uint8_t* ip = f + t.l2;
    std::uint8_t* udp = ip + t.l3;
    if (v4) {
        ip[0] = 0x45;
        store_be16(ip + 6, 0x4000);  // DF (identification 0: never fragmented)
        ip[8] = 64;
        ip[9] = kProtoUdp;
        std::memcpy(ip + 12, out.source.address.bytes.data(), 4);
        std::memcpy(ip + 16, out.destination.address.bytes.data(), 4);
        t.ip_sum = fold(sum_be(ip, kIpv4HeaderSize));  // lengths and checksum still zero
    } else {
        store_be32(ip, 0x60000000u);
        ip[6] = kProtoUdp;
        ip[7] = 64;
        std::memcpy(ip + 8, out.source.address.bytes.data(), 16);
        std::memcpy(ip + 24, out.destination.address.bytes.data(), 16);
    }
    store_be16(udp, out.source.port);
    store_be16(udp + 2, out.destination.port);
    t.pseudo_sum = fold(pseudo_header_sum(out.destination.address.family, ip + (v4 ? 12 : 8),
                                          ip + (v4 ? 16 : 24), kProtoUdp, 0));
    t.ports_sum = fold(sum_be(udp, 4));
    return t;
}

namespace {

// n octets (32 <= n <= 96) in at most three 32-octet moves (overlapping), without a call.
inline void copy_headers(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
    std::memcpy(dst, src, 32);
    if (n > 64) std::memcpy(dst + 32, src + 32, 32);
    std::memcpy(dst + n - 32, src + n - 32, 32);
}

}  // namespace

tl::expected<void, DropReason> apply_egress_template(rte_mbuf* m, const ParsedFrame& p,
                                                     const EgressTemplate& t,
                                                     const std::uint8_t* dst_mac,
                                                     ChecksumOffload offload,
                                                     PayloadSum payload_sum) noexcept {
    if (!rte_pktmbuf_is_contiguous(m)) [[unlikely]]
        return drop(DropReason::kTooBig);
    const std::size_t payload = p.payload_size();
    const std::size_t old_headers = p.payload_offset();
    const std::size_t used = old_headers + payload;
    if (rte_pktmbuf_data_len(m) > used) {
        (void)rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - used));
    }
    const std::size_t headers = t.size;
    if (headers > old_headers) {
        if (rte_pktmbuf_prepend(m, static_cast<std::uint16_t>(headers - old_headers)) == nullptr) {
            return drop(DropReason::kTooBig);
        }
    } else if (headers < old_headers) {
        (void)rte_pktmbuf_adj(m, static_cast<std::uint16_t>(old_headers - headers));
    }
    auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
    copy_headers(f, t.bytes.data(), headers);
    if (dst_mac != nullptr) std::memcpy(f, dst_mac, 6);
    std::uint8_t* ip = f + t.l2;
    std::uint8_t* udp = ip + t.l3;
    const auto udp_size = static_cast<std::uint16_t>(kUdpHeaderSize + payload);
    store_be16(udp + 4, udp_size);
    // The lengths live in the mbuf's second cache line: written only for a port that offloads.
    if (offload.ipv4 || offload.udp) {
        m->l2_len = static_cast<std::uint64_t>(t.l2) & 0x7F;
        m->l3_len = static_cast<std::uint64_t>(t.l3) & 0x1FF;
    }
    std::uint64_t flags = m->ol_flags & ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 |
                                          RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
    if (t.v4) {
        const auto total = static_cast<std::uint16_t>(kIpv4HeaderSize + udp_size);
        store_be16(ip + 2, total);
        flags |= RTE_MBUF_F_TX_IPV4;
        if (offload.ipv4) {
            flags |= RTE_MBUF_F_TX_IP_CKSUM;
        } else {
            store_be16(ip + 10, static_cast<std::uint16_t>(~fold(std::uint32_t{t.ip_sum} + total)));
        }
    } else {
        store_be16(ip + 4, udp_size);
        flags |= RTE_MBUF_F_TX_IPV6;
    }
    if (offload.udp) {
        // The NIC finishes the sum: it wants the (uncomplemented) pseudo-header sum in place.
        flags |= RTE_MBUF_F_TX_UDP_CKSUM;
        store_be16(udp + 6, fold(std::uint32_t{t.pseudo_sum} + udp_size));
    } else {
        // Pseudo-header (addresses, protocol, length) + UDP header (ports, length) + payload.
        std::uint32_t all = std::uint32_t{t.pseudo_sum} + t.ports_sum + 2U * udp_size;
        all += payload_sum.known() ? payload_sum.sum() : sum_be(udp + kUdpHeaderSize, payload);
        std::uint16_t sum = static_cast<std::uint16_t>(~fold(all));
        if (sum == 0) sum = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
        store_be16(udp + 6, sum);
    }
    m->ol_flags = flags;
    return {};
}

tl::expected<void, DropReason> rewrite_headers(rte_mbuf* m, const ParsedFrame& p,
                                               const EgressHeaders& out, ChecksumOffload offload,
                                               PayloadSum payload_sum) noexcept {
    return apply_egress_template(m, p, make_egress_template(out), nullptr, offload, payload_sum);
}

void build_arp_request(rte_mbuf* m, const std::array<std::uint8_t, 6>& src_mac, std::uint16_t vlan,
                       const std::uint8_t* sender_ip, const std::uint8_t* target_ip) noexcept {
    const std::size_t l2 = kEthHeaderSize + (vlan != 0 ? kVlanTagSize : 0);
    const std::size_t size = std::max<std::size_t>(l2 + 28, 60);
    auto* f =
        reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(size)));
    if (f == nullptr) return;
    std::memset(f, 0, size);
    static constexpr std::array<std::uint8_t, 6> kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    write_ethernet(f, kBroadcast, src_mac, vlan, kEtherTypeArp);
    std::uint8_t* a = f + l2;
    store_be16(a, 1);
    store_be16(a + 2, kEtherTypeIpv4);
    a[4] = 6;
    a[5] = 4;
    store_be16(a + 6, 1);
    std::memcpy(a + 8, src_mac.data(), 6);
    std::memcpy(a + 14, sender_ip, 4);
    std::memcpy(a + 24, target_ip, 4);
}

void build_neighbour_solicitation(rte_mbuf* m, const std::array<std::uint8_t, 6>& src_mac,
                                  std::uint16_t vlan, const std::uint8_t* source_ip,
                                  const std::uint8_t* target_ip) noexcept {
    const std::size_t l2 = kEthHeaderSize + (vlan != 0 ? kVlanTagSize : 0);
    constexpr std::size_t kNsSize = 32;
    const std::size_t size = l2 + kIpv6HeaderSize + kNsSize;
    auto* f =
        reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(size)));
    if (f == nullptr) return;
    std::memset(f, 0, size);
    // Solicited-node multicast (RFC 4291 section 2.7.1) and its MAC (RFC 2464 section 7).
    std::uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0};
    std::memcpy(group + 13, target_ip + 13, 3);
    const std::array<std::uint8_t, 6> dst_mac = {0x33,          0x33,          0xff,
                                                 target_ip[13], target_ip[14], target_ip[15]};
    write_ethernet(f, dst_mac, src_mac, vlan, kEtherTypeIpv6);
    std::uint8_t* ip = f + l2;
    store_be32(ip, 0x60000000u);
    store_be16(ip + 4, kNsSize);
    ip[6] = kProtoIcmpv6;
    ip[7] = 255;
    std::memcpy(ip + 8, source_ip, 16);
    std::memcpy(ip + 24, group, 16);
    std::uint8_t* icmp = ip + kIpv6HeaderSize;
    icmp[0] = 135;
    std::memcpy(icmp + 8, target_ip, 16);
    icmp[24] = 1;  // source link-layer address
    icmp[25] = 1;
    std::memcpy(icmp + 26, src_mac.data(), 6);
    set_icmpv6_checksum(ip, icmp, kNsSize);
}

}  // namespace rtpx::dataplane
