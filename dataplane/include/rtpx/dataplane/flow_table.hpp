// The flow table: an rte_hash keyed on the local media address and port, with lock-free
// reader/writer concurrency (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF). Workers look flows up in
// bulk and write only their flows' mutable state; one control thread applies batches. Entries and
// configurations that a batch replaces or deletes are reclaimed after an RCU QSBR grace period
// (workers report a quiescent state once per loop), so a worker never sees freed memory and is
// never stalled; the control thread does not wait either: each batch starts a grace period
// (rte_rcu_qsbr_start) and later batches free what earlier grace periods cover.
//
// A flow entry is split in two: an immutable FlowConfig (the spec plus what the data plane derived
// from it: egress port, MACs), swapped atomically by a modify, and the mutable FlowState
// (counters, latching, RFC 3550 statistics), which survives a modify.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include "rtpx/dataplane/packet.hpp"
#include "rtpx/dataplane/rate_meter.hpp"
#include "rtpx/flowapi/wire.hpp"
#include "rtpx/rtp/receive_statistics.hpp"
#include "rtpx/rtp/srtp/context.hpp"

namespace rtpx::dataplane {

struct RtcpFlowState;  // rtcp_agent.hpp

// The hash key: 16 address bytes (IPv4 in the first 4), port, family; padding explicit and zeroed.
// 8-byte aligned: rte_hash_crc reads it in 8-byte words. 32 bytes: rte_hash compares keys of 16,
// 32, 48 ... bytes with vector instructions, any other length with memcmp.
struct alignas(8) FlowHashKey {
    std::uint8_t address[16];
    std::uint16_t port;
    std::uint8_t family;
    std::uint8_t pad[13];
};
static_assert(sizeof(FlowHashKey) == 32);

[[nodiscard]] FlowHashKey make_hash_key(const flowapi::FlowKey& key) noexcept;
[[nodiscard]] inline FlowHashKey make_hash_key(flowapi::AddressFamily family,
                                               const std::uint8_t* ip,
                                               std::uint16_t port) noexcept {
    FlowHashKey k{};
    __builtin_memcpy(k.address, ip, family == flowapi::AddressFamily::kIpv4 ? 4 : 16);
    k.port = port;
    k.family = static_cast<std::uint8_t>(family);
    return k;
}

// The table's hash of a key: rte_hash_crc over its 32 octets (FlowTable's hash_func), which the
// workers compute themselves (fill_hash_key) and hand to the bulk lookup.
[[nodiscard]] inline std::uint32_t flow_hash(const FlowHashKey& key) noexcept {
    return rte_hash_crc(&key, sizeof key, 0);
}

// make_hash_key into `key` in four 8-octet stores (the bucket compare reads keys in words: narrow
// stores followed by wide loads stall store forwarding); returns flow_hash(key), computed from the
// words in registers (no indirect call per key inside rte_hash).
inline std::uint32_t fill_hash_key(FlowHashKey& key, flowapi::AddressFamily family,
                                   const std::uint8_t* ip, std::uint16_t port) noexcept {
    if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
        std::uint64_t w[4] = {0, 0, 0, 0};
        if (family == flowapi::AddressFamily::kIpv4) {
            std::uint32_t a;
            __builtin_memcpy(&a, ip, 4);
            w[0] = a;
        } else {
            __builtin_memcpy(&w[0], ip, 8);
            __builtin_memcpy(&w[1], ip + 8, 8);
        }
        // port at octet 16, family at 18 (FlowHashKey's layout, little-endian).
        w[2] = std::uint64_t{port} | (std::uint64_t{static_cast<std::uint8_t>(family)} << 16);
        __builtin_memcpy(&key, w, sizeof w);
        std::uint32_t h = 0;
        for (const std::uint64_t word : w) h = rte_hash_crc_8byte(word, h);
        return h;
    } else {
        key = make_hash_key(family, ip, port);
        return flow_hash(key);
    }
}
static_assert(offsetof(FlowHashKey, port) == 16 && offsetof(FlowHashKey, family) == 18);

// One direction's SRTP: the parameters and the context built from them on the control thread
// (see srtp_stage.hpp). The context is shared by the configurations a modify swaps while its
// parameters stay the same, so its ROC and replay state survive; only the flow's owning worker
// uses it.
struct SrtpStage {
    flowapi::SrtpParams params;
    std::shared_ptr<rtp::srtp::SrtpContext> context;
    [[nodiscard]] bool enabled() const noexcept { return context != nullptr; }
};

// What workers read for a flow; immutable once published. The first two cache lines hold all the
// plain path reads: the egress header template (what the data plane derived from the spec and the
// egress port) and copies of the spec's hot fields, made by FlowTable::apply; the spec itself (PT
// and extension maps, keys) is read on slower paths only. A flow's first configuration is
// allocated with its entry (FlowEntry::inline_config()), so a burst prefetches both without
// waiting for the pointer.
struct alignas(64) FlowConfig {
    // Line 0: the flags every packet tests, then the template (an IPv4 one without VLAN ends at
    // octet 64).
    std::uint16_t egress_port = 0;
    bool has_next_hop_mac = false;  // else: the neighbour table, per packet
    bool remap_pt = false;
    bool remap_extensions = false;
    // srtp_*.enabled() (one SRTP flag per direction, read by the SRTP stages and forward()).
    bool has_srtp_ingress = false;
    bool has_srtp_egress = false;
    bool has_rate_limit = false;  // rate_meter.enabled()
    flowapi::Latching latching = flowapi::Latching::kOff;
    flowapi::RtcpMode rtcp_mode = flowapi::RtcpMode::kPassThrough;
    // What the RTCP agent reads per RTP packet (transport-cc recording, send clock).
    bool transport_cc_feedback = false;
    // remap_pt || remap_extensions || rewrite_ssrc || seq_offset || timestamp_offset: one test
    // for a relay that rewrites nothing in RTP.
    bool rewrites_rtp = false;
    EgressTemplate egress;
    // Line 1: the SRTP contexts (srtp_*.context.get(), or null), read when the burst prefetches
    // them, and the RTP rewrites.
    rtp::srtp::SrtpContext* srtp_ingress_context = nullptr;
    rtp::srtp::SrtpContext* srtp_egress_context = nullptr;
    std::optional<std::uint32_t> rewrite_ssrc;
    std::optional<std::uint16_t> seq_offset;
    std::optional<std::uint32_t> timestamp_offset;

    // What the RTCP agent reads (transport-cc recording, RTP clock).
    std::uint8_t transport_cc_extension_id = 0;
    std::uint32_t clock_rate = 8000;

    // Slower paths (RTCP agent, neighbour resolution messages).
    std::array<std::uint8_t, 6> egress_mac{};  // the egress port's MAC (source of rewritten frames)
    std::uint16_t egress_vlan = 0;
    std::array<std::uint8_t, 6> next_hop_mac{};  // from the spec or the port's gateway MAC
    flowapi::Endpoint egress_source;
    flowapi::Endpoint egress_destination;
    bool in_entry = false;  // constructed in its entry's inline_config() storage (not rte_malloc'd)

    flowapi::FlowSpec spec;
    SrtpStage srtp_ingress;
    SrtpStage srtp_egress;
    // SRTCP for the RTCP agent's packets towards the ingress leg (rtcp_agent.hpp): the reverse
    // flow's egress parameters, a context of this flow's own. Only for flows with agent state.
    SrtpStage srtcp_to_ingress;
    // The flow's rate limit: its buckets are the one mutable part of a published configuration,
    // written by the flow's worker only (a modify starts a new configuration with full buckets).
    mutable RateMeter rate_meter;
};

// Single-writer counter: the owning lcore stores, readers load (no read-modify-write).
struct Counter {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t n) noexcept {
        value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get() const noexcept {
        return value.load(std::memory_order_relaxed);
    }
};

struct alignas(64) FlowEntry {
    explicit FlowEntry(const flowapi::FlowSpec& spec) noexcept
        : stats(spec.clock_rate == 0 ? 8000 : spec.clock_rate), key(spec.local) {}

    // Line 0: what every packet reads or writes (written by the owning worker only).
    std::atomic<const FlowConfig*> config{nullptr};
    Counter packets;
    Counter bytes;
    std::atomic<std::int64_t> last_packet_unix_ns{0};
    Counter rtcp_packets;
    // RFC 3550 statistics under a sequence lock: odd while the worker updates them.
    std::atomic<std::uint32_t> stats_seq{0};
    std::uint32_t ssrc = 0;
    bool have_ssrc = false;
    std::atomic<bool> latched{false};
    // RTCP termination / transport-cc state (rtcp_agent.hpp): allocated by the control thread when
    // the flow needs it (set once, never replaced), written by the owning worker, freed with the
    // entry. Checked per RTP packet of agent flows, so on this line.
    std::atomic<RtcpFlowState*> rtcp{nullptr};
    // Lines 1-3.
    alignas(64) rtp::RtpSourceStatistics stats;

    // Read on the slow paths.
    flowapi::FlowKey key;
    flowapi::Endpoint latched_source;  // written before latched is set (release)
    std::uint64_t ssrc_changes = 0;
    Counter srtp_auth_failures;
    std::array<Counter, flowapi::kDropReasonCount> drops;
    // The control thread's: is inline_config() storage free (nothing constructed there, and no
    // worker can still read what was)?
    bool inline_config_free = true;

    // Storage for one FlowConfig right after the entry (the entry is allocated with room for it,
    // FlowTable::apply): a flow's configuration lives there unless a modify found it still in
    // use by the previous one (then it is rte_malloc'd, until the next modify).
    [[nodiscard]] void* inline_config() noexcept { return this + 1; }
    [[nodiscard]] const void* inline_config() const noexcept { return this + 1; }
};
static_assert(sizeof(FlowEntry) % alignof(FlowConfig) == 0);

// Where a flow's addresses live: the control side resolves ports through this.
struct PortAddressBook {
    // The port index that owns `address` as a media address, or -1.
    std::function<int(const flowapi::IpAddress&)> port_of;
    // Fills the egress port's MAC, VLAN and gateway MAC (if configured) for a flow.
    std::function<void(int port, FlowConfig&)> describe_port;
};

class FlowTable {
  public:
    // max_flows entries on `socket`; `max_workers` RCU reader threads (ids 0 .. max_workers-1).
    [[nodiscard]] static tl::expected<std::unique_ptr<FlowTable>, std::string> create(
        const std::string& name, std::uint32_t max_flows, std::uint32_t max_workers, int socket);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    // --- Workers ---------------------------------------------------------------------------
    // Bulk lookup: entries[i] is the flow or nullptr. n <= RTE_HASH_LOOKUP_BULK_MAX.
    void lookup_bulk(const FlowHashKey* const* keys, std::uint32_t n,
                     FlowEntry** entries) const noexcept;
    // The same with each key's flow_hash() already computed (fill_hash_key's result).
    void lookup_bulk(const FlowHashKey* const* keys, const std::uint32_t* hashes, std::uint32_t n,
                     FlowEntry** entries) const noexcept;
    [[nodiscard]] rte_rcu_qsbr* rcu() const noexcept { return rcu_; }

    // --- The control thread (one at a time) --------------------------------------------------
    // Validates every op, then applies all of them or none (the reply names the failing op).
    [[nodiscard]] flowapi::BatchReply apply(const flowapi::Batch& batch,
                                            const PortAddressBook& ports);
    [[nodiscard]] std::vector<flowapi::FlowSpec> dump() const;
    [[nodiscard]] std::vector<flowapi::FlowStats> stats(
        const std::vector<flowapi::FlowKey>& keys) const;
    [[nodiscard]] std::uint32_t size() const noexcept;
    // Frees what replaced or deleted flows left behind once every worker has passed a quiescent
    // state since; `wait` blocks until they all have. apply() calls it, and so should the control
    // loop now and then (a batch never waits for the workers: reclamation is deferred).
    void reclaim(bool wait = false) noexcept;
    [[nodiscard]] std::size_t pending_reclaim() const noexcept { return retired_.size(); }
    // Calls f for every entry (control thread only).
    void for_each(const std::function<void(const FlowEntry&)>& f) const;

  private:
    FlowTable() = default;
    [[nodiscard]] FlowEntry* find(const flowapi::FlowKey& key) const noexcept;
    void synchronize() noexcept;

    // What one batch unlinked, freed after the grace period that `token` starts.
    struct Retired {
        std::uint64_t token = 0;
        std::vector<std::int32_t> positions;  // hash key slots
        std::vector<FlowEntry*> entries;
        std::vector<const FlowConfig*> configs;
    };

    rte_hash* hash_ = nullptr;
    rte_rcu_qsbr* rcu_ = nullptr;
    std::deque<Retired> retired_;
    std::uint32_t retired_keys_ = 0;
    std::uint32_t max_flows_ = 0;
    int socket_ = 0;
};

// A consistent copy of a flow's statistics (control thread; retries while the worker writes).
[[nodiscard]] flowapi::FlowStats snapshot(const FlowEntry& entry);

}  // namespace rtpx::dataplane
