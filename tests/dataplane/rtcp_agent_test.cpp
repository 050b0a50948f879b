// The RTCP agent on synthetic mbufs, in virtual time: frames go through Worker::process_burst with
// chosen arrival times, the agent's wheel is advanced to chosen instants, and what it generates is
// parsed back with rtp/'s RTCP parsers. One EAL per process: --no-huge --no-shconf, unique prefix.
#include "rtpx/dataplane/rtcp_agent.hpp"
#include "ring_worker_fixture.hpp"

#include <unistd.h>

#include <array>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtpx/dataplane/flow_table.hpp"
#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/worker.hpp"
#include "rtpx/rtp/ntp_time.hpp"
#include "rtpx/rtp/receive_statistics.hpp"
#include "rtpx/rtp/rtcp/compound.hpp"
#include "rtpx/rtp/rtcp/receiver_report.hpp"
#include "rtpx/rtp/rtcp/sdes.hpp"
#include "rtpx/rtp/rtcp/sender_report.hpp"
#include "rtpx/rtp/rtcp/transport_feedback.hpp"
#include "srtp_reference.hpp"

namespace rtpx::dataplane {
namespace {

// The shared EAL + net_ring0 environment (ring_worker_fixture.hpp), sized for this suite.
const std::uint16_t& g_port = g_ring_port;
const auto* const g_env =
    ::testing::AddGlobalTestEnvironment(new RingEnvironment("rtcp-agent", 2047, 512));

constexpr std::array<std::uint8_t, 6> kRelayMac = {0x02, 0, 0, 0, 0, 0xAA};
constexpr std::array<std::uint8_t, 6> kAliceMac = {0x02, 0, 0, 0, 0, 0x01};
constexpr std::array<std::uint8_t, 6> kBobMac = {0x02, 0, 0, 0, 0, 0x02};
constexpr std::uint32_t kAliceSsrc = 0x11223344;
constexpr std::uint8_t kTccId = 3;
constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;  // virtual Unix time, ns
constexpr std::int64_t kMs = 1'000'000;

void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}

// RTP from alice: 160 bytes of payload; with a one-byte-header transport-wide sequence number
// (RFC 8285 section 4.2) when tcc >= 0.
Bytes rtp(std::uint16_t seq, std::uint32_t ts, int tcc = -1) {
    Bytes b = {static_cast<std::uint8_t>(tcc >= 0 ? 0x90 : 0x80), 96};
    put16(b, seq);
    put32(b, ts);
    put32(b, kAliceSsrc);
    if (tcc >= 0) {
        put16(b, 0xBEDE);
        put16(b, 1);  // one 32-bit word
        b.push_back(static_cast<std::uint8_t>(kTccId << 4 | 1));
        put16(b, static_cast<std::uint16_t>(tcc));
        b.push_back(0);
    }
    b.resize(b.size() + 160, 0x55);
    return b;
}

// Ethernet + IPv4 + UDP from alice (198.51.100.7:4000) to the relay (192.0.2.1:30000). Checksums
// are left zero (the worker does not check them).
Bytes from_alice(const Bytes& payload) {
    Bytes f(kRelayMac.begin(), kRelayMac.end());
    f.insert(f.end(), kAliceMac.begin(), kAliceMac.end());
    put16(f, 0x0800);
    f.insert(f.end(), {0x45, 0});
    put16(f, static_cast<std::uint16_t>(28 + payload.size()));
    f.insert(f.end(), {0, 1, 0, 0, 64, 17, 0, 0, 198, 51, 100, 7, 192, 0, 2, 1});
    put16(f, 4000);
    put16(f, 30000);
    put16(f, static_cast<std::uint16_t>(8 + payload.size()));
    put16(f, 0);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

struct Sent {
    std::int64_t at_ns = 0;
    std::uint16_t port = 0;
    Bytes frame;
    ParsedFrame parsed;
    [[nodiscard]] rtp::ByteSpan payload() const {
        return rtp::ByteSpan(frame.data() + parsed.payload_offset(), parsed.payload_size());
    }
    [[nodiscard]] std::uint16_t dst_port() const { return parsed.dst_port; }
};

class RtcpAgentTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto t = FlowTable::create("rtcp_flows_" + std::to_string(counter_++), 256, 1, 0);
        ASSERT_TRUE(t) << t.error();
        table_ = std::move(*t);
        port_.port_id = g_port;
        port_.identity.mac = kRelayMac;
        port_.identity.ipv4_count = 1;
        port_.identity.ipv4[0] = {192, 0, 2, 1};
        port_.neighbours = &neighbours_;
        make_agent(config());
    }
    void TearDown() override { drain(); }

    static RtcpAgentConfig config() {
        RtcpAgentConfig c;
        c.pool = g_pool;
        c.min_interval_s = 1.0;
        c.max_flows = 16;
        return c;
    }
    void make_agent(const RtcpAgentConfig& c) {
        worker_.reset();
        agent_ = std::make_unique<RtcpAgent>(c, &port_, 1, table_.get(), kT0);
        WorkerContext ctx;
        ctx.ports = &port_;
        ctx.port_count = 1;
        ctx.flows = table_.get();
        ctx.counters = &counters_;
        ctx.stop = &stop_;
        ctx.rtcp = agent_.get();
        worker_ = std::make_unique<Worker>(ctx);
    }

    flowapi::BatchReply apply(flowapi::OpKind kind, const flowapi::FlowSpec& spec) {
        PortAddressBook book;
        book.port_of = [&](const flowapi::IpAddress& ip) {
            return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
        };
        book.describe_port = [&](int, FlowConfig& c) { c.egress_mac = kRelayMac; };
        return table_->apply({{{kind, spec}}}, book);
    }
    static flowapi::FlowSpec spec() {
        flowapi::FlowSpec s;
        s.local = *flowapi::parse_endpoint("192.0.2.1:30000");
        s.egress_source = *flowapi::parse_endpoint("192.0.2.1:30002");
        s.egress_destination = *flowapi::parse_endpoint("192.0.2.50:5004");
        s.next_hop_mac = kBobMac;
        s.latching = flowapi::Latching::kLearnOnce;
        s.rtcp_mode = flowapi::RtcpMode::kTerminate;
        return s;
    }

    // One frame through the worker at now_ns; forwarded media is read back and discarded.
    void receive(const Bytes& frame, std::int64_t now_ns) {
        rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
        ASSERT_NE(m, nullptr);
        auto* p = reinterpret_cast<std::uint8_t*>(
            rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
        std::memcpy(p, frame.data(), frame.size());
        worker_->process_burst(0, &m, 1, now_ns);
        worker_->flush();
        forwarded_ += drain();
    }
    std::size_t drain() {
        std::size_t n = 0;
        std::array<rte_mbuf*, 32> got;
        std::uint16_t k = 0;
        while ((k = rte_eth_rx_burst(g_port, 0, got.data(), got.size())) > 0) {
            rte_pktmbuf_free_bulk(got.data(), k);
            n += k;
        }
        return n;
    }
    // Advances the agent to now_ns, collecting what it generates.
    void advance(std::int64_t now_ns) {
        struct Ctx {
            RtcpAgentTest* self;
            std::int64_t now;
        } ctx{this, now_ns};
        agent_->advance(now_ns, {&ctx,
                                 [](void* c, std::uint16_t port, rte_mbuf* m) noexcept {
                                     auto* x = static_cast<Ctx*>(c);
                                     Sent s;
                                     s.at_ns = x->now;
                                     s.port = port;
                                     const auto* d = rte_pktmbuf_mtod(m, const std::uint8_t*);
                                     s.frame.assign(d, d + rte_pktmbuf_data_len(m));
                                     auto parsed = parse_frame(s.frame.data(), s.frame.size());
                                     if (parsed) s.parsed = *parsed;
                                     x->self->sent_.push_back(std::move(s));
                                     rte_pktmbuf_free(m);
                                 },
                                 srtp_.get()});
    }
    // Advances in 1 ms steps (the wheel's resolution) from `from` to `to`.
    void run_until(std::int64_t from, std::int64_t to) {
        for (std::int64_t t = from; t <= to; t += kMs) advance(t);
    }
    [[nodiscard]] std::vector<const Sent*> sent_to(std::uint16_t udp_port) const {
        std::vector<const Sent*> out;
        for (const auto& s : sent_) {
            if (s.dst_port() == udp_port) out.push_back(&s);
        }
        return out;
    }
    [[nodiscard]] flowapi::FlowStats stats() { return table_->stats({spec().local})[0]; }

    static inline int counter_ = 0;
    std::unique_ptr<FlowTable> table_;
    PortContext port_;
    NeighbourTable neighbours_;
    LcoreCounters counters_;
    std::atomic<bool> stop_{false};
    std::unique_ptr<RtcpAgent> agent_;
    std::unique_ptr<Worker> worker_;
    std::vector<Sent> sent_;
    std::size_t forwarded_ = 0;
    // The SRTCP backend the agent gets, as a worker hands it its own.
    std::unique_ptr<rtp::srtp::SrtpBackend> srtp_ = std::move(*rtp::srtp::make_ipsecmb_backend());
};

// Frame checks common to every generated packet: addresses, MACs, valid IPv4 and UDP checksums.
void expect_frame(const Sent& s, const std::array<std::uint8_t, 6>& dst_mac,
                  const std::array<std::uint8_t, 4>& dst_ip, std::uint16_t src_port,
                  std::uint16_t dst_port) {
    ASSERT_EQ(s.parsed.family, flowapi::AddressFamily::kIpv4);
    EXPECT_EQ(Bytes(s.frame.begin(), s.frame.begin() + 6), Bytes(dst_mac.begin(), dst_mac.end()));
    EXPECT_EQ(Bytes(s.frame.begin() + 6, s.frame.begin() + 12),
              Bytes(kRelayMac.begin(), kRelayMac.end()));
    EXPECT_EQ(Bytes(s.frame.begin() + 30, s.frame.begin() + 34),
              Bytes(dst_ip.begin(), dst_ip.end()));
    EXPECT_EQ(s.parsed.src_port, src_port);
    EXPECT_EQ(s.parsed.dst_port, dst_port);
    EXPECT_EQ(ipv4_header_checksum(s.frame.data() + 14, 20), 0);
    EXPECT_EQ(l4_checksum(flowapi::AddressFamily::kIpv4, s.frame.data() + 26, s.frame.data() + 30,
                          17, s.frame.data() + 34, s.parsed.l4_size, 6),
              rtp::load_be16(s.frame.data() + 40));
}

std::string cname_of(rtp::ByteSpan compound) {
    std::string cname;
    (void)rtp::rtcp::for_each_packet(compound, [&](const rtp::rtcp::PacketView& p, std::size_t) {
        if (rtp::rtcp::classify(p) != rtp::rtcp::PacketKind::kSdes) return;
        auto sdes = rtp::rtcp::SdesView::parse(p);
        if (!sdes) return;
        sdes->for_each_chunk([&](const rtp::rtcp::SdesChunkView& chunk) {
            rtp::rtcp::SdesItem item;
            if (chunk.find(rtp::rtcp::SdesItemType::kCname, item)) cname = item.text();
        });
    });
    return cname;
}

// A stream with known loss (sequence numbers 5 and 10 missing) and jitter (arrivals alternately
// 0 and 3 ms after their 20 ms grid), an SR from alice in the middle; the first report carries
// exactly what RFC 3550 A.3/A.8 compute for that stream, and LSR/DLSR from the SR.
TEST_F(RtcpAgentTest, ReportsCarryTheStreamsLossJitterAndLsrDlsr) {
    auto s = spec();
    s.rewrite_ssrc = 0xCAFEBABE;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    rtp::RtpSourceStatistics reference(8000);
    std::int64_t now = kT0;
    for (std::uint16_t seq = 1; seq <= 20; ++seq) {
        now = kT0 + seq * 20 * kMs + (seq % 2 == 0 ? 3 * kMs : 0);
        if (seq == 5 || seq == 10) continue;
        const std::uint32_t ts = 1000 + seq * 160u;
        receive(from_alice(rtp(seq, ts)), now);
        (void)reference.on_packet(seq, ts, now);
    }
    EXPECT_EQ(forwarded_, 18u);
    // Alice's SR (RFC 3550 6.4.1), with an NTP timestamp of her own clock.
    const std::uint64_t alice_ntp = 0xE5A1B2C3D4E5F607ull;
    Bytes sr = {0x80, 200, 0x00, 0x06};
    put32(sr, kAliceSsrc);
    put32(sr, static_cast<std::uint32_t>(alice_ntp >> 32));
    put32(sr, static_cast<std::uint32_t>(alice_ntp));
    put32(sr, 4200);
    put32(sr, 18);
    put32(sr, 18 * 160);
    const std::int64_t sr_at = now + 5 * kMs;
    receive(from_alice(sr), sr_at);
    reference.on_sender_report(alice_ntp, sr_at);
    EXPECT_EQ(forwarded_, 18u);  // the SR was consumed, not forwarded
    EXPECT_EQ(agent_->counters().rtcp_consumed.get(), 1u);
    EXPECT_EQ(stats().counters.drops[static_cast<std::size_t>(DropReason::kRtcpTerminated)], 1u);

    // The first report is due within 1.5 * (1 s / 2) / (e - 3/2) of the first packet.
    run_until(sr_at, kT0 + 1'000 * kMs);
    const auto to_alice = sent_to(4000);
    const auto to_bob = sent_to(5004);
    ASSERT_EQ(to_alice.size(), 1u);
    ASSERT_EQ(to_bob.size(), 1u);
    const Sent& rr_frame = *to_alice[0];
    expect_frame(rr_frame, kAliceMac, {198, 51, 100, 7}, 30000, 4000);
    ASSERT_TRUE(rtp::rtcp::validate_compound(rr_frame.payload(), false));
    auto rr = rtp::rtcp::ReceiverReportView::parse(rr_frame.payload());
    ASSERT_TRUE(rr);
    ASSERT_EQ(rr->report_block_count(), 1u);
    const rtp::ReportBlock block = rr->report_block(0);
    const rtp::ReportBlock want = reference.make_report_block(kAliceSsrc, rr_frame.at_ns);
    EXPECT_EQ(block, want);
    EXPECT_EQ(block.ssrc, kAliceSsrc);
    EXPECT_EQ(block.cumulative_lost, 2);
    EXPECT_EQ(block.highest_seq, 20u);
    EXPECT_EQ(block.fraction_lost, 2 * 256 / 19);  // 2 of the 19 expected after probation
    EXPECT_GT(block.jitter, 0u);
    EXPECT_EQ(block.lsr, rtp::compact_ntp(alice_ntp));
    EXPECT_EQ(block.dlsr, rtp::compact_ntp_from_ns(rr_frame.at_ns - sr_at));
    EXPECT_EQ(cname_of(rr_frame.payload()), "rtpx-dataplane");

    // Towards bob: an SR for the stream we forwarded, as it left (SSRC rewritten).
    const Sent& sr_frame = *to_bob[0];
    expect_frame(sr_frame, kBobMac, {192, 0, 2, 50}, 30002, 5004);
    ASSERT_TRUE(rtp::rtcp::validate_compound(sr_frame.payload(), false));
    auto our_sr = rtp::rtcp::SenderReportView::parse(sr_frame.payload());
    ASSERT_TRUE(our_sr);
    EXPECT_EQ(our_sr->ssrc(), 0xCAFEBABEu);
    EXPECT_EQ(our_sr->packet_count(), 18u);
    EXPECT_EQ(our_sr->octet_count(), 18u * 160);
    EXPECT_EQ(our_sr->ntp_timestamp(), rtp::ntp_from_unix_ns(sr_frame.at_ns));
    // The last packet (seq 20, ts 4200) left at `now`; the RTP clock ran on since.
    EXPECT_EQ(our_sr->rtp_ts(),
              4200u + static_cast<std::uint32_t>((sr_frame.at_ns - now) * 8000 / 1'000'000'000));
    EXPECT_EQ(our_sr->report_block_count(), 0u);
    EXPECT_EQ(cname_of(sr_frame.payload()), "rtpx-dataplane");
    EXPECT_EQ(stats().counters.packets, 18u);
}

// RFC 3550 6.3: after the first (halved) interval, reports come every [0.5, 1.5] * Td / (e - 3/2)
// with Td = the 1 s minimum here; in virtual time, with the wheel's 1 ms resolution as slack.
TEST_F(RtcpAgentTest, ReportsFollowTheRfc3550IntervalInVirtualTime) {
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, spec()).ok);
    receive(from_alice(rtp(1, 160)), kT0);
    receive(from_alice(rtp(2, 320)), kT0 + 20 * kMs);
    run_until(kT0, kT0 + 30'000 * kMs);
    const auto reports = sent_to(4000);
    EXPECT_TRUE(sent_to(5004).size() == 1u);  // SR only when media was forwarded since the last
    ASSERT_GE(reports.size(), 20u);
    ASSERT_LE(reports.size(), 60u);
    const double compensation = 2.71828 - 1.5;
    const auto slack = 2 * kMs;
    const std::int64_t first = reports[0]->at_ns - kT0;
    EXPECT_GE(first, static_cast<std::int64_t>(0.5 * 0.5e9 / compensation));
    EXPECT_LE(first, static_cast<std::int64_t>(1.5 * 0.5e9 / compensation) + slack);
    for (std::size_t i = 1; i < reports.size(); ++i) {
        const std::int64_t gap = reports[i]->at_ns - reports[i - 1]->at_ns;
        EXPECT_GE(gap, static_cast<std::int64_t>(0.5 * 1e9 / compensation)) << i;
        EXPECT_LE(gap, static_cast<std::int64_t>(1.5 * 1e9 / compensation) + slack) << i;
    }
    // Nothing is due between two reports: advancing without time passing fires nothing.
    EXPECT_EQ(agent_->advance(kT0 + 30'000 * kMs, {}), 0u);
}

TEST_F(RtcpAgentTest, TransportCcFeedbackReportsExactlyThePacketsReceived) {
    auto s = spec();
    s.rtcp_mode = flowapi::RtcpMode::kPassThrough;
    s.transport_cc_feedback = true;
    s.transport_cc_extension_id = kTccId;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::map<std::uint16_t, std::int64_t> arrivals;  // transport seq -> arrival (us)
    const std::set<std::uint16_t> lost = {105, 117};
    std::int64_t now = kT0;
    for (std::uint16_t i = 0; i < 30; ++i) {
        const auto tseq = static_cast<std::uint16_t>(100 + i);
        now = kT0 + i * 2 * kMs + (i % 3) * 250'000;  // 2 ms apart, jittered by 0.25 ms steps
        if (lost.count(tseq) != 0) continue;
        receive(from_alice(rtp(static_cast<std::uint16_t>(i + 1), 160u * i, tseq)), now);
        arrivals[tseq] = now / 1000;
    }
    EXPECT_EQ(agent_->counters().tcc_recorded.get(), 28u);
    run_until(now, kT0 + 150 * kMs);
    const auto fb = sent_to(4000);
    ASSERT_EQ(fb.size(), 1u);
    expect_frame(*fb[0], kAliceMac, {198, 51, 100, 7}, 30000, 4000);
    auto view = rtp::rtcp::TransportFeedbackView::parse(fb[0]->payload());
    ASSERT_TRUE(view) << view.error().what;
    EXPECT_EQ(view->media_ssrc(), kAliceSsrc);
    EXPECT_EQ(view->base_sequence(), 100);
    EXPECT_EQ(view->packet_status_count(), 30);
    std::int64_t first_arrival = -1;
    std::size_t received = 0;
    for (const auto& p : *view) {
        const bool was_lost = lost.count(p.sequence) != 0;
        EXPECT_EQ(p.received, !was_lost) << p.sequence;
        if (!p.received) continue;
        ++received;
        if (first_arrival < 0) first_arrival = p.arrival_us - arrivals[p.sequence];
        // Deltas are exact in 250 us units; the reference time rounds down to 64 ms.
        EXPECT_EQ(p.arrival_us - arrivals[p.sequence], first_arrival) << p.sequence;
    }
    EXPECT_EQ(received, 28u);
    EXPECT_EQ(agent_->counters().feedback_sent.get(), 1u);
    EXPECT_GT(stats().estimated_bitrate_bps, 0u);
    // Pass-through flow: no SR/RR generated, only the feedback.
    run_until(kT0 + 151 * kMs, kT0 + 3'000 * kMs);
    EXPECT_EQ(sent_to(4000).size(), 1u);
    EXPECT_TRUE(sent_to(5004).empty());
}

TEST_F(RtcpAgentTest, FeedbackComesEveryIntervalWhilePacketsArrive) {
    auto s = spec();
    s.transport_cc_feedback = true;
    s.transport_cc_extension_id = kTccId;
    s.rtcp_mode = flowapi::RtcpMode::kPassThrough;
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    // 2 s of packets every 20 ms, the wheel advanced every millisecond in between.
    std::uint16_t seq = 0;
    for (std::int64_t t = kT0; t < kT0 + 2'000 * kMs; t += kMs) {
        if ((t - kT0) % (20 * kMs) == 0) {
            receive(from_alice(rtp(seq, 160u * seq, seq)), t);
            ++seq;
        }
        advance(t);
    }
    const auto fb = sent_to(4000);
    // First feedback 100 ms after the first packet, then every 100 ms: 19 in [100 ms, 1999 ms].
    ASSERT_EQ(fb.size(), 19u);
    std::size_t statuses = 0;
    for (std::size_t i = 0; i < fb.size(); ++i) {
        // Due every 100 ms; the wheel fires at most one 1.05 ms slot late.
        const std::int64_t due = static_cast<std::int64_t>(i + 1) * 100 * kMs;
        EXPECT_GE(fb[i]->at_ns - kT0, due) << i;
        EXPECT_LE(fb[i]->at_ns - kT0, due + 2 * kMs) << i;
        auto view = rtp::rtcp::TransportFeedbackView::parse(fb[i]->payload());
        ASSERT_TRUE(view);
        EXPECT_EQ(view->feedback_packet_count(), static_cast<std::uint8_t>(i));
        statuses += view->packet_status_count();
    }
    // Packets 0..95 (95 arrived at 1900 ms, just before that feedback), each reported once.
    EXPECT_EQ(statuses, 96u);
    // 180-byte packets every 20 ms (72 kbps): GCC holds its estimate within 1.5 times what arrives
    // (draft-ietf-rmcat-gcc-02 section 5.5), from its 300 kbps start.
    const std::uint64_t estimate = stats().estimated_bitrate_bps;
    EXPECT_GE(estimate, 72'000u);
    EXPECT_LE(estimate, 72'000u * 3 / 2);
}

TEST_F(RtcpAgentTest, ADeletedFlowsTimerFreesItsSlotWithoutTouchingTheFlow) {
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, spec()).ok);
    receive(from_alice(rtp(1, 160)), kT0);
    EXPECT_EQ(agent_->armed(), 1u);
    flowapi::FlowSpec key;
    key.local = spec().local;
    ASSERT_TRUE(apply(flowapi::OpKind::kDelete, key).ok);
    run_until(kT0, kT0 + 2'000 * kMs);
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(agent_->armed(), 0u);
    // The slot is reusable: a new flow on the same key gets reports again.
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, spec()).ok);
    receive(from_alice(rtp(1, 160)), kT0 + 2'001 * kMs);
    receive(from_alice(rtp(2, 320)), kT0 + 2'021 * kMs);
    run_until(kT0 + 2'001 * kMs, kT0 + 4'000 * kMs);
    EXPECT_FALSE(sent_to(4000).empty());
}

TEST_F(RtcpAgentTest, ModifyingAFlowToPassThroughStopsItsReports) {
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, spec()).ok);
    receive(from_alice(rtp(1, 160)), kT0);
    receive(from_alice(rtp(2, 320)), kT0 + 20 * kMs);
    auto s = spec();
    s.rtcp_mode = flowapi::RtcpMode::kPassThrough;
    ASSERT_TRUE(apply(flowapi::OpKind::kModify, s).ok);
    run_until(kT0, kT0 + 3'000 * kMs);
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(agent_->armed(), 0u);
}

TEST_F(RtcpAgentTest, NoReportBeforeTheLegsAddressIsKnown) {
    auto s = spec();
    s.latching = flowapi::Latching::kOff;  // nothing learned, no remote configured
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    receive(from_alice(rtp(1, 160)), kT0);
    receive(from_alice(rtp(2, 320)), kT0 + 20 * kMs);
    run_until(kT0, kT0 + 1'500 * kMs);
    EXPECT_TRUE(sent_to(4000).empty());
    EXPECT_GE(agent_->counters().no_destination.get(), 1u);
    EXPECT_EQ(sent_to(5004).size(), 1u);  // the SR towards bob does not need alice's address
}

// ---- SRTCP on generated RTCP (RFC 3711 section 3.4)
// -----------------------------------------------

// The SRTCP trailer of a packet protected with an 80-bit-tag suite: E flag and index, then the tag.
std::uint32_t srtcp_e_and_index(rtp::ByteSpan srtcp) {
    return rtp::load_be32(srtcp.data() + srtcp.size() - 14);
}

// The reverse flow of spec(): bob's media arrives at 30002 and leaves from 30000 towards alice.
flowapi::FlowSpec reverse_spec() {
    flowapi::FlowSpec r;
    r.local = *flowapi::parse_endpoint("192.0.2.1:30002");
    r.egress_source = *flowapi::parse_endpoint("192.0.2.1:30000");
    r.egress_destination = *flowapi::parse_endpoint("198.51.100.7:4000");
    r.next_hop_mac = kAliceMac;
    return r;
}

// An SRTP call leg pair: alice sends SRTP with her key, the relay sends bob SRTP with bob's and
// alice SRTP with the key she expects (the reverse flow's egress). Every RR and transport-cc
// feedback towards alice, and every SR towards bob, leaves as SRTCP (E flag, increasing index)
// that libsrtp2 authenticates and decrypts with the key that leg expects; nothing in clear.
TEST_F(RtcpAgentTest, GeneratedRtcpTowardsSrtpLegsIsSrtcpThatLibsrtp2Decrypts) {
    Reference alice_sends(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    Reference bob_expects(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x40);
    Reference alice_expects(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x70);
    auto s = spec();
    s.srtp_ingress = alice_sends.params();
    s.srtp_egress = bob_expects.params();
    s.transport_cc_feedback = true;
    s.transport_cc_extension_id = kTccId;
    auto r = reverse_spec();
    r.srtp_egress = alice_expects.params();
    PortAddressBook book;
    book.port_of = [&](const flowapi::IpAddress& ip) {
        return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
    };
    book.describe_port = [&](int, FlowConfig& c) { c.egress_mac = kRelayMac; };
    const auto reply =
        table_->apply({{{flowapi::OpKind::kAdd, s}, {flowapi::OpKind::kAdd, r}}}, book);
    ASSERT_TRUE(reply.ok) << reply.error;

    std::int64_t now = kT0;
    for (std::uint16_t seq = 1; seq <= 20; ++seq) {
        now = kT0 + seq * 20 * kMs;
        const Bytes srtp = alice_sends.protect(rtp(seq, 160u * seq, seq));
        ASSERT_FALSE(srtp.empty());
        receive(from_alice(srtp), now);
    }
    EXPECT_EQ(forwarded_, 20u);
    run_until(now, kT0 + 2'000 * kMs);

    std::size_t rr = 0;
    std::size_t feedback = 0;
    std::uint32_t last_index = 0;
    for (const Sent* sent : sent_to(4000)) {
        expect_frame(*sent, kAliceMac, {198, 51, 100, 7}, 30000, 4000);
        const rtp::ByteSpan srtcp = sent->payload();
        EXPECT_FALSE(rtp::rtcp::validate_compound(srtcp, false)) << "RTCP in clear to alice";
        const std::uint32_t e_index = srtcp_e_and_index(srtcp);
        EXPECT_NE(e_index & 0x80000000u, 0u) << "E flag";
        EXPECT_GT(e_index & 0x7FFFFFFFu, last_index);
        last_index = e_index & 0x7FFFFFFFu;
        // (A context of its own for the wrong key: a reference context serves one SSRC.)
        EXPECT_TRUE(Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x40)
                        .unprotect(Bytes(srtcp.begin(), srtcp.end()), true)
                        .empty());
        const Bytes clear = alice_expects.unprotect(Bytes(srtcp.begin(), srtcp.end()), true);
        ASSERT_FALSE(clear.empty()) << "libsrtp2 refused the SRTCP packet";
        ASSERT_GE(clear.size(), 8u);
        if (clear[1] == 201) {
            ASSERT_TRUE(rtp::rtcp::validate_compound(clear, false));
            auto view = rtp::rtcp::ReceiverReportView::parse(clear);
            ASSERT_TRUE(view);
            ASSERT_EQ(view->report_block_count(), 1u);
            EXPECT_EQ(view->report_block(0).ssrc, kAliceSsrc);
            EXPECT_EQ(view->report_block(0).highest_seq, 20u);
            EXPECT_EQ(cname_of(clear), "rtpx-dataplane");
            ++rr;
        } else {
            EXPECT_EQ(clear[1], 205);  // RTPFB, FMT 15
            EXPECT_EQ(clear[0] & 0x1F, 15);
            ++feedback;
        }
    }
    EXPECT_GE(rr, 1u);
    EXPECT_GE(feedback, 1u);

    const auto to_bob = sent_to(5004);
    ASSERT_EQ(to_bob.size(), 1u);
    const rtp::ByteSpan srtcp = to_bob[0]->payload();
    EXPECT_NE(srtcp_e_and_index(srtcp) & 0x80000000u, 0u);
    EXPECT_TRUE(Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x70)
                    .unprotect(Bytes(srtcp.begin(), srtcp.end()), true)
                    .empty());
    const Bytes clear = bob_expects.unprotect(Bytes(srtcp.begin(), srtcp.end()), true);
    ASSERT_FALSE(clear.empty());
    ASSERT_TRUE(rtp::rtcp::validate_compound(clear, false));
    auto sr = rtp::rtcp::SenderReportView::parse(clear);
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->ssrc(), kAliceSsrc);
    EXPECT_EQ(sr->packet_count(), 20u);
    EXPECT_EQ(agent_->counters().srtcp_protected.get(), sent_to(4000).size() + 1);
    EXPECT_EQ(agent_->counters().srtcp_unavailable.get(), 0u);
}

// Re-keying through the flow API, one direction at a time, as a re-INVITE with new SDES keys
// does: modifying only the reverse flow (alice's new key) re-keys the RR towards alice in the same
// batch; modifying only the flow (bob's new key) re-keys the SR towards bob; deleting the reverse
// flow leaves no key for alice, so nothing more is sent to her. Each check decrypts with libsrtp2
// under the new key and fails under the old one.
TEST_F(RtcpAgentTest, ReKeyingEitherDirectionReKeysTheRtcpItGenerates) {
    Reference alice_sends(flowapi::SrtpSuite::kAesCm128HmacSha1_80, 0x10);
    const std::uint8_t bob_key = 0x40, bob_key2 = 0xA0, alice_key = 0x70, alice_key2 = 0x90;
    Reference bob_expects(flowapi::SrtpSuite::kAesCm128HmacSha1_80, bob_key);
    auto s = spec();
    s.srtp_ingress = alice_sends.params();
    s.srtp_egress = bob_expects.params();
    auto r = reverse_spec();
    r.srtp_egress = Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, alice_key).params();
    PortAddressBook book;
    book.port_of = [&](const flowapi::IpAddress& ip) {
        return port_.identity.owns(ip.family, ip.bytes.data()) ? 0 : -1;
    };
    book.describe_port = [&](int, FlowConfig& c) { c.egress_mac = kRelayMac; };
    auto batch = [&](flowapi::OpKind kind, const flowapi::FlowSpec& spec) {
        return apply_with_reverse_rekeys(*table_, {{{kind, spec}}}, book);
    };
    ASSERT_TRUE(batch(flowapi::OpKind::kAdd, s).ok);
    ASSERT_TRUE(batch(flowapi::OpKind::kAdd, r).ok);

    std::int64_t now = kT0;
    std::uint16_t seq = 0;
    auto media_then_reports = [&] {
        sent_.clear();
        for (int i = 0; i < 20; ++i) {
            ++seq;
            now += 20 * kMs;
            receive(from_alice(alice_sends.protect(rtp(seq, 160u * seq, seq))), now);
        }
        run_until(now, now + 3'000 * kMs);
        now += 3'000 * kMs;
    };
    // Every RR to alice decrypts with `key` and only with it.
    auto rrs_decrypt_with = [&](std::uint8_t key, std::uint8_t old_key) {
        const auto to_alice = sent_to(4000);
        ASSERT_GE(to_alice.size(), 1u);
        Reference expects(flowapi::SrtpSuite::kAesCm128HmacSha1_80, key);
        for (const Sent* sent : to_alice) {
            const Bytes srtcp(sent->payload().begin(), sent->payload().end());
            EXPECT_TRUE(Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, old_key)
                            .unprotect(srtcp, true)
                            .empty())
                << "RR under the old key";
            const Bytes clear = expects.unprotect(srtcp, true);
            ASSERT_FALSE(clear.empty()) << "libsrtp2 refused the RR";
            EXPECT_EQ(clear[1], 201);
        }
    };
    auto sr_decrypts_with = [&](std::uint8_t key, std::uint8_t old_key) {
        const auto to_bob = sent_to(5004);
        ASSERT_EQ(to_bob.size(), 1u);
        const Bytes srtcp(to_bob[0]->payload().begin(), to_bob[0]->payload().end());
        EXPECT_TRUE(Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, old_key)
                        .unprotect(srtcp, true)
                        .empty());
        const Bytes clear =
            Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, key).unprotect(srtcp, true);
        ASSERT_FALSE(clear.empty()) << "libsrtp2 refused the SR";
        auto sr = rtp::rtcp::SenderReportView::parse(clear);
        ASSERT_TRUE(sr);
        EXPECT_EQ(sr->ssrc(), kAliceSsrc);
    };

    media_then_reports();
    rrs_decrypt_with(alice_key, alice_key2);
    sr_decrypts_with(bob_key, bob_key2);

    // Alice's new key: only the reverse flow is modified.
    r.srtp_egress = Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, alice_key2).params();
    ASSERT_TRUE(batch(flowapi::OpKind::kModify, r).ok);
    media_then_reports();
    rrs_decrypt_with(alice_key2, alice_key);
    sr_decrypts_with(bob_key, bob_key2);

    // Bob's new key: only the flow is modified (alice's SRTP still authenticates: her context is
    // kept, the media counts go on).
    s.srtp_egress = Reference(flowapi::SrtpSuite::kAesCm128HmacSha1_80, bob_key2).params();
    ASSERT_TRUE(batch(flowapi::OpKind::kModify, s).ok);
    media_then_reports();
    sr_decrypts_with(bob_key2, bob_key);
    rrs_decrypt_with(alice_key2, alice_key);
    EXPECT_EQ(stats().counters.packets, 60u);
    EXPECT_EQ(stats().counters.srtp_auth_failures, 0u);

    // The reverse flow deleted: no key for alice, so no RR to her (never in clear).
    flowapi::FlowSpec gone;
    gone.local = r.local;
    ASSERT_TRUE(batch(flowapi::OpKind::kDelete, gone).ok);
    const std::uint64_t unavailable = agent_->counters().srtcp_unavailable.get();
    media_then_reports();
    EXPECT_TRUE(sent_to(4000).empty());
    EXPECT_GT(agent_->counters().srtcp_unavailable.get(), unavailable);
}

// Alice sends SRTP but no reverse flow says which key she expects from us: the RR is not sent
// (never in clear to an SRTP leg) and counted; bob's leg is plain, so his SR goes out in clear.
TEST_F(RtcpAgentTest, NoKeyForAnSrtpLegMeansNoRtcpToItNotRtcpInClear) {
    Reference alice_sends(flowapi::SrtpSuite::kAesCm128HmacSha1_32, 0x21);
    auto s = spec();
    s.srtp_ingress = alice_sends.params();
    ASSERT_TRUE(apply(flowapi::OpKind::kAdd, s).ok);
    std::int64_t now = kT0;
    for (std::uint16_t seq = 1; seq <= 5; ++seq) {
        now = kT0 + seq * 20 * kMs;
        receive(from_alice(alice_sends.protect(rtp(seq, 160u * seq))), now);
    }
    run_until(now, kT0 + 2'000 * kMs);
    EXPECT_TRUE(sent_to(4000).empty());
    EXPECT_GE(agent_->counters().srtcp_unavailable.get(), 1u);
    const auto to_bob = sent_to(5004);
    ASSERT_EQ(to_bob.size(), 1u);
    EXPECT_TRUE(rtp::rtcp::validate_compound(to_bob[0]->payload(), false));
    EXPECT_EQ(agent_->counters().srtcp_protected.get(), 0u);
}

}  // namespace
}  // namespace rtpx::dataplane
