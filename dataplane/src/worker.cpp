#include "rtpx/dataplane/worker.hpp"

#include <sys/prctl.h>

#include <cassert>
#include <chrono>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "rtpx/dataplane/exception.hpp"
#include "rtpx/dataplane/rtcp_agent.hpp"
#include "rtpx/rtp/demux.hpp"
#include "rtpx/rtp/rtp_packet.hpp"

namespace rtpx::dataplane {

using flowapi::AddressFamily;
using flowapi::Latching;

// ---- NeighbourTable -----------------------------------------------------------------------------

std::size_t NeighbourTable::start(AddressFamily family, const std::uint8_t* ip) noexcept {
    const std::size_t n = family == AddressFamily::kIpv4 ? 4 : 16;
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (std::size_t i = 0; i < n; ++i) h = (h ^ ip[i]) * 16777619u;
    return h % kSlots;
}

bool NeighbourTable::lookup(AddressFamily family, const std::uint8_t* ip,
                            std::array<std::uint8_t, 6>& mac) const noexcept {
    const std::size_t n = family == AddressFamily::kIpv4 ? 4 : 16;
    std::size_t i = start(family, ip);
    for (std::size_t probes = 0; probes < kSlots; ++probes, i = (i + 1) % kSlots) {
        const Slot& s = slots_[i];
        const std::uint64_t v = s.mac.load(std::memory_order_acquire);
        if (v == 0) return false;
        if (s.family == static_cast<std::uint8_t>(family) && std::memcmp(s.ip.data(), ip, n) == 0) {
            for (std::size_t b = 0; b < 6; ++b)
                mac[b] = static_cast<std::uint8_t>(v >> (40 - 8 * b));
            return true;
        }
    }
    return false;
}

bool NeighbourTable::update(const flowapi::IpAddress& ip,
                            const std::array<std::uint8_t, 6>& mac) noexcept {
    std::uint64_t v = std::uint64_t{1} << 48;
    for (std::size_t b = 0; b < 6; ++b) v |= std::uint64_t{mac[b]} << (40 - 8 * b);
    std::size_t i = start(ip.family, ip.bytes.data());
    for (std::size_t probes = 0; probes < kSlots; ++probes, i = (i + 1) % kSlots) {
        Slot& s = slots_[i];
        if (s.mac.load(std::memory_order_relaxed) == 0) {
            s.ip = ip.bytes;
            s.family = static_cast<std::uint8_t>(ip.family);
            s.mac.store(v, std::memory_order_release);
            return true;
        }
        if (s.family == static_cast<std::uint8_t>(ip.family) && s.ip == ip.bytes) {
            s.mac.store(v, std::memory_order_release);
            return true;
        }
    }
    return false;
}

// ---- TscClock
// -------------------------------------------------------------------------------------

TscClock TscClock::start() noexcept {
    TscClock c;
    c.unix_ns_at_start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    c.tsc_at_start = rte_rdtsc();
    const std::uint64_t hz = rte_get_tsc_hz();
    c.ns_per_tsc_q32 = hz == 0 ? 0
                               : static_cast<std::uint64_t>(
                                     (static_cast<unsigned __int128>(1'000'000'000) << 32) / hz);
    return c;
}

std::int64_t TscClock::now_unix_ns() const noexcept {
    const std::uint64_t delta = rte_rdtsc() - tsc_at_start;
    return unix_ns_at_start + static_cast<std::int64_t>(
                                  (static_cast<unsigned __int128>(delta) * ns_per_tsc_q32) >> 32);
}

// ---- Worker
// ---------------------------------------------------------------------------------------

void Worker::drop(DropReason reason, rte_mbuf* m, FlowEntry* flow) noexcept {
    const auto r = static_cast<std::size_t>(reason);
    ctx_.counters->drops[r].add(1);
    if (flow != nullptr) flow->drops[r].add(1);
    drops_[drop_count_++] = m;
    if (drop_count_ == drops_.size()) free_drops();
}

void Worker::free_drops() noexcept {
    if (drop_count_ == 0) return;
    rte_pktmbuf_free_bulk(drops_.data(), drop_count_);
    drop_count_ = 0;
}

void Worker::send(std::uint16_t port, rte_mbuf* m) noexcept {
    tx_[port][tx_count_[port]++] = m;
    if (tx_count_[port] == tx_[port].size()) flush_port(port);
}

// Frames the queue did not take are still ours: counted as tx_failed and freed.
void Worker::flush_port(std::uint16_t port) noexcept {
    auto& count = tx_count_[port];
    if (count == 0) return;
    const std::uint16_t sent =
        rte_eth_tx_burst(ctx_.ports[port].port_id, ctx_.queue, tx_[port].data(), count);
    ctx_.counters->tx.add(sent);
    for (std::uint16_t i = sent; i < count; ++i) drop(DropReason::kTxFailed, tx_[port][i], nullptr);
    count = 0;
}

void Worker::flush() noexcept {
    if (ctx_.exception != nullptr) ctx_.exception->flush();
    for (std::uint16_t port = 0; port < ctx_.port_count; ++port) flush_port(port);
    free_drops();
}

void Worker::drop_or_to_kernel(DropReason why, std::uint16_t port, rte_mbuf* m,
                               std::int64_t now_ns) noexcept {
    if (ctx_.exception == nullptr || !ctx_.exception->offer(port, m, now_ns, why))
        drop(why, m, nullptr);
}

void Worker::post(const WorkerMessage& message) noexcept {
    if (ctx_.to_control == nullptr ||
        rte_ring_sp_enqueue_elem(ctx_.to_control, const_cast<WorkerMessage*>(&message),
                                 sizeof(WorkerMessage)) != 0) {
        ctx_.counters->messages_lost.add(1);
    }
}

void Worker::process_burst(std::uint16_t port, rte_mbuf** pkts, std::uint16_t n,
                           std::int64_t now_ns) noexcept {
    const PortContext& pc = ctx_.ports[port];
    ctx_.counters->rx.add(n);
    std::array<ParsedFrame, kBurstSize> parsed;
    std::array<FlowHashKey, kBurstSize> keys;
    std::array<const FlowHashKey*, kBurstSize> key_ptrs;
    std::array<std::uint32_t, kBurstSize> hashes;
    std::array<rte_mbuf*, kBurstSize> udp;
    std::array<FlowEntry*, kBurstSize> entries;
    std::uint16_t k = 0;
    // Overlap the burst's misses: every mbuf header, then every frame's first line.
    for (std::uint16_t i = 0; i < n; ++i) rte_prefetch0(pkts[i]);
    for (std::uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    for (std::uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        // Parsed in place (parse_udp4 inline, field by field), the general parser otherwise.
        ParsedFrame& pf = parsed[k];
        if (!parse_udp4(f, rte_pktmbuf_data_len(m), pf)) [[unlikely]] {
            auto general = parse_frame_general(f, rte_pktmbuf_data_len(m));
            if (!general) {
                drop_or_to_kernel(general.error(), port, m, now_ns);
                continue;
            }
            pf = *general;
        }
        const ParsedFrame* p = &pf;
        // Unicast to us, or broadcast/multicast (ARP, ND); on the port's VLAN.
        const bool group = (f[0] & 1) != 0;
        if ((!group && std::memcmp(f, pc.identity.mac.data(), 6) != 0) ||
            p->vlan != pc.identity.vlan) {
            drop(DropReason::kNotForUs, m, nullptr);
            continue;
        }
        if (p->kind != FrameKind::kUdp) [[unlikely]] {
            NeighbourObservation learned;
            const auto verdict = handle_exception(m, *p, pc.identity, learned);
            if (learned.valid) {
                WorkerMessage msg;
                msg.kind = WorkerMessage::Kind::kNeighbour;
                msg.port = port;
                msg.ip = learned.ip;
                msg.mac = learned.mac;
                post(msg);
            }
            if (verdict == ExceptionVerdict::kReply) {
                send(port, m);
            } else {
                drop_or_to_kernel(DropReason::kExceptionIgnored, port, m, now_ns);
            }
            continue;
        }
        // Whole words (the bucket compare reads keys in words), and the key's hash.
        hashes[k] = fill_hash_key(keys[k], p->family, f + p->dst_ip_offset(), p->dst_port);
        key_ptrs[k] = &keys[k];
        udp[k] = m;
        ++k;
    }
    if (k == 0) return;
    ctx_.flows->lookup_bulk(key_ptrs.data(), hashes.data(), k, entries.data());
    // Software-pipelined over the burst: while packet j is forwarded, the lines of the flow
    // kPrefetchAhead packets on are on their way (each entry's hot line and the two lines of RFC
    // 3550 statistics the in-order path touches, and the two lines of the configuration the plain
    // path reads, which sits right after the entry unless a modify moved it). Packets from the
    // first one of a flow with ingress SRTP on are set aside, unprotected in one backend call after
    // the pass (the plain ones among them untouched), then forwarded.
    constexpr std::uint16_t kPrefetchAhead = 12;
    const auto prefetch_flow = [](const FlowEntry* e) noexcept {
        if (e == nullptr) return;
        rte_prefetch0(e);
        rte_prefetch0(&e->stats);
        rte_prefetch0(reinterpret_cast<const char*>(&e->stats) + 64);
        rte_prefetch0(e->inline_config());
        rte_prefetch0(static_cast<const char*>(e->inline_config()) + 64);
    };
    // Every entry's first line at once first: with 4 KiB pages (--no-huge) each is a page walk at
    // 100k flows, and the walks overlap best started together.
    for (std::uint16_t j = 0; j < k; ++j) {
        if (entries[j] != nullptr) rte_prefetch0(entries[j]);
    }
    for (std::uint16_t j = 0; j < k && j < kPrefetchAhead; ++j) prefetch_flow(entries[j]);
    std::uint16_t held = 0;  // SRTP ingress, compacted to the front of the arrays
    for (std::uint16_t j = 0; j < k; ++j) {
        if (j + kPrefetchAhead < k) prefetch_flow(entries[j + kPrefetchAhead]);
        FlowEntry* e = entries[j];
        if (e == nullptr) {
            drop_or_to_kernel(DropReason::kNoFlow, port, udp[j], now_ns);
            continue;
        }
        const FlowConfig* cfg = e->config.load(std::memory_order_acquire);
        // SRTP contexts: their state lines now, with no load that waits for them (the rest of
        // their lines are prefetched from there, by SrtpContext::prefetch, just before the
        // backend calls: srtp_unprotect, srtp_hold).
        if (cfg->has_srtp_ingress) rte_prefetch0(cfg->srtp_ingress_context);
        if (cfg->has_srtp_egress) rte_prefetch0(cfg->srtp_egress_context);
        // From the first packet with ingress SRTP on, everything waits for the unprotect (the
        // burst leaves in arrival order).
        if (cfg->has_srtp_ingress || held != 0) {
            udp[held] = udp[j];
            parsed[held] = parsed[j];
            entries[held] = e;
            ++held;
            continue;
        }
        forward(udp[j], parsed[j], e, now_ns);
    }
    if (held != 0) {
        // SRTP/SRTCP unprotect in one backend call; failed packets are dropped and leave the
        // arrays.
        held = srtp_unprotect(udp.data(), parsed.data(), entries.data(), held, now_ns);
        for (std::uint16_t j = 0; j < held; ++j) forward(udp[j], parsed[j], entries[j], now_ns);
    }
    srtp_protect(now_ns);  // what forward() held for egress SRTP, then TX
}

void Worker::forward(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow,
                     std::int64_t now_ns) noexcept {
    const FlowConfig* cfg = flow->config.load(std::memory_order_acquire);
    const flowapi::FlowSpec& spec = cfg->spec;
    auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
    const rtp::MutableByteSpan payload(f + p.payload_offset(), p.payload_size());
    // RFC 5761's PT rule tells RTCP from RTP on any port; rtcp_mux is the SDP's business.
    const rtp::PacketClass cls = classify_media(payload);
    if (cls != rtp::PacketClass::kRtp && cls != rtp::PacketClass::kRtcp) {
        drop(DropReason::kUnhandledClass, m, flow);
        return;
    }
    // SRTP/SRTCP packets were authenticated and decrypted by srtp_unprotect() before this, so the
    // source policy below never learns a source from a forged packet.
    // The UDP checksum without a pass over the payload: plain RTP changes only in its header,
    // whose sum the rewrites below account for. Only from a checksum the port verified (a kernel
    // path such as veth + af_packet hands over partial, pseudo-header-only sums); SRTP (either
    // side: decrypted or re-protected payload) and RTCP get a full sum. has_srtp_* are the SRTP
    // stages' enabled() copied to the hot lines (FlowTable::apply).
    assert(cfg->has_srtp_ingress == cfg->srtp_ingress.enabled());
    assert(cfg->has_srtp_egress == cfg->srtp_egress.enabled());
    PayloadSum payload_sum;
    if (cls == rtp::PacketClass::kRtp && !cfg->has_srtp_ingress && !cfg->has_srtp_egress &&
        !ctx_.ports[cfg->egress_port].offload.udp &&
        (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
        payload_sum = ingress_payload_sum(f, p);
    }

    // Source policy.
    if (cfg->latching != Latching::kOff) {
        const std::uint8_t* src_ip = f + p.src_ip_offset();
        if (!flow->latched.load(std::memory_order_relaxed)) {
            const bool configured =
                spec.latching == Latching::kStrict && !spec.remote.address.is_unspecified();
            flowapi::Endpoint source;
            if (configured) {
                source = spec.remote;
            } else {
                source.address.family = p.family;
                std::memcpy(source.address.bytes.data(), src_ip, p.ip_size());
                source.port = p.src_port;
            }
            flow->latched_source = source;
            flow->latched.store(true, std::memory_order_release);
            if (!configured) {
                WorkerMessage msg;
                msg.kind = WorkerMessage::Kind::kEvent;
                msg.event = {
                    flowapi::EventKind::kLatched, flow->key, spec.cookie, 0, source, now_ns};
                post(msg);
            }
        }
        if (cfg->latching == Latching::kStrict) {
            const flowapi::Endpoint& want = flow->latched_source;
            if (want.port != p.src_port ||
                std::memcmp(want.address.bytes.data(), src_ip, p.ip_size()) != 0) {
                drop(DropReason::kStrictSource, m, flow);
                return;
            }
        }
    }

    // Per-flow rate limit (rate_meter.hpp): after authentication and the source policy.
    if (cfg->has_rate_limit && !cfg->rate_meter.conform(p.payload_size(), now_ns)) {
        drop(DropReason::kRateLimited, m, flow);
        return;
    }

    if (cls == rtp::PacketClass::kRtcp) {
        if (cfg->rtcp_mode == flowapi::RtcpMode::kTerminate) {
            // Consumed: the agent uses it (SR -> LSR/DLSR, report blocks -> the leg's view).
            RtcpFlowState* st = flow->rtcp.load(std::memory_order_acquire);
            if (st != nullptr && ctx_.rtcp != nullptr)
                ctx_.rtcp->on_rtcp(flow, *cfg, *st, payload, f, now_ns);
            drop(DropReason::kRtcpTerminated, m, flow);
            return;
        }
        flow->rtcp_packets.add(1);
    } else {
        auto view = rtp::RtpView::parse(payload);
        if (!view) {
            drop(DropReason::kRtpInvalid, m, flow);
            return;
        }
        const std::uint32_t ssrc = view->ssrc();
        // RFC 3550 statistics, published under the flow's sequence lock.
        const std::uint32_t seq = flow->stats_seq.load(std::memory_order_relaxed);
        flow->stats_seq.store(seq + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        if (!flow->have_ssrc || flow->ssrc != ssrc) {
            if (flow->have_ssrc) {
                flow->ssrc_changes++;
                WorkerMessage msg;
                msg.kind = WorkerMessage::Kind::kEvent;
                msg.event = {
                    flowapi::EventKind::kSsrcChange, flow->key, spec.cookie, ssrc, {}, now_ns};
                post(msg);
            }
            flow->have_ssrc = true;
            flow->ssrc = ssrc;
            flow->stats = rtp::RtpSourceStatistics(spec.clock_rate);
        }
        (void)flow->stats.on_packet(view->sequence_number(), view->timestamp(), now_ns);
        flow->stats_seq.store(seq + 2, std::memory_order_release);
        // RTCP agent: transport-cc arrivals, the forwarded stream for SRs (before any rewrite).
        if (cfg->rtcp_mode == flowapi::RtcpMode::kTerminate || cfg->transport_cc_feedback) {
            RtcpFlowState* st = flow->rtcp.load(std::memory_order_acquire);
            if (st != nullptr && ctx_.rtcp != nullptr)
                ctx_.rtcp->on_rtp(flow, *cfg, *st, *view, payload.size(), f, now_ns);
        }
        // Rewrites (of the RTP header only). payload_sum follows them word by word from the
        // values (RFC 1624), never by reading back the bytes just stored.
        if (cfg->rewrites_rtp) {
            std::uint32_t delta = 0;
            if (cfg->remap_pt) {
                const std::uint8_t pt = view->payload_type();
                if (spec.pt_map[pt] != pt) {
                    const std::uint16_t before = rtp::load_be16(payload.data());
                    rtp::set_payload_type(payload, spec.pt_map[pt]);
                    delta += sum_delta(before, rtp::load_be16(payload.data()));
                }
            }
            if (cfg->remap_extensions && view->has_extension()) {
                const std::size_t header = view->header_size();
                const std::uint16_t before = ones_sum(payload.data(), header);
                (void)rtp::remap_extension_ids(payload, spec.extension_map);
                delta += sum_delta(before, ones_sum(payload.data(), header));
            }
            if (cfg->rewrite_ssrc) {
                const std::uint32_t after = *cfg->rewrite_ssrc;
                delta +=
                    sum_delta(static_cast<std::uint16_t>(ssrc >> 16),
                              static_cast<std::uint16_t>(after >> 16)) +
                    sum_delta(static_cast<std::uint16_t>(ssrc), static_cast<std::uint16_t>(after));
                rtp::set_ssrc(payload, after);
            }
            if (cfg->seq_offset) {
                const std::uint16_t before = view->sequence_number();
                const auto after = static_cast<std::uint16_t>(before + *cfg->seq_offset);
                delta += sum_delta(before, after);
                rtp::set_sequence_number(payload, after);
            }
            if (cfg->timestamp_offset) {
                const std::uint32_t before = view->timestamp();
                const std::uint32_t after = before + *cfg->timestamp_offset;
                delta += sum_delta(static_cast<std::uint16_t>(before >> 16),
                                   static_cast<std::uint16_t>(after >> 16)) +
                         sum_delta(static_cast<std::uint16_t>(before),
                                   static_cast<std::uint16_t>(after));
                rtp::set_timestamp(payload, after);
            }
            payload_sum = adjust_payload_sum(payload_sum, delta);
        }
    }
    // SRTP/SRTCP protect for the egress leg: held for one backend call per burst (srtp_protect).
    if (cfg->has_srtp_egress) {
        srtp_hold(m, p, flow, cfg, cls == rtp::PacketClass::kRtcp, now_ns);
        return;
    }
    transmit(m, p, flow, cfg, now_ns, payload_sum);
}

void Worker::transmit(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow, const FlowConfig* cfg,
                      std::int64_t now_ns, PayloadSum payload_sum) noexcept {
    // Next hop: in the template, or resolved per packet.
    const PortContext& out = ctx_.ports[cfg->egress_port];
    std::array<std::uint8_t, 6> resolved;
    const std::uint8_t* dst_mac = nullptr;
    if (!cfg->has_next_hop_mac) {
        const auto family = cfg->egress.v4 ? AddressFamily::kIpv4 : AddressFamily::kIpv6;
        if (!out.neighbours->lookup(family, cfg->egress.destination_ip(), resolved)) {
            WorkerMessage msg;
            msg.kind = WorkerMessage::Kind::kResolve;
            msg.port = cfg->egress_port;
            msg.ip = cfg->egress_destination.address;
            post(msg);
            drop(DropReason::kNeighbourUnresolved, m, flow);
            return;
        }
        dst_mac = resolved.data();
    }
    const std::uint32_t bytes = p.payload_size();
    if (auto ok = apply_egress_template(m, p, cfg->egress, dst_mac, out.offload, payload_sum); !ok)
        [[unlikely]] {
        drop(ok.error(), m, flow);
        return;
    }
    flow->packets.add(1);
    flow->bytes.add(bytes);
    flow->last_packet_unix_ns.store(now_ns, std::memory_order_relaxed);
    send(cfg->egress_port, m);
}

std::uint32_t Worker::poll_once() noexcept {
    const std::int64_t now = ctx_.clock.now_unix_ns();
    std::array<rte_mbuf*, kBurstSize> pkts;
    std::uint32_t handled = 0;
    for (std::uint16_t port = 0; port < ctx_.port_count; ++port) {
        const std::uint16_t n =
            ctx_.rx_rings[port] != nullptr
                ? static_cast<std::uint16_t>(rte_ring_sc_dequeue_burst(
                      ctx_.rx_rings[port], reinterpret_cast<void**>(pkts.data()), kBurstSize,
                      nullptr))
                : rte_eth_rx_burst(ctx_.ports[port].port_id, ctx_.queue, pkts.data(), kBurstSize);
        if (n != 0) process_burst(port, pkts.data(), n, now);
        handled += n;
    }
    // Frames the kernel sends through the exception ports (exception.hpp).
    if (ctx_.exception != nullptr) {
        handled += ctx_.exception->poll(
            [this](std::uint16_t port, rte_mbuf* m) noexcept { send(port, m); });
    }
    if (ctx_.from_control != nullptr) {
        const unsigned n = rte_ring_sc_dequeue_burst(
            ctx_.from_control, reinterpret_cast<void**>(pkts.data()), kBurstSize, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            const std::uint16_t port = pkts[i]->port;
            if (port < ctx_.port_count) {
                send(port, pkts[i]);
            } else {
                drop(DropReason::kNoEgressPort, pkts[i], nullptr);
            }
        }
        handled += n;
    }
    // RTCP reports and transport-cc feedback that are due (a compare when none is).
    if (ctx_.rtcp != nullptr) {
        ctx_.rtcp->advance(now, {this,
                                 [](void* w, std::uint16_t port, rte_mbuf* m) noexcept {
                                     static_cast<Worker*>(w)->send(port, m);
                                 },
                                 srtp_.backend.get()});
    }
    flush();
    rte_rcu_qsbr_quiescent(ctx_.flows->rcu(), ctx_.index);
    return handled;
}

int Worker::run() noexcept {
    rte_rcu_qsbr* rcu = ctx_.flows->rcu();
    rte_rcu_qsbr_thread_register(rcu, ctx_.index);
    rte_rcu_qsbr_thread_online(rcu, ctx_.index);
    // Short sleeps: the default 50 µs timer slack would stretch every one of them.
    if (ctx_.idle_sleep_us != 0) (void)::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    IdleBackoff backoff(ctx_.idle_sleep_us);
    Counter& max_gap = ctx_.counters->max_loop_gap_cycles;
    std::uint64_t last = rte_rdtsc();
    while (!ctx_.stop->load(std::memory_order_relaxed)) {
        const std::uint32_t handled = poll_once();
        const std::uint64_t now = rte_rdtsc();
        if (now - last > max_gap.get()) max_gap.value.store(now - last, std::memory_order_relaxed);
        if (handled != 0) ctx_.counters->busy_cycles.add(now - last);
        last = now;
        const std::uint32_t sleep_us = backoff.after_poll(handled != 0);
        if (sleep_us != 0) {
            // Offline while asleep: the control thread's grace periods do not wait for us.
            rte_rcu_qsbr_thread_offline(rcu, ctx_.index);
            rte_delay_us_sleep(sleep_us);
            rte_rcu_qsbr_thread_online(rcu, ctx_.index);
            ctx_.counters->idle_sleeps.add(1);
            last = rte_rdtsc();
        }
    }
    rte_rcu_qsbr_thread_offline(rcu, ctx_.index);
    rte_rcu_qsbr_thread_unregister(rcu, ctx_.index);
    return 0;
}

}  // namespace rtpx::dataplane
