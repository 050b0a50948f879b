#include "rtpx/sched/steering.hpp"

#include <algorithm>

#include "rtpx/sched/toeplitz.hpp"

namespace rtpx::sched {
namespace {

tl::unexpected<SteeringError> fail(SteeringErrc code, const char* what) {
    return tl::unexpected(SteeringError{code, what});
}

std::size_t input_length(RssInput input) noexcept {
    switch (input) {
        case RssInput::kL4DstOnly: return 2;
        case RssInput::kIpv4Udp: return 12;
        case RssInput::kIpv6Udp: return 36;
    }
    return 2;
}

// The hashed input for a packet to `port`, and the offset of the destination port in it.
std::array<std::uint8_t, 36> rss_input(const RssSpec& spec, std::uint16_t port,
                                       std::size_t& port_offset) noexcept {
    std::array<std::uint8_t, 36> in{};
    const std::size_t addr = spec.input == RssInput::kIpv6Udp ? 16 : 4;
    std::size_t at = 0;
    if (spec.input != RssInput::kL4DstOnly) {
        std::copy_n(spec.remote_addr.begin(), addr, in.begin());
        std::copy_n(spec.local_addr.begin(), addr, in.begin() + static_cast<std::ptrdiff_t>(addr));
        at = 2 * addr;
        in[at] = static_cast<std::uint8_t>(spec.remote_port >> 8);
        in[at + 1] = static_cast<std::uint8_t>(spec.remote_port);
        at += 2;
    }
    port_offset = at;
    in[at] = static_cast<std::uint8_t>(port >> 8);
    in[at + 1] = static_cast<std::uint8_t>(port);
    return in;
}

std::optional<SteeringError> check_range(PortRange range) {
    if (range.first == 0 || range.last < range.first) {
        return SteeringError{SteeringErrc::kBadRange,
                             "relay port range must be non-empty and start above port 0"};
    }
    return std::nullopt;
}

}  // namespace

std::uint16_t rss_queue_of(const RssSpec& spec, std::uint16_t port) noexcept {
    if (spec.reta.empty()) return 0;
    std::size_t offset = 0;
    const auto in = rss_input(spec, port, offset);
    const std::uint32_t hash =
        toeplitz_hash(spec.key, std::span(in.data(), input_length(spec.input)));
    return spec.reta[hash % spec.reta.size()];
}

std::vector<std::uint16_t> default_reta(std::size_t size, std::uint16_t queues) {
    std::vector<std::uint16_t> reta(size);
    for (std::size_t i = 0; i < size; ++i) {
        reta[i] = queues == 0 ? 0 : static_cast<std::uint16_t>(i % queues);
    }
    return reta;
}

tl::expected<SteeringTable, SteeringError> make_rss_table(
    const RssSpec& spec, std::span<const std::uint8_t> worker_of_queue, PortRange range) {
    if (auto e = check_range(range)) return tl::unexpected(*e);
    const std::size_t len = input_length(spec.input);
    if (spec.key.size() < len + 4) {
        return fail(SteeringErrc::kBadKey, "RSS key shorter than the hashed input plus 4 bytes");
    }
    const std::size_t n = spec.reta.size();
    if (n == 0 || (n & (n - 1)) != 0) {
        return fail(SteeringErrc::kBadReta, "RSS redirection table size must be a power of two");
    }
    for (std::uint16_t q : spec.reta) {
        if (q >= worker_of_queue.size()) {
            return fail(SteeringErrc::kBadReta,
                        "RSS redirection table names a queue with no worker entry");
        }
    }
    // Linearity: hash(fixed part with port 0) ^ hash of the two port bytes at their offset.
    std::size_t offset = 0;
    const auto base_input = rss_input(spec, 0, offset);
    const std::uint32_t base = toeplitz_hash(spec.key, std::span(base_input.data(), len));
    const ToeplitzByteTable high(spec.key, offset);
    const ToeplitzByteTable low(spec.key, offset + 1);

    SteeringTable table;
    const std::size_t mask = n - 1;
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        const std::uint32_t hash =
            base ^ high[static_cast<std::uint8_t>(p >> 8)] ^ low[static_cast<std::uint8_t>(p)];
        table.set(static_cast<std::uint16_t>(p), worker_of_queue[spec.reta[hash & mask]]);
    }
    return table;
}

tl::expected<FlowSteering, SteeringError> make_flow_rules(
    PortRange range, std::span<const std::uint8_t> worker_of_queue) {
    if (auto e = check_range(range)) return tl::unexpected(*e);
    const std::size_t queues = worker_of_queue.size();
    if (queues == 0 || queues > kMaxSteeringWorkers) {
        return fail(SteeringErrc::kBadWorkers, "flow steering needs 1 to 255 queues");
    }
    FlowSteering out;
    const std::uint32_t size = static_cast<std::uint32_t>(range.size());
    std::uint32_t start = range.first;
    for (std::size_t q = 0; q < queues; ++q) {
        std::uint32_t end = range.first + static_cast<std::uint32_t>(size * (q + 1) / queues);
        if (q + 1 < queues)
            end = std::min<std::uint32_t>((end + 1) & ~1u, range.last + 1u);
        else
            end = range.last + 1u;
        // [start, end) as aligned power-of-two blocks.
        for (std::uint32_t a = start; a < end;) {
            std::uint32_t block = a == 0 ? 0x10000u : (a & (~a + 1));  // largest alignment of a
            while (a + block > end) block >>= 1;
            out.rules.push_back(FlowRule{static_cast<std::uint16_t>(a),
                                         static_cast<std::uint16_t>(~(block - 1) & 0xFFFFu),
                                         static_cast<std::uint16_t>(q), worker_of_queue[q]});
            for (std::uint32_t p = a; p < a + block; ++p) {
                out.table.set(static_cast<std::uint16_t>(p), worker_of_queue[q]);
            }
            a += block;
        }
        start = std::max(start, end);
    }
    return out;
}

tl::expected<SteeringTable, SteeringError> make_interleaved_table(PortRange range,
                                                                  std::size_t workers) {
    if (auto e = check_range(range)) return tl::unexpected(*e);
    if (workers == 0 || workers > kMaxSteeringWorkers) {
        return fail(SteeringErrc::kBadWorkers, "a dispatcher table needs 1 to 255 workers");
    }
    SteeringTable table;
    const std::uint32_t first_pair = range.first / 2u;
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        table.set(static_cast<std::uint16_t>(p),
                  static_cast<std::uint8_t>((p / 2u - first_pair) % workers));
    }
    return table;
}

RelayPortAllocator::RelayPortAllocator(const SteeringTable& table, PortRange range, PortUnit unit)
    : next_(65536, kEnd), owner_(65536, kNoWorker), in_use_(65536, false) {
    if (range.first == 0 || range.last < range.first) return;
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        const std::uint8_t w = table.worker_of(static_cast<std::uint16_t>(p));
        if (w == kNoWorker) continue;
        if (unit == PortUnit::kPair && (p % 2 != 0 || p + 1 > range.last ||
                                        table.worker_of(static_cast<std::uint16_t>(p + 1)) != w)) {
            continue;
        }
        owner_[p] = w;
        Queue& q = free_[w];
        if (q.tail == kEnd)
            q.head = static_cast<std::uint16_t>(p);
        else
            next_[q.tail] = static_cast<std::uint16_t>(p);
        q.tail = static_cast<std::uint16_t>(p);
        ++q.size;
    }
}

std::optional<std::uint16_t> RelayPortAllocator::allocate(std::uint8_t worker) noexcept {
    if (worker >= kMaxSteeringWorkers) return std::nullopt;
    Queue& q = free_[worker];
    if (q.size == 0) return std::nullopt;
    const std::uint16_t port = q.head;
    q.head = next_[port];
    if (--q.size == 0) q.tail = kEnd;
    next_[port] = kEnd;
    in_use_[port] = true;
    return port;
}

bool RelayPortAllocator::release(std::uint16_t port) noexcept {
    const std::uint8_t w = owner_[port];
    if (w == kNoWorker || !in_use_[port]) return false;
    in_use_[port] = false;
    Queue& q = free_[w];
    if (q.tail == kEnd)
        q.head = port;
    else
        next_[q.tail] = port;
    q.tail = port;
    ++q.size;
    return true;
}

std::size_t RelayPortAllocator::available(std::uint8_t worker) const noexcept {
    return worker < kMaxSteeringWorkers ? free_[worker].size : 0;
}

bool RelayPortAllocator::allocated(std::uint16_t port) const noexcept {
    return in_use_[port];
}

}  // namespace rtpx::sched
