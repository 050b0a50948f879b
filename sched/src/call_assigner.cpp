#include "rtpx/sched/call_assigner.hpp"

#include <algorithm>

namespace rtpx::sched {

CallAssigner::CallAssigner(std::size_t workers) noexcept
    : workers_(std::min(workers, kMaxSteeringWorkers)) {}

void CallAssigner::release(const CallAssignment& assignment) noexcept {
    if (assignment.worker >= workers_) return;
    Worker& s = state_[assignment.worker];
    s.packets_per_second -=
        std::min<std::uint64_t>(s.packets_per_second, assignment.packets_per_second);
    if (s.calls > 0) --s.calls;
}

void CallAssigner::set_enabled(std::uint8_t worker, bool enabled) noexcept {
    if (worker < workers_) state_[worker].enabled = enabled;
}

std::uint64_t CallAssigner::load(std::uint8_t worker) const noexcept {
    return worker < workers_ ? state_[worker].packets_per_second : 0;
}

std::uint32_t CallAssigner::calls(std::uint8_t worker) const noexcept {
    return worker < workers_ ? state_[worker].calls : 0;
}

}  // namespace rtpx::sched
