// The SRTP/SRTCP stage: contexts from flow parameters (control thread) and the worker's burst
// unprotect/protect (see srtp_stage.hpp). No heap, lock or log on the worker side.
#include "rtpx/dataplane/srtp_stage.hpp"

#include "rtpx/dataplane/worker.hpp"
#include "rtpx/rtp/demux.hpp"

namespace rtpx::dataplane {

namespace srtp = rtp::srtp;

std::optional<srtp::Suite> backend_suite(flowapi::SrtpSuite suite) noexcept {
    switch (suite) {
        case flowapi::SrtpSuite::kAesCm128HmacSha1_80: return srtp::Suite::kAesCm128HmacSha1_80;
        case flowapi::SrtpSuite::kAesCm128HmacSha1_32: return srtp::Suite::kAesCm128HmacSha1_32;
        case flowapi::SrtpSuite::kAes256CmHmacSha1_80: return srtp::Suite::kAes256CmHmacSha1_80;
        case flowapi::SrtpSuite::kAes256CmHmacSha1_32: return srtp::Suite::kAes256CmHmacSha1_32;
        case flowapi::SrtpSuite::kAeadAes128Gcm: return srtp::Suite::kAeadAes128Gcm;
        case flowapi::SrtpSuite::kAeadAes256Gcm: return srtp::Suite::kAeadAes256Gcm;
        case flowapi::SrtpSuite::kNone:
        case flowapi::SrtpSuite::kAes192CmHmacSha1_80:
        case flowapi::SrtpSuite::kAes192CmHmacSha1_32: break;
    }
    return std::nullopt;
}

tl::expected<SrtpStage, std::string> make_srtp_direction(const flowapi::SrtpParams& params,
                                                         const SrtpStage* previous,
                                                         std::string_view field) {
    SrtpStage stage;
    stage.params = params;
    if (params.suite == flowapi::SrtpSuite::kNone) return stage;
    if (previous != nullptr && previous->context != nullptr && previous->params == params) {
        stage.context = previous->context;  // same keys: keep ROC, replay window, SRTCP index
        return stage;
    }
    const auto suite = backend_suite(params.suite);
    if (!suite) {
        return tl::unexpected(std::string(field) +
                              ".suite: " + std::string(flowapi::suite_info(params.suite).name) +
                              " is not supported by the SRTP backends");
    }
    const auto& info = srtp::suite_info(*suite);
    srtp::SrtpContextParams cp;
    cp.suite = *suite;
    cp.master_key = {params.master_key.data(), info.master_key_len};
    cp.master_salt = {params.master_salt.data(), info.master_salt_len};
    auto context = srtp::SrtpContext::create(cp);
    if (!context) return tl::unexpected(std::string(field) + ": " + context.error().what);
    stage.context = std::shared_ptr<srtp::SrtpContext>(std::move(*context));
    return stage;
}

SrtpWorkerState::SrtpWorkerState() noexcept {
    if (auto b = srtp::make_ipsecmb_backend()) backend = std::move(*b);
}

// ---- Worker: the burst stages
// --------------------------------------------------------------------

void Worker::srtp_failure(FlowEntry* flow, const FlowConfig* cfg, srtp::SrtpStatus status,
                          rte_mbuf* m, std::int64_t now_ns) noexcept {
    drop(DropReason::kSrtpAuth, m, flow);
    if (!counts_as_srtp_failure(status)) return;
    flow->srtp_auth_failures.add(1);
    const std::uint64_t failures = flow->srtp_auth_failures.get();
    const std::uint32_t threshold = ctx_.srtp_failure_threshold;
    if (threshold != 0 && failures % threshold == 0) {
        WorkerMessage msg;
        msg.kind = WorkerMessage::Kind::kEvent;
        msg.event = {
            flowapi::EventKind::kSrtpFailures, flow->key, cfg->spec.cookie, failures, {}, now_ns};
        post(msg);
    }
}

std::uint16_t Worker::srtp_unprotect(rte_mbuf** pkts, ParsedFrame* parsed, FlowEntry** entries,
                                     std::uint16_t n, std::int64_t now_ns) noexcept {
    SrtpWorkerState& s = srtp_;
    std::uint16_t count = 0;
    bool any_rtcp = false;
    for (std::uint16_t j = 0; j < n; ++j) {
        if (entries[j] == nullptr) continue;
        const FlowConfig* cfg = entries[j]->config.load(std::memory_order_acquire);
        if (!cfg->has_srtp_ingress) continue;
        const ParsedFrame& p = parsed[j];
        auto* payload = rte_pktmbuf_mtod(pkts[j], std::uint8_t*) + p.payload_offset();
        const rtp::PacketClass cls = classify_media(rtp::ByteSpan(payload, p.payload_size()));
        // STUN, DTLS and the like are forward()'s to drop: nothing to unprotect.
        if (cls != rtp::PacketClass::kRtp && cls != rtp::PacketClass::kRtcp) continue;
        // Its state line was prefetched when the burst looked the flow up: what this reads of it
        // to find the window word and keys the backend will read is there by now.
        cfg->srtp_ingress_context->prefetch(cls == rtp::PacketClass::kRtp);
        s.packets[count] = {cfg->srtp_ingress_context, payload, p.payload_size(), p.payload_size()};
        s.origin[count] = j;
        s.rtcp[count] = cls == rtp::PacketClass::kRtcp;
        any_rtcp = any_rtcp || s.rtcp[count];
        ++count;
    }
    if (count == 0) return n;
    if (s.backend == nullptr) {
        for (std::uint16_t i = 0; i < count; ++i) s.statuses[i] = srtp::SrtpStatus::kBackendError;
    } else if (!any_rtcp) {
        (void)s.backend->unprotect_rtp({s.packets.data(), count}, {s.statuses.data(), count});
    } else {
        // SRTP and SRTCP go to the backend in separate calls: sort the burst by kind, stably.
        std::array<srtp::SrtpPacket, SrtpWorkerState::kMaxBurst> sorted;
        std::array<std::uint16_t, SrtpWorkerState::kMaxBurst> slot;
        std::uint16_t rtp_count = 0;
        for (std::uint16_t i = 0; i < count; ++i) {
            if (!s.rtcp[i]) slot[i] = rtp_count++;
        }
        std::uint16_t rtcp_index = rtp_count;
        for (std::uint16_t i = 0; i < count; ++i) {
            if (s.rtcp[i]) slot[i] = rtcp_index++;
            sorted[slot[i]] = s.packets[i];
        }
        std::array<srtp::SrtpStatus, SrtpWorkerState::kMaxBurst> sorted_status;
        if (rtp_count != 0) {
            (void)s.backend->unprotect_rtp({sorted.data(), rtp_count},
                                           {sorted_status.data(), rtp_count});
        }
        (void)s.backend->unprotect_rtcp(
            {sorted.data() + rtp_count, static_cast<std::size_t>(count - rtp_count)},
            {sorted_status.data() + rtp_count, static_cast<std::size_t>(count - rtp_count)});
        for (std::uint16_t i = 0; i < count; ++i) {
            s.packets[i] = sorted[slot[i]];
            s.statuses[i] = sorted_status[slot[i]];
        }
    }
    // Verdicts: shrink what authenticated; drop the rest; compact the arrays in order.
    std::uint16_t i = 0;
    std::uint16_t kept = 0;
    for (std::uint16_t j = 0; j < n; ++j) {
        if (i < count && s.origin[i] == j) {
            const auto status = s.statuses[i];
            const std::uint32_t len = s.packets[i].len;
            ++i;
            if (status != srtp::SrtpStatus::kOk) {
                srtp_failure(entries[j], entries[j]->config.load(std::memory_order_acquire), status,
                             pkts[j], now_ns);
                continue;
            }
            parsed[j].l4_size = static_cast<std::uint16_t>(kUdpHeaderSize + len);
        }
        if (kept != j) {
            pkts[kept] = pkts[j];
            parsed[kept] = parsed[j];
            entries[kept] = entries[j];
        }
        ++kept;
    }
    return kept;
}

void Worker::srtp_hold(rte_mbuf* m, const ParsedFrame& p, FlowEntry* flow, const FlowConfig* cfg,
                       bool rtcp, std::int64_t now_ns) noexcept {
    if (srtp_.held_count == srtp_.held.size()) srtp_protect(now_ns);
    cfg->srtp_egress_context->prefetch(!rtcp);  // used at the end of the burst
    srtp_.held[srtp_.held_count++] = {m, flow, cfg, p, rtcp};
}

void Worker::srtp_protect(std::int64_t now_ns) noexcept {
    SrtpWorkerState& s = srtp_;
    const std::uint16_t held = s.held_count;
    if (held == 0) return;
    s.held_count = 0;
    // RTP first, then RTCP: two spans of one array.
    std::uint16_t rtp_count = 0;
    std::uint16_t count = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::uint16_t h = 0; h < held; ++h) {
            SrtpWorkerState::Held& e = s.held[h];
            if (e.rtcp != (pass == 1)) continue;
            s.ok[h] = false;
            srtp::SrtpContext* context = e.cfg->srtp_egress_context;
            rte_mbuf* m = e.m;
            const std::uint32_t len = e.p.payload_size();
            const std::uint32_t trailer =
                e.rtcp ? srtp::srtcp_trailer_len(*context) : srtp::srtp_trailer_len(*context);
            // The trailer goes after the payload, in the mbuf's tailroom (one segment only).
            const std::uint32_t end = e.p.payload_offset() + len;
            const std::uint32_t room = m->nb_segs == 1 && rte_pktmbuf_data_len(m) >= end
                                           ? rte_pktmbuf_data_len(m) - end + rte_pktmbuf_tailroom(m)
                                           : 0;
            if (room < trailer || end + trailer > UINT16_MAX) {
                s.statuses[h] = srtp::SrtpStatus::kNoRoom;
                continue;
            }
            s.packets[count] = {context, rte_pktmbuf_mtod(m, std::uint8_t*) + e.p.payload_offset(),
                                len, len + room};
            s.origin[count] = h;
            ++count;
        }
        if (pass == 0) rtp_count = count;
    }
    if (s.backend != nullptr) {
        // Statuses land in call order; s.statuses is indexed by held position, so use a scratch.
        std::array<srtp::SrtpStatus, SrtpWorkerState::kMaxBurst> called;
        if (rtp_count != 0) {
            (void)s.backend->protect_rtp({s.packets.data(), rtp_count}, {called.data(), rtp_count});
        }
        if (count != rtp_count) {
            (void)s.backend->protect_rtcp(
                {s.packets.data() + rtp_count, static_cast<std::size_t>(count - rtp_count)},
                {called.data() + rtp_count, static_cast<std::size_t>(count - rtp_count)});
        }
        for (std::uint16_t c = 0; c < count; ++c) {
            const std::uint16_t h = s.origin[c];
            s.statuses[h] = called[c];
            if (called[c] != srtp::SrtpStatus::kOk) continue;
            SrtpWorkerState::Held& e = s.held[h];
            const std::uint32_t end = e.p.payload_offset() + s.packets[c].len;
            if (rte_pktmbuf_data_len(e.m) < end) {
                (void)rte_pktmbuf_append(
                    e.m, static_cast<std::uint16_t>(end - rte_pktmbuf_data_len(e.m)));
            }
            e.p.l4_size = static_cast<std::uint16_t>(kUdpHeaderSize + s.packets[c].len);
            s.ok[h] = true;
        }
    } else {
        for (std::uint16_t c = 0; c < count; ++c)
            s.statuses[s.origin[c]] = srtp::SrtpStatus::kBackendError;
    }
    // In arrival order: transmit what was protected; drop the rest.
    for (std::uint16_t h = 0; h < held; ++h) {
        SrtpWorkerState::Held& e = s.held[h];
        if (s.ok[h]) {
            transmit(e.m, e.p, e.flow, e.cfg, now_ns);
        } else {
            drop(s.statuses[h] == srtp::SrtpStatus::kNoRoom ? DropReason::kTooBig
                                                            : DropReason::kSrtpAuth,
                 e.m, e.flow);
        }
    }
}

}  // namespace rtpx::dataplane
