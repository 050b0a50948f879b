// The flow table: an rte_hash keyed on the local media address and port, with lock-free
// reader/writer concurrency (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF). Workers look flows up in
// bulk and write only their flows' mutable state; one control thread applies batches. Entries and
// configurations that a batch replaces or deletes are reclaimed after an RCU QSBR grace period
// (workers report a quiescent state once per loop), so a worker never sees freed memory and is
// never stalled: only the control thread waits.
//
// A flow entry is split in two: an immutable FlowConfig (the spec plus what the data plane derived
// from it: egress port, MACs), swapped atomically by a modify, and the mutable FlowState
// (counters, latching, RFC 3550 statistics), which survives a modify.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "rtpx/flowapi/wire.hpp"
#include "rtpx/rtp/receive_statistics.hpp"
#include "rtpx/rtp/srtp/context.hpp"

namespace rtpx::dataplane {

struct RtcpFlowState;  // rtcp_agent.hpp

// The hash key: 16 address bytes (IPv4 in the first 4), port, family; padding explicit and zeroed.
// 8-byte aligned: rte_hash_crc reads it in 8-byte words.
struct alignas(8) FlowHashKey {
    std::uint8_t address[16];
    std::uint16_t port;
    std::uint8_t family;
    std::uint8_t pad[5];
};
static_assert(sizeof(FlowHashKey) == 24);

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

// One direction's SRTP: the parameters and the context built from them on the control thread
// (see srtp_stage.hpp). The context is shared by the configurations a modify swaps while its
// parameters stay the same, so its ROC and replay state survive; only the flow's owning worker
// uses it.
struct SrtpStage {
    flowapi::SrtpParams params;
    std::shared_ptr<rtp::srtp::SrtpContext> context;
    [[nodiscard]] bool enabled() const noexcept { return context != nullptr; }
};

// What workers read for a flow; immutable once published.
struct FlowConfig {
    flowapi::FlowSpec spec;
    std::uint16_t egress_port = 0;
    std::array<std::uint8_t, 6> egress_mac{};  // the egress port's MAC (source of rewritten frames)
    std::uint16_t egress_vlan = 0;
    bool has_next_hop_mac = false;
    std::array<std::uint8_t, 6> next_hop_mac{};  // from the spec or the port's gateway MAC
    bool remap_pt = false;
    bool remap_extensions = false;
    // srtp_*.enabled(), kept on the cache line workers already read for every packet.
    bool has_srtp_ingress = false;
    bool has_srtp_egress = false;
    SrtpStage srtp_ingress;
    SrtpStage srtp_egress;
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
        : key(spec.local), stats(spec.clock_rate == 0 ? 8000 : spec.clock_rate) {}

    std::atomic<const FlowConfig*> config{nullptr};
    flowapi::FlowKey key;

    // Written by the owning worker only.
    Counter packets;
    Counter bytes;
    Counter rtcp_packets;
    Counter srtp_auth_failures;
    std::array<Counter, flowapi::kDropReasonCount> drops;
    std::atomic<std::int64_t> last_packet_unix_ns{0};
    std::atomic<bool> latched{false};
    flowapi::Endpoint latched_source;  // written before latched is set (release)
    // RFC 3550 statistics under a sequence lock: odd while the worker updates them.
    std::atomic<std::uint32_t> stats_seq{0};
    bool have_ssrc = false;
    std::uint32_t ssrc = 0;
    std::uint64_t ssrc_changes = 0;
    rtp::RtpSourceStatistics stats;
    // RTCP termination / transport-cc state (rtcp_agent.hpp): allocated by the control thread when
    // the flow needs it (set once, never replaced), written by the owning worker, freed with the
    // entry.
    std::atomic<RtcpFlowState*> rtcp{nullptr};
};

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
    [[nodiscard]] rte_rcu_qsbr* rcu() const noexcept { return rcu_; }

    // --- The control thread (one at a time) --------------------------------------------------
    // Validates every op, then applies all of them or none (the reply names the failing op).
    [[nodiscard]] flowapi::BatchReply apply(const flowapi::Batch& batch,
                                            const PortAddressBook& ports);
    [[nodiscard]] std::vector<flowapi::FlowSpec> dump() const;
    [[nodiscard]] std::vector<flowapi::FlowStats> stats(
        const std::vector<flowapi::FlowKey>& keys) const;
    [[nodiscard]] std::uint32_t size() const noexcept;
    // Calls f for every entry (control thread only).
    void for_each(const std::function<void(const FlowEntry&)>& f) const;

  private:
    FlowTable() = default;
    [[nodiscard]] FlowEntry* find(const flowapi::FlowKey& key) const noexcept;
    void synchronize() noexcept;

    rte_hash* hash_ = nullptr;
    rte_rcu_qsbr* rcu_ = nullptr;
    std::uint32_t max_flows_ = 0;
    int socket_ = 0;
};

// A consistent copy of a flow's statistics (control thread; retries while the worker writes).
[[nodiscard]] flowapi::FlowStats snapshot(const FlowEntry& entry);

}  // namespace rtpx::dataplane
