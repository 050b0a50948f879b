#include "rtpx/dataplane/rtcp_agent.hpp"

#include <algorithm>
#include <cstring>

#include "rtpx/rtp/ntp_time.hpp"
#include "rtpx/rtp/rtcp/compound.hpp"
#include "rtpx/rtp/rtcp/receiver_report.hpp"
#include "rtpx/rtp/rtcp/sdes.hpp"
#include "rtpx/rtp/rtcp/sender_report.hpp"
#include "rtpx/rtp/rtcp_interval.hpp"

namespace rtpx::dataplane {

namespace {

constexpr unsigned kSlotShift = 20;  // ~1.05 ms slots: ticks are nanoseconds
constexpr std::size_t kMaxRtcpSize = 512;
constexpr std::size_t kMaxFeedbackSize = 1200;

std::uint32_t ssrc_for(const flowapi::FlowKey& key) noexcept {
    std::uint32_t h = 2166136261u;  // FNV-1a over the flow key: stable across restarts
    for (std::size_t i = 0; i < key.address.size(); ++i) h = (h ^ key.address.bytes[i]) * 16777619u;
    h = (h ^ (key.port >> 8)) * 16777619u;
    h = (h ^ (key.port & 0xFF)) * 16777619u;
    return h == 0 ? 1 : h;
}

// The RTP clock's ticks for a duration.
std::uint32_t rtp_ticks(std::int64_t ns, std::uint32_t clock_rate) noexcept {
    if (ns <= 0) return 0;
    return static_cast<std::uint32_t>(static_cast<unsigned __int128>(ns) * clock_rate /
                                      rtp::kNanosPerSecond);
}

}  // namespace

RtcpFlowState::RtcpFlowState(const flowapi::FlowSpec& spec) : local_ssrc(ssrc_for(spec.local)) {
    if (spec.transport_cc_feedback) tcc.store(new TransportCcState, std::memory_order_relaxed);
}

flowapi::SrtpParams reverse_egress_srtp(const flowapi::FlowSpec& spec,
                                        const std::vector<const flowapi::FlowSpec*>& batch,
                                        const flowapi::FlowSpec* installed) noexcept {
    // The reverse flow receives at our egress source and sends from our local endpoint.
    auto reverse_of = [&](const flowapi::FlowSpec& r) {
        return r.local == spec.egress_source && r.egress_source == spec.local;
    };
    for (const flowapi::FlowSpec* r : batch) {
        if (r != nullptr && r->local == spec.egress_source) {
            return reverse_of(*r) ? r->srtp_egress : flowapi::SrtpParams{};
        }
    }
    if (installed != nullptr && reverse_of(*installed)) return installed->srtp_egress;
    return {};
}

namespace {

// The installed spec at `key` (control thread: the table's only writer), or nullptr.
const flowapi::FlowSpec* installed_spec(const FlowTable& table, const flowapi::FlowKey& key) {
    const FlowHashKey hash_key = make_hash_key(key);
    const FlowHashKey* keys[1] = {&hash_key};
    FlowEntry* entry = nullptr;
    table.lookup_bulk(keys, 1, &entry);
    if (entry == nullptr) return nullptr;
    const FlowConfig* cfg = entry->config.load(std::memory_order_acquire);
    return cfg != nullptr ? &cfg->spec : nullptr;
}

}  // namespace

flowapi::BatchReply apply_with_reverse_rekeys(FlowTable& table, const flowapi::Batch& batch,
                                              const PortAddressBook& ports) {
    auto in_batch = [&](const flowapi::FlowKey& key) {
        return std::any_of(batch.ops.begin(), batch.ops.end(),
                           [&](const flowapi::FlowOp& op) { return op.spec.local == key; });
    };
    flowapi::Batch extended;
    std::vector<std::uint32_t> cause;  // for each extra op: the caller's op that needs it
    auto consider = [&](std::size_t i, const flowapi::FlowKey& reverse,
                        const flowapi::FlowKey& candidate) {
        if (in_batch(candidate)) return;
        for (const auto& op : extended.ops) {
            if (op.spec.local == candidate) return;
        }
        const flowapi::FlowSpec* forward = installed_spec(table, candidate);
        if (forward == nullptr || !needs_rtcp_state(*forward) || forward->egress_source != reverse)
            return;
        extended.ops.push_back({flowapi::OpKind::kModify, *forward});
        cause.push_back(static_cast<std::uint32_t>(i));
    };
    for (std::size_t i = 0; i < batch.ops.size(); ++i) {
        const flowapi::FlowOp& op = batch.ops[i];
        // The flow that treats op's flow as its reverse sits at op's egress source: the new one
        // (add, modify) and the one it had (modify, delete).
        if (op.kind != flowapi::OpKind::kDelete) consider(i, op.spec.local, op.spec.egress_source);
        if (op.kind != flowapi::OpKind::kAdd) {
            if (const flowapi::FlowSpec* old = installed_spec(table, op.spec.local))
                consider(i, op.spec.local, old->egress_source);
        }
    }
    if (extended.ops.empty()) return table.apply(batch, ports);
    extended.ops.insert(extended.ops.begin(), batch.ops.begin(), batch.ops.end());
    flowapi::BatchReply reply = table.apply(extended, ports);
    if (!reply.ok && reply.failed_index >= batch.ops.size()) {
        reply.failed_index = cause[reply.failed_index - batch.ops.size()];
        reply.error = "ops[" + std::to_string(reply.failed_index) +
                      "]: re-keying the RTCP of the flow that is its reverse: " + reply.error;
    }
    reply.applied =
        std::min<std::uint32_t>(reply.applied, static_cast<std::uint32_t>(batch.ops.size()));
    return reply;
}

RtcpFlowState* make_rtcp_state(const flowapi::FlowSpec& spec) {
    return new RtcpFlowState(spec);
}

void destroy_rtcp_state(RtcpFlowState* state) noexcept {
    delete state;
}

RtcpAgent::RtcpAgent(const RtcpAgentConfig& config, const PortContext* ports,
                     std::uint16_t port_count, FlowTable* flows, std::int64_t now_ns)
    : config_(config),
      ports_(ports),
      port_count_(port_count),
      flows_(flows),
      wheel_(sched::TimerWheelConfig{config.max_flows, kSlotShift,
                                     static_cast<std::uint64_t>(now_ns)}),
      slots_(std::make_unique<Slot[]>(config.max_flows)),
      random_state_(config.seed == 0 ? 1 : config.seed) {
    cname_size_ = std::min(config.cname.size(), cname_.size());
    std::memcpy(cname_.data(), config.cname.data(), cname_size_);
    config_.cname = std::string_view(cname_.data(), cname_size_);
    for (std::uint32_t i = config.max_flows; i-- > 0;) {
        slots_[i].next_free = free_slot_;
        free_slot_ = static_cast<std::int32_t>(i);
    }
}

double RtcpAgent::random01() noexcept {
    std::uint64_t x = random_state_;  // xorshift64
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    random_state_ = x;
    return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0);
}

// ---- Worker hooks
// --------------------------------------------------------------------------------

void RtcpAgent::arm(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st,
                    std::int64_t now_ns) noexcept {
    if (free_slot_ < 0) {
        counters_.slots_exhausted.add(1);
        return;
    }
    // The port the flow's packets arrive on: the one owning spec.local.
    for (std::uint16_t p = 0; p < port_count_; ++p) {
        if (ports_[p].identity.owns(cfg.spec.local.address.family,
                                    cfg.spec.local.address.bytes.data())) {
            st.ingress_port = p;
            break;
        }
    }
    st.next_feedback_ns = now_ns + config_.feedback_interval_ns;
    schedule_report(st, false, now_ns);
    std::int64_t due = st.next_report_ns;
    if (cfg.spec.transport_cc_feedback) due = std::min(due, st.next_feedback_ns);
    const std::int32_t index = free_slot_;
    auto handle = wheel_.arm(static_cast<std::uint64_t>(due), static_cast<std::uint64_t>(index));
    if (!handle) {
        counters_.slots_exhausted.add(1);
        return;
    }
    Slot& s = slots_[static_cast<std::size_t>(index)];
    free_slot_ = s.next_free;
    s.key = make_hash_key(cfg.spec.local);
    s.entry = entry;
    st.slot = index;
}

void RtcpAgent::release(std::uint32_t slot) noexcept {
    Slot& s = slots_[slot];
    s.entry = nullptr;
    s.next_free = free_slot_;
    free_slot_ = static_cast<std::int32_t>(slot);
}

void RtcpAgent::schedule_report(RtcpFlowState& st, bool we_sent, std::int64_t now_ns) noexcept {
    // RFC 3550 6.3 with two members (the leg and us); one sender when we forwarded media.
    const double seconds =
        rtp::rtcp_interval(2, we_sent ? 1 : 0, config_.rtcp_bandwidth, we_sent, 100.0 + 28.0,
                           st.initial, random01(), config_.min_interval_s);
    st.next_report_ns = now_ns + static_cast<std::int64_t>(seconds * 1e9);
}

void RtcpAgent::on_rtp(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st,
                       const rtp::RtpView& view, std::size_t size, const std::uint8_t* frame,
                       std::int64_t now_ns) noexcept {
    std::memcpy(st.peer_mac.data(), frame + 6, 6);
    st.have_peer_mac = true;
    // The stream as it leaves (for the SR towards the egress leg).
    st.egress_ts = view.timestamp() + cfg.timestamp_offset.value_or(0);
    st.egress_ts_ns = now_ns;
    st.have_egress_ts = true;
    st.payload_octets += view.payload().size();
    TransportCcState* tcc = st.tcc.load(std::memory_order_acquire);
    if (tcc != nullptr && cfg.transport_cc_feedback && cfg.transport_cc_extension_id != 0) {
        const auto element = view.find_extension_element(cfg.transport_cc_extension_id);
        if (element && element->size() == 2) {
            const std::uint16_t seq = rtp::load_be16(element->data());
            const std::int64_t now_us = now_ns / 1000;
            if (tcc->recorder.on_packet(seq, now_us) == rtp::TransportCcVerdict::kRecorded) {
                counters_.tcc_recorded.add(1);
                if (!tcc->window_started) {
                    tcc->window_started = true;
                    tcc->window_highest = tcc->recorder.highest_sequence() - 1;
                }
                // Send time from the RTP timestamp (the sender's media clock).
                const std::uint32_t ts = view.timestamp();
                if (!tcc->have_send_clock) {
                    tcc->have_send_clock = true;
                    tcc->last_send_ts = ts;
                    tcc->last_send_us = now_us;
                }
                const auto delta = static_cast<std::int32_t>(ts - tcc->last_send_ts);
                tcc->last_send_us += static_cast<std::int64_t>(delta) * 1'000'000 /
                                     static_cast<std::int64_t>(cfg.clock_rate);
                tcc->last_send_ts = ts;
                if (tcc->window_count < tcc->window.size()) {
                    tcc->window[tcc->window_count++] = {tcc->last_send_us, now_us,
                                                        static_cast<std::uint32_t>(size), true};
                }
            }
        }
    }
    if (st.slot < 0) arm(entry, cfg, st, now_ns);
}

void RtcpAgent::on_rtcp(FlowEntry* entry, const FlowConfig& cfg, RtcpFlowState& st,
                        rtp::ByteSpan rtcp, const std::uint8_t* frame,
                        std::int64_t now_ns) noexcept {
    counters_.rtcp_consumed.add(1);
    std::memcpy(st.peer_mac.data(), frame + 6, 6);
    st.have_peer_mac = true;
    const std::uint32_t arrival_compact = rtp::compact_ntp(rtp::ntp_from_unix_ns(now_ns));
    // SRTCP unprotect happened at the worker's SRTP seam before this point.
    const auto parsed =
        rtp::rtcp::for_each_packet(rtcp, [&](const rtp::rtcp::PacketView& p, std::size_t) {
            auto use_block = [&](const rtp::rtcp::ReportBlock& b) {
                st.peer_view = b;
                st.have_peer_view = true;
                if (auto rtt = rtp::rtt_from_report_block(b.lsr, b.dlsr, arrival_compact)) {
                    st.rtt_ns = *rtt;
                }
            };
            switch (rtp::rtcp::classify(p)) {
                case rtp::rtcp::PacketKind::kSr:
                    if (auto sr = rtp::rtcp::SenderReportView::parse(p)) {
                        st.peer_ssrc = sr->ssrc();
                        if (entry->have_ssrc && sr->ssrc() == entry->ssrc) {
                            // LSR/DLSR of our report blocks, under the statistics' sequence lock.
                            const std::uint32_t seq =
                                entry->stats_seq.load(std::memory_order_relaxed);
                            entry->stats_seq.store(seq + 1, std::memory_order_relaxed);
                            std::atomic_thread_fence(std::memory_order_release);
                            entry->stats.on_sender_report(sr->ntp_timestamp(), now_ns);
                            entry->stats_seq.store(seq + 2, std::memory_order_release);
                        }
                        if (sr->report_block_count() > 0) use_block(sr->report_block(0));
                    }
                    break;
                case rtp::rtcp::PacketKind::kRr:
                    if (auto rr = rtp::rtcp::ReceiverReportView::parse(p)) {
                        st.peer_ssrc = rr->ssrc();
                        if (rr->report_block_count() > 0) use_block(rr->report_block(0));
                    }
                    break;
                default: break;  // SDES, BYE, feedback: consumed
            }
        });
    if (!parsed) counters_.rtcp_invalid.add(1);
    if (st.slot < 0) arm(entry, cfg, st, now_ns);
}

// ---- Timers
// --------------------------------------------------------------------------------------

std::size_t RtcpAgent::advance(std::int64_t now_ns, const Emitter& out) noexcept {
    return wheel_.advance(static_cast<std::uint64_t>(now_ns),
                          [&](sched::TimerHandle, std::uint64_t cookie) {
                              on_timer(static_cast<std::uint32_t>(cookie), now_ns, out);
                          });
}

void RtcpAgent::on_timer(std::uint32_t slot, std::int64_t now_ns, const Emitter& out) noexcept {
    Slot& s = slots_[slot];
    // Is the flow still there, and still the one that armed this slot?
    const FlowHashKey* key = &s.key;
    FlowEntry* entry = nullptr;
    flows_->lookup_bulk(&key, 1, &entry);
    RtcpFlowState* st = entry == s.entry && entry != nullptr
                            ? entry->rtcp.load(std::memory_order_acquire)
                            : nullptr;
    if (st == nullptr || st->slot != static_cast<std::int32_t>(slot)) {
        release(slot);
        return;
    }
    const FlowConfig& cfg = *entry->config.load(std::memory_order_acquire);
    const bool terminate = cfg.spec.rtcp_mode == flowapi::RtcpMode::kTerminate;
    const bool tcc = cfg.spec.transport_cc_feedback;
    if (!terminate && !tcc) {  // modified since: nothing left to do
        st->slot = -1;
        release(slot);
        return;
    }
    if (tcc && now_ns >= st->next_feedback_ns) {
        send_feedback(*entry, cfg, *st, now_ns, out);
        st->next_feedback_ns += config_.feedback_interval_ns;
        if (st->next_feedback_ns <= now_ns) st->next_feedback_ns = now_ns + 1;
    }
    if (now_ns >= st->next_report_ns) {
        const bool forwarded = entry->packets.get() != st->packets_at_last_sr;
        if (terminate) send_reports(*entry, cfg, *st, now_ns, out);
        st->initial = false;
        schedule_report(*st, forwarded, now_ns);
    }
    std::int64_t due = st->next_report_ns;
    if (tcc) due = std::min(due, st->next_feedback_ns);
    auto handle = wheel_.arm(static_cast<std::uint64_t>(due), slot);
    if (!handle) {  // cannot happen: this timer's node was just released
        st->slot = -1;
        release(slot);
    }
}

// ---- Generation
// ----------------------------------------------------------------------------------

void RtcpAgent::send_reports(FlowEntry& entry, const FlowConfig& cfg, RtcpFlowState& st,
                             std::int64_t now_ns, const Emitter& out) noexcept {
    const flowapi::FlowSpec& spec = cfg.spec;
    const std::uint64_t ntp = rtp::ntp_from_unix_ns(now_ns);
    std::array<std::uint8_t, kMaxRtcpSize> buf;
    const rtp::rtcp::SdesItem cname{
        rtp::rtcp::SdesItemType::kCname,
        rtp::ByteSpan(reinterpret_cast<const std::uint8_t*>(cname_.data()), cname_size_),
        {}};

    // Towards the ingress leg: RR about the stream it sends us.
    if (entry.have_ssrc) {
        const std::uint32_t seq = entry.stats_seq.load(std::memory_order_relaxed);
        entry.stats_seq.store(seq + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        const rtp::ReportBlock block = entry.stats.make_report_block(entry.ssrc, now_ns);
        entry.stats_seq.store(seq + 2, std::memory_order_release);
        rtp::rtcp::CompoundBuilder compound(buf);
        rtp::rtcp::ReceiverReportBuilder rr;
        rr.ssrc = st.local_ssrc;
        rr.report_blocks = std::span(&block, 1);
        const rtp::rtcp::SdesChunk chunk{st.local_ssrc, std::span(&cname, 1)};
        rtp::rtcp::SdesBuilder sdes;
        sdes.chunks = std::span(&chunk, 1);
        if (compound.append(rr) && compound.append(sdes)) {
            if (send_to_ingress_leg(entry, cfg, st, compound.bytes(), out)) {
                counters_.reports_sent.add(1);
                st.reports_sent.store(st.reports_sent.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
            }
        }
    }

    // Towards the egress leg: SR for the stream we forwarded to it since the last one.
    const std::uint64_t packets = entry.packets.get();
    if (packets != st.packets_at_last_sr && st.have_egress_ts) {
        st.packets_at_last_sr = packets;
        const std::uint32_t egress_ssrc = spec.rewrite_ssrc.value_or(entry.ssrc);
        rtp::rtcp::CompoundBuilder compound(buf);
        rtp::rtcp::SenderReportBuilder sr;
        sr.ssrc = egress_ssrc;
        sr.sender_info.ntp_sec = static_cast<std::uint32_t>(ntp >> 32);
        sr.sender_info.ntp_frac = static_cast<std::uint32_t>(ntp);
        sr.sender_info.rtp_ts = st.egress_ts + rtp_ticks(now_ns - st.egress_ts_ns, spec.clock_rate);
        sr.sender_info.packet_count = static_cast<std::uint32_t>(packets);
        // RTP payload octets (RFC 3550 6.4.1: not the header or padding), as received.
        sr.sender_info.octet_count = static_cast<std::uint32_t>(st.payload_octets);
        const rtp::rtcp::SdesChunk chunk{egress_ssrc, std::span(&cname, 1)};
        rtp::rtcp::SdesBuilder sdes;
        sdes.chunks = std::span(&chunk, 1);
        if (compound.append(sr) && compound.append(sdes)) {
            if (send_to_egress_leg(cfg, compound.bytes(), out)) {
                counters_.reports_sent.add(1);
                st.reports_sent.store(st.reports_sent.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
            }
        }
    }
}

void RtcpAgent::send_feedback(FlowEntry& entry, const FlowConfig& cfg, RtcpFlowState& st,
                              std::int64_t now_ns, const Emitter& out) noexcept {
    TransportCcState* tcc = st.tcc.load(std::memory_order_acquire);
    if (tcc == nullptr) return;
    // GCC over this window: the packets recorded, and those missing from the sequence range.
    const std::int64_t highest = tcc->recorder.highest_sequence();
    if (tcc->window_started) {
        std::int64_t lost =
            highest - tcc->window_highest - static_cast<std::int64_t>(tcc->window_count);
        for (; lost > 0 && tcc->window_count < tcc->window.size(); --lost) {
            tcc->window[tcc->window_count++] = {0, 0, 0, false};
        }
        if (tcc->window_count != 0) {
            tcc->gcc.on_feedback(std::span(tcc->window.data(), tcc->window_count), now_ns / 1000,
                                 st.rtt_ns / 1000);
            st.estimated_bitrate_bps.store(tcc->gcc.target_bitrate_bps(),
                                           std::memory_order_relaxed);
        }
        tcc->window_count = 0;
        tcc->window_highest = highest;
    }
    // The feedback itself, towards the media sender.
    std::array<std::uint8_t, kMaxFeedbackSize> buf;
    while (tcc->recorder.has_unreported()) {
        auto n = tcc->recorder.build_feedback(st.local_ssrc, entry.ssrc, buf);
        if (!n || *n == 0) break;
        if (send_to_ingress_leg(entry, cfg, st, rtp::ByteSpan(buf.data(), *n), out)) {
            counters_.feedback_sent.add(1);
            st.feedback_sent.store(st.feedback_sent.load(std::memory_order_relaxed) + 1,
                                   std::memory_order_relaxed);
        }
    }
}

bool RtcpAgent::send_to_ingress_leg(const FlowEntry& entry, const FlowConfig& cfg,
                                    const RtcpFlowState& st, rtp::ByteSpan payload,
                                    const Emitter& out) noexcept {
    EgressHeaders h;
    const flowapi::FlowSpec& spec = cfg.spec;
    if (entry.latched.load(std::memory_order_acquire)) {
        h.destination = entry.latched_source;
    } else if (!spec.remote.address.is_unspecified() && spec.remote.port != 0) {
        h.destination = spec.remote;
    } else {
        counters_.no_destination.add(1);
        return false;
    }
    if (!st.have_peer_mac || st.ingress_port >= port_count_) {
        counters_.unresolved.add(1);
        return false;
    }
    // The ingress leg speaks SRTP when it sends SRTP; our key towards it is the reverse flow's.
    payload = protect(cfg.has_srtp_ingress || cfg.srtcp_to_ingress.enabled(),
                      cfg.srtcp_to_ingress.context.get(), payload, out);
    if (payload.empty()) return false;
    const PortContext& port = ports_[st.ingress_port];
    h.source = spec.local;
    h.src_mac = port.identity.mac;
    h.dst_mac = st.peer_mac;
    h.vlan = port.identity.vlan;
    return send_frame(st.ingress_port, h, payload, out);
}

bool RtcpAgent::send_to_egress_leg(const FlowConfig& cfg, rtp::ByteSpan payload,
                                   const Emitter& out) noexcept {
    EgressHeaders h;
    h.source = cfg.spec.egress_source;
    h.destination = cfg.spec.egress_destination;
    h.src_mac = cfg.egress_mac;
    h.vlan = cfg.egress_vlan;
    if (cfg.egress_port >= port_count_) return false;
    if (cfg.has_next_hop_mac) {
        h.dst_mac = cfg.next_hop_mac;
    } else if (ports_[cfg.egress_port].neighbours == nullptr ||
               !ports_[cfg.egress_port].neighbours->lookup(
                   h.destination.address.family, h.destination.address.bytes.data(), h.dst_mac)) {
        counters_.unresolved.add(1);  // forward() asks the control thread to resolve it
        return false;
    }
    payload = protect(cfg.has_srtp_egress, cfg.srtp_egress.context.get(), payload, out);
    if (payload.empty()) return false;
    return send_frame(cfg.egress_port, h, payload, out);
}

rtp::ByteSpan RtcpAgent::protect(bool srtp_leg, rtp::srtp::SrtpContext* context,
                                 rtp::ByteSpan payload, const Emitter& out) noexcept {
    if (!srtp_leg) return payload;
    if (context == nullptr || out.srtp == nullptr) {
        counters_.srtcp_unavailable.add(1);
        return {};
    }
    if (payload.size() + rtp::srtp::srtcp_trailer_len(*context) > srtcp_buf_.size()) {
        counters_.srtcp_failed.add(1);
        return {};
    }
    std::memcpy(srtcp_buf_.data(), payload.data(), payload.size());
    rtp::srtp::SrtpPacket packet{context, srtcp_buf_.data(),
                                 static_cast<std::uint32_t>(payload.size()),
                                 static_cast<std::uint32_t>(srtcp_buf_.size())};
    rtp::srtp::SrtpStatus status = rtp::srtp::SrtpStatus::kBackendError;
    (void)out.srtp->protect_rtcp({&packet, 1}, {&status, 1});
    if (status != rtp::srtp::SrtpStatus::kOk) {
        counters_.srtcp_failed.add(1);
        return {};
    }
    counters_.srtcp_protected.add(1);
    return rtp::ByteSpan(srtcp_buf_.data(), packet.len);
}

bool RtcpAgent::send_frame(std::uint16_t port, const EgressHeaders& headers, rtp::ByteSpan payload,
                           const Emitter& out) noexcept {
    rte_mbuf* m = config_.pool != nullptr ? rte_pktmbuf_alloc(config_.pool) : nullptr;
    if (m == nullptr) {
        counters_.no_mbuf.add(1);
        return false;
    }
    // Lay the payload out as if it had arrived in an untagged IPv4 frame; rewrite_headers then
    // writes the real headers (family, VLAN) and checksums.
    constexpr std::uint16_t kL3 = kEthHeaderSize;
    constexpr std::uint16_t kL4 = kL3 + kIpv4HeaderSize;
    const auto total = static_cast<std::uint16_t>(kL4 + kUdpHeaderSize + payload.size());
    auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, total));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        counters_.no_mbuf.add(1);
        return false;
    }
    std::memset(p, 0, kL4 + kUdpHeaderSize);
    std::memcpy(p + kL4 + kUdpHeaderSize, payload.data(), payload.size());
    ParsedFrame frame;
    frame.kind = FrameKind::kUdp;
    frame.family = flowapi::AddressFamily::kIpv4;
    frame.l3_offset = kL3;
    frame.l4_offset = kL4;
    frame.l4_size = static_cast<std::uint16_t>(kUdpHeaderSize + payload.size());
    if (!rewrite_headers(m, frame, headers, ports_[port].offload)) {
        rte_pktmbuf_free(m);
        counters_.no_mbuf.add(1);
        return false;
    }
    out.emit(out.context, port, m);
    return true;
}

}  // namespace rtpx::dataplane
