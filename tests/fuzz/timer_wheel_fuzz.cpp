// Drives sched/'s TimerWheel with arbitrary operation sequences (arm, also in the past; cancel and
// reschedule of live and stale handles; advance forwards, standing still and backwards; callbacks
// that re-arm) and checks it against the reference model after every step (see
// tests/sched/timer_wheel_model.hpp for the encoding and the rule checked).
//
// Input: the first 8 bytes pick the start time; the rest are operations.
#include <cstddef>
#include <cstdint>
#include <span>

#include "../sched/timer_wheel_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::uint64_t start = 0;
    std::size_t i = 0;
    for (; i < 8 && i < size; ++i) start = start << 8 | data[i];
    start >>= 8;  // keep far from wrapping: the harness adds spans of up to 2^44 ticks
    rtpx::sched::test::TimerWheelHarness harness(start);
    if (harness.run(std::span(data + i, size - i))) __builtin_trap();
    return 0;
}
