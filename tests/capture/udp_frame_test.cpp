#include "rtpx/rtp/capture/udp_frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace rtpx::rtp::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

// An RTP-looking payload of 15 bytes.
constexpr std::uint8_t kPayload[] = {0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa0,
                                     0xde, 0xad, 0xbe, 0xef, 'h',  'i',  '!'};

// Ethernet II + IPv4 + UDP, 192.0.2.1:5004 -> 198.51.100.2:6000, DSCP EF, id 0x1234, DF.
// Wireshark 4 (tshark -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE) reports both the IPv4
// header checksum 0x3b9f and the UDP checksum 0x40e4 as correct.
const Bytes kIpv4Frame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02,  // Ethernet destination 02:00:00:00:00:02
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // Ethernet source 02:00:00:00:00:01
    0x08, 0x00,                          // EtherType IPv4
    0x45, 0xb8, 0x00, 0x2b,              // IPv4: version 4, IHL 5, DSCP 46, total length 43
    0x12, 0x34, 0x40, 0x00,              //   identification 0x1234, DF, fragment offset 0
    0x40, 0x11, 0x3b, 0x9f,              //   TTL 64, protocol UDP, header checksum
    0xc0, 0x00, 0x02, 0x01,              //   source 192.0.2.1
    0xc6, 0x33, 0x64, 0x02,              //   destination 198.51.100.2
    0x13, 0x8c, 0x17, 0x70,              // UDP: source port 5004, destination port 6000
    0x00, 0x17, 0x40, 0xe4,              //   length 23, checksum
    0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa0,  // payload (42..56)
    0xde, 0xad, 0xbe, 0xef, 0x68, 0x69, 0x21,
};

// Ethernet II + 802.1Q (PCP 5, VLAN 100) + IPv6 + UDP, [2001:db8::1]:5004 -> [2001:db8::2]:6000.
// Wireshark reports the UDP checksum 0xd1a6 as correct.
const Bytes kIpv6VlanFrame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02,  // Ethernet destination
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // Ethernet source
    0x81, 0x00, 0xa0, 0x64,              // 802.1Q tag: PCP 5, DEI 0, VLAN 100
    0x86, 0xdd,                          // EtherType IPv6
    0x6b, 0x80, 0x00, 0x00,              // IPv6: version 6, traffic class 0xb8 (EF), flow label 0
    0x00, 0x17, 0x11, 0x40,              //   payload length 23, next header UDP, hop limit 64
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  // source 2001:db8::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  // destination 2001:db8::2
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //
    0x13, 0x8c, 0x17, 0x70,                          // UDP: ports 5004 -> 6000
    0x00, 0x17, 0xd1, 0xa6,                          //   length 23, checksum
    0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa0,  // payload (66..80)
    0xde, 0xad, 0xbe, 0xef, 0x68, 0x69, 0x21,
};

FrameEndpoints ipv4_endpoints() {
    FrameEndpoints ep;
    ep.src = IpAddress::v4(192, 0, 2, 1);
    ep.dst = IpAddress::v4(198, 51, 100, 2);
    ep.src_port = 5004;
    ep.dst_port = 6000;
    ep.ipv4_id = 0x1234;
    ep.dscp = 46;
    return ep;
}

FrameEndpoints ipv6_vlan_endpoints() {
    FrameEndpoints ep = ipv4_endpoints();
    ep.src = *IpAddress::from_string("2001:db8::1");
    ep.dst = *IpAddress::from_string("2001:db8::2");
    ep.vlan = 100;
    ep.vlan_priority = 5;
    return ep;
}

Bytes build(const FrameEndpoints& ep, ByteSpan payload) {
    Bytes out(udp_frame_size(ep, payload.size()));
    auto n = build_udp_frame(out, ep, payload);
    EXPECT_TRUE(n.has_value());
    if (n) {
        EXPECT_EQ(*n, out.size());
    }
    return out;
}

// The IP packet inside kIpv4Frame / kIpv6VlanFrame, without the link layer.
Bytes ipv4_packet() {
    return Bytes(kIpv4Frame.begin() + 14, kIpv4Frame.end());
}
Bytes ipv6_packet() {
    return Bytes(kIpv6VlanFrame.begin() + 18, kIpv6VlanFrame.end());
}

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

void expect_error(const ParseResult<UdpDatagram>& r, ParseErrc code, std::uint32_t offset) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, code) << r.error().what;
    EXPECT_EQ(r.error().offset, offset) << r.error().what;
}

void expect_payload(const ParseResult<UdpDatagram>& r, std::size_t offset) {
    ASSERT_TRUE(r.has_value()) << r.error().what << " at " << r.error().offset;
    EXPECT_EQ(r->payload_offset, offset);
    EXPECT_EQ(Bytes(r->payload.begin(), r->payload.end()),
              Bytes(std::begin(kPayload), std::end(kPayload)));
}

// --- Checksums
// --------------------------------------------------------------------------------------

TEST(InternetChecksum, MatchesRfc1071Example) {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2; the checksum is its
    // complement.
    const Bytes bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internet_checksum(bytes), 0x220d);
}

TEST(InternetChecksum, PadsAnOddLastByteWithZero) {
    const Bytes bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x12};
    // 0xddf2 + 0x1200 = 0xeff2 -> checksum 0x100d
    EXPECT_EQ(internet_checksum(bytes), 0x100d);
}

TEST(InternetChecksum, OfAnIpv4HeaderWithItsChecksumIsZero) {
    // A commonly cited IPv4 header (192.168.0.1 -> 192.168.0.199, checksum 0xb861).
    Bytes header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(header), 0x0000);
    header[10] = 0;
    header[11] = 0;
    EXPECT_EQ(internet_checksum(header), 0xb861);
}

TEST(UdpChecksum, MatchesTheWiresharkVerifiedFixtures) {
    const ByteSpan udp4 = ByteSpan(kIpv4Frame).subspan(34);
    EXPECT_EQ(udp_checksum(IpAddress::v4(192, 0, 2, 1), IpAddress::v4(198, 51, 100, 2), udp4),
              0x40e4);
    const ByteSpan udp6 = ByteSpan(kIpv6VlanFrame).subspan(58);
    EXPECT_EQ(udp_checksum(*IpAddress::from_string("2001:db8::1"),
                           *IpAddress::from_string("2001:db8::2"), udp6),
              0xd1a6);
}

TEST(UdpChecksum, VerificationCatchesAFlippedPayloadBit) {
    Bytes frame = kIpv4Frame;
    const auto src = IpAddress::v4(192, 0, 2, 1);
    const auto dst = IpAddress::v4(198, 51, 100, 2);
    EXPECT_TRUE(udp_checksum_ok(src, dst, ByteSpan(frame).subspan(34)));
    frame[50] ^= 0x01;
    EXPECT_FALSE(udp_checksum_ok(src, dst, ByteSpan(frame).subspan(34)));
}

TEST(UdpChecksum, ZeroMeansNoChecksumOnlyForIpv4) {
    Bytes frame = kIpv4Frame;
    frame[40] = 0;
    frame[41] = 0;
    EXPECT_TRUE(udp_checksum_ok(IpAddress::v4(192, 0, 2, 1), IpAddress::v4(198, 51, 100, 2),
                                ByteSpan(frame).subspan(34)));
    Bytes frame6 = kIpv6VlanFrame;
    frame6[64] = 0;
    frame6[65] = 0;
    EXPECT_FALSE(udp_checksum_ok(*IpAddress::from_string("2001:db8::1"),
                                 *IpAddress::from_string("2001:db8::2"),
                                 ByteSpan(frame6).subspan(58)));
}

// --- Builder
// ----------------------------------------------------------------------------------------

TEST(UdpFrameBuild, WritesTheIpv4FixtureByteForByte) {
    EXPECT_EQ(build(ipv4_endpoints(), kPayload), kIpv4Frame);
}

TEST(UdpFrameBuild, WritesTheIpv6VlanFixtureByteForByte) {
    EXPECT_EQ(build(ipv6_vlan_endpoints(), kPayload), kIpv6VlanFrame);
}

TEST(UdpFrameBuild, ReportsNoRoomWhenTheSpanIsOneByteShort) {
    const auto ep = ipv4_endpoints();
    Bytes out(udp_frame_size(ep, sizeof(kPayload)) - 1);
    auto r = build_udp_frame(out, ep, kPayload);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), WriteErrc::kNoRoom);
}

TEST(UdpFrameBuild, RejectsMixedAddressFamilies) {
    auto ep = ipv4_endpoints();
    ep.dst = *IpAddress::from_string("2001:db8::2");
    Bytes out(200);
    auto r = build_udp_frame(out, ep, kPayload);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), WriteErrc::kBadValue);
}

TEST(UdpFrameBuild, RejectsVlan4095AndDscpAbove63) {
    Bytes out(200);
    auto ep = ipv4_endpoints();
    ep.vlan = 4095;
    EXPECT_EQ(build_udp_frame(out, ep, kPayload).error(), WriteErrc::kBadValue);
    ep = ipv4_endpoints();
    ep.dscp = 64;
    EXPECT_EQ(build_udp_frame(out, ep, kPayload).error(), WriteErrc::kBadValue);
}

TEST(UdpFrameBuild, RejectsAnIpv4DatagramAbove65535Bytes) {
    const auto ep = ipv4_endpoints();
    const Bytes big(65535 - 20 - 8 + 1);
    Bytes out(udp_frame_size(ep, big.size()));
    EXPECT_EQ(build_udp_frame(out, ep, big).error(), WriteErrc::kBadValue);
    const Bytes fits(65535 - 20 - 8);
    out.resize(udp_frame_size(ep, fits.size()));
    auto r = build_udp_frame(out, ep, fits);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(parse_udp_frame(kLinkTypeEthernet, out).has_value());
}

TEST(UdpFrameBuild, RoundTripsThroughTheParserForEveryVariant) {
    const Bytes payload(200, 0x5a);
    for (const bool v6 : {false, true}) {
        for (const std::uint16_t vlan : {0, 1, 4094}) {
            FrameEndpoints ep = v6 ? ipv6_vlan_endpoints() : ipv4_endpoints();
            ep.vlan = vlan;
            ep.src_port = 40000;
            ep.dst_port = 1;
            const Bytes frame = build(ep, payload);
            auto r = parse_udp_frame(kLinkTypeEthernet, frame);
            ASSERT_TRUE(r.has_value()) << r.error().what;
            EXPECT_EQ(r->src, ep.src);
            EXPECT_EQ(r->dst, ep.dst);
            EXPECT_EQ(r->src_port, 40000);
            EXPECT_EQ(r->dst_port, 1);
            EXPECT_EQ(r->vlan, vlan);
            EXPECT_EQ(Bytes(r->payload.begin(), r->payload.end()), payload);
            EXPECT_EQ(r->payload_offset, frame.size() - payload.size());
            EXPECT_TRUE(
                udp_checksum_ok(ep.src, ep.dst, ByteSpan(frame).subspan(r->payload_offset - 8)));
        }
    }
}

TEST(UdpFrameBuild, AcceptsAnEmptyPayload) {
    const auto ep = ipv4_endpoints();
    const Bytes frame = build(ep, {});
    ASSERT_EQ(frame.size(), 42u);
    auto r = parse_udp_frame(kLinkTypeEthernet, frame);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->payload.empty());
    EXPECT_EQ(r->payload_offset, 42u);
}

// --- Parser: link layers
// ----------------------------------------------------------------------------

TEST(UdpFrameParse, ReadsEveryFieldOfTheIpv4Fixture) {
    auto r = parse_udp_frame(kLinkTypeEthernet, kIpv4Frame);
    expect_payload(r, 42);
    EXPECT_EQ(r->src, IpAddress::v4(192, 0, 2, 1));
    EXPECT_EQ(r->dst, IpAddress::v4(198, 51, 100, 2));
    EXPECT_EQ(r->src_port, 5004);
    EXPECT_EQ(r->dst_port, 6000);
    EXPECT_EQ(r->vlan, 0);
    EXPECT_EQ(r->payload.data(), kIpv4Frame.data() + 42);
}

TEST(UdpFrameParse, ReadsEveryFieldOfTheIpv6VlanFixture) {
    auto r = parse_udp_frame(kLinkTypeEthernet, kIpv6VlanFrame);
    expect_payload(r, 66);
    EXPECT_EQ(r->src.to_string(), "2001:db8::1");
    EXPECT_EQ(r->dst.to_string(), "2001:db8::2");
    EXPECT_EQ(r->src.family, 6);
    EXPECT_EQ(r->src_port, 5004);
    EXPECT_EQ(r->dst_port, 6000);
    EXPECT_EQ(r->vlan, 100);
}

TEST(UdpFrameParse, ReportsTheOuterTagOfQinQ) {
    const Bytes link = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MACs
        0x88, 0xa8, 0x00, 0x0a,  // 802.1ad S-tag, VLAN 10
        0x81, 0x00, 0x00, 0x14,  // 802.1Q C-tag, VLAN 20
        0x08, 0x00,              // EtherType IPv4
    };
    const Bytes frame = concat(link, ipv4_packet());  // the datagram views it: keep it alive
    auto r = parse_udp_frame(kLinkTypeEthernet, frame);
    expect_payload(r, 50);
    EXPECT_EQ(r->vlan, 10);
}

TEST(UdpFrameParse, IgnoresEthernetPaddingAfterTheDatagram) {
    auto ep = ipv4_endpoints();
    const std::uint8_t tiny[] = {0x42};
    Bytes frame = build(ep, tiny);  // 43 bytes, below the Ethernet minimum of 60
    frame.resize(60, 0x00);
    auto r = parse_udp_frame(kLinkTypeEthernet, frame);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->payload.size(), 1u);
    EXPECT_EQ(r->payload[0], 0x42);
}

TEST(UdpFrameParse, ReadsLinuxCookedV1) {
    const Bytes sll = {
        0x00, 0x00,                                      // packet type: to us
        0x00, 0x01,                                      // ARPHRD_ETHER
        0x00, 0x06,                                      // address length 6
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address, padded to 8
        0x08, 0x00,                                      // protocol IPv4
    };
    expect_payload(parse_udp_frame(kLinkTypeLinuxSll, concat(sll, ipv4_packet())), 44);
}

TEST(UdpFrameParse, ReadsLinuxCookedV2) {
    const Bytes sll2 = {
        0x86, 0xdd,                                      // protocol IPv6
        0x00, 0x00,                                      // reserved
        0x00, 0x00, 0x00, 0x02,                          // interface index 2
        0x00, 0x01,                                      // ARPHRD_ETHER
        0x04,                                            // packet type: outgoing
        0x06,                                            // address length 6
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address, padded to 8
    };
    const Bytes frame = concat(sll2, ipv6_packet());
    auto r = parse_udp_frame(kLinkTypeLinuxSll2, frame);
    expect_payload(r, 68);
    EXPECT_EQ(r->src.family, 6);
}

TEST(UdpFrameParse, ReadsBareIpUnderEveryRawLinkType) {
    for (const int link : {kLinkTypeDltRaw, kLinkTypeDltRawOpenBsd, kLinkTypeRaw}) {
        expect_payload(parse_udp_frame(link, ipv4_packet()), 28);
        expect_payload(parse_udp_frame(link, ipv6_packet()), 48);
    }
    expect_payload(parse_udp_frame(kLinkTypeIpv4, ipv4_packet()), 28);
    expect_payload(parse_udp_frame(kLinkTypeIpv6, ipv6_packet()), 48);
}

TEST(UdpFrameParse, RejectsAnIpv6PacketUnderLinktypeIpv4) {
    expect_error(parse_udp_frame(kLinkTypeIpv4, ipv6_packet()), ParseErrc::kBadVersion, 0);
}

TEST(UdpFrameParse, ReadsBsdLoopbackInBothByteOrders) {
    const Bytes af_inet_le = {0x02, 0x00, 0x00, 0x00};  // DLT_NULL from a little-endian host
    const Bytes af_inet_be = {0x00, 0x00, 0x00, 0x02};  // DLT_LOOP, network order
    expect_payload(parse_udp_frame(kLinkTypeNull, concat(af_inet_le, ipv4_packet())), 32);
    expect_payload(parse_udp_frame(kLinkTypeLoop, concat(af_inet_be, ipv4_packet())), 32);
    for (const std::uint8_t af_inet6 : {10, 24, 28, 30}) {
        const Bytes le = {af_inet6, 0x00, 0x00, 0x00};
        const Bytes be = {0x00, 0x00, 0x00, af_inet6};
        expect_payload(parse_udp_frame(kLinkTypeNull, concat(le, ipv6_packet())), 52);
        expect_payload(parse_udp_frame(kLinkTypeNull, concat(be, ipv6_packet())), 52);
    }
}

TEST(UdpFrameParse, TreatsAnUnknownLoopbackFamilyAsNotUdp) {
    const Bytes af_unix = {0x01, 0x00, 0x00, 0x00};
    const Bytes frame = concat(af_unix, ipv4_packet());
    auto r = parse_udp_frame(kLinkTypeNull, frame);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(is_not_udp(r.error()));
}

TEST(UdpFrameParse, RejectsAnUnsupportedLinkType) {
    expect_error(parse_udp_frame(105 /* IEEE 802.11 */, kIpv4Frame), ParseErrc::kUnsupported, 0);
}

// --- Parser: IP
// --------------------------------------------------------------------------------------

TEST(UdpFrameParse, SkipsIpv4Options) {
    // IHL 6: one 4-byte option (four NOPs). Total length grows by 4; the checksum is not checked.
    Bytes frame = kIpv4Frame;
    frame[14] = 0x46;
    frame[17] = 0x2f;
    frame.insert(frame.begin() + 34, {0x01, 0x01, 0x01, 0x01});
    expect_payload(parse_udp_frame(kLinkTypeEthernet, frame), 46);
}

TEST(UdpFrameParse, SkipsIpv6HopByHopRoutingAndDestinationOptions) {
    Bytes packet = ipv6_packet();
    const Bytes extensions = {
        0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,  // hop-by-hop: next routing, len 0, PadN
        0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // routing: next dest opts, len 0, type 0
        0x11, 0x01, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x00,  // dest options: next UDP, len 1 (16 B)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //   PadN continued
    };
    packet[6] = 0x00;  // next header: hop-by-hop
    packet[5] = static_cast<std::uint8_t>(packet[5] + extensions.size());
    packet.insert(packet.begin() + 40, extensions.begin(), extensions.end());
    auto r = parse_udp_frame(kLinkTypeRaw, packet);
    expect_payload(r, 40 + 32 + 8);
    EXPECT_EQ(r->dst_port, 6000);
}

TEST(UdpFrameParse, RejectsAnIpv6FragmentHeaderAtItsNextHeaderByte) {
    Bytes packet = ipv6_packet();
    const Bytes fragment = {0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a};  // offset 0, M=1
    packet[6] = 44;
    packet[5] = static_cast<std::uint8_t>(packet[5] + fragment.size());
    packet.insert(packet.begin() + 40, fragment.begin(), fragment.end());
    auto r = parse_udp_frame(kLinkTypeRaw, packet);
    expect_error(r, ParseErrc::kUnsupported, 6);
    EXPECT_STREQ(r.error().what, "IPv6 fragment");
}

TEST(UdpFrameParse, SaysNotUdpForAFragmentOfAnotherProtocol) {
    Bytes tcp_fragment = kIpv4Frame;
    tcp_fragment[20] = 0x20;  // MF
    tcp_fragment[23] = 6;     // TCP
    auto r = parse_udp_frame(kLinkTypeEthernet, tcp_fragment);
    expect_error(r, ParseErrc::kUnsupported, 23);
    EXPECT_TRUE(is_not_udp(r.error()));

    Bytes packet = ipv6_packet();
    const Bytes fragment = {0x3a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a};  // of ICMPv6, M=1
    packet[6] = 44;
    packet[5] = static_cast<std::uint8_t>(packet[5] + fragment.size());
    packet.insert(packet.begin() + 40, fragment.begin(), fragment.end());
    r = parse_udp_frame(kLinkTypeRaw, packet);
    expect_error(r, ParseErrc::kUnsupported, 40);
    EXPECT_TRUE(is_not_udp(r.error()));
}

TEST(UdpFrameParse, RejectsAnIpv6ExtensionHeaderLongerThanThePayload) {
    Bytes packet = ipv6_packet();
    packet[6] = 60;  // destination options in place of UDP; its length byte (the UDP source
    packet[41] = 9;  // port's low byte, overwritten) claims (9+1)*8 = 80 bytes of a 23-byte payload
    expect_error(parse_udp_frame(kLinkTypeRaw, packet), ParseErrc::kTruncated, 41);
}

TEST(UdpFrameParse, RejectsIpv4FirstAndLaterFragments) {
    Bytes first = kIpv4Frame;
    first[20] = 0x20;  // MF, offset 0
    auto r = parse_udp_frame(kLinkTypeEthernet, first);
    expect_error(r, ParseErrc::kUnsupported, 20);
    EXPECT_STREQ(r.error().what, "IPv4 fragment");
    Bytes later = kIpv4Frame;
    later[20] = 0x00;
    later[21] = 0xb9;  // offset 185 * 8, no MF: the last fragment
    expect_error(parse_udp_frame(kLinkTypeEthernet, later), ParseErrc::kUnsupported, 20);
}

TEST(UdpFrameParse, SaysNotUdpForTcpArpStpAndIcmpv6) {
    Bytes tcp = kIpv4Frame;
    tcp[23] = 6;
    auto r = parse_udp_frame(kLinkTypeEthernet, tcp);
    expect_error(r, ParseErrc::kUnsupported, 23);
    EXPECT_TRUE(is_not_udp(r.error()));

    Bytes arp = kIpv4Frame;
    arp[12] = 0x08;
    arp[13] = 0x06;
    r = parse_udp_frame(kLinkTypeEthernet, arp);
    expect_error(r, ParseErrc::kUnsupported, 12);
    EXPECT_TRUE(is_not_udp(r.error()));

    Bytes stp = kIpv4Frame;  // IEEE 802.3 with LLC, as spanning tree sends: a length, not a type
    stp[12] = 0x00;
    stp[13] = 0x26;
    r = parse_udp_frame(kLinkTypeEthernet, stp);
    expect_error(r, ParseErrc::kUnsupported, 12);
    EXPECT_TRUE(is_not_udp(r.error()));

    Bytes icmpv6 = ipv6_packet();
    icmpv6[6] = 58;
    r = parse_udp_frame(kLinkTypeRaw, icmpv6);
    expect_error(r, ParseErrc::kUnsupported, 6);
    EXPECT_TRUE(is_not_udp(r.error()));
}

TEST(UdpFrameParse, FragmentsAndTruncationAreNotMistakenForNotUdp) {
    Bytes first = kIpv4Frame;
    first[20] = 0x20;
    EXPECT_FALSE(is_not_udp(parse_udp_frame(kLinkTypeEthernet, first).error()));
    EXPECT_FALSE(
        is_not_udp(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv4Frame).first(30)).error()));
}

TEST(UdpFrameParse, RejectsAWrongIpVersionForTheEtherType) {
    Bytes frame = kIpv4Frame;
    frame[14] = 0x65;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kBadVersion, 14);
    Bytes bad = ipv4_packet();
    bad[0] = 0x55;
    expect_error(parse_udp_frame(kLinkTypeRaw, bad), ParseErrc::kBadVersion, 0);
}

// --- Parser: one negative test per length field
// -------------------------------------------------------

TEST(UdpFrameParse, RejectsAFrameShorterThanAnEthernetHeader) {
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv4Frame).first(13)),
                 ParseErrc::kTruncated, 0);
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan{}), ParseErrc::kTruncated, 0);
}

TEST(UdpFrameParse, RejectsATruncatedVlanTag) {
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv6VlanFrame).first(16)),
                 ParseErrc::kTruncated, 14);
}

TEST(UdpFrameParse, RejectsTruncatedCookedAndLoopbackHeaders) {
    const Bytes short_header(15, 0);
    expect_error(parse_udp_frame(kLinkTypeLinuxSll, short_header), ParseErrc::kTruncated, 0);
    expect_error(parse_udp_frame(kLinkTypeLinuxSll2, Bytes(19, 0)), ParseErrc::kTruncated, 0);
    expect_error(parse_udp_frame(kLinkTypeNull, Bytes(3, 0)), ParseErrc::kTruncated, 0);
    expect_error(parse_udp_frame(kLinkTypeRaw, ByteSpan{}), ParseErrc::kTruncated, 0);
}

TEST(UdpFrameParse, RejectsAnIpv4HeaderCutShort) {
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv4Frame).first(33)),
                 ParseErrc::kTruncated, 14);
}

TEST(UdpFrameParse, RejectsAnIpv4HeaderLengthBelow20) {
    Bytes frame = kIpv4Frame;
    frame[14] = 0x44;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kBadLength, 14);
}

TEST(UdpFrameParse, RejectsAnIpv4HeaderLengthBeyondTheFrame) {
    Bytes frame(kIpv4Frame.begin(), kIpv4Frame.begin() + 40);
    frame[14] = 0x4f;  // 60-byte header in 26 bytes
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 14);
}

TEST(UdpFrameParse, RejectsAnIpv4TotalLengthBelowTheHeaderLength) {
    Bytes frame = kIpv4Frame;
    frame[17] = 19;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kBadLength, 16);
}

TEST(UdpFrameParse, RejectsAnIpv4TotalLengthBeyondTheFrame) {
    Bytes frame = kIpv4Frame;
    frame[17] = 44;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 16);
    // The same when a capture's snapshot length cut the frame.
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv4Frame).first(50)),
                 ParseErrc::kTruncated, 16);
}

TEST(UdpFrameParse, RejectsAUdpHeaderCutByTheIpTotalLength) {
    Bytes frame = kIpv4Frame;
    frame[17] = 27;  // 20-byte header + 7 bytes of UDP header
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 34);
}

TEST(UdpFrameParse, RejectsAUdpLengthBelow8) {
    Bytes frame = kIpv4Frame;
    frame[39] = 7;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kBadLength, 38);
}

TEST(UdpFrameParse, RejectsAUdpLengthBeyondTheIpPayload) {
    Bytes frame = kIpv4Frame;
    frame[39] = 24;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 38);
}

TEST(UdpFrameParse, AcceptsAUdpLengthShorterThanTheIpPayload) {
    Bytes frame = kIpv4Frame;
    frame[39] = 8 + 4;  // the IP payload carries 11 more bytes than UDP claims
    auto r = parse_udp_frame(kLinkTypeEthernet, frame);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->payload.size(), 4u);
}

TEST(UdpFrameParse, RejectsAnIpv6HeaderCutShort) {
    expect_error(parse_udp_frame(kLinkTypeEthernet, ByteSpan(kIpv6VlanFrame).first(57)),
                 ParseErrc::kTruncated, 18);
}

TEST(UdpFrameParse, RejectsAnIpv6PayloadLengthBeyondTheFrame) {
    Bytes frame = kIpv6VlanFrame;
    frame[23] = 24;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 22);
}

TEST(UdpFrameParse, RejectsAnIpv6JumbogramAsUnsupported) {
    Bytes frame = kIpv6VlanFrame;
    frame[23] = 0;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kUnsupported, 22);
}

TEST(UdpFrameParse, RejectsAUdpLengthBeyondTheIpv6Payload) {
    Bytes frame = kIpv6VlanFrame;
    frame[63] = 24;
    expect_error(parse_udp_frame(kLinkTypeEthernet, frame), ParseErrc::kTruncated, 62);
}

// --- IpAddress
// ----------------------------------------------------------------------------------------

TEST(IpAddress, PrintsAndParsesBothFamilies) {
    EXPECT_EQ(IpAddress::v4(10, 0, 0, 1).to_string(), "10.0.0.1");
    auto v6 = IpAddress::from_string("fd00:0:0:0:0:0:0:7");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->family, 6);
    EXPECT_EQ(v6->to_string(), "fd00::7");
    auto v4 = IpAddress::from_string("198.51.100.2");
    ASSERT_TRUE(v4.has_value());
    EXPECT_EQ(*v4, IpAddress::v4(198, 51, 100, 2));
    EXPECT_FALSE(IpAddress::from_string("10.0.0.256").has_value());
    EXPECT_FALSE(IpAddress::from_string("not an address").has_value());
}

TEST(IpAddress, OrdersByFamilyThenBytes) {
    EXPECT_LT(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2));
    EXPECT_LT(IpAddress::v4(255, 255, 255, 255), *IpAddress::from_string("::1"));
}

}  // namespace
}  // namespace rtpx::rtp::capture
