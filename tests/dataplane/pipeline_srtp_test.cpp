// The SRTP/SRTCP stage of the pipeline on synthetic mbufs: whole bursts through a Worker (IPsec-MB
// backend) on a net_ring vdev, checked against rtp/srtp's libsrtp2 backend as the reference: what
// the worker protects decrypts with libsrtp2 and the egress key; what libsrtp2 protects with the
// ingress key comes out as the original RTP/RTCP. One EAL per process: --no-huge --no-shconf.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ring_worker_fixture.hpp"
#include "rtpx/dataplane/srtp_stage.hpp"
#include "rtpx/rtp/bytes.hpp"
#include "srtp_reference.hpp"

namespace rtpx::dataplane {
namespace {

using flowapi::SrtpSuite;
namespace srtp = rtp::srtp;

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new RingEnvironment("pipeline-srtp"));

constexpr std::array<std::uint8_t, 4> kAlice = {198, 51, 100, 7};
constexpr std::array<std::uint8_t, 4> kMallory = {198, 51, 100, 66};
constexpr std::uint16_t kMediaPort = 30000;

// RTP: V=2, PT 0, the given sequence number, timestamp 160 * seq, SSRC 0x11223344, 160 octets of
// payload (as a G.711 20 ms frame).
Bytes rtp_packet(std::uint16_t seq) {
    Bytes b(12 + 160);
    b[0] = 0x80;
    rtp::store_be16(b.data() + 2, seq);
    rtp::store_be32(b.data() + 4, 160U * seq);
    rtp::store_be32(b.data() + 8, 0x11223344);
    for (std::size_t i = 12; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7 + seq);
    return b;
}

// RFC 3550 section 6.4.2: a receiver report (PT 201) with one report block, 32 octets.
Bytes rtcp_rr() {
    Bytes b(32);
    b[0] = 0x81;  // V=2, RC=1
    b[1] = 201;
    rtp::store_be16(b.data() + 2, 7);  // length in 32-bit words minus one
    rtp::store_be32(b.data() + 4, 0x11223344);
    rtp::store_be32(b.data() + 8, 0x55667788);  // SSRC_1 of the block; the rest zero
    return b;
}

// Ethernet/IPv4/UDP from `src`:4000 to 192.0.2.1:kMediaPort (the port's media address).
Bytes frame(const Bytes& payload, const std::array<std::uint8_t, 4>& src = kAlice,
            std::uint16_t dport = kMediaPort) {
    Bytes f(14 + 20 + 8 + payload.size());
    std::memcpy(f.data(), kPortMac.data(), 6);
    f[6] = 0x02;
    f[12] = 0x08;
    std::uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    rtp::store_be16(ip + 2, static_cast<std::uint16_t>(28 + payload.size()));
    ip[8] = 64;
    ip[9] = 17;
    std::memcpy(ip + 12, src.data(), 4);
    const std::array<std::uint8_t, 4> dst = {192, 0, 2, 1};
    std::memcpy(ip + 16, dst.data(), 4);
    rtp::store_be16(ip + 20, 4000);
    rtp::store_be16(ip + 22, dport);
    rtp::store_be16(ip + 24, static_cast<std::uint16_t>(8 + payload.size()));
    std::copy(payload.begin(), payload.end(), f.begin() + 14 + 20 + 8);
    return f;
}

// The UDP payload of a transmitted frame, after checking its IPv4 and UDP lengths agree.
Bytes udp_payload(const Bytes& f) {
    auto p = parse_frame(f.data(), f.size());
    EXPECT_TRUE(p);
    if (!p) return {};
    EXPECT_EQ(p->src_port, 30002);
    EXPECT_EQ(p->dst_port, 5004);
    return Bytes(f.begin() + p->payload_offset(),
                 f.begin() + p->payload_offset() + p->payload_size());
}

class PipelineSrtp : public RingWorkerTest {
  protected:
    void configure(WorkerContext& ctx) override { ctx.srtp_failure_threshold = 3; }
    void SetUp() override {
        RingWorkerTest::SetUp();
        ASSERT_TRUE(worker_->srtp_ready());
    }

    // One burst through the worker: the UDP payloads it transmitted.
    std::vector<Bytes> relay_mbufs(std::vector<rte_mbuf*> in) {
        std::vector<Bytes> out;
        for (const auto& f : run_mbufs(std::move(in))) out.push_back(udp_payload(f));
        return out;
    }
    std::vector<Bytes> relay(const std::vector<Bytes>& frames) {
        std::vector<rte_mbuf*> in;
        for (const auto& f : frames) in.push_back(to_mbuf(f));
        return relay_mbufs(std::move(in));
    }
    [[nodiscard]] flowapi::FlowStats stats() const { return table_->stats({spec().local})[0]; }
};

// ---- RTP -> SRTP, every suite rtp/srtp has ------------------------------------------------------

class PipelineSrtpSuites : public PipelineSrtp, public ::testing::WithParamInterface<SrtpSuite> {};

TEST_P(PipelineSrtpSuites, RtpToSrtpDecryptsWithLibsrtp2AndTheEgressKey) {
    Reference bob(GetParam(), 0x40);
    auto s = spec();
    s.srtp_egress = bob.params();
    s.seq_offset = 1000;  // rewrites happen before protect
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::vector<Bytes> frames;
    for (std::uint16_t seq = 1; seq <= 8; ++seq) frames.push_back(frame(rtp_packet(seq)));
    const auto out = relay(frames);
    ASSERT_EQ(out.size(), 8u);
    const auto tag = srtp::suite_info(*backend_suite(GetParam())).rtp_tag_len;
    for (std::uint16_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(out[i].size(), 172u + tag);
        Bytes want = rtp_packet(static_cast<std::uint16_t>(i + 1));
        rtp::store_be16(want.data() + 2, static_cast<std::uint16_t>(1001 + i));
        EXPECT_NE(out[i], want);
        EXPECT_EQ(bob.unprotect(out[i]), want) << "packet " << i;
    }
    EXPECT_EQ(stats().counters.packets, 8u);
    EXPECT_EQ(stats().counters.bytes, 8u * (172 + tag));  // what left, trailer included
}

INSTANTIATE_TEST_SUITE_P(AllBackendSuites, PipelineSrtpSuites,
                         ::testing::Values(SrtpSuite::kAesCm128HmacSha1_80,
                                           SrtpSuite::kAesCm128HmacSha1_32,
                                           SrtpSuite::kAes256CmHmacSha1_80,
                                           SrtpSuite::kAes256CmHmacSha1_32,
                                           SrtpSuite::kAeadAes128Gcm, SrtpSuite::kAeadAes256Gcm));

// ---- SRTP -> RTP, SRTP -> SRTP ---------------------------------------------------------------

TEST_F(PipelineSrtp, SrtpToRtpComesOutAsTheOriginal) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    auto s = spec();
    s.srtp_ingress = alice.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::vector<Bytes> frames;
    for (std::uint16_t seq = 65530; seq != 6; ++seq)
        frames.push_back(frame(alice.protect(rtp_packet(seq))));
    const auto out = relay(frames);  // across a ROC step (RFC 3711 section 3.3.1)
    ASSERT_EQ(out.size(), frames.size());
    std::uint16_t seq = 65530;
    for (const auto& o : out) EXPECT_EQ(o, rtp_packet(seq++));
    EXPECT_EQ(stats().counters.bytes, frames.size() * 172);
    EXPECT_EQ(stats().rtp.extended_highest_seq, 0x10005u);  // statistics see the plain packets
}

TEST_F(PipelineSrtp, SrtpToSrtpRekeysFromTheIngressToTheEgressKey) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    Reference bob(SrtpSuite::kAeadAes128Gcm, 0x40);
    auto s = spec();
    s.srtp_ingress = alice.params();
    s.srtp_egress = bob.params();
    s.rewrite_ssrc = 0xCAFEBABE;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::vector<Bytes> frames;
    for (std::uint16_t seq = 1; seq <= 20; ++seq)
        frames.push_back(frame(alice.protect(rtp_packet(seq))));
    const auto out = relay(frames);
    ASSERT_EQ(out.size(), 20u);
    for (std::uint16_t i = 0; i < out.size(); ++i) {
        Bytes want = rtp_packet(static_cast<std::uint16_t>(i + 1));
        rtp::store_be32(want.data() + 8, 0xCAFEBABE);
        EXPECT_EQ(out[i].size(), 172u + 16);
        EXPECT_EQ(bob.unprotect(out[i]), want);
    }
}

// ---- Authentication before anything else ------------------------------------------------------

TEST_F(PipelineSrtp, AFlippedTagBitIsDroppedCountedAndNeverLatched) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    auto s = spec();
    s.srtp_ingress = alice.params();
    s.latching = flowapi::Latching::kStrict;  // learns the first source: must be an authentic one
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    Bytes forged = alice.protect(rtp_packet(1));
    forged.back() ^= 0x01;  // last bit of the tag
    Bytes forged2 = alice.protect(rtp_packet(2));
    forged2[20] ^= 0x80;  // a payload bit: the tag no longer matches
    EXPECT_TRUE(relay({frame(forged, kMallory), frame(forged2, kMallory)}).empty());
    EXPECT_EQ(drops(DropReason::kSrtpAuth), 2u);
    EXPECT_EQ(drops(DropReason::kStrictSource), 0u);
    auto st = stats();
    EXPECT_EQ(st.counters.srtp_auth_failures, 2u);
    EXPECT_EQ(st.counters.drops[static_cast<std::size_t>(DropReason::kSrtpAuth)], 2u);
    EXPECT_TRUE(st.latched.address.is_unspecified());
    EXPECT_EQ(st.rtp.received + st.rtp.ssrc, 0u);  // statistics never saw them
    // The genuine sender latches; the forger stays out.
    const auto out =
        relay({frame(alice.protect(rtp_packet(3))), frame(alice.protect(rtp_packet(4)), kMallory)});
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(flowapi::to_string(stats().latched), "198.51.100.7:4000");
    EXPECT_EQ(drops(DropReason::kStrictSource), 1u);
}

TEST_F(PipelineSrtp, ReplayedPacketsAreDroppedButAreNotKeyFailures) {
    Reference alice(SrtpSuite::kAeadAes128Gcm, 0x10);
    auto s = spec();
    s.srtp_ingress = alice.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    const Bytes p1 = alice.protect(rtp_packet(1));
    const Bytes p2 = alice.protect(rtp_packet(2));
    EXPECT_EQ(relay({frame(p1), frame(p2), frame(p1)}).size(), 2u);  // replay within a burst
    EXPECT_EQ(relay({frame(p2)}).size(), 0u);                        // and in a later one
    EXPECT_EQ(drops(DropReason::kSrtpAuth), 2u);
    EXPECT_EQ(stats().counters.srtp_auth_failures, 0u);
}

TEST_F(PipelineSrtp, FailuresRaiseAnEventEveryThresholdCrossing) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    auto s = spec();
    s.srtp_ingress = alice.params();
    s.cookie = 77;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::vector<Bytes> frames;
    for (std::uint16_t seq = 1; seq <= 7; ++seq) {
        Bytes b = alice.protect(rtp_packet(seq));
        b.back() ^= 0x10;
        frames.push_back(frame(b));
    }
    EXPECT_TRUE(relay(frames).empty());
    std::vector<std::uint64_t> values;
    WorkerMessage msg;
    while (rte_ring_sc_dequeue_elem(to_control_, &msg, sizeof msg) == 0) {
        ASSERT_EQ(msg.event.kind, flowapi::EventKind::kSrtpFailures);
        EXPECT_EQ(msg.event.cookie, 77u);
        values.push_back(msg.event.value);
    }
    EXPECT_EQ(values, (std::vector<std::uint64_t>{3, 6}));  // the fixture's threshold is 3
}

// ---- SRTCP ----------------------------------------------------------------------------------

TEST_F(PipelineSrtp, SrtcpBothWaysAndMixedWithSrtpInOneBurst) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_32, 0x10);  // SRTCP keeps an 80-bit tag
    Reference bob(SrtpSuite::kAeadAes256Gcm, 0x40);
    auto s = spec();
    s.srtp_ingress = alice.params();
    s.srtp_egress = bob.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    const auto out =
        relay({frame(alice.protect(rtcp_rr(), true)), frame(alice.protect(rtp_packet(1))),
               frame(alice.protect(rtcp_rr(), true)), frame(alice.protect(rtp_packet(2)))});
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(bob.unprotect(out[0], true), rtcp_rr());  // arrival order is kept
    EXPECT_EQ(bob.unprotect(out[1]), rtp_packet(1));
    EXPECT_EQ(bob.unprotect(out[2], true), rtcp_rr());
    EXPECT_EQ(bob.unprotect(out[3]), rtp_packet(2));
    EXPECT_EQ(out[0].size(), 32u + 4 + 16);  // E||index and the GCM tag
    EXPECT_EQ(stats().counters.rtcp_packets, 2u);
    EXPECT_EQ(stats().counters.packets, 4u);
}

TEST_F(PipelineSrtp, SrtcpOnASeparateRtcpPort) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    Reference bob(SrtpSuite::kAesCm128HmacSha1_80, 0x40);
    auto rtcp_flow = spec();  // RTCP on its own port (no RFC 5761 mux): a flow of its own
    rtcp_flow.local.port = kMediaPort + 1;
    rtcp_flow.rtcp_mux = false;
    rtcp_flow.srtp_ingress = alice.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, rtcp_flow).ok);
    auto plain_in = spec();  // and plain RTCP protected on the way out
    plain_in.srtp_egress = bob.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, plain_in).ok);
    const auto out =
        relay({frame(alice.protect(rtcp_rr(), true), kAlice, kMediaPort + 1), frame(rtcp_rr())});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], rtcp_rr());
    EXPECT_EQ(out[1].size(), 32u + 4 + 10);
    EXPECT_EQ(bob.unprotect(out[1], true), rtcp_rr());
    const Bytes forged = [&] {
        Bytes b = alice.protect(rtcp_rr(), true);
        b[10] ^= 1;
        return b;
    }();
    EXPECT_TRUE(relay({frame(forged, kAlice, kMediaPort + 1)}).empty());
    EXPECT_EQ(table_->stats({rtcp_flow.local})[0].counters.srtp_auth_failures, 1u);
}

// ---- No room for the tag ---------------------------------------------------------------------

TEST_F(PipelineSrtp, NoTailroomForTheTagIsTooBig) {
    Reference bob(SrtpSuite::kAesCm128HmacSha1_80, 0x40);
    auto s = spec();
    s.srtp_egress = bob.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    const Bytes f = frame(rtp_packet(1));
    rte_mbuf* full = rte_pktmbuf_alloc(g_pool);
    full->data_off = static_cast<std::uint16_t>(full->buf_len - f.size() - 4);  // 4 < 10 octets
    std::memcpy(rte_pktmbuf_append(full, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
    rte_mbuf* fits = rte_pktmbuf_alloc(g_pool);
    fits->data_off = static_cast<std::uint16_t>(fits->buf_len - f.size() - 10);  // just enough
    std::memcpy(rte_pktmbuf_append(fits, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
    const auto out = relay_mbufs({full, fits});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(bob.unprotect(out[0]), rtp_packet(1));
    EXPECT_EQ(drops(DropReason::kTooBig), 1u);
    EXPECT_EQ(stats().counters.drops[static_cast<std::size_t>(DropReason::kTooBig)], 1u);
}

// ---- Flow changes ----------------------------------------------------------------------------

TEST_F(PipelineSrtp, ModifyKeepsUnchangedContextsAndReplacesChangedOnes) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    Reference alice2(SrtpSuite::kAesCm128HmacSha1_80, 0x20);
    auto s = spec();
    s.srtp_ingress = alice.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    const Bytes p1 = alice.protect(rtp_packet(1));
    ASSERT_EQ(relay({frame(p1)}).size(), 1u);
    s.egress_destination.port = 5004;  // same keys: the replay window survives the modify
    s.cookie = 2;
    ASSERT_TRUE(apply(flowapi::OpKind::kModify, s).ok);
    EXPECT_TRUE(relay({frame(p1)}).empty());
    EXPECT_EQ(drops(DropReason::kSrtpAuth), 1u);
    s.srtp_ingress = alice2.params();  // new key: a new context
    ASSERT_TRUE(apply(flowapi::OpKind::kModify, s).ok);
    EXPECT_TRUE(relay({frame(alice.protect(rtp_packet(2)))}).empty());
    EXPECT_EQ(relay({frame(alice2.protect(rtp_packet(1)))}).size(), 1u);
    EXPECT_EQ(stats().counters.srtp_auth_failures, 1u);
}

TEST_F(PipelineSrtp, RefusesSuitesTheBackendsLackNamingTheField) {
    auto s = spec();
    s.srtp_egress.suite = SrtpSuite::kAes192CmHmacSha1_80;
    const auto reply = apply(flowapi::OpKind::kAdd, s);
    EXPECT_FALSE(reply.ok);
    EXPECT_EQ(reply.error,
              "ops[0].srtp_egress.suite: AES_192_CM_HMAC_SHA1_80 is not supported by the SRTP "
              "backends");
    EXPECT_EQ(table_->size(), 0u);
}

TEST_F(PipelineSrtp, PlainFlowsInTheSameBurstAreUntouched) {
    Reference alice(SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    auto srtp_flow = spec();
    srtp_flow.srtp_ingress = alice.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, srtp_flow).ok);
    auto plain = spec();
    plain.local.port = kMediaPort + 10;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, plain).ok);
    const auto out =
        relay({frame(rtp_packet(9), kAlice, kMediaPort + 10), frame(alice.protect(rtp_packet(1))),
               frame(rtp_packet(10), kAlice, kMediaPort + 10),
               frame(rtp_packet(11), kAlice, kMediaPort + 77)});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0], rtp_packet(9));
    EXPECT_EQ(out[1], rtp_packet(1));
    EXPECT_EQ(out[2], rtp_packet(10));
    EXPECT_EQ(drops(DropReason::kNoFlow), 1u);
}

}  // namespace
}  // namespace rtpx::dataplane
