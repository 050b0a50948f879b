// A per-lcore hierarchical timer wheel (Varghese & Lauck), advanced from the poll loop with the
// TSC: RTCP report intervals, transport-cc feedback, inactivity timeouts (milliseconds to hours).
//
// - Time is in ticks (TSC cycles, or any monotonic unit); the wheel works in slots of
//   2^slot_shift ticks. Four levels of 256 slots cover 2^32 slots (4.3 days with 87 us slots:
//   slot_shift 18 at 3 GHz); later timers wait on an overflow list, re-examined every 2^32 slots.
// - arm, cancel and reschedule are O(1); advance() costs O(timers fired + timers cascaded +
//   levels) and skips empty stretches of time using per-level occupancy bitmaps.
// - Firing rule, exactly: a timer armed for tick `e` is due in slot s = max(e >> slot_shift,
//   next slot) where "next slot" is the first slot the wheel has not processed yet (now >>
//   slot_shift after the last advance). advance(now) processes every slot below now >>
//   slot_shift, in order. So a timer never fires early (now >= e) and at most one slot late
//   (plus however late the poll loop calls advance).
// - No allocation after construction: timers come from a pool of `capacity` nodes. Handles carry
//   a generation, so cancelling a handle whose timer already fired (or was cancelled, and its
//   node reused) is a safe no-op returning false.
// - Callbacks may arm, cancel and reschedule, including the timer being fired (its handle is
//   already stale when the callback runs). A timer armed from a callback with an expiry already
//   due goes into the next slot, so it fires later in the same advance() only if that advance
//   covers that slot too: a callback re-arming itself "now" cannot loop forever.
// - Not thread-safe: one wheel per lcore, touched only by it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace rtpx::sched {

struct TimerHandle {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // 0 is never a live generation: a default handle is stale
    friend bool operator==(TimerHandle, TimerHandle) = default;
};

enum class TimerErrc : std::uint8_t {
    kPoolExhausted,  // all `capacity` timers are armed
};

struct TimerWheelConfig {
    std::uint32_t capacity = 4096;  // timers that can be armed at once
    unsigned slot_shift = 18;       // a slot is 2^slot_shift ticks
    std::uint64_t start_ticks = 0;  // "now" at creation
};

class TimerWheel {
  public:
    static constexpr unsigned kLevels = 4;
    static constexpr unsigned kSlotBits = 8;
    static constexpr unsigned kSlots = 1u << kSlotBits;

    explicit TimerWheel(const TimerWheelConfig& config);

    // The slot_shift that makes a slot at most `slot_ns` long at `ticks_per_second`.
    [[nodiscard]] static unsigned slot_shift_for(std::uint64_t ticks_per_second,
                                                 std::uint64_t slot_ns) noexcept;

    // Arms a timer due at tick `expires`; `cookie` comes back to the expiry callback.
    [[nodiscard]] tl::expected<TimerHandle, TimerErrc> arm(std::uint64_t expires,
                                                           std::uint64_t cookie) noexcept;
    // Stops a pending timer. False if the handle is stale (fired, cancelled, never armed).
    bool cancel(TimerHandle handle) noexcept;
    // Moves a pending timer to a new expiry, keeping its handle and cookie. False if stale.
    bool reschedule(TimerHandle handle, std::uint64_t expires) noexcept;
    [[nodiscard]] bool pending(TimerHandle handle) const noexcept;

    // Fires every timer due by `now` (see the firing rule above), calling
    // on_expiry(TimerHandle, std::uint64_t cookie) for each, in slot order. Returns how many fired.
    template <class OnExpiry>
    std::size_t advance(std::uint64_t now, OnExpiry&& on_expiry) noexcept;

    [[nodiscard]] std::size_t armed() const noexcept { return armed_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return nodes_.size(); }
    [[nodiscard]] unsigned slot_shift() const noexcept { return shift_; }
    // First slot not yet processed.
    [[nodiscard]] std::uint64_t next_slot() const noexcept { return now_slot_; }

  private:
    static constexpr std::uint32_t kNil = 0xFFFFFFFFu;
    static constexpr std::uint16_t kOverflowList = kLevels * kSlots;
    static constexpr std::uint16_t kExpiringList = kOverflowList + 1;
    static constexpr std::uint16_t kNotLinked = 0xFFFF;

    struct Node {
        std::uint64_t expires = 0;
        std::uint64_t cookie = 0;
        std::uint32_t next = kNil;
        std::uint32_t prev = kNil;
        std::uint32_t generation = 1;
        std::uint16_t list = kNotLinked;  // which list holds it; kNotLinked when free
    };

    void link(std::uint32_t index, std::uint16_t list) noexcept;
    void unlink(std::uint32_t index) noexcept;
    void place(std::uint32_t index) noexcept;  // into the list its expiry calls for
    void release(std::uint32_t index) noexcept;
    [[nodiscard]] bool live(TimerHandle handle) const noexcept;
    // The first slot in [from, limit) that needs work (a cascade or a level-0 slot to fire), or
    // `limit` if none.
    [[nodiscard]] std::uint64_t next_event(std::uint64_t from, std::uint64_t limit) const noexcept;
    // Processes slot k's cascades and moves its level-0 timers to the expiring list.
    void begin_slot(std::uint64_t k) noexcept;
    void move_list(std::uint16_t from, std::uint16_t to) noexcept;

    std::vector<Node> nodes_;
    std::array<std::uint32_t, kLevels * kSlots + 2> heads_;
    std::array<std::array<std::uint64_t, kSlots / 64>, kLevels> occupied_{};
    std::uint32_t free_head_ = kNil;
    std::size_t armed_ = 0;
    std::uint64_t now_slot_ = 0;
    unsigned shift_ = 0;
};

template <class OnExpiry>
std::size_t TimerWheel::advance(std::uint64_t now, OnExpiry&& on_expiry) noexcept {
    const std::uint64_t target = now >> shift_;
    std::size_t fired = 0;
    while (now_slot_ < target) {
        const std::uint64_t k = next_event(now_slot_, target);
        if (k >= target) {
            now_slot_ = target;
            break;
        }
        begin_slot(k);  // sets now_slot_ = k + 1 once the slot's timers are on the expiring list
        while (heads_[kExpiringList] != kNil) {
            const std::uint32_t index = heads_[kExpiringList];
            const TimerHandle handle{index, nodes_[index].generation};
            const std::uint64_t cookie = nodes_[index].cookie;
            unlink(index);
            release(index);
            ++fired;
            on_expiry(handle, cookie);
        }
    }
    return fired;
}

}  // namespace rtpx::sched
