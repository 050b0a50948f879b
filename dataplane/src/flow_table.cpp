#include "rtpx/dataplane/flow_table.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <new>
#include <set>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "rtpx/dataplane/rtcp_agent.hpp"
#include "rtpx/dataplane/srtp_stage.hpp"

namespace rtpx::dataplane {

using flowapi::Batch;
using flowapi::BatchReply;
using flowapi::FlowKey;
using flowapi::FlowSpec;
using flowapi::OpKind;

namespace {

template <class T, class... Args>
T* make_on(int socket, Args&&... args) {
    void* mem = rte_zmalloc_socket(nullptr, sizeof(T), alignof(T) < 64 ? 64 : alignof(T), socket);
    if (mem == nullptr) return nullptr;
    return new (mem) T(std::forward<Args>(args)...);
}

template <class T>
void destroy(T* p) {
    if (p == nullptr) return;
    p->~T();
    rte_free(p);
}

// An entry with room for its first configuration right after it (FlowEntry::inline_config()).
FlowEntry* make_entry(int socket, const FlowSpec& spec) {
    void* mem = rte_zmalloc_socket(nullptr, sizeof(FlowEntry) + sizeof(FlowConfig),
                                   alignof(FlowEntry), socket);
    if (mem == nullptr) return nullptr;
    return new (mem) FlowEntry(spec);
}

// A configuration for `entry` (nullptr: a new entry's, which always has its storage free): in the
// entry's inline storage when that is free, else rte_malloc'd.
FlowConfig* make_config(int socket, FlowEntry* entry) {
    if (entry->inline_config_free) {
        auto* c = new (entry->inline_config()) FlowConfig();
        c->in_entry = true;
        entry->inline_config_free = false;
        return c;
    }
    return make_on<FlowConfig>(socket);
}

void destroy_config(const FlowConfig* config) {
    if (config == nullptr) return;
    auto* c = const_cast<FlowConfig*>(config);
    if (!c->in_entry) {
        destroy(c);
        return;
    }
    // In its entry's storage, which sits right before it.
    FlowEntry* owner = reinterpret_cast<FlowEntry*>(c) - 1;
    c->~FlowConfig();
    owner->inline_config_free = true;
}

void free_entry(FlowEntry* e) {
    if (e == nullptr) return;
    destroy_rtcp_state(e->rtcp.load(std::memory_order_relaxed));
    destroy_config(e->config.load(std::memory_order_relaxed));
    destroy(e);
}

BatchReply reject(std::size_t index, const std::string& what) {
    BatchReply r;
    r.ok = false;
    r.applied = 0;
    r.failed_index = static_cast<std::uint32_t>(index);
    r.error = "ops[" + std::to_string(index) + "]" + what;
    return r;
}

struct KeyLess {
    bool operator()(const FlowHashKey& a, const FlowHashKey& b) const {
        return std::memcmp(&a, &b, sizeof a) < 0;
    }
};

}  // namespace

FlowHashKey make_hash_key(const FlowKey& key) noexcept {
    return make_hash_key(key.address.family, key.address.bytes.data(), key.port);
}

tl::expected<std::unique_ptr<FlowTable>, std::string> FlowTable::create(const std::string& name,
                                                                        std::uint32_t max_flows,
                                                                        std::uint32_t max_workers,
                                                                        int socket) {
    std::unique_ptr<FlowTable> table(new FlowTable());
    table->max_flows_ = max_flows;
    table->socket_ = socket;
    rte_hash_parameters params{};
    params.name = name.c_str();
    // Cuckoo tables fill to ~95% before an insertion fails; leave headroom over max_flows.
    params.entries = max_flows + max_flows / 4 + 64;
    params.key_len = sizeof(FlowHashKey);
    params.hash_func = rte_hash_crc;
    params.hash_func_init_val = 0;
    params.socket_id = socket;
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
    table->hash_ = rte_hash_create(&params);
    if (table->hash_ == nullptr) {
        return tl::unexpected("rte_hash_create " + name + ": " + rte_strerror(rte_errno));
    }
    const std::size_t size = rte_rcu_qsbr_get_memsize(max_workers == 0 ? 1 : max_workers);
    table->rcu_ =
        static_cast<rte_rcu_qsbr*>(rte_zmalloc_socket(nullptr, size, RTE_CACHE_LINE_SIZE, socket));
    if (table->rcu_ == nullptr ||
        rte_rcu_qsbr_init(table->rcu_, max_workers == 0 ? 1 : max_workers) != 0) {
        return tl::unexpected(std::string("RCU QSBR variable: out of memory"));
    }
    return table;
}

FlowTable::~FlowTable() {
    if (rcu_ != nullptr) reclaim(true);
    if (hash_ != nullptr) {
        const void* key = nullptr;
        void* data = nullptr;
        std::uint32_t next = 0;
        while (rte_hash_iterate(hash_, &key, &data, &next) >= 0)
            free_entry(static_cast<FlowEntry*>(data));
        rte_hash_free(hash_);
    }
    rte_free(rcu_);
}

namespace {

void clear_misses(std::uint32_t n, std::uint64_t hits, FlowEntry** entries) noexcept {
    for (std::uint32_t i = 0; i < n; ++i) {
        if ((hits & (std::uint64_t{1} << i)) == 0) entries[i] = nullptr;
    }
}

}  // namespace

void FlowTable::lookup_bulk(const FlowHashKey* const* keys, std::uint32_t n,
                            FlowEntry** entries) const noexcept {
    std::uint64_t hits = 0;
    const int found = rte_hash_lookup_bulk_data(
        hash_, const_cast<const void**>(reinterpret_cast<const void* const*>(keys)), n, &hits,
        reinterpret_cast<void**>(entries));
    if (found != static_cast<int>(n)) clear_misses(n, hits, entries);
}

void FlowTable::lookup_bulk(const FlowHashKey* const* keys, const std::uint32_t* hashes,
                            std::uint32_t n, FlowEntry** entries) const noexcept {
    std::uint64_t hits = 0;
    const int found = rte_hash_lookup_with_hash_bulk_data(
        hash_, const_cast<const void**>(reinterpret_cast<const void* const*>(keys)),
        const_cast<hash_sig_t*>(hashes), n, &hits, reinterpret_cast<void**>(entries));
    if (found != static_cast<int>(n)) clear_misses(n, hits, entries);
}

FlowEntry* FlowTable::find(const FlowKey& key) const noexcept {
    const FlowHashKey k = make_hash_key(key);
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &k, &data) < 0) return nullptr;
    return static_cast<FlowEntry*>(data);
}

void FlowTable::synchronize() noexcept {
    rte_rcu_qsbr_synchronize(rcu_, RTE_QSBR_THRID_INVALID);
}

std::uint32_t FlowTable::size() const noexcept {
    // Deleted keys keep their slot until reclaimed.
    return static_cast<std::uint32_t>(rte_hash_count(hash_)) - retired_keys_;
}

void FlowTable::reclaim(bool wait) noexcept {
    while (!retired_.empty()) {
        Retired& r = retired_.front();
        if (rte_rcu_qsbr_check(rcu_, r.token, wait) != 1) return;
        for (auto pos : r.positions) rte_hash_free_key_with_position(hash_, pos);
        for (auto* e : r.entries) free_entry(e);
        for (const auto* c : r.configs) destroy_config(c);
        retired_keys_ -= static_cast<std::uint32_t>(r.positions.size());
        retired_.pop_front();
    }
}

BatchReply FlowTable::apply(const Batch& batch, const PortAddressBook& ports) {
    struct Prepared {
        OpKind kind;
        FlowHashKey key;
        FlowEntry* entry = nullptr;       // existing (modify, delete) or new (add)
        FlowConfig* config = nullptr;     // new (add, modify)
        RtcpFlowState* rtcp = nullptr;    // new agent state (add, or a modify that needs it)
        TransportCcState* tcc = nullptr;  // a modify turning transport-cc on for existing state
    };
    reclaim(false);
    std::vector<Prepared> prepared;
    prepared.reserve(batch.ops.size());
    std::set<FlowHashKey, KeyLess> keys;
    std::size_t adds = 0;
    std::size_t deletes = 0;
    std::vector<const flowapi::FlowSpec*> batch_specs;  // for reverse_egress_srtp, when needed
    auto release_prepared = [&] {
        for (auto& p : prepared) {
            destroy_config(p.config);
            destroy_rtcp_state(p.rtcp);
            delete p.tcc;
            if (p.kind == OpKind::kAdd && p.entry != nullptr) {
                destroy_rtcp_state(p.entry->rtcp.load(std::memory_order_relaxed));
                destroy(p.entry);
            }
        }
    };
    // 1. Validate everything and build the new configurations; nothing is visible yet.
    for (std::size_t i = 0; i < batch.ops.size(); ++i) {
        const auto& op = batch.ops[i];
        Prepared p;
        p.kind = op.kind;
        p.key = make_hash_key(op.spec.local);
        if (!keys.insert(p.key).second) {
            release_prepared();
            return reject(i, ": flow " + to_string(op.spec.local) + " appears twice in the batch");
        }
        FlowEntry* existing = find(op.spec.local);
        if (op.kind == OpKind::kAdd && existing != nullptr) {
            release_prepared();
            return reject(i, ": flow " + to_string(op.spec.local) + " exists (use modify)");
        }
        if (op.kind != OpKind::kAdd && existing == nullptr) {
            release_prepared();
            return reject(i, ": no flow " + to_string(op.spec.local));
        }
        if (op.kind != OpKind::kDelete) {
            if (const auto problem = flowapi::validate(op.spec); problem.field != nullptr) {
                release_prepared();
                return reject(i, std::string(".") + problem.field + ": " + problem.what);
            }
            // SRTP contexts (control thread); a modify keeps those whose parameters are unchanged.
            const FlowConfig* previous =
                existing != nullptr ? existing->config.load(std::memory_order_acquire) : nullptr;
            auto srtp_in = make_srtp_direction(
                op.spec.srtp_ingress, previous ? &previous->srtp_ingress : nullptr, "srtp_ingress");
            auto srtp_out = make_srtp_direction(
                op.spec.srtp_egress, previous ? &previous->srtp_egress : nullptr, "srtp_egress");
            if (!srtp_in || !srtp_out) {
                release_prepared();
                return reject(i, "." + (!srtp_in ? srtp_in.error() : srtp_out.error()));
            }
            // SRTCP towards the ingress leg for generated RTCP (rtcp_agent.hpp).
            tl::expected<SrtpStage, std::string> srtcp_in = SrtpStage{};
            if (needs_rtcp_state(op.spec)) {
                if (batch_specs.empty()) {
                    for (const auto& o : batch.ops) batch_specs.push_back(&o.spec);
                }
                const FlowEntry* reverse = find(op.spec.egress_source);
                const flowapi::FlowSpec* installed =
                    reverse != nullptr ? &reverse->config.load(std::memory_order_acquire)->spec
                                       : nullptr;
                srtcp_in = make_srtp_direction(reverse_egress_srtp(op.spec, batch_specs, installed),
                                               previous ? &previous->srtcp_to_ingress : nullptr,
                                               "srtp_egress (reverse)");
                if (!srtcp_in) {
                    release_prepared();
                    return reject(i, "." + srtcp_in.error());
                }
            }
            if (ports.port_of(op.spec.local.address) < 0) {
                release_prepared();
                return reject(i, ".local.address: " + to_string(op.spec.local.address) +
                                     " is not a media address of any port");
            }
            const int egress = ports.port_of(op.spec.egress_source.address);
            if (egress < 0) {
                release_prepared();
                return reject(
                    i, ".egress_source.address: " + to_string(op.spec.egress_source.address) +
                           " is not a media address of any port");
            }
            tl::expected<RateMeter, std::string> meter = RateMeter{};
            if (op.spec.rate_limit.enabled()) {
                meter = RateMeter::make(op.spec.rate_limit, rte_get_tsc_hz());
                if (!meter) {
                    release_prepared();
                    return reject(i, "." + meter.error());
                }
            }
            if (op.kind == OpKind::kAdd) {
                p.entry = make_entry(socket_, op.spec);
                if (p.entry == nullptr) {
                    release_prepared();
                    return reject(i, ": out of memory");
                }
            }
            p.config = make_config(socket_, op.kind == OpKind::kAdd ? p.entry : existing);
            if (p.config == nullptr) {
                prepared.push_back(p);
                release_prepared();
                return reject(i, ": out of memory");
            }
            FlowConfig& c = *p.config;
            c.spec = op.spec;
            c.egress_port = static_cast<std::uint16_t>(egress);
            ports.describe_port(egress, c);
            if (op.spec.next_hop_mac) {
                c.has_next_hop_mac = true;
                c.next_hop_mac = *op.spec.next_hop_mac;
            }
            static const flowapi::PayloadTypeMap kIdentityPt = flowapi::identity_pt_map();
            static const flowapi::ExtensionIdMap kIdentityExt = flowapi::identity_extension_map();
            c.remap_pt = op.spec.pt_map != kIdentityPt;
            c.remap_extensions = op.spec.extension_map != kIdentityExt;
            c.srtp_ingress = std::move(*srtp_in);
            c.srtp_egress = std::move(*srtp_out);
            c.srtcp_to_ingress = std::move(*srtcp_in);
            c.rate_meter = *meter;
            c.has_rate_limit = c.rate_meter.enabled();
            c.has_srtp_ingress = c.srtp_ingress.enabled();
            c.has_srtp_egress = c.srtp_egress.enabled();
            c.srtp_ingress_context = c.srtp_ingress.context.get();
            c.srtp_egress_context = c.srtp_egress.context.get();
            // The egress headers, and the hot copies of the spec (FlowConfig's first two lines).
            EgressHeaders out;
            out.src_mac = c.egress_mac;
            out.dst_mac = c.next_hop_mac;
            out.vlan = c.egress_vlan;
            out.source = op.spec.egress_source;
            out.destination = op.spec.egress_destination;
            c.egress = make_egress_template(out);
            c.rewrites_rtp = c.remap_pt || c.remap_extensions || op.spec.rewrite_ssrc ||
                             op.spec.seq_offset || op.spec.timestamp_offset;
            c.latching = op.spec.latching;
            c.rtcp_mode = op.spec.rtcp_mode;
            c.transport_cc_feedback = op.spec.transport_cc_feedback;
            c.transport_cc_extension_id = op.spec.transport_cc_extension_id;
            c.clock_rate = op.spec.clock_rate;
            c.rewrite_ssrc = op.spec.rewrite_ssrc;
            c.seq_offset = op.spec.seq_offset;
            c.timestamp_offset = op.spec.timestamp_offset;
            c.egress_source = op.spec.egress_source;
            c.egress_destination = op.spec.egress_destination;
            // RTCP agent state, allocated here (never on a worker); a modify that turns the
            // agent on publishes it before the configuration that needs it.
            if (needs_rtcp_state(op.spec) &&
                (existing == nullptr ||
                 existing->rtcp.load(std::memory_order_relaxed) == nullptr)) {
                p.rtcp = make_rtcp_state(op.spec);
            } else if (op.spec.transport_cc_feedback && existing != nullptr) {
                RtcpFlowState* st = existing->rtcp.load(std::memory_order_relaxed);
                if (st != nullptr && st->tcc.load(std::memory_order_relaxed) == nullptr) {
                    p.tcc = new TransportCcState;
                }
            }
        }
        if (op.kind == OpKind::kAdd) {
            p.entry->config.store(p.config, std::memory_order_relaxed);
            p.entry->rtcp.store(p.rtcp, std::memory_order_relaxed);
            p.rtcp = nullptr;
            ++adds;
        } else {
            p.entry = existing;
            if (op.kind == OpKind::kDelete) ++deletes;
        }
        prepared.push_back(p);
    }
    if (size() + adds > max_flows_ + deletes) {
        release_prepared();
        BatchReply r;
        r.ok = false;
        r.failed_index = 0;
        r.error = "batch: the flow table holds at most " + std::to_string(max_flows_) + " flows";
        return r;
    }
    // Deleted keys hold their slots until reclaimed: keep the cuckoo table's load comfortable.
    if (adds > 0 && !retired_.empty() &&
        rte_hash_count(hash_) + adds > std::size_t{max_flows_} + max_flows_ / 8) {
        reclaim(true);
    }
    // 2. Adds first: the only step that can fail (a full cuckoo path). Roll back on failure.
    std::size_t added = 0;
    for (std::size_t i = 0; i < prepared.size(); ++i) {
        auto& p = prepared[i];
        if (p.kind != OpKind::kAdd) continue;
        if (rte_hash_add_key_data(hash_, &p.key, p.entry) < 0) {
            for (std::size_t j = 0; j < i; ++j) {
                if (prepared[j].kind != OpKind::kAdd) continue;
                const std::int32_t pos = rte_hash_del_key(hash_, &prepared[j].key);
                if (pos >= 0) {
                    synchronize();
                    rte_hash_free_key_with_position(hash_, pos);
                }
            }
            release_prepared();
            return reject(i, ": no room in the flow table's buckets");
        }
        ++added;
    }
    // 3. Modifies swap configurations; deletes unlink entries. Neither can fail.
    Retired retired;
    for (auto& p : prepared) {
        if (p.kind == OpKind::kModify) {
            if (p.rtcp != nullptr) p.entry->rtcp.store(p.rtcp, std::memory_order_release);
            if (p.tcc != nullptr) {
                p.entry->rtcp.load(std::memory_order_relaxed)
                    ->tcc.store(p.tcc, std::memory_order_release);
            }
            p.rtcp = nullptr;
            p.tcc = nullptr;
            retired.configs.push_back(
                p.entry->config.exchange(p.config, std::memory_order_release));
            p.config = nullptr;
        } else if (p.kind == OpKind::kDelete) {
            const std::int32_t pos = rte_hash_del_key(hash_, &p.key);
            if (pos >= 0) retired.positions.push_back(pos);
            retired.entries.push_back(p.entry);
        }
    }
    // 4. One grace period for the whole batch, reclaimed by a later call once it has passed.
    if (!retired.configs.empty() || !retired.entries.empty()) {
        retired.token = rte_rcu_qsbr_start(rcu_);
        retired_keys_ += static_cast<std::uint32_t>(retired.positions.size());
        retired_.push_back(std::move(retired));
        reclaim(false);
    }
    BatchReply r;
    r.ok = true;
    r.applied = static_cast<std::uint32_t>(batch.ops.size());
    (void)added;
    return r;
}

void FlowTable::for_each(const std::function<void(const FlowEntry&)>& f) const {
    const void* key = nullptr;
    void* data = nullptr;
    std::uint32_t next = 0;
    while (rte_hash_iterate(hash_, &key, &data, &next) >= 0)
        f(*static_cast<const FlowEntry*>(data));
}

std::vector<FlowSpec> FlowTable::dump() const {
    std::vector<FlowSpec> out;
    for_each(
        [&](const FlowEntry& e) { out.push_back(e.config.load(std::memory_order_acquire)->spec); });
    return out;
}

std::vector<flowapi::FlowStats> FlowTable::stats(const std::vector<FlowKey>& keys) const {
    std::vector<flowapi::FlowStats> out;
    if (keys.empty()) {
        for_each([&](const FlowEntry& e) { out.push_back(snapshot(e)); });
        return out;
    }
    for (const auto& k : keys) {
        if (const FlowEntry* e = find(k)) out.push_back(snapshot(*e));
    }
    return out;
}

flowapi::FlowStats snapshot(const FlowEntry& e) {
    flowapi::FlowStats s;
    s.key = e.key;
    s.cookie = e.config.load(std::memory_order_acquire)->spec.cookie;
    if (e.latched.load(std::memory_order_acquire)) s.latched = e.latched_source;
    auto& c = s.counters;
    c.packets = e.packets.get();
    c.bytes = e.bytes.get();
    c.rtcp_packets = e.rtcp_packets.get();
    c.srtp_auth_failures = e.srtp_auth_failures.get();
    for (std::size_t i = 0; i < c.drops.size(); ++i) c.drops[i] = e.drops[i].get();
    c.last_packet_unix_ns = e.last_packet_unix_ns.load(std::memory_order_relaxed);
    if (const RtcpFlowState* st = e.rtcp.load(std::memory_order_acquire)) {
        s.estimated_bitrate_bps = st->estimated_bitrate_bps.load(std::memory_order_relaxed);
    }
    // Sequence lock: copy while the count is even and unchanged across the copy.
    for (;;) {
        const std::uint32_t before = e.stats_seq.load(std::memory_order_acquire);
        if ((before & 1) != 0) continue;
        const rtp::RtpSourceStatistics stats = e.stats;
        const std::uint32_t ssrc = e.ssrc;
        const std::uint64_t changes = e.ssrc_changes;
        std::atomic_thread_fence(std::memory_order_acquire);
        if (e.stats_seq.load(std::memory_order_relaxed) != before) continue;
        s.rtp.ssrc = ssrc;
        s.rtp.ssrc_changes = changes;
        s.rtp.validated = stats.validated();
        s.rtp.received = stats.received();
        s.rtp.expected = stats.expected();
        s.rtp.cumulative_lost = stats.cumulative_lost();
        s.rtp.extended_highest_seq = stats.extended_highest_seq();
        s.rtp.jitter = stats.jitter();
        s.rtp.duplicates = stats.duplicates();
        s.rtp.reordered = stats.reordered();
        break;
    }
    return s;
}

}  // namespace rtpx::dataplane
