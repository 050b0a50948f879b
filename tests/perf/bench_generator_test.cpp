// rtpx-bench's generator, receiver accounting, histogram, search and scenarios, without DPDK
// ports: frames are generated into plain buffers and fed to the receiver directly.
#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "rtpx/bench/histogram.hpp"
#include "rtpx/bench/receiver.hpp"
#include "rtpx/bench/scenario.hpp"
#include "rtpx/bench/search.hpp"
#include "rtpx/bench/traffic.hpp"
#include "rtpx/flowapi/json.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::bench {
namespace {

using rtp::capture::FrameEndpoints;
using rtp::srtp::Suite;

struct Frames {
    std::vector<std::vector<std::uint8_t>> bufs;
    std::vector<FrameSlot> slots;
    std::vector<SentPacket> sent;
    explicit Frames(std::size_t n)
        : bufs(n, std::vector<std::uint8_t>(kMaxFrameSize + 64)), slots(n), sent(n) {
        for (std::size_t i = 0; i < n; ++i)
            slots[i] = {bufs[i].data(), static_cast<std::uint32_t>(bufs[i].size()), 0};
    }
    [[nodiscard]] ByteSpan frame(std::size_t i) const {
        return ByteSpan(bufs[i].data(), slots[i].len);
    }
};

StreamSpec stream(Profile p, std::uint32_t i, int ip = 4) {
    StreamSpec s;
    s.profile = p;
    s.ssrc = 0x1000 + i;
    if (ip == 4) {
        s.endpoints.src = IpAddress::v4(10, 0, 0, 1);
        s.endpoints.dst = IpAddress::v4(10, 0, 0, 2);
    } else {
        s.endpoints.src = *IpAddress::from_string("fd00::1");
        s.endpoints.dst = *IpAddress::from_string("fd00::2");
    }
    s.endpoints.src_port = static_cast<std::uint16_t>(10000 + 2 * i);
    s.endpoints.dst_port = static_cast<std::uint16_t>(20000 + 2 * i);
    return s;
}

std::unique_ptr<Generator> make(std::vector<StreamSpec> streams) {
    auto g = Generator::create(std::move(streams));
    EXPECT_TRUE(g) << (g ? "" : g.error().what);
    return std::move(*g);
}

TEST(BenchProbe, RoundTripsAndRejectsOtherPayloads) {
    std::array<std::uint8_t, kProbeSize> b{};
    write_probe(b.data(), Probe{7, 0x0102030405060708ULL, 0x1112131415161718ULL});
    auto p = read_probe(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (Probe{7, 0x0102030405060708ULL, 0x1112131415161718ULL}));
    EXPECT_FALSE(read_probe(ByteSpan(b.data(), kProbeSize - 1)));
    b[0] ^= 1;
    EXPECT_FALSE(read_probe(b));
}

// Per stream: RTP sequence numbers step by one (mod 2^16), probe sequences by one, audio
// timestamps by the profile's samples per packet, video timestamps by 3000 per frame and not
// within a frame, the marker on each frame's last packet; G.711 packets are 172 octets of RTP.
TEST(BenchGenerator, KeepsSequenceAndTimestampContinuityPerProfile) {
    auto g =
        make({stream(Profile::kG711, 0), stream(Profile::kOpus, 1), stream(Profile::kVideo, 2)});
    Frames f(5000);
    g->fill(f.slots, 1234, f.sent);
    struct Last {
        bool seen = false;
        std::uint16_t seq = 0;
        std::uint32_t ts = 0;
        std::uint64_t probe = 0;
        bool marker = true;
        std::uint64_t packets = 0, frames = 0;
        std::size_t in_frame = 0;
    };
    std::array<Last, 3> last{};
    for (std::size_t i = 0; i < f.slots.size(); ++i) {
        auto udp = rtp::capture::parse_udp_frame(rtp::capture::kLinkTypeEthernet, f.frame(i));
        ASSERT_TRUE(udp);
        EXPECT_TRUE(rtp::capture::udp_checksum_ok(
            udp->src, udp->dst, ByteSpan(udp->payload.data() - 8, udp->payload.size() + 8)));
        auto v = rtp::RtpView::parse(udp->payload);
        ASSERT_TRUE(v);
        auto probe = read_probe(v->payload());
        ASSERT_TRUE(probe);
        EXPECT_EQ(probe->tx_ns, 1234u);
        const std::uint32_t id = probe->stream;
        ASSERT_LT(id, 3u);
        EXPECT_EQ(f.sent[i].stream, id);
        EXPECT_EQ(f.sent[i].sequence, probe->sequence);
        Last& l = last[id];
        EXPECT_EQ(v->ssrc(), 0x1000 + id);
        if (l.seen) {
            EXPECT_EQ(v->sequence_number(), static_cast<std::uint16_t>(l.seq + 1));
            EXPECT_EQ(probe->sequence, l.probe + 1);
        } else {
            EXPECT_EQ(probe->sequence, 0u);
        }
        switch (id) {
            case 0:
                EXPECT_EQ(udp->payload.size(), 172u);
                EXPECT_EQ(v->payload_type(), 0);
                if (l.seen) {
                    EXPECT_EQ(v->timestamp(), l.ts + 160);
                }
                break;
            case 1:
                EXPECT_GE(v->payload_size(), 40u);
                EXPECT_LE(v->payload_size(), 160u);
                EXPECT_EQ(v->payload_size(), opus_payload_size(1, probe->sequence));
                if (l.seen) {
                    EXPECT_EQ(v->timestamp(), l.ts + 960);
                }
                break;
            default: {
                EXPECT_EQ(v->payload_type(), 96);
                if (l.seen) {
                    EXPECT_EQ(v->timestamp(), l.marker ? l.ts + 3000 : l.ts);
                }
                if (l.seen && l.marker) ++l.frames;
                const PacketShape shape = video_frame_shape(2, l.frames);
                ++l.in_frame;
                EXPECT_EQ(v->marker(), l.in_frame == shape.frame_packets);
                EXPECT_EQ(udp->payload.size(), v->marker() ? 12u + shape.payload_size : 1200u);
                if (v->marker()) l.in_frame = 0;
                break;
            }
        }
        l.seen = true;
        l.seq = v->sequence_number();
        l.ts = v->timestamp();
        l.probe = probe->sequence;
        l.marker = v->marker();
    }
    EXPECT_GT(last[2].frames, 100u);  // the 45 kB key frame and many delta frames went by
    EXPECT_EQ(g->counters().rtp_packets, 5000u);
}

TEST(BenchGenerator, WritesTransportWideCcAcrossStreamsAndIpv6Checksums) {
    std::vector<StreamSpec> s = {stream(Profile::kOpus, 0, 6), stream(Profile::kG711, 1, 6)};
    for (auto& x : s) {
        x.twcc_id = 3;
        x.audio_level_id = 1;
    }
    auto g = make(s);
    Frames f(100);
    g->fill(f.slots, 0);
    rtp::ExtensionMap map;
    map.set(3, rtp::ExtensionType::kTransportWideCc);
    for (std::size_t i = 0; i < 100; ++i) {
        auto udp = rtp::capture::parse_udp_frame(rtp::capture::kLinkTypeEthernet, f.frame(i));
        ASSERT_TRUE(udp);
        EXPECT_EQ(udp->src.family, 6);
        EXPECT_TRUE(rtp::capture::udp_checksum_ok(
            udp->src, udp->dst, ByteSpan(udp->payload.data() - 8, udp->payload.size() + 8)));
        auto v = rtp::RtpView::parse_strict(udp->payload);
        ASSERT_TRUE(v);
        rtp::TransportWideCc::Value twcc;
        ASSERT_TRUE(v->read<rtp::TransportWideCc>(map, twcc));
        EXPECT_EQ(twcc.transport_sequence_number, i);  // one counter for the whole transport
        EXPECT_TRUE(read_probe(v->payload()));
    }
}

// The generator protects with IPsec-MB; the libsrtp2 backend (a libsrtp2 session per stream)
// decrypts every packet, RTP and RTCP, and finds the probe and payload intact.
TEST(BenchGenerator, SrtpOutputDecryptsWithLibsrtp2) {
    for (Suite suite :
         {Suite::kAesCm128HmacSha1_80, Suite::kAeadAes128Gcm, Suite::kAes256CmHmacSha1_32}) {
        SCOPED_TRACE(std::string(rtp::srtp::to_string(suite)));
        std::vector<StreamSpec> s;
        for (std::uint32_t i = 0; i < 4; ++i) {
            s.push_back(stream(i == 3 ? Profile::kVideo : Profile::kG711, i));
            s.back().srtp = derive_stream_key(suite, i, 0);
            s.back().rtcp_every = 10;
        }
        auto g = make(s);
        Frames f(400);
        g->fill(f.slots, 99);
        auto backend = rtp::srtp::make_libsrtp2_backend();
        ASSERT_TRUE(backend);
        std::vector<std::unique_ptr<rtp::srtp::SrtpContext>> ctx;
        for (std::uint32_t i = 0; i < 4; ++i) {
            auto c = make_srtp_context(derive_stream_key(suite, i, 0));
            ASSERT_TRUE(c);
            ctx.push_back(std::move(*c));
        }
        std::size_t rtp_ok = 0, rtcp_ok = 0;
        for (std::size_t i = 0; i < f.slots.size(); ++i) {
            auto udp = rtp::capture::parse_udp_frame(rtp::capture::kLinkTypeEthernet, f.frame(i));
            ASSERT_TRUE(udp);
            const std::uint32_t id = (udp->dst_port - 20000) / 2;
            auto* data = f.bufs[i].data() + udp->payload_offset;
            rtp::srtp::SrtpPacket pk{ctx[id].get(), data,
                                     static_cast<std::uint32_t>(udp->payload.size()),
                                     static_cast<std::uint32_t>(udp->payload.size())};
            rtp::srtp::SrtpStatus st{};
            const bool rtcp = data[1] >= 192 && data[1] <= 223;
            if (rtcp) {
                ASSERT_EQ((*backend)->unprotect_rtcp(std::span(&pk, 1), std::span(&st, 1)), 1u);
                ++rtcp_ok;
                continue;
            }
            ASSERT_EQ((*backend)->unprotect_rtp(std::span(&pk, 1), std::span(&st, 1)), 1u)
                << rtp::srtp::to_string(st);
            auto v = rtp::RtpView::parse(ByteSpan(data, pk.len));
            ASSERT_TRUE(v);
            auto probe = read_probe(v->payload());
            ASSERT_TRUE(probe);
            EXPECT_EQ(probe->stream, id);
            EXPECT_EQ(probe->tx_ns, 99u);
            EXPECT_EQ(v->payload()[kProbeSize], static_cast<std::uint8_t>(0xd5 ^ id));
            ++rtp_ok;
        }
        EXPECT_EQ(rtp_ok, g->counters().rtp_packets);
        EXPECT_EQ(rtcp_ok, g->counters().rtcp_packets);
        EXPECT_GT(rtcp_ok, 10u);
        EXPECT_EQ(g->counters().srtp_failures, 0u);
    }
}

TEST(BenchHistogram, CountsExactlyBelow256AndWithinOnePercentAbove) {
    LatencyHistogram h;
    for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
    EXPECT_EQ(h.percentile(0.5), 50u);
    EXPECT_EQ(h.percentile(0.99), 99u);
    EXPECT_EQ(h.percentile(1.0), 100u);
    EXPECT_EQ(h.min(), 1u);
    for (std::uint64_t v : {300ULL, 4096ULL, 123457ULL, 987654321ULL, 1ULL << 39}) {
        const auto b = LatencyHistogram::bucket_of(v);
        EXPECT_LE(LatencyHistogram::bucket_low(b), v);
        EXPECT_GE(LatencyHistogram::bucket_high(b), v);
        EXPECT_LE(
            static_cast<double>(LatencyHistogram::bucket_high(b) - LatencyHistogram::bucket_low(b)),
            0.008 * static_cast<double>(v));
    }
    // Buckets tile the range with no gap or overlap.
    for (std::size_t i = 1; i < LatencyHistogram::kBuckets; ++i) {
        ASSERT_EQ(LatencyHistogram::bucket_low(i), LatencyHistogram::bucket_high(i - 1) + 1) << i;
    }
}

// Loss, duplicates, reordering, latency and jitter on frames fed in a known order and at known
// (virtual) times.
TEST(BenchReceiver, AccountsDropsDuplicatesReorderingLatencyAndJitter) {
    auto g = make({stream(Profile::kG711, 0), stream(Profile::kG711, 1)});
    Frames f(20);  // stream 0 gets even slots, stream 1 odd ones (sequences 0..9 each)
    g->fill(f.slots, 1000);
    auto r = Receiver::create(2);
    ASSERT_TRUE(r);
    // Stream 0: deliver seq 0,1,2,4,3,5,5,6,7 (8 and 9 lost); stream 1: all, seq 4 late by 500 ns.
    std::vector<RxFrame> in;
    auto add = [&](std::size_t slot, std::uint64_t rx) {
        in.push_back({f.bufs[slot].data(), f.slots[slot].len, rx});
    };
    for (std::size_t s : {0, 1, 2, 4, 3, 5, 5, 6, 7}) add(2 * s, 1100);
    for (std::size_t s = 0; s < 10; ++s) add(2 * s + 1, s == 4 ? 1600 : 1100);
    (*r)->on_frames(in);
    const auto& t = (*r)->totals();
    EXPECT_EQ(t.received, 18u);
    EXPECT_EQ(t.duplicates, 1u);
    EXPECT_EQ(t.reordered, 1u);
    EXPECT_EQ((*r)->stream(0).received, 8u);  // 10 sent, 2 lost
    EXPECT_EQ((*r)->stream(1).received, 10u);
    EXPECT_EQ((*r)->latency().min(), 100u);
    EXPECT_EQ((*r)->latency().max(), 600u);
    EXPECT_EQ((*r)->latency().percentile(0.5), 100u);
    EXPECT_EQ((*r)->stream(0).jitter_ns16, 0u);  // constant transit: no added jitter
    // RFC 3550 A.8 on stream 1: D = 500 then 500 again, each step J16 += D - (J16 + 8) / 16.
    std::uint64_t j = 0;
    for (int k = 0; k < 2; ++k) j = j + 500 - ((j + 8) >> 4);
    for (int k = 0; k < 4; ++k) j = j - ((j + 8) >> 4);
    EXPECT_EQ((*r)->stream(1).jitter_ns16, j);
    // After a new epoch, packets sent before it are stale, not received.
    (*r)->reset_counts();
    (*r)->set_epoch(1001);
    (*r)->on_frames(std::span(in.data(), 3));
    EXPECT_EQ((*r)->totals().stale, 3u);
    EXPECT_EQ((*r)->totals().received, 0u);
}

// RFC 2544 binary search against devices with known capacities (pure functions, no traffic).
TEST(BenchSearch, ConvergesOnSyntheticDutCapacity) {
    for (double capacity : {123456.0, 1e6, 2.5e6}) {
        auto dut = [capacity](double rate) {
            const auto sent = static_cast<std::uint64_t>(rate);  // a one-second trial
            return TrialOutcome{sent, static_cast<std::uint64_t>(std::min(rate, capacity))};
        };
        SearchParams p{1000, 4e6, 1000, 0.0, 60};
        auto r = binary_search(p, dut);
        ASSERT_TRUE(r.found);
        EXPECT_LE(r.rate_pps, capacity);
        EXPECT_GT(r.rate_pps, capacity - 1000);
        EXPECT_GT(r.failed_pps, capacity);
        EXPECT_LE(r.failed_pps - r.rate_pps, 1000);
        EXPECT_EQ(r.steps.front().rate_pps, 4e6);  // starts at the maximum
    }
}

TEST(BenchSearch, PdrToleratesConfiguredLossAndEdgeCases) {
    // Loss grows linearly above 1 Mpps: 0.5% loss is reached at 1.005 Mpps x ... solve exactly.
    auto dut = [](double rate) {
        const auto sent = static_cast<std::uint64_t>(rate);
        const double lost = rate > 1e6 ? (rate - 1e6) : 0;
        return TrialOutcome{sent, static_cast<std::uint64_t>(rate - lost)};
    };
    SearchParams p{1000, 4e6, 100, 0.005, 80};
    auto pdr = binary_search(p, dut);
    ASSERT_TRUE(pdr.found);
    // loss ratio (r - 1e6) / r <= 0.005  <=>  r <= 1e6 / 0.995
    EXPECT_LE(pdr.rate_pps, 1e6 / 0.995);
    EXPECT_GT(pdr.rate_pps, 1e6 / 0.995 - 100);
    p.loss_tolerance = 0;
    auto ndr = binary_search(p, dut);
    EXPECT_LE(ndr.rate_pps, 1e6);
    EXPECT_GT(ndr.rate_pps, 1e6 - 100);
    // The maximum passes: one trial. The minimum fails: nothing found.
    auto fast = binary_search(SearchParams{1000, 5e5, 100, 0, 10}, dut);
    EXPECT_TRUE(fast.found);
    EXPECT_EQ(fast.steps.size(), 1u);
    auto none = binary_search(SearchParams{2e6, 4e6, 100, 0, 10}, dut);
    EXPECT_FALSE(none.found);
    EXPECT_EQ(none.rate_pps, 0);
    EXPECT_FALSE(trial_passes(TrialOutcome{0, 0}, 0));
}

TEST(BenchScenario, EveryShippedScenarioParsesAndItsFlowsFileLoadsInTheDataplaneFormat) {
    const std::filesystem::path dir = std::filesystem::path(RTPX_SOURCE_DIR) / "perf/scenarios";
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".toml") continue;
        SCOPED_TRACE(e.path().string());
        ++files;
        auto s = load_scenario(e.path().string());
        ASSERT_TRUE(s) << s.error();
        Scenario small = *s;
        small.flows = std::min<std::size_t>(s->flows, 50);
        auto streams = make_streams(small);
        ASSERT_TRUE(streams);
        auto flows = flowapi::flows_from_json_text(make_flows_json(small).dump());
        ASSERT_TRUE(flows) << flows.error();
        ASSERT_EQ(flows->size(), small.flows);
        // The DUT's flow i receives what stream i sends and sends to where return i is expected.
        auto returns = make_returns(small, false);
        ASSERT_TRUE(returns);
        for (std::size_t i = 0; i < small.flows; ++i) {
            const auto& ep = (*streams)[i].endpoints;
            EXPECT_EQ(flowapi::to_string((*flows)[i].local),
                      ep.dst.family == 6
                          ? "[" + ep.dst.to_string() + "]:" + std::to_string(ep.dst_port)
                          : ep.dst.to_string() + ":" + std::to_string(ep.dst_port));
            EXPECT_EQ((*flows)[i].srtp_ingress.suite != flowapi::SrtpSuite::kNone,
                      s->srtp_in.has_value());
            EXPECT_EQ((*flows)[i].srtp_egress.suite != flowapi::SrtpSuite::kNone,
                      s->srtp_out.has_value());
        }
        // The full flow count fits the address plan.
        Scenario last = *s;
        EXPECT_TRUE(address_plus(last.dut_in,
                                 static_cast<std::uint32_t>(last.flows / last.ports_per_address)));
    }
    EXPECT_GE(files, 9u);
}

TEST(BenchScenario, RejectsUnknownKeysAndBadValues) {
    EXPECT_FALSE(parse_scenario("[streams]\nflow = 3\n"));
    EXPECT_FALSE(parse_scenario("[streams]\nprofile = \"h264\"\n"));
    EXPECT_FALSE(parse_scenario("[streams]\nsrtp_in = \"AES_CM_129\"\n"));
    EXPECT_FALSE(parse_scenario("[load]\nsearch = \"fast\"\n"));
    EXPECT_FALSE(
        parse_scenario("[network]\nbench_tx = \"fd00::1\"\n"));  // IPv6 in an IPv4 scenario
    auto s = parse_scenario("[streams]\nflows = 70000\nip_version = 6\n");
    ASSERT_TRUE(s);
    auto streams = make_streams(*s);
    ASSERT_TRUE(streams);
    // 10000 ports per address: flow 69999 uses the 7th address and port base + 2 x 9999.
    EXPECT_EQ((*streams)[69999].endpoints.dst.to_string(), "fd00:99::7");
    EXPECT_EQ((*streams)[69999].endpoints.dst_port, 20000 + 2 * 9999);
}

TEST(BenchScenario, DutFlowsRedirectStreamsToWhereTheDutAllocated) {
    // A DUT that allocates its own ports (rtpengine's offer/answer): the flows file is its view.
    auto s = parse_scenario("[streams]\nflows = 2\n[network]\nbench_mac = \"02:00:00:00:00:0a\"\n");
    ASSERT_TRUE(s);
    auto streams = make_streams(*s);
    auto returns = make_returns(*s, false);
    ASSERT_TRUE(streams && returns);
    auto flows = flowapi::flows_from_json_text(R"({"flows": [
        {"local": "10.99.0.1:30022", "remote": "10.98.0.1:10000",
         "egress_source": "10.99.0.1:30000", "egress_destination": "10.98.0.1:10002"},
        {"local": "10.99.0.1:30000", "egress_source": "10.99.0.1:30022",
         "egress_destination": "10.98.0.1:10000"}]})");
    ASSERT_TRUE(flows) << flows.error();
    const auto untouched_src = (*streams)[1].endpoints.src.to_string();
    const auto untouched_port = (*streams)[1].endpoints.src_port;
    ASSERT_TRUE(apply_dut_flows(*flows, *streams, *returns));
    const auto& a = (*streams)[0].endpoints;
    EXPECT_EQ(a.dst.to_string(), "10.99.0.1");
    EXPECT_EQ(a.dst_port, 30022);
    EXPECT_EQ(a.src.to_string(), "10.98.0.1");
    EXPECT_EQ(a.src_port, 10000);
    EXPECT_EQ(a.src_mac[5], 0x0a);  // the scenario's MACs stay
    EXPECT_EQ((*returns)[0].dst.to_string(), "10.98.0.1");
    EXPECT_EQ((*returns)[0].dst_port, 10002);
    // No "remote": the scenario's source stays.
    EXPECT_EQ((*streams)[1].endpoints.dst_port, 30000);
    EXPECT_EQ((*streams)[1].endpoints.src.to_string(), untouched_src);
    EXPECT_EQ((*streams)[1].endpoints.src_port, untouched_port);
    // The generator sends them.
    auto g = make(*streams);
    Frames f(2);
    ASSERT_EQ(g->fill(f.slots, 1), 2u);
    EXPECT_EQ(f.slots[0].len, 14u + 20 + 8 + 172);

    // One flow per stream, and families must agree.
    EXPECT_FALSE(apply_dut_flows(std::span(flows->data(), 1), *streams, *returns));
    auto v6 = flowapi::flows_from_json_text(
        R"({"flows": [{"local": "[fd00::1]:30000", "egress_source": "[fd00::1]:30002",
        "egress_destination": "[fd00::2]:10000"}, {"local": "[fd00::1]:30002",
        "egress_source": "[fd00::1]:30000", "egress_destination": "[fd00::2]:10002"}]})");
    ASSERT_TRUE(v6) << v6.error();
    auto err = apply_dut_flows(*v6, *streams, *returns);
    ASSERT_FALSE(err);
    EXPECT_NE(err.error().find("flows[0]"), std::string::npos) << err.error();
}

}  // namespace
}  // namespace rtpx::bench
