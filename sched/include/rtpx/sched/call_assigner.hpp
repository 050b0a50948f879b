// Load-aware assignment of new calls to workers: both legs of a call go to one worker (so a
// packet is relayed by the lcore that received it, with no cross-core hop), the least loaded by
// expected packet rate. The control plane keeps one CallAssigner per data plane, assigns on
// offer, and releases on teardown; it then allocates the call's relay ports on that worker
// (RelayPortAllocator), which steering makes the NIC deliver there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtpx/sched/steering.hpp"

namespace rtpx::sched {

// Packets per second a worker receives for one relayed call: each stream is received from both
// legs, 1000 / ptime packets per second each way (ptime in ms, RFC 4566; 20 ms when unknown).
[[nodiscard]] constexpr std::uint32_t expected_packet_rate(std::uint32_t ptime_ms,
                                                           std::uint32_t streams = 1) noexcept {
    if (ptime_ms == 0) ptime_ms = 20;
    return streams * 2 * ((1000 + ptime_ms - 1) / ptime_ms);
}

struct CallAssignment {
    std::uint8_t worker = kNoWorker;
    std::uint32_t packets_per_second = 0;
};

class CallAssigner {
  public:
    explicit CallAssigner(std::size_t workers) noexcept;

    // The enabled worker with the lowest expected packet rate (ties: fewest calls, then lowest
    // index), charged with `packets_per_second`; nullopt when no worker is enabled.
    [[nodiscard]] std::optional<CallAssignment> assign(std::uint32_t packets_per_second) noexcept {
        return assign_if(packets_per_second, [](std::uint8_t) { return true; });
    }

    // Same, among the workers for which eligible(worker) holds, e.g. "has two free relay
    // ports": [&](std::uint8_t w) { return ports.available(w) >= 2; }.
    template <class Eligible>
    [[nodiscard]] std::optional<CallAssignment> assign_if(std::uint32_t packets_per_second,
                                                          Eligible&& eligible) noexcept;

    // Undoes an assignment (call ended). Unknown workers are ignored.
    void release(const CallAssignment& assignment) noexcept;

    // A disabled worker gets no new calls (draining it); its calls stay until released.
    void set_enabled(std::uint8_t worker, bool enabled) noexcept;

    [[nodiscard]] std::uint64_t load(std::uint8_t worker) const noexcept;
    [[nodiscard]] std::uint32_t calls(std::uint8_t worker) const noexcept;
    [[nodiscard]] std::size_t workers() const noexcept { return workers_; }

  private:
    struct Worker {
        std::uint64_t packets_per_second = 0;
        std::uint32_t calls = 0;
        bool enabled = true;
    };
    std::array<Worker, kMaxSteeringWorkers> state_{};
    std::size_t workers_;
};

template <class Eligible>
std::optional<CallAssignment> CallAssigner::assign_if(std::uint32_t packets_per_second,
                                                      Eligible&& eligible) noexcept {
    std::size_t best = workers_;
    for (std::size_t w = 0; w < workers_; ++w) {
        const Worker& s = state_[w];
        if (!s.enabled || !eligible(static_cast<std::uint8_t>(w))) continue;
        if (best == workers_ || s.packets_per_second < state_[best].packets_per_second ||
            (s.packets_per_second == state_[best].packets_per_second &&
             s.calls < state_[best].calls)) {
            best = w;
        }
    }
    if (best == workers_) return std::nullopt;
    state_[best].packets_per_second += packets_per_second;
    ++state_[best].calls;
    return CallAssignment{static_cast<std::uint8_t>(best), packets_per_second};
}

}  // namespace rtpx::sched
