#include "rtpx/rtp/capture/udp_frame.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace rtpx::rtp::capture {

namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;     // IEEE 802.1Q C-tag
constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;     // IEEE 802.1ad S-tag
constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard QinQ

constexpr std::uint8_t kIpProtoHopByHop = 0;
constexpr std::uint8_t kIpProtoUdp = 17;
constexpr std::uint8_t kIpProtoRouting = 43;
constexpr std::uint8_t kIpProtoFragment = 44;
constexpr std::uint8_t kIpProtoDestOptions = 60;

constexpr std::size_t kLinuxSllHeaderSize = 16;
constexpr std::size_t kLinuxSll2HeaderSize = 20;
constexpr std::size_t kLoopbackHeaderSize = 4;

// Address families a BSD loopback header may carry (they differ between BSDs and Linux).
constexpr std::uint32_t kBsdAfInet = 2;
constexpr std::uint32_t kBsdAfInet6Linux = 10;
constexpr std::uint32_t kBsdAfInet6NetBsd = 24;  // also OpenBSD
constexpr std::uint32_t kBsdAfInet6FreeBsd = 28;
constexpr std::uint32_t kBsdAfInet6Darwin = 30;

// Parses the UDP header at `udp_off`, given that the IP payload ends at `ip_end` (<= frame.size()).
ParseResult<UdpDatagram> parse_udp(ByteSpan frame, std::size_t udp_off, std::size_t ip_end,
                                   UdpDatagram d) noexcept {
    if (ip_end - udp_off < kUdpHeaderSize) {
        return parse_error(ParseErrc::kTruncated, udp_off, "UDP header longer than IP payload");
    }
    const std::uint8_t* udp = frame.data() + udp_off;
    const std::size_t udp_length = load_be16(udp + 4);
    if (udp_length < kUdpHeaderSize) {
        return parse_error(ParseErrc::kBadLength, udp_off + 4, "UDP length below 8");
    }
    if (udp_length > ip_end - udp_off) {
        return parse_error(ParseErrc::kTruncated, udp_off + 4, "UDP length exceeds IP payload");
    }
    d.src_port = load_be16(udp);
    d.dst_port = load_be16(udp + 2);
    d.payload_offset = udp_off + kUdpHeaderSize;
    d.payload = frame.subspan(d.payload_offset, udp_length - kUdpHeaderSize);
    return d;
}

ParseResult<UdpDatagram> parse_ipv4(ByteSpan frame, std::size_t off, UdpDatagram d) noexcept {
    const std::size_t avail = frame.size() - off;
    if (avail < kIpv4HeaderSize) {
        return parse_error(ParseErrc::kTruncated, off, "IPv4 header truncated");
    }
    const std::uint8_t* ip = frame.data() + off;
    if ((ip[0] >> 4) != 4) {
        return parse_error(ParseErrc::kBadVersion, off, "IP version is not 4");
    }
    const std::size_t header_length = std::size_t{ip[0] & 0x0fu} * 4;
    if (header_length < kIpv4HeaderSize) {
        return parse_error(ParseErrc::kBadLength, off, "IPv4 header length below 20");
    }
    if (header_length > avail) {
        return parse_error(ParseErrc::kTruncated, off, "IPv4 header length exceeds frame");
    }
    const std::size_t total_length = load_be16(ip + 2);
    if (total_length < header_length) {
        return parse_error(ParseErrc::kBadLength, off + 2, "IPv4 total length below header length");
    }
    if (total_length > avail) {
        return parse_error(ParseErrc::kTruncated, off + 2, "IPv4 total length exceeds frame");
    }
    // The protocol first: every fragment carries it, and fragments of TCP are just "not UDP".
    if (ip[9] != kIpProtoUdp) {
        return parse_error(ParseErrc::kUnsupported, off + 9, kNotUdp);
    }
    const std::uint16_t flags_fragment = load_be16(ip + 6);
    const bool more_fragments = (flags_fragment & 0x2000u) != 0;
    const bool not_first = (flags_fragment & 0x1fffu) != 0;
    if (more_fragments || not_first) {
        return parse_error(ParseErrc::kUnsupported, off + 6, "IPv4 fragment");
    }
    d.src.family = 4;
    d.dst.family = 4;
    std::copy_n(ip + 12, 4, d.src.bytes.begin());
    std::copy_n(ip + 16, 4, d.dst.bytes.begin());
    return parse_udp(frame, off + header_length, off + total_length, d);
}

ParseResult<UdpDatagram> parse_ipv6(ByteSpan frame, std::size_t off, UdpDatagram d) noexcept {
    const std::size_t avail = frame.size() - off;
    if (avail < kIpv6HeaderSize) {
        return parse_error(ParseErrc::kTruncated, off, "IPv6 header truncated");
    }
    const std::uint8_t* ip = frame.data() + off;
    if ((ip[0] >> 4) != 6) {
        return parse_error(ParseErrc::kBadVersion, off, "IP version is not 6");
    }
    const std::size_t payload_length = load_be16(ip + 4);
    if (payload_length == 0) {
        // Zero means a jumbogram (RFC 2675), whose length sits in a hop-by-hop option.
        return parse_error(ParseErrc::kUnsupported, off + 4, "IPv6 jumbogram");
    }
    if (payload_length > avail - kIpv6HeaderSize) {
        return parse_error(ParseErrc::kTruncated, off + 4, "IPv6 payload length exceeds frame");
    }
    d.src.family = 6;
    d.dst.family = 6;
    std::copy_n(ip + 8, 16, d.src.bytes.begin());
    std::copy_n(ip + 24, 16, d.dst.bytes.begin());

    const std::size_t end = off + kIpv6HeaderSize + payload_length;
    std::size_t next_header_off = off + 6;  // where the current "next header" byte sits
    std::uint8_t next_header = ip[6];
    std::size_t cur = off + kIpv6HeaderSize;
    // Each extension header is at least 8 bytes, so this loop ends within payload_length / 8
    // rounds.
    for (;;) {
        switch (next_header) {
            case kIpProtoUdp: return parse_udp(frame, cur, end, d);
            case kIpProtoFragment:
                // Every fragment's header names the protocol of the whole packet: fragments of
                // anything but UDP (or of extension headers that may precede it) are "not UDP".
                if (end - cur >= 8 && frame[cur] != kIpProtoUdp && frame[cur] != kIpProtoHopByHop &&
                    frame[cur] != kIpProtoRouting && frame[cur] != kIpProtoDestOptions) {
                    return parse_error(ParseErrc::kUnsupported, cur, kNotUdp);
                }
                return parse_error(ParseErrc::kUnsupported, next_header_off, "IPv6 fragment");
            case kIpProtoHopByHop:
            case kIpProtoRouting:
            case kIpProtoDestOptions: {
                if (end - cur < 8) {
                    return parse_error(ParseErrc::kTruncated, cur,
                                       "IPv6 extension header longer than payload");
                }
                const std::size_t ext_length = (std::size_t{frame[cur + 1]} + 1) * 8;
                if (ext_length > end - cur) {
                    return parse_error(ParseErrc::kTruncated, cur + 1,
                                       "IPv6 extension header longer than payload");
                }
                next_header_off = cur;
                next_header = frame[cur];
                cur += ext_length;
                break;
            }
            default: return parse_error(ParseErrc::kUnsupported, next_header_off, kNotUdp);
        }
    }
}

// Bare IP: the version nibble says which.
ParseResult<UdpDatagram> parse_ip(ByteSpan frame, std::size_t off, UdpDatagram d) noexcept {
    if (off >= frame.size()) {
        return parse_error(ParseErrc::kTruncated, off, "IP header truncated");
    }
    switch (frame[off] >> 4) {
        case 4: return parse_ipv4(frame, off, d);
        case 6: return parse_ipv6(frame, off, d);
        default: return parse_error(ParseErrc::kBadVersion, off, "IP version is neither 4 nor 6");
    }
}

// Dispatches on an EtherType found at `type_off`, skipping VLAN tags; the payload follows it.
ParseResult<UdpDatagram> parse_ethertype(ByteSpan frame, std::size_t type_off,
                                         UdpDatagram d) noexcept {
    std::uint16_t ether_type = load_be16(frame.data() + type_off);
    std::size_t off = type_off + 2;
    while (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ ||
           ether_type == kEtherTypeQinQOld) {
        if (frame.size() - off < kVlanTagSize) {
            return parse_error(ParseErrc::kTruncated, off, "VLAN tag truncated");
        }
        if (d.vlan == 0) {
            d.vlan = load_be16(frame.data() + off) & 0x0fffu;
        }
        type_off = off + 2;
        ether_type = load_be16(frame.data() + type_off);
        off += kVlanTagSize;
    }
    switch (ether_type) {
        case kEtherTypeIpv4: return parse_ipv4(frame, off, d);
        case kEtherTypeIpv6: return parse_ipv6(frame, off, d);
        default:
            // ARP, LLDP, 802.3/LLC frames (a length below 0x0600 here: STP, ...): all skipped.
            return parse_error(ParseErrc::kUnsupported, type_off, kNotUdp);
    }
}

ParseResult<UdpDatagram> parse_loopback(ByteSpan frame, UdpDatagram d) noexcept {
    if (frame.size() < kLoopbackHeaderSize) {
        return parse_error(ParseErrc::kTruncated, 0, "loopback header truncated");
    }
    // The family is in the capturing host's byte order (DLT_NULL) or network order (DLT_LOOP), and
    // the values are small: a value with high bits set is byte-swapped.
    std::uint32_t family = load_be32(frame.data());
    if ((family & 0xffff0000u) != 0) {
        family = (family >> 24) | ((family >> 8) & 0xff00u) | ((family << 8) & 0xff0000u) |
                 (family << 24);
    }
    switch (family) {
        case kBsdAfInet: return parse_ipv4(frame, kLoopbackHeaderSize, d);
        case kBsdAfInet6Linux:
        case kBsdAfInet6NetBsd:
        case kBsdAfInet6FreeBsd:
        case kBsdAfInet6Darwin: return parse_ipv6(frame, kLoopbackHeaderSize, d);
        default: return parse_error(ParseErrc::kUnsupported, 0, kNotUdp);
    }
}

// Sum of big-endian 16-bit words (an odd last byte padded with zero), not yet folded. Every caller
// passes spans that start at an even offset of the checksummed data.
std::uint32_t sum_words(std::uint32_t sum, ByteSpan bytes) noexcept {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        sum += load_be16(bytes.data() + i);
    }
    if (i < bytes.size()) {
        sum += std::uint32_t{bytes[i]} << 8;
    }
    // No folding needed here: 65537 words of 0xffff still fit in 32 bits, and callers pass at most
    // 64 KiB at a time.
    return sum;
}

std::uint16_t fold(std::uint64_t sum) noexcept {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(sum);
}

std::uint64_t udp_sum(const IpAddress& src, const IpAddress& dst, ByteSpan udp_segment) noexcept {
    std::uint64_t sum = 0;
    const std::size_t n = src.size();
    sum += sum_words(0, ByteSpan(src.bytes.data(), n));
    sum += sum_words(0, ByteSpan(dst.bytes.data(), n));
    // IPv4 pseudo-header: zero, protocol, UDP length. IPv6: 32-bit length, 24 zero bits, next
    // header. Both add up to the same words for lengths below 65536.
    sum += kIpProtoUdp;
    sum += udp_segment.size() & 0xffffu;
    sum += udp_segment.size() >> 16;
    sum += sum_words(0, udp_segment.first(6));
    sum += sum_words(0, udp_segment.subspan(kUdpHeaderSize));
    return sum;
}

}  // namespace

std::optional<IpAddress> IpAddress::from_string(std::string_view text) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.size() >= sizeof(buf)) {
        return std::nullopt;
    }
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress ip;
    if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
        ip.family = 4;
        return ip;
    }
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
        ip.family = 6;
        return ip;
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    const char* s = inet_ntop(family == 6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
    return s != nullptr ? std::string(s) : std::string();
}

ParseResult<UdpDatagram> parse_udp_frame(int link_type, ByteSpan frame) noexcept {
    UdpDatagram d;
    switch (link_type) {
        case kLinkTypeEthernet:
            if (frame.size() < kEthernetHeaderSize) {
                return parse_error(ParseErrc::kTruncated, 0, "Ethernet header truncated");
            }
            return parse_ethertype(frame, 12, d);
        case kLinkTypeLinuxSll:
            if (frame.size() < kLinuxSllHeaderSize) {
                return parse_error(ParseErrc::kTruncated, 0, "Linux cooked header truncated");
            }
            return parse_ethertype(frame, 14, d);
        case kLinkTypeLinuxSll2:
            if (frame.size() < kLinuxSll2HeaderSize) {
                return parse_error(ParseErrc::kTruncated, 0, "Linux cooked v2 header truncated");
            }
            {
                // The protocol type comes first, the packet after the 20-byte header.
                const std::uint16_t protocol = load_be16(frame.data());
                if (protocol == kEtherTypeIpv4) {
                    return parse_ipv4(frame, kLinuxSll2HeaderSize, d);
                }
                if (protocol == kEtherTypeIpv6) {
                    return parse_ipv6(frame, kLinuxSll2HeaderSize, d);
                }
                return parse_error(ParseErrc::kUnsupported, 0, kNotUdp);
            }
        case kLinkTypeDltRaw:
        case kLinkTypeDltRawOpenBsd:
        case kLinkTypeRaw: return parse_ip(frame, 0, d);
        case kLinkTypeIpv4: return parse_ipv4(frame, 0, d);
        case kLinkTypeIpv6: return parse_ipv6(frame, 0, d);
        case kLinkTypeNull:
        case kLinkTypeLoop: return parse_loopback(frame, d);
        default: return parse_error(ParseErrc::kUnsupported, 0, "link type not supported");
    }
}

WriteResult<std::size_t> build_udp_frame(MutableByteSpan out, const FrameEndpoints& ep,
                                         ByteSpan payload) noexcept {
    const bool v6 = ep.src.family == 6;
    if (ep.src.family != ep.dst.family || (ep.src.family != 4 && ep.src.family != 6) ||
        ep.vlan > 4094 || ep.vlan_priority > 7 || ep.dscp > 63) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t udp_length = kUdpHeaderSize + payload.size();
    const std::size_t ip_header = v6 ? kIpv6HeaderSize : kIpv4HeaderSize;
    if (udp_length > 0xffff || (!v6 && udp_length + ip_header > 0xffff)) {
        return tl::unexpected(WriteErrc::kBadValue);
    }
    const std::size_t size = udp_frame_size(ep, payload.size());
    if (out.size() < size) {
        return tl::unexpected(WriteErrc::kNoRoom);
    }
    std::uint8_t* p = out.data();

    // Ethernet II [+ 802.1Q tag].
    std::copy(ep.dst_mac.begin(), ep.dst_mac.end(), p);
    std::copy(ep.src_mac.begin(), ep.src_mac.end(), p + 6);
    std::size_t off = 12;
    if (ep.vlan != 0) {
        store_be16(p + off, kEtherTypeVlan);
        store_be16(p + off + 2, static_cast<std::uint16_t>((ep.vlan_priority << 13) | ep.vlan));
        off += kVlanTagSize;
    }
    store_be16(p + off, v6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
    off += 2;

    std::uint8_t* ip = p + off;
    const std::uint8_t traffic_class = static_cast<std::uint8_t>(ep.dscp << 2);
    if (v6) {
        store_be32(ip, (6u << 28) | (std::uint32_t{traffic_class} << 20));  // flow label 0
        store_be16(ip + 4, static_cast<std::uint16_t>(udp_length));
        ip[6] = kIpProtoUdp;
        ip[7] = ep.ttl;
        std::copy_n(ep.src.bytes.begin(), 16, ip + 8);
        std::copy_n(ep.dst.bytes.begin(), 16, ip + 24);
    } else {
        ip[0] = 0x45;  // version 4, IHL 5
        ip[1] = traffic_class;
        store_be16(ip + 2, static_cast<std::uint16_t>(kIpv4HeaderSize + udp_length));
        store_be16(ip + 4, ep.ipv4_id);
        store_be16(ip + 6, 0x4000);  // DF, offset 0
        ip[8] = ep.ttl;
        ip[9] = kIpProtoUdp;
        store_be16(ip + 10, 0);
        std::copy_n(ep.src.bytes.begin(), 4, ip + 12);
        std::copy_n(ep.dst.bytes.begin(), 4, ip + 16);
        store_be16(ip + 10, internet_checksum(ByteSpan(ip, kIpv4HeaderSize)));
    }
    off += ip_header;

    std::uint8_t* udp = p + off;
    store_be16(udp, ep.src_port);
    store_be16(udp + 2, ep.dst_port);
    store_be16(udp + 4, static_cast<std::uint16_t>(udp_length));
    store_be16(udp + 6, 0);
    if (!payload.empty()) {
        std::memmove(udp + kUdpHeaderSize, payload.data(), payload.size());
    }
    store_be16(udp + 6, udp_checksum(ep.src, ep.dst, ByteSpan(udp, udp_length)));
    return size;
}

std::uint16_t internet_checksum(ByteSpan bytes) noexcept {
    std::uint64_t sum = 0;
    // Sum in 32 KiB pieces so that the 32-bit partial sums cannot overflow.
    while (!bytes.empty()) {
        const std::size_t n = std::min<std::size_t>(bytes.size(), 32768);
        sum += sum_words(0, bytes.first(n));
        bytes = bytes.subspan(n);
    }
    return static_cast<std::uint16_t>(~fold(sum));
}

std::uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst,
                           ByteSpan udp_segment) noexcept {
    if (udp_segment.size() < kUdpHeaderSize) {
        return 0;
    }
    const std::uint16_t checksum =
        static_cast<std::uint16_t>(~fold(udp_sum(src, dst, udp_segment)));
    return checksum == 0 ? 0xffff : checksum;
}

bool udp_checksum_ok(const IpAddress& src, const IpAddress& dst, ByteSpan udp_segment) noexcept {
    if (udp_segment.size() < kUdpHeaderSize) {
        return false;
    }
    const std::uint16_t stored = load_be16(udp_segment.data() + 6);
    if (stored == 0) {
        return src.family == 4;
    }
    return stored == udp_checksum(src, dst, udp_segment);
}

}  // namespace rtpx::rtp::capture
