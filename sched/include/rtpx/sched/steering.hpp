// Flow-to-core steering: which worker receives the packets sent to a relay port, so that the
// control plane can allocate a call's relay ports on the worker it chose (both legs on one core).
//
// Every mode produces the same thing, a SteeringTable (relay port -> worker, 64 KiB flat), and
// differs in how the NIC (or the dispatcher) gets packets there:
//  (a) RSS on the UDP destination port: the NIC hashes the destination port with Toeplitz and
//      picks an RX queue from its redirection table (RETA); make_rss_table() computes, for every
//      relay port, where that lands. With L4_DST_ONLY hashing (i40e, ice, mlx5, ...) the input is
//      the two port bytes alone. A NIC hashing the full 4-tuple makes the queue depend on the
//      remote address and port, which the relay cannot know when it allocates; RssInput::kIpv4Udp
//      / kIpv6Udp compute it for a fixed remote (a trunk to one media gateway), nothing more.
//  (b) rte_flow rules: make_flow_rules() splits the relay port range into one contiguous block per
//      RX queue, each expressed as UDP destination port spec/mask pairs (mask matching is what
//      every rte_flow-capable NIC supports; ranges are not), as data the data plane installs.
//  (c) Dispatcher: one lcore reads a single-queue port and looks each packet's destination port up
//      in the SteeringTable (one byte load) to pick the SPSC ring of its worker;
//      make_interleaved_table() assigns RTP/RTCP port pairs to workers round-robin.
// RelayPortAllocator then hands out free ports (or even/odd pairs) per worker.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::sched {

inline constexpr std::uint8_t kNoWorker = 0xFF;  // not a relay port
inline constexpr std::size_t kMaxSteeringWorkers = 255;

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;  // inclusive
    [[nodiscard]] std::size_t size() const noexcept {
        return last >= first ? std::size_t{last} - first + 1 : 0;
    }
};

enum class SteeringErrc : std::uint8_t {
    kBadRange,    // empty range, or first port 0
    kBadKey,      // RSS key too short for the hashed input
    kBadReta,     // empty redirection table, not a power of two, or naming a queue without worker
    kBadWorkers,  // no worker, too many, or a worker index >= kMaxSteeringWorkers
};

struct SteeringError {
    SteeringErrc code;
    const char* what;  // static text
};

// Relay port -> worker position (in Plan::workers). One byte per port so a dispatcher's lookup
// is a single load; 64 KiB, to be placed NUMA-locally by the data plane.
class SteeringTable {
  public:
    SteeringTable() noexcept { worker_.fill(kNoWorker); }
    [[nodiscard]] std::uint8_t worker_of(std::uint16_t port) const noexcept {
        return worker_[port];
    }
    void set(std::uint16_t port, std::uint8_t worker) noexcept { worker_[port] = worker; }
    [[nodiscard]] const std::array<std::uint8_t, 65536>& bytes() const noexcept { return worker_; }

  private:
    std::array<std::uint8_t, 65536> worker_;
};

// What the NIC hashes for a UDP packet.
enum class RssInput : std::uint8_t {
    kL4DstOnly,  // destination port only (2 bytes)
    kIpv4Udp,    // src addr, dst addr, src port, dst port (12 bytes) with a fixed remote
    kIpv6Udp,    // same with IPv6 addresses (36 bytes)
};

struct RssSpec {
    std::span<const std::uint8_t> key;    // as programmed in the NIC (e.g. 40 or 52 bytes)
    std::span<const std::uint16_t> reta;  // RX queue per RETA entry (size a power of two)
    RssInput input = RssInput::kL4DstOnly;
    // For kIpv4Udp / kIpv6Udp: the fixed remote (source) and the local (destination) address in
    // network byte order (first 4 bytes used for IPv4), and the remote's source port.
    std::array<std::uint8_t, 16> remote_addr{};
    std::array<std::uint8_t, 16> local_addr{};
    std::uint16_t remote_port = 0;
};

// RX queue of a packet to local UDP port `port` under `spec`: reta[hash % reta.size()], the low
// bits of the hash as NICs index their RETA. Reference implementation (bitwise hash).
[[nodiscard]] std::uint16_t rss_queue_of(const RssSpec& spec, std::uint16_t port) noexcept;

// The RSS steering table of a port range: for each port, the worker polling the RX queue the NIC
// sends it to (worker_of_queue[q], kNoWorker for a queue nobody polls).
[[nodiscard]] tl::expected<SteeringTable, SteeringError> make_rss_table(
    const RssSpec& spec, std::span<const std::uint8_t> worker_of_queue, PortRange range);

// Even spread of `queues` RX queues over a RETA of `size` entries (entry i -> queue i % queues),
// what DPDK PMDs program by default.
[[nodiscard]] std::vector<std::uint16_t> default_reta(std::size_t size, std::uint16_t queues);

// One rte_flow rule: UDP destination port matching (port & mask) == spec goes to `queue`.
struct FlowRule {
    std::uint16_t spec = 0;
    std::uint16_t mask = 0;
    std::uint16_t queue = 0;
    std::uint8_t worker = 0;  // position in Plan::workers polling that queue
};

struct FlowSteering {
    std::vector<FlowRule> rules;  // disjoint; install all, in any order
    SteeringTable table;
};

// Splits `range` into one contiguous block per queue (block boundaries on even ports, so an RTP
// port and its RTCP port + 1 stay together), each block as the fewest spec/mask rules.
[[nodiscard]] tl::expected<FlowSteering, SteeringError> make_flow_rules(
    PortRange range, std::span<const std::uint8_t> worker_of_queue);

// Dispatcher table: port pairs (p, p + 1 with p even) of the range to workers round-robin.
[[nodiscard]] tl::expected<SteeringTable, SteeringError> make_interleaved_table(
    PortRange range, std::size_t workers);

enum class PortUnit : std::uint8_t {
    kSingle,  // one port (RTP and RTCP multiplexed, RFC 5761)
    kPair,    // an even RTP port and the odd RTCP port after it, on the same worker
};

// Free relay ports per worker, O(1) allocate and release, released ports reused last (FIFO), so a
// port does not go back into service while late packets of its previous call may still arrive.
// Sized at construction; no allocation afterwards.
class RelayPortAllocator {
  public:
    RelayPortAllocator(const SteeringTable& table, PortRange range, PortUnit unit);

    // A free port (for kPair, the even RTP port of a pair) that `worker` receives, or nullopt
    // when that worker has none left.
    [[nodiscard]] std::optional<std::uint16_t> allocate(std::uint8_t worker) noexcept;
    // Returns an allocated port (the even port for kPair); false if it is not allocated here.
    bool release(std::uint16_t port) noexcept;
    [[nodiscard]] std::size_t available(std::uint8_t worker) const noexcept;
    [[nodiscard]] bool allocated(std::uint16_t port) const noexcept;

  private:
    static constexpr std::uint16_t kEnd = 0;  // port 0 is never a relay port
    struct Queue {
        std::uint16_t head = kEnd;
        std::uint16_t tail = kEnd;
        std::uint32_t size = 0;
    };
    std::array<Queue, kMaxSteeringWorkers> free_{};
    std::vector<std::uint16_t> next_;  // 65536 links of the per-worker free lists
    std::vector<std::uint8_t> owner_;  // worker of each allocation unit, kNoWorker if none
    std::vector<bool> in_use_;
};

}  // namespace rtpx::sched
