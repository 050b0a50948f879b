// The pipeline stages on synthetic mbufs: parsing, the exception path (ARP, ICMP echo, IPv6 ND),
// the header rewrite with checksums, and whole bursts through a Worker and the flow table on a
// net_ring vdev (TX loops back to RX). One EAL per process: --no-huge --no-shconf, unique prefix.
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ring_worker_fixture.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::dataplane {
namespace {

using flowapi::AddressFamily;

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new RingEnvironment("pipeline"));

// ---- Frame builders and an independent checksum (RFC 1071, byte by byte)
// -------------------------

constexpr std::array<std::uint8_t, 6> kPeerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

std::uint16_t reference_checksum(const Bytes& bytes) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        sum +=
            static_cast<std::uint32_t>(bytes[i] << 8) | (i + 1 < bytes.size() ? bytes[i + 1] : 0);
    }
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);  // all ones when the stored checksum is right
}

// The UDP/ICMPv6 segment with its pseudo-header, for reference_checksum.
Bytes with_pseudo_header(const std::uint8_t* src, const std::uint8_t* dst, std::size_t ip_size,
                         std::uint8_t proto, const std::uint8_t* l4, std::size_t size) {
    Bytes b(src, src + ip_size);
    b.insert(b.end(), dst, dst + ip_size);
    b.push_back(0);
    b.push_back(proto);
    b.push_back(static_cast<std::uint8_t>(size >> 8));
    b.push_back(static_cast<std::uint8_t>(size));
    b.insert(b.end(), l4, l4 + size);
    return b;
}

Bytes rtp_packet(std::uint16_t seq, std::uint32_t ssrc = 0x11223344, std::uint8_t pt = 96) {
    Bytes b = {
        0x80,
        pt,  // V=2, PT
        static_cast<std::uint8_t>(seq >> 8),
        static_cast<std::uint8_t>(seq),
        0x00,
        0x00,
        0x03,
        0x20,  // timestamp 800
        static_cast<std::uint8_t>(ssrc >> 24),
        static_cast<std::uint8_t>(ssrc >> 16),
        static_cast<std::uint8_t>(ssrc >> 8),
        static_cast<std::uint8_t>(ssrc),
    };
    for (int i = 0; i < 160; ++i) b.push_back(static_cast<std::uint8_t>(i));  // payload
    return b;
}

Bytes ipv4_udp_frame(const std::array<std::uint8_t, 4>& src, std::uint16_t sport,
                     const std::array<std::uint8_t, 4>& dst, std::uint16_t dport,
                     const Bytes& payload, std::uint16_t vlan = 0) {
    Bytes f(kPortMac.begin(), kPortMac.end());
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    if (vlan != 0) {
        f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>(vlan >> 8),
                           static_cast<std::uint8_t>(vlan)});
    }
    f.insert(f.end(), {0x08, 0x00});
    const std::size_t total = 20 + 8 + payload.size();
    f.insert(f.end(),
             {0x45, 0x00, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total),
              0x00, 0x01, 0x00, 0x00, 64, 17, 0x00, 0x00});
    f.insert(f.end(), src.begin(), src.end());
    f.insert(f.end(), dst.begin(), dst.end());
    const std::size_t udp = 8 + payload.size();
    f.insert(f.end(),
             {static_cast<std::uint8_t>(sport >> 8), static_cast<std::uint8_t>(sport),
              static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport),
              static_cast<std::uint8_t>(udp >> 8), static_cast<std::uint8_t>(udp), 0x00, 0x00});
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

// ---- Parsing -----------------------------------------------------------------------------------

TEST(PipelineParse, ReadsVlanTaggedIpv4Udp) {
    const Bytes f =
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1), 42);
    auto p = parse_frame(f.data(), f.size());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, FrameKind::kUdp);
    EXPECT_EQ(p->vlan, 42);
    EXPECT_EQ(p->l3_offset, 18);
    EXPECT_EQ(p->l4_offset, 38);
    EXPECT_EQ(p->src_port, 4000);
    EXPECT_EQ(p->dst_port, 30000);
    EXPECT_EQ(p->payload_size(), 172);
    EXPECT_EQ(f[p->dst_ip_offset()], 192);
}

TEST(PipelineParse, RejectsEachBrokenLayerWithItsReason) {
    const Bytes good =
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1));
    auto reason = [](const Bytes& f) {
        auto p = parse_frame(f.data(), f.size());
        return p ? std::string("ok") : std::string(flowapi::info(p.error()).name);
    };
    EXPECT_EQ(reason(Bytes(good.begin(), good.begin() + 13)), "malformed");  // short Ethernet
    Bytes f = good;
    f[12] = 0x88;  // an EtherType nobody handles
    EXPECT_EQ(reason(f), "unsupported_l3");
    f = good;
    f[16] = 0xFF;  // IPv4 total length beyond the frame
    EXPECT_EQ(reason(f), "malformed");
    f = good;
    f[20] = 0x20;  // more fragments
    EXPECT_EQ(reason(f), "ip_fragment");
    f = good;
    f[38] = 0x01;  // UDP length 256+ > IP payload
    EXPECT_EQ(reason(f), "malformed");
    f = good;
    f[23] = 6;  // TCP
    EXPECT_EQ(reason(f), "unsupported_l3");
    EXPECT_EQ(reason(good), "ok");
}

// The inline fast path (parse_udp4, what parse_frame tries first) and the general parser agree on
// every frame: each single-octet change of the headers of a good frame, and every truncation.
TEST(PipelineParse, InlineIpv4UdpPathAgreesWithTheGeneralParser) {
    const Bytes good =
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1));
    auto same = [](const Bytes& f) {
        const auto general = parse_frame_general(f.data(), f.size());
        ParsedFrame fast;
        if (parse_udp4(f.data(), f.size(), fast)) {
            if (!general) return false;  // the fast path accepted what the general one refuses
            return std::memcmp(&fast, &*general, sizeof fast) == 0;
        }
        const auto both = parse_frame(f.data(), f.size());  // falls back to the general parser
        return both.has_value() == general.has_value() &&
               (both ? std::memcmp(&*both, &*general, sizeof *both) == 0
                     : both.error() == general.error());
    };
    for (std::size_t at = 0; at < 42; ++at) {
        for (const std::uint8_t v : {0x00, 0x01, 0x06, 0x08, 0x11, 0x20, 0x40, 0x45, 0x46, 0xFF}) {
            Bytes f = good;
            f[at] = v;
            EXPECT_TRUE(same(f)) << "octet " << at << " = " << int{v};
        }
    }
    for (std::size_t n = 0; n <= good.size(); ++n) {
        EXPECT_TRUE(same(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))))
            << n << " octets";
    }
}

// ones_sum (eight octets per step) against the byte-by-byte reference, every length and offset.
TEST(PipelineChecksum, OnesSumMatchesTheReferenceAtEveryLengthAndAlignment) {
    Bytes data(300);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    data[5] = 0xFF;
    data[6] = 0xFF;
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t n = 0; n + offset <= 200; ++n) {
            const Bytes run(data.begin() + static_cast<std::ptrdiff_t>(offset),
                            data.begin() + static_cast<std::ptrdiff_t>(offset + n));
            const std::uint16_t want = reference_checksum(run);
            const std::uint16_t got = ones_sum(data.data() + offset, n);
            // 0x0000 and 0xFFFF are the same one's-complement number (only an all-zero run sums
            // to 0x0000 in the reference).
            EXPECT_TRUE(got == want || (got == 0xFFFF && want == 0) || (got == 0 && want == 0xFFFF))
                << "offset " << offset << " length " << n;
        }
    }
}

// The incremental UDP checksum (the payload's sum carried from the ingress checksum through the
// RTP rewrites, RFC 1624) equals the one computed over the bytes, for the template rewrite.
TEST(PipelineRewrite, TemplateWithAKnownPayloadSumEqualsTheFullSum) {
    EgressHeaders out;
    out.src_mac = kPortMac;
    out.dst_mac = kPeerMac;
    out.source = {flowapi::IpAddress::v4(192, 0, 2, 1), 40000};
    out.destination = {flowapi::IpAddress::v4(203, 0, 113, 9), 50000};
    const EgressTemplate t = make_egress_template(out);
    for (const std::uint16_t seq :
         {std::uint16_t{0}, std::uint16_t{0x7FFF}, std::uint16_t{0xFFFF}}) {
        Bytes rtp = rtp_packet(seq);
        rtp.push_back(0xAB);  // odd length
        const Bytes f = ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp);
        auto p = parse_frame(f.data(), f.size());
        ASSERT_TRUE(p);
        rte_mbuf* full = to_mbuf(f);
        rte_mbuf* incremental = to_mbuf(f);
        ASSERT_TRUE(full != nullptr && incremental != nullptr);
        // Rewrite the sequence number by value in one, as the worker does.
        auto* payload = rte_pktmbuf_mtod_offset(incremental, std::uint8_t*, p->payload_offset());
        const PayloadSum before = PayloadSum::of(ones_sum(payload, p->payload_size()));
        const auto next = static_cast<std::uint16_t>(seq + 1000);
        rtp::store_be16(payload + 2, next);
        rtp::store_be16(rte_pktmbuf_mtod_offset(full, std::uint8_t*, p->payload_offset() + 2),
                        next);
        const PayloadSum after = adjust_payload_sum(before, sum_delta(seq, next));
        ASSERT_TRUE(apply_egress_template(full, *p, t, nullptr, ChecksumOffload{}));
        ASSERT_TRUE(apply_egress_template(incremental, *p, t, nullptr, ChecksumOffload{}, after));
        ASSERT_EQ(rte_pktmbuf_data_len(full), rte_pktmbuf_data_len(incremental));
        EXPECT_EQ(
            std::memcmp(rte_pktmbuf_mtod(full, const void*),
                        rte_pktmbuf_mtod(incremental, const void*), rte_pktmbuf_data_len(full)),
            0)
            << "seq " << seq;
        const Bytes o = bytes_of(incremental);
        EXPECT_EQ(reference_checksum(with_pseudo_header(o.data() + 26, o.data() + 30, 4, 17,
                                                        o.data() + 34, o.size() - 34)),
                  0xFFFF);
        rte_pktmbuf_free(full);
        rte_pktmbuf_free(incremental);
    }
}

// ---- Exception path
// ------------------------------------------------------------------------------

Bytes arp_request(const std::array<std::uint8_t, 4>& target) {
    Bytes f = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    f.insert(f.end(), {0x08, 0x06,              // ARP
                       0x00, 0x01, 0x08, 0x00,  // Ethernet, IPv4
                       6, 4, 0x00, 0x01});      // sizes, request
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    f.insert(f.end(), {198, 51, 100, 7});  // sender IP
    f.insert(f.end(), 6, 0);               // target MAC
    f.insert(f.end(), target.begin(), target.end());
    return f;
}

TEST(PipelineException, AnswersArpForAMediaAddressAndLearnsTheSender) {
    rte_mbuf* m = to_mbuf(arp_request({192, 0, 2, 1}));
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    ASSERT_TRUE(p);
    NeighbourObservation learned;
    ASSERT_EQ(handle_exception(m, *p, port_identity(), learned), ExceptionVerdict::kReply);
    Bytes expected(kPeerMac.begin(), kPeerMac.end());  // to the asker
    expected.insert(expected.end(), kPortMac.begin(), kPortMac.end());
    expected.insert(expected.end(),
                    {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02});  // reply
    expected.insert(expected.end(), kPortMac.begin(), kPortMac.end());
    expected.insert(expected.end(), {192, 0, 2, 1});
    expected.insert(expected.end(), kPeerMac.begin(), kPeerMac.end());
    expected.insert(expected.end(), {198, 51, 100, 7});
    EXPECT_EQ(bytes_of(m), expected);
    ASSERT_TRUE(learned.valid);
    EXPECT_EQ(flowapi::to_string(learned.ip), "198.51.100.7");
    EXPECT_EQ(learned.mac, kPeerMac);
    rte_pktmbuf_free(m);
}

TEST(PipelineException, IgnoresArpForOtherAddresses) {
    rte_mbuf* m = to_mbuf(arp_request({192, 0, 2, 99}));
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    NeighbourObservation learned;
    EXPECT_EQ(handle_exception(m, *p, port_identity(), learned), ExceptionVerdict::kDrop);
    EXPECT_TRUE(learned.valid);  // still a neighbour worth knowing
    rte_pktmbuf_free(m);
}

TEST(PipelineException, AnswersIcmpEchoWithValidChecksums) {
    Bytes f = ipv4_udp_frame({198, 51, 100, 7}, 0, {192, 0, 2, 1}, 0, {});
    f.resize(14 + 20);
    f[23] = 1;  // ICMP
    const Bytes icmp = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g'};
    f.insert(f.end(), icmp.begin(), icmp.end());
    f[16] = 0;
    f[17] = static_cast<std::uint8_t>(20 + icmp.size());
    rte_mbuf* m = to_mbuf(f);
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    ASSERT_TRUE(p);
    NeighbourObservation learned;
    ASSERT_EQ(handle_exception(m, *p, port_identity(), learned), ExceptionVerdict::kReply);
    const Bytes out = bytes_of(m);
    EXPECT_EQ(out[34], 0);  // echo reply
    EXPECT_EQ(Bytes(out.begin() + 26, out.begin() + 30), (Bytes{192, 0, 2, 1}));
    EXPECT_EQ(Bytes(out.begin() + 30, out.begin() + 34), (Bytes{198, 51, 100, 7}));
    EXPECT_EQ(reference_checksum(Bytes(out.begin() + 14, out.begin() + 34)), 0xFFFF);
    EXPECT_EQ(reference_checksum(Bytes(out.begin() + 34, out.end())), 0xFFFF);
    rte_pktmbuf_free(m);
}

TEST(PipelineException, AnswersNeighbourSolicitationWithAnAdvertisement) {
    // RFC 4861 section 4.3: NS from 2001:db8::7 for 2001:db8::1, with a source link-layer option.
    const std::array<std::uint8_t, 16> peer = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                               0,    0,    0,    0,    0, 0, 0, 7};
    const auto target = port_identity().ipv6[0];
    Bytes f = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    f.insert(f.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0x00, 32, 58, 255});
    f.insert(f.end(), peer.begin(), peer.end());
    f.insert(f.end(), {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x00, 0x00, 0x01});
    f.insert(f.end(), {135, 0, 0, 0, 0, 0, 0, 0});
    f.insert(f.end(), target.begin(), target.end());
    f.insert(f.end(), {1, 1});
    f.insert(f.end(), kPeerMac.begin(), kPeerMac.end());
    rte_mbuf* m = to_mbuf(f);
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    ASSERT_TRUE(p);
    NeighbourObservation learned;
    ASSERT_EQ(handle_exception(m, *p, port_identity(), learned), ExceptionVerdict::kReply);
    ASSERT_TRUE(learned.valid);
    EXPECT_EQ(flowapi::to_string(learned.ip), "2001:db8::7");
    const Bytes out = bytes_of(m);
    ASSERT_EQ(out.size(), 14u + 40 + 32);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 6), Bytes(kPeerMac.begin(), kPeerMac.end()));
    EXPECT_EQ(out[14 + 7], 255);  // hop limit
    EXPECT_EQ(out[54], 136);      // neighbour advertisement
    EXPECT_EQ(out[58], 0x60);     // solicited, override
    EXPECT_EQ(Bytes(out.begin() + 62, out.begin() + 78), Bytes(target.begin(), target.end()));
    EXPECT_EQ(out[78], 2);  // target link-layer address option
    EXPECT_EQ(Bytes(out.begin() + 80, out.end()), Bytes(kPortMac.begin(), kPortMac.end()));
    EXPECT_EQ(Bytes(out.begin() + 38, out.begin() + 54), Bytes(peer.begin(), peer.end()));
    EXPECT_EQ(reference_checksum(with_pseudo_header(out.data() + 22, out.data() + 38, 16, 58,
                                                    out.data() + 54, 32)),
              0xFFFF);
    rte_pktmbuf_free(m);
}

// ---- Rewrite
// -------------------------------------------------------------------------------------

TEST(PipelineRewrite, Ipv4ToIpv6KeepsThePayloadWithValidChecksums) {
    const Bytes payload = rtp_packet(7);
    Bytes f = ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, payload, 42);
    f.insert(f.end(), 6, 0xEE);  // Ethernet padding must not survive
    rte_mbuf* m = to_mbuf(f);
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    ASSERT_TRUE(p);
    EgressHeaders out;
    out.src_mac = kPortMac;
    out.dst_mac = kNextHopMac;
    out.source = *flowapi::parse_endpoint("[2001:db8::1]:30002");
    out.destination = *flowapi::parse_endpoint("[2001:db8::9]:5004");
    ASSERT_TRUE(rewrite_headers(m, *p, out, ChecksumOffload{}));
    const Bytes o = bytes_of(m);
    ASSERT_EQ(o.size(), 14u + 40 + 8 + payload.size());
    EXPECT_EQ(Bytes(o.begin(), o.begin() + 6), Bytes(kNextHopMac.begin(), kNextHopMac.end()));
    EXPECT_EQ(o[12], 0x86);
    EXPECT_EQ(o[13], 0xdd);
    EXPECT_EQ((o[18] << 8) | o[19], 8 + static_cast<int>(payload.size()));  // payload length
    EXPECT_EQ((o[54] << 8) | o[55], 30002);
    EXPECT_EQ((o[56] << 8) | o[57], 5004);
    EXPECT_EQ(Bytes(o.begin() + 62, o.end()), payload);
    EXPECT_EQ(reference_checksum(with_pseudo_header(o.data() + 22, o.data() + 38, 16, 17,
                                                    o.data() + 54, 8 + payload.size())),
              0xFFFF);
    rte_pktmbuf_free(m);
}

TEST(PipelineRewrite, Ipv4ToIpv4WithVlanHasValidChecksums) {
    const Bytes payload = rtp_packet(8);
    rte_mbuf* m = to_mbuf(ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, payload));
    auto p = parse_frame(rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m));
    EgressHeaders out;
    out.src_mac = kPortMac;
    out.dst_mac = kNextHopMac;
    out.vlan = 7;
    out.source = *flowapi::parse_endpoint("203.0.113.1:30002");
    out.destination = *flowapi::parse_endpoint("203.0.113.50:5004");
    ASSERT_TRUE(rewrite_headers(m, *p, out, ChecksumOffload{}));
    const Bytes o = bytes_of(m);
    ASSERT_EQ(o.size(), 18u + 20 + 8 + payload.size());
    EXPECT_EQ(o[12], 0x81);
    EXPECT_EQ(o[15], 7);
    EXPECT_EQ(reference_checksum(Bytes(o.begin() + 18, o.begin() + 38)), 0xFFFF);
    EXPECT_EQ(reference_checksum(with_pseudo_header(o.data() + 30, o.data() + 34, 4, 17,
                                                    o.data() + 38, 8 + payload.size())),
              0xFFFF);
    EXPECT_EQ(Bytes(o.begin() + 46, o.end()), payload);
    rte_pktmbuf_free(m);
}

// ---- Whole bursts through a worker
// ---------------------------------------------------------------

class PipelineWorker : public RingWorkerTest {};

TEST_F(PipelineWorker, RelaysRtpWithRewritesAndCountsIt) {
    auto s = spec();
    s.rewrite_ssrc = 0xCAFEBABE;
    s.seq_offset = 1000;
    s.pt_map[96] = 101;
    ASSERT_TRUE(add(s).ok);
    std::vector<Bytes> frames;
    for (std::uint16_t seq = 1; seq <= 5; ++seq) {
        frames.push_back(
            ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(seq)));
    }
    const auto out = run(frames);
    ASSERT_EQ(out.size(), 5u);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const Bytes& o = out[i];
        auto p = parse_frame(o.data(), o.size());
        ASSERT_TRUE(p);
        EXPECT_EQ(Bytes(o.begin(), o.begin() + 6), Bytes(kNextHopMac.begin(), kNextHopMac.end()));
        EXPECT_EQ(p->src_port, 30002);
        EXPECT_EQ(p->dst_port, 5004);
        auto view =
            rtp::RtpView::parse(rtp::ByteSpan(o.data() + p->payload_offset(), p->payload_size()));
        ASSERT_TRUE(view);
        EXPECT_EQ(view->ssrc(), 0xCAFEBABE);
        EXPECT_EQ(view->payload_type(), 101);
        EXPECT_EQ(view->sequence_number(), 1001 + i);
        EXPECT_EQ(reference_checksum(with_pseudo_header(o.data() + 26, o.data() + 30, 4, 17,
                                                        o.data() + 34, p->l4_size)),
                  0xFFFF);
    }
    const auto st = table_->stats({s.local});
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].counters.packets, 5u);
    EXPECT_EQ(st[0].counters.bytes, 5u * 172);
    EXPECT_EQ(st[0].rtp.ssrc, 0x11223344u);  // statistics are about the ingress stream
    // RFC 3550 A.1: the first packet only starts probation; counting starts with the second.
    EXPECT_EQ(st[0].rtp.received, 4u);
    EXPECT_TRUE(st[0].rtp.validated);
    EXPECT_EQ(st[0].rtp.extended_highest_seq, 5u);
    EXPECT_EQ(counters_.tx.get(), 5u);
}

TEST_F(PipelineWorker, DropsTrafficWithoutFlowsByReason) {
    ASSERT_TRUE(add(spec()).ok);
    Bytes other_mac = ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1));
    other_mac[5] = 0x77;
    const auto out = run({
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 31000, rtp_packet(1)),  // no flow
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000,
                       {0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
        other_mac,
    });
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(drops(DropReason::kNoFlow), 1u);
    EXPECT_EQ(drops(DropReason::kUnhandledClass), 1u);  // DTLS on a plain RTP flow
    EXPECT_EQ(drops(DropReason::kNotForUs), 1u);
    EXPECT_EQ(table_->stats({spec().local})[0]
                  .counters.drops[static_cast<std::size_t>(DropReason::kUnhandledClass)],
              1u);
}

TEST_F(PipelineWorker, StrictLatchingDropsOtherSources) {
    auto s = spec();
    s.latching = flowapi::Latching::kStrict;
    ASSERT_TRUE(add(s).ok);
    const auto out = run({
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1)),  // latched
        ipv4_udp_frame({198, 51, 100, 8}, 4000, {192, 0, 2, 1}, 30000,
                       rtp_packet(2)),  // other host
        ipv4_udp_frame({198, 51, 100, 7}, 4001, {192, 0, 2, 1}, 30000,
                       rtp_packet(3)),  // other port
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(4)),
    });
    EXPECT_EQ(out.size(), 2u);
    EXPECT_EQ(drops(DropReason::kStrictSource), 2u);
    const auto st = table_->stats({s.local})[0];
    EXPECT_EQ(flowapi::to_string(st.latched), "198.51.100.7:4000");
    WorkerMessage msg;
    ASSERT_EQ(rte_ring_sc_dequeue_elem(to_control_, &msg, sizeof msg), 0);
    EXPECT_EQ(msg.kind, WorkerMessage::Kind::kEvent);
    EXPECT_EQ(msg.event.kind, flowapi::EventKind::kLatched);
}

TEST_F(PipelineWorker, UnresolvedNextHopAsksTheControlThreadThenForwards) {
    auto s = spec();
    s.next_hop_mac.reset();
    ASSERT_TRUE(add(s).ok);
    EXPECT_TRUE(run({ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1))})
                    .empty());
    EXPECT_EQ(drops(DropReason::kNeighbourUnresolved), 1u);
    WorkerMessage msg;
    ASSERT_EQ(rte_ring_sc_dequeue_elem(to_control_, &msg, sizeof msg), 0);
    EXPECT_EQ(msg.kind, WorkerMessage::Kind::kResolve);
    EXPECT_EQ(flowapi::to_string(msg.ip), "192.0.2.50");
    ASSERT_TRUE(
        neighbours_.update(msg.ip, {0x02, 0, 0, 0, 0, 0x50}));  // what the control thread does
    const auto out =
        run({ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(2))});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0][5], 0x50);
}

TEST_F(PipelineWorker, NewSsrcRestartsStatisticsAndRaisesAnEvent) {
    ASSERT_TRUE(add(spec()).ok);
    const auto out = run({
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(1, 0x1111)),
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(2, 0x1111)),
        ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rtp_packet(500, 0x2222)),
    });
    EXPECT_EQ(out.size(), 3u);
    const auto st = table_->stats({spec().local})[0];
    EXPECT_EQ(st.rtp.ssrc, 0x2222u);
    EXPECT_EQ(st.rtp.ssrc_changes, 1u);
    EXPECT_FALSE(st.rtp.validated);  // the new source is on probation (RFC 3550 A.1)
    WorkerMessage msg;
    ASSERT_EQ(rte_ring_sc_dequeue_elem(to_control_, &msg, sizeof msg), 0);
    EXPECT_EQ(msg.event.kind, flowapi::EventKind::kSsrcChange);
    EXPECT_EQ(msg.event.value, 0x2222u);
}

TEST_F(PipelineWorker, RtcpIsRelayedOrTerminatedPerFlow) {
    // RFC 3550 section 6.4.2: an empty receiver report (PT 201), 8 bytes.
    const Bytes rr = {0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};
    auto s = spec();
    ASSERT_TRUE(add(s).ok);
    EXPECT_EQ(run({ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rr)}).size(), 1u);
    EXPECT_EQ(table_->stats({s.local})[0].counters.rtcp_packets, 1u);
    s.rtcp_mode = flowapi::RtcpMode::kTerminate;
    PortAddressBook book;
    book.port_of = [&](const flowapi::IpAddress& ip) {
        return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
    };
    book.describe_port = [](int, FlowConfig&) {};
    ASSERT_TRUE(table_->apply({{{flowapi::OpKind::kModify, s}}}, book).ok);
    EXPECT_TRUE(run({ipv4_udp_frame({198, 51, 100, 7}, 4000, {192, 0, 2, 1}, 30000, rr)}).empty());
    EXPECT_EQ(drops(DropReason::kRtcpTerminated), 1u);
    EXPECT_EQ(table_->stats({s.local})[0].counters.rtcp_packets, 1u);  // counters survive a modify
}

TEST_F(PipelineWorker, BatchesAreAllOrNothing) {
    auto other = spec();
    other.local.port = 30010;
    auto missing = spec();
    missing.local.port = 30020;
    PortAddressBook book;
    book.port_of = [&](const flowapi::IpAddress& ip) {
        return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
    };
    book.describe_port = [](int, FlowConfig&) {};
    const auto reply = table_->apply(
        {{{flowapi::OpKind::kAdd, other}, {flowapi::OpKind::kDelete, missing}}}, book);
    EXPECT_FALSE(reply.ok);
    EXPECT_EQ(reply.failed_index, 1u);
    EXPECT_EQ(reply.error, "ops[1]: no flow 192.0.2.1:30020");
    EXPECT_EQ(table_->size(), 0u);
    auto modified = other;
    modified.egress_destination.port = 6000;
    ASSERT_TRUE(table_->apply({{{flowapi::OpKind::kAdd, other}}}, book).ok);
    ASSERT_TRUE(table_->apply({{{flowapi::OpKind::kModify, modified}}}, book).ok);
    ASSERT_EQ(table_->dump().size(), 1u);
    EXPECT_EQ(table_->dump()[0].egress_destination.port, 6000);
    ASSERT_TRUE(table_->apply({{{flowapi::OpKind::kDelete, other}}}, book).ok);
    EXPECT_EQ(table_->size(), 0u);
}

}  // namespace
}  // namespace rtpx::dataplane
